/* atspace: ISC licence, see README.md. */
/*
 * The crypto yardstick: how many service-auth signatures one core
 * checks per second with the code atspace runs (jwt_parse once, then
 * jwt_verify in a loop: SHA-256 plus libsecp256k1 or OpenSSL).
 *   verify-rate TOKEN MULTIKEY SECONDS
 * prints "<verifications per second>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "jwt.h"
#include "xerr.h"

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct jwt	 jwt;
	struct pubkey	 key;
	struct xerr	 err = { 0 };
	double		 t0, secs;
	long		 n = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: verify-rate TOKEN MULTIKEY SECONDS\n");
		return 2;
	}
	secs = atof(argv[3]);
	if (jwt_parse(argv[1], &jwt, &err) == -1 ||
	    jwt_multikey_decode(argv[2], &key) == -1 ||
	    jwt_verify(&jwt, &key, &err) == -1) {
		fprintf(stderr, "verify-rate: token or key unusable: %s\n",
		    err.msg);
		return 1;
	}
	t0 = now();
	do {
		int	 i;

		for (i = 0; i < 256; i++)
			if (jwt_verify(&jwt, &key, &err) == -1)
				return 1;
		n += 256;
	} while (now() - t0 < secs);
	printf("%.0f\n", n / (now() - t0));
	return 0;
}
