/* atspace: ISC licence, see README.md. */
/*
 * DAG-CBOR encoding of json-c trees and the CIDs over it, see cbor.h.
 * Only the encoder exists: CBOR is needed here to name records, not
 * to read them, so nothing decodes it. The output grows in one buffer
 * whose allocation failure is remembered and reported once at the
 * end, so the many small writes need no checks. The bases live here
 * too: base32 for CID strings (RFC 4648, lower case, no padding,
 * multibase prefix "b") and base64 for $bytes. Deciding whether a tree
 * is a valid record is core/json.c's job; the encoder refuses only
 * what it cannot encode faithfully.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/sha.h>

#include "cbor.h"
#include "xerr.h"

/* RFC 8949 major types, already shifted into the top three bits. */
#define CBOR_UINT	0x00
#define CBOR_NEGINT	0x20
#define CBOR_BYTES	0x40
#define CBOR_TEXT	0x60
#define CBOR_ARRAY	0x80
#define CBOR_MAP	0xa0
#define CBOR_TAG	0xc0

/* The IPLD tag for a CID (github.com/ipld/cid-cbor). */
#define CBOR_TAG_CID	42

/* Multicodec and multihash numbers (github.com/multiformats/multicodec). */
#define CBOR_CODEC_DAGCBOR	0x71
#define CBOR_CODEC_RAW		0x55
#define CBOR_HASH_SHA256	0x12

/*
 * Longest binary CID taken from a $link: two varints and a 64-byte
 * digest with room to spare; a sha-256 CID is 36 bytes.
 */
#define CBOR_CID_BIN_MAX	96

/*
 * Nesting limit for the encoder's recursion. Parsed trees are already
 * held to JSON_MAX_DEPTH; this only keeps a hand-built tree from
 * running the stack out.
 */
#define CBOR_MAX_DEPTH	64

struct cbor_buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
	int		 oom;		/* set once, later writes do nothing */
};

/* A map entry while the keys are put in DAG-CBOR order. */
struct cbor_key {
	const char	*key;		/* borrowed from the json-c object */
	size_t		 len;
	json_object	*val;
};

static unsigned char *cbor_reserve(struct cbor_buf *, size_t);
static void	cbor_put(struct cbor_buf *, const void *, size_t);
static void	cbor_head(struct cbor_buf *, unsigned int, uint64_t);
static int	cbor_is_utf8(const unsigned char *, size_t);
static int	cbor_b32_digit(char);
static void	cbor_b32_encode(const unsigned char *, size_t, char *);
static int	cbor_b32_decode(const char *, size_t, unsigned char *,
		    size_t, size_t *);
static int	cbor_b64_digit(char);
static int	cbor_varint(const unsigned char *, size_t, size_t *,
		    uint64_t *);
static int	cbor_cid_decode(const char *, size_t, unsigned char *,
		    size_t, size_t *);
static void	cbor_cid(unsigned int, const unsigned char *, size_t,
		    char *);
static int	cbor_key_cmp(const void *, const void *);
static int	cbor_int_or_err(struct cbor_buf *, json_object *,
		    struct xerr *);
static int	cbor_text_or_err(struct cbor_buf *, const char *, size_t,
		    struct xerr *);
static int	cbor_link_or_err(struct cbor_buf *, json_object *,
		    struct xerr *);
static int	cbor_bytes_or_err(struct cbor_buf *, json_object *,
		    struct xerr *);
static int	cbor_array_or_err(struct cbor_buf *, json_object *, int,
		    struct xerr *);
static int	cbor_map_or_err(struct cbor_buf *, json_object *, int,
		    struct xerr *);
static int	cbor_value_or_err(struct cbor_buf *, json_object *, int,
		    struct xerr *);

static const char cbor_b32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/*
 * Appends n bytes to b and returns where they go, or NULL once memory
 * has run out (b->oom is then set for the caller at the top to see).
 */
static unsigned char *
cbor_reserve(struct cbor_buf *b, size_t n)
{
	unsigned char	*p;
	size_t		 cap;

	if (b->oom)
		return NULL;
	if (n > b->cap - b->len) {
		cap = b->cap == 0 ? 256 : b->cap;
		while (n > cap - b->len) {
			if (cap > SIZE_MAX / 2) {
				b->oom = 1;
				return NULL;
			}
			cap *= 2;
		}
		if ((p = realloc(b->data, cap)) == NULL) {
			b->oom = 1;
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	b->len += n;
	return p;
}

static void
cbor_put(struct cbor_buf *b, const void *src, size_t n)
{
	unsigned char	*p;

	if (n > 0 && (p = cbor_reserve(b, n)) != NULL)
		memcpy(p, src, n);
}

/*
 * A head: major type and argument in the shortest form, as DAG-CBOR
 * demands (RFC 8949 section 4.2.1, "preferred serialization").
 */
static void
cbor_head(struct cbor_buf *b, unsigned int major, uint64_t arg)
{
	unsigned char	 h[9];
	size_t		 n, i;

	if (arg < 24) {
		h[0] = (unsigned char)(major | arg);
		n = 1;
	} else if (arg <= UINT8_MAX) {
		h[0] = (unsigned char)(major | 24);
		n = 2;
	} else if (arg <= UINT16_MAX) {
		h[0] = (unsigned char)(major | 25);
		n = 3;
	} else if (arg <= UINT32_MAX) {
		h[0] = (unsigned char)(major | 26);
		n = 5;
	} else {
		h[0] = (unsigned char)(major | 27);
		n = 9;
	}
	for (i = 1; i < n; i++)
		h[i] = (unsigned char)(arg >> (8 * (n - 1 - i)));
	cbor_put(b, h, n);
}

/*
 * Predicate: p[0..n) is UTF-8 as RFC 3629 defines it (no overlong
 * forms, no surrogates, nothing past U+10FFFF). CBOR text strings must
 * be; json-c does not check unless asked.
 */
static int
cbor_is_utf8(const unsigned char *p, size_t n)
{
	size_t		 i = 0, k, more;
	uint32_t	 cp, min;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			more = 1, cp = p[i] & 0x1f, min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			more = 2, cp = p[i] & 0x0f, min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			more = 3, cp = p[i] & 0x07, min = 0x10000;
		} else
			return 0;
		if (n - i - 1 < more)
			return 0;
		for (k = 1; k <= more; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += more + 1;
	}
	return 1;
}

static int
cbor_b32_digit(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(cbor_b32_alphabet, c)) == NULL)
		return -1;
	return (int)(p - cbor_b32_alphabet);
}

/* Writes ceil(len * 8 / 5) characters and a NUL to out. */
static void
cbor_b32_encode(const unsigned char *in, size_t len, char *out)
{
	uint32_t	 acc = 0;
	unsigned int	 bits = 0;
	size_t		 i;

	for (i = 0; i < len; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			*out++ = cbor_b32_alphabet[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		*out++ = cbor_b32_alphabet[(acc << (5 - bits)) & 31];
	*out = '\0';
}

/*
 * Decodes in[0..len) into out (outsz bytes). Returns -1 for a
 * character outside the lower-case alphabet, output that does not fit,
 * a length no byte count encodes to, or set bits left in the last
 * character (each byte string has exactly one spelling).
 */
static int
cbor_b32_decode(const char *in, size_t len, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	uint32_t	 acc = 0;
	unsigned int	 bits = 0;
	size_t		 i, n = 0;
	int		 d;

	*outlen = 0;
	for (i = 0; i < len; i++) {
		if ((d = cbor_b32_digit(in[i])) < 0)
			return -1;
		acc = acc << 5 | (uint32_t)d;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (n == outsz)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return -1;
	*outlen = n;
	return 0;
}

static int
cbor_b64_digit(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Reads an unsigned varint (github.com/multiformats/unsigned-varint)
 * at p[*pos], advancing *pos. Returns -1 when it runs past len, takes
 * more than the nine bytes the spec allows, or is not minimal (ends in
 * a zero byte after others), since a CID has one binary form.
 */
static int
cbor_varint(const unsigned char *p, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t	 x = 0;
	unsigned int	 shift;
	size_t		 i = *pos;

	for (shift = 0; shift <= 56; shift += 7, i++) {
		if (i == len)
			return -1;
		x |= (uint64_t)(p[i] & 0x7f) << shift;
		if ((p[i] & 0x80) == 0) {
			if (p[i] == 0 && shift > 0)
				return -1;
			*pos = i + 1;
			*v = x;
			return 0;
		}
	}
	return -1;
}

/*
 * Turns the CID string s[0..len) into its binary form in out (outsz
 * bytes), setting *outlen. Returns -1 unless s is "b" + base32 over
 * varint version 1, varint codec, varint hash, varint digest length
 * and exactly that many digest bytes.
 */
static int
cbor_cid_decode(const char *s, size_t len, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	uint64_t	 version, codec, hash, dlen;
	size_t		 n, pos = 0;

	*outlen = 0;
	if (len < 2 || s[0] != 'b' ||
	    cbor_b32_decode(s + 1, len - 1, out, outsz, &n) == -1)
		return -1;
	if (cbor_varint(out, n, &pos, &version) == -1 || version != 1 ||
	    cbor_varint(out, n, &pos, &codec) == -1 ||
	    cbor_varint(out, n, &pos, &hash) == -1 ||
	    cbor_varint(out, n, &pos, &dlen) == -1 || dlen != n - pos)
		return -1;
	*outlen = n;
	return 0;
}

/* Both codecs are below 0x80, so every varint here is one byte. */
static void
cbor_cid(unsigned int codec, const unsigned char *buf, size_t len,
    char *out)
{
	unsigned char	 bin[4 + SHA256_DIGEST_LENGTH];

	bin[0] = 1;
	bin[1] = (unsigned char)codec;
	bin[2] = CBOR_HASH_SHA256;
	bin[3] = SHA256_DIGEST_LENGTH;
	SHA256(len > 0 ? buf : (const unsigned char *)"", len, bin + 4);
	out[0] = 'b';
	cbor_b32_encode(bin, sizeof(bin), out + 1);
}

/*
 * DAG-CBOR's key order: shorter keys first, then bytewise. Keys are
 * text strings, so the length of the encoded key orders as the length
 * of the key does.
 */
static int
cbor_key_cmp(const void *a, const void *b)
{
	const struct cbor_key	*x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->key, y->key, x->len);
}

/*
 * json-c keeps positive numbers past INT64_MAX as unsigned; the data
 * model stops at signed 64 bits, so those are refused rather than
 * clamped to a different number.
 */
static int
cbor_int_or_err(struct cbor_buf *b, json_object *v, struct xerr *err)
{
	int64_t		 n;

	n = json_object_get_int64(v);
	if (n == INT64_MAX && json_object_get_uint64(v) > INT64_MAX)
		return xerr_invalid(err,
		    "record: integer outside the signed 64-bit range");
	if (n >= 0)
		cbor_head(b, CBOR_UINT, (uint64_t)n);
	else
		cbor_head(b, CBOR_NEGINT, (uint64_t)-(n + 1));
	return 0;
}

static int
cbor_text_or_err(struct cbor_buf *b, const char *s, size_t n,
    struct xerr *err)
{
	if (!cbor_is_utf8((const unsigned char *)s, n))
		return xerr_invalid(err, "record: string is not valid UTF-8");
	cbor_head(b, CBOR_TEXT, n);
	cbor_put(b, s, n);
	return 0;
}

/*
 * {"$link": cid}: tag 42 over a byte string holding the multibase
 * identity prefix 0x00 and then the binary CID.
 */
static int
cbor_link_or_err(struct cbor_buf *b, json_object *v, struct xerr *err)
{
	unsigned char	 cid[CBOR_CID_BIN_MAX];
	size_t		 n;

	if (!json_object_is_type(v, json_type_string) ||
	    cbor_cid_decode(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v), cid, sizeof(cid),
	    &n) == -1)
		return xerr_invalid(err,
		    "record: $link is not a base32 CIDv1 string");
	cbor_head(b, CBOR_TAG, CBOR_TAG_CID);
	cbor_head(b, CBOR_BYTES, n + 1);
	cbor_put(b, "", 1);
	cbor_put(b, cid, n);
	return 0;
}

/*
 * {"$bytes": base64}: a byte string. Its head needs the decoded
 * length, which the text length fixes, so the bytes are decoded
 * straight into the output after it.
 */
static int
cbor_bytes_or_err(struct cbor_buf *b, json_object *v, struct xerr *err)
{
	unsigned char	*p;
	size_t		 len, n, got;

	if (!json_object_is_type(v, json_type_string))
		return xerr_invalid(err, "record: $bytes is not a string");
	len = (size_t)json_object_get_string_len(v);
	n = len / 4 * 3 + len % 4 * 3 / 4;
	cbor_head(b, CBOR_BYTES, n);
	if (n == 0)
		p = NULL;
	else if ((p = cbor_reserve(b, n)) == NULL)
		return xerr_internal(err);
	if (cbor_base64_decode(json_object_get_string(v), len, p,
	    &got) == -1 || got != n)
		return xerr_invalid(err,
		    "record: $bytes is not unpadded standard base64");
	return 0;
}

static int
cbor_array_or_err(struct cbor_buf *b, json_object *v, int depth,
    struct xerr *err)
{
	size_t		 i, n;

	n = json_object_array_length(v);
	cbor_head(b, CBOR_ARRAY, n);
	for (i = 0; i < n; i++)
		if (cbor_value_or_err(b, json_object_array_get_idx(v, i),
		    depth + 1, err) == -1)
			return -1;
	return 0;
}

/*
 * An object is a link or bytes when "$link" or "$bytes" is its only
 * key; with other keys beside them it has no CBOR form at all, so that
 * is refused instead of being written as a plain map.
 */
static int
cbor_map_or_err(struct cbor_buf *b, json_object *v, int depth,
    struct xerr *err)
{
	struct cbor_key	*keys = NULL;
	json_object	*link, *bytes;
	size_t		 i = 0, n;
	int		 rc = -1, has_link, has_bytes;

	n = (size_t)json_object_object_length(v);
	has_link = json_object_object_get_ex(v, "$link", &link);
	has_bytes = json_object_object_get_ex(v, "$bytes", &bytes);
	if (n == 1 && has_link)
		return cbor_link_or_err(b, link, err);
	if (n == 1 && has_bytes)
		return cbor_bytes_or_err(b, bytes, err);
	if (has_link || has_bytes)
		return xerr_invalid(err,
		    "record: $link or $bytes object with other keys");
	if (n > 0 && (keys = calloc(n, sizeof(*keys))) == NULL)
		return xerr_internal(err);
	json_object_object_foreach(v, key, val) {
		keys[i].key = key;
		keys[i].len = strlen(key);
		keys[i++].val = val;
	}
	if (n > 1)
		qsort(keys, n, sizeof(*keys), cbor_key_cmp);
	cbor_head(b, CBOR_MAP, n);
	for (i = 0; i < n; i++)
		if (cbor_text_or_err(b, keys[i].key, keys[i].len, err) == -1 ||
		    cbor_value_or_err(b, keys[i].val, depth + 1, err) == -1)
			goto out;
	rc = 0;
out:
	free(keys);
	return rc;
}

static int
cbor_value_or_err(struct cbor_buf *b, json_object *v, int depth,
    struct xerr *err)
{
	if (depth > CBOR_MAX_DEPTH)
		return xerr_invalid(err, "record: nested too deeply");
	switch (json_object_get_type(v)) {
	case json_type_null:
		cbor_put(b, "\xf6", 1);
		return 0;
	case json_type_boolean:
		cbor_put(b, json_object_get_boolean(v) ? "\xf5" : "\xf4", 1);
		return 0;
	case json_type_int:
		return cbor_int_or_err(b, v, err);
	case json_type_double:
		return xerr_invalid(err,
		    "record: floats are not allowed, only integers");
	case json_type_string:
		return cbor_text_or_err(b, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), err);
	case json_type_array:
		return cbor_array_or_err(b, v, depth, err);
	case json_type_object:
		return cbor_map_or_err(b, v, depth, err);
	}
	return xerr_internal(err);
}

int
cbor_encode_record(json_object *v, unsigned char **out, size_t *outlen,
    struct xerr *err)
{
	struct cbor_buf	 b;

	memset(&b, 0, sizeof(b));
	*out = NULL;
	*outlen = 0;
	if (cbor_value_or_err(&b, v, 0, err) == -1)
		goto fail;
	if (b.oom) {
		xerr_internal(err);
		goto fail;
	}
	*out = b.data;
	*outlen = b.len;
	return 0;
fail:
	free(b.data);
	return -1;
}

int
cbor_record_cid(json_object *v, char out[CBOR_CID_MAX], struct xerr *err)
{
	unsigned char	*buf;
	size_t		 len;

	out[0] = '\0';
	if (cbor_encode_record(v, &buf, &len, err) == -1)
		return -1;
	cbor_cid_dagcbor(buf, len, out);
	free(buf);
	return 0;
}

void
cbor_cid_dagcbor(const unsigned char *buf, size_t len,
    char out[CBOR_CID_MAX])
{
	cbor_cid(CBOR_CODEC_DAGCBOR, buf, len, out);
}

void
cbor_cid_raw(const unsigned char *buf, size_t len, char out[CBOR_CID_MAX])
{
	cbor_cid(CBOR_CODEC_RAW, buf, len, out);
}

int
cbor_is_cid(const char *s)
{
	unsigned char	 bin[CBOR_CID_BIN_MAX];
	size_t		 n;

	return cbor_cid_decode(s, strlen(s), bin, sizeof(bin), &n) == 0;
}

int
cbor_base64_decode(const char *in, size_t inlen, unsigned char *out,
    size_t *outlen)
{
	uint32_t	 acc = 0;
	unsigned int	 bits = 0;
	size_t		 i, n = 0;
	int		 d;

	*outlen = 0;
	for (i = 0; i < inlen; i++) {
		if ((d = cbor_b64_digit(in[i])) < 0)
			return -1;
		acc = acc << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
		return -1;
	*outlen = n;
	return 0;
}
