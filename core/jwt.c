/* atspace: ISC licence, see README.md. */
/*
 * atproto inter-service authentication tokens (atproto.com/specs/xrpc,
 * "Inter-Service Authentication"): decoding, claim checks, ES256K and
 * ES256 verification, and finding the signing key in a DID document.
 * Fetching that document is the caller's job, and so is turning the
 * error object into a response. libjwt is not used: it cannot verify
 * ES256K, and it lets the token's header choose the algorithm, HMAC
 * and "none" included (RFC 8725 section 2.1). Every failure is a 401
 * carrying the @atproto/xrpc-server error name, so clients see the
 * names a PDS would give them.
 */
#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>
#include <secp256k1.h>

#include "jwt.h"
#include "multibase.h"
#include "syntax.h"
#include "xerr.h"

/* Service-auth tokens run to a few hundred bytes; far more is abuse. */
#define JWT_MAX_TOKEN	8192
/* Header and payload are flat objects; DID documents nest a little. */
#define JWT_JSON_DEPTH	8
#define JWT_DOC_DEPTH	16

#define JWT_B64URL	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789-_"

#define jwt_fail(e, name, ...)	xerr_set((e), 401, (name), __VA_ARGS__)

static const char *const jwt_alg_names[JWT_ALG_MAX] = {
	"ES256K",
	"ES256",
};

/*
 * Token types of OAuth access, refresh and DPoP proofs: a client must
 * not pass one of those off as a service-auth token.
 */
static const char *const jwt_bad_types[] = {
	"at+jwt",
	"refresh+jwt",
	"dpop+jwt",
};

/*
 * The P-256 group order n and floor(n / 2), big-endian (SEC 2 section
 * 2.4.2). libsecp256k1 knows its own curve's order.
 */
static const unsigned char p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};
static const unsigned char p256_half_n[32] = {
	0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00,
	0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42,
	0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
};

static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Parses buf[0..len) as one JSON value with nothing after it, strictly
 * and as UTF-8. Returns the tree (one reference, the caller's) or NULL.
 */
static json_object *
jwt_json_parse(const char *buf, size_t len, int depth)
{
	json_tokener	*tok;
	json_object	*v;

	if (len > INT_MAX || (tok = json_tokener_new_ex(depth)) == NULL)
		return NULL;
	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	v = json_tokener_parse_ex(tok, buf, (int)len);
	if (v != NULL &&
	    (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len)) {
		json_object_put(v);
		v = NULL;
	}
	json_tokener_free(tok);
	return v;
}

/* Decodes a base64url segment holding a JSON object; NULL otherwise. */
static json_object *
jwt_segment_json(const char *seg, size_t seglen)
{
	unsigned char	 buf[JWT_MAX_TOKEN / 4 * 3];
	json_object	*v;
	size_t		 n;

	if (jwt_b64url_decode(seg, seglen, buf, sizeof(buf), &n) == -1)
		return NULL;
	v = jwt_json_parse((const char *)buf, n, JWT_JSON_DEPTH);
	if (v != NULL && !json_object_is_type(v, json_type_object)) {
		json_object_put(v);
		v = NULL;
	}
	return v;
}

/* The string member key of o, borrowed from o; NULL if not a string. */
static const char *
jwt_str(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * Copies the string member key of o into dst. Returns 1 when absent
 * (dst empty), 0 when copied, -1 when it is not a string, holds a NUL
 * or does not fit.
 */
static int
jwt_get_str(json_object *o, const char *key, char *dst, size_t dstsz)
{
	json_object	*v;
	const char	*s;
	size_t		 len;

	dst[0] = '\0';
	if (!json_object_object_get_ex(o, key, &v))
		return 1;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (strlen(s) != len || len >= dstsz)
		return -1;
	memcpy(dst, s, len + 1);
	return 0;
}

/*
 * Reads the integer member key of o (a JSON number without fraction or
 * exponent: "exp": "1700000000" and 1.7e9 are refused, as
 * @atproto/xrpc-server does). Returns 1 when absent, 0 when read, -1
 * for another type.
 */
static int
jwt_get_int(json_object *o, const char *key, int64_t *out)
{
	json_object	*v;

	*out = 0;
	if (!json_object_object_get_ex(o, key, &v))
		return 1;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

static int
jwt_header_or_err(json_object *hdr, struct jwt *jwt, struct xerr *err)
{
	char	 alg[16], typ[64];
	size_t	 i;
	int	 rc;

	/*
	 * The header only ever picks between our two curves, and the key
	 * must then agree (jwt_verify); HMAC and "none" never get this far.
	 */
	if (jwt_get_str(hdr, "alg", alg, sizeof(alg)) != 0)
		return jwt_fail(err, "BadJwtSignature",
		    "unsupported jwt algorithm");
	for (i = 0; i < JWT_ALG_MAX; i++)
		if (strcmp(alg, jwt_alg_names[i]) == 0)
			break;
	if (i == JWT_ALG_MAX) {
		if (strspn(alg, JWT_B64URL "+") != strlen(alg))
			return jwt_fail(err, "BadJwtSignature",
			    "unsupported jwt algorithm");
		return jwt_fail(err, "BadJwtSignature",
		    "unsupported jwt algorithm \"%s\"", alg);
	}
	jwt->alg = (enum jwt_alg)i;

	if ((rc = jwt_get_str(hdr, "typ", typ, sizeof(typ))) == -1)
		return jwt_fail(err, "BadJwtType", "invalid jwt type");
	for (i = 0; rc == 0 && i < sizeof(jwt_bad_types) /
	    sizeof(jwt_bad_types[0]); i++)
		if (strcmp(typ, jwt_bad_types[i]) == 0)
			return jwt_fail(err, "BadJwtType",
			    "Invalid jwt type \"%s\"", typ);
	return 0;
}

static int
jwt_payload_or_err(json_object *pl, struct jwt *jwt, struct xerr *err)
{
	int	 iat = 1;

	if (jwt_get_str(pl, "iss", jwt->iss, sizeof(jwt->iss)) != 0 ||
	    jwt_get_str(pl, "aud", jwt->aud, sizeof(jwt->aud)) != 0 ||
	    jwt_get_int(pl, "exp", &jwt->exp) != 0 ||
	    (iat = jwt_get_int(pl, "iat", &jwt->iat)) == -1 ||
	    jwt_get_str(pl, "lxm", jwt->lxm, sizeof(jwt->lxm)) == -1)
		return jwt_fail(err, "BadJwt", "poorly formatted jwt");
	jwt->has_iat = iat == 0;
	return 0;
}

/* Creating a context costs more than a verification: keep one. */
static secp256k1_context *
k256_ctx(void)
{
	static secp256k1_context	*ctx;

	if (ctx == NULL)
		ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	return ctx;
}

static int
k256_load(const unsigned char *raw, size_t rawlen, unsigned char out[65])
{
	secp256k1_context	*ctx;
	secp256k1_pubkey	 pk;
	size_t			 outlen = 65;

	if ((ctx = k256_ctx()) == NULL ||
	    !secp256k1_ec_pubkey_parse(ctx, &pk, raw, rawlen) ||
	    !secp256k1_ec_pubkey_serialize(ctx, out, &outlen, &pk,
	    SECP256K1_EC_UNCOMPRESSED) || outlen != 65)
		return -1;
	return 0;
}

static int
k256_verify(const unsigned char point[65], const unsigned char hash[32],
    const unsigned char sig[64])
{
	secp256k1_context		*ctx;
	secp256k1_pubkey		 pk;
	secp256k1_ecdsa_signature	 s;

	if ((ctx = k256_ctx()) == NULL ||
	    !secp256k1_ec_pubkey_parse(ctx, &pk, point, 65) ||
	    !secp256k1_ecdsa_signature_parse_compact(ctx, &s, sig))
		return -1;
	/*
	 * normalize says 1 when s was above n/2: (r, n - s) is a second
	 * valid signature for the same message, which the atproto
	 * cryptography spec refuses. verify would refuse it too; saying so
	 * here keeps the rule visible.
	 */
	if (secp256k1_ecdsa_signature_normalize(ctx, NULL, &s))
		return -1;
	return secp256k1_ecdsa_verify(ctx, &s, hash, &pk) == 1 ? 0 : -1;
}

static int
p256_load(const unsigned char *raw, size_t rawlen, unsigned char out[65])
{
	EC_GROUP	*group = NULL;
	EC_POINT	*pt = NULL;
	int		 rc = -1;

	/* oct2point checks that the point lies on the curve. */
	if ((group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) ==
	    NULL || (pt = EC_POINT_new(group)) == NULL ||
	    EC_POINT_oct2point(group, pt, raw, rawlen, NULL) != 1 ||
	    EC_POINT_point2oct(group, pt, POINT_CONVERSION_UNCOMPRESSED, out,
	    65, NULL) != 65)
		goto out;
	rc = 0;
out:
	EC_POINT_free(pt);
	EC_GROUP_free(group);
	ERR_clear_error();
	return rc;
}

/* A scalar in [1, n - 1] for P-256. */
static int
p256_scalar_ok(const unsigned char b[32])
{
	static const unsigned char	 zero[32];

	return memcmp(b, zero, 32) != 0 && memcmp(b, p256_n, 32) < 0;
}

static int
p256_verify(const unsigned char point[65], const unsigned char hash[32],
    const unsigned char sig[64])
{
	char		 group[] = "prime256v1";
	unsigned char	 pub[65], *der = NULL;
	OSSL_PARAM	 params[3];
	EVP_PKEY_CTX	*kctx = NULL, *vctx = NULL;
	EVP_PKEY	*pkey = NULL;
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r = NULL, *s = NULL;
	int		 derlen, rc = -1;

	/* OpenSSL accepts high S, so the low-S rule is ours to apply. */
	if (!p256_scalar_ok(sig) || !p256_scalar_ok(sig + 32) ||
	    memcmp(sig + 32, p256_half_n, 32) > 0)
		return -1;
	/* OSSL_PARAM takes a mutable pointer, so hand it a copy. */
	memcpy(pub, point, sizeof(pub));
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub));
	params[2] = OSSL_PARAM_construct_end();
	if ((kctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(kctx) <= 0 ||
	    EVP_PKEY_fromdata(kctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;

	/* OpenSSL verifies DER, so rebuild it from r and s. */
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, 32, NULL)) == NULL ||
	    (s = BN_bin2bn(sig + 32, 32, NULL)) == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL;	/* es owns them now */
	if ((derlen = i2d_ECDSA_SIG(es, &der)) <= 0 ||
	    (vctx = EVP_PKEY_CTX_new(pkey, NULL)) == NULL ||
	    EVP_PKEY_verify_init(vctx) <= 0)
		goto out;
	if (EVP_PKEY_verify(vctx, der, (size_t)derlen, hash, 32) == 1)
		rc = 0;
out:
	EVP_PKEY_CTX_free(vctx);
	OPENSSL_free(der);
	BN_free(s);
	BN_free(r);
	ECDSA_SIG_free(es);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(kctx);
	/* Leave no stale errors behind for libcurl's TLS to trip over. */
	ERR_clear_error();
	return rc;
}

/*
 * The "#atproto" entry of doc's verificationMethod array, borrowed from
 * doc, or NULL. Its id is relative ("#atproto", as PLC's older shape
 * has it) or absolute ("<did>#atproto").
 */
static json_object *
jwt_didoc_method(json_object *doc, const char *did)
{
	json_object	*vms, *vm;
	const char	*id;
	size_t		 i, n, dl = strlen(did);

	if (!json_object_object_get_ex(doc, "verificationMethod", &vms) ||
	    !json_object_is_type(vms, json_type_array))
		return NULL;
	n = json_object_array_length(vms);
	for (i = 0; i < n; i++) {
		vm = json_object_array_get_idx(vms, i);
		if (!json_object_is_type(vm, json_type_object) ||
		    (id = jwt_str(vm, "id")) == NULL)
			continue;
		if (strcmp(id, "#atproto") == 0 ||
		    (strncmp(id, did, dl) == 0 &&
		    strcmp(id + dl, "#atproto") == 0))
			return vm;
	}
	return NULL;
}

/* Fills key from a verification method; -1 for an unknown type. */
static int
jwt_method_key(json_object *vm, struct pubkey *key)
{
	unsigned char	 raw[65];
	const char	*type, *mb;
	enum jwt_alg	 alg;
	size_t		 n;

	if ((type = jwt_str(vm, "type")) == NULL ||
	    (mb = jwt_str(vm, "publicKeyMultibase")) == NULL)
		return -1;
	if (strcmp(type, "Multikey") == 0)
		return jwt_multikey_decode(mb, key);
	/* The 2019 suites carry the bare point, no multicodec prefix. */
	if (strcmp(type, "EcdsaSecp256k1VerificationKey2019") == 0)
		alg = JWT_ES256K;
	else if (strcmp(type, "EcdsaSecp256r1VerificationKey2019") == 0)
		alg = JWT_ES256;
	else
		return -1;
	if (multibase_decode(mb, raw, sizeof(raw), &n) == -1)
		return -1;
	return jwt_point_load(alg, raw, n, key);
}

int
jwt_b64url_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	uint32_t	 acc = 0;
	size_t		 i, n = 0;
	int		 bits = 0, v;

	*outlen = 0;
	if (inlen % 4 == 1 || inlen / 4 * 3 + inlen % 4 * 3 / 4 > outsz)
		return -1;
	for (i = 0; i < inlen; i++) {
		if ((v = b64url_value((unsigned char)in[i])) < 0)
			return -1;
		acc = (acc << 6 | (uint32_t)v) & 0xffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (acc >> bits) & 0xff;
		}
	}
	/* Unused bits must be zero, or two texts would mean one value. */
	if ((acc & ((1u << bits) - 1)) != 0)
		return -1;
	*outlen = n;
	return 0;
}

int
jwt_b64url_encode(const unsigned char *in, size_t inlen, char *out,
    size_t outsz)
{
	static const char	 alphabet[] = JWT_B64URL;
	uint32_t		 acc = 0;
	size_t			 i, n = 0;
	int			 bits = 0;

	if ((inlen * 4 + 2) / 3 + 1 > outsz)
		return -1;
	for (i = 0; i < inlen; i++) {
		acc = (acc << 8 | in[i]) & 0xffff;
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[n++] = alphabet[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[n++] = alphabet[(acc << (6 - bits)) & 63];
	out[n] = '\0';
	return 0;
}

int
jwt_point_load(enum jwt_alg alg, const unsigned char *raw, size_t rawlen,
    struct pubkey *key)
{
	int	 rc = -1;

	memset(key, 0, sizeof(*key));
	/*
	 * Both libraries also take the "hybrid" 06/07 form; SEC1 keys in
	 * atproto never use it.
	 */
	if (!(rawlen == 33 && (raw[0] == 0x02 || raw[0] == 0x03)) &&
	    !(rawlen == 65 && raw[0] == 0x04))
		return -1;
	if (alg == JWT_ES256K)
		rc = k256_load(raw, rawlen, key->point);
	else if (alg == JWT_ES256)
		rc = p256_load(raw, rawlen, key->point);
	if (rc == -1) {
		memset(key, 0, sizeof(*key));
		return -1;
	}
	key->alg = alg;
	return 0;
}

int
jwt_multikey_decode(const char *multibase, struct pubkey *key)
{
	unsigned char	 raw[2 + 33];
	size_t		 n;

	memset(key, 0, sizeof(*key));
	if (multibase_decode(multibase, raw, sizeof(raw), &n) == -1 ||
	    n != sizeof(raw))
		return -1;
	/* Multicodec varints: e7 01 is secp256k1-pub, 80 24 p256-pub. */
	if (raw[0] == 0xe7 && raw[1] == 0x01)
		return jwt_point_load(JWT_ES256K, raw + 2, 33, key);
	if (raw[0] == 0x80 && raw[1] == 0x24)
		return jwt_point_load(JWT_ES256, raw + 2, 33, key);
	return -1;
}

int
jwt_verify_raw(enum jwt_alg alg, const unsigned char point[65],
    const unsigned char *msg, size_t msglen, const unsigned char sig[64])
{
	unsigned char	 hash[32];
	unsigned int	 hlen = 0;

	if (EVP_Digest(msg, msglen, hash, &hlen, EVP_sha256(), NULL) != 1 ||
	    hlen != sizeof(hash))
		return -1;
	switch (alg) {
	case JWT_ES256K:
		return k256_verify(point, hash, sig);
	case JWT_ES256:
		return p256_verify(point, hash, sig);
	default:
		break;
	}
	return -1;
}

int
jwt_parse(const char *token, struct jwt *jwt, struct xerr *err)
{
	json_object	*hdr = NULL, *pl = NULL;
	const char	*dot1 = NULL, *dot2 = NULL, *sig;
	size_t		 len, hlen, plen, slen, n;
	int		 rc = -1;

	memset(jwt, 0, sizeof(*jwt));
	if ((len = strnlen(token, JWT_MAX_TOKEN + 1)) > JWT_MAX_TOKEN) {
		jwt_fail(err, "BadJwt", "jwt too large");
		goto out;
	}
	if ((dot1 = strchr(token, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    strchr(dot2 + 1, '.') != NULL) {
		jwt_fail(err, "BadJwt", "poorly formatted jwt");
		goto out;
	}
	hlen = (size_t)(dot1 - token);
	plen = (size_t)(dot2 - dot1 - 1);
	sig = dot2 + 1;
	slen = len - hlen - plen - 2;
	/* An empty signature is let through to be named by alg below. */
	if (hlen == 0 || plen == 0 ||
	    strspn(token, JWT_B64URL) != hlen ||
	    strspn(dot1 + 1, JWT_B64URL) != plen ||
	    strspn(sig, JWT_B64URL) != slen ||
	    (hdr = jwt_segment_json(token, hlen)) == NULL) {
		jwt_fail(err, "BadJwt", "poorly formatted jwt");
		goto out;
	}
	if (jwt_header_or_err(hdr, jwt, err) == -1)
		goto out;
	if ((pl = jwt_segment_json(dot1 + 1, plen)) == NULL) {
		jwt_fail(err, "BadJwt", "poorly formatted jwt");
		goto out;
	}
	if (jwt_payload_or_err(pl, jwt, err) == -1)
		goto out;
	/*
	 * A DER signature (70 to 72 bytes) fails here: atproto wants the
	 * compact form only.
	 */
	if (jwt_b64url_decode(sig, slen, jwt->sig, sizeof(jwt->sig), &n) ==
	    -1 || n != sizeof(jwt->sig)) {
		jwt_fail(err, "BadJwtSignature",
		    "jwt signature is not a 64-byte compact signature");
		goto out;
	}
	jwt->signed_part = token;
	jwt->signed_len = (size_t)(dot2 - token);
	rc = 0;
out:
	json_object_put(pl);
	json_object_put(hdr);
	return rc;
}

int
jwt_check_claims(const struct jwt *jwt, const char *service_did,
    const char *nsid, int64_t now, int skew, struct xerr *err)
{
	assert(skew >= 0);
	/* Moved to now's side, where nothing can overflow. */
	if (jwt->exp < now - skew)
		return jwt_fail(err, "JwtExpired", "jwt expired");
	if (jwt->has_iat && jwt->iat > now + skew)
		return jwt_fail(err, "BadJwt", "jwt issued in the future");
	if (strcmp(jwt->aud, service_did) != 0)
		return jwt_fail(err, "BadJwtAudience",
		    "jwt audience does not match service did");
	if (jwt->lxm[0] == '\0')
		return jwt_fail(err, "BadJwtLexiconMethod",
		    "missing jwt lexicon method (\"lxm\"). must match: %s",
		    nsid);
	if (strcmp(jwt->lxm, nsid) != 0)
		return jwt_fail(err, "BadJwtLexiconMethod",
		    "bad jwt lexicon method (\"lxm\"). must match: %s", nsid);
	/*
	 * A fragment names a service of the DID ("#atproto_labeler"), whose
	 * key is not the account's: only the account may act on spaces.
	 */
	if (strchr(jwt->iss, '#') != NULL || !syntax_is_did(jwt->iss))
		return jwt_fail(err, "BadJwtIss", "jwt issuer is not a did");
	return 0;
}

int
jwt_verify(const struct jwt *jwt, const struct pubkey *key,
    struct xerr *err)
{
	/* The DID document fixes the curve; the token cannot switch it. */
	if (key->alg != jwt->alg)
		return jwt_fail(err, "BadJwtSignature",
		    "jwt algorithm does not match the issuer key");
	if (jwt_verify_raw(jwt->alg, key->point,
	    (const unsigned char *)jwt->signed_part, jwt->signed_len,
	    jwt->sig) == -1)
		return jwt_fail(err, "BadJwtSignature",
		    "jwt signature does not match jwt issuer");
	return 0;
}

int
jwt_didoc_key(const char *doc, size_t len, const char *did,
    struct pubkey *key, struct xerr *err)
{
	json_object	*root = NULL, *vm;
	const char	*id;
	int		 rc = -1;

	memset(key, 0, sizeof(*key));
	if ((root = jwt_json_parse(doc, len, JWT_DOC_DEPTH)) == NULL ||
	    !json_object_is_type(root, json_type_object)) {
		jwt_fail(err, "AuthenticationRequired",
		    "DID document is not a JSON object");
		goto out;
	}
	/* A server answering for another DID must not lend us its key. */
	if ((id = jwt_str(root, "id")) == NULL || strcmp(id, did) != 0) {
		jwt_fail(err, "AuthenticationRequired",
		    "DID document is for another DID");
		goto out;
	}
	if ((vm = jwt_didoc_method(root, did)) == NULL ||
	    jwt_method_key(vm, key) == -1) {
		jwt_fail(err, "AuthenticationRequired",
		    "DID document has no usable #atproto key");
		goto out;
	}
	rc = 0;
out:
	json_object_put(root);
	return rc;
}
