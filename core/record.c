/* atspace: ISC licence, see README.md. */
/*
 * Records in a space: rsvp.atmo.space.putRecord and getRecord. A
 * record is addressed by (space, collection, author, rkey); the author
 * is always the authenticated caller, never a field of the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "app.h"
#include "db.h"
#include "input.h"
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
	if (json_object_object_get_ex(rec, "$type", &type) &&
	    strcmp(json_object_get_string(type), collection) != 0)
		return xerr_invalid(err, "record $type must equal collection");
	return 0;
}

/*
 * Stores body under a generated TID, retrying on the (unexpected)
 * event that the key is taken; writes the key used into rkey.
 */
static int
record_insert_fresh(struct app *app, const struct db_space *sp,
    const struct call *c, const char *collection, const char *body,
    char rkey[14], struct xerr *err)
{
	int	 i;

	for (i = 0; i < RECORD_TID_TRIES; i++) {
		tid_next(rkey);
		switch (db_record_put(app->db, sp->id, collection, c->caller,
		    rkey, body, NULL, c->now_ms, 0, err)) {
		case DB_OK:
			return 0;
		case DB_EXISTS:
			continue;
		default:
			return -1;
		}
	}
	return xerr_internal(err);
}

/* rsvp.atmo.space.putRecord */
int
record_put(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	json_object	*rec = NULL;
	const char	*s, *collection, *rkey, *body;
	char		 tid[14];
	int		 rc = -1;

	if (input_string_or_err(c, "spaceUri", INPUT_ANY, 1, &s, err) == -1 ||
	    input_space_uri_or_err("spaceUri", s, &uri, err) == -1 ||
	    input_string_or_err(c, "collection", INPUT_NSID, 1, &collection,
	    err) == -1 ||
	    input_string_or_err(c, "rkey", INPUT_RKEY, 0, &rkey, err) == -1)
		return -1;
	json_object_object_get_ex(c->input, "record", &rec);
	if (record_check_or_err(rec, collection, err) == -1)
		return -1;
	if (auth_require_or_err(app, c, err) == -1 ||
	    space_find_or_err(app, c, &uri, SPACE_MEMBER, &sp, err) == -1)
		return -1;
	body = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (body == NULL) {
		xerr_internal(err);
		goto out;
	}
	if (rkey != NULL) {
		if (db_record_put(app->db, sp.id, collection, c->caller, rkey,
		    body, NULL, c->now_ms, 1, err) != DB_OK)
			goto out;
	} else {
		if (record_insert_fresh(app, &sp, c, collection, body, tid,
		    err) == -1)
			goto out;
		rkey = tid;
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
	db_space_release(&sp);
	return rc;
}

/* Builds a recordView; takes over nothing, NULL if out of memory. */
static json_object *
record_view(const struct db_space *sp, const char *collection,
    const char *author, const char *rkey, const struct db_record *rec)
{
	json_object	*v, *body;
	char		 uri[3 * 2048];

	if ((body = json_tokener_parse(rec->body)) == NULL)
		return NULL;
	if ((v = json_object_new_object()) == NULL) {
		json_object_put(body);
		return NULL;
	}
	space_uri_format(uri, sizeof(uri), sp->owner, sp->type, sp->key);
	json_object_object_add(v, "spaceUri", json_object_new_string(uri));
	json_object_object_add(v, "collection",
	    json_object_new_string(collection));
	json_object_object_add(v, "authorDid", json_object_new_string(author));
	json_object_object_add(v, "rkey", json_object_new_string(rkey));
	if (rec->cid != NULL)
		json_object_object_add(v, "cid",
		    json_object_new_string(rec->cid));
	json_object_object_add(v, "record", body);
	json_object_object_add(v, "createdAt",
	    json_object_new_int64(rec->created_at));
	return v;
}

/* rsvp.atmo.space.getRecord */
int
record_get(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	struct db_record rec;
	json_object	*view;
	const char	*s, *collection, *author, *rkey;
	int		 rc = -1;

	if (input_param_or_err(c, "spaceUri", INPUT_ANY, 1, &s, err) == -1 ||
	    input_space_uri_or_err("spaceUri", s, &uri, err) == -1 ||
	    input_param_or_err(c, "collection", INPUT_NSID, 1, &collection,
	    err) == -1 ||
	    input_param_or_err(c, "author", INPUT_DID, 1, &author, err) == -1 ||
	    input_param_or_err(c, "rkey", INPUT_RKEY, 1, &rkey, err) == -1)
		return -1;
	if (auth_require_or_err(app, c, err) == -1 ||
	    space_find_or_err(app, c, &uri, SPACE_MEMBER, &sp, err) == -1)
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
	view = record_view(&sp, collection, author, rkey, &rec);
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
