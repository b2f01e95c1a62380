/* atspace: ISC licence, see README.md. */
/*
 * Service auth: turns "Authorization: Bearer <jwt>" into the caller's
 * DID. The token must be for this service (aud), for this method
 * (lxm), current, and signed by the #atproto key of its issuer's DID
 * document. The caller is always the issuer; nothing in a request body
 * can change that.
 */
#include <string.h>
#include <strings.h>

#include "app.h"
#include "config.h"
#include "identity.h"
#include "jwt.h"
#include "log.h"
#include "xerr.h"
#include "xrpc.h"

/* Returns the token behind "Bearer ", or NULL with err filled. */
static const char *
auth_bearer_or_err(const char *header, struct xerr *err)
{
	if (header == NULL || *header == '\0')
		return xerr_set(err, 401, "AuthenticationRequired",
		    "authorization required"), NULL;
	if (strncasecmp(header, "Bearer ", 7) != 0)
		return xerr_set(err, 401, "AuthenticationRequired",
		    "the Authorization header must be a Bearer token"), NULL;
	header += 7;
	while (*header == ' ')
		header++;
	return header;
}

int
auth_require_or_err(struct app *app, struct call *c, struct xerr *err)
{
	struct jwt	 jwt;
	struct pubkey	 key;
	const char	*token;
	int		 cached;

	if ((token = auth_bearer_or_err(c->req->authorization, err)) == NULL)
		return -1;
	if (jwt_parse(token, &jwt, err) == -1 ||
	    jwt_check_claims(&jwt, app->cfg->service_did, c->nsid,
	    c->now_ms / 1000, app->cfg->clock_skew, err) == -1)
		return -1;
	if (identity_key(app->identity, jwt.iss, 0, &key, &cached, err) == -1)
		return -1;
	if (jwt_verify(&jwt, &key, err) == -1) {
		/* The key may have rotated since we cached the document. */
		if (!cached)
			return -1;
		if (identity_key(app->identity, jwt.iss, 1, &key, &cached,
		    err) == -1 || jwt_verify(&jwt, &key, err) == -1)
			return -1;
	}
	memcpy(c->caller, jwt.iss, sizeof(c->caller) < sizeof(jwt.iss) ?
	    sizeof(c->caller) : sizeof(jwt.iss));
	c->caller[sizeof(c->caller) - 1] = '\0';
	return 0;
}
