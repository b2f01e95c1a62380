/* atspace: ISC licence, see README.md. */
/*
 * Builds a large database quickly for the growth benchmark, without
 * HTTP: atspace's schema (through db_open), one space owned by OWNER
 * with MEMBER in it, and COUNT records of COLLECTION by MEMBER, written
 * in large transactions with synchronous off (a loader, not a service).
 *   load-db PATH OWNER MEMBER COLLECTION COUNT
 * Record i has rkey "b<i, 9 digits>" and created_at 1e12 + i.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "config.h"
#include "db.h"
#include "xerr.h"

#define LOAD_BATCH	100000

static int
load_space(const char *path, const char *owner, const char *member,
    long long *space_id)
{
	struct config	 cfg;
	struct db	*db;
	struct db_space	 sp;
	struct xerr	 err = { 0 };
	char		 msg[256];
	int		 rc = -1;

	config_init(&cfg);
	free(cfg.db_path);
	cfg.db_path = strdup(path);
	if ((db = db_open(&cfg, msg, sizeof(msg))) == NULL) {
		fprintf(stderr, "load-db: %s\n", msg);
		goto out;
	}
	memset(&sp, 0, sizeof(sp));
	snprintf(sp.owner, sizeof(sp.owner), "%s", owner);
	strcpy(sp.type, "rsvp.atmo.event.space");
	strcpy(sp.key, "bench");
	sp.created_at = 1;
	if (db_space_create(db, &sp, &err) != DB_OK ||
	    db_member_add(db, sp.id, member, owner, 2, &err) != DB_OK) {
		fprintf(stderr, "load-db: %s\n", err.msg);
		goto out;
	}
	*space_id = sp.id;
	rc = 0;
out:
	db_close(db);
	config_release(&cfg);
	return rc;
}

int
main(int argc, char *argv[])
{
	sqlite3		*conn = NULL;
	sqlite3_stmt	*st = NULL;
	long long	 space_id, i, count;
	char		 rkey[32], body[400];

	if (argc != 6) {
		fprintf(stderr, "usage: load-db PATH OWNER MEMBER COLLECTION"
		    " COUNT\n");
		return 2;
	}
	count = atoll(argv[5]);
	if (load_space(argv[1], argv[2], argv[3], &space_id) == -1)
		return 1;
	if (sqlite3_open(argv[1], &conn) != SQLITE_OK ||
	    sqlite3_exec(conn, "PRAGMA synchronous = OFF", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(conn, "INSERT INTO record (space_id,"
	    " collection, author_did, rkey, body, cid, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "load-db: %s\n", sqlite3_errmsg(conn));
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (i % LOAD_BATCH == 0)
			sqlite3_exec(conn, i ? "COMMIT; BEGIN" : "BEGIN", NULL,
			    NULL, NULL);
		snprintf(rkey, sizeof(rkey), "b%09lld", i);
		snprintf(body, sizeof(body), "{\"$type\":\"%s\",\"status\":"
		    "\"community.lexicon.calendar.rsvp#going\",\"subject\":"
		    "{\"uri\":\"at://%s/community.lexicon.calendar.event/"
		    "3lbenchevent22\",\"cid\":\"bafyreib2rxk3rh6kzwq4ycxz5r5"
		    "wzx7fvgmwq5hmk3cvd2oatvl5e3pbm\"},\"n\":%lld}", argv[4],
		    argv[2], i);
		sqlite3_bind_int64(st, 1, space_id);
		sqlite3_bind_text(st, 2, argv[4], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, argv[3], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, rkey, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, body, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, "bafyreib2rxk3rh6kzwq4ycxz5r5wzx7"
		    "fvgmwq5hmk3cvd2oatvl5e3pbm", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, 1000000000000LL + i);
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "load-db: %s\n", sqlite3_errmsg(conn));
			return 1;
		}
		sqlite3_reset(st);
	}
	if (count > 0)
		sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(st);
	sqlite3_exec(conn, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
	    NULL);
	sqlite3_close(conn);
	return 0;
}
