-- atspace schema, version 2: invites, blobs and the blob references
-- of records (issue 4). Applied by core/db.c inside BEGIN IMMEDIATE.

-- Invites. Only the SHA-256 of the token is kept (hex, also the
-- tokenHash clients see); the token itself is shown once, at create.
-- expires_at, max_uses and revoked_at are NULL when not set.
CREATE TABLE invite (
	id		INTEGER PRIMARY KEY,
	space_id	INTEGER NOT NULL REFERENCES space(id) ON DELETE CASCADE,
	token_hash	TEXT NOT NULL UNIQUE,
	kind		TEXT NOT NULL,	-- join, read or read-join
	created_by	TEXT NOT NULL,
	created_at	INTEGER NOT NULL,	-- ms since epoch
	expires_at	INTEGER,
	max_uses	INTEGER,
	used_count	INTEGER NOT NULL DEFAULT 0,
	revoked_at	INTEGER,
	note		TEXT
);
CREATE INDEX invite_by_time ON invite(space_id, created_at, id);

-- Blob metadata; the bytes live in blob_dir under the CID, shared by
-- every space that uploaded the same bytes. created_at is the first
-- upload (what listBlobs shows and pages by), uploaded_at the latest,
-- from which the orphan grace period counts.
CREATE TABLE blob (
	id		INTEGER PRIMARY KEY,
	space_id	INTEGER NOT NULL REFERENCES space(id) ON DELETE CASCADE,
	cid		TEXT NOT NULL,
	mime_type	TEXT NOT NULL,
	size		INTEGER NOT NULL,
	author_did	TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	uploaded_at	INTEGER NOT NULL,
	UNIQUE (space_id, cid)
);
CREATE INDEX blob_by_time ON blob(space_id, created_at, id);
CREATE INDEX blob_by_author ON blob(space_id, author_did, created_at, id);
CREATE INDEX blob_by_upload ON blob(uploaded_at);
CREATE INDEX blob_by_cid ON blob(cid);

-- Which blobs each record references, written with the record in one
-- transaction; a record's rows go with it, and a blob cannot be named
-- by a record of another space (the foreign key includes the space).
CREATE TABLE record_blob (
	record_id	INTEGER NOT NULL REFERENCES record(id) ON DELETE CASCADE,
	space_id	INTEGER NOT NULL,
	cid		TEXT NOT NULL,
	PRIMARY KEY (record_id, cid),
	FOREIGN KEY (space_id, cid) REFERENCES blob(space_id, cid)
	    ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX record_blob_by_blob ON record_blob(space_id, cid);

-- CIDs whose metadata rows went away (orphan pass, deleteSpace): the
-- maintenance pass removes the file once no space holds the CID.
CREATE TABLE blob_gone (
	cid		TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TRIGGER blob_gone_on_delete AFTER DELETE ON blob BEGIN
	INSERT OR IGNORE INTO blob_gone (cid) VALUES (OLD.cid);
END;

-- When each maintenance task last ran, so that one worker at a time,
-- once per interval, does it.
CREATE TABLE maint (
	name		TEXT PRIMARY KEY,
	last_run	INTEGER NOT NULL	-- ms since epoch
) WITHOUT ROWID;
