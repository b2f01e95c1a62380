/* atspace: ISC licence, see README.md. */
/*
 * atspacectl's commands on the database file as a whole (backup,
 * restore, check, vacuum, checkpoint) and on the DID document cache.
 *
 * backup and restore use SQLite's online backup API in a single step:
 * in WAL mode the copy reads one snapshot while the workers go on
 * writing, so the backup is consistent without stopping the service.
 * A restore into a running service's database is safe for SQLite (the
 * copy holds the write lock, and every connection sees the new content
 * afterwards), but requests in flight see the switch; stop the service
 * first when that matters.
 */

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "syntax.h"

#define MAINT_RETRY_MS	100	/* between busy backup attempts */
#define MAINT_RETRIES	100

extern const int schema_migration_count;

/*
 * Copies the main database of src into dst, retrying while either is
 * busy. Returns CTL_OK, or CTL_FAIL after saying why.
 */
static int
maint_copy(sqlite3 *dst, sqlite3 *src, const char *what)
{
	sqlite3_backup	*b;
	int		 rc, tries;

	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL)
		return ctl_err(CTL_FAIL, "%s: %s", what, sqlite3_errmsg(dst));
	for (tries = 0; tries < MAINT_RETRIES; tries++) {
		rc = sqlite3_backup_step(b, -1);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		sqlite3_sleep(MAINT_RETRY_MS);
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return ctl_err(CTL_FAIL, "%s: %s", what, sqlite3_errstr(rc));
	return CTL_OK;
}

/* Prints {"ok":true,"file":path,"pages":n} or the text line. */
static int
maint_report(struct ctl *ctl, const char *verb, const char *path,
    sqlite3 *db)
{
	sqlite3_stmt	*st = NULL;
	json_object	*o;
	int64_t		 pages = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		pages = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (!ctl->json) {
		printf("%s %s pages=%lld\n", verb, path, (long long)pages);
		return CTL_OK;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "file", json_object_new_string(path));
	json_object_object_add(o, "pages", json_object_new_int64(pages));
	return ctl_print_json(o);
}

int
maint_backup(struct ctl *ctl, int argc, char **argv)
{
	sqlite3		*dst = NULL;
	struct stat	 st;
	int		 rc = CTL_FAIL;

	(void)argc;
	if (stat(argv[0], &st) == 0 && !ctl->force)
		return ctl_err(CTL_FAIL, "%s exists: --force overwrites it",
		    argv[0]);
	if (sqlite3_open_v2(argv[0], &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		rc = ctl_err(CTL_FAIL, "cannot create %s: %s", argv[0],
		    dst != NULL ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	if (maint_copy(dst, ctl->db, "backup") != CTL_OK)
		goto out;
	/*
	 * The copy keeps WAL mode; one self-contained file is what a
	 * backup should be, so fold the log in and go back to a rollback
	 * journal (the service switches a restored file to WAL again).
	 */
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		rc = ctl_err(CTL_FAIL, "backup: %s", sqlite3_errmsg(dst));
		goto out;
	}
	rc = maint_report(ctl, "backup", argv[0], dst);
out:
	sqlite3_close(dst);
	return rc;
}

/* The user_version of db, or -1. */
static int
maint_version(sqlite3 *db)
{
	sqlite3_stmt	*st = NULL;
	int		 v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Whether the live database holds any space; -1 when unreadable. */
static int
maint_has_spaces(sqlite3 *db)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM space LIMIT 1", -1, &st,
	    NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;	/* no schema yet: nothing to lose */
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
maint_restore(struct ctl *ctl, int argc, char **argv)
{
	sqlite3		*src = NULL, *dst = NULL;
	int		 rc = CTL_FAIL, has;

	(void)argc;
	if (sqlite3_open_v2(argv[0], &src, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		rc = ctl_err(CTL_FAIL, "cannot open %s: %s", argv[0],
		    src != NULL ? sqlite3_errmsg(src) : "out of memory");
		goto out;
	}
	if (maint_version(src) != schema_migration_count) {
		rc = ctl_err(CTL_FAIL, "%s is not an atspace database of "
		    "schema version %d", argv[0], schema_migration_count);
		goto out;
	}
	/* As the owner of the live file, as ctl_open does. */
	if (ctl_open(ctl) == CTL_OK) {
		dst = ctl->db;
		ctl->db = NULL;
	} else if (access(ctl->cfg.db_path, F_OK) == 0)
		goto out;
	else if (sqlite3_open_v2(ctl->cfg.db_path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		rc = ctl_err(CTL_FAIL, "cannot create %s: %s",
		    ctl->cfg.db_path, sqlite3_errmsg(dst));
		goto out;
	}
	sqlite3_busy_timeout(dst, ctl->cfg.busy_timeout_ms);
	if ((has = maint_has_spaces(dst)) != 0 && !ctl->force) {
		rc = ctl_err(CTL_FAIL, "%s %s: --force replaces it",
		    ctl->cfg.db_path, has > 0 ? "holds spaces" :
		    "cannot be read");
		goto out;
	}
	if (maint_copy(dst, src, "restore") != CTL_OK)
		goto out;
	if (sqlite3_exec(dst, "PRAGMA journal_mode = WAL", NULL, NULL,
	    NULL) != SQLITE_OK) {
		rc = ctl_err(CTL_FAIL, "restore: %s", sqlite3_errmsg(dst));
		goto out;
	}
	rc = maint_report(ctl, "restored", ctl->cfg.db_path, dst);
out:
	sqlite3_close(dst);
	sqlite3_close(src);
	return rc;
}

/* One line of "check"; returns 1 when the check passed. */
static int
maint_verdict(struct ctl *ctl, json_object *arr, const char *name,
    int ok, const char *detail)
{
	json_object	*o;

	if (!ctl->json) {
		printf("%s %s%s%s\n", ok ? "ok" : "FAIL", name,
		    detail[0] != '\0' ? ": " : "", detail);
		return ok;
	}
	o = json_object_new_object();
	json_object_object_add(o, "check", json_object_new_string(name));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	if (detail[0] != '\0')
		json_object_object_add(o, "detail",
		    json_object_new_string(detail));
	json_object_array_add(arr, o);
	return ok;
}

/*
 * Runs sql, whose rows are problems: column 0 (text) describes each.
 * ok_row, when not NULL, is the one row that means "fine" (integrity
 * check says "ok"). Returns 1 when no problem turned up.
 */
static int
maint_probe(struct ctl *ctl, json_object *arr, const char *name,
    const char *sql, const char *ok_row)
{
	sqlite3_stmt	*st = NULL;
	char		 detail[512] = "";
	int		 rc, problems = 0;
	size_t		 len;

	if (sqlite3_prepare_v2(ctl->db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(detail, sizeof(detail), "%s",
		    sqlite3_errmsg(ctl->db));
		sqlite3_finalize(st);
		return maint_verdict(ctl, arr, name, 0, detail);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ok_row != NULL && strcmp(ctl_text(st, 0), ok_row) == 0)
			continue;
		len = strlen(detail);
		if (problems++ < 5 && len + 3 < sizeof(detail))
			snprintf(detail + len, sizeof(detail) - len, "%s%s",
			    len > 0 ? "; " : "", ctl_text(st, 0));
	}
	if (rc != SQLITE_DONE) {
		problems++;
		snprintf(detail, sizeof(detail), "%s",
		    sqlite3_errmsg(ctl->db));
	}
	sqlite3_finalize(st);
	return maint_verdict(ctl, arr, name, problems == 0, detail);
}

int
maint_check(struct ctl *ctl, int argc, char **argv)
{
	json_object	*arr = NULL;
	int		 ok = 1;

	(void)argc;
	(void)argv;
	arr = ctl->json ? json_object_new_array() : NULL;
	ok &= maint_probe(ctl, arr, "integrity", "PRAGMA integrity_check",
	    "ok");
	ok &= maint_probe(ctl, arr, "foreign-keys", "SELECT \"table\" ||"
	    " ' row ' || rowid || ' refers to a missing ' || parent"
	    " FROM pragma_foreign_key_check", NULL);
	ok &= maint_probe(ctl, arr, "records-have-space", "SELECT 'record '"
	    " || id || ' of missing space ' || space_id FROM record"
	    " WHERE space_id NOT IN (SELECT id FROM space)", NULL);
	ok &= maint_probe(ctl, arr, "members-have-space", "SELECT 'member '"
	    " || did || ' of missing space ' || space_id FROM member"
	    " WHERE space_id NOT IN (SELECT id FROM space)", NULL);
	ok &= maint_probe(ctl, arr, "owners-are-members", "SELECT 'space '"
	    " || id || ' lacks its owner ' || owner_did FROM space s"
	    " WHERE NOT EXISTS (SELECT 1 FROM member m"
	    " WHERE m.space_id = s.id AND m.did = s.owner_did)", NULL);
	if (ctl->json && ctl_print_json(arr) != CTL_OK)
		return CTL_FAIL;
	return ok ? CTL_OK : CTL_FAIL;
}

int
maint_vacuum(struct ctl *ctl, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (sqlite3_exec(ctl->db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK)
		return ctl_sqlfail(ctl, "vacuum");
	return maint_report(ctl, "vacuumed", ctl->cfg.db_path, ctl->db);
}

int
maint_checkpoint(struct ctl *ctl, int argc, char **argv)
{
	json_object	*o;
	int		 log = 0, done = 0, rc;

	(void)argc;
	(void)argv;
	/*
	 * TRUNCATE waits (busy_timeout) for readers to move past the log;
	 * a checkpoint cut short by one still copied what it could.
	 */
	rc = sqlite3_wal_checkpoint_v2(ctl->db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return ctl_sqlfail(ctl, "checkpoint");
	if (!ctl->json) {
		printf("checkpoint %s log=%d copied=%d\n", rc == SQLITE_OK ?
		    "complete" : "partial (readers busy)", log, done);
		return CTL_OK;
	}
	o = json_object_new_object();
	json_object_object_add(o, "complete",
	    json_object_new_boolean(rc == SQLITE_OK));
	json_object_object_add(o, "logFrames", json_object_new_int(log));
	json_object_object_add(o, "copiedFrames", json_object_new_int(done));
	return ctl_print_json(o);
}

static int
maint_cache_list(struct ctl *ctl)
{
	sqlite3_stmt	*st = NULL;
	json_object	*arr, *o;
	char		 t[32];
	int		 rc;

	if (ctl_prepare(ctl, "SELECT did, fetched_at, length(doc)"
	    " FROM did_cache ORDER BY did", &st) != CTL_OK)
		return CTL_FAIL;
	arr = ctl->json ? json_object_new_array() : NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!ctl->json) {
			printf("%s fetched=%s bytes=%d\n", ctl_text(st, 0),
			    ctl_time(sqlite3_column_int64(st, 1), t,
			    sizeof(t)), sqlite3_column_int(st, 2));
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "did",
		    json_object_new_string(ctl_text(st, 0)));
		json_object_object_add(o, "fetchedAt",
		    json_object_new_int64(sqlite3_column_int64(st, 1)));
		json_object_array_add(arr, o);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		return ctl_sqlfail(ctl, "did-cache");
	}
	return ctl->json ? ctl_print_json(arr) : CTL_OK;
}

static int
maint_cache_purge(struct ctl *ctl, const char *did)
{
	sqlite3_stmt	*st = NULL;
	json_object	*o;
	int		 n, rc = CTL_FAIL;

	if (ctl_begin(ctl) != CTL_OK)
		return CTL_FAIL;
	if (ctl_prepare(ctl, "DELETE FROM did_cache WHERE ?1 IS NULL"
	    " OR did = ?1", &st) != CTL_OK)
		goto out;
	if (did != NULL)
		sqlite3_bind_text(st, 1, did, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		ctl_sqlfail(ctl, "did-cache purge");
		goto out;
	}
	n = sqlite3_changes(ctl->db);
	if (ctl_commit(ctl) != CTL_OK)
		goto out;
	if (did != NULL && n == 0) {
		rc = ctl_err(CTL_NOTFOUND, "%s is not cached", did);
		goto out;
	}
	if (!ctl->json) {
		printf("purged %d\n", n);
		rc = CTL_OK;
		goto out;
	}
	o = json_object_new_object();
	json_object_object_add(o, "purged", json_object_new_int(n));
	rc = ctl_print_json(o);
out:
	sqlite3_finalize(st);
	ctl_rollback(ctl);
	return rc;
}

int
maint_did_cache(struct ctl *ctl, int argc, char **argv)
{
	if (argc == 0 || (strcmp(argv[0], "list") == 0 && argc == 1)) {
		if (ctl->all)
			return ctl_err(CTL_USAGE, "--all goes with purge");
		return maint_cache_list(ctl);
	}
	if (strcmp(argv[0], "purge") != 0)
		return ctl_err(CTL_USAGE, "did-cache: list, purge DID or "
		    "purge --all");
	if (argc == 1 && ctl->all)
		return maint_cache_purge(ctl, NULL);
	if (argc == 2 && !ctl->all) {
		if (!syntax_is_did(argv[1]))
			return ctl_err(CTL_USAGE, "not a DID: %s", argv[1]);
		return maint_cache_purge(ctl, argv[1]);
	}
	return ctl_err(CTL_USAGE, "did-cache purge: give one DID or --all");
}
