/* atspace: ISC licence, see README.md. */
/*
 * The storage yardstick: one process writing ~300-byte records, one
 * transaction each, through atspace's own storage code (db_open's
 * pragmas, db_record_put's BEGIN IMMEDIATE ... COMMIT).
 *   commit-rate DIR normal|full COUNT
 * prints "<commits per second>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "xerr.h"

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	struct db	*db;
	struct db_space	 sp;
	struct db_put	 put = { 0 };
	struct xerr	 err = { 0 };
	char		 path[1024], msg[256], rkey[32], body[400];
	double		 t0;
	long		 i, count;

	if (argc != 4) {
		fprintf(stderr, "usage: commit-rate DIR normal|full COUNT\n");
		return 2;
	}
	config_init(&cfg);
	snprintf(path, sizeof(path), "%s/commit-rate-%s.sqlite", argv[1],
	    argv[2]);
	unlink(path);
	free(cfg.db_path);
	cfg.db_path = strdup(path);
	cfg.durability = strcmp(argv[2], "full") == 0 ?
	    CONFIG_DURABILITY_FULL : CONFIG_DURABILITY_NORMAL;
	count = atol(argv[3]);
	if ((db = db_open(&cfg, msg, sizeof(msg))) == NULL) {
		fprintf(stderr, "commit-rate: %s\n", msg);
		return 1;
	}
	memset(&sp, 0, sizeof(sp));
	strcpy(sp.owner, "did:plc:benchbenchbenchbenchbenc");
	strcpy(sp.type, "rsvp.atmo.event.space");
	strcpy(sp.key, "bench");
	if (db_space_create(db, &sp, &err) != DB_OK)
		return 1;
	/* About the size of a community.lexicon.calendar.rsvp record. */
	memset(body, 0, sizeof(body));
	snprintf(body, sizeof(body), "{\"$type\":\"community.lexicon."
	    "calendar.rsvp\",\"status\":\"community.lexicon.calendar.rsvp"
	    "#going\",\"subject\":{\"uri\":\"at://did:plc:benchbenchbench"
	    "benchbenc/community.lexicon.calendar.event/3lbenchevent22\","
	    "\"cid\":\"bafyreib2rxk3rh6kzwq4ycxz5r5wzx7fvgmwq5hmk3cvd2oa"
	    "tvl5e3pbm\"},\"createdAt\":\"2026-12-04T05:00:00.000Z\"}");
	put.space_id = sp.id;
	put.collection = "community.lexicon.calendar.rsvp";
	put.author = sp.owner;
	put.rkey = rkey;
	put.body = body;
	put.cid = "bafyreib2rxk3rh6kzwq4ycxz5r5wzx7fvgmwq5hmk3cvd2oatvl5e3pbm";
	put.replace = 0;
	t0 = now();
	for (i = 0; i < count; i++) {
		snprintf(rkey, sizeof(rkey), "r%ld", i);
		put.now = i;
		if (db_record_put(db, &put, &err) != DB_OK) {
			fprintf(stderr, "commit-rate: %s\n", err.msg);
			return 1;
		}
	}
	printf("%.0f\n", count / (now() - t0));
	db_close(db);
	config_release(&cfg);
	return 0;
}
