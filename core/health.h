/* atspace: ISC licence, see README.md. */
/*
 * The built-in endpoints outside the method table: /xrpc/_health for
 * load balancers and process monitors. The FastCGI layer routes to it
 * before the core's XRPC routing, which would refuse "_health" as an
 * NSID.
 */
#ifndef HEALTH_H
#define HEALTH_H

/* The version reported by _health, atspace-fcgi and atspacectl. */
#define ATSPACE_VERSION	"0.1.0"

struct app;
struct xrpc_response;

/*
 * Whether this worker can read its database right now: 0 when it can,
 * -1 otherwise (the reason is logged).
 */
int	app_health(struct app *app);

/*
 * Fills res (zeroed, or released) with the _health answer: 200
 * {"status":"ok","version":...,"database":"ok"}, or 503 with status
 * "unavailable" and database "error" when app_health() fails. Always
 * fills res; a body that cannot be allocated leaves it NULL, which the
 * worker answers as a 500.
 */
void	health_serve(struct app *app, struct xrpc_response *res);

#endif
