/* atspace: ISC licence, see README.md. */
/*
 * The storage yardstick: processes writing ~300-byte records, one
 * transaction each, through atspace's own storage code (db_open's
 * pragmas, the writer queue, db_record_put's BEGIN IMMEDIATE ...
 * COMMIT). With PROCS > 1 they share the file as the workers do, each
 * on its own connection, and every commit must first catch up with the
 * others' pages.
 *   commit-rate DIR normal|full COUNT [PROCS]
 * prints "<commits per second>", all processes together.
 */
#include <sys/wait.h>

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

/* Writes count records with rkeys prefix0.., on a connection of its own. */
static int
commit_run(struct config *cfg, const char *owner, int prefix, long count)
{
	struct db	*db;
	struct db_space	 sp;
	struct db_put	 put = { 0 };
	struct xerr	 err = { 0 };
	char		 msg[256], rkey[32], body[400];
	int		 member;
	long		 i;

	if ((db = db_open(cfg, msg, sizeof(msg))) == NULL) {
		fprintf(stderr, "commit-rate: %s\n", msg);
		return -1;
	}
	if (db_space_get(db, owner, "rsvp.atmo.event.space", "bench", owner,
	    &sp, &member, &err) != DB_OK)
		return -1;
	/* About the size of a community.lexicon.calendar.rsvp record. */
	snprintf(body, sizeof(body), "{\"$type\":\"community.lexicon."
	    "calendar.rsvp\",\"status\":\"community.lexicon.calendar.rsvp"
	    "#going\",\"subject\":{\"uri\":\"at://did:plc:benchbenchbench"
	    "benchbenc/community.lexicon.calendar.event/3lbenchevent22\","
	    "\"cid\":\"bafyreib2rxk3rh6kzwq4ycxz5r5wzx7fvgmwq5hmk3cvd2oa"
	    "tvl5e3pbm\"},\"createdAt\":\"2026-12-04T05:00:00.000Z\"}");
	put.space_id = sp.id;
	put.collection = "community.lexicon.calendar.rsvp";
	put.author = owner;
	put.rkey = rkey;
	put.body = body;
	put.cid = "bafyreib2rxk3rh6kzwq4ycxz5r5wzx7fvgmwq5hmk3cvd2oatvl5e3pbm";
	for (i = 0; i < count; i++) {
		snprintf(rkey, sizeof(rkey), "p%dr%ld", prefix, i);
		put.now = i;
		if (db_record_put(db, &put, &err) != DB_OK) {
			fprintf(stderr, "commit-rate: %s\n", err.msg);
			return -1;
		}
	}
	db_space_release(&sp);
	db_close(db);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const char	 owner[] = "did:plc:benchbenchbenchbenchbenc";
	struct config		 cfg;
	struct db		*db;
	struct db_space		 sp;
	struct xerr		 err = { 0 };
	char			 path[1024], msg[256];
	double			 t0;
	long			 count;
	int			 i, procs, status, failed = 0;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: commit-rate DIR normal|full COUNT"
		    " [PROCS]\n");
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
	procs = argc == 5 ? atoi(argv[4]) : 1;
	if (procs < 1 || (db = db_open(&cfg, msg, sizeof(msg))) == NULL) {
		fprintf(stderr, "commit-rate: %s\n", procs < 1 ? "PROCS" : msg);
		return 1;
	}
	memset(&sp, 0, sizeof(sp));
	strcpy(sp.owner, owner);
	strcpy(sp.type, "rsvp.atmo.event.space");
	strcpy(sp.key, "bench");
	if (db_space_create(db, &sp, &err) != DB_OK)
		return 1;
	db_close(db);
	t0 = now();
	for (i = 0; i < procs; i++)
		if (fork() == 0)
			_exit(commit_run(&cfg, owner, i, count / procs) == 0 ?
			    0 : 1);
	for (i = 0; i < procs; i++)
		if (wait(&status) == -1 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed = 1;
	if (failed)
		return 1;
	printf("%.0f\n", (count / procs) * procs / (now() - t0));
	config_release(&cfg);
	return 0;
}
