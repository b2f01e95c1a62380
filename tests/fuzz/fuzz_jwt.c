/* atspace: ISC licence, see README.md. */
/*
 * libFuzzer target for service-auth token parsing (jwt_parse) and the
 * claim checks behind it. A token that parses is also checked against
 * a fixed service and verified against a fixed key, so the code that
 * reads the parsed struct runs on fuzzer-made values too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jwt.h"
#include "xerr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SERVICE	"did:web:spaces.example.com"
#define FUZZ_NSID	"rsvp.atmo.space.putRecord"
/* A secp256k1 did:key from the interop crypto fixtures. */
#define FUZZ_KEY	"zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pubkey	 key;
	static int		 have_key = -1;
	struct xerr		 err = { 0 };
	struct jwt		 jwt;
	char			*tok;

	if (have_key == -1)
		have_key = jwt_multikey_decode(FUZZ_KEY, &key) == 0;
	if ((tok = malloc(size + 1)) == NULL)
		return 0;
	memcpy(tok, data, size);
	tok[size] = '\0';
	if (jwt_parse(tok, &jwt, &err) == -1) {
		if (err.status != 401 || err.name == NULL)
			abort();
		goto out;
	}
	if (jwt.signed_part != tok || jwt.signed_len >= size)
		abort();
	(void)jwt_check_claims(&jwt, FUZZ_SERVICE, FUZZ_NSID,
	    1700000000, 30, &err);
	if (have_key)
		(void)jwt_verify(&jwt, &key, &err);
out:
	free(tok);
	return 0;
}
