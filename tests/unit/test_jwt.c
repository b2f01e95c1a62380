/* atspace: ISC licence, see README.md. */
/*
 * Unit tests for core/jwt.c and core/multibase.c.
 *
 *   jwt-1.*	encodings: 1.1 base64url canonical form, 1.2 base64url
 *		round trip, 1.3 base58btc round trip and leading zeros,
 *		1.4 base58btc and multibase refusals
 *   jwt-2.*	keys: 2.1 atproto-interop signature-fixtures.json (did:key
 *		decode, then verify; high-S and DER must fail), 2.2
 *		w3c_didkey_K256/P256.json (private key -> did:key), 2.3 the
 *		service-auth identities (Multikey, did:key, legacy multibase
 *		and private key all give the same point), 2.4 points that
 *		must not load
 *   jwt-3.*	vectors/service-auth.json: every token of both identities
 *		against both DID document shapes, through parse, claims,
 *		key and signature, compared with the atspace column of
 *		vectors/README.md (3.1); 3.2 every vector has a row; 3.3
 *		high_s verifies once s is brought low, so it is the low-S
 *		rule that refuses it
 *   jwt-4.*	jwt_parse on hand-built tokens (shape, header, claim types,
 *		signature size, size limit)
 *   jwt-5.*	jwt_check_claims at the edges of the clock skew, and each
 *		claim failure
 *   jwt-6.*	jwt_didoc_key: the legacy suites with compressed points,
 *		ids, unknown types, another DID's document
 *
 * The shared vectors are read in place (ATSPACE_SHARED); each group
 * that needs them prints "skip: ..." when they are absent.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <secp256k1.h>

#include "jwt.h"
#include "multibase.h"
#include "unit.h"
#include "xerr.h"

#define SERVICE_DID	"did:web:spaces.example.com"
#define SERVICE_NSID	"rsvp.atmo.space.putRecord"
#define SKEW		30

/*
 * What atspace answers for each service-auth vector, from the atspace
 * column of vectors/README.md: NULL accepts; otherwise the error name,
 * or either of two where the README allows both. iss_unregistered
 * names a DID the directory does not know: here that shows as the
 * identity's document (the one we have) being for another DID.
 */
struct expect {
	const char	*name;
	const char	*err;
	const char	*alt;
};

static const struct expect expects[] = {
	{ "valid",			NULL,			NULL },
	{ "typ_missing",		NULL,			NULL },
	{ "wrong_aud",			"BadJwtAudience",	NULL },
	{ "wrong_lxm",			"BadJwtLexiconMethod",	NULL },
	{ "missing_lxm",		"BadJwtLexiconMethod",	NULL },
	{ "expired",			"JwtExpired",		NULL },
	{ "wrong_key",			"BadJwtSignature",	NULL },
	{ "bad_signature",		"BadJwtSignature",	NULL },
	{ "high_s",			"BadJwtSignature",	NULL },
	{ "der_signature",		"BadJwtSignature",	NULL },
	{ "alg_none",			"BadJwtSignature",	"BadJwt" },
	{ "alg_none_with_sig",		"BadJwtSignature",	"BadJwt" },
	{ "alg_hs256_pubkey_secret",	"BadJwtSignature",	"BadJwt" },
	{ "alg_hs256_multibase_secret",	"BadJwtSignature",	"BadJwt" },
	{ "alg_other_curve",		"BadJwtSignature",	"BadJwt" },
	{ "typ_at_jwt",			"BadJwtType",		NULL },
	{ "iss_fragment",		"BadJwtIss",		NULL },
	{ "payload_not_json",		"BadJwt",		NULL },
	{ "header_not_json",		"BadJwt",		NULL },
	{ "exp_missing",		"BadJwt",		NULL },
	{ "exp_string",			"BadJwt",		NULL },
	{ "two_segments",		"BadJwt",		NULL },
	{ "iat_far_future",		"BadJwt",		NULL },
	{ "iss_unregistered",		"AuthenticationRequired", NULL },
};

static json_object	*load_json(const char *);
static const char	*jstr(json_object *, const char *);
static int		 hex_decode(const char *, unsigned char *, size_t);
static int		 std_b64_decode(const char *, unsigned char *, size_t,
			    size_t *);
static int		 derive(enum jwt_alg, const unsigned char[32],
			    unsigned char[65]);
static void		 flip_s(enum jwt_alg, unsigned char[64]);
static const char	*run_vector(const char *, const char *, int64_t,
			    int *);
static int		 expect_ok(const struct expect *, const char *);
static char		*mktoken(const char *, const char *, size_t);
static const char	*parse_err(const char *);
static void		 test_encodings(void);
static void		 test_fixtures(void);
static void		 test_w3c(void);
static void		 test_identities(json_object *);
static void		 test_points(void);
static void		 test_high_s(const char *, const char *);
static void		 test_vectors(void);
static void		 test_parse(void);
static void		 test_claims(void);
static void		 test_didoc(void);

/* Parses a shared file; NULL (after a skip line) when it is absent. */
static json_object *
load_json(const char *rel)
{
	char		 path[1024];
	char		*text;
	json_object	*v;

	snprintf(path, sizeof(path), "%s/%s", unit_shared(), rel);
	if ((text = unit_slurp(path, NULL)) == NULL) {
		printf("skip: %s not found (set ATSPACE_SHARED)\n", path);
		return NULL;
	}
	v = json_tokener_parse(text);
	free(text);
	if (v == NULL)
		printf("FAIL %s: not JSON\n", path);
	return v;
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static int
hex_decode(const char *s, unsigned char *out, size_t outsz)
{
	unsigned int	 b;
	size_t		 i;

	if (strlen(s) != outsz * 2)
		return -1;
	for (i = 0; i < outsz; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return 0;
}

/* Standard base64, padded or not, through the base64url decoder. */
static int
std_b64_decode(const char *s, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	char	 buf[512];
	size_t	 i, n = 0;

	for (i = 0; s[i] != '\0' && s[i] != '=' && n < sizeof(buf); i++)
		buf[n++] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
	return jwt_b64url_decode(buf, n, out, outsz, outlen);
}

/* The uncompressed public point of priv, computed independently. */
static int
derive(enum jwt_alg alg, const unsigned char priv[32], unsigned char out[65])
{
	secp256k1_context	*ctx;
	secp256k1_pubkey	 pk;
	EC_GROUP		*g;
	EC_POINT		*pt;
	BIGNUM			*k;
	size_t			 n = 65;
	int			 rc = -1;

	if (alg == JWT_ES256K) {
		ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
		if (secp256k1_ec_pubkey_create(ctx, &pk, priv) &&
		    secp256k1_ec_pubkey_serialize(ctx, out, &n, &pk,
		    SECP256K1_EC_UNCOMPRESSED))
			rc = 0;
		secp256k1_context_destroy(ctx);
		return rc;
	}
	g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	pt = EC_POINT_new(g);
	k = BN_bin2bn(priv, 32, NULL);
	if (EC_POINT_mul(g, pt, k, NULL, NULL, NULL) == 1 &&
	    EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, out, 65,
	    NULL) == 65)
		rc = 0;
	BN_free(k);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return rc;
}

/* Replaces s by n - s: the other valid signature for the message. */
static void
flip_s(enum jwt_alg alg, unsigned char sig[64])
{
	EC_GROUP	*g;
	BIGNUM		*s;

	g = EC_GROUP_new_by_curve_name(alg == JWT_ES256K ? NID_secp256k1 :
	    NID_X9_62_prime256v1);
	s = BN_bin2bn(sig + 32, 32, NULL);
	BN_sub(s, EC_GROUP_get0_order(g), s);
	BN_bn2binpad(s, sig + 32, 32);
	BN_free(s);
	EC_GROUP_free(g);
}

/*
 * Runs token through what core/auth.c does with a fetched document.
 * Returns "ok" or the error name; *status gets the error's status.
 */
static const char *
run_vector(const char *token, const char *doc, int64_t now, int *status)
{
	static struct xerr	 e;
	struct jwt		 j;
	struct pubkey		 k;

	memset(&e, 0, sizeof(e));
	*status = 0;
	if (jwt_parse(token, &j, &e) == -1 ||
	    jwt_check_claims(&j, SERVICE_DID, SERVICE_NSID, now, SKEW,
	    &e) == -1 ||
	    jwt_didoc_key(doc, strlen(doc), j.iss, &k, &e) == -1 ||
	    jwt_verify(&j, &k, &e) == -1) {
		*status = e.status;
		return e.name != NULL ? e.name : "(no name)";
	}
	return "ok";
}

static int
expect_ok(const struct expect *x, const char *got)
{
	if (x->err == NULL)
		return strcmp(got, "ok") == 0;
	return strcmp(got, x->err) == 0 ||
	    (x->alt != NULL && strcmp(got, x->alt) == 0);
}

/*
 * header.payload.signature from JSON texts and a siglen-byte signature
 * of 0x11 bytes; the caller frees.
 */
static char *
mktoken(const char *hdr, const char *pl, size_t siglen)
{
	unsigned char	 sig[128];
	size_t		 hl = strlen(hdr), pll = strlen(pl), n;
	char		*t;

	n = (hl + pll + siglen) * 4 / 3 + 16;
	if ((t = malloc(n)) == NULL)
		abort();
	memset(sig, 0x11, sizeof(sig));
	jwt_b64url_encode((const unsigned char *)hdr, hl, t, n);
	strcat(t, ".");
	jwt_b64url_encode((const unsigned char *)pl, pll, t + strlen(t),
	    n - strlen(t));
	strcat(t, ".");
	jwt_b64url_encode(sig, siglen, t + strlen(t), n - strlen(t));
	return t;
}

/*
 * The error name jwt_parse gives text ("ok" when it parses); all are
 * 401s, which is checked here too.
 */
static const char *
parse_err(const char *text)
{
	static struct xerr	 e;
	struct jwt		 j;

	memset(&e, 0, sizeof(e));
	if (jwt_parse(text, &j, &e) == 0)
		return "ok";
	CHECK("jwt-4.0", e.status == 401);
	return e.name;
}

static void
test_encodings(void)
{
	unsigned char	 buf[64], in[40];
	char		 text[128];
	size_t		 n, len, i;

	/* 1.1: "YQ" is 'a'; "YR" has unused bits set. */
	CHECK("jwt-1.1", jwt_b64url_decode("YQ", 2, buf, sizeof(buf), &n) == 0
	    && n == 1 && buf[0] == 'a');
	CHECK("jwt-1.1", jwt_b64url_decode("YR", 2, buf, sizeof(buf), &n) ==
	    -1 && n == 0);
	CHECK("jwt-1.1", jwt_b64url_decode("YQ==", 4, buf, sizeof(buf), &n) ==
	    -1);
	CHECK("jwt-1.1", jwt_b64url_decode("a+b/", 4, buf, sizeof(buf), &n) ==
	    -1);
	CHECK("jwt-1.1", jwt_b64url_decode("abcde", 5, buf, sizeof(buf), &n)
	    == -1);
	CHECK("jwt-1.1", jwt_b64url_decode("-_-_", 4, buf, sizeof(buf), &n) ==
	    0 && n == 3 && buf[0] == 0xfb && buf[1] == 0xff &&
	    buf[2] == 0xbf);
	CHECK("jwt-1.1", jwt_b64url_decode("AAAA", 4, buf, 2, &n) == -1);
	CHECK("jwt-1.1", jwt_b64url_decode("", 0, buf, sizeof(buf), &n) == 0 &&
	    n == 0);

	/* 1.2: every length from 0 to 40 survives a round trip. */
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 250);
	for (len = 0; len <= sizeof(in); len++) {
		CHECK("jwt-1.2", jwt_b64url_encode(in, len, text,
		    sizeof(text)) == 0);
		CHECK("jwt-1.2", strlen(text) == (len * 4 + 2) / 3);
		CHECK("jwt-1.2", jwt_b64url_decode(text, strlen(text), buf,
		    sizeof(buf), &n) == 0 && n == len &&
		    memcmp(buf, in, len) == 0);
	}
	CHECK("jwt-1.2", jwt_b64url_encode(in, 3, text, 4) == -1);

	/* 1.3: leading zero bytes are leading '1's. */
	memset(in, 0, 3);
	in[3] = 0x39;
	CHECK("jwt-1.3", multibase_b58_encode(in, 4, text, sizeof(text)) == 0
	    && strcmp(text, "111z") == 0);
	CHECK("jwt-1.3", multibase_b58_decode("111z", 4, buf, sizeof(buf),
	    &n) == 0 && n == 4 && memcmp(buf, in, 4) == 0);
	CHECK("jwt-1.3", multibase_b58_encode((const unsigned char *)
	    "hello world", 11, text, sizeof(text)) == 0 &&
	    strcmp(text, "StV1DL6CwTryKyV") == 0);
	for (len = 0; len <= 34; len++) {
		for (i = 0; i < len; i++)
			in[i] = (unsigned char)(len < 3 ? 0 : i * 91 + len);
		CHECK("jwt-1.3", multibase_encode(in, len, text,
		    sizeof(text)) == 0 && text[0] == 'z');
		CHECK("jwt-1.3", multibase_decode(text, buf, sizeof(buf), &n)
		    == 0 && n == len && memcmp(buf, in, len) == 0);
	}

	/* 1.4: 0, O, I and l are not in the alphabet; only 'z' is known. */
	CHECK("jwt-1.4", multibase_b58_decode("1O", 2, buf, sizeof(buf), &n)
	    == -1);
	CHECK("jwt-1.4", multibase_b58_decode("0", 1, buf, sizeof(buf), &n) ==
	    -1);
	CHECK("jwt-1.4", multibase_decode("StV1DL6CwTryKyV", buf, sizeof(buf),
	    &n) == -1);
	CHECK("jwt-1.4", multibase_decode("zStV1DL6CwTryKyV", buf, 4, &n) ==
	    -1);
	CHECK("jwt-1.4", multibase_b58_encode(in, 3, text, 3) == -1);
}

static void
test_fixtures(void)
{
	json_object	*root, *fx, *tags, *t;
	struct pubkey	 key;
	unsigned char	 msg[256], sig[128];
	const char	*did, *alg;
	size_t		 i, j, msglen, siglen;
	int		 valid, ok, refused_tag;

	if ((root = load_json("atproto-interop/crypto/"
	    "signature-fixtures.json")) == NULL)
		return;
	for (i = 0; i < json_object_array_length(root); i++) {
		fx = json_object_array_get_idx(root, i);
		did = jstr(fx, "publicKeyDid");
		alg = jstr(fx, "algorithm");
		CHECK("jwt-2.1", strncmp(did, "did:key:", 8) == 0 &&
		    jwt_multikey_decode(did + 8, &key) == 0);
		CHECK("jwt-2.1", key.alg == (strcmp(alg, "ES256K") == 0 ?
		    JWT_ES256K : JWT_ES256));
		CHECK("jwt-2.1", std_b64_decode(jstr(fx, "messageBase64"), msg,
		    sizeof(msg), &msglen) == 0);
		/* A DER signature is not 64 bytes, so it cannot verify. */
		ok = std_b64_decode(jstr(fx, "signatureBase64"), sig,
		    sizeof(sig), &siglen) == 0 && siglen == 64 &&
		    jwt_verify_raw(key.alg, key.point, msg, msglen, sig) == 0;
		valid = json_object_get_boolean(json_object_object_get(fx,
		    "validSignature"));
		refused_tag = 0;
		tags = json_object_object_get(fx, "tags");
		for (j = 0; j < json_object_array_length(tags); j++) {
			t = json_object_array_get_idx(tags, j);
			if (strcmp(json_object_get_string(t), "high-s") == 0 ||
			    strcmp(json_object_get_string(t),
			    "der-encoded") == 0)
				refused_tag = 1;
		}
		CHECK("jwt-2.1", ok == valid);
		CHECK("jwt-2.1", !(refused_tag && ok));
		if (ok != valid)
			printf("  fixture %zu (%s): got %d\n", i,
			    jstr(fx, "comment"), ok);
	}
	json_object_put(root);
}

static void
test_w3c(void)
{
	static const char *const files[] = {
		"atproto-interop/crypto/w3c_didkey_K256.json",
		"atproto-interop/crypto/w3c_didkey_P256.json",
	};
	json_object	*root, *e;
	struct pubkey	 key;
	unsigned char	 priv[32], point[65];
	const char	*did, *b58;
	size_t		 f, i, n;
	int		 have;

	for (f = 0; f < 2; f++) {
		if ((root = load_json(files[f])) == NULL)
			continue;
		for (i = 0; i < json_object_array_length(root); i++) {
			e = json_object_array_get_idx(root, i);
			did = jstr(e, "publicDidKey");
			b58 = jstr(e, "privateKeyBytesBase58");
			if (*b58 != '\0')
				have = multibase_b58_decode(b58, strlen(b58),
				    priv, sizeof(priv), &n) == 0 && n == 32;
			else
				have = hex_decode(jstr(e,
				    "privateKeyBytesHex"), priv, 32) == 0;
			CHECK("jwt-2.2", have);
			CHECK("jwt-2.2", jwt_multikey_decode(did + 8, &key) ==
			    0 && key.alg == (f == 0 ? JWT_ES256K : JWT_ES256));
			CHECK("jwt-2.2", derive(key.alg, priv, point) == 0 &&
			    memcmp(point, key.point, 65) == 0);
		}
		json_object_put(root);
	}
}

static void
test_identities(json_object *keys)
{
	json_object	*id;
	struct pubkey	 key;
	unsigned char	 want[65], priv[32], raw[80];
	const char	*did;
	size_t		 i, n;

	for (i = 0; i < json_object_array_length(keys); i++) {
		id = json_object_array_get_idx(keys, i);
		CHECK("jwt-2.3", hex_decode(jstr(id,
		    "publicKeyUncompressedHex"), want, 65) == 0);
		CHECK("jwt-2.3", jwt_multikey_decode(jstr(id, "multikey"),
		    &key) == 0 && memcmp(key.point, want, 65) == 0);
		did = jstr(id, "didKey");
		CHECK("jwt-2.3", jwt_multikey_decode(did + 8, &key) == 0 &&
		    memcmp(key.point, want, 65) == 0);
		CHECK("jwt-2.3", multibase_decode(jstr(id,
		    "legacyPublicKeyMultibase"), raw, sizeof(raw), &n) == 0 &&
		    n == 65 && memcmp(raw, want, 65) == 0);
		CHECK("jwt-2.3", hex_decode(jstr(id, "privateKeyHex"), priv,
		    32) == 0 && derive(key.alg, priv, raw) == 0 &&
		    memcmp(raw, want, 65) == 0);
	}
}

static void
test_points(void)
{
	struct pubkey	 key;
	unsigned char	 raw[65];
	enum jwt_alg	 alg;

	/* x = 0 is on neither curve in compressed form with any y. */
	memset(raw, 0, sizeof(raw));
	for (alg = JWT_ES256K; alg < JWT_ALG_MAX; alg++) {
		raw[0] = 0x02;
		CHECK("jwt-2.4", jwt_point_load(alg, raw, 33, &key) == -1 ||
		    alg == JWT_ES256);
		raw[0] = 0x04;
		CHECK("jwt-2.4", jwt_point_load(alg, raw, 65, &key) == -1);
		raw[0] = 0x06;
		CHECK("jwt-2.4", jwt_point_load(alg, raw, 65, &key) == -1);
		raw[0] = 0x00;
		CHECK("jwt-2.4", jwt_point_load(alg, raw, 1, &key) == -1);
		CHECK("jwt-2.4", jwt_point_load(alg, raw, 33, &key) == -1);
	}
	/* An ed25519 did:key (multicodec ed01) is not ours to verify. */
	CHECK("jwt-2.4", jwt_multikey_decode("z6MkhaXgBZDvotDkL5257faiztiGiC2Q"
	    "tKLGpbnnEGta2doK", &key) == -1);
}

static void
test_high_s(const char *token, const char *doc)
{
	struct jwt	 j;
	struct pubkey	 k;
	struct xerr	 e;

	CHECK("jwt-3.3", jwt_parse(token, &j, &e) == 0 &&
	    jwt_didoc_key(doc, strlen(doc), j.iss, &k, &e) == 0);
	CHECK("jwt-3.3", jwt_verify(&j, &k, &e) == -1);
	flip_s(j.alg, j.sig);
	CHECK("jwt-3.3", jwt_verify(&j, &k, &e) == 0);
}

static void
test_vectors(void)
{
	static const char *const shapes[] = {
		"didDocument", "didDocumentMultikey"
	};
	json_object	*root, *keys, *id, *tokens, *tok, *doc;
	const struct expect *x;
	const char	*name, *got, *text;
	int64_t		 now;
	size_t		 i, j, s, e;
	int		 status;

	if ((root = load_json("vectors/service-auth.json")) == NULL)
		return;
	now = json_object_get_int64(json_object_object_get(root,
	    "generatedAtUnix"));
	keys = json_object_object_get(root, "keys");
	CHECK("jwt-3.0", now > 0 && json_object_array_length(keys) == 2);
	test_identities(keys);
	for (i = 0; i < json_object_array_length(keys); i++) {
		id = json_object_array_get_idx(keys, i);
		tokens = json_object_object_get(id, "tokens");
		for (s = 0; s < 2; s++) {
			doc = json_object_object_get(id, shapes[s]);
			text = json_object_to_json_string_ext(doc,
			    JSON_C_TO_STRING_PLAIN);
			for (j = 0; j < json_object_array_length(tokens);
			    j++) {
				tok = json_object_array_get_idx(tokens, j);
				name = jstr(tok, "name");
				for (e = 0, x = NULL; e < sizeof(expects) /
				    sizeof(expects[0]); e++)
					if (strcmp(expects[e].name, name) == 0)
						x = &expects[e];
				CHECK("jwt-3.2", x != NULL);
				if (x == NULL) {
					printf("  no expectation row for %s\n",
					    name);
					continue;
				}
				got = run_vector(jstr(tok, "jwt"), text, now,
				    &status);
				CHECK("jwt-3.1", expect_ok(x, got));
				CHECK("jwt-3.1", x->err == NULL ||
				    status == 401);
				if (!expect_ok(x, got))
					printf("  vector %s/%s/%s: got %s\n",
					    jstr(id, "name"), shapes[s], name,
					    got);
				if (strcmp(name, "high_s") == 0)
					test_high_s(jstr(tok, "jwt"), text);
			}
		}
	}
	json_object_put(root);
}

static void
test_parse(void)
{
	static const char	 hdr[] = "{\"typ\":\"JWT\",\"alg\":\"ES256K\"}";
	static const char	 pl[] = "{\"iat\":100,\"iss\":\"did:plc:abc\","
	    "\"aud\":\"did:web:a.example\",\"exp\":200,\"lxm\":\"a.b.c\"}";
	struct jwt		 j;
	struct xerr		 e;
	char			*t, *big;
	size_t			 n;

	/* 4.1: a well-formed token and what it yields. */
	t = mktoken(hdr, pl, 64);
	CHECK("jwt-4.1", jwt_parse(t, &j, &e) == 0);
	CHECK("jwt-4.1", j.alg == JWT_ES256K && j.exp == 200 &&
	    j.iat == 100 && j.has_iat && strcmp(j.iss, "did:plc:abc") == 0 &&
	    strcmp(j.aud, "did:web:a.example") == 0 &&
	    strcmp(j.lxm, "a.b.c") == 0 && j.sig[0] == 0x11);
	CHECK("jwt-4.1", j.signed_part == t &&
	    j.signed_len == (size_t)(strrchr(t, '.') - t));

	/* 4.2: shape. */
	n = strlen(t);
	big = malloc(n + 8);
	snprintf(big, n + 8, "%s.AAAA", t);
	CHECK("jwt-4.2", strcmp(parse_err(big), "BadJwt") == 0);
	snprintf(big, n + 8, "%s=", t);
	CHECK("jwt-4.2", strcmp(parse_err(big), "BadJwt") == 0);
	snprintf(big, n + 8, ".%s", strchr(t, '.') + 1);
	CHECK("jwt-4.2", strcmp(parse_err(big), "BadJwt") == 0);
	CHECK("jwt-4.2", strcmp(parse_err(""), "BadJwt") == 0);
	CHECK("jwt-4.2", strcmp(parse_err("a.b"), "BadJwt") == 0);
	CHECK("jwt-4.2", strcmp(parse_err("e30.e30.e30!"), "BadJwt") == 0);
	free(big);
	free(t);

	/* 4.3: the header picks one of two algorithms and no more. */
	t = mktoken("[1]", pl, 64);
	CHECK("jwt-4.3", strcmp(parse_err(t), "BadJwt") == 0);
	free(t);
	t = mktoken("{\"alg\":\"HS256\"}", pl, 32);
	CHECK("jwt-4.3", strcmp(parse_err(t), "BadJwtSignature") == 0);
	free(t);
	t = mktoken("{\"alg\":\"none\"}", pl, 0);
	CHECK("jwt-4.3", strcmp(parse_err(t), "BadJwtSignature") == 0);
	free(t);
	t = mktoken("{\"typ\":\"JWT\"}", pl, 64);
	CHECK("jwt-4.3", strcmp(parse_err(t), "BadJwtSignature") == 0);
	free(t);
	t = mktoken("{\"alg\":1}", pl, 64);
	CHECK("jwt-4.3", strcmp(parse_err(t), "BadJwtSignature") == 0);
	free(t);
	t = mktoken("{\"alg\":\"es256k\"}", pl, 64);
	CHECK("jwt-4.3", strcmp(parse_err(t), "BadJwtSignature") == 0);
	free(t);
	t = mktoken("{\"alg\":\"ES256\"}", pl, 64);
	CHECK("jwt-4.3", jwt_parse(t, &j, &e) == 0 && j.alg == JWT_ES256);
	free(t);

	/* 4.4: typ. */
	t = mktoken("{\"alg\":\"ES256K\",\"typ\":\"refresh+jwt\"}", pl, 64);
	CHECK("jwt-4.4", strcmp(parse_err(t), "BadJwtType") == 0);
	free(t);
	t = mktoken("{\"alg\":\"ES256K\",\"typ\":\"dpop+jwt\"}", pl, 64);
	CHECK("jwt-4.4", strcmp(parse_err(t), "BadJwtType") == 0);
	free(t);
	t = mktoken("{\"alg\":\"ES256K\",\"typ\":7}", pl, 64);
	CHECK("jwt-4.4", strcmp(parse_err(t), "BadJwtType") == 0);
	free(t);

	/* 4.5: claim types. */
	t = mktoken(hdr, "{\"iss\":\"did:plc:abc\",\"aud\":\"did:web:a\","
	    "\"exp\":4102444800.0}", 64);
	CHECK("jwt-4.5", strcmp(parse_err(t), "BadJwt") == 0);
	free(t);
	t = mktoken(hdr, "{\"iss\":\"did:plc:abc\",\"aud\":\"did:web:a\","
	    "\"exp\":1,\"iat\":\"1\"}", 64);
	CHECK("jwt-4.5", strcmp(parse_err(t), "BadJwt") == 0);
	free(t);
	t = mktoken(hdr, "{\"iss\":\"did:plc:abc\",\"aud\":\"did:web:a\","
	    "\"exp\":1,\"lxm\":5}", 64);
	CHECK("jwt-4.5", strcmp(parse_err(t), "BadJwt") == 0);
	free(t);
	t = mktoken(hdr, "{\"aud\":\"did:web:a\",\"exp\":1}", 64);
	CHECK("jwt-4.5", strcmp(parse_err(t), "BadJwt") == 0);
	free(t);
	t = mktoken(hdr, "{\"iss\":\"did:plc:abc\",\"aud\":[],\"exp\":1}", 64);
	CHECK("jwt-4.5", strcmp(parse_err(t), "BadJwt") == 0);
	free(t);
	t = mktoken(hdr, "{\"iss\":\"did:plc:a\\u0000b\",\"aud\":\"did:web:a\","
	    "\"exp\":1}", 64);
	CHECK("jwt-4.5", strcmp(parse_err(t), "BadJwt") == 0);
	free(t);
	t = mktoken(hdr, "{\"iss\":\"did:plc:abc\",\"aud\":\"did:web:a\","
	    "\"exp\":1} x", 64);
	CHECK("jwt-4.5", strcmp(parse_err(t), "BadJwt") == 0);
	free(t);
	t = mktoken(hdr, "{\"iss\":\"did:plc:abc\",\"aud\":\"did:web:a\","
	    "\"exp\":1}", 64);
	CHECK("jwt-4.5", jwt_parse(t, &j, &e) == 0 && !j.has_iat &&
	    j.lxm[0] == '\0');
	free(t);

	/* 4.6: only a 64-byte r || s will do (DER is 70 to 72). */
	t = mktoken(hdr, pl, 63);
	CHECK("jwt-4.6", strcmp(parse_err(t), "BadJwtSignature") == 0);
	free(t);
	t = mktoken(hdr, pl, 71);
	CHECK("jwt-4.6", strcmp(parse_err(t), "BadJwtSignature") == 0);
	free(t);
	t = mktoken(hdr, pl, 0);
	CHECK("jwt-4.6", strcmp(parse_err(t), "BadJwtSignature") == 0);
	free(t);

	/* 4.7: the size limit. */
	n = 9000;
	big = malloc(n + 64);
	snprintf(big, n + 64, "{\"iss\":\"did:plc:abc\",\"aud\":\"d\","
	    "\"exp\":1,\"pad\":\"%0*d\"}", (int)n - 60, 0);
	t = mktoken(hdr, big, 64);
	CHECK("jwt-4.7", strcmp(parse_err(t), "BadJwt") == 0);
	free(t);
	free(big);
}

static void
test_claims(void)
{
	struct jwt	 j, k;
	struct xerr	 e;
	int64_t		 now = 1000000;

	memset(&j, 0, sizeof(j));
	strcpy(j.iss, "did:plc:ewvi7nxzyoun6zhxrhs64oiz");
	strcpy(j.aud, SERVICE_DID);
	strcpy(j.lxm, SERVICE_NSID);
	j.exp = now + 60;
	j.iat = now;
	j.has_iat = 1;
	CHECK("jwt-5.1", jwt_check_claims(&j, SERVICE_DID, SERVICE_NSID, now,
	    SKEW, &e) == 0);

	/* 5.2: exp and iat at the skew's edge and one second past it. */
	k = j;
	k.exp = now - SKEW;
	CHECK("jwt-5.2", jwt_check_claims(&k, SERVICE_DID, SERVICE_NSID, now,
	    SKEW, &e) == 0);
	k.exp = now - SKEW - 1;
	CHECK("jwt-5.2", jwt_check_claims(&k, SERVICE_DID, SERVICE_NSID, now,
	    SKEW, &e) == -1 && strcmp(e.name, "JwtExpired") == 0 &&
	    e.status == 401);
	k.exp = INT64_MIN;
	CHECK("jwt-5.2", jwt_check_claims(&k, SERVICE_DID, SERVICE_NSID, now,
	    SKEW, &e) == -1);
	k = j;
	k.iat = now + SKEW;
	CHECK("jwt-5.2", jwt_check_claims(&k, SERVICE_DID, SERVICE_NSID, now,
	    SKEW, &e) == 0);
	k.iat = now + SKEW + 1;
	CHECK("jwt-5.2", jwt_check_claims(&k, SERVICE_DID, SERVICE_NSID, now,
	    SKEW, &e) == -1 && strcmp(e.name, "BadJwt") == 0);
	k.has_iat = 0;
	CHECK("jwt-5.2", jwt_check_claims(&k, SERVICE_DID, SERVICE_NSID, now,
	    SKEW, &e) == 0);
	k = j;
	k.exp = INT64_MAX;
	CHECK("jwt-5.2", jwt_check_claims(&k, SERVICE_DID, SERVICE_NSID, now,
	    SKEW, &e) == 0);

	/* 5.3: aud, lxm and iss. */
	CHECK("jwt-5.3", jwt_check_claims(&j, "did:web:other.example",
	    SERVICE_NSID, now, SKEW, &e) == -1 &&
	    strcmp(e.name, "BadJwtAudience") == 0);
	CHECK("jwt-5.3", jwt_check_claims(&j, SERVICE_DID,
	    "rsvp.atmo.space.getRecord", now, SKEW, &e) == -1 &&
	    strcmp(e.name, "BadJwtLexiconMethod") == 0);
	k = j;
	k.lxm[0] = '\0';
	CHECK("jwt-5.3", jwt_check_claims(&k, SERVICE_DID, SERVICE_NSID, now,
	    SKEW, &e) == -1 && strcmp(e.name, "BadJwtLexiconMethod") == 0 &&
	    strncmp(e.msg, "missing", 7) == 0);
	k = j;
	strcat(k.iss, "#atproto_labeler");
	CHECK("jwt-5.3", jwt_check_claims(&k, SERVICE_DID, SERVICE_NSID, now,
	    SKEW, &e) == -1 && strcmp(e.name, "BadJwtIss") == 0);
	strcpy(k.iss, "plc:ewvi7nxzyoun6zhxrhs64oiz");
	CHECK("jwt-5.3", jwt_check_claims(&k, SERVICE_DID, SERVICE_NSID, now,
	    SKEW, &e) == -1 && strcmp(e.name, "BadJwtIss") == 0);
}

static void
test_didoc(void)
{
	static const char	 did[] = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
	json_object		*root, *fx;
	struct pubkey		 want, key;
	struct xerr		 e;
	char			 doc[1024];
	size_t			 i;

	/* 6.1: the 2019 suites with compressed points, from the fixtures. */
	if ((root = load_json("atproto-interop/crypto/"
	    "signature-fixtures.json")) != NULL) {
		for (i = 0; i < json_object_array_length(root); i++) {
			fx = json_object_array_get_idx(root, i);
			snprintf(doc, sizeof(doc), "{\"id\":\"%s\","
			    "\"verificationMethod\":[{\"id\":\"%s#atproto\","
			    "\"type\":\"%s\",\"publicKeyMultibase\":\"%s\"}]}",
			    did, did, jstr(fx, "didDocSuite"),
			    jstr(fx, "publicKeyMultibase"));
			CHECK("jwt-6.1", jwt_multikey_decode(jstr(fx,
			    "publicKeyDid") + 8, &want) == 0);
			CHECK("jwt-6.1", jwt_didoc_key(doc, strlen(doc), did,
			    &key, &e) == 0 && key.alg == want.alg &&
			    memcmp(key.point, want.point, 65) == 0);
		}
		json_object_put(root);
	}

	/* 6.2: documents that must not lend a key. */
	snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"verificationMethod\":"
	    "[{\"id\":\"#atproto_label\",\"type\":\"Multikey\","
	    "\"publicKeyMultibase\":\"zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4"
	    "sSpMdLJwc\"}]}", did);
	CHECK("jwt-6.2", jwt_didoc_key(doc, strlen(doc), did, &key, &e) ==
	    -1 && e.status == 401 && strstr(e.msg, "#atproto") != NULL);
	snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"verificationMethod\":"
	    "[{\"id\":\"#atproto\",\"type\":\"JsonWebKey2020\","
	    "\"publicKeyMultibase\":\"zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4"
	    "sSpMdLJwc\"}]}", did);
	CHECK("jwt-6.2", jwt_didoc_key(doc, strlen(doc), did, &key, &e) ==
	    -1);
	snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"verificationMethod\":"
	    "[{\"id\":\"did:plc:other#atproto\",\"type\":\"Multikey\","
	    "\"publicKeyMultibase\":\"zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4"
	    "sSpMdLJwc\"},{\"id\":\"#atproto\",\"type\":\"Multikey\","
	    "\"publicKeyMultibase\":\"zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4"
	    "sSpMdLJwc\"}]}", did);
	CHECK("jwt-6.2", jwt_didoc_key(doc, strlen(doc), did, &key, &e) ==
	    0 && key.alg == JWT_ES256K);
	CHECK("jwt-6.2", jwt_didoc_key(doc, strlen(doc), "did:plc:other",
	    &key, &e) == -1 && e.status == 401);
	CHECK("jwt-6.2", jwt_didoc_key(doc, strlen(doc) - 1, did, &key, &e)
	    == -1);
	CHECK("jwt-6.2", jwt_didoc_key("[]", 2, did, &key, &e) == -1);
	CHECK("jwt-6.2", jwt_didoc_key("{\"id\":1}", 8, did, &key, &e) == -1);
}

int
main(void)
{
	test_encodings();
	test_fixtures();
	test_w3c();
	test_points();
	test_vectors();
	test_parse();
	test_claims();
	test_didoc();
	return unit_done("jwt");
}
