/* atspace: ISC licence, see README.md. */
/*
 * Base58btc and its multibase form ("z" + base58btc), the encodings
 * atproto uses for public keys in DID documents and did:key
 * identifiers (w3c-ccg.github.io/did-method-key). Nothing here knows
 * about curves or multicodec prefixes: core/jwt.c does.
 */
#ifndef MULTIBASE_H
#define MULTIBASE_H

#include <stddef.h>

/*
 * Longest encoded text handled, in characters: a 65-byte point behind
 * a two-byte prefix needs 92, so keys fit with room to spare.
 */
#define MULTIBASE_MAX	128

/* Raw base58btc (the Bitcoin alphabet), no multibase prefix. */

/*
 * Decodes in[0..inlen) into out (outsz bytes), setting *outlen.
 * Returns -1 for a character outside the alphabet, input longer than
 * MULTIBASE_MAX or output that does not fit; *outlen is then 0.
 */
int	multibase_b58_decode(const char *in, size_t inlen,
	    unsigned char *out, size_t outsz, size_t *outlen);

/*
 * Encodes in[0..inlen) as NUL-terminated text in out. Returns -1 when
 * the text (with its NUL) would not fit in outsz or MULTIBASE_MAX.
 */
int	multibase_b58_encode(const unsigned char *in, size_t inlen,
	    char *out, size_t outsz);

/* Multibase: only the base58btc form "z..." is known. */

/* As multibase_b58_decode, for a NUL-terminated "z..." string. */
int	multibase_decode(const char *s, unsigned char *out, size_t outsz,
	    size_t *outlen);

/* As multibase_b58_encode, with the leading 'z'. */
int	multibase_encode(const unsigned char *in, size_t inlen, char *out,
	    size_t outsz);

#endif
