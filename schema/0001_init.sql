-- atspace schema, version 1: spaces, members, records, DID documents.
-- Applied by core/db.c inside BEGIN IMMEDIATE; PRAGMA user_version
-- records how many migrations have run.

-- A space: at://<owner_did>/<type>/<skey>.
CREATE TABLE space (
	id		INTEGER PRIMARY KEY,
	owner_did	TEXT NOT NULL,
	type		TEXT NOT NULL,
	skey		TEXT NOT NULL,
	app_policy_ref	TEXT,
	app_policy	TEXT,		-- JSON text of #appPolicy, owner-only
	created_at	INTEGER NOT NULL,	-- ms since epoch
	UNIQUE (owner_did, type, skey)
);

-- Members, the owner included (added when the space is created), so a
-- single lookup answers "may this DID read and write here".
CREATE TABLE member (
	space_id	INTEGER NOT NULL REFERENCES space(id) ON DELETE CASCADE,
	did		TEXT NOT NULL,
	added_at	INTEGER NOT NULL,
	added_by	TEXT,
	PRIMARY KEY (space_id, did)
) WITHOUT ROWID;
CREATE INDEX member_by_did ON member(did);
CREATE INDEX member_by_time ON member(space_id, added_at, did);

-- Records. created_at is the time of the latest write (an upsert
-- moves it); id is the unique tie-breaker for cursors.
CREATE TABLE record (
	id		INTEGER PRIMARY KEY,
	space_id	INTEGER NOT NULL REFERENCES space(id) ON DELETE CASCADE,
	collection	TEXT NOT NULL,
	author_did	TEXT NOT NULL,
	rkey		TEXT NOT NULL,
	cid		TEXT,
	body		TEXT NOT NULL,	-- the record, compact JSON
	created_at	INTEGER NOT NULL,
	UNIQUE (space_id, collection, author_did, rkey)
);
CREATE INDEX record_by_time ON record(space_id, collection, created_at, id);
CREATE INDEX record_by_author
	ON record(space_id, collection, author_did, created_at, id);

-- DID documents fetched from the PLC directory or did:web, shared by
-- all workers. Only documents that yielded a usable key are stored.
CREATE TABLE did_cache (
	did		TEXT PRIMARY KEY,
	doc		TEXT NOT NULL,
	fetched_at	INTEGER NOT NULL	-- ms since epoch
) WITHOUT ROWID;
