/* atspace: ISC licence, see README.md. */
/*
 * mintjwt: mints atproto service-auth tokens for the integration tests,
 * including the malformed ones they need (high-S, DER, wrong typ). Also
 * prints the Multikey of a private key, so a test can build a DID
 * document for it, and makes fresh private keys. Test-only: never
 * installed. Usage:
 *
 *   mintjwt --alg ES256K|ES256 --key HEX --iss DID --aud DID
 *       [--lxm NSID] [--exp UNIX] [--iat UNIX | --no-iat]
 *       [--typ T | --no-typ] [--high-s] [--der] [--jti X]
 *   mintjwt --pub --alg ES256K|ES256 --key HEX
 *   mintjwt --genkey
 *
 * ES256K signs with libsecp256k1, ES256 with OpenSSL. libjwt is not
 * used: it cannot do ES256K, always writes "typ", and would leave S
 * unnormalised, so both curves share one path that builds the text.
 */
#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <secp256k1.h>

#include "jwt.h"
#include "multibase.h"

enum mint_mode {
	MINT_TOKEN,
	MINT_PUB,
	MINT_GENKEY
};

struct mint {
	enum mint_mode	 mode;
	enum jwt_alg	 alg;
	int		 have_alg;
	unsigned char	 key[32];
	int		 have_key;
	const char	*iss;
	const char	*aud;
	const char	*lxm;		/* NULL: no lxm claim */
	const char	*typ;		/* NULL: no typ header */
	const char	*jti;		/* NULL: a random one */
	int64_t		 exp;
	int64_t		 iat;
	int		 no_iat;
	int		 high_s;
	int		 der;
};

enum mint_opt {
	OPT_ALG = 256,
	OPT_KEY,
	OPT_ISS,
	OPT_AUD,
	OPT_LXM,
	OPT_EXP,
	OPT_IAT,
	OPT_NO_IAT,
	OPT_TYP,
	OPT_NO_TYP,
	OPT_HIGH_S,
	OPT_DER,
	OPT_JTI,
	OPT_PUB,
	OPT_GENKEY,
	OPT_COUNT
};

static const struct option mint_opts[] = {
	{ "alg",	required_argument,	NULL,	OPT_ALG },
	{ "key",	required_argument,	NULL,	OPT_KEY },
	{ "iss",	required_argument,	NULL,	OPT_ISS },
	{ "aud",	required_argument,	NULL,	OPT_AUD },
	{ "lxm",	required_argument,	NULL,	OPT_LXM },
	{ "exp",	required_argument,	NULL,	OPT_EXP },
	{ "iat",	required_argument,	NULL,	OPT_IAT },
	{ "no-iat",	no_argument,		NULL,	OPT_NO_IAT },
	{ "typ",	required_argument,	NULL,	OPT_TYP },
	{ "no-typ",	no_argument,		NULL,	OPT_NO_TYP },
	{ "high-s",	no_argument,		NULL,	OPT_HIGH_S },
	{ "der",	no_argument,		NULL,	OPT_DER },
	{ "jti",	required_argument,	NULL,	OPT_JTI },
	{ "pub",	no_argument,		NULL,	OPT_PUB },
	{ "genkey",	no_argument,		NULL,	OPT_GENKEY },
	{ "count",	required_argument,	NULL,	OPT_COUNT },
	{ NULL,		0,			NULL,	0 }
};

static void __attribute__((noreturn))
mint_usage(void)
{
	fprintf(stderr, "usage: mintjwt --alg ES256K|ES256 --key HEX "
	    "--iss DID --aud DID [--lxm NSID]\n"
	    "\t[--exp UNIX] [--iat UNIX | --no-iat] [--typ T | --no-typ]\n"
	    "\t[--high-s] [--der] [--jti X] [--count N]\n"
	    "       mintjwt --pub --alg ES256K|ES256 --key HEX\n"
	    "       mintjwt --genkey\n");
	exit(2);
}

static int
mint_hex(const char *s, unsigned char *out, size_t outsz)
{
	size_t		 i;
	unsigned int	 b;

	if (strlen(s) != outsz * 2 || strspn(s, "0123456789abcdefABCDEF") !=
	    outsz * 2)
		return -1;
	for (i = 0; i < outsz; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return 0;
}

static int64_t
mint_int(const char *s)
{
	char		*end;
	long long	 v;

	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0')
		errx(2, "not an integer: %s", s);
	return v;
}

static int
mint_nid(enum jwt_alg alg)
{
	return alg == JWT_ES256K ? NID_secp256k1 : NID_X9_62_prime256v1;
}

static secp256k1_context *
mint_k256(void)
{
	static secp256k1_context	*ctx;

	if (ctx == NULL &&
	    (ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE)) == NULL)
		errx(1, "secp256k1_context_create failed");
	return ctx;
}

/*
 * A private key is a scalar in [1, n - 1]; P-256's n is the smaller,
 * so a key below it serves both curves (what --genkey promises).
 */
static int
mint_key_ok(enum jwt_alg alg, const unsigned char key[32])
{
	EC_GROUP	*g;
	BIGNUM		*k;
	int		 ok;

	if ((g = EC_GROUP_new_by_curve_name(mint_nid(alg))) == NULL ||
	    (k = BN_bin2bn(key, 32, NULL)) == NULL)
		errx(1, "openssl allocation failed");
	ok = !BN_is_zero(k) && BN_cmp(k, EC_GROUP_get0_order(g)) < 0;
	BN_free(k);
	EC_GROUP_free(g);
	return ok;
}

/* The public point of key, as SEC1 text of the given form. */
static size_t
mint_public(enum jwt_alg alg, const unsigned char key[32],
    point_conversion_form_t form, unsigned char out[65])
{
	EC_GROUP	*g;
	EC_POINT	*pt;
	BIGNUM		*k;
	size_t		 n;

	if ((g = EC_GROUP_new_by_curve_name(mint_nid(alg))) == NULL ||
	    (pt = EC_POINT_new(g)) == NULL ||
	    (k = BN_bin2bn(key, 32, NULL)) == NULL ||
	    EC_POINT_mul(g, pt, k, NULL, NULL, NULL) != 1 ||
	    (n = EC_POINT_point2oct(g, pt, form, out, 65, NULL)) == 0)
		errx(1, "deriving the public key failed");
	BN_clear_free(k);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return n;
}

static void
mint_sign_k256(const unsigned char key[32], const unsigned char hash[32],
    unsigned char sig[64])
{
	secp256k1_ecdsa_signature	 s;

	/* RFC 6979 nonces; the result is already low-S. */
	if (!secp256k1_ecdsa_sign(mint_k256(), &s, hash, key, NULL, NULL) ||
	    !secp256k1_ecdsa_signature_serialize_compact(mint_k256(), sig, &s))
		errx(1, "secp256k1_ecdsa_sign failed");
}

static void
mint_sign_p256(const unsigned char key[32], const unsigned char hash[32],
    unsigned char sig[64])
{
	unsigned char	 pub[65], der[80];
	const unsigned char *p = der;
	size_t		 publen, derlen = sizeof(der);
	OSSL_PARAM_BLD	*bld;
	OSSL_PARAM	*params;
	EVP_PKEY_CTX	*kctx, *sctx;
	EVP_PKEY	*pkey = NULL;
	ECDSA_SIG	*es;
	BIGNUM		*k;

	publen = mint_public(JWT_ES256, key, POINT_CONVERSION_UNCOMPRESSED,
	    pub);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    (k = BN_bin2bn(key, 32, NULL)) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, k) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, publen) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (kctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(kctx) <= 0 ||
	    EVP_PKEY_fromdata(kctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0 ||
	    (sctx = EVP_PKEY_CTX_new(pkey, NULL)) == NULL ||
	    EVP_PKEY_sign_init(sctx) <= 0 ||
	    EVP_PKEY_sign(sctx, der, &derlen, hash, 32) <= 0 ||
	    (es = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL ||
	    BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) != 32 ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) != 32)
		errx(1, "P-256 signing failed");
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(sctx);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(kctx);
	OSSL_PARAM_free(params);
	BN_clear_free(k);
	OSSL_PARAM_BLD_free(bld);
}

/*
 * Puts s in its low half (n - s when s > n/2), or in its high half for
 * --high-s: both are valid ECDSA, atproto accepts only the low one.
 */
static void
mint_set_s(enum jwt_alg alg, unsigned char sig[64], int high)
{
	EC_GROUP	*g;
	BIGNUM		*s, *half;
	const BIGNUM	*n;

	if ((g = EC_GROUP_new_by_curve_name(mint_nid(alg))) == NULL ||
	    (s = BN_bin2bn(sig + 32, 32, NULL)) == NULL ||
	    (half = BN_new()) == NULL)
		errx(1, "openssl allocation failed");
	n = EC_GROUP_get0_order(g);
	if (!BN_rshift1(half, n))
		errx(1, "BN_rshift1 failed");
	if ((BN_cmp(s, half) > 0) != high &&
	    (!BN_sub(s, n, s) || BN_bn2binpad(s, sig + 32, 32) != 32))
		errx(1, "BN_sub failed");
	BN_free(half);
	BN_free(s);
	EC_GROUP_free(g);
}

/* r || s re-encoded as the DER SEQUENCE that atproto refuses. */
static size_t
mint_der(const unsigned char sig[64], unsigned char *out, size_t outsz)
{
	ECDSA_SIG	*es;
	BIGNUM		*r, *s;
	unsigned char	*der = NULL;
	int		 n;

	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, 32, NULL)) == NULL ||
	    (s = BN_bin2bn(sig + 32, 32, NULL)) == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1 ||
	    (n = i2d_ECDSA_SIG(es, &der)) <= 0 || (size_t)n > outsz)
		errx(1, "DER encoding failed");
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	return (size_t)n;
}

static void
mint_add_str(json_object *o, const char *k, const char *v)
{
	json_object	*s;

	if ((s = json_object_new_string(v)) == NULL)
		errx(1, "json_object_new_string failed");
	if (json_object_object_add(o, k, s) != 0) {
		json_object_put(s);
		errx(1, "json_object_object_add failed");
	}
}

static void
mint_add_int(json_object *o, const char *k, int64_t v)
{
	json_object	*i;

	if ((i = json_object_new_int64(v)) == NULL)
		errx(1, "json_object_new_int64 failed");
	if (json_object_object_add(o, k, i) != 0) {
		json_object_put(i);
		errx(1, "json_object_object_add failed");
	}
}

/* Appends base64url(data) to the malloc'd string *text at *len. */
static void
mint_append(char **text, size_t *len, const void *data, size_t n)
{
	size_t	 need = (n * 4 + 2) / 3 + 2;

	if ((*text = realloc(*text, *len + need)) == NULL)
		err(1, "realloc");
	if (jwt_b64url_encode(data, n, *text + *len, need) == -1)
		errx(1, "jwt_b64url_encode failed");
	*len += strlen(*text + *len);
}

/* Header and payload in the key order @atproto/xrpc-server writes. */
static void
mint_claims(const struct mint *m, char **text, size_t *len)
{
	json_object	*hdr, *pl;
	const char	*s;
	unsigned char	 rnd[16];
	char		 jti[33];
	size_t		 i;
	int		 flags = JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE;

	if ((hdr = json_object_new_object()) == NULL ||
	    (pl = json_object_new_object()) == NULL)
		errx(1, "json_object_new_object failed");
	if (m->typ != NULL)
		mint_add_str(hdr, "typ", m->typ);
	mint_add_str(hdr, "alg", m->alg == JWT_ES256K ? "ES256K" : "ES256");
	if (!m->no_iat)
		mint_add_int(pl, "iat", m->iat);
	mint_add_str(pl, "iss", m->iss);
	mint_add_str(pl, "aud", m->aud);
	mint_add_int(pl, "exp", m->exp);
	if (m->lxm != NULL)
		mint_add_str(pl, "lxm", m->lxm);
	if ((s = m->jti) == NULL) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			errx(1, "RAND_bytes failed");
		for (i = 0; i < sizeof(rnd); i++)
			snprintf(jti + 2 * i, 3, "%02x", rnd[i]);
		s = jti;
	}
	mint_add_str(pl, "jti", s);

	s = json_object_to_json_string_ext(hdr, flags);
	mint_append(text, len, s, strlen(s));
	(*text)[(*len)++] = '.';
	s = json_object_to_json_string_ext(pl, flags);
	mint_append(text, len, s, strlen(s));
	json_object_put(pl);
	json_object_put(hdr);
}

static void
mint_token(const struct mint *m)
{
	unsigned char	 hash[32], sig[64], der[80];
	unsigned int	 hlen;
	char		*text = NULL;
	size_t		 len = 0, derlen;

	if (m->iss == NULL || m->aud == NULL)
		mint_usage();
	mint_claims(m, &text, &len);
	if (EVP_Digest(text, len, hash, &hlen, EVP_sha256(), NULL) != 1)
		errx(1, "EVP_Digest failed");
	if (m->alg == JWT_ES256K)
		mint_sign_k256(m->key, hash, sig);
	else
		mint_sign_p256(m->key, hash, sig);
	mint_set_s(m->alg, sig, m->high_s);
	text[len++] = '.';
	if (m->der) {
		derlen = mint_der(sig, der, sizeof(der));
		mint_append(&text, &len, der, derlen);
	} else
		mint_append(&text, &len, sig, sizeof(sig));
	printf("%s\n", text);
	free(text);
}

/* Multikey: "z" + base58btc(multicodec prefix || compressed point). */
static void
mint_pub(const struct mint *m)
{
	unsigned char	 raw[2 + 65];
	char		 text[MULTIBASE_MAX + 2];
	size_t		 n;

	raw[0] = m->alg == JWT_ES256K ? 0xe7 : 0x80;
	raw[1] = m->alg == JWT_ES256K ? 0x01 : 0x24;
	n = mint_public(m->alg, m->key, POINT_CONVERSION_COMPRESSED, raw + 2);
	if (multibase_encode(raw, 2 + n, text, sizeof(text)) == -1)
		errx(1, "multibase_encode failed");
	printf("%s\n", text);
}

static void
mint_genkey(void)
{
	unsigned char	 key[32];
	size_t		 i;

	do {
		if (RAND_bytes(key, sizeof(key)) != 1)
			errx(1, "RAND_bytes failed");
	} while (!mint_key_ok(JWT_ES256K, key) || !mint_key_ok(JWT_ES256, key));
	for (i = 0; i < sizeof(key); i++)
		printf("%02x", key[i]);
	printf("\n");
}

int
main(int argc, char *argv[])
{
	struct mint	 m;
	long long	 count = 1, i;
	int		 c;

	memset(&m, 0, sizeof(m));
	m.typ = "JWT";
	m.iat = (int64_t)time(NULL);
	m.exp = m.iat + 300;
	while ((c = getopt_long(argc, argv, "", mint_opts, NULL)) != -1) {
		switch (c) {
		case OPT_ALG:
			if (strcmp(optarg, "ES256K") == 0)
				m.alg = JWT_ES256K;
			else if (strcmp(optarg, "ES256") == 0)
				m.alg = JWT_ES256;
			else
				errx(2, "unknown alg: %s", optarg);
			m.have_alg = 1;
			break;
		case OPT_KEY:
			if (mint_hex(optarg, m.key, sizeof(m.key)) == -1)
				errx(2, "--key wants 64 hex digits");
			m.have_key = 1;
			break;
		case OPT_ISS:
			m.iss = optarg;
			break;
		case OPT_AUD:
			m.aud = optarg;
			break;
		case OPT_LXM:
			m.lxm = optarg;
			break;
		case OPT_EXP:
			m.exp = mint_int(optarg);
			break;
		case OPT_IAT:
			m.iat = mint_int(optarg);
			break;
		case OPT_NO_IAT:
			m.no_iat = 1;
			break;
		case OPT_TYP:
			m.typ = optarg;
			break;
		case OPT_NO_TYP:
			m.typ = NULL;
			break;
		case OPT_HIGH_S:
			m.high_s = 1;
			break;
		case OPT_DER:
			m.der = 1;
			break;
		case OPT_JTI:
			m.jti = optarg;
			break;
		case OPT_PUB:
			m.mode = MINT_PUB;
			break;
		case OPT_GENKEY:
			m.mode = MINT_GENKEY;
			break;
		case OPT_COUNT:
			/* Benchmarks: N tokens, one a line, each its own jti. */
			if ((count = mint_int(optarg)) < 1)
				errx(2, "--count wants a positive number");
			break;
		default:
			mint_usage();
		}
	}
	if (optind != argc)
		mint_usage();
	if (m.mode == MINT_GENKEY) {
		mint_genkey();
		return 0;
	}
	if (!m.have_alg || !m.have_key)
		mint_usage();
	if (!mint_key_ok(m.alg, m.key))
		errx(2, "--key is not a private key on that curve");
	if (m.mode == MINT_PUB)
		mint_pub(&m);
	else
		for (i = 0; i < count; i++)
			mint_token(&m);
	return 0;
}
