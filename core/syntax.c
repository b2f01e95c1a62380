/* atspace: ISC licence, see README.md. */
/*
 * Hand-written validators for the atproto string formats, following
 * atproto.com/specs (did, handle, nsid, record-key, tid, at-uri-scheme,
 * the lexicon datetime and cid-link formats), checked against the
 * interop vectors in atproto-interop/syntax. This file owns only the
 * syntax; whether a DID resolves or a record exists is for others.
 * Nothing here allocates, so every validator is safe on any input.
 */

#include <string.h>

#include "syntax.h"

#define SYNTAX_DID_MAX		2048	/* did spec: "2 KB" */
#define SYNTAX_HANDLE_MAX	253	/* handle spec, as DNS names */
#define SYNTAX_LABEL_MAX	63	/* one DNS label or NSID segment */
#define SYNTAX_NSID_MAX		317	/* 253 authority + "." + 63 name */
#define SYNTAX_RKEY_MAX		512
#define SYNTAX_TID_LEN		13
#define SYNTAX_CID_MIN		8
#define SYNTAX_CID_MAX		256
#define SYNTAX_DATETIME_MAX	64
#define SYNTAX_FRAC_MAX		20
#define SYNTAX_ATURI_MAX	8192	/* at-uri spec: 8 KiB */

static int	syntax_is_alpha(int);
static int	syntax_is_digit(int);
static int	syntax_is_alnum(int);
static int	syntax_is_hex(int);
static int	syntax_is_label(const char *, size_t, int);
static int	syntax_is_did_n(const char *, size_t);
static int	syntax_is_handle_n(const char *, size_t);
static int	syntax_is_nsid_n(const char *, size_t);
static int	syntax_is_rkey_n(const char *, size_t);
static int	syntax_digits(const char *, size_t, int *);
static int	syntax_days(int, int);
static int	syntax_is_date(const char *, int *);
static int	syntax_is_time(const char *, size_t *, int *);
static int	syntax_is_zone(const char *, int *);

/*
 * Character classes, spelt out rather than taken from <ctype.h>: the
 * specs mean ASCII only, whatever the locale says.
 */
static int
syntax_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
syntax_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
syntax_is_alnum(int c)
{
	return syntax_is_alpha(c) || syntax_is_digit(c);
}

static int
syntax_is_hex(int c)
{
	return syntax_is_digit(c) || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/*
 * One DNS-style label s[0..n): 1 to 63 letters, digits and hyphens, not
 * starting or ending with a hyphen. With hyphens 0 the label may hold
 * only letters and digits (the NSID name segment).
 */
static int
syntax_is_label(const char *s, size_t n, int hyphens)
{
	size_t	 i;

	if (n == 0 || n > SYNTAX_LABEL_MAX)
		return 0;
	if (s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (syntax_is_alnum((unsigned char)s[i]))
			continue;
		if (s[i] == '-' && hyphens)
			continue;
		return 0;
	}
	return 1;
}

/*
 * did:<method>:<id>. The method is lower-case letters only; the id is
 * letters, digits, ".", "-", "_", ":" and %HH escapes, and may not end
 * in ":" (nor, therefore, in a bare "%").
 */
static int
syntax_is_did_n(const char *s, size_t n)
{
	size_t	 i;

	if (n > SYNTAX_DID_MAX || n < 4 || memcmp(s, "did:", 4) != 0)
		return 0;
	for (i = 4; i < n && s[i] >= 'a' && s[i] <= 'z'; i++)
		continue;
	if (i == 4 || i == n || s[i] != ':')
		return 0;
	if (++i == n || s[n - 1] == ':')
		return 0;
	for (; i < n; i++) {
		if (syntax_is_alnum((unsigned char)s[i]) || s[i] == '.' ||
		    s[i] == '-' || s[i] == '_' || s[i] == ':')
			continue;
		if (s[i] == '%' && i + 2 < n &&
		    syntax_is_hex((unsigned char)s[i + 1]) &&
		    syntax_is_hex((unsigned char)s[i + 2])) {
			i += 2;
			continue;
		}
		return 0;
	}
	return 1;
}

/*
 * A handle is a DNS name of at least two labels whose last label (the
 * TLD) starts with a letter; that also keeps IPv4 addresses out.
 */
static int
syntax_is_handle_n(const char *s, size_t n)
{
	const char	*dot, *end = s + n;
	int		 labels = 0;

	if (n == 0 || n > SYNTAX_HANDLE_MAX)
		return 0;
	for (;;) {
		dot = memchr(s, '.', (size_t)(end - s));
		if (dot == NULL)
			break;
		if (!syntax_is_label(s, (size_t)(dot - s), 1))
			return 0;
		labels++;
		s = dot + 1;
	}
	if (labels == 0 || !syntax_is_label(s, (size_t)(end - s), 1))
		return 0;
	return syntax_is_alpha((unsigned char)s[0]);
}

/*
 * An NSID is a reversed domain authority (at least two labels, the
 * first starting with a letter) and a name segment of letters and
 * digits starting with a letter, 317 bytes in all. The spec's 253-byte
 * cap on the authority is not applied: the interop vectors accept a
 * 283-byte one, and the overall cap still bounds it.
 */
static int
syntax_is_nsid_n(const char *s, size_t n)
{
	const char	*name, *dot, *p = s;
	int		 labels = 0;

	if (n == 0 || n > SYNTAX_NSID_MAX ||
	    !syntax_is_alpha((unsigned char)s[0]))
		return 0;
	if ((name = memrchr(s, '.', n)) == NULL)
		return 0;
	while (p < name) {
		if ((dot = memchr(p, '.', (size_t)(name - p))) == NULL)
			dot = name;
		if (!syntax_is_label(p, (size_t)(dot - p), 1))
			return 0;
		labels++;
		p = dot + 1;
	}
	if (p != name + 1 || labels < 2)
		return 0;
	name++;
	return syntax_is_label(name, (size_t)(s + n - name), 0) &&
	    syntax_is_alpha((unsigned char)name[0]);
}

/*
 * Record keys: 1 to 512 of A-Z a-z 0-9 . - _ : ~, and not "." or ".."
 * because those would be path segments in an at-uri.
 */
static int
syntax_is_rkey_n(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > SYNTAX_RKEY_MAX)
		return 0;
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (i = 0; i < n; i++)
		if (!syntax_is_alnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '-' && s[i] != '_' && s[i] != ':' && s[i] != '~')
			return 0;
	return 1;
}

/* Reads exactly n decimal digits into *v; 0 when any is not a digit. */
static int
syntax_digits(const char *s, size_t n, int *v)
{
	size_t	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!syntax_is_digit((unsigned char)s[i]))
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

/* Days in month m (1..12) of year y, proleptic Gregorian. */
static int
syntax_days(int y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* "YYYY-MM-DD" with a real month and day; stores the year in *year. */
static int
syntax_is_date(const char *s, int *year)
{
	int	 m, d;

	if (!syntax_digits(s, 4, year) || s[4] != '-' ||
	    !syntax_digits(s + 5, 2, &m) || s[7] != '-' ||
	    !syntax_digits(s + 8, 2, &d))
		return 0;
	return m >= 1 && m <= 12 && d >= 1 && d <= syntax_days(*year, m);
}

/*
 * "HH:MM:SS" and an optional fraction of 1 to 20 digits; *len gets the
 * bytes used and *mins the minutes since midnight. Leap second 60 is
 * refused as most parsers (JavaScript's, Go's) refuse it.
 */
static int
syntax_is_time(const char *s, size_t *len, int *mins)
{
	size_t	 n = 8;
	int	 h, m, sec;

	if (!syntax_digits(s, 2, &h) || s[2] != ':' ||
	    !syntax_digits(s + 3, 2, &m) || s[5] != ':' ||
	    !syntax_digits(s + 6, 2, &sec))
		return 0;
	if (h > 23 || m > 59 || sec > 59)
		return 0;
	if (s[n] == '.') {
		while (syntax_is_digit((unsigned char)s[n + 1]))
			n++;
		if (n == 8 || n - 8 > SYNTAX_FRAC_MAX)
			return 0;
		n++;
	}
	*len = n;
	*mins = h * 60 + m;
	return 1;
}

/*
 * "Z" or "+HH:MM"/"-HH:MM", ending the string; *off gets the offset in
 * minutes east of UTC. "-00:00" (RFC 3339's "offset unknown") is not
 * ISO 8601 and so refused.
 */
static int
syntax_is_zone(const char *s, int *off)
{
	int	 h, m;

	*off = 0;
	if (s[0] == 'Z')
		return s[1] == '\0';
	if ((s[0] != '+' && s[0] != '-') || !syntax_digits(s + 1, 2, &h) ||
	    s[3] != ':' || !syntax_digits(s + 4, 2, &m) || s[6] != '\0')
		return 0;
	if (h > 23 || m > 59 || (s[0] == '-' && h == 0 && m == 0))
		return 0;
	*off = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
	return 1;
}

int
syntax_is_did(const char *s)
{
	return syntax_is_did_n(s, strlen(s));
}

int
syntax_is_handle(const char *s)
{
	return syntax_is_handle_n(s, strlen(s));
}

int
syntax_is_nsid(const char *s)
{
	return syntax_is_nsid_n(s, strlen(s));
}

int
syntax_is_rkey(const char *s)
{
	return syntax_is_rkey_n(s, strlen(s));
}

/*
 * A TID is 13 characters of base32-sortable (234567a-z); the first one
 * stays below "k" because the top bit of the 64-bit value is zero.
 */
int
syntax_is_tid(const char *s)
{
	static const char	 b32[] = "234567abcdefghijklmnopqrstuvwxyz";
	size_t			 i;

	if (strlen(s) != SYNTAX_TID_LEN)
		return 0;
	if (strchr("234567abcdefghij", s[0]) == NULL)
		return 0;
	for (i = 1; i < SYNTAX_TID_LEN; i++)
		if (strchr(b32, s[i]) == NULL)
			return 0;
	return 1;
}

/*
 * The lexicon "cid" format is loose on purpose: 8 to 256 characters of
 * a multibase alphabet. CIDv0 (base58 "Qm...") has no multibase prefix
 * and atproto does not accept it.
 */
int
syntax_is_cid(const char *s)
{
	size_t	 i, n = strlen(s);

	if (n < SYNTAX_CID_MIN || n > SYNTAX_CID_MAX)
		return 0;
	if (s[0] == 'Q' && s[1] == 'm')
		return 0;
	for (i = 0; i < n; i++)
		if (!syntax_is_alnum((unsigned char)s[i]) && s[i] != '+' &&
		    s[i] != '=')
			return 0;
	return 1;
}

/*
 * The lexicon datetime: the intersection of RFC 3339 and ISO 8601,
 * "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)", upper-case T and Z,
 * with a real calendar date and no instant before year 0.
 */
int
syntax_is_datetime(const char *s)
{
	size_t	 n;
	int	 year, mins, off;

	if (strlen(s) > SYNTAX_DATETIME_MAX || strlen(s) < 20)
		return 0;
	if (!syntax_is_date(s, &year) || s[10] != 'T')
		return 0;
	if (!syntax_is_time(s + 11, &n, &mins) ||
	    !syntax_is_zone(s + 11 + n, &off))
		return 0;
	/* 0000-01-01T00:00+01:00 would be in year -1 once in UTC. */
	if (year == 0 && memcmp(s + 5, "01-01", 5) == 0 && mins - off < 0)
		return 0;
	return 1;
}

/*
 * The restricted at-uri used by lexicons: at://AUTHORITY, optionally
 * /COLLECTION and then /RKEY, where the authority is a DID or handle,
 * the collection an NSID and the key a record key. No query, fragment
 * or trailing slash, and 8 KiB at most.
 */
int
syntax_is_aturi(const char *s)
{
	const char	*p, *slash, *end;
	size_t		 n = strlen(s);

	if (n > SYNTAX_ATURI_MAX || n < 5 || memcmp(s, "at://", 5) != 0)
		return 0;
	p = s + 5;
	end = s + n;
	if ((slash = memchr(p, '/', (size_t)(end - p))) == NULL)
		slash = end;
	if (!syntax_is_did_n(p, (size_t)(slash - p)) &&
	    !syntax_is_handle_n(p, (size_t)(slash - p)))
		return 0;
	if (slash == end)
		return 1;
	p = slash + 1;
	if ((slash = memchr(p, '/', (size_t)(end - p))) == NULL)
		slash = end;
	if (!syntax_is_nsid_n(p, (size_t)(slash - p)))
		return 0;
	if (slash == end)
		return 1;
	p = slash + 1;
	return syntax_is_rkey_n(p, (size_t)(end - p));
}

/*
 * Splits at://DID/NSID/RKEY (or ats://...) into sp. Since a record key
 * holds no "/", "?" or "#", and neither do the DID and NSID, checking
 * each of the three parts also rules out a query, a fragment, a fourth
 * segment and a trailing slash. The parts together must fit in sp->buf
 * (2048 bytes of text): longer addresses are refused.
 */
int
space_uri_parse(const char *s, struct space_uri *sp)
{
	const char	*p, *s1, *s2, *end;
	size_t		 n1, n2, n3;
	int		 alias;

	sp->owner = sp->type = sp->key = NULL;
	sp->alias = 0;
	if (strncmp(s, "at://", 5) == 0) {
		p = s + 5;
		alias = 0;
	} else if (strncmp(s, "ats://", 6) == 0) {
		p = s + 6;
		alias = 1;
	} else
		return -1;
	end = p + strlen(p);
	if ((s1 = strchr(p, '/')) == NULL || (s2 = strchr(s1 + 1, '/')) == NULL)
		return -1;
	n1 = (size_t)(s1 - p);
	n2 = (size_t)(s2 - s1 - 1);
	n3 = (size_t)(end - s2 - 1);
	if (n1 + n2 + n3 + 3 > sizeof(sp->buf))
		return -1;
	if (!syntax_is_did_n(p, n1) || !syntax_is_nsid_n(s1 + 1, n2) ||
	    !syntax_is_rkey_n(s2 + 1, n3))
		return -1;
	memcpy(sp->buf, p, n1);
	sp->buf[n1] = '\0';
	memcpy(sp->buf + n1 + 1, s1 + 1, n2);
	sp->buf[n1 + 1 + n2] = '\0';
	memcpy(sp->buf + n1 + n2 + 2, s2 + 1, n3);
	sp->buf[n1 + n2 + 2 + n3] = '\0';
	sp->owner = sp->buf;
	sp->type = sp->buf + n1 + 1;
	sp->key = sp->buf + n1 + n2 + 2;
	sp->alias = alias;
	return 0;
}
