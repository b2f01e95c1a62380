/* atspace: ISC licence, see README.md. */
/*
 * Records in a space: rsvp.atmo.space.putRecord, getRecord,
 * listRecords and deleteRecord. A record is addressed by (space,
 * collection, author, rkey); the author of a write is always the
 * authenticated caller, never a field of the body. Each record is
 * stored with the CID of its DAG-CBOR encoding, computed on write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "app.h"
#include "blob.h"
#include "cbor.h"
#include "cursor.h"
#include "db.h"
#include "input.h"
#include "invite.h"
#include "json.h"
#include "space.h"
#include "syntax.h"
#include "xerr.h"

/* Attempts at a fresh TID before giving up; one is the normal case. */
#define RECORD_TID_TRIES	4

/*
 * Checks the record field of a putRecord body: a data-model object
 * whose $type, when given, names the collection it is written to.
 */
static int
record_check_or_err(json_object *rec, const char *collection,
    struct xerr *err)
{
	json_object	*type;

	if (rec == NULL)
		return xerr_invalid(err, "record is required");
	if (!json_object_is_type(rec, json_type_object))
		return xerr_invalid(err, "record must be an object");
	if (json_check_record(rec, "record", err) == -1)
		return -1;
	/* {"$link": ...} and {"$bytes": ...} are a CID and bytes, not maps. */
	if (json_object_object_get_ex(rec, "$link", NULL) ||
	    json_object_object_get_ex(rec, "$bytes", NULL))
		return xerr_invalid(err, "record must be an object, not a"
		    " link or bytes");
	if (json_object_object_get_ex(rec, "$type", &type) &&
	    strcmp(json_object_get_string(type), collection) != 0)
		return xerr_invalid(err, "record $type must equal collection");
	return 0;
}

/*
 * Writes put with the blob refs of its record (issue 4): a ref to a
 * blob the space does not hold is a 400 naming the CID, checked inside
 * the write so that the orphan pass cannot remove the blob between
 * check and write. Returns db_record_put_refs's result, err set for
 * DB_NOTFOUND and DB_ERROR.
 */
static enum db_result
record_write(struct app *app, const struct db_put *put,
    const struct blob_refs *refs, struct xerr *err)
{
	enum db_result	 res;
	size_t		 missing = 0;

	res = db_record_put_refs(app->db, put, refs->cid, refs->n, &missing,
	    err);
	if (res == DB_NOTFOUND)
		xerr_invalid(err, "blob %s was not uploaded to this space",
		    refs->cid[missing]);
	return res;
}

/*
 * Stores put under a generated TID, retrying on the (unexpected) event
 * that the key is taken; writes the key used into rkey.
 */
static int
record_insert_fresh(struct app *app, struct db_put *put,
    const struct blob_refs *refs, char rkey[14], struct xerr *err)
{
	int	 i;

	put->replace = 0;
	put->rkey = rkey;
	for (i = 0; i < RECORD_TID_TRIES; i++) {
		tid_next(rkey);
		switch (record_write(app, put, refs, err)) {
		case DB_OK:
			return 0;
		case DB_EXISTS:
			continue;
		case DB_CONFLICT:
			return xerr_set(err, 409, "InvalidSwap",
			    "the record does not have the CID in swapRecord");
		default:
			return -1;
		}
	}
	return xerr_internal(err);
}

/*
 * Reads putRecord's optional swapRecord: absent (no condition), JSON
 * null (the record must not exist yet) or a CID.
 */
static int
record_swap_or_err(const struct call *c, struct db_put *put,
    struct xerr *err)
{
	json_object	*v;

	put->swap = DB_SWAP_NONE;
	if (!json_object_object_get_ex(c->input, "swapRecord", &v))
		return 0;
	if (v == NULL) {
		put->swap = DB_SWAP_ABSENT;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    !cbor_is_cid(json_object_get_string(v)))
		return xerr_invalid(err, "swapRecord must be a CID or null");
	put->swap = DB_SWAP_CID;
	put->swap_cid = json_object_get_string(v);
	return 0;
}

/* rsvp.atmo.space.putRecord: members; blob refs must be the space's. */
int
record_put(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	struct db_put	 put = { 0 };
	struct blob_refs refs = { 0 };
	json_object	*rec = NULL;
	const char	*rkey;
	char		 tid[14], cid[CBOR_CID_MAX];
	int		 rc = -1;

	memset(&sp, 0, sizeof(sp));
	if (input_space_uri_or_err(c, "spaceUri", 0, &uri, err) == -1 ||
	    input_string_or_err(c, "collection", INPUT_NSID, 1,
	    &put.collection, err) == -1 ||
	    input_string_or_err(c, "rkey", INPUT_RKEY, 0, &rkey, err) == -1 ||
	    record_swap_or_err(c, &put, err) == -1)
		return -1;
	json_object_object_get_ex(c->input, "record", &rec);
	if (record_check_or_err(rec, put.collection, err) == -1 ||
	    cbor_record_cid(rec, cid, err) == -1 ||
	    blob_refs_collect_or_err(rec, &refs, err) == -1)
		goto out;
	if (auth_require_or_err(app, c, err) == -1 ||
	    space_find_or_err(app, c, &uri, SPACE_MEMBER, &sp, err) == -1)
		goto out;
	put.space_id = sp.id;
	put.author = c->caller;
	put.cid = cid;
	put.now = c->now_ms;
	put.body = json_object_to_json_string_ext(rec,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (put.body == NULL) {
		xerr_internal(err);
		goto out;
	}
	if (rkey == NULL) {
		if (record_insert_fresh(app, &put, &refs, tid, err) == -1)
			goto out;
		rkey = tid;
	} else {
		put.rkey = rkey;
		put.replace = 1;
		switch (record_write(app, &put, &refs, err)) {
		case DB_OK:
			break;
		case DB_CONFLICT:
			xerr_set(err, 409, "InvalidSwap", "the record does not"
			    " have the CID given in swapRecord");
			goto out;
		default:
			goto out;
		}
	}
	if ((*out = json_object_new_object()) == NULL) {
		xerr_internal(err);
		goto out;
	}
	json_object_object_add(*out, "rkey", json_object_new_string(rkey));
	json_object_object_add(*out, "authorDid",
	    json_object_new_string(c->caller));
	json_object_object_add(*out, "createdAt",
	    json_object_new_int64(c->now_ms));
	rc = 0;
out:
	blob_refs_release(&refs);
	db_space_release(&sp);
	return rc;
}

/*
 * Builds a recordView from a stored row; the strings are copied, so
 * the row may die afterwards. Returns NULL if out of memory.
 */
/*
 * json-c serializer for a stored record: the text is compact JSON that
 * passed json_parse_strict on the way in, so it is written out as it
 * stands rather than parsed into a tree and printed again.
 */
static int
record_raw_serialize(json_object *jso, struct printbuf *pb, int level,
    int flags)
{
	(void)level;
	(void)flags;
	return printbuf_memappend(pb, json_object_get_string(jso),
	    json_object_get_string_len(jso));
}

static json_object *
record_view(const char *space_uri, const char *collection,
    const struct db_record_row *r)
{
	json_object	*v, *body;

	if ((body = json_object_new_string(r->body)) == NULL)
		return NULL;
	json_object_set_serializer(body, record_raw_serialize, NULL, NULL);
	if ((v = json_object_new_object()) == NULL) {
		json_object_put(body);
		return NULL;
	}
	json_object_object_add(v, "spaceUri",
	    json_object_new_string(space_uri));
	json_object_object_add(v, "collection",
	    json_object_new_string(collection));
	json_object_object_add(v, "authorDid",
	    json_object_new_string(r->author));
	json_object_object_add(v, "rkey", json_object_new_string(r->rkey));
	if (r->cid != NULL)
		json_object_object_add(v, "cid",
		    json_object_new_string(r->cid));
	json_object_object_add(v, "record", body);
	json_object_object_add(v, "createdAt",
	    json_object_new_int64(r->created_at));
	return v;
}

/* rsvp.atmo.space.getRecord: member or read grant. */
int
record_get(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	struct db_record rec;
	struct db_record_row row = { 0 };
	json_object	*view;
	const char	*collection, *author, *rkey;
	char		 suri[3 * 2048];
	int		 rc = -1;

	if (input_space_uri_or_err(c, "spaceUri", 1, &uri, err) == -1 ||
	    input_param_or_err(c, "collection", INPUT_NSID, 1, &collection,
	    err) == -1 ||
	    input_param_or_err(c, "author", INPUT_DID, 1, &author, err) == -1 ||
	    input_param_or_err(c, "rkey", INPUT_RKEY, 1, &rkey, err) == -1)
		return -1;
	if (invite_read_or_err(app, c, &uri, &sp, err) == -1)
		return -1;
	switch (db_record_get(app->db, sp.id, collection, author, rkey, &rec,
	    err)) {
	case DB_OK:
		break;
	case DB_NOTFOUND:
		xerr_set(err, 404, "NotFound", "record not found");
		goto out;
	default:
		goto out;
	}
	row.author = author;
	row.rkey = rkey;
	row.body = rec.body;
	row.cid = rec.cid;
	row.created_at = rec.created_at;
	space_uri_format(app, &sp, suri, sizeof(suri));
	view = record_view(suri, collection, &row);
	db_record_release(&rec);
	if (view == NULL || (*out = json_object_new_object()) == NULL) {
		json_object_put(view);
		xerr_internal(err);
		goto out;
	}
	json_object_object_add(*out, "record", view);
	rc = 0;
out:
	db_space_release(&sp);
	return rc;
}

/* A listRecords page and what rendering its rows needs. */
struct record_page {
	struct cursor_page pg;
	const char	*space_uri;
	const char	*collection;
};

/* db_record_list callback: one recordView per row, limit + 1 asked. */
static int
record_page_add(void *arg, const struct db_record_row *r)
{
	struct record_page	*rp = arg;

	if (cursor_page_full(&rp->pg))
		return 0;
	return cursor_page_add(&rp->pg, record_view(rp->space_uri,
	    rp->collection, r), r->created_at, r->id, NULL);
}

/*
 * rsvp.atmo.space.listRecords: member or read grant; newest write
 * first, cursor paging.
 */
int
record_list(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	struct db_cursor cur;
	struct record_page rp = { 0 };
	const char	*by, *lim, *cs;
	char		 suri[3 * 2048];
	int		 limit, rc = -1;

	if (input_space_uri_or_err(c, "spaceUri", 1, &uri, err) == -1 ||
	    input_param_or_err(c, "collection", INPUT_NSID, 1, &rp.collection,
	    err) == -1 ||
	    input_param_or_err(c, "byUser", INPUT_DID, 0, &by, err) == -1 ||
	    input_param_or_err(c, "limit", INPUT_ANY, 0, &lim, err) == -1 ||
	    cursor_limit_or_err(lim, &limit, err) == -1 ||
	    input_param_or_err(c, "cursor", INPUT_ANY, 0, &cs, err) == -1 ||
	    cursor_parse_or_err(cs, 0, &cur, err) == -1)
		return -1;
	if (invite_read_or_err(app, c, &uri, &sp, err) == -1)
		return -1;
	space_uri_format(app, &sp, suri, sizeof(suri));
	rp.space_uri = suri;
	if (cursor_page_init(&rp.pg, limit, 0, err) == -1 ||
	    db_record_list(app->db, sp.id, rp.collection, by, &cur,
	    limit + 1, record_page_add, &rp, err) != DB_OK ||
	    cursor_page_finish(&rp.pg, "records", out) == -1)
		goto out;
	rc = 0;
out:
	cursor_page_release(&rp.pg);
	db_space_release(&sp);
	return rc;
}

/* rsvp.atmo.space.deleteRecord: members delete their own records. */
int
record_delete(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	const char	*collection, *rkey;
	enum db_result	 res;

	if (input_space_uri_or_err(c, "spaceUri", 0, &uri, err) == -1 ||
	    input_string_or_err(c, "collection", INPUT_NSID, 1, &collection,
	    err) == -1 ||
	    input_string_or_err(c, "rkey", INPUT_RKEY, 1, &rkey, err) == -1)
		return -1;
	if (auth_require_or_err(app, c, err) == -1 ||
	    space_find_or_err(app, c, &uri, SPACE_MEMBER, &sp, err) == -1)
		return -1;
	/* The author is the caller: nobody deletes another's record here. */
	res = db_record_delete(app->db, sp.id, collection, c->caller, rkey,
	    err);
	db_space_release(&sp);
	if (res != DB_OK)
		return -1;
	if ((*out = json_object_new_object()) == NULL)
		return xerr_internal(err);
	json_object_object_add(*out, "ok", json_object_new_boolean(1));
	return 0;
}
