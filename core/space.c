/* atspace: ISC licence, see README.md. */
/*
 * Spaces and their members: rsvp.atmo.space.createSpace and addMember,
 * plus the lookup every space-scoped handler starts with
 * (space_find_or_err) and the spaceView rendering.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "input.h"
#include "space.h"
#include "syntax.h"
#include "xerr.h"

int
space_find_or_err(struct app *app, struct call *c,
    const struct space_uri *uri, enum space_role need, struct db_space *sp,
    struct xerr *err)
{
	int	 is_member = 0;

	switch (db_space_get(app->db, uri->owner, uri->type, uri->key,
	    c->caller, sp, &is_member, err)) {
	case DB_OK:
		break;
	case DB_NOTFOUND:
		return xerr_set(err, 404, "NotFound", "space not found");
	default:
		return -1;
	}
	if (need == SPACE_OWNER && strcmp(c->caller, sp->owner) != 0) {
		db_space_release(sp);
		return xerr_set(err, 403, "Forbidden",
		    "only the space owner may do this");
	}
	if (need == SPACE_MEMBER && !is_member) {
		db_space_release(sp);
		return xerr_set(err, 403, "Forbidden",
		    "not a member of this space");
	}
	return 0;
}

void
space_uri_format(char *buf, size_t bufsz, const char *owner,
    const char *type, const char *key)
{
	snprintf(buf, bufsz, "at://%s/%s/%s", owner, type, key);
}

json_object *
space_view(const struct app *app, const struct db_space *sp, int for_owner)
{
	json_object	*v, *policy;
	char		 uri[3 * 2048];

	if ((v = json_object_new_object()) == NULL)
		return NULL;
	space_uri_format(uri, sizeof(uri), sp->owner, sp->type, sp->key);
	json_object_object_add(v, "uri", json_object_new_string(uri));
	json_object_object_add(v, "ownerDid",
	    json_object_new_string(sp->owner));
	json_object_object_add(v, "type", json_object_new_string(sp->type));
	json_object_object_add(v, "key", json_object_new_string(sp->key));
	json_object_object_add(v, "serviceDid",
	    json_object_new_string(app->cfg->service_did));
	if (sp->app_policy_ref != NULL)
		json_object_object_add(v, "appPolicyRef",
		    json_object_new_string(sp->app_policy_ref));
	json_object_object_add(v, "createdAt",
	    json_object_new_int64(sp->created_at));
	if (for_owner && sp->app_policy != NULL &&
	    (policy = json_tokener_parse(sp->app_policy)) != NULL)
		json_object_object_add(v, "appPolicy", policy);
	return v;
}

/*
 * Checks an #appPolicy object (rsvp.atmo.space.defs): mode a string,
 * apps an array of strings, nothing else. Returns 0 or -1 (400).
 */
static int
space_check_policy_or_err(json_object *p, struct xerr *err)
{
	json_object	*mode, *apps, *item;
	size_t		 i, n;

	if (!json_object_is_type(p, json_type_object))
		return xerr_invalid(err, "appPolicy must be an object");
	if (!json_object_object_get_ex(p, "mode", &mode) ||
	    !json_object_is_type(mode, json_type_string) ||
	    !json_object_object_get_ex(p, "apps", &apps) ||
	    !json_object_is_type(apps, json_type_array))
		return xerr_invalid(err, "appPolicy needs a string mode and"
		    " an array apps");
	n = json_object_array_length(apps);
	for (i = 0; i < n; i++) {
		item = json_object_array_get_idx(apps, i);
		if (!json_object_is_type(item, json_type_string))
			return xerr_invalid(err, "appPolicy.apps must hold"
			    " strings");
	}
	return 0;
}

/* rsvp.atmo.space.createSpace: the caller becomes the owner. */
int
space_create(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct db_space	 sp;
	json_object	*policy = NULL, *view = NULL;
	const char	*type, *key, *ref;
	char		 tid[14];
	int		 rc = -1;

	memset(&sp, 0, sizeof(sp));
	if (input_string_or_err(c, "type", INPUT_NSID, 0, &type, err) == -1 ||
	    input_string_or_err(c, "key", INPUT_RKEY, 0, &key, err) == -1 ||
	    input_string_or_err(c, "appPolicyRef", INPUT_ATURI, 0, &ref,
	    err) == -1)
		return -1;
	if (json_object_object_get_ex(c->input, "appPolicy", &policy) &&
	    space_check_policy_or_err(policy, err) == -1)
		return -1;
	if (auth_require_or_err(app, c, err) == -1)
		return -1;
	if (key == NULL) {
		tid_next(tid);
		key = tid;
	}
	snprintf(sp.owner, sizeof(sp.owner), "%s", c->caller);
	snprintf(sp.type, sizeof(sp.type), "%s",
	    type != NULL ? type : app->cfg->space_type);
	snprintf(sp.key, sizeof(sp.key), "%s", key);
	sp.created_at = c->now_ms;
	if ((ref != NULL && (sp.app_policy_ref = strdup(ref)) == NULL) ||
	    (policy != NULL && (sp.app_policy = strdup(
	    json_object_to_json_string_ext(policy, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE))) == NULL)) {
		xerr_internal(err);
		goto out;
	}
	switch (db_space_create(app->db, &sp, err)) {
	case DB_OK:
		break;
	case DB_EXISTS:
		xerr_set(err, 409, "AlreadyExists",
		    "a space with this type and key already exists");
		goto out;
	default:
		goto out;
	}
	if ((view = space_view(app, &sp, 1)) == NULL ||
	    (*out = json_object_new_object()) == NULL) {
		json_object_put(view);
		xerr_internal(err);
		goto out;
	}
	json_object_object_add(*out, "space", view);
	rc = 0;
out:
	db_space_release(&sp);
	return rc;
}

/* rsvp.atmo.space.addMember: owner only, idempotent. */
int
space_add_member(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	const char	*s, *did;
	enum db_result	 res;

	if (input_string_or_err(c, "spaceUri", INPUT_ANY, 1, &s, err) == -1 ||
	    input_space_uri_or_err("spaceUri", s, &uri, err) == -1 ||
	    input_string_or_err(c, "did", INPUT_DID, 1, &did, err) == -1)
		return -1;
	if (auth_require_or_err(app, c, err) == -1 ||
	    space_find_or_err(app, c, &uri, SPACE_OWNER, &sp, err) == -1)
		return -1;
	res = db_member_add(app->db, sp.id, did, c->caller, c->now_ms, err);
	db_space_release(&sp);
	if (res != DB_OK)
		return -1;
	if ((*out = json_object_new_object()) == NULL)
		return xerr_internal(err);
	json_object_object_add(*out, "ok", json_object_new_boolean(1));
	return 0;
}
