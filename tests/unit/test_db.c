/* atspace: ISC licence, see README.md. */
/*
 * Storage (core/db.c) on a real file in a temporary directory.
 *   db-1.*  open: WAL mode, schema version, concurrent first opens
 *   db-2.*  spaces and members
 *   db-3.*  records: insert-only, upsert, get
 *   db-4.*  the DID document cache and its age limit
 */
#include <sys/wait.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "db.h"
#include "unit.h"
#include "xerr.h"

extern const int schema_migration_count;

static char	 dir[] = "/tmp/atspace-test-db.XXXXXX";
static char	 path[256];

/* Reads one integer with a separate connection, as another process. */
static long long
probe(const char *sql)
{
	sqlite3		*conn;
	sqlite3_stmt	*st;
	long long	 v = -1;

	if (sqlite3_open(path, &conn) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(conn);
	return v;
}

/* True when the file's journal mode, as another connection sees it, is WAL. */
static int
probe_is_wal(void)
{
	sqlite3		*conn;
	sqlite3_stmt	*st;
	int		 wal = 0;

	if (sqlite3_open(path, &conn) != SQLITE_OK)
		return 0;
	if (sqlite3_prepare_v2(conn, "PRAGMA journal_mode", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		wal = strcmp((const char *)sqlite3_column_text(st, 0),
		    "wal") == 0;
	sqlite3_finalize(st);
	sqlite3_close(conn);
	return wal;
}

/* db_record_put with no swap condition and no CID. */
static enum db_result
put_record(struct db *db, int64_t space, const char *coll,
    const char *author, const char *rkey, const char *body, int64_t now,
    int replace)
{
	struct db_put	 put = { 0 };
	struct xerr	 err = { 0 };

	put.space_id = space;
	put.collection = coll;
	put.author = author;
	put.rkey = rkey;
	put.body = body;
	put.now = now;
	put.replace = replace;
	return db_record_put(db, &put, &err);
}

static int
test_concurrent_open(struct config *cfg)
{
	char		 err[256];
	struct db	*db;
	pid_t		 pids[6];
	int		 i, status, ok = 1;

	for (i = 0; i < 6; i++) {
		if ((pids[i] = fork()) == 0) {
			db = db_open(cfg, err, sizeof(err));
			if (db == NULL)
				fprintf(stderr, "db_open: %s\n", err);
			db_close(db);
			_exit(db == NULL);
		}
	}
	for (i = 0; i < 6; i++)
		if (waitpid(pids[i], &status, 0) == -1 ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			ok = 0;
	return ok;
}

int
main(void)
{
	struct config	 cfg;
	struct db	*db;
	struct db_space	 sp, got;
	struct db_record rec;
	struct xerr	 err = { 0 };
	char		 msg[256], *doc;
	int		 member;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.sqlite", dir);
	config_init(&cfg);
	cfg.db_path = strdup(path);

	CHECK("db-1.1", test_concurrent_open(&cfg));
	CHECK("db-1.2", probe("PRAGMA user_version") ==
	    schema_migration_count);
	CHECK("db-1.3", probe("SELECT count(*) FROM sqlite_master WHERE"
	    " name = 'record'") == 1);
	db = db_open(&cfg, msg, sizeof(msg));
	CHECK("db-1.4", db != NULL);
	if (db == NULL)
		return unit_done("db");
	CHECK("db-1.5", probe_is_wal());

	memset(&sp, 0, sizeof(sp));
	strcpy(sp.owner, "did:plc:owner");
	strcpy(sp.type, "rsvp.atmo.event.space");
	strcpy(sp.key, "k1");
	sp.created_at = 1000;
	CHECK("db-2.1", db_space_create(db, &sp, &err) == DB_OK && sp.id > 0);
	CHECK("db-2.2", db_space_create(db, &sp, &err) == DB_EXISTS);
	CHECK("db-2.3", probe("SELECT count(*) FROM space") == 1);
	CHECK("db-2.4", db_space_get(db, "did:plc:owner",
	    "rsvp.atmo.event.space", "k1", "did:plc:owner", &got, &member,
	    &err) == DB_OK && member == 1 && got.id == sp.id);
	db_space_release(&got);
	CHECK("db-2.5", db_space_get(db, "did:plc:owner",
	    "rsvp.atmo.event.space", "k1", "did:plc:bob", &got, &member,
	    &err) == DB_OK && member == 0);
	db_space_release(&got);
	CHECK("db-2.6", db_member_add(db, sp.id, "did:plc:bob",
	    "did:plc:owner", 2000, &err) == DB_OK);
	CHECK("db-2.7", db_member_add(db, sp.id, "did:plc:bob",
	    "did:plc:other", 3000, &err) == DB_OK);
	CHECK("db-2.8", probe("SELECT added_at FROM member WHERE"
	    " did = 'did:plc:bob'") == 2000);
	CHECK("db-2.9", db_space_get(db, "did:plc:owner",
	    "rsvp.atmo.event.space", "nope", "did:plc:bob", &got, &member,
	    &err) == DB_NOTFOUND);

	CHECK("db-3.1", put_record(db, sp.id, "a.b.c", "did:plc:bob", "r1",
	    "{\"v\":1}", 10, 0) == DB_OK);
	CHECK("db-3.2", put_record(db, sp.id, "a.b.c", "did:plc:bob", "r1",
	    "{\"v\":2}", 11, 0) == DB_EXISTS);
	CHECK("db-3.3", db_record_get(db, sp.id, "a.b.c", "did:plc:bob",
	    "r1", &rec, &err) == DB_OK && !strcmp(rec.body, "{\"v\":1}") &&
	    rec.created_at == 10);
	db_record_release(&rec);
	CHECK("db-3.4", put_record(db, sp.id, "a.b.c", "did:plc:bob", "r1",
	    "{\"v\":3}", 12, 1) == DB_OK);
	CHECK("db-3.5", db_record_get(db, sp.id, "a.b.c", "did:plc:bob",
	    "r1", &rec, &err) == DB_OK && !strcmp(rec.body, "{\"v\":3}") &&
	    rec.created_at == 12);
	db_record_release(&rec);
	CHECK("db-3.6", probe("SELECT count(*) FROM record") == 1);
	CHECK("db-3.7", db_record_get(db, sp.id, "a.b.c", "did:plc:owner",
	    "r1", &rec, &err) == DB_NOTFOUND);
	/* A record cannot point at a space that does not exist. */
	CHECK("db-3.8", put_record(db, sp.id + 99, "a.b.c", "did:plc:bob",
	    "r2", "{}", 13, 1) == DB_ERROR);
	CHECK("db-3.9", probe("SELECT count(*) FROM record") == 1);

	CHECK("db-4.1", db_didcache_put(db, "did:plc:bob", "{}", 5000,
	    &err) == DB_OK);
	CHECK("db-4.2", db_didcache_get(db, "did:plc:bob", 4000, &doc,
	    &err) == DB_OK && !strcmp(doc, "{}"));
	free(doc);
	CHECK("db-4.3", db_didcache_get(db, "did:plc:bob", 6000, &doc,
	    &err) == DB_NOTFOUND && doc == NULL);
	CHECK("db-4.4", db_didcache_delete(db, "did:plc:bob", &err) == DB_OK &&
	    db_didcache_get(db, "did:plc:bob", 0, &doc, &err) == DB_NOTFOUND);

	db_close(db);
	config_release(&cfg);
	return unit_done("db");
}
