/* atspace: ISC licence, see README.md. */
/*
 * Storage: the one module that speaks SQL. Each worker holds one
 * struct db (one connection, opened after fork, statements prepared
 * once). Every function that can fail on the database fills a struct
 * xerr: 503 when the database is busy, full or read-only, 500 else.
 */
#ifndef DB_H
#define DB_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct xerr;
struct db;

/* Results that callers tell apart; failures are DB_ERROR with err set. */
enum db_result {
	DB_OK,
	DB_NOTFOUND,
	DB_EXISTS,
	DB_CONFLICT,
	DB_ERROR = -1
};

struct db_space {
	int64_t	 id;
	char	 owner[2049];
	char	 type[318];
	char	 key[513];
	char	*app_policy_ref;	/* malloc'd or NULL */
	char	*app_policy;		/* malloc'd JSON text or NULL */
	int64_t	 created_at;
};

struct db_record {
	char	*body;			/* malloc'd JSON text */
	char	*cid;			/* malloc'd or NULL */
	int64_t	 created_at;
};

/* Connections and the schema. */

/*
 * Opens the database at cfg->db_path in WAL mode with the configured
 * durability, foreign keys and busy timeout, and migrates the schema.
 * Returns NULL with a message in errbuf on failure.
 */
struct db	*db_open(const struct config *cfg, char *errbuf, size_t errsz);
void		 db_close(struct db *db);

/* Spaces and members. */

/*
 * Looks up a space by its three parts and whether did is a member
 * (owners are members). *is_member may be NULL. Fills sp (release with
 * db_space_release). Returns DB_OK, DB_NOTFOUND or DB_ERROR.
 */
enum db_result	db_space_get(struct db *db, const char *owner,
		    const char *type, const char *key, const char *did,
		    struct db_space *sp, int *is_member, struct xerr *err);
void		db_space_release(struct db_space *sp);

/*
 * Creates the space described by sp (id ignored, set on success) and
 * its owner's member row in one transaction. Returns DB_OK, DB_EXISTS
 * or DB_ERROR.
 */
enum db_result	db_space_create(struct db *db, struct db_space *sp,
		    struct xerr *err);

/* Adds did to space_id unless already there (first add wins). */
enum db_result	db_member_add(struct db *db, int64_t space_id,
		    const char *did, const char *added_by, int64_t now,
		    struct xerr *err);

/*
 * Removes did from space_id; removing a non-member changes nothing.
 * The caller makes sure did is not the owner.
 */
enum db_result	db_member_remove(struct db *db, int64_t space_id,
		    const char *did, struct xerr *err);

/* Deletes a space with its members and records, in one transaction. */
enum db_result	db_space_delete(struct db *db, int64_t space_id,
		    struct xerr *err);

/*
 * Lists. Each calls fn once per row, in order, with a row that lives
 * only for that call, and stops early (returning DB_ERROR with err as
 * fn left it) when fn returns -1. A cursor is the (time, tie-breaker)
 * of the last row of the previous page; rows strictly after it come
 * next. "after" means older for records and spaces (newest first) and
 * later for members (oldest first).
 */
struct db_cursor {
	int	 set;		/* 0: first page */
	int64_t	 time;
	int64_t	 id;		/* records, spaces */
	char	 did[2049];	/* members */
};

struct db_member {
	const char	*did;
	const char	*added_by;	/* NULL if unknown */
	int64_t		 added_at;
};

struct db_record_row {
	int64_t		 id;
	const char	*author;
	const char	*rkey;
	const char	*body;
	const char	*cid;
	int64_t		 created_at;
};

/* Spaces that did is a member of (owner_only: that did owns). */
enum db_result	db_space_list(struct db *db, const char *did, int owner_only,
		    const char *type, const char *owner,
		    const struct db_cursor *cur, int limit,
		    int (*fn)(void *, const struct db_space *), void *arg,
		    struct xerr *err);
enum db_result	db_member_list(struct db *db, int64_t space_id,
		    const struct db_cursor *cur, int limit,
		    int (*fn)(void *, const struct db_member *), void *arg,
		    struct xerr *err);
/* Records of one collection, newest write first; author may be NULL. */
enum db_result	db_record_list(struct db *db, int64_t space_id,
		    const char *collection, const char *author,
		    const struct db_cursor *cur, int limit,
		    int (*fn)(void *, const struct db_record_row *), void *arg,
		    struct xerr *err);

/* Records. */

/*
 * A record write. With replace set, an existing record with the same
 * (space, collection, author, rkey) is replaced; without it such a
 * record makes the write DB_EXISTS. swap, when not DB_SWAP_NONE, is the
 * compare-and-swap of atproto's repo writes: the write happens only if
 * no record exists (DB_SWAP_ABSENT) or the current one has CID swap_cid
 * (DB_SWAP_CID); otherwise it answers DB_CONFLICT and changes nothing.
 */
enum db_swap {
	DB_SWAP_NONE,
	DB_SWAP_ABSENT,
	DB_SWAP_CID,
};

struct db_put {
	int64_t		 space_id;
	const char	*collection;
	const char	*author;
	const char	*rkey;
	const char	*body;		/* compact JSON */
	const char	*cid;		/* the body's DAG-CBOR CID */
	int64_t		 now;
	int		 replace;
	enum db_swap	 swap;
	const char	*swap_cid;
};

enum db_result	db_record_put(struct db *db, const struct db_put *put,
		    struct xerr *err);

/* Deletes one record; an absent record is DB_OK too. */
enum db_result	db_record_delete(struct db *db, int64_t space_id,
		    const char *collection, const char *author,
		    const char *rkey, struct xerr *err);

/* Reads one record into rec (release with db_record_release). */
enum db_result	db_record_get(struct db *db, int64_t space_id,
		    const char *collection, const char *author,
		    const char *rkey, struct db_record *rec,
		    struct xerr *err);
void		db_record_release(struct db_record *rec);

/* The DID document cache. */

/*
 * Returns the cached document for did fetched after min_fetched_at
 * (ms) in *doc (malloc'd), or DB_NOTFOUND.
 */
enum db_result	db_didcache_get(struct db *db, const char *did,
		    int64_t min_fetched_at, char **doc, struct xerr *err);
enum db_result	db_didcache_put(struct db *db, const char *did,
		    const char *doc, int64_t now, struct xerr *err);
enum db_result	db_didcache_delete(struct db *db, const char *did,
		    struct xerr *err);

/* Health. */

/* Reads the space table; 0 when the database answered, else -1. */
int		db_ping(struct db *db);

/*
 * Invites, blobs and maintenance (issue 4).
 *
 * Work that spans the database and the file system (storing a blob,
 * the orphan pass, redeeming an invite) runs between db_txn_begin and
 * db_txn_commit; the functions marked "inside a transaction" open none
 * of their own. db_txn_rollback does nothing when none is open.
 */

int		db_txn_begin(struct db *db, struct xerr *err);
/*
 * Like db_txn_begin, but never waits: returns 1 (nothing begun) when
 * another writer holds the lock. For upkeep that must not hold up the
 * requests queued on this worker.
 */
int		db_txn_try_begin(struct db *db, struct xerr *err);
int		db_txn_commit(struct db *db, struct xerr *err);
void		db_txn_rollback(struct db *db);

/* An invite; times in ms, 0 for "not set" (no expiry, no limit...). */
struct db_invite {
	int64_t	 id;
	int64_t	 space_id;
	char	 token_hash[65];
	char	 kind[16];
	char	 created_by[2049];
	int64_t	 created_at;
	int64_t	 expires_at;
	int64_t	 max_uses;
	int64_t	 used_count;
	int64_t	 revoked_at;
	char	*note;			/* see each function */
	/* The invite's space; filled by db_invite_get only. */
	char	 owner[2049];
	char	 type[318];
	char	 key[513];
};

/*
 * Stores inv (id ignored, set on success; note borrowed). Returns
 * DB_OK, DB_EXISTS (the hash is taken) or DB_ERROR.
 */
enum db_result	db_invite_create(struct db *db, struct db_invite *inv,
		    struct xerr *err);
/*
 * Reads the invite whose hash is token_hash, with its space, into inv
 * (note malloc'd; release with db_invite_release). Returns DB_OK,
 * DB_NOTFOUND or DB_ERROR.
 */
enum db_result	db_invite_get(struct db *db, const char *token_hash,
		    struct db_invite *inv, struct xerr *err);
void		db_invite_release(struct db_invite *inv);
/* Sets revoked_at unless already set: revoking twice keeps the first. */
enum db_result	db_invite_revoke(struct db *db, int64_t id, int64_t now,
		    struct xerr *err);
/* Counts one use; inside a transaction. */
enum db_result	db_invite_use(struct db *db, int64_t id, struct xerr *err);
/*
 * A space's invites, newest first, with the cursor of db_space_list;
 * rows as in the lists above (note borrowed for the call).
 */
enum db_result	db_invite_list(struct db *db, int64_t space_id,
		    int include_revoked, const struct db_cursor *cur,
		    int limit, int (*fn)(void *, const struct db_invite *),
		    void *arg, struct xerr *err);

/* Sets *is_member: whether did is a member (or the owner) of space_id. */
enum db_result	db_member_is(struct db *db, int64_t space_id,
		    const char *did, int *is_member, struct xerr *err);
/* db_member_add inside a transaction. */
enum db_result	db_member_join(struct db *db, int64_t space_id,
		    const char *did, const char *added_by, int64_t now,
		    struct xerr *err);

/*
 * db_record_put that also records the blobs the record references
 * (cids[0..ncids), distinct), in the same transaction. Each must be a
 * blob of put->space_id; the first that is not makes the write
 * DB_NOTFOUND with *missing set to its index, and nothing is written.
 */
enum db_result	db_record_put_refs(struct db *db, const struct db_put *put,
		    char (*cids)[64], size_t ncids, size_t *missing,
		    struct xerr *err);

struct db_blob {
	int64_t		 id;
	int64_t		 space_id;
	const char	*cid;
	const char	*mime_type;
	int64_t		 size;
	const char	*author;
	int64_t		 created_at;
};

/*
 * Stores a blob's metadata, or for one the space has already, its new
 * MIME type and upload time; inside a transaction. Strings borrowed.
 */
enum db_result	db_blob_put(struct db *db, const struct db_blob *b,
		    int64_t now, struct xerr *err);
/*
 * Reads the blob cid of space_id; the strings in b are malloc'd (free
 * with db_blob_release). Returns DB_OK, DB_NOTFOUND or DB_ERROR.
 */
enum db_result	db_blob_get(struct db *db, int64_t space_id, const char *cid,
		    struct db_blob *b, struct xerr *err);
void		db_blob_release(struct db_blob *b);
/* A space's blobs, newest first; author may be NULL. */
enum db_result	db_blob_list(struct db *db, int64_t space_id,
		    const char *author, const struct db_cursor *cur, int limit,
		    int (*fn)(void *, const struct db_blob *), void *arg,
		    struct xerr *err);

/*
 * Claims maintenance task name for this run: DB_OK when it last ran
 * interval ms or more before now (or never) and is now marked as run,
 * DB_EXISTS when it ran more recently; inside a transaction.
 */
enum db_result	db_maint_claim(struct db *db, const char *name, int64_t now,
		    int64_t interval, struct xerr *err);
/*
 * Deletes up to limit blob rows uploaded before "before" that no record
 * references; sets *n to how many. Inside a transaction.
 */
enum db_result	db_blob_collect(struct db *db, int64_t before, int limit,
		    int *n, struct xerr *err);
/*
 * Calls fn with each CID whose rows are all gone (its file may go),
 * then forgets every pending CID; inside a transaction.
 */
enum db_result	db_blob_gone(struct db *db,
		    int (*fn)(void *, const char *cid), void *arg,
		    struct xerr *err);

#endif
