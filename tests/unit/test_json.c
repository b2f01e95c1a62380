/* atspace: ISC licence, see README.md. */
/*
 * Unit tests for core/json.c.
 *
 *   json-1.*	atproto-interop data-model-valid.json: each entry's "json",
 *		serialised by json-c, passes json_parse_strict and
 *		json_check_record (1.2 lists the one deliberate exception)
 *   json-2.*	data-model-invalid.json: each entry fails one of the two
 *   json-3.*	data-model-fixtures.json: each entry passes
 *   json-4.*	duplicate keys, also when equal only after unescaping
 *   json-5.*	nesting depth at and beyond the limit
 *   json-6.*	integers: the int64 edges, leading zeros, -0
 *   json-7.*	floats in any spelling
 *   json-8.*	UTF-8 and escapes
 *   json-9.*	truncated input, trailing bytes, NUL, grammar errors
 *   json-10.*	json_check_record on hand-written records
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "xerr.h"
#include "unit.h"

/*
 * Entries of data-model-valid.json we refuse on purpose. "123.0" is a
 * whole number to JavaScript, so the data model lets it through; we
 * refuse any fraction or exponent (see json_scan_number), so json-1.2
 * checks that these fail, and will say so if that ever changes.
 */
static const char *const valid_refused[] = {
	"float, but integer-like",
};

static struct xerr	 err;

static int	is_refused(const char *);
static int	check_entry(json_object *);
static json_object *load(const char *);
static void	test_interop(void);
static int	parse_nd(const char *, size_t, int);
static int	parse_n(const char *, size_t);
static int	parse(const char *);
static int	parse_d(const char *, int);
static int	fails(const char *, const char *);
static int	fails_n(const char *, size_t, const char *);
static int	record_ok(const char *);
static int	record_fails(const char *, const char *);
static char	*nest(int, int);
static void	test_dups(void);
static void	test_depth(void);
static void	test_ints(void);
static void	test_floats(void);
static void	test_utf8(void);
static void	test_grammar(void);
static void	test_record(void);

static int
is_refused(const char *note)
{
	size_t	 i;

	for (i = 0; i < sizeof(valid_refused) / sizeof(valid_refused[0]); i++)
		if (strcmp(note, valid_refused[i]) == 0)
			return 1;
	return 0;
}

/*
 * Serialises an entry's "json" and runs it through both checks;
 * returns 1 when both accept it. Prints the error otherwise.
 */
static int
check_entry(json_object *entry)
{
	json_object	*j, *v;
	const char	*s;
	int		 ok;

	if (!json_object_object_get_ex(entry, "json", &j))
		return 0;
	s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	memset(&err, 0, sizeof(err));
	if ((v = json_parse_strict(s, strlen(s), JSON_MAX_DEPTH, &err)) ==
	    NULL) {
		printf("  refused: %s\n", err.msg);
		return 0;
	}
	ok = json_check_record(v, "record", &err) == 0;
	if (!ok)
		printf("  refused: %s\n", err.msg);
	json_object_put(v);
	return ok;
}

/* Loads a data-model vector file, or prints a skip line. */
static json_object *
load(const char *name)
{
	char		 path[1024];
	char		*buf;
	json_object	*v;

	snprintf(path, sizeof(path), "%s/atproto-interop/data-model/%s",
	    unit_shared(), name);
	if ((buf = unit_slurp(path, NULL)) == NULL) {
		printf("skip: %s not found\n", path);
		return NULL;
	}
	v = json_tokener_parse(buf);
	free(buf);
	if (v == NULL || !json_object_is_type(v, json_type_array)) {
		printf("FAIL %s: not a JSON array\n", path);
		unit_failed++;
		json_object_put(v);
		return NULL;
	}
	return v;
}

static void
test_interop(void)
{
	json_object	*all, *e, *note;
	const char	*n;
	size_t		 i;
	int		 ok;

	if ((all = load("data-model-valid.json")) != NULL) {
		for (i = 0; i < json_object_array_length(all); i++) {
			e = json_object_array_get_idx(all, i);
			n = json_object_object_get_ex(e, "note", &note) ?
			    json_object_get_string(note) : "?";
			ok = check_entry(e);
			if (is_refused(n)) {
				printf("  note: refusing valid entry \"%s\" "
				    "on purpose\n", n);
				CHECK("json-1.2", !ok);
				continue;
			}
			if (!ok)
				printf("  valid entry %zu \"%s\"\n", i, n);
			CHECK("json-1.1", ok);
		}
		json_object_put(all);
	}
	if ((all = load("data-model-invalid.json")) != NULL) {
		for (i = 0; i < json_object_array_length(all); i++) {
			e = json_object_array_get_idx(all, i);
			n = json_object_object_get_ex(e, "note", &note) ?
			    json_object_get_string(note) : "?";
			ok = !check_entry(e);
			if (!ok)
				printf("  invalid entry %zu \"%s\" passed\n",
				    i, n);
			CHECK("json-2.1", ok);
		}
		json_object_put(all);
	}
	if ((all = load("data-model-fixtures.json")) != NULL) {
		for (i = 0; i < json_object_array_length(all); i++) {
			ok = check_entry(json_object_array_get_idx(all, i));
			if (!ok)
				printf("  fixture %zu refused\n", i);
			CHECK("json-3.1", ok);
		}
		json_object_put(all);
	}
}

/*
 * Parses buf[0..len) with depth d; 1 when accepted. A refusal must
 * come as a 400 InvalidRequest.
 */
static int
parse_nd(const char *buf, size_t len, int d)
{
	json_object	*v;

	memset(&err, 0, sizeof(err));
	v = json_parse_strict(buf, len, d, &err);
	if (v == NULL)
		return !(err.status == 400 && err.name != NULL &&
		    strcmp(err.name, "InvalidRequest") == 0) ? -1 : 0;
	json_object_put(v);
	return 1;
}

static int
parse_n(const char *buf, size_t len)
{
	return parse_nd(buf, len, JSON_MAX_DEPTH) == 1;
}

static int
parse(const char *s)
{
	return parse_n(s, strlen(s));
}

static int
parse_d(const char *s, int d)
{
	return parse_nd(s, strlen(s), d) == 1;
}

/* Whether s is refused with a message containing want. */
static int
fails_n(const char *s, size_t len, const char *want)
{
	if (parse_nd(s, len, JSON_MAX_DEPTH) != 0)
		return 0;
	if (strstr(err.msg, want) == NULL) {
		printf("  message \"%s\" lacks \"%s\"\n", err.msg, want);
		return 0;
	}
	return 1;
}

static int
fails(const char *s, const char *want)
{
	return fails_n(s, strlen(s), want);
}

static int
record_ok(const char *s)
{
	json_object	*v;
	int		 rc;

	memset(&err, 0, sizeof(err));
	if ((v = json_parse_strict(s, strlen(s), JSON_MAX_DEPTH, &err)) ==
	    NULL) {
		printf("  parse: %s\n", err.msg);
		return 0;
	}
	rc = json_check_record(v, "record", &err);
	if (rc != 0)
		printf("  check: %s\n", err.msg);
	json_object_put(v);
	return rc == 0;
}

/* s parses but json_check_record refuses it, saying want. */
static int
record_fails(const char *s, const char *want)
{
	json_object	*v;
	int		 rc;

	memset(&err, 0, sizeof(err));
	if ((v = json_parse_strict(s, strlen(s), JSON_MAX_DEPTH, &err)) ==
	    NULL) {
		printf("  parse: %s\n", err.msg);
		return 0;
	}
	rc = json_check_record(v, "record", &err);
	json_object_put(v);
	if (rc != -1 || err.status != 400)
		return 0;
	if (strstr(err.msg, want) == NULL) {
		printf("  message \"%s\" lacks \"%s\"\n", err.msg, want);
		return 0;
	}
	return 1;
}

/* n nested arrays (objects when obj is set) around 1; malloc'd. */
static char *
nest(int n, int obj)
{
	char	*s, *p;
	int	 i;

	if ((s = malloc((size_t)n * 6 + 2)) == NULL) {
		perror("malloc");
		exit(1);
	}
	p = s;
	for (i = 0; i < n; i++) {
		memcpy(p, obj ? "{\"a\":" : "[", obj ? 5 : 1);
		p += obj ? 5 : 1;
	}
	*p++ = '1';
	for (i = 0; i < n; i++)
		*p++ = obj ? '}' : ']';
	*p = '\0';
	return s;
}

static void
test_dups(void)
{
	char	*s, *p;
	int	 i;

	CHECK("json-4.1", fails("{\"a\":1,\"a\":2}", "duplicate key \"a\""));
	CHECK("json-4.1", fails("{\"a\":1,\"b\":2,\"a\":3}",
	    "at byte 13"));
	CHECK("json-4.2", fails("{\"a\":1,\"\\u0061\":2}",
	    "duplicate key \"a\""));
	CHECK("json-4.2", fails("{\"\\u00e9\":1,\"\xc3\xa9\":2}",
	    "duplicate key"));
	CHECK("json-4.2", fails("{\"\xe2\x82\xac\":1,\"\\u20AC\":2}",
	    "duplicate key"));
	CHECK("json-4.2", parse("{\"\\u20ac\":1,\"\\u20ad\":2}"));
	CHECK("json-4.2", fails("{\"a\\/b\":1,\"a/b\":2}",
	    "duplicate key \"a/b\""));
	CHECK("json-4.2", fails("{\"\\ud83d\\ude00\":1,"
	    "\"\xf0\x9f\x98\x80\":2}", "duplicate key"));
	CHECK("json-4.3", fails("{\"x\":{\"k\":1,\"k\":2}}",
	    "duplicate key \"k\""));
	CHECK("json-4.3", fails("[{},{\"k\":1,\"k\":1}]", "duplicate key"));
	CHECK("json-4.4", parse("{\"a\":1,\"b\":{\"a\":2},\"c\":[{\"a\":3}]}"));
	CHECK("json-4.4", parse("{\"a\":1,\"A\":2,\"a \":3,\"\":4}"));
	CHECK("json-4.4", fails("{\"\":1,\"\":2}", "duplicate key \"\""));

	/* 4.5: many keys stay cheap, and a late duplicate is found. */
	if ((s = malloc(20000 * 20 + 16)) == NULL)
		return;
	p = s;
	*p++ = '{';
	for (i = 0; i < 20000; i++)
		p += sprintf(p, "%s\"k%d\":%d", i ? "," : "", i, i);
	strcpy(p, "}");
	CHECK("json-4.5", parse(s));
	strcpy(p, ",\"k17\":0}");
	CHECK("json-4.5", fails(s, "duplicate key \"k17\""));
	free(s);
}

static void
test_depth(void)
{
	char	*s;

	CHECK("json-5.1", parse_d("[[[1]]]", 3));
	CHECK("json-5.1", !parse_d("[[[[1]]]]", 3));
	CHECK("json-5.1", strstr(err.msg, "nesting deeper than 3") != NULL);
	CHECK("json-5.1", parse_d("{\"a\":[{\"b\":1}]}", 3));
	CHECK("json-5.1", !parse_d("{\"a\":[{\"b\":[]}]}", 3));
	CHECK("json-5.2", parse_d("1", 0));
	CHECK("json-5.2", !parse_d("[]", 0));
	CHECK("json-5.2", parse_d("[]", 1));
	CHECK("json-5.2", !parse_d("[[]]", 1));

	s = nest(JSON_MAX_DEPTH, 0);
	CHECK("json-5.3", parse(s));
	free(s);
	s = nest(JSON_MAX_DEPTH + 1, 0);
	CHECK("json-5.3", fails(s, "nesting deeper than 32"));
	free(s);
	s = nest(JSON_MAX_DEPTH, 1);
	CHECK("json-5.3", parse(s));
	free(s);
	s = nest(JSON_MAX_DEPTH + 1, 1);
	CHECK("json-5.3", !parse(s));
	free(s);
	/* Far too deep must fail fast, not exhaust the stack. */
	s = nest(100000, 0);
	CHECK("json-5.4", !parse(s));
	free(s);
}

static void
test_ints(void)
{
	json_object	*v;

	memset(&err, 0, sizeof(err));
	v = json_parse_strict("9223372036854775807", 19, 4, &err);
	CHECK("json-6.1", v != NULL && json_object_get_int64(v) == INT64_MAX);
	json_object_put(v);
	v = json_parse_strict("[-9223372036854775808]", 22, 4, &err);
	CHECK("json-6.1", v != NULL && json_object_get_int64(
	    json_object_array_get_idx(v, 0)) == INT64_MIN);
	json_object_put(v);
	CHECK("json-6.2", fails("9223372036854775808", "64-bit range"));
	CHECK("json-6.2", fails("{\"a\":-9223372036854775809}",
	    "64-bit range"));
	CHECK("json-6.2", fails("18446744073709551616", "64-bit range"));
	CHECK("json-6.2", fails("99999999999999999999999999", "64-bit"));
	CHECK("json-6.3", parse("0"));
	CHECK("json-6.3", parse("[0,-1,10,-10]"));
	CHECK("json-6.3", fails("01", "leading zero"));
	CHECK("json-6.3", fails("-01", "leading zero"));
	CHECK("json-6.3", fails("[00]", "leading zero"));
	CHECK("json-6.4", fails("-0", "-0 is not an integer"));
	CHECK("json-6.4", fails("{\"a\":-0}", "-0"));
	CHECK("json-6.5", fails("+1", "unexpected character '+'"));
	CHECK("json-6.5", fails("-", "invalid number"));
	CHECK("json-6.5", fails("[-a]", "invalid number"));
	CHECK("json-6.5", fails("0x10", "unexpected bytes after the value"));
}

static void
test_floats(void)
{
	static const char *const floats[] = {
		"1.0", "1e3", "1E3", "1e-3", "-1.5", "0.0", "[1.5]",
		"{\"a\":123.456}", "1.", "0e0", "-0.0", "1E+2",
	};
	size_t	 i;

	for (i = 0; i < sizeof(floats) / sizeof(floats[0]); i++)
		CHECK("json-7.1", fails(floats[i], "floats are not allowed "
		    "in the atproto data model"));
	CHECK("json-7.2", fails(".5", "unexpected character '.'"));
	CHECK("json-7.2", !parse("NaN"));
	CHECK("json-7.2", !parse("Infinity"));
	CHECK("json-7.2", !parse("-Infinity"));
}

static void
test_utf8(void)
{
	/* 8.1: well-formed UTF-8, 1 to 4 bytes, and escapes. */
	CHECK("json-8.1", parse("\"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""));
	CHECK("json-8.1", parse("\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\""));
	CHECK("json-8.1", parse("\"\\ud83d\\ude00 \\u00e9 \\uFFFF\""));
	CHECK("json-8.1", parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\""));
	CHECK("json-8.1", parse("{\"\xc3\xa9\":\"\xc3\xa9\"}"));

	/* 8.2: malformed UTF-8. */
	CHECK("json-8.2", fails("\"\xff\"", "invalid UTF-8 at byte 1"));
	CHECK("json-8.2", fails("\"\x80\"", "invalid UTF-8"));
	CHECK("json-8.2", fails("\"\xc0\xaf\"", "invalid UTF-8"));
	CHECK("json-8.2", fails("\"\xc1\xbf\"", "invalid UTF-8"));
	CHECK("json-8.2", fails("\"\xe0\x80\xaf\"", "invalid UTF-8"));
	CHECK("json-8.2", fails("\"\xf0\x80\x80\xaf\"", "invalid UTF-8"));
	CHECK("json-8.2", fails("\"\xed\xa0\x80\"", "invalid UTF-8"));
	CHECK("json-8.2", fails("\"\xed\xbf\xbf\"", "invalid UTF-8"));
	CHECK("json-8.2", fails("\"\xf4\x90\x80\x80\"", "invalid UTF-8"));
	CHECK("json-8.2", fails("\"\xf5\x80\x80\x80\"", "invalid UTF-8"));
	CHECK("json-8.2", fails("\"\xe2\x82\"", "invalid UTF-8"));
	CHECK("json-8.2", fails("\"\xe2\x82", "invalid UTF-8"));
	CHECK("json-8.2", fails("{\"\xfe\":1}", "invalid UTF-8"));
	CHECK("json-8.2", fails("\xef\xbb\xbf{}", "unexpected byte 0xef"));

	/* 8.3: escapes that name no scalar value, or are malformed. */
	CHECK("json-8.3", fails("\"\\ud800\"", "lone high surrogate"));
	CHECK("json-8.3", fails("\"\\ud800\\u0041\"", "lone high surrogate"));
	CHECK("json-8.3", fails("\"\\ud800\\ud800\"", "lone high surrogate"));
	CHECK("json-8.3", fails("\"\\udc00\"", "lone low surrogate"));
	CHECK("json-8.3", fails("\"\\ude00\\ud83d\"", "lone low surrogate"));
	CHECK("json-8.3", fails("\"\\u0000\"", "\\u0000 is not allowed"));
	CHECK("json-8.3", fails("{\"\\u0000\":1}", "\\u0000"));
	CHECK("json-8.3", fails("\"\\x41\"", "bad escape"));
	CHECK("json-8.3", fails("\"\\'\"", "bad escape"));
	CHECK("json-8.3", fails("\"\\u12\"", "truncated \\u escape"));
	CHECK("json-8.3", fails("\"\\u12", "truncated"));
	CHECK("json-8.3", fails("\"\\u12g4\"", "bad hex digit"));
	CHECK("json-8.3", fails("\"\\", "truncated escape"));

	/* 8.4: raw control characters are not allowed in strings. */
	CHECK("json-8.4", fails("\"a\tb\"", "control character 0x09"));
	CHECK("json-8.4", fails("\"a\nb\"", "control character 0x0a"));
	CHECK("json-8.4", fails("\"\x1f\"", "control character"));
	CHECK("json-8.4", parse("\"\x7f\""));
}

static void
test_grammar(void)
{
	static const char *const truncated[] = {
		"{", "[", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,", "[1,",
		"[1", "\"abc", "tru", "nul", "fals", " ",
	};
	static const char *const bad[] = {
		"[1,]", "{\"a\":1,}", "{a:1}", "{'a':1}", "'a'", "[1 2]",
		"{\"a\" 1}", "{\"a\":1 \"b\":2}", "{,}", "[,]", "/*c*/{}",
		"{}//c", "True", "nulll", "[\"a\",,1]", "{\"a\"::1}",
		"\v{}", "\f{}", "{1:2}", "[}", "{]",
	};
	size_t	 i;

	/* 9.1: truncated input. */
	for (i = 0; i < sizeof(truncated) / sizeof(truncated[0]); i++)
		CHECK("json-9.1", !parse(truncated[i]));
	CHECK("json-9.1", fails("{\"a\":", "unexpected end of input at "
	    "byte 5"));
	CHECK("json-9.1", fails("\"abc", "unterminated string at byte 0"));
	CHECK("json-9.1", fails("", "body: empty"));

	/* 9.2: bytes after the value; white space alone is fine. */
	CHECK("json-9.2", fails("{} x", "unexpected bytes after the value "
	    "at byte 3"));
	CHECK("json-9.2", fails("{}{}", "after the value"));
	CHECK("json-9.2", fails("1 2", "after the value"));
	CHECK("json-9.2", fails("\"a\"\"b\"", "after the value"));
	CHECK("json-9.2", fails("truex", "after the value"));
	CHECK("json-9.2", parse(" \t\r\n{} \t\r\n"));
	CHECK("json-9.2", parse("true"));
	CHECK("json-9.2", fails("null", "bare null"));
	CHECK("json-9.2", parse("[null]"));
	CHECK("json-9.2", parse("\"top\""));

	/* 9.3: NUL anywhere, inside or outside strings. */
	CHECK("json-9.3", fails_n("{\"a\":\"b\0\"}", 10, "NUL byte at "
	    "byte 7"));
	CHECK("json-9.3", fails_n("{}\0", 3, "NUL byte at byte 2"));
	CHECK("json-9.3", fails_n("\0", 1, "NUL byte"));
	CHECK("json-9.3", parse_n("{}\0", 2));

	/* 9.4: grammar errors. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i]))
			printf("  accepted: %s\n", bad[i]);
		CHECK("json-9.4", !parse(bad[i]));
	}
	CHECK("json-9.4", fails("[1,]", "unexpected character ']' at byte 3"));
	CHECK("json-9.4", fails("{a:1}", "expected a key at byte 1"));
}

static void
test_record(void)
{
	json_object	*v;

	/* 10.1: blobs. */
	CHECK("json-10.1", record_ok("{\"f\":{\"$type\":\"blob\",\"ref\":"
	    "{\"$link\":\"bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5"
	    "p6chi4ity\"},\"mimeType\":\"image/png\",\"size\":0}}"));
	CHECK("json-10.1", record_fails("{\"f\":{\"$type\":\"blob\",\"ref\":"
	    "{\"$link\":\"bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5"
	    "p6chi4ity\"},\"mimeType\":\"image/png\",\"size\":-1}}",
	    "record.f: blob size must be an integer >= 0"));
	CHECK("json-10.1", record_fails("{\"f\":{\"$type\":\"blob\",\"ref\":"
	    "{\"$link\":\"bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5"
	    "p6chi4ity\"},\"mimeType\":\"\",\"size\":1}}", "mimeType"));
	CHECK("json-10.1", record_fails("{\"f\":{\"$type\":\"blob\",\"ref\":"
	    "{\"$link\":\"bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5"
	    "p6chi4ity\"},\"mimeType\":\"a/b\",\"size\":1,\"x\":1}}",
	    "unexpected fields"));
	CHECK("json-10.1", record_fails("{\"f\":{\"$type\":\"blob\",\"ref\":"
	    "\"bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity\","
	    "\"mimeType\":\"a/b\",\"size\":1}}", "record.f.ref: must be a"));
	CHECK("json-10.1", record_fails("{\"f\":{\"$type\":\"blob\",\"ref\":"
	    "{\"$link\":\"Qm\"},\"mimeType\":\"a/b\",\"size\":1}}",
	    "record.f.ref: $link must be a CID string"));

	/* 10.2: $bytes. */
	CHECK("json-10.2", record_ok("{\"b\":{\"$bytes\":\"\"}}"));
	CHECK("json-10.2", record_ok("{\"b\":{\"$bytes\":\"aGk\"}}"));
	CHECK("json-10.2", record_ok("{\"b\":{\"$bytes\":\"aGk=\"}}"));
	CHECK("json-10.2", record_ok("{\"b\":{\"$bytes\":\"aA==\"}}"));
	CHECK("json-10.2", record_fails("{\"b\":{\"$bytes\":\"aGk==\"}}",
	    "base64"));
	CHECK("json-10.2", record_fails("{\"b\":{\"$bytes\":\"a\"}}",
	    "base64"));
	CHECK("json-10.2", record_fails("{\"b\":{\"$bytes\":\"a-_b\"}}",
	    "base64"));
	CHECK("json-10.2", record_fails("{\"b\":{\"$bytes\":\"aG k\"}}",
	    "base64"));
	CHECK("json-10.2", record_fails("{\"b\":{\"$bytes\":null}}",
	    "base64"));

	/* 10.3: $link and $type. */
	CHECK("json-10.3", record_fails("{\"l\":{\"$link\":\"QmbWqxBEKC3P8tq"
	    "sKc98xmWNzrzDtRLMiMPL8wBuTGsMnR\"}}", "CID"));
	CHECK("json-10.3", record_fails("{\"l\":{\"$link\":null}}", "CID"));
	CHECK("json-10.3", record_fails("{\"a\":[1,{\"$type\":\"\"}]}",
	    "record.a[1]: $type must be a non-empty string"));
	CHECK("json-10.3", record_fails("{\"$type\":null}", "record: $type"));
	CHECK("json-10.3", record_fails("{\"$type\":[\"a\"]}", "$type"));
	CHECK("json-10.3", record_ok("{\"$type\":\"rsvp.atmo.space\","
	    "\"a\":{\"$type\":\"x\"},\"n\":null,\"t\":true}"));

	/* 10.4: not an object, and trees json_parse_strict never makes. */
	CHECK("json-10.4", record_fails("[]", "record: must be an object"));
	CHECK("json-10.4", record_fails("\"s\"", "must be an object"));
	CHECK("json-10.4", json_check_record(NULL, "record", &err) == -1);
	v = json_object_new_object();
	json_object_object_add(v, "d", json_object_new_double(1.5));
	CHECK("json-10.4", json_check_record(v, "record", &err) == -1 &&
	    strstr(err.msg, "record.d: floats") != NULL);
	json_object_put(v);
	v = json_object_new_object();
	json_object_object_add(v, "s", json_object_new_string_len("a\0b", 3));
	CHECK("json-10.4", json_check_record(v, "record", &err) == -1 &&
	    strstr(err.msg, "NUL") != NULL);
	json_object_put(v);
	v = json_object_new_object();
	json_object_object_add(v, "u", json_object_new_uint64(UINT64_MAX));
	CHECK("json-10.4", json_check_record(v, "record", &err) == -1 &&
	    strstr(err.msg, "range") != NULL);
	json_object_put(v);

	/* 10.5: odd keys stay readable and ASCII in messages. */
	CHECK("json-10.5", record_fails("{\"\xc3\xa9\\\"\":{\"$type\":1}}",
	    "record.???: $type"));
}

int
main(void)
{
	test_interop();
	test_dups();
	test_depth();
	test_ints();
	test_floats();
	test_utf8();
	test_grammar();
	test_record();
	return unit_done("json");
}
