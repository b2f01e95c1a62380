/* atspace: ISC licence, see README.md. */
/*
 * What the handlers share: the per-worker state and the call being
 * served. Private to core/; the FastCGI layer sees only xrpc.h.
 */
#ifndef APP_H
#define APP_H

#include <stdint.h>

#include <json-c/json.h>

struct config;
struct db;
struct identity;
struct xerr;
struct xrpc_request;

struct app {
	const struct config	*cfg;
	struct db		*db;
	struct identity		*identity;
};

/* Query parameters, percent-decoded; a name given twice is refused. */
#define PARAMS_MAX	16
struct params {
	int	 count;
	char	*name[PARAMS_MAX];
	char	*value[PARAMS_MAX];
	char	*buf;			/* one allocation behind all strings */
};

struct call {
	const struct xrpc_request *req;
	const char	*nsid;
	json_object	*input;		/* procedure body, borrowed */
	struct params	 params;	/* query parameters */
	char		 caller[2049];	/* authenticated DID, "" if none */
	int64_t		 now_ms;
	/*
	 * A handler that answers with raw bytes (getBlob) fills res itself
	 * (status, content type, headers, body) and sets raw; xrpc_serve
	 * then renders nothing of its own.
	 */
	struct xrpc_response *res;
	int		 raw;
};

/*
 * A handler validates its input, authenticates (auth_require_or_err),
 * does its work and returns 0 with *out set (one reference, handed to
 * the caller), or -1 with err filled.
 */
typedef int (*handler_fn)(struct app *, struct call *, json_object **out,
    struct xerr *err);

/* params.c */
int		 params_parse(const char *query, struct params *p,
		    struct xerr *err);
const char	*params_get(const struct params *p, const char *name);
void		 params_release(struct params *p);

/* auth.c: authenticates c as its token's issuer; fills c->caller. */
int	auth_require_or_err(struct app *app, struct call *c,
	    struct xerr *err);

/* tid.c: writes a fresh 13-character TID into out. */
void	tid_next(char out[14]);

/* Time. */
int64_t	app_now_ms(void);

/* Handlers, listed in the method table of xrpc.c. */
int	space_create(struct app *, struct call *, json_object **,
	    struct xerr *);
int	space_add_member(struct app *, struct call *, json_object **,
	    struct xerr *);
int	space_get(struct app *, struct call *, json_object **,
	    struct xerr *);
int	space_list(struct app *, struct call *, json_object **,
	    struct xerr *);
int	space_delete(struct app *, struct call *, json_object **,
	    struct xerr *);
int	space_remove_member(struct app *, struct call *, json_object **,
	    struct xerr *);
int	space_leave(struct app *, struct call *, json_object **,
	    struct xerr *);
int	space_list_members(struct app *, struct call *, json_object **,
	    struct xerr *);
int	space_whoami(struct app *, struct call *, json_object **,
	    struct xerr *);
int	record_put(struct app *, struct call *, json_object **,
	    struct xerr *);
int	record_get(struct app *, struct call *, json_object **,
	    struct xerr *);
int	record_list(struct app *, struct call *, json_object **,
	    struct xerr *);
int	record_delete(struct app *, struct call *, json_object **,
	    struct xerr *);
int	invite_create(struct app *, struct call *, json_object **,
	    struct xerr *);
int	invite_list(struct app *, struct call *, json_object **,
	    struct xerr *);
int	invite_revoke(struct app *, struct call *, json_object **,
	    struct xerr *);
int	invite_redeem(struct app *, struct call *, json_object **,
	    struct xerr *);
int	blob_upload(struct app *, struct call *, json_object **,
	    struct xerr *);
int	blob_get(struct app *, struct call *, json_object **,
	    struct xerr *);
int	blob_list(struct app *, struct call *, json_object **,
	    struct xerr *);

#endif
