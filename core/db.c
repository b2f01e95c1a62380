/* atspace: ISC licence, see README.md. */
/*
 * Storage on SQLite. This file owns the connection, the schema
 * migrations (compiled in from schema/ by tests/tools/embed.sh), the
 * prepared statements and the mapping of SQLite failures onto client
 * errors. It knows nothing of HTTP or JSON beyond storing JSON text.
 *
 * Every write is one BEGIN IMMEDIATE transaction, so a writer takes
 * the lock up front and waits at most busy_timeout for it instead of
 * failing half way with SQLITE_BUSY on lock upgrade.
 */
#include <sys/file.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "xerr.h"

/* From build/schema_sql.c. */
extern const char *const schema_migrations[];
extern const int schema_migration_count;

enum db_stmt {
	DB_STMT_BEGIN,
	DB_STMT_COMMIT,
	DB_STMT_ROLLBACK,
	DB_STMT_SPACE_GET,
	DB_STMT_SPACE_INSERT,
	DB_STMT_MEMBER_INSERT,
	DB_STMT_RECORD_UPSERT,
	DB_STMT_RECORD_INSERT,
	DB_STMT_RECORD_GET,
	DB_STMT_MEMBER_DELETE,
	DB_STMT_SPACE_DELETE,
	DB_STMT_SPACE_LIST,
	DB_STMT_MEMBER_LIST,
	DB_STMT_MEMBER_LIST_AFTER,
	DB_STMT_RECORD_LIST,
	DB_STMT_RECORD_LIST_AFTER,
	DB_STMT_RECORD_LIST_BY,
	DB_STMT_RECORD_LIST_BY_AFTER,
	DB_STMT_RECORD_DELETE,
	DB_STMT_DIDCACHE_GET,
	DB_STMT_DIDCACHE_PUT,
	DB_STMT_DIDCACHE_DELETE,
	/* Invites, blobs and maintenance (issue 4). */
	DB_STMT_INVITE_INSERT,
	DB_STMT_INVITE_GET,
	DB_STMT_INVITE_REVOKE,
	DB_STMT_INVITE_USE,
	DB_STMT_INVITE_LIST,
	DB_STMT_INVITE_LIST_AFTER,
	DB_STMT_MEMBER_IS,
	DB_STMT_RECORD_ID,
	DB_STMT_RECORD_BLOB_CLEAR,
	DB_STMT_RECORD_BLOB_ADD,
	DB_STMT_BLOB_UPSERT,
	DB_STMT_BLOB_GET,
	DB_STMT_BLOB_LIST,
	DB_STMT_BLOB_LIST_AFTER,
	DB_STMT_BLOB_LIST_BY,
	DB_STMT_BLOB_LIST_BY_AFTER,
	DB_STMT_MAINT_GET,
	DB_STMT_MAINT_SET,
	DB_STMT_BLOB_COLLECT,
	DB_STMT_BLOB_GONE_LIST,
	DB_STMT_BLOB_GONE_CLEAR,
	DB_STMT_MAX
};

static const char *const db_sql[DB_STMT_MAX] = {
	[DB_STMT_BEGIN] = "BEGIN IMMEDIATE",
	[DB_STMT_COMMIT] = "COMMIT",
	[DB_STMT_ROLLBACK] = "ROLLBACK",
	[DB_STMT_SPACE_GET] =
	    "SELECT id, app_policy_ref, app_policy, created_at,"
	    " EXISTS(SELECT 1 FROM member m"
	    "  WHERE m.space_id = space.id AND m.did = ?4)"
	    " FROM space WHERE owner_did = ?1 AND type = ?2 AND skey = ?3",
	[DB_STMT_SPACE_INSERT] =
	    "INSERT INTO space (owner_did, type, skey, app_policy_ref,"
	    " app_policy, created_at) VALUES (?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT DO NOTHING",
	[DB_STMT_MEMBER_INSERT] =
	    "INSERT INTO member (space_id, did, added_at, added_by)"
	    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
	[DB_STMT_RECORD_UPSERT] =
	    "INSERT INTO record (space_id, collection, author_did, rkey,"
	    " body, cid, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT (space_id, collection, author_did, rkey)"
	    " DO UPDATE SET body = excluded.body, cid = excluded.cid,"
	    " created_at = excluded.created_at",
	[DB_STMT_RECORD_INSERT] =
	    "INSERT INTO record (space_id, collection, author_did, rkey,"
	    " body, cid, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT DO NOTHING",
	[DB_STMT_RECORD_GET] =
	    "SELECT body, cid, created_at FROM record WHERE space_id = ?"
	    " AND collection = ? AND author_did = ? AND rkey = ?",
	[DB_STMT_MEMBER_DELETE] =
	    "DELETE FROM member WHERE space_id = ? AND did = ?",
	[DB_STMT_SPACE_DELETE] = "DELETE FROM space WHERE id = ?",
	/*
	 * A user is in few spaces, so one statement with the cursor as
	 * (?5 set, ?6 time, ?7 id) serves every page of theirs.
	 */
	[DB_STMT_SPACE_LIST] =
	    "SELECT s.id, s.owner_did, s.type, s.skey, s.app_policy_ref,"
	    " s.app_policy, s.created_at FROM member m"
	    " JOIN space s ON s.id = m.space_id"
	    " WHERE m.did = ?1 AND (?2 = 0 OR s.owner_did = ?1)"
	    " AND (?3 IS NULL OR s.type = ?3)"
	    " AND (?4 IS NULL OR s.owner_did = ?4)"
	    " AND (?5 = 0 OR (s.created_at, s.id) < (?6, ?7))"
	    " ORDER BY s.created_at DESC, s.id DESC LIMIT ?8",
	/*
	 * Members and records can be many: each page is its own statement
	 * whose row-value bound SQLite turns into an index range, so a
	 * deep page starts at the cursor instead of walking up to it.
	 */
	[DB_STMT_MEMBER_LIST] =
	    "SELECT did, added_by, added_at FROM member WHERE space_id = ?1"
	    " ORDER BY added_at, did LIMIT ?5",
	[DB_STMT_MEMBER_LIST_AFTER] =
	    "SELECT did, added_by, added_at FROM member WHERE space_id = ?1"
	    " AND (added_at, did) > (?3, ?4)"
	    " ORDER BY added_at, did LIMIT ?5",
	[DB_STMT_RECORD_LIST] =
	    "SELECT id, author_did, rkey, body, cid, created_at FROM record"
	    " WHERE space_id = ?1 AND collection = ?2"
	    " ORDER BY created_at DESC, id DESC LIMIT ?7",
	[DB_STMT_RECORD_LIST_AFTER] =
	    "SELECT id, author_did, rkey, body, cid, created_at FROM record"
	    " WHERE space_id = ?1 AND collection = ?2"
	    " AND (created_at, id) < (?5, ?6)"
	    " ORDER BY created_at DESC, id DESC LIMIT ?7",
	[DB_STMT_RECORD_LIST_BY] =
	    "SELECT id, author_did, rkey, body, cid, created_at FROM record"
	    " WHERE space_id = ?1 AND collection = ?2 AND author_did = ?3"
	    " ORDER BY created_at DESC, id DESC LIMIT ?7",
	[DB_STMT_RECORD_LIST_BY_AFTER] =
	    "SELECT id, author_did, rkey, body, cid, created_at FROM record"
	    " WHERE space_id = ?1 AND collection = ?2 AND author_did = ?3"
	    " AND (created_at, id) < (?5, ?6)"
	    " ORDER BY created_at DESC, id DESC LIMIT ?7",
	[DB_STMT_RECORD_DELETE] =
	    "DELETE FROM record WHERE space_id = ? AND collection = ?"
	    " AND author_did = ? AND rkey = ?",
	[DB_STMT_DIDCACHE_GET] =
	    "SELECT doc FROM did_cache WHERE did = ? AND fetched_at > ?",
	[DB_STMT_DIDCACHE_PUT] =
	    "INSERT INTO did_cache (did, doc, fetched_at) VALUES (?, ?, ?)"
	    " ON CONFLICT (did) DO UPDATE SET doc = excluded.doc,"
	    " fetched_at = excluded.fetched_at",
	[DB_STMT_DIDCACHE_DELETE] = "DELETE FROM did_cache WHERE did = ?",
	/* Invites, blobs and maintenance (issue 4). */
	[DB_STMT_INVITE_INSERT] =
	    "INSERT INTO invite (space_id, token_hash, kind, created_by,"
	    " created_at, expires_at, max_uses, note)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
	[DB_STMT_INVITE_GET] =
	    "SELECT i.id, i.space_id, i.token_hash, i.kind, i.created_by,"
	    " i.created_at, i.expires_at, i.max_uses, i.used_count,"
	    " i.revoked_at, i.note, s.owner_did, s.type, s.skey"
	    " FROM invite i JOIN space s ON s.id = i.space_id"
	    " WHERE i.token_hash = ?",
	[DB_STMT_INVITE_REVOKE] =
	    "UPDATE invite SET revoked_at = ?2"
	    " WHERE id = ?1 AND revoked_at IS NULL",
	[DB_STMT_INVITE_USE] =
	    "UPDATE invite SET used_count = used_count + 1 WHERE id = ?",
	[DB_STMT_INVITE_LIST] =
	    "SELECT id, space_id, token_hash, kind, created_by, created_at,"
	    " expires_at, max_uses, used_count, revoked_at, note FROM invite"
	    " WHERE space_id = ?1 AND (?2 OR revoked_at IS NULL)"
	    " ORDER BY created_at DESC, id DESC LIMIT ?5",
	[DB_STMT_INVITE_LIST_AFTER] =
	    "SELECT id, space_id, token_hash, kind, created_by, created_at,"
	    " expires_at, max_uses, used_count, revoked_at, note FROM invite"
	    " WHERE space_id = ?1 AND (?2 OR revoked_at IS NULL)"
	    " AND (created_at, id) < (?3, ?4)"
	    " ORDER BY created_at DESC, id DESC LIMIT ?5",
	[DB_STMT_MEMBER_IS] =
	    "SELECT 1 FROM member WHERE space_id = ? AND did = ?",
	[DB_STMT_RECORD_ID] =
	    "SELECT id FROM record WHERE space_id = ? AND collection = ?"
	    " AND author_did = ? AND rkey = ?",
	[DB_STMT_RECORD_BLOB_CLEAR] =
	    "DELETE FROM record_blob WHERE record_id = ?",
	/* No row when the space has no such blob: the caller's 400. */
	[DB_STMT_RECORD_BLOB_ADD] =
	    "INSERT OR IGNORE INTO record_blob (record_id, space_id, cid)"
	    " SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM blob"
	    "  WHERE space_id = ?2 AND cid = ?3)",
	[DB_STMT_BLOB_UPSERT] =
	    "INSERT INTO blob (space_id, cid, mime_type, size, author_did,"
	    " created_at, uploaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
	    " ON CONFLICT (space_id, cid) DO UPDATE SET"
	    " mime_type = excluded.mime_type,"
	    " uploaded_at = excluded.uploaded_at",
	[DB_STMT_BLOB_GET] =
	    "SELECT id, mime_type, size, author_did, created_at FROM blob"
	    " WHERE space_id = ? AND cid = ?",
	[DB_STMT_BLOB_LIST] =
	    "SELECT id, cid, mime_type, size, author_did, created_at"
	    " FROM blob WHERE space_id = ?1"
	    " ORDER BY created_at DESC, id DESC LIMIT ?5",
	[DB_STMT_BLOB_LIST_AFTER] =
	    "SELECT id, cid, mime_type, size, author_did, created_at"
	    " FROM blob WHERE space_id = ?1 AND (created_at, id) < (?3, ?4)"
	    " ORDER BY created_at DESC, id DESC LIMIT ?5",
	[DB_STMT_BLOB_LIST_BY] =
	    "SELECT id, cid, mime_type, size, author_did, created_at"
	    " FROM blob WHERE space_id = ?1 AND author_did = ?2"
	    " ORDER BY created_at DESC, id DESC LIMIT ?5",
	[DB_STMT_BLOB_LIST_BY_AFTER] =
	    "SELECT id, cid, mime_type, size, author_did, created_at"
	    " FROM blob WHERE space_id = ?1 AND author_did = ?2"
	    " AND (created_at, id) < (?3, ?4)"
	    " ORDER BY created_at DESC, id DESC LIMIT ?5",
	[DB_STMT_MAINT_GET] = "SELECT last_run FROM maint WHERE name = ?",
	[DB_STMT_MAINT_SET] =
	    "INSERT INTO maint (name, last_run) VALUES (?, ?)"
	    " ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run",
	[DB_STMT_BLOB_COLLECT] =
	    "DELETE FROM blob WHERE id IN (SELECT b.id FROM blob b"
	    " WHERE b.uploaded_at < ?1 AND NOT EXISTS (SELECT 1"
	    "  FROM record_blob r WHERE r.space_id = b.space_id"
	    "  AND r.cid = b.cid) LIMIT ?2)",
	[DB_STMT_BLOB_GONE_LIST] =
	    "SELECT g.cid FROM blob_gone g"
	    " WHERE NOT EXISTS (SELECT 1 FROM blob b WHERE b.cid = g.cid)",
	[DB_STMT_BLOB_GONE_CLEAR] = "DELETE FROM blob_gone",
};

struct db {
	sqlite3		*conn;
	sqlite3_stmt	*stmt[DB_STMT_MAX];
	int		 wlock;		/* fd of <db>-wlock, or -1 */
	int		 locked;	/* we hold wlock */
	int		 busy_ms;	/* the configured busy timeout */
};

/*
 * Turns a failed SQLite call into a client error and a log line. Busy,
 * full and read-only databases are the infrastructure's state, not a
 * bug: they answer 503 so clients retry. Returns DB_ERROR.
 */
static enum db_result
db_fail(struct db *db, int rc, const char *what, struct xerr *err)
{
	int	 prim = rc & 0xff;

	log_error("%s: %s (%d)", what, sqlite3_errmsg(db->conn), rc);
	switch (prim) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		xerr_set(err, 503, "ServiceUnavailable",
		    "the database is busy, try again");
		break;
	case SQLITE_FULL:
		xerr_set(err, 503, "NotEnoughResources",
		    "the database has no space left");
		break;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		xerr_set(err, 503, "NotEnoughResources",
		    "the database cannot be written");
		break;
	default:
		xerr_internal(err);
		break;
	}
	return DB_ERROR;
}

/*
 * Returns the cached statement s, reset and with bindings cleared,
 * preparing it on first use; NULL (err set) on failure.
 */
static sqlite3_stmt *
db_stmt(struct db *db, enum db_stmt s, struct xerr *err)
{
	int	 rc;

	assert(s < DB_STMT_MAX);
	if (db->stmt[s] == NULL) {
		rc = sqlite3_prepare_v3(db->conn, db_sql[s], -1,
		    SQLITE_PREPARE_PERSISTENT, &db->stmt[s], NULL);
		if (rc != SQLITE_OK) {
			db_fail(db, rc, "db_stmt: prepare", err);
			return NULL;
		}
	}
	return db->stmt[s];
}

/* Resets a cached statement after use so it holds no read lock. */
static void
db_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/*
 * The workers' writer queue. SQLite's busy handler polls, sleeping 1 ms
 * and more between tries, so workers that contend for the write lock
 * mostly sleep while the lock is free. Workers therefore take an flock
 * on <db>-wlock around each write transaction: the kernel wakes the
 * next writer the moment the last one commits, and releases the lock
 * of a worker that dies.
 *
 * The busy timeout bounds the whole wait, queue included: whatever the
 * flock took is taken off the time BEGIN IMMEDIATE may then wait for
 * SQLite's own lock (held by another process, say atspacectl). Writers
 * queued behind one that waits out the timeout thus all answer within
 * about one timeout, not one timeout each.
 */
static int64_t
db_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
db_writer_lock(struct db *db)
{
	int64_t	 t0, left;

	if (db->wlock == -1 || db->locked)
		return;
	t0 = db_now_ms();
	while (flock(db->wlock, LOCK_EX) == -1 && errno == EINTR)
		continue;
	db->locked = 1;
	left = db->busy_ms - (db_now_ms() - t0);
	sqlite3_busy_timeout(db->conn, left > 0 ? (int)left : 0);
}

static void
db_writer_unlock(struct db *db)
{
	if (!db->locked)
		return;
	flock(db->wlock, LOCK_UN);
	db->locked = 0;
	sqlite3_busy_timeout(db->conn, db->busy_ms);
}

/* Runs one of the argument-less transaction statements. */
static int
db_exec(struct db *db, enum db_stmt s, struct xerr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (s == DB_STMT_BEGIN)
		db_writer_lock(db);
	if ((st = db_stmt(db, s, err)) == NULL)
		rc = SQLITE_NOMEM;
	else {
		rc = sqlite3_step(st);
		db_done(st);
	}
	/* After a failed COMMIT the transaction is open until ROLLBACK. */
	if (s == DB_STMT_ROLLBACK || sqlite3_get_autocommit(db->conn))
		db_writer_unlock(db);
	if (rc != SQLITE_DONE) {
		if (st != NULL)
			db_fail(db, rc, db_sql[s], err);
		return -1;
	}
	return 0;
}

/* Rolls back if a transaction is open; used on every failure path. */
static void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->conn))
		db_exec(db, DB_STMT_ROLLBACK, NULL);
}

static int
db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static char *
db_column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char	*s = sqlite3_column_text(st, i);

	return s == NULL ? NULL : strdup((const char *)s);
}

/*
 * Applies the migrations the database lacks, under a write lock so that
 * workers starting together apply each exactly once.
 */
static int
db_migrate(struct db *db, char *errbuf, size_t errsz)
{
	sqlite3_stmt	*st = NULL;
	char		*msg = NULL;
	char		 sql[64];
	int		 version, i, rc = -1;

	if (sqlite3_exec(db->conn, "BEGIN IMMEDIATE", NULL, NULL, &msg))
		goto out;
	if (sqlite3_prepare_v2(db->conn, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		goto out;
	version = sqlite3_column_int(st, 0);
	if (version > schema_migration_count) {
		snprintf(errbuf, errsz, "database schema version %d is newer"
		    " than this program's %d", version,
		    schema_migration_count);
		sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_finalize(st);
		return -1;
	}
	for (i = version; i < schema_migration_count; i++) {
		if (sqlite3_exec(db->conn, schema_migrations[i], NULL, NULL,
		    &msg) != SQLITE_OK)
			goto out;
		log_info("applied schema migration %d", i + 1);
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    schema_migration_count);
	if (sqlite3_exec(db->conn, sql, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db->conn, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		snprintf(errbuf, errsz, "schema migration: %s",
		    msg != NULL ? msg : sqlite3_errmsg(db->conn));
		if (!sqlite3_get_autocommit(db->conn))
			sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_free(msg);
	sqlite3_finalize(st);
	return rc;
}

/* Sets the connection's pragmas; WAL mode persists in the file. */
static int
db_configure(struct db *db, const struct config *cfg, char *errbuf,
    size_t errsz)
{
	sqlite3_stmt	*st = NULL;
	const char	*sync;
	char		 sql[128];
	int		 wal = 0, rc, waited;

	db->busy_ms = cfg->busy_timeout_ms;
	sqlite3_busy_timeout(db->conn, cfg->busy_timeout_ms);
	/*
	 * Switching a new file to WAL needs an exclusive lock, and SQLite
	 * answers SQLITE_BUSY at once, without the busy handler, when
	 * another process holds one: workers opening a fresh file together
	 * retry here for up to busy_timeout.
	 */
	for (waited = 0; !wal; waited += 10) {
		rc = sqlite3_prepare_v2(db->conn, "PRAGMA journal_mode = WAL",
		    -1, &st, NULL);
		if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
			wal = strcmp((const char *)sqlite3_column_text(st, 0),
			    "wal") == 0;
		sqlite3_finalize(st);
		st = NULL;
		if (wal || (rc & 0xff) != SQLITE_BUSY ||
		    waited >= cfg->busy_timeout_ms)
			break;
		sqlite3_sleep(10);
	}
	if (!wal) {
		snprintf(errbuf, errsz, "cannot put %s in WAL mode: %s",
		    cfg->db_path, sqlite3_errmsg(db->conn));
		return -1;
	}
	sync = cfg->durability == CONFIG_DURABILITY_FULL ? "FULL" : "NORMAL";
	snprintf(sql, sizeof(sql), "PRAGMA synchronous = %s;"
	    " PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY", sync);
	if (sqlite3_exec(db->conn, sql, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(errbuf, errsz, "cannot configure %s: %s",
		    cfg->db_path, sqlite3_errmsg(db->conn));
		return -1;
	}
	return 0;
}

struct db *
db_open(const struct config *cfg, char *errbuf, size_t errsz)
{
	struct db	*db;
	char		 lock[4096];
	int		 rc;

	if ((db = calloc(1, sizeof(*db))) == NULL) {
		snprintf(errbuf, errsz, "db_open: out of memory");
		return NULL;
	}
	db->wlock = -1;
	rc = sqlite3_open_v2(cfg->db_path, &db->conn, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(errbuf, errsz, "cannot open %s: %s", cfg->db_path,
		    db->conn != NULL ? sqlite3_errmsg(db->conn) :
		    sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(db->conn, 1);
	if (snprintf(lock, sizeof(lock), "%s-wlock", cfg->db_path) <
	    (int)sizeof(lock))
		db->wlock = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (db->wlock == -1)
		log_warn("writer lock %s, writes will poll instead", lock);
	if (db_configure(db, cfg, errbuf, errsz) == -1 ||
	    db_migrate(db, errbuf, errsz) == -1)
		goto fail;
	return db;
fail:
	db_close(db);
	return NULL;
}

void
db_close(struct db *db)
{
	int	 i;

	if (db == NULL)
		return;
	for (i = 0; i < DB_STMT_MAX; i++)
		sqlite3_finalize(db->stmt[i]);
	sqlite3_close(db->conn);
	if (db->wlock != -1)
		close(db->wlock);
	free(db);
}

enum db_result
db_space_get(struct db *db, const char *owner, const char *type,
    const char *key, const char *did, struct db_space *sp, int *is_member,
    struct xerr *err)
{
	sqlite3_stmt	*st;
	enum db_result	 res;
	int		 rc;

	memset(sp, 0, sizeof(*sp));
	if ((st = db_stmt(db, DB_STMT_SPACE_GET, err)) == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, owner);
	db_bind_text(st, 2, type);
	db_bind_text(st, 3, key);
	db_bind_text(st, 4, did != NULL ? did : "");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sp->id = sqlite3_column_int64(st, 0);
		snprintf(sp->owner, sizeof(sp->owner), "%s", owner);
		snprintf(sp->type, sizeof(sp->type), "%s", type);
		snprintf(sp->key, sizeof(sp->key), "%s", key);
		sp->app_policy_ref = db_column_dup(st, 1);
		sp->app_policy = db_column_dup(st, 2);
		sp->created_at = sqlite3_column_int64(st, 3);
		if (is_member != NULL)
			*is_member = sqlite3_column_int(st, 4);
		res = DB_OK;
	} else if (rc == SQLITE_DONE)
		res = DB_NOTFOUND;
	else
		res = db_fail(db, rc, "db_space_get", err);
	db_done(st);
	return res;
}

void
db_space_release(struct db_space *sp)
{
	free(sp->app_policy_ref);
	free(sp->app_policy);
	sp->app_policy_ref = sp->app_policy = NULL;
}

/* Inserts the member row inside the caller's transaction. */
static enum db_result
db_member_insert(struct db *db, int64_t space_id, const char *did,
    const char *added_by, int64_t now, struct xerr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, DB_STMT_MEMBER_INSERT, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, space_id);
	db_bind_text(st, 2, did);
	sqlite3_bind_int64(st, 3, now);
	db_bind_text(st, 4, added_by);
	rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "db_member_insert", err);
	return DB_OK;
}

enum db_result
db_space_create(struct db *db, struct db_space *sp, struct xerr *err)
{
	sqlite3_stmt	*st;
	enum db_result	 res = DB_ERROR;
	int		 rc;

	if (db_exec(db, DB_STMT_BEGIN, err) == -1)
		return DB_ERROR;
	if ((st = db_stmt(db, DB_STMT_SPACE_INSERT, err)) == NULL)
		goto out;
	db_bind_text(st, 1, sp->owner);
	db_bind_text(st, 2, sp->type);
	db_bind_text(st, 3, sp->key);
	db_bind_text(st, 4, sp->app_policy_ref);
	db_bind_text(st, 5, sp->app_policy);
	sqlite3_bind_int64(st, 6, sp->created_at);
	rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		db_fail(db, rc, "db_space_create", err);
		goto out;
	}
	if (sqlite3_changes(db->conn) == 0) {
		res = DB_EXISTS;
		goto out;
	}
	sp->id = sqlite3_last_insert_rowid(db->conn);
	if (db_member_insert(db, sp->id, sp->owner, sp->owner,
	    sp->created_at, err) != DB_OK)
		goto out;
	if (db_exec(db, DB_STMT_COMMIT, err) == -1)
		goto out;
	res = DB_OK;
out:
	if (res != DB_OK)
		db_rollback(db);
	return res;
}

enum db_result
db_member_add(struct db *db, int64_t space_id, const char *did,
    const char *added_by, int64_t now, struct xerr *err)
{
	if (db_exec(db, DB_STMT_BEGIN, err) == -1)
		return DB_ERROR;
	if (db_member_insert(db, space_id, did, added_by, now, err) != DB_OK ||
	    db_exec(db, DB_STMT_COMMIT, err) == -1) {
		db_rollback(db);
		return DB_ERROR;
	}
	return DB_OK;
}

/*
 * Checks the swap condition of put inside the open transaction.
 * Returns DB_OK to go on, DB_CONFLICT, or DB_ERROR.
 */
static enum db_result
db_record_swap(struct db *db, const struct db_put *put, struct xerr *err)
{
	sqlite3_stmt	*st;
	const char	*cid;
	enum db_result	 res;
	int		 rc;

	if (put->swap == DB_SWAP_NONE)
		return DB_OK;
	if ((st = db_stmt(db, DB_STMT_RECORD_GET, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, put->space_id);
	db_bind_text(st, 2, put->collection);
	db_bind_text(st, 3, put->author);
	db_bind_text(st, 4, put->rkey);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		cid = (const char *)sqlite3_column_text(st, 1);
		res = put->swap == DB_SWAP_CID && cid != NULL &&
		    strcmp(cid, put->swap_cid) == 0 ? DB_OK : DB_CONFLICT;
	} else if (rc == SQLITE_DONE)
		res = put->swap == DB_SWAP_ABSENT ? DB_OK : DB_CONFLICT;
	else
		res = db_fail(db, rc, "db_record_swap", err);
	db_done(st);
	return res;
}

enum db_result
db_record_put(struct db *db, const struct db_put *put, struct xerr *err)
{
	sqlite3_stmt	*st;
	enum db_result	 res = DB_ERROR;
	int		 rc;

	if (db_exec(db, DB_STMT_BEGIN, err) == -1)
		return DB_ERROR;
	if ((res = db_record_swap(db, put, err)) != DB_OK)
		goto out;
	res = DB_ERROR;
	st = db_stmt(db, put->replace ? DB_STMT_RECORD_UPSERT :
	    DB_STMT_RECORD_INSERT, err);
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, put->space_id);
	db_bind_text(st, 2, put->collection);
	db_bind_text(st, 3, put->author);
	db_bind_text(st, 4, put->rkey);
	db_bind_text(st, 5, put->body);
	db_bind_text(st, 6, put->cid);
	sqlite3_bind_int64(st, 7, put->now);
	rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		db_fail(db, rc, "db_record_put", err);
		goto out;
	}
	if (!put->replace && sqlite3_changes(db->conn) == 0) {
		res = DB_EXISTS;
		goto out;
	}
	if (db_exec(db, DB_STMT_COMMIT, err) == -1)
		goto out;
	res = DB_OK;
out:
	if (res != DB_OK)
		db_rollback(db);
	return res;
}

enum db_result
db_record_get(struct db *db, int64_t space_id, const char *collection,
    const char *author, const char *rkey, struct db_record *rec,
    struct xerr *err)
{
	sqlite3_stmt	*st;
	enum db_result	 res;
	int		 rc;

	memset(rec, 0, sizeof(*rec));
	if ((st = db_stmt(db, DB_STMT_RECORD_GET, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, space_id);
	db_bind_text(st, 2, collection);
	db_bind_text(st, 3, author);
	db_bind_text(st, 4, rkey);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rec->body = db_column_dup(st, 0);
		rec->cid = db_column_dup(st, 1);
		rec->created_at = sqlite3_column_int64(st, 2);
		res = rec->body != NULL ? DB_OK :
		    (xerr_internal(err), DB_ERROR);
	} else if (rc == SQLITE_DONE)
		res = DB_NOTFOUND;
	else
		res = db_fail(db, rc, "db_record_get", err);
	db_done(st);
	return res;
}

void
db_record_release(struct db_record *rec)
{
	free(rec->body);
	free(rec->cid);
	rec->body = rec->cid = NULL;
}

enum db_result
db_didcache_get(struct db *db, const char *did, int64_t min_fetched_at,
    char **doc, struct xerr *err)
{
	sqlite3_stmt	*st;
	enum db_result	 res;
	int		 rc;

	*doc = NULL;
	if ((st = db_stmt(db, DB_STMT_DIDCACHE_GET, err)) == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, did);
	sqlite3_bind_int64(st, 2, min_fetched_at);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*doc = db_column_dup(st, 0);
		res = *doc != NULL ? DB_OK : (xerr_internal(err), DB_ERROR);
	} else if (rc == SQLITE_DONE)
		res = DB_NOTFOUND;
	else
		res = db_fail(db, rc, "db_didcache_get", err);
	db_done(st);
	return res;
}

/* Runs a one-statement write with text/int bindings in autocommit. */
static enum db_result
db_didcache_write(struct db *db, enum db_stmt s, const char *did,
    const char *doc, int64_t now, struct xerr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, s, err)) == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, did);
	if (doc != NULL) {
		db_bind_text(st, 2, doc);
		sqlite3_bind_int64(st, 3, now);
	}
	rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "db_didcache_write", err);
	return DB_OK;
}

enum db_result
db_didcache_put(struct db *db, const char *did, const char *doc,
    int64_t now, struct xerr *err)
{
	return db_didcache_write(db, DB_STMT_DIDCACHE_PUT, did, doc, now, err);
}

enum db_result
db_didcache_delete(struct db *db, const char *did, struct xerr *err)
{
	return db_didcache_write(db, DB_STMT_DIDCACHE_DELETE, did, NULL, 0,
	    err);
}

/*
 * Runs st, already bound, as a one-statement write transaction.
 * Autocommit would do for one statement, but BEGIN IMMEDIATE makes the
 * wait for the lock follow busy_timeout the same way for every write.
 */
static enum db_result
db_write1(struct db *db, sqlite3_stmt *st, const char *what,
    struct xerr *err)
{
	int	 rc;

	if (db_exec(db, DB_STMT_BEGIN, err) == -1) {
		db_done(st);
		return DB_ERROR;
	}
	rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		db_fail(db, rc, what, err);
		db_rollback(db);
		return DB_ERROR;
	}
	if (db_exec(db, DB_STMT_COMMIT, err) == -1) {
		db_rollback(db);
		return DB_ERROR;
	}
	return DB_OK;
}

enum db_result
db_member_remove(struct db *db, int64_t space_id, const char *did,
    struct xerr *err)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, DB_STMT_MEMBER_DELETE, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, space_id);
	db_bind_text(st, 2, did);
	return db_write1(db, st, "db_member_remove", err);
}

enum db_result
db_space_delete(struct db *db, int64_t space_id, struct xerr *err)
{
	sqlite3_stmt	*st;

	/* Members and records go with it: ON DELETE CASCADE. */
	if ((st = db_stmt(db, DB_STMT_SPACE_DELETE, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, space_id);
	return db_write1(db, st, "db_space_delete", err);
}

enum db_result
db_record_delete(struct db *db, int64_t space_id, const char *collection,
    const char *author, const char *rkey, struct xerr *err)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, DB_STMT_RECORD_DELETE, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, space_id);
	db_bind_text(st, 2, collection);
	db_bind_text(st, 3, author);
	db_bind_text(st, 4, rkey);
	return db_write1(db, st, "db_record_delete", err);
}

/* Steps a bound list statement, handing each row to row(); see db.h. */
static enum db_result
db_list(struct db *db, sqlite3_stmt *st, const char *what,
    int (*row)(sqlite3_stmt *, void *), void *arg, struct xerr *err)
{
	enum db_result	 res = DB_OK;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (row(st, arg) == -1) {
			res = DB_ERROR;
			break;
		}
	if (res == DB_OK && rc != SQLITE_DONE)
		res = db_fail(db, rc, what, err);
	db_done(st);
	return res;
}

struct db_list_arg {
	union {
		int	(*space)(void *, const struct db_space *);
		int	(*member)(void *, const struct db_member *);
		int	(*record)(void *, const struct db_record_row *);
	} fn;
	void	*arg;
};

static const char *
db_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int
db_space_row(sqlite3_stmt *st, void *arg)
{
	struct db_list_arg	*la = arg;
	struct db_space		 sp;

	memset(&sp, 0, sizeof(sp));
	sp.id = sqlite3_column_int64(st, 0);
	snprintf(sp.owner, sizeof(sp.owner), "%s", db_text(st, 1));
	snprintf(sp.type, sizeof(sp.type), "%s", db_text(st, 2));
	snprintf(sp.key, sizeof(sp.key), "%s", db_text(st, 3));
	/* Borrowed for the call only: fn must not free them. */
	sp.app_policy_ref = (char *)(uintptr_t)db_text(st, 4);
	sp.app_policy = (char *)(uintptr_t)db_text(st, 5);
	sp.created_at = sqlite3_column_int64(st, 6);
	return la->fn.space(la->arg, &sp);
}

enum db_result
db_space_list(struct db *db, const char *did, int owner_only,
    const char *type, const char *owner, const struct db_cursor *cur,
    int limit, int (*fn)(void *, const struct db_space *), void *arg,
    struct xerr *err)
{
	struct db_list_arg	 la = { .fn.space = fn, .arg = arg };
	sqlite3_stmt		*st;

	if ((st = db_stmt(db, DB_STMT_SPACE_LIST, err)) == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, did);
	sqlite3_bind_int(st, 2, owner_only);
	db_bind_text(st, 3, type);
	db_bind_text(st, 4, owner);
	sqlite3_bind_int(st, 5, cur->set);
	sqlite3_bind_int64(st, 6, cur->time);
	sqlite3_bind_int64(st, 7, cur->id);
	sqlite3_bind_int(st, 8, limit);
	return db_list(db, st, "db_space_list", db_space_row, &la, err);
}

static int
db_member_row(sqlite3_stmt *st, void *arg)
{
	struct db_list_arg	*la = arg;
	struct db_member	 m;

	m.did = db_text(st, 0);
	m.added_by = db_text(st, 1);
	m.added_at = sqlite3_column_int64(st, 2);
	return la->fn.member(la->arg, &m);
}

enum db_result
db_member_list(struct db *db, int64_t space_id, const struct db_cursor *cur,
    int limit, int (*fn)(void *, const struct db_member *), void *arg,
    struct xerr *err)
{
	struct db_list_arg	 la = { .fn.member = fn, .arg = arg };
	sqlite3_stmt		*st;

	st = db_stmt(db, cur->set ? DB_STMT_MEMBER_LIST_AFTER :
	    DB_STMT_MEMBER_LIST, err);
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, space_id);
	sqlite3_bind_int64(st, 3, cur->time);
	db_bind_text(st, 4, cur->did);
	sqlite3_bind_int(st, 5, limit);
	return db_list(db, st, "db_member_list", db_member_row, &la, err);
}

static int
db_record_row(sqlite3_stmt *st, void *arg)
{
	struct db_list_arg	*la = arg;
	struct db_record_row	 r;

	r.id = sqlite3_column_int64(st, 0);
	r.author = db_text(st, 1);
	r.rkey = db_text(st, 2);
	r.body = db_text(st, 3);
	r.cid = db_text(st, 4);
	r.created_at = sqlite3_column_int64(st, 5);
	return la->fn.record(la->arg, &r);
}

enum db_result
db_record_list(struct db *db, int64_t space_id, const char *collection,
    const char *author, const struct db_cursor *cur, int limit,
    int (*fn)(void *, const struct db_record_row *), void *arg,
    struct xerr *err)
{
	static const enum db_stmt which[2][2] = {
		{ DB_STMT_RECORD_LIST, DB_STMT_RECORD_LIST_AFTER },
		{ DB_STMT_RECORD_LIST_BY, DB_STMT_RECORD_LIST_BY_AFTER },
	};
	struct db_list_arg	 la = { .fn.record = fn, .arg = arg };
	sqlite3_stmt		*st;

	st = db_stmt(db, which[author != NULL][cur->set != 0], err);
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, space_id);
	db_bind_text(st, 2, collection);
	if (author != NULL)
		db_bind_text(st, 3, author);
	sqlite3_bind_int64(st, 5, cur->time);
	sqlite3_bind_int64(st, 6, cur->id);
	sqlite3_bind_int(st, 7, limit);
	return db_list(db, st, "db_record_list", db_record_row, &la, err);
}

/*
 * The health check's probe: reads the space table on this worker's own
 * connection, waiting for a lock as any read does. Returns 0 when the
 * read worked, or -1 after logging why (locked past busy_timeout, an
 * I/O error, a damaged file).
 */
int
db_ping(struct db *db)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	rc = sqlite3_prepare_v2(db->conn, "SELECT 1 FROM space LIMIT 1", -1,
	    &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	log_error("db_ping: %s (%d)", sqlite3_errmsg(db->conn), rc);
	return -1;
}

/*
 * Invites, blobs and maintenance (issue 4). The multi-step work here
 * is driven from core/invite.c and core/blob.c through db_txn_*, since
 * a blob's file must be renamed into place, or out of it, while the
 * write lock is held.
 */

int
db_txn_begin(struct db *db, struct xerr *err)
{
	return db_exec(db, DB_STMT_BEGIN, err);
}

int
db_txn_try_begin(struct db *db, struct xerr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	/* Neither the writer queue nor SQLite's lock may be waited for. */
	if (db->wlock != -1) {
		if (flock(db->wlock, LOCK_EX | LOCK_NB) == -1)
			return errno == EWOULDBLOCK ? 1 : db_txn_begin(db, err);
		db->locked = 1;
	}
	if ((st = db_stmt(db, DB_STMT_BEGIN, err)) == NULL) {
		db_writer_unlock(db);
		return -1;
	}
	sqlite3_busy_timeout(db->conn, 0);
	rc = sqlite3_step(st);
	db_done(st);
	sqlite3_busy_timeout(db->conn, db->busy_ms);
	if (rc == SQLITE_DONE)
		return 0;
	db_writer_unlock(db);
	if ((rc & 0xff) == SQLITE_BUSY)
		return 1;
	db_fail(db, rc, "db_txn_try_begin", err);
	return -1;
}

int
db_txn_commit(struct db *db, struct xerr *err)
{
	if (db_exec(db, DB_STMT_COMMIT, err) == -1) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

void
db_txn_rollback(struct db *db)
{
	db_rollback(db);
}

/* Binds v, or NULL when v is 0 (the "not set" of struct db_invite). */
static void
db_bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

enum db_result
db_invite_create(struct db *db, struct db_invite *inv, struct xerr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, DB_STMT_INVITE_INSERT, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, inv->space_id);
	db_bind_text(st, 2, inv->token_hash);
	db_bind_text(st, 3, inv->kind);
	db_bind_text(st, 4, inv->created_by);
	sqlite3_bind_int64(st, 5, inv->created_at);
	db_bind_opt(st, 6, inv->expires_at);
	db_bind_opt(st, 7, inv->max_uses);
	db_bind_text(st, 8, inv->note);
	if (db_exec(db, DB_STMT_BEGIN, err) == -1) {
		db_done(st);
		return DB_ERROR;
	}
	rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		db_fail(db, rc, "db_invite_create", err);
		db_rollback(db);
		return DB_ERROR;
	}
	if (sqlite3_changes(db->conn) == 0) {
		db_rollback(db);
		return DB_EXISTS;
	}
	inv->id = sqlite3_last_insert_rowid(db->conn);
	if (db_txn_commit(db, err) == -1)
		return DB_ERROR;
	return DB_OK;
}

/* Fills the invite columns 0..10 shared by the get and list queries. */
static void
db_invite_columns(sqlite3_stmt *st, struct db_invite *inv)
{
	inv->id = sqlite3_column_int64(st, 0);
	inv->space_id = sqlite3_column_int64(st, 1);
	snprintf(inv->token_hash, sizeof(inv->token_hash), "%s",
	    db_text(st, 2));
	snprintf(inv->kind, sizeof(inv->kind), "%s", db_text(st, 3));
	snprintf(inv->created_by, sizeof(inv->created_by), "%s",
	    db_text(st, 4));
	inv->created_at = sqlite3_column_int64(st, 5);
	inv->expires_at = sqlite3_column_int64(st, 6);
	inv->max_uses = sqlite3_column_int64(st, 7);
	inv->used_count = sqlite3_column_int64(st, 8);
	inv->revoked_at = sqlite3_column_int64(st, 9);
}

enum db_result
db_invite_get(struct db *db, const char *token_hash, struct db_invite *inv,
    struct xerr *err)
{
	sqlite3_stmt	*st;
	enum db_result	 res = DB_OK;
	int		 rc;

	memset(inv, 0, sizeof(*inv));
	if ((st = db_stmt(db, DB_STMT_INVITE_GET, err)) == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, token_hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		db_invite_columns(st, inv);
		snprintf(inv->owner, sizeof(inv->owner), "%s", db_text(st, 11));
		snprintf(inv->type, sizeof(inv->type), "%s", db_text(st, 12));
		snprintf(inv->key, sizeof(inv->key), "%s", db_text(st, 13));
		if (sqlite3_column_type(st, 10) != SQLITE_NULL &&
		    (inv->note = db_column_dup(st, 10)) == NULL)
			res = (xerr_internal(err), DB_ERROR);
	} else if (rc == SQLITE_DONE)
		res = DB_NOTFOUND;
	else
		res = db_fail(db, rc, "db_invite_get", err);
	db_done(st);
	return res;
}

void
db_invite_release(struct db_invite *inv)
{
	free(inv->note);
	inv->note = NULL;
}

enum db_result
db_invite_revoke(struct db *db, int64_t id, int64_t now, struct xerr *err)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, DB_STMT_INVITE_REVOKE, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return db_write1(db, st, "db_invite_revoke", err);
}

/* Runs st, already bound, inside the caller's transaction. */
static enum db_result
db_step_done(struct db *db, sqlite3_stmt *st, const char *what,
    struct xerr *err)
{
	int	 rc;

	rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, what, err);
	return DB_OK;
}

enum db_result
db_invite_use(struct db *db, int64_t id, struct xerr *err)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, DB_STMT_INVITE_USE, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, id);
	return db_step_done(db, st, "db_invite_use", err);
}

struct db_list4_arg {
	union {
		int	(*invite)(void *, const struct db_invite *);
		int	(*blob)(void *, const struct db_blob *);
	} fn;
	void	*arg;
};

static int
db_invite_row(sqlite3_stmt *st, void *arg)
{
	struct db_list4_arg	*la = arg;
	struct db_invite	 inv;

	memset(&inv, 0, sizeof(inv));
	db_invite_columns(st, &inv);
	/* Borrowed for the call only. */
	inv.note = (char *)(uintptr_t)db_text(st, 10);
	return la->fn.invite(la->arg, &inv);
}

enum db_result
db_invite_list(struct db *db, int64_t space_id, int include_revoked,
    const struct db_cursor *cur, int limit,
    int (*fn)(void *, const struct db_invite *), void *arg,
    struct xerr *err)
{
	struct db_list4_arg	 la = { .fn.invite = fn, .arg = arg };
	sqlite3_stmt		*st;

	st = db_stmt(db, cur->set ? DB_STMT_INVITE_LIST_AFTER :
	    DB_STMT_INVITE_LIST, err);
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, space_id);
	sqlite3_bind_int(st, 2, include_revoked != 0);
	sqlite3_bind_int64(st, 3, cur->time);
	sqlite3_bind_int64(st, 4, cur->id);
	sqlite3_bind_int(st, 5, limit);
	return db_list(db, st, "db_invite_list", db_invite_row, &la, err);
}

enum db_result
db_member_is(struct db *db, int64_t space_id, const char *did,
    int *is_member, struct xerr *err)
{
	sqlite3_stmt	*st;
	enum db_result	 res = DB_OK;
	int		 rc;

	*is_member = 0;
	if ((st = db_stmt(db, DB_STMT_MEMBER_IS, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, space_id);
	db_bind_text(st, 2, did);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*is_member = 1;
	else if (rc != SQLITE_DONE)
		res = db_fail(db, rc, "db_member_is", err);
	db_done(st);
	return res;
}

enum db_result
db_member_join(struct db *db, int64_t space_id, const char *did,
    const char *added_by, int64_t now, struct xerr *err)
{
	return db_member_insert(db, space_id, did, added_by, now, err);
}

/* The id of put's record, inside the transaction that wrote it. */
static enum db_result
db_record_id(struct db *db, const struct db_put *put, int64_t *id,
    struct xerr *err)
{
	sqlite3_stmt	*st;
	enum db_result	 res = DB_OK;
	int		 rc;

	if ((st = db_stmt(db, DB_STMT_RECORD_ID, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, put->space_id);
	db_bind_text(st, 2, put->collection);
	db_bind_text(st, 3, put->author);
	db_bind_text(st, 4, put->rkey);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else
		res = db_fail(db, rc == SQLITE_DONE ? SQLITE_INTERNAL : rc,
		    "db_record_id", err);
	db_done(st);
	return res;
}

/* Replaces record id's blob rows with cids; see db_record_put_refs. */
static enum db_result
db_record_refs(struct db *db, int64_t space_id, int64_t id,
    char (*cids)[64], size_t ncids, size_t *missing, struct xerr *err)
{
	sqlite3_stmt	*st;
	size_t		 i;

	if ((st = db_stmt(db, DB_STMT_RECORD_BLOB_CLEAR, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, id);
	if (db_step_done(db, st, "db_record_refs", err) != DB_OK)
		return DB_ERROR;
	for (i = 0; i < ncids; i++) {
		if ((st = db_stmt(db, DB_STMT_RECORD_BLOB_ADD, err)) == NULL)
			return DB_ERROR;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, space_id);
		db_bind_text(st, 3, cids[i]);
		if (db_step_done(db, st, "db_record_refs", err) != DB_OK)
			return DB_ERROR;
		if (sqlite3_changes(db->conn) == 0) {
			*missing = i;
			return DB_NOTFOUND;
		}
	}
	return DB_OK;
}

enum db_result
db_record_put_refs(struct db *db, const struct db_put *put,
    char (*cids)[64], size_t ncids, size_t *missing, struct xerr *err)
{
	sqlite3_stmt	*st;
	enum db_result	 res = DB_ERROR;
	int64_t		 id = 0;

	if (db_exec(db, DB_STMT_BEGIN, err) == -1)
		return DB_ERROR;
	if ((res = db_record_swap(db, put, err)) != DB_OK)
		goto out;
	res = DB_ERROR;
	st = db_stmt(db, put->replace ? DB_STMT_RECORD_UPSERT :
	    DB_STMT_RECORD_INSERT, err);
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, put->space_id);
	db_bind_text(st, 2, put->collection);
	db_bind_text(st, 3, put->author);
	db_bind_text(st, 4, put->rkey);
	db_bind_text(st, 5, put->body);
	db_bind_text(st, 6, put->cid);
	sqlite3_bind_int64(st, 7, put->now);
	if (db_step_done(db, st, "db_record_put_refs", err) != DB_OK)
		goto out;
	if (!put->replace && sqlite3_changes(db->conn) == 0) {
		res = DB_EXISTS;
		goto out;
	}
	if (db_record_id(db, put, &id, err) != DB_OK)
		goto out;
	if ((res = db_record_refs(db, put->space_id, id, cids, ncids,
	    missing, err)) != DB_OK)
		goto out;
	res = DB_ERROR;
	if (db_exec(db, DB_STMT_COMMIT, err) == -1)
		goto out;
	res = DB_OK;
out:
	if (res != DB_OK)
		db_rollback(db);
	return res;
}

enum db_result
db_blob_put(struct db *db, const struct db_blob *b, int64_t now,
    struct xerr *err)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, DB_STMT_BLOB_UPSERT, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, b->space_id);
	db_bind_text(st, 2, b->cid);
	db_bind_text(st, 3, b->mime_type);
	sqlite3_bind_int64(st, 4, b->size);
	db_bind_text(st, 5, b->author);
	sqlite3_bind_int64(st, 6, now);
	return db_step_done(db, st, "db_blob_put", err);
}

enum db_result
db_blob_get(struct db *db, int64_t space_id, const char *cid,
    struct db_blob *b, struct xerr *err)
{
	sqlite3_stmt	*st;
	enum db_result	 res = DB_OK;
	int		 rc;

	memset(b, 0, sizeof(*b));
	if ((st = db_stmt(db, DB_STMT_BLOB_GET, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, space_id);
	db_bind_text(st, 2, cid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		b->id = sqlite3_column_int64(st, 0);
		b->space_id = space_id;
		b->cid = strdup(cid);
		b->mime_type = db_column_dup(st, 1);
		b->size = sqlite3_column_int64(st, 2);
		b->author = db_column_dup(st, 3);
		b->created_at = sqlite3_column_int64(st, 4);
		if (b->cid == NULL || b->mime_type == NULL || b->author == NULL)
			res = (xerr_internal(err), DB_ERROR);
	} else if (rc == SQLITE_DONE)
		res = DB_NOTFOUND;
	else
		res = db_fail(db, rc, "db_blob_get", err);
	db_done(st);
	if (res == DB_ERROR)
		db_blob_release(b);
	return res;
}

void
db_blob_release(struct db_blob *b)
{
	free((char *)(uintptr_t)b->cid);
	free((char *)(uintptr_t)b->mime_type);
	free((char *)(uintptr_t)b->author);
	b->cid = b->mime_type = b->author = NULL;
}

static int
db_blob_row(sqlite3_stmt *st, void *arg)
{
	struct db_list4_arg	*la = arg;
	struct db_blob		 b;

	b.id = sqlite3_column_int64(st, 0);
	b.space_id = 0;
	b.cid = db_text(st, 1);
	b.mime_type = db_text(st, 2);
	b.size = sqlite3_column_int64(st, 3);
	b.author = db_text(st, 4);
	b.created_at = sqlite3_column_int64(st, 5);
	return la->fn.blob(la->arg, &b);
}

enum db_result
db_blob_list(struct db *db, int64_t space_id, const char *author,
    const struct db_cursor *cur, int limit,
    int (*fn)(void *, const struct db_blob *), void *arg, struct xerr *err)
{
	static const enum db_stmt which[2][2] = {
		{ DB_STMT_BLOB_LIST, DB_STMT_BLOB_LIST_AFTER },
		{ DB_STMT_BLOB_LIST_BY, DB_STMT_BLOB_LIST_BY_AFTER },
	};
	struct db_list4_arg	 la = { .fn.blob = fn, .arg = arg };
	sqlite3_stmt		*st;

	st = db_stmt(db, which[author != NULL][cur->set != 0], err);
	if (st == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, space_id);
	if (author != NULL)
		db_bind_text(st, 2, author);
	sqlite3_bind_int64(st, 3, cur->time);
	sqlite3_bind_int64(st, 4, cur->id);
	sqlite3_bind_int(st, 5, limit);
	return db_list(db, st, "db_blob_list", db_blob_row, &la, err);
}

enum db_result
db_maint_claim(struct db *db, const char *name, int64_t now,
    int64_t interval, struct xerr *err)
{
	sqlite3_stmt	*st;
	int		 rc, recent = 0;

	if ((st = db_stmt(db, DB_STMT_MAINT_GET, err)) == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		recent = now - sqlite3_column_int64(st, 0) < interval;
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "db_maint_claim", err);
	if (recent)
		return DB_EXISTS;
	if ((st = db_stmt(db, DB_STMT_MAINT_SET, err)) == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, now);
	return db_step_done(db, st, "db_maint_claim", err);
}

enum db_result
db_blob_collect(struct db *db, int64_t before, int limit, int *n,
    struct xerr *err)
{
	sqlite3_stmt	*st;

	*n = 0;
	if ((st = db_stmt(db, DB_STMT_BLOB_COLLECT, err)) == NULL)
		return DB_ERROR;
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int(st, 2, limit);
	if (db_step_done(db, st, "db_blob_collect", err) != DB_OK)
		return DB_ERROR;
	*n = sqlite3_changes(db->conn);
	return DB_OK;
}

enum db_result
db_blob_gone(struct db *db, int (*fn)(void *, const char *), void *arg,
    struct xerr *err)
{
	sqlite3_stmt	*st;
	enum db_result	 res = DB_OK;
	int		 rc;

	if ((st = db_stmt(db, DB_STMT_BLOB_GONE_LIST, err)) == NULL)
		return DB_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, db_text(st, 0)) == -1) {
			res = DB_ERROR;
			break;
		}
	if (res == DB_OK && rc != SQLITE_DONE)
		res = db_fail(db, rc, "db_blob_gone", err);
	db_done(st);
	if (res != DB_OK)
		return res;
	if ((st = db_stmt(db, DB_STMT_BLOB_GONE_CLEAR, err)) == NULL)
		return DB_ERROR;
	return db_step_done(db, st, "db_blob_gone", err);
}
