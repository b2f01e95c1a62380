/* atspace: ISC licence, see README.md. */
/*
 * atspacectl's commands on spaces, members and records. They speak SQL
 * to the service's schema (schema/0001_init.sql) directly: the tool is
 * the owner's way around the XRPC API (deleting another author's
 * record, say), so it does not go through the handlers' checks, but
 * it validates every identifier with the same syntax rules.
 * Each write is one BEGIN IMMEDIATE transaction.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "ctl.h"
#include "syntax.h"

/* Per-space counts for "spaces" and "space". */
#define SPACES_COUNTS \
	"(SELECT count(*) FROM member m WHERE m.space_id = s.id)," \
	" (SELECT count(*) FROM record r WHERE r.space_id = s.id)"

static int64_t
spaces_now_ms(void)
{
	return app_now_ms();
}

/* Checks a DID operand. Returns CTL_OK or CTL_USAGE (said). */
static int
spaces_did_ok(const char *did)
{
	if (!syntax_is_did(did))
		return ctl_err(CTL_USAGE, "not a DID: %s", did);
	return CTL_OK;
}

/* A "spaces" row as JSON: owner, type, key, created, counts. */
static json_object *
spaces_row_json(sqlite3_stmt *st)
{
	json_object	*o;
	char		*uri = NULL;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (asprintf(&uri, "at://%s/%s/%s", ctl_text(st, 0),
	    ctl_text(st, 1), ctl_text(st, 2)) == -1)
		uri = NULL;
	json_object_object_add(o, "uri", json_object_new_string(
	    uri == NULL ? "" : uri));
	free(uri);
	json_object_object_add(o, "owner",
	    json_object_new_string(ctl_text(st, 0)));
	json_object_object_add(o, "type",
	    json_object_new_string(ctl_text(st, 1)));
	json_object_object_add(o, "key",
	    json_object_new_string(ctl_text(st, 2)));
	json_object_object_add(o, "createdAt",
	    json_object_new_int64(sqlite3_column_int64(st, 3)));
	json_object_object_add(o, "members",
	    json_object_new_int(sqlite3_column_int(st, 4)));
	json_object_object_add(o, "records",
	    json_object_new_int(sqlite3_column_int(st, 5)));
	return o;
}

int
spaces_list(struct ctl *ctl, int argc, char **argv)
{
	sqlite3_stmt	*st = NULL;
	json_object	*arr = NULL;
	char		 t[32];
	int		 rc;

	(void)argc;
	(void)argv;
	if (ctl_prepare(ctl, "SELECT s.owner_did, s.type, s.skey,"
	    " s.created_at, " SPACES_COUNTS " FROM space s"
	    " ORDER BY s.created_at, s.id", &st) != CTL_OK)
		return CTL_FAIL;
	if (ctl->json && (arr = json_object_new_array()) == NULL) {
		sqlite3_finalize(st);
		return ctl_err(CTL_FAIL, "out of memory");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!ctl->json) {
			printf("at://%s/%s/%s owner=%s type=%s members=%d "
			    "records=%d created=%s\n", ctl_text(st, 0),
			    ctl_text(st, 1), ctl_text(st, 2), ctl_text(st, 0),
			    ctl_text(st, 1), sqlite3_column_int(st, 4),
			    sqlite3_column_int(st, 5),
			    ctl_time(sqlite3_column_int64(st, 3), t,
			    sizeof(t)));
			continue;
		}
		json_object_array_add(arr, spaces_row_json(st));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		return ctl_sqlfail(ctl, "spaces");
	}
	return ctl->json ? ctl_print_json(arr) : CTL_OK;
}

int
spaces_show(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_space	 sp;
	sqlite3_stmt		*st = NULL;
	json_object		*o = NULL, *cols = NULL;
	char			 t[32];
	int			 rc, members = 0, records = 0;

	(void)argc;
	if ((rc = ctl_space_find(ctl, argv[0], &sp)) != CTL_OK)
		return rc;
	if (ctl_prepare(ctl, "SELECT " SPACES_COUNTS " FROM space s"
	    " WHERE s.id = ?", &st) != CTL_OK)
		return CTL_FAIL;
	sqlite3_bind_int64(st, 1, sp.id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		members = sqlite3_column_int(st, 0);
		records = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (ctl->json) {
		o = json_object_new_object();
		cols = json_object_new_object();
		json_object_object_add(o, "uri", json_object_new_string(sp.uri));
		json_object_object_add(o, "owner",
		    json_object_new_string(sp.owner));
		json_object_object_add(o, "type", json_object_new_string(sp.type));
		json_object_object_add(o, "key", json_object_new_string(sp.key));
		json_object_object_add(o, "createdAt",
		    json_object_new_int64(sp.created_at));
		json_object_object_add(o, "members", json_object_new_int(members));
		json_object_object_add(o, "records", json_object_new_int(records));
	} else
		printf("uri: %s\nowner: %s\ntype: %s\nkey: %s\ncreated: %s\n"
		    "members: %d\nrecords: %d\n", sp.uri, sp.owner, sp.type,
		    sp.key, ctl_time(sp.created_at, t, sizeof(t)), members,
		    records);
	if (ctl_prepare(ctl, "SELECT collection, count(*) FROM record"
	    " WHERE space_id = ? GROUP BY collection ORDER BY collection",
	    &st) != CTL_OK) {
		json_object_put(o);
		json_object_put(cols);
		return CTL_FAIL;
	}
	sqlite3_bind_int64(st, 1, sp.id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (ctl->json)
			json_object_object_add(cols, ctl_text(st, 0),
			    json_object_new_int(sqlite3_column_int(st, 1)));
		else
			printf("collection: %s records=%d\n", ctl_text(st, 0),
			    sqlite3_column_int(st, 1));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_object_put(o);
		json_object_put(cols);
		return ctl_sqlfail(ctl, "collections");
	}
	if (!ctl->json)
		return CTL_OK;
	json_object_object_add(o, "collections", cols);
	return ctl_print_json(o);
}

int
spaces_members(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_space	 sp;
	sqlite3_stmt		*st = NULL;
	json_object		*arr = NULL, *o;
	char			 t[32];
	int			 rc;

	(void)argc;
	if ((rc = ctl_space_find(ctl, argv[0], &sp)) != CTL_OK)
		return rc;
	if (ctl_prepare(ctl, "SELECT did, added_at, added_by FROM member"
	    " WHERE space_id = ? ORDER BY added_at, did", &st) != CTL_OK)
		return CTL_FAIL;
	sqlite3_bind_int64(st, 1, sp.id);
	arr = ctl->json ? json_object_new_array() : NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!ctl->json) {
			printf("%s added=%s by=%s%s\n", ctl_text(st, 0),
			    ctl_time(sqlite3_column_int64(st, 1), t,
			    sizeof(t)), sqlite3_column_type(st, 2) ==
			    SQLITE_NULL ? "-" : ctl_text(st, 2),
			    strcmp(ctl_text(st, 0), sp.owner) == 0 ?
			    " owner" : "");
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "did",
		    json_object_new_string(ctl_text(st, 0)));
		json_object_object_add(o, "addedAt",
		    json_object_new_int64(sqlite3_column_int64(st, 1)));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			json_object_object_add(o, "addedBy",
			    json_object_new_string(ctl_text(st, 2)));
		json_object_object_add(o, "owner", json_object_new_boolean(
		    strcmp(ctl_text(st, 0), sp.owner) == 0));
		json_object_array_add(arr, o);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		return ctl_sqlfail(ctl, "members");
	}
	return ctl->json ? ctl_print_json(arr) : CTL_OK;
}

/*
 * Prints the outcome of a one-row write: "done" in text, or a JSON
 * object {"ok":true, key: value}.
 */
static int
spaces_done(struct ctl *ctl, const char *text, const char *key,
    const char *value)
{
	json_object	*o;

	if (!ctl->json) {
		puts(text);
		return CTL_OK;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, key, json_object_new_string(value));
	return ctl_print_json(o);
}

/*
 * Runs one write statement with sql's ?1 bound to id and ?2 to s (when
 * not NULL) inside BEGIN IMMEDIATE. Returns CTL_OK with *changes set,
 * or CTL_FAIL (said).
 */
static int
spaces_write(struct ctl *ctl, const char *sql, int64_t id, const char *s,
    int64_t when, int *changes)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = CTL_FAIL;

	*changes = 0;
	if (ctl_begin(ctl) != CTL_OK)
		return CTL_FAIL;
	if (ctl_prepare(ctl, sql, &st) != CTL_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if (s != NULL)
		sqlite3_bind_text(st, 2, s, -1, SQLITE_STATIC);
	if (when != 0)
		sqlite3_bind_int64(st, 3, when);
	if (sqlite3_step(st) != SQLITE_DONE) {
		ctl_sqlfail(ctl, "write");
		goto out;
	}
	*changes = sqlite3_changes(ctl->db);
	rc = ctl_commit(ctl);
out:
	sqlite3_finalize(st);
	if (rc != CTL_OK)
		ctl_rollback(ctl);
	return rc;
}

int
spaces_add_member(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_space	 sp;
	int			 rc, n;

	(void)argc;
	if ((rc = spaces_did_ok(argv[1])) != CTL_OK ||
	    (rc = ctl_space_find(ctl, argv[0], &sp)) != CTL_OK)
		return rc;
	/* added_by stays NULL: no member asked for this addition. */
	if (spaces_write(ctl, "INSERT INTO member (space_id, did, added_at)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", sp.id, argv[1],
	    spaces_now_ms(), &n) != CTL_OK)
		return CTL_FAIL;
	return spaces_done(ctl, n ? "added" : "already a member", "did",
	    argv[1]);
}

int
spaces_remove_member(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_space	 sp;
	int			 rc, n;

	(void)argc;
	if ((rc = spaces_did_ok(argv[1])) != CTL_OK ||
	    (rc = ctl_space_find(ctl, argv[0], &sp)) != CTL_OK)
		return rc;
	if (strcmp(argv[1], sp.owner) == 0)
		return ctl_err(CTL_FAIL, "%s owns the space: delete the space "
		    "instead", argv[1]);
	if (spaces_write(ctl, "DELETE FROM member WHERE space_id = ?1"
	    " AND did = ?2", sp.id, argv[1], 0, &n) != CTL_OK)
		return CTL_FAIL;
	if (n == 0)
		return ctl_err(CTL_NOTFOUND, "%s is not a member of %s",
		    argv[1], sp.uri);
	return spaces_done(ctl, "removed", "did", argv[1]);
}

int
spaces_create(struct ctl *ctl, int argc, char **argv)
{
	sqlite3_stmt	*st = NULL;
	const char	*type = ctl->type != NULL ? ctl->type :
			    ctl->cfg.space_type;
	char		 tid[14], *uri = NULL;
	const char	*key = ctl->key;
	int64_t		 now = spaces_now_ms(), id;
	int		 rc = CTL_FAIL;

	(void)argc;
	if (spaces_did_ok(argv[0]) != CTL_OK)
		return CTL_USAGE;
	if (!syntax_is_nsid(type))
		return ctl_err(CTL_USAGE, "not an NSID: %s", type);
	if (key == NULL) {
		tid_next(tid);
		key = tid;
	} else if (!syntax_is_rkey(key))
		return ctl_err(CTL_USAGE, "not a valid space key: %s", key);
	if (ctl_begin(ctl) != CTL_OK)
		return CTL_FAIL;
	if (ctl_prepare(ctl, "INSERT INTO space (owner_did, type, skey,"
	    " created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
	    &st) != CTL_OK)
		goto out;
	sqlite3_bind_text(st, 1, argv[0], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		ctl_sqlfail(ctl, "create-space");
		goto out;
	}
	if (sqlite3_changes(ctl->db) == 0) {
		ctl_err(CTL_FAIL, "at://%s/%s/%s already exists", argv[0],
		    type, key);
		goto out;
	}
	id = sqlite3_last_insert_rowid(ctl->db);
	sqlite3_finalize(st);
	/* The owner is a member, as createSpace makes it. */
	if (ctl_prepare(ctl, "INSERT INTO member (space_id, did, added_at,"
	    " added_by) VALUES (?1, ?2, ?3, ?2)", &st) != CTL_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, argv[0], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		ctl_sqlfail(ctl, "create-space: owner");
		goto out;
	}
	if (ctl_commit(ctl) != CTL_OK)
		goto out;
	if (asprintf(&uri, "at://%s/%s/%s", argv[0], type, key) == -1) {
		uri = NULL;
		rc = ctl_err(CTL_FAIL, "out of memory");
		goto out;
	}
	rc = spaces_done(ctl, uri, "uri", uri);
out:
	sqlite3_finalize(st);
	if (rc != CTL_OK)
		ctl_rollback(ctl);
	free(uri);
	return rc;
}

int
spaces_delete(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_space	 sp;
	int			 rc, n;

	(void)argc;
	if ((rc = ctl_space_find(ctl, argv[0], &sp)) != CTL_OK)
		return rc;
	/* Members and records go with it: ON DELETE CASCADE. */
	if (spaces_write(ctl, "DELETE FROM space WHERE id = ?1", sp.id, NULL,
	    0, &n) != CTL_OK)
		return CTL_FAIL;
	if (n == 0)
		return ctl_err(CTL_NOTFOUND, "no such space: %s", sp.uri);
	return spaces_done(ctl, "deleted", "uri", sp.uri);
}

/* One record row: collection, author, rkey, cid, created_at, body. */
static void
spaces_record_out(struct ctl *ctl, sqlite3_stmt *st, json_object *arr)
{
	json_object	*o, *v;
	char		 t[32];

	if (!ctl->json) {
		printf("%s %s %s cid=%s written=%s\n", ctl_text(st, 0),
		    ctl_text(st, 1), ctl_text(st, 2), sqlite3_column_type(st,
		    3) == SQLITE_NULL ? "-" : ctl_text(st, 3),
		    ctl_time(sqlite3_column_int64(st, 4), t, sizeof(t)));
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "collection",
	    json_object_new_string(ctl_text(st, 0)));
	json_object_object_add(o, "author",
	    json_object_new_string(ctl_text(st, 1)));
	json_object_object_add(o, "rkey",
	    json_object_new_string(ctl_text(st, 2)));
	if (sqlite3_column_type(st, 3) != SQLITE_NULL)
		json_object_object_add(o, "cid",
		    json_object_new_string(ctl_text(st, 3)));
	json_object_object_add(o, "writtenAt",
	    json_object_new_int64(sqlite3_column_int64(st, 4)));
	if ((v = json_tokener_parse(ctl_text(st, 5))) != NULL)
		json_object_object_add(o, "value", v);
	json_object_array_add(arr, o);
}

int
spaces_records(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_space	 sp;
	sqlite3_stmt		*st = NULL;
	json_object		*arr = NULL;
	int			 rc;

	(void)argc;
	if (ctl->collection != NULL && !syntax_is_nsid(ctl->collection))
		return ctl_err(CTL_USAGE, "not an NSID: %s", ctl->collection);
	if (ctl->author != NULL && spaces_did_ok(ctl->author) != CTL_OK)
		return CTL_USAGE;
	if ((rc = ctl_space_find(ctl, argv[0], &sp)) != CTL_OK)
		return rc;
	if (ctl_prepare(ctl, "SELECT collection, author_did, rkey, cid,"
	    " created_at, body FROM record WHERE space_id = ?1"
	    " AND (?2 IS NULL OR collection = ?2)"
	    " AND (?3 IS NULL OR author_did = ?3)"
	    " ORDER BY created_at DESC, id DESC", &st) != CTL_OK)
		return CTL_FAIL;
	sqlite3_bind_int64(st, 1, sp.id);
	if (ctl->collection != NULL)
		sqlite3_bind_text(st, 2, ctl->collection, -1, SQLITE_STATIC);
	if (ctl->author != NULL)
		sqlite3_bind_text(st, 3, ctl->author, -1, SQLITE_STATIC);
	arr = ctl->json ? json_object_new_array() : NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		spaces_record_out(ctl, st, arr);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		return ctl_sqlfail(ctl, "records");
	}
	return ctl->json ? ctl_print_json(arr) : CTL_OK;
}

int
spaces_delete_record(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_space	 sp;
	sqlite3_stmt		*st = NULL;
	int			 rc = CTL_FAIL, n = 0;

	(void)argc;
	if (!syntax_is_nsid(argv[1]))
		return ctl_err(CTL_USAGE, "not an NSID: %s", argv[1]);
	if (spaces_did_ok(argv[2]) != CTL_OK)
		return CTL_USAGE;
	if (!syntax_is_rkey(argv[3]))
		return ctl_err(CTL_USAGE, "not a record key: %s", argv[3]);
	if ((rc = ctl_space_find(ctl, argv[0], &sp)) != CTL_OK)
		return rc;
	rc = CTL_FAIL;
	if (ctl_begin(ctl) != CTL_OK)
		return CTL_FAIL;
	if (ctl_prepare(ctl, "DELETE FROM record WHERE space_id = ?"
	    " AND collection = ? AND author_did = ? AND rkey = ?",
	    &st) != CTL_OK)
		goto out;
	sqlite3_bind_int64(st, 1, sp.id);
	sqlite3_bind_text(st, 2, argv[1], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, argv[2], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, argv[3], -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		ctl_sqlfail(ctl, "delete-record");
		goto out;
	}
	n = sqlite3_changes(ctl->db);
	rc = ctl_commit(ctl);
out:
	sqlite3_finalize(st);
	if (rc != CTL_OK) {
		ctl_rollback(ctl);
		return rc;
	}
	if (n == 0)
		return ctl_err(CTL_NOTFOUND, "no such record: %s %s %s",
		    argv[1], argv[2], argv[3]);
	return spaces_done(ctl, "deleted", "rkey", argv[3]);
}
