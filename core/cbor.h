/* atspace: ISC licence, see README.md. */
/*
 * DAG-CBOR, the binary form of the atproto data model
 * (atproto.com/specs/data-model), and the CIDs that name its blocks.
 * A record's CID is what at-uris resolve to and what swapRecord
 * compares, so the bytes must match every other implementation's: the
 * rules are spelled out above cbor_encode_record.
 */
#ifndef CBOR_H
#define CBOR_H

#include <stddef.h>

#include <json-c/json.h>

struct xerr;

/*
 * Room for a CID string with its NUL: sha-256 CIDs take 59 characters
 * plus the NUL, so 64 leaves a little over.
 */
#define CBOR_CID_MAX	64

/* Records */

/*
 * Encodes v (a json-c tree already checked by json_check_record, though
 * any value encodes, not only an object) as DAG-CBOR: map keys sorted
 * by length, then bytewise; integer and length heads in shortest form;
 * strings as text strings (valid UTF-8); arrays; true, false, null;
 * {"$link": "<cid>"} as tag 42 over a byte string 0x00 + binary CID;
 * {"$bytes": "<base64>"} as a byte string (standard alphabet, no
 * padding). Floats are refused: a double anywhere in the tree is an
 * error. On success *out is a malloc'd buffer the caller frees and
 * *outlen its length; returns 0. Returns -1 with a 400 InvalidRequest
 * in err saying why (a 500 if memory ran out), *out NULL, *outlen 0.
 */
int	cbor_encode_record(json_object *v, unsigned char **out,
	    size_t *outlen, struct xerr *err);

/*
 * Convenience: encodes v as cbor_encode_record does and writes its
 * dag-cbor CID into out. Returns 0, or -1 with err set as there and
 * out the empty string.
 */
int	cbor_record_cid(json_object *v, char out[CBOR_CID_MAX],
	    struct xerr *err);

/* CIDs */

/*
 * Writes the CIDv1 of buf[0..len) with codec dag-cbor (0x71) and a
 * sha2-256 multihash, as multibase base32 lower case ("bafyrei..."),
 * NUL-terminated, into out. Cannot fail.
 */
void	cbor_cid_dagcbor(const unsigned char *buf, size_t len,
	    char out[CBOR_CID_MAX]);

/* As cbor_cid_dagcbor with the raw codec (0x55), "bafkrei...": blobs. */
void	cbor_cid_raw(const unsigned char *buf, size_t len,
	    char out[CBOR_CID_MAX]);

/*
 * Predicate: s is a CID string a $link may hold, multibase "b" base32
 * lower case over a CIDv1 (varint version 1, varint codec, multihash
 * whose length covers the rest exactly). Any codec and hash function
 * are taken, as the spec asks readers to be lenient.
 */
int	cbor_is_cid(const char *s);

/* Base64 */

/*
 * Decodes in[0..inlen), standard alphabet without padding as the data
 * model's "$bytes" carries it, into out, which must hold inlen * 3 / 4
 * bytes; sets *outlen. Returns -1 (with *outlen 0) for a character
 * outside the alphabet, '=' padding, a length that no byte count
 * gives, or non-zero bits left over in the last character, which would
 * let two strings stand for the same bytes.
 */
int	cbor_base64_decode(const char *in, size_t inlen, unsigned char *out,
	    size_t *outlen);

#endif
