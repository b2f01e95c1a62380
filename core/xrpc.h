/* atspace: ISC licence, see README.md. */
/*
 * The boundary between the FastCGI layer and the core. The worker
 * fills a struct xrpc_request from CGI parameters, asks xrpc_precheck()
 * whether the body is worth reading, reads it, and calls xrpc_serve().
 * No FastCGI type appears here, so tests can drive the core directly.
 */
#ifndef XRPC_H
#define XRPC_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct config;

struct xrpc_request {
	const char	*method;	/* "GET", "POST", ... */
	const char	*path;		/* request path without query */
	const char	*query;		/* raw query string, "" if none */
	const char	*content_type;	/* NULL if absent */
	const char	*authorization;	/* NULL if absent */
	long long	 content_length; /* -1 if absent */
	const char	*body;		/* body bytes, NULL until read */
	size_t		 body_len;
	const char	*request_id;	/* for logs and X-Request-Id */
};

struct xrpc_response {
	int		 status;	/* HTTP status */
	const char	*content_type;	/* static, or type_buf */
	char		 type_buf[128];	/* a stored MIME type (blobs) */
	char		 headers[512];	/* extra "Name: value\r\n" lines */
	char		*body;		/* malloc'd; freed by release */
	size_t		 body_len;
	char		 caller[2049];	/* caller DID for the access log */
	char		 nsid[128];	/* routed NSID for the access log */
};

/* Per-worker state. */

/*
 * Opens the per-worker state: the SQLite connection (migrating the
 * schema if needed), prepared statements, the HTTP client. Call after
 * fork. Returns NULL with a message in err on failure.
 */
struct app	*app_open(const struct config *cfg, char *err, size_t errsz);
void		 app_close(struct app *app);

/*
 * Runs the schema migrations once and returns 0, or -1 with a message.
 * The supervisor calls this before forking so start-up errors surface
 * early; app_open() runs it too, safely, under a write lock.
 */
int		 app_migrate(const struct config *cfg, char *err, size_t errsz);

/* Requests. */

/*
 * Checks what can be judged before the body is read: route, HTTP
 * method, content type, declared length. Returns 0 when the body
 * should be read (up to *limit bytes), or -1 with res filled in.
 */
int	xrpc_precheck(struct app *app, const struct xrpc_request *req,
	    size_t *limit, struct xrpc_response *res);

/* Serves a request whose body has been read; always fills res. */
void	xrpc_serve(struct app *app, const struct xrpc_request *req,
	    struct xrpc_response *res);

/* Fills res with an XRPC error body. */
void	xrpc_error(struct xrpc_response *res, int status, const char *name,
	    const char *msg);

/* Frees res->body; res can be reused afterwards. */
void	xrpc_response_release(struct xrpc_response *res);

#endif
