/* atspace: ISC licence, see README.md. */
/*
 * Unit tests for core/syntax.c.
 *
 *   syntax-1.*	the atproto interop vectors: every line of each
 *		<kind>_syntax_valid.txt must pass and every line of
 *		<kind>_syntax_invalid.txt must fail (1.1 did, 1.2 handle,
 *		1.3 nsid, 1.4 recordkey, 1.5 tid, 1.6 cid, 1.7 datetime,
 *		1.8 aturi); 1.9 datetime_parse_invalid.txt, which is
 *		well formed but names no real instant, must fail too
 *   syntax-2.*	space_uri_parse on hand-written addresses
 *   syntax-3.*	length limits at and just past the edge
 *
 * Vector lines are used exactly as written: lines starting with "#"
 * and empty lines are skipped, nothing is trimmed, since leading and
 * trailing blanks are part of what the vectors test.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syntax.h"
#include "unit.h"

struct vector {
	const char	*id;
	const char	*file;		/* under atproto-interop/syntax */
	int		 valid;		/* 1 when every line must pass */
	int		(*fn)(const char *);
};

static const struct vector vectors[] = {
	{ "syntax-1.1", "did_syntax_valid.txt", 1, syntax_is_did },
	{ "syntax-1.1", "did_syntax_invalid.txt", 0, syntax_is_did },
	{ "syntax-1.2", "handle_syntax_valid.txt", 1, syntax_is_handle },
	{ "syntax-1.2", "handle_syntax_invalid.txt", 0, syntax_is_handle },
	{ "syntax-1.3", "nsid_syntax_valid.txt", 1, syntax_is_nsid },
	{ "syntax-1.3", "nsid_syntax_invalid.txt", 0, syntax_is_nsid },
	{ "syntax-1.4", "recordkey_syntax_valid.txt", 1, syntax_is_rkey },
	{ "syntax-1.4", "recordkey_syntax_invalid.txt", 0, syntax_is_rkey },
	{ "syntax-1.5", "tid_syntax_valid.txt", 1, syntax_is_tid },
	{ "syntax-1.5", "tid_syntax_invalid.txt", 0, syntax_is_tid },
	{ "syntax-1.6", "cid_syntax_valid.txt", 1, syntax_is_cid },
	{ "syntax-1.6", "cid_syntax_invalid.txt", 0, syntax_is_cid },
	{ "syntax-1.7", "datetime_syntax_valid.txt", 1, syntax_is_datetime },
	{ "syntax-1.7", "datetime_syntax_invalid.txt", 0,
	    syntax_is_datetime },
	{ "syntax-1.8", "aturi_syntax_valid.txt", 1, syntax_is_aturi },
	{ "syntax-1.8", "aturi_syntax_invalid.txt", 0, syntax_is_aturi },
	{ "syntax-1.9", "datetime_parse_invalid.txt", 0, syntax_is_datetime },
};

static void	test_vector(const struct vector *);
static void	test_space_uri(void);
static int	space_ok(const char *, const char *, const char *,
		    const char *, int);
static char	*repeat(const char *, const char *, int, const char *);
static char	*dotted(char *, size_t, const char *);
static void	test_limits(void);

/*
 * Runs one vector file; each line is one case. The failing line is
 * printed between brackets so blanks at either end show.
 */
static void
test_vector(const struct vector *v)
{
	char	 path[1024];
	char	*buf, *line, *nl;
	int	 lineno = 0, ok;

	snprintf(path, sizeof(path), "%s/atproto-interop/syntax/%s",
	    unit_shared(), v->file);
	if ((buf = unit_slurp(path, NULL)) == NULL) {
		printf("skip: %s: %s not found\n", v->id, path);
		return;
	}
	for (line = buf; line != NULL; line = nl) {
		lineno++;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		ok = v->fn(line) == v->valid;
		if (!ok)
			printf("  %s:%d: expected %s: [%s]\n", v->file, lineno,
			    v->valid ? "valid" : "invalid", line);
		CHECK(v->id, ok);
	}
	free(buf);
}

/*
 * Parses s and compares the parts; owner NULL means s must be refused
 * and the parts left NULL.
 */
static int
space_ok(const char *s, const char *owner, const char *type,
    const char *key, int alias)
{
	struct space_uri	 sp;
	int			 rc;

	memset(&sp, 'x', sizeof(sp.buf));
	rc = space_uri_parse(s, &sp);
	if (owner == NULL)
		return rc == -1 && sp.owner == NULL && sp.type == NULL &&
		    sp.key == NULL;
	return rc == 0 && strcmp(sp.owner, owner) == 0 &&
	    strcmp(sp.type, type) == 0 && strcmp(sp.key, key) == 0 &&
	    sp.alias == alias;
}

static void
test_space_uri(void)
{
	const char	*d = "did:plc:7iza6de2dwap2sbkpav7c6c6";
	const char	*t = "rsvp.atmo.space";

	/* 2.1: well-formed addresses, both schemes. */
	CHECK("syntax-2.1", space_ok("at://did:plc:7iza6de2dwap2sbkpav7c6c6/"
	    "rsvp.atmo.space/self", d, t, "self", 0));
	CHECK("syntax-2.1", space_ok("ats://did:plc:7iza6de2dwap2sbkpav7c6c6/"
	    "rsvp.atmo.space/3jzfcijpj2z2a", d, t, "3jzfcijpj2z2a", 1));
	CHECK("syntax-2.1", space_ok("at://did:web:localhost%3A1234/a.b.c/"
	    "k:~_-.1", "did:web:localhost%3A1234", "a.b.c", "k:~_-.1", 0));
	CHECK("syntax-2.1", space_ok("at://did:plc:x/a.b.c/...",
	    "did:plc:x", "a.b.c", "...", 0));

	/* 2.2: anything but exactly three segments. */
	CHECK("syntax-2.2", space_ok("at://did:plc:x", NULL, NULL, NULL, 0));
	CHECK("syntax-2.2", space_ok("at://did:plc:x/a.b.c", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.2", space_ok("at://did:plc:x/a.b.c/k/l", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.2", space_ok("at://did:plc:x//a.b.c/k", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.2", space_ok("at://did:plc:x/a.b.c/", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.2", space_ok("at:///did:plc:x/a.b.c/k", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.2", space_ok("", NULL, NULL, NULL, 0));

	/* 2.3: the owner must be a DID, not a handle. */
	CHECK("syntax-2.3", space_ok("at://alice.example.com/a.b.c/k", NULL,
	    NULL, NULL, 0));
	CHECK("syntax-2.3", space_ok("ats://alice.example.com/a.b.c/k", NULL,
	    NULL, NULL, 0));
	CHECK("syntax-2.3", space_ok("at://did:plc:/a.b.c/k", NULL, NULL,
	    NULL, 0));

	/* 2.4: the type must be an NSID, the key a record key. */
	CHECK("syntax-2.4", space_ok("at://did:plc:x/a.b/k", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.4", space_ok("at://did:plc:x/a.b.c-d/k", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.4", space_ok("at://did:plc:x/a.b.c/.", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.4", space_ok("at://did:plc:x/a.b.c/..", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.4", space_ok("at://did:plc:x/a.b.c/a b", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.4", space_ok("at://did:plc:x/a.b.c/a@b", NULL, NULL,
	    NULL, 0));

	/* 2.5: no query, fragment or trailing slash. */
	CHECK("syntax-2.5", space_ok("at://did:plc:x/a.b.c/k?x=1", NULL,
	    NULL, NULL, 0));
	CHECK("syntax-2.5", space_ok("at://did:plc:x/a.b.c/k#frag", NULL,
	    NULL, NULL, 0));
	CHECK("syntax-2.5", space_ok("at://did:plc:x/a.b.c/k#", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.5", space_ok("at://did:plc:x/a.b.c/k/", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.5", space_ok("at://did:plc:x/a.b.c/k ", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.5", space_ok("at://did:plc:x?a=1/a.b.c/k", NULL,
	    NULL, NULL, 0));

	/* 2.6: percent-encoding is not decoded, so it is refused. */
	CHECK("syntax-2.6", space_ok("at://did:plc:x/a.b.c/%41", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.6", space_ok("at://did:plc:x/a.b.c%2Ed/k", NULL,
	    NULL, NULL, 0));
	CHECK("syntax-2.6", space_ok("at://did%3Aplc%3Ax/a.b.c/k", NULL,
	    NULL, NULL, 0));
	CHECK("syntax-2.6", space_ok("at://did:plc:x%2Fa.b.c/k", NULL, NULL,
	    NULL, 0));

	/* 2.7: the scheme is lower case, and only at:// or ats://. */
	CHECK("syntax-2.7", space_ok("AT://did:plc:x/a.b.c/k", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.7", space_ok("ATS://did:plc:x/a.b.c/k", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.7", space_ok("At://did:plc:x/a.b.c/k", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.7", space_ok("atx://did:plc:x/a.b.c/k", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.7", space_ok(" at://did:plc:x/a.b.c/k", NULL, NULL,
	    NULL, 0));
	CHECK("syntax-2.7", space_ok("did:plc:x/a.b.c/k", NULL, NULL, NULL,
	    0));
}

/* Returns pre + n copies of unit + post, malloc'd; exits on ENOMEM. */
static char *
repeat(const char *pre, const char *unit, int n, const char *post)
{
	size_t	 len = strlen(pre) + strlen(unit) * (size_t)n + strlen(post);
	char	*s;
	int	 i;

	if ((s = malloc(len + 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	strcpy(s, pre);
	for (i = 0; i < n; i++)
		strcat(s, unit);
	strcat(s, post);
	return s;
}

/*
 * Fills buf with n bytes of "a" broken into 63-byte labels (a dot
 * every 64th byte), then appends tail; returns buf.
 */
static char *
dotted(char *buf, size_t n, const char *tail)
{
	size_t	 i;

	memset(buf, 'a', n);
	for (i = 63; i < n; i += 64)
		buf[i] = '.';
	strcpy(buf + n, tail);
	return buf;
}

static void
test_limits(void)
{
	struct space_uri	 sp;
	char			 buf[512], name63[66], name64[67];
	char			*s;

	name63[0] = name64[0] = '.';
	memset(name63 + 1, 'n', 63);
	name63[64] = '\0';
	memset(name64 + 1, 'n', 64);
	name64[65] = '\0';

	/* 3.1: DIDs of 2048 and 2049 bytes. */
	s = repeat("did:plc:", "a", 2048 - 8, "");
	CHECK("syntax-3.1", syntax_is_did(s));
	free(s);
	s = repeat("did:plc:", "a", 2049 - 8, "");
	CHECK("syntax-3.1", !syntax_is_did(s));
	free(s);

	/*
	 * 3.2: handles of 253 and 254 bytes: three 63-byte labels and a
	 * last one of 61 or 62 bytes.
	 */
	CHECK("syntax-3.2", syntax_is_handle(dotted(buf, 253, "")));
	CHECK("syntax-3.2", !syntax_is_handle(dotted(buf, 254, "")));

	/* 3.3: NSIDs of 317 bytes (253 authority, 63 name) and 318. */
	CHECK("syntax-3.3", syntax_is_nsid(dotted(buf, 253, name63)));
	CHECK("syntax-3.3", !syntax_is_nsid(dotted(buf, 254, name63)));
	CHECK("syntax-3.3", !syntax_is_nsid(dotted(buf, 253, name64)));

	/* 3.4: record keys of 512 and 513 bytes, and the empty key. */
	s = repeat("", "k", 512, "");
	CHECK("syntax-3.4", syntax_is_rkey(s));
	free(s);
	s = repeat("", "k", 513, "");
	CHECK("syntax-3.4", !syntax_is_rkey(s));
	free(s);
	CHECK("syntax-3.4", !syntax_is_rkey(""));

	/*
	 * 3.5: long at-uris. The parts' own limits keep a valid one under
	 * 2.9 KB, so the 8 KiB cap only guards the scan.
	 */
	s = repeat("at://did:plc:", "a", 2040, "/a.b.c/k");
	CHECK("syntax-3.5", syntax_is_aturi(s));
	free(s);
	s = repeat("at://did:plc:", "a", 2041, "/a.b.c/k");
	CHECK("syntax-3.5", !syntax_is_aturi(s));
	free(s);
	s = repeat("at://did:plc:", "a", 8193 - 13, "");
	CHECK("syntax-3.5", !syntax_is_aturi(s));
	free(s);

	/*
	 * 3.6: a space address whose parts do not fit sp.buf is refused
	 * even though each part is valid on its own.
	 */
	s = repeat("at://did:plc:", "a", 2035, "/a.b.c/k");
	CHECK("syntax-3.6", space_uri_parse(s, &sp) == -1);
	free(s);
	s = repeat("at://did:plc:", "a", 2034, "/a.b.c/k");
	CHECK("syntax-3.6", space_uri_parse(s, &sp) == 0 &&
	    strlen(sp.owner) == 2042 && strcmp(sp.type, "a.b.c") == 0 &&
	    strcmp(sp.key, "k") == 0);
	free(s);

	/* 3.7: leap days and the TID alphabet edges. */
	CHECK("syntax-3.7", syntax_is_datetime("2024-02-29T00:00:00Z"));
	CHECK("syntax-3.7", !syntax_is_datetime("2023-02-29T00:00:00Z"));
	CHECK("syntax-3.7", syntax_is_datetime("2000-02-29T00:00:00Z"));
	CHECK("syntax-3.7", !syntax_is_datetime("1900-02-29T00:00:00Z"));
	CHECK("syntax-3.7", syntax_is_tid("jzzzzzzzzzzzz"));
	CHECK("syntax-3.7", !syntax_is_tid("kzzzzzzzzzzzz"));
}

int
main(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		test_vector(&vectors[i]);
	test_space_uri();
	test_limits();
	return unit_done("syntax");
}
