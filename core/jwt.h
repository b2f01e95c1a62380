/* atspace: ISC licence, see README.md. */
/*
 * atproto service-auth tokens: parsing, claim checks and ES256K/ES256
 * signature verification (compact r||s, low-S only). Errors use the
 * @atproto/xrpc-server names with HTTP 401.
 */
#ifndef JWT_H
#define JWT_H

#include <stddef.h>
#include <stdint.h>

struct xerr;

enum jwt_alg {
	JWT_ES256K,	/* secp256k1, verified with libsecp256k1 */
	JWT_ES256,	/* P-256, verified with OpenSSL */
	JWT_ALG_MAX
};

/* A public key as found in a DID document. */
struct pubkey {
	enum jwt_alg	 alg;		/* which curve */
	unsigned char	 point[65];	/* uncompressed SEC1: 04 || x || y */
};

struct jwt {
	enum jwt_alg	 alg;
	char		 iss[2048];
	char		 aud[2048];
	char		 lxm[256];	/* "" if absent */
	int64_t		 exp;
	int64_t		 iat;		/* 0 if absent */
	int		 has_iat;
	const char	*signed_part;	/* "header.payload", into the token */
	size_t		 signed_len;
	unsigned char	 sig[64];	/* r || s */
};

/*
 * Decodes token (no "Bearer " prefix) into jwt, which borrows from
 * token for signed_part. Checks the shape only: three base64url parts,
 * header JSON with alg ES256K or ES256 (anything else, HMAC and "none"
 * included, is BadJwtSignature or BadJwt), typ not at+jwt, refresh+jwt
 * or dpop+jwt (BadJwtType), payload JSON with string iss and aud,
 * integer exp, optional integer iat, optional string lxm (BadJwt), a
 * 64-byte signature (anything else BadJwtSignature).
 * Returns 0, or -1 with err filled.
 */
int	jwt_parse(const char *token, struct jwt *jwt, struct xerr *err);

/*
 * Checks the claims against this service: now <= exp + skew (JwtExpired),
 * iat <= now + skew (BadJwt), aud == service_did (BadJwtAudience),
 * lxm == nsid (BadJwtLexiconMethod, missing included), iss a DID with
 * no fragment (BadJwtIss). Returns 0, or -1 with err filled.
 */
int	jwt_check_claims(const struct jwt *jwt, const char *service_did,
	    const char *nsid, int64_t now, int skew, struct xerr *err);

/*
 * Verifies jwt's signature with key. The key's curve must match the
 * token's alg; high-S signatures are rejected. Returns 0 when valid,
 * -1 otherwise (BadJwtSignature in err).
 */
int	jwt_verify(const struct jwt *jwt, const struct pubkey *key,
	    struct xerr *err);

/*
 * Finds the "#atproto" verification method of a DID document (JSON
 * text) for did, in either shape PLC directories serve: Multikey
 * (base58btc multibase of a compressed point behind the e701/8024
 * multicodec prefix) or EcdsaSecp256k1VerificationKey2019 /
 * EcdsaSecp256r1VerificationKey2019 (multibase of a raw point, no
 * prefix). The document's "id" must equal did. Returns 0, or -1 with
 * a 401 in err saying what was missing.
 */
int	jwt_didoc_key(const char *doc, size_t len, const char *did,
	    struct pubkey *key, struct xerr *err);

/* Low-level pieces, exported for tests and the token minting tool. */

/*
 * Unpadded base64url (RFC 4648 section 5) in canonical form only: no
 * '=', no other alphabet, unused trailing bits zero. Returns -1 on bad
 * input or when out (outsz bytes) is too small; *outlen is then 0.
 */
int	jwt_b64url_decode(const char *in, size_t inlen, unsigned char *out,
	    size_t outsz, size_t *outlen);

/*
 * Encodes in[0..inlen) as unpadded base64url text in out, NUL
 * included. Returns -1 when out (outsz bytes) is too small.
 */
int	jwt_b64url_encode(const unsigned char *in, size_t inlen, char *out,
	    size_t outsz);

/*
 * Decodes a Multikey ("z" + base58btc of multicodec prefix e701 or
 * 8024 and a 33-byte compressed point) into key. A did:key is the same
 * text behind "did:key:", which the caller strips. Returns 0, or -1
 * for anything else (unknown prefix, point not on the curve).
 */
int	jwt_multikey_decode(const char *multibase, struct pubkey *key);

/*
 * Checks a compact r || s signature over SHA-256(msg) with the point,
 * refusing high-S forms and r or s outside [1, n-1]. Returns 0 when
 * valid, -1 otherwise.
 */
int	jwt_verify_raw(enum jwt_alg alg, const unsigned char point[65],
	    const unsigned char *msg, size_t msglen,
	    const unsigned char sig[64]);

/*
 * Loads a SEC1 point (33-byte compressed or 65-byte uncompressed) on
 * alg's curve into key in uncompressed form. Returns -1 when the
 * encoding is neither or the point is not on the curve.
 */
int	jwt_point_load(enum jwt_alg alg, const unsigned char *raw,
	    size_t rawlen, struct pubkey *key);

#endif
