/* atspace: ISC licence, see README.md. */
/*
 * /xrpc/_health: whether this worker is fit to serve, judged by a read
 * on its own SQLite connection, since a worker that cannot read its
 * database can answer nothing but errors. It needs no token, reveals
 * nothing but the version, and never writes.
 */

#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "db.h"
#include "health.h"
#include "xrpc.h"

int
app_health(struct app *app)
{
	return db_ping(app->db);
}

void
health_serve(struct app *app, struct xrpc_response *res)
{
	int	 ok = app_health(app) == 0, n;
	char	*body = NULL;

	n = asprintf(&body, "{\"status\":\"%s\",\"version\":\"%s\","
	    "\"database\":\"%s\"}", ok ? "ok" : "unavailable",
	    ATSPACE_VERSION, ok ? "ok" : "error");
	free(res->body);
	res->body = n < 0 ? NULL : body;
	res->body_len = n < 0 ? 0 : (size_t)n;
	res->status = ok ? 200 : 503;
	res->content_type = "application/json";
	snprintf(res->nsid, sizeof(res->nsid), "_health");
}
