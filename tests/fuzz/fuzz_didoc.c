/* atspace: ISC licence, see README.md. */
/*
 * libFuzzer target for DID documents as a PLC directory or did:web
 * host serves them (jwt_didoc_key) and for the Multikey strings inside
 * them (jwt_multikey_decode, multibase_decode). The first byte picks
 * which: a document is untrusted network input, so every shape of it
 * must answer with a key or a 401, never read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jwt.h"
#include "multibase.h"
#include "xerr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_DID	"did:plc:fuzzfuzzfuzzfuzzfuzzfuzz"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xerr	 err = { 0 };
	struct pubkey	 key;
	unsigned char	 raw[MULTIBASE_MAX];
	size_t		 rawlen;
	char		*s;
	int		 mode;

	if (size == 0)
		return 0;
	mode = data[0] % 3;
	data++;
	size--;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	switch (mode) {
	case 0:
		/* The document's "id" must match, so the DID is fixed. */
		if (jwt_didoc_key(s, size, FUZZ_DID, &key, &err) == -1 &&
		    err.status != 401)
			abort();
		break;
	case 1:
		if (jwt_multikey_decode(s, &key) == 0 && key.point[0] != 4)
			abort();
		break;
	default:
		if (multibase_decode(s, raw, sizeof(raw), &rawlen) == 0 &&
		    rawlen > sizeof(raw))
			abort();
		break;
	}
	free(s);
	return 0;
}
