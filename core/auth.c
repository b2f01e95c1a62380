/* atspace: ISC licence, see README.md. */
/*
 * Service auth: turns "Authorization: Bearer <jwt>" into the caller's
 * DID. The token must be for this service (aud), for this method
 * (lxm), current, and signed by the #atproto key of its issuer's DID
 * document. The caller is always the issuer; nothing in a request body
 * can change that.
 *
 * Clients reuse one token for many calls, so each worker remembers the
 * tokens it has verified (keyed by their SHA-256) until they expire:
 * a hit skips parsing, the DID document and the signature check, while
 * exp and lxm are still checked on every request (aud is this
 * service's by construction: only tokens that passed it are kept).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>

#include "app.h"
#include "config.h"
#include "identity.h"
#include "jwt.h"
#include "log.h"
#include "xerr.h"
#include "xrpc.h"

#define AUTH_CACHE_SLOTS	512	/* per worker; a slot is ~2.4 KiB */

struct auth_cached {
	unsigned char	 hash[SHA256_DIGEST_LENGTH];
	int64_t		 exp;		/* the token's, in seconds */
	int64_t		 until;		/* not trusted past this (seconds) */
	char		 lxm[256];
	char		 iss[2049];
};

static struct auth_cached auth_cache[AUTH_CACHE_SLOTS];

static struct auth_cached *
auth_cache_slot(const unsigned char hash[SHA256_DIGEST_LENGTH])
{
	uint32_t	 h;

	memcpy(&h, hash, sizeof(h));
	return &auth_cache[h % AUTH_CACHE_SLOTS];
}

/*
 * Looks token up among the verified ones; on a hit that is still
 * valid for nsid at now, copies the issuer into c->caller.
 */
static int
auth_cache_hit(const struct app *app, const unsigned char *hash,
    struct call *c, int64_t now)
{
	struct auth_cached	*e = auth_cache_slot(hash);

	if (memcmp(e->hash, hash, SHA256_DIGEST_LENGTH) != 0 ||
	    e->iss[0] == '\0')
		return 0;
	if (now > e->exp + app->cfg->clock_skew || now > e->until ||
	    strcmp(e->lxm, c->nsid) != 0)
		return 0;	/* the full path then gives the right error */
	memcpy(c->caller, e->iss, sizeof(c->caller));
	return 1;
}

static void
auth_cache_put(const struct app *app, const unsigned char *hash,
    const struct jwt *jwt, int64_t now)
{
	struct auth_cached	*e = auth_cache_slot(hash);

	memcpy(e->hash, hash, SHA256_DIGEST_LENGTH);
	e->exp = jwt->exp;
	/* A key rotation is noticed within the DID cache's lifetime. */
	e->until = now + app->cfg->did_cache_ttl;
	snprintf(e->lxm, sizeof(e->lxm), "%s", jwt->lxm);
	snprintf(e->iss, sizeof(e->iss), "%s", jwt->iss);
}

/* Returns the token behind "Bearer ", or NULL with err filled. */
static const char *
auth_bearer_or_err(const char *header, struct xerr *err)
{
	if (header == NULL || *header == '\0') {
		xerr_set(err, 401, "AuthenticationRequired",
		    "authorization required");
		return NULL;
	}
	if (strncasecmp(header, "Bearer ", 7) != 0) {
		xerr_set(err, 401, "AuthenticationRequired",
		    "the Authorization header must be a Bearer token");
		return NULL;
	}
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
	unsigned char	 hash[SHA256_DIGEST_LENGTH];
	const char	*token;
	int64_t		 now = c->now_ms / 1000;
	int		 cached;

	if ((token = auth_bearer_or_err(c->req->authorization, err)) == NULL)
		return -1;
	SHA256((const unsigned char *)token, strlen(token), hash);
	if (auth_cache_hit(app, hash, c, now))
		return 0;
	if (jwt_parse(token, &jwt, err) == -1 ||
	    jwt_check_claims(&jwt, app->cfg->service_did, c->nsid, now,
	    app->cfg->clock_skew, err) == -1)
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
	auth_cache_put(app, hash, &jwt, now);
	snprintf(c->caller, sizeof(c->caller), "%s", jwt.iss);
	return 0;
}
