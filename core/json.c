/* atspace: ISC licence, see README.md. */
/*
 * Strict JSON input and the atproto data model checks. json-c is
 * lenient where we must not be: it keeps the last of duplicate keys,
 * takes floats and huge numbers, and does not insist on valid UTF-8.
 * So json_parse_strict first walks the raw bytes with a small
 * recursive-descent scanner that enforces RFC 8259 plus the data
 * model's limits, and only then lets json-c build the tree, which the
 * scanner has already proved well formed. json_check_record then looks
 * at the tree for the data model's special objects ($type, $link,
 * $bytes, blobs). What the lexicon says about a record is not checked
 * here.
 */

#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "syntax.h"
#include "xerr.h"

#define JSON_KEY_SHOW	48	/* bytes of a key quoted in a message */
#define JSON_PATH_MAX	96	/* bytes of a field path in a message */

/* One object key, unescaped into the scanner's key buffer. */
struct json_key {
	const char	*p;	/* set only while the object is checked */
	size_t		 off;	/* start in json_scan.kbuf */
	size_t		 len;
	size_t		 at;	/* byte offset of the key in the body */
};

/*
 * Scanner state. Keys of all open objects sit on one stack (keys and
 * their bytes in kbuf); an object pops its own when it closes, so the
 * memory used is bounded by the keys along one path of the document.
 */
struct json_scan {
	const unsigned char	*buf;
	size_t			 len;
	size_t			 pos;
	int			 max_depth;
	struct xerr		*err;
	char			*kbuf;
	size_t			 kblen, kbcap;
	struct json_key		*keys;
	size_t			 nkeys, keycap;
};

/* A field path for messages, such as "record.embed.images[0]". */
struct json_path {
	char	 buf[JSON_PATH_MAX];
	size_t	 len;
};

static int	json_scan_fail(struct json_scan *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	json_show(char *, size_t, const char *, size_t);
static void	json_scan_ws(struct json_scan *);
static int	json_scan_push(struct json_scan *, const char *, size_t);
static size_t	json_scan_utf8(const unsigned char *, size_t);
static size_t	json_utf8_put(char *, unsigned);
static int	json_scan_hex4(struct json_scan *, size_t, unsigned *);
static int	json_scan_escape(struct json_scan *, int);
static int	json_scan_string(struct json_scan *, int);
static int	json_scan_number(struct json_scan *);
static int	json_scan_literal(struct json_scan *, const char *);
static int	json_key_cmp(const void *, const void *);
static int	json_scan_dups(struct json_scan *, size_t);
static int	json_scan_key(struct json_scan *);
static int	json_scan_object(struct json_scan *, int);
static int	json_scan_array(struct json_scan *, int);
static int	json_scan_value(struct json_scan *, int);
static json_object *json_build(const char *, size_t, int, struct xerr *);
static size_t	json_path_push(struct json_path *, const char *);
static size_t	json_path_index(struct json_path *, size_t);
static int	json_is_base64(const char *, size_t);
static int	json_has_nul(json_object *);
static int	json_check_link(json_object *, struct json_path *,
		    struct xerr *);
static int	json_check_bytes(json_object *, struct json_path *,
		    struct xerr *);
static int	json_check_blob(json_object *, struct json_path *,
		    struct xerr *);
static int	json_check_object(json_object *, struct json_path *,
		    struct xerr *);
static int	json_check_value(json_object *, struct json_path *,
		    struct xerr *);

/*
 * Records a 400 for the body, naming the byte offset at which the
 * problem starts; returns -1.
 */
static int
json_scan_fail(struct json_scan *s, size_t at, const char *fmt, ...)
{
	char	 msg[192];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return xerr_invalid(s->err, "body: %s at byte %zu", msg, at);
}

/*
 * Copies key k[0..n) into dst for a message, keeping printable ASCII
 * only so that the message stays valid UTF-8 however it is cut.
 */
static void
json_show(char *dst, size_t size, const char *k, size_t n)
{
	size_t	 i, j = 0;

	assert(size > 4);
	for (i = 0; i < n && j + 4 < size; i++) {
		if (k[i] >= 0x20 && k[i] < 0x7f && k[i] != '"' &&
		    k[i] != '\\')
			dst[j++] = k[i];
		else
			dst[j++] = '?';
	}
	if (i < n) {
		memcpy(dst + j, "...", 3);
		j += 3;
	}
	dst[j] = '\0';
}

/* RFC 8259 white space: space, tab, line feed, carriage return. */
static void
json_scan_ws(struct json_scan *s)
{
	while (s->pos < s->len && (s->buf[s->pos] == ' ' ||
	    s->buf[s->pos] == '\t' || s->buf[s->pos] == '\n' ||
	    s->buf[s->pos] == '\r'))
		s->pos++;
}

/* Appends unescaped key bytes to kbuf; -1 (a 500) on ENOMEM. */
static int
json_scan_push(struct json_scan *s, const char *p, size_t n)
{
	char	*nb;
	size_t	 cap;

	if (n == 0)
		return 0;
	if (s->kbcap - s->kblen < n) {
		cap = s->kbcap == 0 ? 256 : s->kbcap;
		while (cap - s->kblen < n)
			cap *= 2;
		if ((nb = realloc(s->kbuf, cap)) == NULL)
			return xerr_internal(s->err);
		s->kbuf = nb;
		s->kbcap = cap;
	}
	memcpy(s->kbuf + s->kblen, p, n);
	s->kblen += n;
	return 0;
}

/*
 * Length of the well-formed UTF-8 sequence at p[0..n) that starts with
 * a byte >= 0x80, or 0. Follows the table in RFC 3629 section 4, which
 * leaves out overlong forms, UTF-16 surrogates and anything past
 * U+10FFFF.
 */
static size_t
json_scan_utf8(const unsigned char *p, size_t n)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 need, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < need || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need;
}

/* Writes code point cp (a Unicode scalar value) as UTF-8; returns 1-4. */
static size_t
json_utf8_put(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Reads the four hex digits of a \u escape starting at at. */
static int
json_scan_hex4(struct json_scan *s, size_t at, unsigned *cp)
{
	size_t	 i;
	int	 c;

	*cp = 0;
	if (s->len - at < 4)
		return json_scan_fail(s, at - 2, "truncated \\u escape");
	for (i = 0; i < 4; i++) {
		c = s->buf[at + i];
		*cp <<= 4;
		if (c >= '0' && c <= '9')
			*cp |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*cp |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*cp |= (unsigned)(c - 'A' + 10);
		else
			return json_scan_fail(s, at - 2,
			    "bad hex digit in \\u escape");
	}
	return 0;
}

/*
 * One escape at pos (the backslash). A \u escape must name a Unicode
 * scalar value: a high surrogate only as the first half of a pair, no
 * lone low surrogate, and not U+0000, which C strings (and so json-c's
 * keys and our storage) cannot carry. For keys, the decoded bytes go to
 * kbuf so that "a" and "\u0061" compare equal.
 */
static int
json_scan_escape(struct json_scan *s, int key)
{
	static const char	 from[] = "\"\\/bfnrt";
	static const char	 to[] = "\"\\/\b\f\n\r\t";
	const char		*e;
	char			 out[4];
	size_t			 at = s->pos, n;
	unsigned		 cp, lo;

	if (at + 1 >= s->len)
		return json_scan_fail(s, at, "truncated escape");
	if (s->buf[at + 1] != 'u') {
		if (s->buf[at + 1] == '\0' ||
		    (e = strchr(from, s->buf[at + 1])) == NULL)
			return json_scan_fail(s, at, "bad escape");
		s->pos += 2;
		return key ? json_scan_push(s, &to[e - from], 1) : 0;
	}
	if (json_scan_hex4(s, at + 2, &cp) == -1)
		return -1;
	s->pos += 6;
	if (cp == 0)
		return json_scan_fail(s, at, "\\u0000 is not allowed");
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return json_scan_fail(s, at, "lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (s->len - s->pos < 2 || s->buf[s->pos] != '\\' ||
		    s->buf[s->pos + 1] != 'u')
			return json_scan_fail(s, at, "lone high surrogate");
		if (json_scan_hex4(s, s->pos + 2, &lo) == -1)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return json_scan_fail(s, at, "lone high surrogate");
		s->pos += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (!key)
		return 0;
	n = json_utf8_put(out, cp);
	return json_scan_push(s, out, n);
}

/*
 * A string at pos (the opening quote). With key set, its unescaped
 * bytes are appended to kbuf.
 */
static int
json_scan_string(struct json_scan *s, int key)
{
	size_t	 start = s->pos, n;
	int	 c;

	s->pos++;
	for (;;) {
		if (s->pos >= s->len)
			return json_scan_fail(s, start, "unterminated string");
		c = s->buf[s->pos];
		if (c == '"')
			break;
		if (c == '\\') {
			if (json_scan_escape(s, key) == -1)
				return -1;
			continue;
		}
		if (c < 0x20)
			return json_scan_fail(s, s->pos,
			    "control character 0x%02x in string", c);
		n = 1;
		if (c >= 0x80 &&
		    (n = json_scan_utf8(s->buf + s->pos, s->len - s->pos)) == 0)
			return json_scan_fail(s, s->pos, "invalid UTF-8");
		if (key && json_scan_push(s,
		    (const char *)s->buf + s->pos, n) == -1)
			return -1;
		s->pos += n;
	}
	s->pos++;
	return 0;
}

/*
 * An integer in RFC 8259's grammar (no leading zeros) that fits in
 * int64_t, as the data model's integers must. Fractions and exponents
 * are refused even when the value is whole ("1.0", "1e3"): the data
 * model has no floats, and a JavaScript client never writes those for
 * an integer. "-0" is refused too: it is a float in JavaScript and has
 * no DAG-CBOR integer form distinct from 0.
 */
static int
json_scan_number(struct json_scan *s)
{
	size_t		 start = s->pos;
	uint64_t	 v = 0, limit = INT64_MAX;
	unsigned	 d;
	int		 neg = 0;

	if (s->buf[s->pos] == '-') {
		neg = 1;
		limit = (uint64_t)INT64_MAX + 1;
		s->pos++;
	}
	if (s->pos >= s->len || s->buf[s->pos] < '0' || s->buf[s->pos] > '9')
		return json_scan_fail(s, start, "invalid number");
	if (s->buf[s->pos] == '0' && s->pos + 1 < s->len &&
	    s->buf[s->pos + 1] >= '0' && s->buf[s->pos + 1] <= '9')
		return json_scan_fail(s, start, "number with a leading zero");
	while (s->pos < s->len && s->buf[s->pos] >= '0' &&
	    s->buf[s->pos] <= '9') {
		d = (unsigned)(s->buf[s->pos++] - '0');
		if (v > (limit - d) / 10)
			return json_scan_fail(s, start,
			    "integer out of 64-bit range");
		v = v * 10 + d;
	}
	if (s->pos < s->len && (s->buf[s->pos] == '.' ||
	    s->buf[s->pos] == 'e' || s->buf[s->pos] == 'E'))
		return json_scan_fail(s, start,
		    "floats are not allowed in the atproto data model");
	if (neg && v == 0)
		return json_scan_fail(s, start,
		    "-0 is not an integer in the atproto data model");
	return 0;
}

static int
json_scan_literal(struct json_scan *s, const char *word)
{
	size_t	 n = strlen(word);

	if (s->len - s->pos < n || memcmp(s->buf + s->pos, word, n) != 0)
		return json_scan_fail(s, s->pos, "invalid literal");
	s->pos += n;
	return 0;
}

/* Orders keys by bytes, then by position so a report names the later. */
static int
json_key_cmp(const void *a, const void *b)
{
	const struct json_key	*x = a, *y = b;
	size_t			 n = x->len < y->len ? x->len : y->len;
	int			 c;

	if ((c = memcmp(x->p, y->p, n)) != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/*
 * Checks the keys pushed since first, those of the object now closing,
 * for duplicates. Sorting keeps a body with many keys from costing a
 * quadratic number of comparisons.
 */
static int
json_scan_dups(struct json_scan *s, size_t first)
{
	struct json_key	*k = s->keys + first;
	size_t		 i, n = s->nkeys - first;
	char		 show[JSON_KEY_SHOW + 4];

	if (n < 2)
		return 0;
	/* kbuf is still NULL when every key so far was empty. */
	for (i = 0; i < n; i++)
		k[i].p = s->kbuf == NULL ? "" : s->kbuf + k[i].off;
	qsort(k, n, sizeof(*k), json_key_cmp);
	for (i = 1; i < n; i++) {
		if (k[i].len != k[i - 1].len ||
		    memcmp(k[i].p, k[i - 1].p, k[i].len) != 0)
			continue;
		json_show(show, sizeof(show), k[i].p, k[i].len);
		return json_scan_fail(s, k[i].at, "duplicate key \"%s\"", show);
	}
	return 0;
}

/* A key at pos (its opening quote), pushed onto the key stack. */
static int
json_scan_key(struct json_scan *s)
{
	struct json_key	*k;
	size_t		 cap;

	if (s->nkeys == s->keycap) {
		cap = s->keycap == 0 ? 32 : s->keycap * 2;
		if ((k = reallocarray(s->keys, cap, sizeof(*k))) == NULL)
			return xerr_internal(s->err);
		s->keys = k;
		s->keycap = cap;
	}
	k = &s->keys[s->nkeys];
	k->at = s->pos;
	k->off = s->kblen;
	if (json_scan_string(s, 1) == -1)
		return -1;
	k->len = s->kblen - k->off;
	s->nkeys++;
	return 0;
}

/*
 * An object at pos; depth counts the containers around it. Its keys
 * are checked for duplicates once it closes, then popped.
 */
static int
json_scan_object(struct json_scan *s, int depth)
{
	size_t	 first = s->nkeys, kb = s->kblen;

	if (depth >= s->max_depth)
		return json_scan_fail(s, s->pos,
		    "nesting deeper than %d levels", s->max_depth);
	s->pos++;
	json_scan_ws(s);
	if (s->pos < s->len && s->buf[s->pos] == '}') {
		s->pos++;
		return 0;
	}
	for (;;) {
		json_scan_ws(s);
		if (s->pos >= s->len || s->buf[s->pos] != '"')
			return json_scan_fail(s, s->pos, "expected a key");
		if (json_scan_key(s) == -1)
			return -1;
		json_scan_ws(s);
		if (s->pos >= s->len || s->buf[s->pos] != ':')
			return json_scan_fail(s, s->pos, "expected ':'");
		s->pos++;
		if (json_scan_value(s, depth + 1) == -1)
			return -1;
		json_scan_ws(s);
		if (s->pos < s->len && s->buf[s->pos] == ',') {
			s->pos++;
			continue;
		}
		if (s->pos < s->len && s->buf[s->pos] == '}')
			break;
		return json_scan_fail(s, s->pos, "expected ',' or '}'");
	}
	s->pos++;
	if (json_scan_dups(s, first) == -1)
		return -1;
	s->nkeys = first;
	s->kblen = kb;
	return 0;
}

static int
json_scan_array(struct json_scan *s, int depth)
{
	if (depth >= s->max_depth)
		return json_scan_fail(s, s->pos,
		    "nesting deeper than %d levels", s->max_depth);
	s->pos++;
	json_scan_ws(s);
	if (s->pos < s->len && s->buf[s->pos] == ']') {
		s->pos++;
		return 0;
	}
	for (;;) {
		if (json_scan_value(s, depth + 1) == -1)
			return -1;
		json_scan_ws(s);
		if (s->pos < s->len && s->buf[s->pos] == ',') {
			s->pos++;
			continue;
		}
		if (s->pos < s->len && s->buf[s->pos] == ']')
			break;
		return json_scan_fail(s, s->pos, "expected ',' or ']'");
	}
	s->pos++;
	return 0;
}

/* Any value, after optional white space. */
static int
json_scan_value(struct json_scan *s, int depth)
{
	int	 c;

	json_scan_ws(s);
	if (s->pos >= s->len)
		return json_scan_fail(s, s->pos, "unexpected end of input");
	c = s->buf[s->pos];
	switch (c) {
	case '{':
		return json_scan_object(s, depth);
	case '[':
		return json_scan_array(s, depth);
	case '"':
		return json_scan_string(s, 0);
	case 't':
		return json_scan_literal(s, "true");
	case 'f':
		return json_scan_literal(s, "false");
	case 'n':
		return json_scan_literal(s, "null");
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return json_scan_number(s);
		if (c > 0x20 && c < 0x7f)
			return json_scan_fail(s, s->pos,
			    "unexpected character '%c'", c);
		return json_scan_fail(s, s->pos, "unexpected byte 0x%02x", c);
	}
}

/*
 * Has json-c build the tree of a body the scanner accepted. The
 * tokener gets one more level than max_depth because it counts the
 * top-level value as a level of its own. A bare number or literal at
 * the very end makes json-c wait for more input, so a NUL is fed to
 * end it. A top-level null is refused: json-c represents it as NULL,
 * which callers could not tell from failure.
 */
static json_object *
json_build(const char *buf, size_t len, int max_depth, struct xerr *err)
{
	struct json_tokener	*tok = NULL;
	json_object		*v = NULL;
	enum json_tokener_error	 jerr;
	size_t			 end;

	tok = json_tokener_new_ex(max_depth < INT_MAX ? max_depth + 1 :
	    max_depth);
	if (tok == NULL) {
		xerr_internal(err);
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	v = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (v == NULL && jerr == json_tokener_continue) {
		v = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	if (v == NULL && jerr == json_tokener_success) {
		/* json-c's tree for null is NULL, which means failure here. */
		xerr_invalid(err, "body: a bare null is not accepted");
		goto out;
	}
	if (v == NULL) {
		xerr_invalid(err, "body: %s", json_tokener_error_desc(jerr));
		goto out;
	}
	while (end < len && (buf[end] == ' ' || buf[end] == '\t' ||
	    buf[end] == '\r' || buf[end] == '\n'))
		end++;
	if (end != len) {
		json_object_put(v);
		v = NULL;
		xerr_invalid(err, "body: unexpected bytes after the value at "
		    "byte %zu", end);
	}
out:
	json_tokener_free(tok);
	return v;
}

json_object *
json_parse_strict(const char *buf, size_t len, int max_depth,
    struct xerr *err)
{
	struct json_scan	 s;
	const char		*nul;
	json_object		*v = NULL;

	memset(&s, 0, sizeof(s));
	s.buf = (const unsigned char *)buf;
	s.len = len;
	s.max_depth = max_depth < 0 ? 0 : max_depth;
	s.err = err;
	if (len > INT_MAX) {
		xerr_invalid(err, "body: too large");
		goto out;
	}
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		json_scan_fail(&s, (size_t)(nul - buf), "NUL byte");
		goto out;
	}
	if (len == 0) {
		xerr_invalid(err, "body: empty");
		goto out;
	}
	if (json_scan_value(&s, 0) == -1)
		goto out;
	json_scan_ws(&s);
	if (s.pos != len) {
		json_scan_fail(&s, s.pos, "unexpected bytes after the value");
		goto out;
	}
	v = json_build(buf, len, s.max_depth, err);
out:
	free(s.keys);
	free(s.kbuf);
	return v;
}

/*
 * Appends ".key" to the path and returns the old length, to be put
 * back with p->len = old. A path too long for messages ends in "...".
 */
static size_t
json_path_push(struct json_path *p, const char *key)
{
	size_t	 old = p->len, room;

	if (p->len + 8 >= sizeof(p->buf))
		return old;
	room = sizeof(p->buf) - p->len - 1;
	p->buf[p->len++] = '.';
	json_show(p->buf + p->len, room, key, strlen(key));
	p->len += strlen(p->buf + p->len);
	return old;
}

static size_t
json_path_index(struct json_path *p, size_t i)
{
	size_t	 old = p->len;
	int	 n;

	n = snprintf(p->buf + p->len, sizeof(p->buf) - p->len, "[%zu]", i);
	if (n > 0 && (size_t)n < sizeof(p->buf) - p->len)
		p->len += (size_t)n;
	else
		p->buf[p->len] = '\0';
	return old;
}

/*
 * The data model's bytes: base64 in the standard alphabet. Unpadded is
 * canonical; padding is accepted when it completes the last quantum
 * exactly, since some encoders always write it.
 */
static int
json_is_base64(const char *s, size_t n)
{
	size_t	 i, pad = 0;

	while (n > 0 && s[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	if (n % 4 == 1 || (pad > 0 && (n + pad) % 4 != 0))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/'))
			return 0;
	return 1;
}

/* Whether a json-c string holds a NUL, which json-c allows. */
static int
json_has_nul(json_object *v)
{
	const char	*p = json_object_get_string(v);

	return memchr(p, '\0', (size_t)json_object_get_string_len(v)) != NULL;
}

/* {"$link": CID}, nothing else. */
static int
json_check_link(json_object *v, struct json_path *p, struct xerr *err)
{
	json_object	*l;

	if (!json_object_is_type(v, json_type_object) ||
	    !json_object_object_get_ex(v, "$link", &l))
		return xerr_invalid(err, "%s: must be a {\"$link\"} object",
		    p->buf);
	if (json_object_object_length(v) != 1)
		return xerr_invalid(err, "%s: $link object has other fields",
		    p->buf);
	if (!json_object_is_type(l, json_type_string) || json_has_nul(l) ||
	    !syntax_is_cid(json_object_get_string(l)))
		return xerr_invalid(err, "%s: $link must be a CID string",
		    p->buf);
	return 0;
}

/* {"$bytes": base64}, nothing else. */
static int
json_check_bytes(json_object *v, struct json_path *p, struct xerr *err)
{
	json_object	*b;

	if (!json_object_object_get_ex(v, "$bytes", &b))
		return xerr_invalid(err, "%s: not a $bytes object", p->buf);
	if (json_object_object_length(v) != 1)
		return xerr_invalid(err, "%s: $bytes object has other fields",
		    p->buf);
	if (!json_object_is_type(b, json_type_string) ||
	    !json_is_base64(json_object_get_string(b),
	    (size_t)json_object_get_string_len(b)))
		return xerr_invalid(err, "%s: $bytes must be a base64 string",
		    p->buf);
	return 0;
}

/*
 * A blob: {"$type": "blob", "ref": {"$link": CID}, "mimeType": string,
 * "size": integer >= 0} and no other fields, the shape the reference
 * implementations encode (the legacy {"cid", "mimeType"} form has no
 * $type and passes as a plain object).
 */
static int
json_check_blob(json_object *v, struct json_path *p, struct xerr *err)
{
	json_object	*ref, *mime, *size;
	size_t		 old;
	int		 rc;

	if (!json_object_object_get_ex(v, "ref", &ref) ||
	    !json_object_object_get_ex(v, "mimeType", &mime) ||
	    !json_object_object_get_ex(v, "size", &size))
		return xerr_invalid(err, "%s: blob needs ref, mimeType and "
		    "size", p->buf);
	if (json_object_object_length(v) != 4)
		return xerr_invalid(err, "%s: blob has unexpected fields",
		    p->buf);
	old = json_path_push(p, "ref");
	rc = json_check_link(ref, p, err);
	p->len = old;
	p->buf[old] = '\0';
	if (rc == -1)
		return -1;
	if (!json_object_is_type(mime, json_type_string) ||
	    json_object_get_string_len(mime) == 0 || json_has_nul(mime))
		return xerr_invalid(err, "%s: blob mimeType must be a "
		    "non-empty string", p->buf);
	if (!json_object_is_type(size, json_type_int) ||
	    json_object_get_int64(size) < 0)
		return xerr_invalid(err, "%s: blob size must be an integer "
		    ">= 0", p->buf);
	return 0;
}

/*
 * An object: a $link or $bytes object must be exactly that; a $type,
 * where present, is a non-empty string, and "blob" selects the blob
 * checks; otherwise every member is checked in turn.
 */
static int
json_check_object(json_object *v, struct json_path *p, struct xerr *err)
{
	struct json_object_iterator	 it, end;
	json_object			*t;
	size_t				 old;

	if (json_object_object_get_ex(v, "$link", NULL))
		return json_check_link(v, p, err);
	if (json_object_object_get_ex(v, "$bytes", NULL))
		return json_check_bytes(v, p, err);
	if (json_object_object_get_ex(v, "$type", &t)) {
		if (!json_object_is_type(t, json_type_string) ||
		    json_object_get_string_len(t) == 0 || json_has_nul(t))
			return xerr_invalid(err, "%s: $type must be a "
			    "non-empty string", p->buf);
		if (strcmp(json_object_get_string(t), "blob") == 0)
			return json_check_blob(v, p, err);
	}
	it = json_object_iter_begin(v);
	end = json_object_iter_end(v);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		old = json_path_push(p, json_object_iter_peek_name(&it));
		if (json_check_value(json_object_iter_peek_value(&it), p,
		    err) == -1)
			return -1;
		p->len = old;
		p->buf[old] = '\0';
	}
	return 0;
}

/*
 * Any value. Trees from json_parse_strict hold no floats, NULs or
 * out-of-range integers, but a tree built elsewhere might.
 */
static int
json_check_value(json_object *v, struct json_path *p, struct xerr *err)
{
	size_t	 i, n, old;

	switch (json_object_get_type(v)) {
	case json_type_object:
		return json_check_object(v, p, err);
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			old = json_path_index(p, i);
			if (json_check_value(json_object_array_get_idx(v, i),
			    p, err) == -1)
				return -1;
			p->len = old;
			p->buf[old] = '\0';
		}
		return 0;
	case json_type_string:
		if (json_has_nul(v))
			return xerr_invalid(err, "%s: string holds a NUL",
			    p->buf);
		return 0;
	case json_type_double:
		return xerr_invalid(err, "%s: floats are not allowed in the "
		    "atproto data model", p->buf);
	case json_type_int:
		if (json_object_get_int64(v) == INT64_MAX &&
		    json_object_get_uint64(v) > INT64_MAX)
			return xerr_invalid(err, "%s: integer out of 64-bit "
			    "range", p->buf);
		return 0;
	default:
		return 0;
	}
}

/*
 * what names the root in messages ("record" gives "record.a.b: ...").
 * Returns 0, or -1 with a 400 in err; v is only borrowed.
 */
int
json_check_record(json_object *v, const char *what, struct xerr *err)
{
	struct json_path	 p;

	p.len = 0;
	json_show(p.buf, sizeof(p.buf) / 2, what, strlen(what));
	p.len = strlen(p.buf);
	if (!json_object_is_type(v, json_type_object))
		return xerr_invalid(err, "%s: must be an object", p.buf);
	return json_check_object(v, &p, err);
}
