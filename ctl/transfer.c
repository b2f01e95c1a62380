/* atspace: ISC licence, see README.md. */
/*
 * atspacectl export and import: one space as JSON lines, the format
 * atspacectl(8) documents. The first line describes the space, then
 * one line per member and one per record:
 *
 *   {"kind":"space","format":1,"uri":...,"owner":...,"type":...,
 *    "key":...,"createdAt":ms[,"appPolicyRef":...][,"appPolicy":{...}]}
 *   {"kind":"member","did":...,"addedAt":ms[,"addedBy":...]}
 *   {"kind":"record","collection":...,"author":...,"rkey":...,
 *    "cid":...,"writtenAt":ms,"value":{...}}
 *
 * Export reads inside one read transaction, so the lines are one
 * snapshot however many writes go on. Import checks every line the
 * way the service checks input (syntax, strict JSON, the data model)
 * and recomputes each record's CID, refusing one that does not match,
 * then writes the whole space in one BEGIN IMMEDIATE transaction.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "ctl.h"
#include "json.h"
#include "syntax.h"
#include "xerr.h"

#define TRANSFER_FORMAT	1

/* Adds a string member when s is not NULL. */
static void
transfer_add_str(json_object *o, const char *k, const char *s)
{
	if (s != NULL)
		json_object_object_add(o, k, json_object_new_string(s));
}

static const char *
transfer_col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL :
	    ctl_text(st, i);
}

static int
transfer_export_space(struct ctl *ctl, const struct ctl_space *sp)
{
	sqlite3_stmt	*st = NULL;
	json_object	*o, *v;

	if (ctl_prepare(ctl, "SELECT app_policy_ref, app_policy FROM space"
	    " WHERE id = ?", &st) != CTL_OK)
		return CTL_FAIL;
	sqlite3_bind_int64(st, 1, sp->id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return ctl_sqlfail(ctl, "export: space");
	}
	o = json_object_new_object();
	transfer_add_str(o, "kind", "space");
	json_object_object_add(o, "format",
	    json_object_new_int(TRANSFER_FORMAT));
	transfer_add_str(o, "uri", sp->uri);
	transfer_add_str(o, "owner", sp->owner);
	transfer_add_str(o, "type", sp->type);
	transfer_add_str(o, "key", sp->key);
	json_object_object_add(o, "createdAt",
	    json_object_new_int64(sp->created_at));
	transfer_add_str(o, "appPolicyRef", transfer_col(st, 0));
	if (transfer_col(st, 1) != NULL &&
	    (v = json_tokener_parse(transfer_col(st, 1))) != NULL)
		json_object_object_add(o, "appPolicy", v);
	sqlite3_finalize(st);
	return ctl_print_json(o);
}

static int
transfer_export_members(struct ctl *ctl, const struct ctl_space *sp)
{
	sqlite3_stmt	*st = NULL;
	json_object	*o;
	int		 rc;

	if (ctl_prepare(ctl, "SELECT did, added_at, added_by FROM member"
	    " WHERE space_id = ? ORDER BY added_at, did", &st) != CTL_OK)
		return CTL_FAIL;
	sqlite3_bind_int64(st, 1, sp->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = json_object_new_object();
		transfer_add_str(o, "kind", "member");
		transfer_add_str(o, "did", ctl_text(st, 0));
		json_object_object_add(o, "addedAt",
		    json_object_new_int64(sqlite3_column_int64(st, 1)));
		transfer_add_str(o, "addedBy", transfer_col(st, 2));
		if (ctl_print_json(o) != CTL_OK)
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? CTL_OK : ctl_sqlfail(ctl, "export: members");
}

static int
transfer_export_records(struct ctl *ctl, const struct ctl_space *sp)
{
	sqlite3_stmt	*st = NULL;
	json_object	*o, *v;
	int		 rc;

	if (ctl_prepare(ctl, "SELECT collection, author_did, rkey, cid,"
	    " created_at, body FROM record WHERE space_id = ?"
	    " ORDER BY id", &st) != CTL_OK)
		return CTL_FAIL;
	sqlite3_bind_int64(st, 1, sp->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((v = json_tokener_parse(ctl_text(st, 5))) == NULL) {
			ctl_err(0, "export: unreadable body of %s %s %s",
			    ctl_text(st, 0), ctl_text(st, 1), ctl_text(st, 2));
			break;
		}
		o = json_object_new_object();
		transfer_add_str(o, "kind", "record");
		transfer_add_str(o, "collection", ctl_text(st, 0));
		transfer_add_str(o, "author", ctl_text(st, 1));
		transfer_add_str(o, "rkey", ctl_text(st, 2));
		transfer_add_str(o, "cid", transfer_col(st, 3));
		json_object_object_add(o, "writtenAt",
		    json_object_new_int64(sqlite3_column_int64(st, 4)));
		json_object_object_add(o, "value", v);
		if (ctl_print_json(o) != CTL_OK)
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? CTL_OK : CTL_FAIL;
}

int
transfer_export(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_space	 sp;
	int			 rc;

	(void)argc;
	/* A read transaction: every line from the same snapshot. */
	if (sqlite3_exec(ctl->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return ctl_sqlfail(ctl, "begin");
	if ((rc = ctl_space_find(ctl, argv[0], &sp)) == CTL_OK &&
	    (rc = transfer_export_space(ctl, &sp)) == CTL_OK &&
	    (rc = transfer_export_members(ctl, &sp)) == CTL_OK)
		rc = transfer_export_records(ctl, &sp);
	ctl_rollback(ctl);
	return rc;
}

/* The import in progress. */
struct transfer_in {
	struct ctl	*ctl;
	int64_t		 space_id;
	const char	*owner;		/* inside the space line's tree */
	int		 line;
	int		 members;
	int		 records;
};

/* A string member of o, or NULL. Lives as long as o. */
static const char *
transfer_str(json_object *o, const char *k)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t
transfer_int(json_object *o, const char *k)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	return json_object_get_int64(v);
}

static int
transfer_bad(const struct transfer_in *in, const char *what)
{
	return ctl_err(CTL_FAIL, "import: line %d: %s", in->line, what);
}

/*
 * Runs sql with the given text (NULL binds NULL) and integer
 * parameters, in order: n texts first, then the integers.
 */
static int
transfer_exec(struct transfer_in *in, const char *sql, const char **texts,
    int nt, const int64_t *ints, int ni)
{
	sqlite3_stmt	*st = NULL;
	int		 i, rc;

	if (ctl_prepare(in->ctl, sql, &st) != CTL_OK)
		return CTL_FAIL;
	for (i = 0; i < nt; i++)
		sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_STATIC);
	for (i = 0; i < ni; i++)
		sqlite3_bind_int64(st, nt + i + 1, ints[i]);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ctl_sqlfail(in->ctl, "import");
	return CTL_OK;
}

static int
transfer_space(struct transfer_in *in, json_object *o)
{
	struct ctl	*ctl = in->ctl;
	json_object	*pol;
	const char	*t[5];
	int64_t		 n[2];
	char		 uri[2048 + 16];
	struct ctl_space sp;
	int		 rc;

	t[0] = in->owner = transfer_str(o, "owner");
	t[1] = transfer_str(o, "type");
	t[2] = transfer_str(o, "key");
	t[3] = transfer_str(o, "appPolicyRef");
	t[4] = NULL;
	n[0] = transfer_int(o, "createdAt");
	if (transfer_int(o, "format") != TRANSFER_FORMAT)
		return transfer_bad(in, "not an atspacectl export (format 1)");
	if (t[0] == NULL || !syntax_is_did(t[0]) || t[1] == NULL ||
	    !syntax_is_nsid(t[1]) || t[2] == NULL || !syntax_is_rkey(t[2]) ||
	    n[0] < 0)
		return transfer_bad(in, "bad owner, type, key or createdAt");
	if (json_object_object_get_ex(o, "appPolicy", &pol))
		t[4] = json_object_to_json_string_ext(pol,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	snprintf(uri, sizeof(uri), "at://%s/%s/%s", t[0], t[1], t[2]);
	rc = ctl_space_find(ctl, uri, &sp);
	if (rc == CTL_OK && !ctl->force)
		return ctl_err(CTL_FAIL, "%s exists: --force replaces it", uri);
	if (rc == CTL_OK && transfer_exec(in, "DELETE FROM space WHERE"
	    " id = ?", NULL, 0, &sp.id, 1) != CTL_OK)
		return CTL_FAIL;
	if (rc != CTL_OK && rc != CTL_NOTFOUND)
		return rc;
	if (transfer_exec(in, "INSERT INTO space (owner_did, type, skey,"
	    " app_policy_ref, app_policy, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?)", t, 5, n, 1) != CTL_OK)
		return CTL_FAIL;
	in->space_id = sqlite3_last_insert_rowid(ctl->db);
	return CTL_OK;
}

static int
transfer_member(struct transfer_in *in, json_object *o)
{
	const char	*t[2];
	int64_t		 n[2];

	t[0] = transfer_str(o, "did");
	t[1] = transfer_str(o, "addedBy");
	n[0] = transfer_int(o, "addedAt");
	if (t[0] == NULL || !syntax_is_did(t[0]) || n[0] < 0 ||
	    (t[1] != NULL && !syntax_is_did(t[1])))
		return transfer_bad(in, "bad member did, addedBy or addedAt");
	n[1] = in->space_id;
	in->members++;
	return transfer_exec(in, "INSERT INTO member (did, added_by,"
	    " added_at, space_id) VALUES (?, ?, ?, ?)"
	    " ON CONFLICT DO NOTHING", t, 2, n, 2);
}

static int
transfer_record(struct transfer_in *in, json_object *o)
{
	struct xerr	 err = { 0 };
	json_object	*v;
	const char	*t[5], *cid;
	char		 own[CBOR_CID_MAX];
	int64_t		 n[2];

	t[0] = transfer_str(o, "collection");
	t[1] = transfer_str(o, "author");
	t[2] = transfer_str(o, "rkey");
	cid = transfer_str(o, "cid");
	n[0] = transfer_int(o, "writtenAt");
	if (t[0] == NULL || !syntax_is_nsid(t[0]) || t[1] == NULL ||
	    !syntax_is_did(t[1]) || t[2] == NULL || !syntax_is_rkey(t[2]) ||
	    n[0] < 0)
		return transfer_bad(in, "bad collection, author, rkey or "
		    "writtenAt");
	if (!json_object_object_get_ex(o, "value", &v) ||
	    !json_object_is_type(v, json_type_object) ||
	    json_check_record(v, "value", &err) == -1 ||
	    cbor_record_cid(v, own, &err) == -1)
		return transfer_bad(in, err.msg[0] != '\0' ? err.msg :
		    "value is not a record object");
	if (cid != NULL && strcmp(cid, own) != 0)
		return transfer_bad(in, "cid does not match the value");
	t[3] = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	t[4] = own;
	n[1] = in->space_id;
	in->records++;
	return transfer_exec(in, "INSERT INTO record (collection, author_did,"
	    " rkey, body, cid, created_at, space_id)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)", t, 5, n, 2);
}

/* Parses and applies one line; the first must be the space. */
static int
transfer_line(struct transfer_in *in, const char *buf, size_t len,
    json_object **space)
{
	struct xerr	 err = { 0 };
	json_object	*o;
	const char	*kind;
	int		 rc;

	if ((o = json_parse_strict(buf, len, JSON_MAX_DEPTH + 1, &err)) ==
	    NULL)
		return transfer_bad(in, err.msg);
	kind = transfer_str(o, "kind");
	if (*space == NULL && (kind == NULL || strcmp(kind, "space") != 0))
		rc = transfer_bad(in, "the first line must be the space");
	else if (*space == NULL) {
		/* Kept: in->owner points into it. */
		*space = o;
		return transfer_space(in, o);
	} else if (kind != NULL && strcmp(kind, "member") == 0)
		rc = transfer_member(in, o);
	else if (kind != NULL && strcmp(kind, "record") == 0)
		rc = transfer_record(in, o);
	else
		rc = transfer_bad(in, "kind must be member or record");
	json_object_put(o);
	return rc;
}

int
transfer_import(struct ctl *ctl, int argc, char **argv)
{
	struct transfer_in	 in;
	json_object		*space = NULL;
	FILE			*f = stdin;
	char			*buf = NULL, uri[2048 + 16];
	size_t			 cap = 0;
	ssize_t			 len;
	int64_t			 now[1];
	int			 rc = CTL_FAIL;

	memset(&in, 0, sizeof(in));
	in.ctl = ctl;
	if (argc == 1 && strcmp(argv[0], "-") != 0 &&
	    (f = fopen(argv[0], "r")) == NULL)
		return ctl_err(CTL_FAIL, "cannot open %s: %m", argv[0]);
	if (ctl_begin(ctl) != CTL_OK)
		goto out;
	while ((len = getline(&buf, &cap, f)) != -1) {
		in.line++;
		while (len > 0 && (buf[len - 1] == '\n' ||
		    buf[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if (transfer_line(&in, buf, (size_t)len, &space) != CTL_OK)
			goto out;
	}
	if (ferror(f) || space == NULL) {
		ctl_err(CTL_FAIL, "import: %s", ferror(f) ? "read error" :
		    "no space line");
		goto out;
	}
	/* The owner is always a member, whatever the file held. */
	now[0] = in.space_id;
	if (transfer_exec(&in, "INSERT INTO member (did, space_id, added_at)"
	    " SELECT owner_did, id, created_at FROM space WHERE id = ?"
	    " ON CONFLICT DO NOTHING", NULL, 0, now, 1) != CTL_OK ||
	    ctl_commit(ctl) != CTL_OK)
		goto out;
	snprintf(uri, sizeof(uri), "at://%s/%s/%s", in.owner,
	    transfer_str(space, "type"), transfer_str(space, "key"));
	if (ctl->json) {
		json_object	*o = json_object_new_object();

		transfer_add_str(o, "uri", uri);
		json_object_object_add(o, "members",
		    json_object_new_int(in.members));
		json_object_object_add(o, "records",
		    json_object_new_int(in.records));
		rc = ctl_print_json(o);
	} else {
		printf("imported %s members=%d records=%d\n", uri, in.members,
		    in.records);
		rc = CTL_OK;
	}
out:
	if (rc != CTL_OK)
		ctl_rollback(ctl);
	json_object_put(space);
	free(buf);
	if (f != stdin)
		fclose(f);
	return rc;
}
