/* atspace: ISC licence, see README.md. */
/*
 * The XRPC method table and the request life cycle inside the core:
 * route by NSID, check HTTP method and content type, parse the query
 * and the body, run the handler, render its output or its error. The
 * handlers (space.c, record.c) see only struct call.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "identity.h"
#include "json.h"
#include "log.h"
#include "syntax.h"
#include "xerr.h"
#include "xrpc.h"

enum xrpc_kind {
	XRPC_QUERY,		/* GET, parameters in the query string */
	XRPC_PROCEDURE,		/* POST, JSON body */
	XRPC_UPLOAD,		/* POST, raw body of any type (blobs) */
};

struct xrpc_method {
	const char	*nsid;
	enum xrpc_kind	 kind;
	handler_fn	 handler;
};

/*
 * Every method atspace serves. Each handler authenticates itself,
 * after validating its input, so that malformed requests answer 400
 * whoever sends them (issue order: validate, authenticate, find,
 * authorize).
 */
static const struct xrpc_method xrpc_methods[] = {
	{ "rsvp.atmo.space.createSpace", XRPC_PROCEDURE, space_create },
	{ "rsvp.atmo.space.getSpace", XRPC_QUERY, space_get },
	{ "rsvp.atmo.space.listSpaces", XRPC_QUERY, space_list },
	{ "rsvp.atmo.space.deleteSpace", XRPC_PROCEDURE, space_delete },
	{ "rsvp.atmo.space.addMember", XRPC_PROCEDURE, space_add_member },
	{ "rsvp.atmo.space.removeMember", XRPC_PROCEDURE,
	    space_remove_member },
	{ "rsvp.atmo.space.leaveSpace", XRPC_PROCEDURE, space_leave },
	{ "rsvp.atmo.space.listMembers", XRPC_QUERY, space_list_members },
	{ "rsvp.atmo.spaceExt.whoami", XRPC_QUERY, space_whoami },
	{ "rsvp.atmo.space.putRecord", XRPC_PROCEDURE, record_put },
	{ "rsvp.atmo.space.getRecord", XRPC_QUERY, record_get },
	{ "rsvp.atmo.space.listRecords", XRPC_QUERY, record_list },
	{ "rsvp.atmo.space.deleteRecord", XRPC_PROCEDURE, record_delete },
	{ "rsvp.atmo.space.uploadBlob", XRPC_UPLOAD, blob_upload },
	{ "rsvp.atmo.space.getBlob", XRPC_QUERY, blob_get },
	{ "rsvp.atmo.space.listBlobs", XRPC_QUERY, blob_list },
	{ "rsvp.atmo.invite.create", XRPC_PROCEDURE, invite_create },
	{ "rsvp.atmo.invite.list", XRPC_QUERY, invite_list },
	{ "rsvp.atmo.invite.revoke", XRPC_PROCEDURE, invite_revoke },
	{ "rsvp.atmo.invite.redeem", XRPC_PROCEDURE, invite_redeem },
};

#define XRPC_PREFIX	"/xrpc/"

static const struct xrpc_method *
xrpc_find(const char *nsid)
{
	size_t	 i;

	for (i = 0; i < sizeof(xrpc_methods) / sizeof(xrpc_methods[0]); i++)
		if (strcmp(xrpc_methods[i].nsid, nsid) == 0)
			return &xrpc_methods[i];
	return NULL;
}

int64_t
app_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True when ct is application/json, optionally with parameters. */
static int
xrpc_is_json_type(const char *ct)
{
	static const char	 json[] = "application/json";
	size_t			 n = sizeof(json) - 1;

	if (ct == NULL || strncasecmp(ct, json, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/*
 * Routes req: sets *mp to its method, or fills err. The NSID comes from
 * the path, which must be exactly /xrpc/<nsid>.
 */
static int
xrpc_route_or_err(const struct xrpc_request *req,
    const struct xrpc_method **mp, struct xerr *err)
{
	const char	*nsid;

	*mp = NULL;
	if (req->path == NULL || strncmp(req->path, XRPC_PREFIX,
	    sizeof(XRPC_PREFIX) - 1) != 0)
		return xerr_set(err, 404, "NotFound", "no such path");
	nsid = req->path + sizeof(XRPC_PREFIX) - 1;
	if (!syntax_is_nsid(nsid))
		return xerr_invalid(err, "the path does not name a valid NSID");
	if ((*mp = xrpc_find(nsid)) == NULL)
		return xerr_set(err, 501, "MethodNotImplemented",
		    "method not implemented");
	return 0;
}

/* The largest body method m takes. */
static size_t
xrpc_limit(const struct app *app, const struct xrpc_method *m)
{
	if (m->kind == XRPC_UPLOAD)
		return app->cfg->blob_limit;
	return app->cfg->body_limit;
}

/* Fills err with m's answer to a body over limit; returns -1. */
static int
xrpc_too_large(const struct xrpc_method *m, size_t limit, struct xerr *err)
{
	if (m->kind == XRPC_UPLOAD)
		return xerr_set(err, 413, "BlobTooLarge",
		    "blob is larger than %zu bytes", limit);
	return xerr_set(err, 413, "PayloadTooLarge",
	    "request body is larger than %zu bytes", limit);
}

/* Everything that can be refused before the body is read. */
static int
xrpc_precheck_or_err(struct app *app, const struct xrpc_request *req,
    const struct xrpc_method **mp, size_t *limit, struct xerr *err)
{
	const struct xrpc_method *m;

	if (xrpc_route_or_err(req, mp, err) == -1)
		return -1;
	m = *mp;
	if (m->kind == XRPC_QUERY) {
		*limit = 0;
		if (req->method == NULL || strcmp(req->method, "GET") != 0)
			return xerr_invalid(err, "%s is a query: use GET",
			    m->nsid);
		if (req->content_length > 0)
			return xerr_invalid(err, "a query takes no body");
		return 0;
	}
	*limit = xrpc_limit(app, m);
	if (req->method == NULL || strcmp(req->method, "POST") != 0)
		return xerr_invalid(err, "%s is a procedure: use POST",
		    m->nsid);
	if (m->kind == XRPC_PROCEDURE &&
	    !xrpc_is_json_type(req->content_type))
		return xerr_invalid(err, "Content-Type must be"
		    " application/json");
	if (req->content_length >= 0 &&
	    (unsigned long long)req->content_length > *limit)
		return xrpc_too_large(m, *limit, err);
	return 0;
}

int
xrpc_precheck(struct app *app, const struct xrpc_request *req,
    size_t *limit, struct xrpc_response *res)
{
	const struct xrpc_method *m;
	struct xerr		 err = { 0 };

	memset(res, 0, sizeof(*res));
	if (xrpc_precheck_or_err(app, req, &m, limit, &err) == -1) {
		xrpc_error(res, err.status, err.name, err.msg);
		return -1;
	}
	return 0;
}

/* Parses the query string and, for a procedure, the JSON object body. */
static int
xrpc_input_or_err(const struct xrpc_method *m, const struct xrpc_request *req,
    struct call *c, json_object **body, struct xerr *err)
{
	*body = NULL;
	if (params_parse(req->query, &c->params, err) == -1)
		return -1;
	if (m->kind != XRPC_PROCEDURE)
		return 0;
	if (req->body_len == 0)
		return xerr_invalid(err, "request body is empty");
	*body = json_parse_strict(req->body, req->body_len, JSON_MAX_DEPTH,
	    err);
	if (*body == NULL)
		return -1;
	if (!json_object_is_type(*body, json_type_object))
		return xerr_invalid(err, "request body must be a JSON object");
	c->input = *body;
	return 0;
}

/* Renders v as the 200 response; returns -1 if out of memory. */
static int
xrpc_render(json_object *v, struct xrpc_response *res)
{
	const char	*s;
	size_t		 len;

	s = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s == NULL || (res->body = malloc(len)) == NULL)
		return -1;
	memcpy(res->body, s, len);
	res->body_len = len;
	res->status = 200;
	res->content_type = "application/json";
	return 0;
}

void
xrpc_serve(struct app *app, const struct xrpc_request *req,
    struct xrpc_response *res)
{
	const struct xrpc_method *m = NULL;
	struct call		 c;
	struct xerr		 err = { 0 };
	json_object		*body = NULL, *out = NULL;
	size_t			 limit;

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.now_ms = app_now_ms();
	if (xrpc_precheck_or_err(app, req, &m, &limit, &err) == -1)
		goto fail;
	snprintf(res->nsid, sizeof(res->nsid), "%s", m->nsid);
	c.nsid = m->nsid;
	/* The worker reads one byte past limit when no length was given. */
	if (req->body_len > limit) {
		xrpc_too_large(m, limit, &err);
		goto fail;
	}
	if (xrpc_input_or_err(m, req, &c, &body, &err) == -1)
		goto fail;
	c.res = res;
	if (m->handler(app, &c, &out, &err) == -1)
		goto fail;
	if (c.raw)
		goto out;
	if (xrpc_render(out, res) == -1) {
		xerr_internal(&err);
		goto fail;
	}
	goto out;
fail:
	if (err.status == 0)
		xerr_internal(&err);
	xrpc_error(res, err.status, err.name, err.msg);
out:
	snprintf(res->caller, sizeof(res->caller), "%s", c.caller);
	json_object_put(out);
	json_object_put(body);
	params_release(&c.params);
}

void
xrpc_error(struct xrpc_response *res, int status, const char *name,
    const char *msg)
{
	json_object	*o;
	const char	*s;
	size_t		 len;

	free(res->body);
	res->body = NULL;
	res->body_len = 0;
	res->status = status;
	res->content_type = "application/json";
	o = json_object_new_object();
	if (o != NULL) {
		json_object_object_add(o, "error",
		    json_object_new_string(name));
		json_object_object_add(o, "message",
		    json_object_new_string(msg));
		s = json_object_to_json_string_length(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &len);
		if (s != NULL && (res->body = malloc(len)) != NULL) {
			memcpy(res->body, s, len);
			res->body_len = len;
		}
		json_object_put(o);
	}
}

void
xrpc_response_release(struct xrpc_response *res)
{
	free(res->body);
	res->body = NULL;
	res->body_len = 0;
}

int
app_migrate(const struct config *cfg, char *err, size_t errsz)
{
	struct db	*db;

	if ((db = db_open(cfg, err, errsz)) == NULL)
		return -1;
	db_close(db);
	return 0;
}

struct app *
app_open(const struct config *cfg, char *err, size_t errsz)
{
	struct app	*app;

	if ((app = calloc(1, sizeof(*app))) == NULL) {
		snprintf(err, errsz, "app_open: out of memory");
		return NULL;
	}
	app->cfg = cfg;
	if ((app->db = db_open(cfg, err, errsz)) == NULL)
		goto fail;
	if ((app->identity = identity_new(cfg, app->db, err, errsz)) == NULL)
		goto fail;
	return app;
fail:
	app_close(app);
	return NULL;
}

void
app_close(struct app *app)
{
	if (app == NULL)
		return;
	identity_free(app->identity);
	db_close(app->db);
	free(app);
}
