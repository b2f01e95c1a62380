/* atspace: ISC licence, see README.md. */
/*
 * Spaces and their members: createSpace, getSpace, listSpaces,
 * deleteSpace, addMember, removeMember, leaveSpace, listMembers and
 * whoami, plus the lookup every space-scoped handler starts with
 * (space_find_or_err) and the spaceView rendering.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "app.h"
#include "config.h"
#include "cursor.h"
#include "db.h"
#include "input.h"
#include "invite.h"
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
	if (need == SPACE_ANYONE)
		return 0;
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
space_uri_format(const struct app *app, const struct db_space *sp,
    char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s://%s/%s/%s", app->cfg->uri_scheme,
	    sp->owner, sp->type, sp->key);
}

json_object *
space_view(const struct app *app, const struct db_space *sp, int for_owner)
{
	json_object	*v, *policy;
	char		 uri[3 * 2048];

	if ((v = json_object_new_object()) == NULL)
		return NULL;
	space_uri_format(app, sp, uri, sizeof(uri));
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
	const char	*did;
	enum db_result	 res;

	if (input_space_uri_or_err(c, "spaceUri", 0, &uri, err) == -1 ||
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

/* Returns a new {"ok": true}, or NULL with a 500 in err. */
static json_object *
space_ok_or_err(struct xerr *err)
{
	json_object	*o;

	if ((o = json_object_new_object()) == NULL) {
		xerr_internal(err);
		return NULL;
	}
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

/*
 * rsvp.atmo.space.getSpace: owner, member or read grant; appPolicy for
 * the owner.
 */
int
space_get(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	json_object	*view;

	if (input_space_uri_or_err(c, "uri", 1, &uri, err) == -1)
		return -1;
	/* A member's JWT or a read grant (issue 4). */
	if (invite_read_or_err(app, c, &uri, &sp, err) == -1)
		return -1;
	view = space_view(app, &sp, strcmp(sp.owner, c->caller) == 0);
	db_space_release(&sp);
	if (view == NULL || (*out = json_object_new_object()) == NULL) {
		json_object_put(view);
		return xerr_internal(err);
	}
	json_object_object_add(*out, "space", view);
	return 0;
}

/* A listSpaces page and who asks, since owners see appPolicy. */
struct space_page {
	struct cursor_page pg;
	const struct app *app;
	const char	*caller;
};

/* db_space_list callback: one spaceView per row, limit + 1 asked. */
static int
space_page_add(void *arg, const struct db_space *sp)
{
	struct space_page	*spg = arg;

	if (cursor_page_full(&spg->pg))
		return 0;
	return cursor_page_add(&spg->pg, space_view(spg->app, sp,
	    strcmp(sp->owner, spg->caller) == 0), sp->created_at, sp->id,
	    NULL);
}

/* rsvp.atmo.space.listSpaces: the caller's spaces, newest first. */
int
space_list(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct db_cursor cur;
	struct space_page spg = { 0 };
	const char	*scope, *type, *owner, *lim, *cs;
	int		 owner_only, limit, rc = -1;

	if (input_param_or_err(c, "scope", INPUT_ANY, 0, &scope, err) == -1 ||
	    input_param_or_err(c, "type", INPUT_NSID, 0, &type, err) == -1 ||
	    input_param_or_err(c, "owner", INPUT_DID, 0, &owner, err) == -1 ||
	    input_param_or_err(c, "limit", INPUT_ANY, 0, &lim, err) == -1 ||
	    cursor_limit_or_err(lim, &limit, err) == -1 ||
	    input_param_or_err(c, "cursor", INPUT_ANY, 0, &cs, err) == -1 ||
	    cursor_parse_or_err(cs, 0, &cur, err) == -1)
		return -1;
	if (scope == NULL || strcmp(scope, "member") == 0)
		owner_only = 0;
	else if (strcmp(scope, "owner") == 0)
		owner_only = 1;
	else
		return xerr_invalid(err, "scope must be member or owner");
	if (auth_require_or_err(app, c, err) == -1)
		return -1;
	spg.app = app;
	spg.caller = c->caller;
	/* The lexicon ignores owner when scope=owner. */
	if (cursor_page_init(&spg.pg, limit, 0, err) == -1 ||
	    db_space_list(app->db, c->caller, owner_only, type,
	    owner_only ? NULL : owner, &cur, limit + 1, space_page_add,
	    &spg, err) != DB_OK ||
	    cursor_page_finish(&spg.pg, "spaces", out) == -1)
		goto out;
	rc = 0;
out:
	cursor_page_release(&spg.pg);
	return rc;
}

/* rsvp.atmo.space.deleteSpace (atspace's own lexicon): owner only. */
int
space_delete(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	enum db_result	 res;

	if (input_space_uri_or_err(c, "spaceUri", 0, &uri, err) == -1)
		return -1;
	if (auth_require_or_err(app, c, err) == -1 ||
	    space_find_or_err(app, c, &uri, SPACE_OWNER, &sp, err) == -1)
		return -1;
	res = db_space_delete(app->db, sp.id, err);
	db_space_release(&sp);
	if (res != DB_OK)
		return -1;
	return (*out = space_ok_or_err(err)) == NULL ? -1 : 0;
}

/* rsvp.atmo.space.removeMember: owner only; never the owner. */
int
space_remove_member(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	const char	*did;
	enum db_result	 res;

	if (input_space_uri_or_err(c, "spaceUri", 0, &uri, err) == -1 ||
	    input_string_or_err(c, "did", INPUT_DID, 1, &did, err) == -1)
		return -1;
	if (auth_require_or_err(app, c, err) == -1 ||
	    space_find_or_err(app, c, &uri, SPACE_OWNER, &sp, err) == -1)
		return -1;
	if (strcmp(did, sp.owner) == 0) {
		db_space_release(&sp);
		return xerr_invalid(err, "the owner cannot be removed");
	}
	res = db_member_remove(app->db, sp.id, did, err);
	db_space_release(&sp);
	if (res != DB_OK)
		return -1;
	return (*out = space_ok_or_err(err)) == NULL ? -1 : 0;
}

/* rsvp.atmo.space.leaveSpace: any member but the owner. */
int
space_leave(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	enum db_result	 res;

	if (input_space_uri_or_err(c, "spaceUri", 0, &uri, err) == -1)
		return -1;
	if (auth_require_or_err(app, c, err) == -1 ||
	    space_find_or_err(app, c, &uri, SPACE_MEMBER, &sp, err) == -1)
		return -1;
	if (strcmp(c->caller, sp.owner) == 0) {
		db_space_release(&sp);
		return xerr_invalid(err, "the owner cannot leave; delete the"
		    " space instead");
	}
	res = db_member_remove(app->db, sp.id, c->caller, err);
	db_space_release(&sp);
	if (res != DB_OK)
		return -1;
	return (*out = space_ok_or_err(err)) == NULL ? -1 : 0;
}

/* db_member_list callback: did, addedAt, addedBy; limit + 1 asked. */
static int
member_page_add(void *arg, const struct db_member *m)
{
	struct cursor_page	*pg = arg;
	json_object		*v;

	if (cursor_page_full(pg))
		return 0;
	if ((v = json_object_new_object()) != NULL) {
		json_object_object_add(v, "did",
		    json_object_new_string(m->did));
		json_object_object_add(v, "addedAt",
		    json_object_new_int64(m->added_at));
		if (m->added_by != NULL)
			json_object_object_add(v, "addedBy",
			    json_object_new_string(m->added_by));
	}
	return cursor_page_add(pg, v, m->added_at, 0, m->did);
}

/* rsvp.atmo.space.listMembers: owner or member, oldest first, paged. */
int
space_list_members(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	struct db_cursor cur;
	struct cursor_page pg = { 0 };
	const char	*lim, *cs;
	int		 limit, rc = -1;

	if (input_space_uri_or_err(c, "spaceUri", 1, &uri, err) == -1 ||
	    input_param_or_err(c, "limit", INPUT_ANY, 0, &lim, err) == -1 ||
	    cursor_limit_or_err(lim, &limit, err) == -1 ||
	    input_param_or_err(c, "cursor", INPUT_ANY, 0, &cs, err) == -1 ||
	    cursor_parse_or_err(cs, 1, &cur, err) == -1)
		return -1;
	if (auth_require_or_err(app, c, err) == -1 ||
	    space_find_or_err(app, c, &uri, SPACE_MEMBER, &sp, err) == -1)
		return -1;
	if (cursor_page_init(&pg, limit, 1, err) == -1 ||
	    db_member_list(app->db, sp.id, &cur, limit + 1,
	    member_page_add, &pg, err) != DB_OK ||
	    cursor_page_finish(&pg, "members", out) == -1)
		goto out;
	rc = 0;
out:
	cursor_page_release(&pg);
	db_space_release(&sp);
	return rc;
}

/* rsvp.atmo.spaceExt.whoami: any authenticated caller. */
int
space_whoami(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	int		 is_member = 0, is_owner;

	if (input_space_uri_or_err(c, "spaceUri", 1, &uri, err) == -1)
		return -1;
	if (auth_require_or_err(app, c, err) == -1)
		return -1;
	switch (db_space_get(app->db, uri.owner, uri.type, uri.key,
	    c->caller, &sp, &is_member, err)) {
	case DB_OK:
		break;
	case DB_NOTFOUND:
		return xerr_set(err, 404, "NotFound", "space not found");
	default:
		return -1;
	}
	is_owner = strcmp(sp.owner, c->caller) == 0;
	db_space_release(&sp);
	if ((*out = json_object_new_object()) == NULL)
		return xerr_internal(err);
	json_object_object_add(*out, "isOwner",
	    json_object_new_boolean(is_owner));
	json_object_object_add(*out, "isMember",
	    json_object_new_boolean(is_member));
	return 0;
}
