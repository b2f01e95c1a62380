/* atspace: ISC licence, see README.md. */
/*
 * A second, independent token minter for the integration tests: libjwt
 * (the JWT library Debian ships) signs ES256 service-auth tokens, or
 * HS256 ones for the alg-confusion case, so atspace's own verifier is
 * checked against tokens it did not make itself. libjwt 1.10 knows no
 * ES256K, which is why atspace verifies with libsecp256k1 and OpenSSL.
 * Built without -Icore: <jwt.h> here is libjwt's, not core/jwt.h.
 *
 *   libjwt-mint --key HEX --iss DID --aud DID --lxm NSID [--exp UNIX]
 *   libjwt-mint --hs256 SECRET --iss DID --aud DID --lxm NSID
 *
 * libjwt leaves S as OpenSSL made it, so about half of its ES256
 * signatures are high-S, which atspace refuses; --low-s and --high-s
 * keep minting until the signature is of that kind.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/evp.h>

/* The order n of P-256, for telling high S from low S. */
static const char mint_p256_n[] =
    "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

/* SEC1 ECPrivateKey for P-256 without the optional public key. */
static void
mint_pem(const char *hex, char *pem, size_t pemsz)
{
	unsigned char	 der[51], b64[80];
	unsigned int	 i, v;

	memcpy(der, "\x30\x31\x02\x01\x01\x04\x20", 7);
	if (strlen(hex) != 64)
		errx(2, "--key wants 64 hex digits");
	for (i = 0; i < 32; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			errx(2, "--key wants 64 hex digits");
		der[7 + i] = (unsigned char)v;
	}
	memcpy(der + 39, "\xa0\x0a\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07",
	    12);
	EVP_EncodeBlock(b64, der, sizeof(der));
	snprintf(pem, pemsz, "-----BEGIN EC PRIVATE KEY-----\n%s\n"
	    "-----END EC PRIVATE KEY-----\n", (char *)b64);
}

/* Whether the token's S (the last 32 bytes of its signature) > n/2. */
static int
mint_is_high_s(const char *token)
{
	const char	*sig = strrchr(token, '.') + 1;
	unsigned char	 raw[70];
	char		 b64[100];
	size_t		 i, n = strlen(sig);
	BIGNUM		*s = NULL, *half = NULL;
	int		 high;

	/* base64url to base64, padded to a multiple of four. */
	for (i = 0; i < n && i < sizeof(b64) - 3; i++)
		b64[i] = sig[i] == '-' ? '+' : sig[i] == '_' ? '/' : sig[i];
	while (i % 4 != 0)
		b64[i++] = '=';
	b64[i] = '\0';
	if (EVP_DecodeBlock(raw, (unsigned char *)b64, (int)i) < 64)
		errx(1, "signature is not 64 bytes");
	s = BN_bin2bn(raw + 32, 32, NULL);
	BN_hex2bn(&half, mint_p256_n);
	BN_rshift1(half, half);
	high = BN_cmp(s, half) > 0;
	BN_free(s);
	BN_free(half);
	return high;
}

static char *
mint_once(const char *pem, const char *secret, const char *iss,
    const char *aud, const char *lxm, long exp)
{
	jwt_t	*jwt = NULL;
	char	*token;

	if (jwt_new(&jwt) != 0)
		errx(1, "jwt_new failed");
	jwt_add_grant(jwt, "iss", iss);
	jwt_add_grant(jwt, "aud", aud);
	jwt_add_grant(jwt, "lxm", lxm);
	jwt_add_grant_int(jwt, "iat", (long)time(NULL));
	jwt_add_grant_int(jwt, "exp", exp);
	if (secret != NULL) {
		if (jwt_set_alg(jwt, JWT_ALG_HS256,
		    (const unsigned char *)secret, (int)strlen(secret)) != 0)
			errx(1, "jwt_set_alg HS256 failed");
	} else if (jwt_set_alg(jwt, JWT_ALG_ES256,
	    (const unsigned char *)pem, (int)strlen(pem)) != 0)
		errx(1, "jwt_set_alg ES256 failed");
	if ((token = jwt_encode_str(jwt)) == NULL)
		errx(1, "jwt_encode_str failed");
	jwt_free(jwt);
	return token;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "hs256", required_argument, NULL, 'h' },
		{ "iss", required_argument, NULL, 'i' },
		{ "aud", required_argument, NULL, 'a' },
		{ "lxm", required_argument, NULL, 'l' },
		{ "exp", required_argument, NULL, 'e' },
		{ "low-s", no_argument, NULL, 'L' },
		{ "high-s", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*key = NULL, *secret = NULL, *iss = NULL, *aud = NULL;
	const char	*lxm = NULL;
	char		 pem[256], *token;
	long		 exp = (long)time(NULL) + 300;
	int		 c, want = -1, tries;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'h':
			secret = optarg;
			break;
		case 'i':
			iss = optarg;
			break;
		case 'a':
			aud = optarg;
			break;
		case 'l':
			lxm = optarg;
			break;
		case 'e':
			exp = atol(optarg);
			break;
		case 'L':
			want = 0;
			break;
		case 'H':
			want = 1;
			break;
		default:
			errx(2, "see the comment at the top of the source");
		}
	}
	if ((key == NULL) == (secret == NULL) || iss == NULL ||
	    aud == NULL || lxm == NULL)
		errx(2, "need --key or --hs256, and --iss, --aud, --lxm");
	if (key != NULL)
		mint_pem(key, pem, sizeof(pem));
	for (tries = 0; tries < 200; tries++) {
		token = mint_once(pem, secret, iss, aud, lxm, exp);
		if (secret != NULL || want == -1 ||
		    mint_is_high_s(token) == want) {
			printf("%s\n", token);
			free(token);
			return 0;
		}
		free(token);
	}
	errx(1, "no signature of the wanted kind in 200 tries");
}
