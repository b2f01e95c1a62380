/* atspace: ISC licence, see README.md. */
/*
 * The transport yardstick with atspace's own process model: linked
 * with the fcgi objects in place of the core (the linker then takes nothing
 * from core/xrpc.c), it answers every request with a fixed small JSON
 * body. Measured behind the same nginx, its req/s is what atspace's
 * FastCGI layer allows before any auth, validation or SQLite work.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "health.h"
#include "xrpc.h"

struct app {
	int	 unused;
};

static struct app stub_app;

struct app *
app_open(const struct config *cfg, char *err, size_t errsz)
{
	(void)cfg;
	(void)err;
	(void)errsz;
	return &stub_app;
}

void
app_close(struct app *app)
{
	(void)app;
}

int
app_migrate(const struct config *cfg, char *err, size_t errsz)
{
	(void)cfg;
	(void)err;
	(void)errsz;
	return 0;
}

int
xrpc_precheck(struct app *app, const struct xrpc_request *req,
    size_t *limit, struct xrpc_response *res)
{
	(void)app;
	(void)req;
	memset(res, 0, sizeof(*res));
	*limit = 1 << 20;
	return 0;
}

void
xrpc_serve(struct app *app, const struct xrpc_request *req,
    struct xrpc_response *res)
{
	static const char	 reply[] = "{\"rkey\":\"3lbenchbenchb2\","
	    "\"authorDid\":\"did:plc:bench\",\"createdAt\":1796000000}";

	(void)app;
	(void)req;
	memset(res, 0, sizeof(*res));
	res->status = 200;
	res->content_type = "application/json";
	if ((res->body = malloc(sizeof(reply) - 1)) != NULL) {
		memcpy(res->body, reply, sizeof(reply) - 1);
		res->body_len = sizeof(reply) - 1;
	}
}

void
xrpc_error(struct xrpc_response *res, int status, const char *name,
    const char *msg)
{
	(void)name;
	(void)msg;
	res->status = status;
}

void
xrpc_response_release(struct xrpc_response *res)
{
	free(res->body);
	res->body = NULL;
}

/* The worker's other calls into the core, so that none of it links. */
void
blob_maintain(struct app *app, int64_t now_ms)
{
	(void)app;
	(void)now_ms;
}

void
health_serve(struct app *app, struct xrpc_response *res)
{
	(void)app;
	xrpc_error(res, 503, "NotImplemented", "stub");
}
