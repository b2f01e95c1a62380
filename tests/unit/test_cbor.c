/* atspace: ISC licence, see README.md. */
/*
 * DAG-CBOR encoding and CIDs (core/cbor.c).
 *   cbor-1.*  interop fixtures: bytes and CID of every entry of
 *             atproto-interop/data-model/data-model-fixtures.json
 *   cbor-2.*  map keys sorted by length, then bytewise
 *   cbor-3.*  integers at every head-size boundary, both signs
 *   cbor-4.*  scalars, strings (unicode, long), nested empty containers
 *   cbor-5.*  $link and $bytes encodings
 *   cbor-6.*  refused: floats, big integers, bad UTF-8, deep nesting
 *   cbor-7.*  refused: malformed $link
 *   cbor-8.*  refused: malformed $bytes
 *   cbor-9.*  CIDs over known bytes, cbor_is_cid, cbor_base64_decode
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cbor.h"
#include "json.h"
#include "xerr.h"
#include "unit.h"

#define FIXTURES	"/atproto-interop/data-model/data-model-fixtures.json"

static const char test_cid[] =
    "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a";

/* Lower-case hex of buf[0..len) into a malloc'd string. */
static char *
test_hex(const unsigned char *buf, size_t len)
{
	char	*s;
	size_t	 i;

	if ((s = malloc(len * 2 + 1)) == NULL)
		abort();
	for (i = 0; i < len; i++)
		snprintf(s + 2 * i, 3, "%02x", buf[i]);
	s[len * 2] = '\0';
	return s;
}

/*
 * Encodes v (a reference handed over) and compares the hex of the
 * result with want. Prints both on a mismatch so a failure says why.
 */
static int
test_enc_tree(const char *id, json_object *v, const char *want)
{
	struct xerr	 err;
	unsigned char	*buf = NULL;
	size_t		 len = 0;
	char		*hex = NULL;
	int		 ok = 0;

	memset(&err, 0, sizeof(err));
	if (cbor_encode_record(v, &buf, &len, &err) == -1) {
		printf("%s: refused: %s\n", id, err.msg);
		goto out;
	}
	hex = test_hex(buf, len);
	if (!(ok = strcmp(hex, want) == 0))
		printf("%s: got %s want %s\n", id, hex, want);
out:
	free(hex);
	free(buf);
	json_object_put(v);
	return ok;
}

/* As test_enc_tree for JSON text, parsed leniently by json-c. */
static int
test_enc(const char *id, const char *json, const char *want)
{
	json_object	*v;

	/* json-c gives NULL for "null", which is the tree for null. */
	if ((v = json_tokener_parse(json)) == NULL && strcmp(json, "null")) {
		printf("%s: test JSON does not parse\n", id);
		return 0;
	}
	return test_enc_tree(id, v, want);
}

/*
 * Predicate: encoding v (handed over) fails with a 400 InvalidRequest,
 * with out and outlen cleared.
 */
static int
test_refused_tree(json_object *v)
{
	static unsigned char	 junk;
	struct xerr		 err;
	unsigned char		*buf = &junk;
	size_t			 len = 1;
	int			 rc;

	memset(&err, 0, sizeof(err));
	rc = cbor_encode_record(v, &buf, &len, &err);
	json_object_put(v);
	if (rc == 0)
		free(buf);
	return rc == -1 && buf == NULL && len == 0 && err.status == 400 &&
	    err.name != NULL && strcmp(err.name, "InvalidRequest") == 0 &&
	    err.msg[0] != '\0';
}

static int
test_refused(const char *json)
{
	json_object	*v;

	if ((v = json_tokener_parse(json)) == NULL)
		return 0;
	return test_refused_tree(v);
}

/* {"k": string with bytes s[0..n)}, built by hand to skip json-c's text. */
static json_object *
test_obj_str(const char *key, const char *s, size_t n)
{
	json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, key, json_object_new_string_len(s, (int)n));
	return o;
}

/*
 * Drops lines that start with '#' (comments in the interop files),
 * keeping everything else byte for byte.
 */
static void
test_strip_comments(char *s)
{
	char	*r = s, *w = s, *nl;
	size_t	 n;

	while (*r != '\0') {
		nl = strchr(r, '\n');
		n = nl != NULL ? (size_t)(nl - r) + 1 : strlen(r);
		if (*r != '#') {
			memmove(w, r, n);
			w += n;
		}
		r += n;
	}
	*w = '\0';
}

/* One fixture entry: encoding and CID must both match. */
static void
test_fixture(size_t i, json_object *entry)
{
	json_object	*js, *b64, *cid, *v = NULL;
	struct xerr	 err;
	unsigned char	*want = NULL, *got = NULL;
	size_t		 wantlen = 0, gotlen = 0, n;
	const char	*text, *s;
	char		 id[32], gotcid[CBOR_CID_MAX];

	memset(&err, 0, sizeof(err));
	snprintf(id, sizeof(id), "cbor-1.%zu", i + 1);
	if (!json_object_object_get_ex(entry, "json", &js) ||
	    !json_object_object_get_ex(entry, "cbor_base64", &b64) ||
	    !json_object_object_get_ex(entry, "cid", &cid)) {
		CHECK(id, !"fixture entry has json, cbor_base64, cid");
		return;
	}
	/* Round trip through text so the strict parser sees it as a body. */
	text = json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN);
	v = json_parse_strict(text, strlen(text), JSON_MAX_DEPTH, &err);
	CHECK(id, v != NULL);
	s = json_object_get_string(b64);
	n = strlen(s);
	if ((want = malloc(n * 3 / 4 + 1)) == NULL)
		abort();
	CHECK(id, cbor_base64_decode(s, n, want, &wantlen) == 0);
	CHECK(id, v != NULL && cbor_encode_record(v, &got, &gotlen, &err) == 0);
	CHECK(id, got != NULL && gotlen == wantlen &&
	    memcmp(got, want, wantlen) == 0);
	CHECK(id, v != NULL && cbor_record_cid(v, gotcid, &err) == 0 &&
	    strcmp(gotcid, json_object_get_string(cid)) == 0);
	if (got != NULL) {
		cbor_cid_dagcbor(got, gotlen, gotcid);
		CHECK(id, strcmp(gotcid, json_object_get_string(cid)) == 0);
	}
	if (err.status != 0)
		printf("%s: %s\n", id, err.msg);
	free(got);
	free(want);
	json_object_put(v);
}

static void
test_fixtures(void)
{
	json_object	*all;
	char		 path[1024], *text;
	size_t		 i, n;

	snprintf(path, sizeof(path), "%s%s", unit_shared(), FIXTURES);
	if ((text = unit_slurp(path, NULL)) == NULL) {
		printf("skip: cbor-1.*: no %s (set ATSPACE_SHARED)\n", path);
		return;
	}
	test_strip_comments(text);
	all = json_tokener_parse(text);
	CHECK("cbor-1.0", json_object_is_type(all, json_type_array) &&
	    json_object_array_length(all) > 0);
	n = json_object_is_type(all, json_type_array) ?
	    json_object_array_length(all) : 0;
	for (i = 0; i < n; i++)
		test_fixture(i, json_object_array_get_idx(all, i));
	json_object_put(all);
	free(text);
}

static void
test_keys(void)
{
	CHECK("cbor-2.1", test_enc("cbor-2.1",
	    "{\"bb\":1,\"a\":2,\"aaa\":3,\"b\":4}",
	    "a4616102616204626262016361616103"));
	/* Length beats bytes: "z" sorts before "aa". */
	CHECK("cbor-2.2", test_enc("cbor-2.2", "{\"aa\":1,\"z\":2}",
	    "a2617a0262616101"));
	/* Bytes compare unsigned: "zz" (7a7a) before "\u00e9" (c3a9). */
	CHECK("cbor-2.3", test_enc("cbor-2.3", "{\"\\u00e9\":1,\"zz\":2}",
	    "a2627a7a0262c3a901"));
	CHECK("cbor-2.4", test_enc("cbor-2.4", "{\"$type\":\"x\",\"a\":1}",
	    "a26161016524747970656178"));
	/* Keys order the same at every depth. */
	CHECK("cbor-2.5", test_enc("cbor-2.5",
	    "[{\"b\":1,\"a\":{\"d\":1,\"c\":2}}]",
	    "81a26161a2616302616401616201"));
}

static void
test_ints(void)
{
	static const struct {
		const char	*json;
		const char	*hex;
	} cases[] = {
		{ "0", "00" },
		{ "23", "17" },
		{ "24", "1818" },
		{ "255", "18ff" },
		{ "256", "190100" },
		{ "65535", "19ffff" },
		{ "65536", "1a00010000" },
		{ "4294967295", "1affffffff" },
		{ "4294967296", "1b0000000100000000" },
		{ "9223372036854775807", "1b7fffffffffffffff" },
		{ "-1", "20" },
		{ "-24", "37" },
		{ "-25", "3818" },
		{ "-256", "38ff" },
		{ "-257", "390100" },
		{ "-65536", "39ffff" },
		{ "-65537", "3a00010000" },
		{ "-4294967296", "3affffffff" },
		{ "-4294967297", "3b0000000100000000" },
		{ "-9223372036854775808", "3b7fffffffffffffff" },
	};
	size_t	 i;
	char	 id[32];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(id, sizeof(id), "cbor-3.%zu", i + 1);
		CHECK(id, test_enc(id, cases[i].json, cases[i].hex));
	}
	/* Built directly, not parsed, to be sure of the value. */
	CHECK("cbor-3.21", test_enc_tree("cbor-3.21",
	    json_object_new_int64(INT64_MIN), "3b7fffffffffffffff"));
	CHECK("cbor-3.22", test_enc_tree("cbor-3.22",
	    json_object_new_int64(INT64_MAX), "1b7fffffffffffffff"));
}

static void
test_values(void)
{
	char	 json[400], hex[800];
	size_t	 i;

	CHECK("cbor-4.1", test_enc("cbor-4.1", "true", "f5"));
	CHECK("cbor-4.2", test_enc("cbor-4.2", "false", "f4"));
	CHECK("cbor-4.3", test_enc("cbor-4.3", "null", "f6"));
	CHECK("cbor-4.4", test_enc("cbor-4.4", "{}", "a0"));
	CHECK("cbor-4.5", test_enc("cbor-4.5", "[]", "80"));
	CHECK("cbor-4.6", test_enc("cbor-4.6",
	    "{\"a\":{},\"b\":[],\"c\":[[],{}],\"d\":[null,true]}",
	    "a46161a061628061638280a0616482f6f5"));
	CHECK("cbor-4.7", test_enc("cbor-4.7", "\"\"", "60"));
	CHECK("cbor-4.8", test_enc("cbor-4.8", "\"\\u00e9\"", "62c3a9"));
	/* U+1F600 arrives as a surrogate pair and leaves as 4 bytes. */
	CHECK("cbor-4.9", test_enc("cbor-4.9", "\"\\ud83d\\ude00\"",
	    "64f09f9880"));
	CHECK("cbor-4.10", test_enc("cbor-4.10", "\"\xe2\xbd\x98\"",
	    "63e2bd98"));
	/* 24 characters need a one-byte length after the head. */
	CHECK("cbor-4.11", test_enc("cbor-4.11",
	    "\"abcdefghijklmnopqrstuvwx\"",
	    "78186162636465666768696a6b6c6d6e6f707172737475767778"));
	/* 256 characters need a two-byte length. */
	json[0] = '"';
	strcpy(hex, "790100");
	for (i = 0; i < 256; i++) {
		json[1 + i] = 'a';
		memcpy(hex + 6 + 2 * i, "61", 3);
	}
	memcpy(json + 257, "\"", 2);
	CHECK("cbor-4.12", test_enc("cbor-4.12", json, hex));
	/* A NUL inside a string is data, kept with its length. */
	CHECK("cbor-4.13", test_enc_tree("cbor-4.13",
	    test_obj_str("a", "x\0y", 3), "a1616163780079"));
}

static void
test_special(void)
{
	char	 json[200];

	snprintf(json, sizeof(json), "{\"l\":{\"$link\":\"%s\"}}", test_cid);
	CHECK("cbor-5.1", test_enc("cbor-5.1", json,
	    "a1616cd82a58250001711220"
	    "65062a5a5a00fc16d73c6944237ccbc15b1c4a7234489336891d091741a239d0"));
	CHECK("cbor-5.2", test_enc("cbor-5.2",
	    "{\"$bytes\":\"nFERjvLLiw9qm45JrqH9QTzyC2Lu1Xb4ne6+sBrCzI0\"}",
	    "5820"
	    "9c51118ef2cb8b0f6a9b8e49aea1fd413cf20b62eed576f89deebeb01ac2cc8d"));
	CHECK("cbor-5.3", test_enc("cbor-5.3", "{\"$bytes\":\"\"}", "40"));
	CHECK("cbor-5.4", test_enc("cbor-5.4", "{\"$bytes\":\"AQ\"}", "4101"));
	CHECK("cbor-5.5", test_enc("cbor-5.5", "{\"$bytes\":\"AQI\"}",
	    "420102"));
	CHECK("cbor-5.6", test_enc("cbor-5.6", "{\"$bytes\":\"AQID\"}",
	    "43010203"));
	/* A 2-byte digest is odd but well formed: readers are lenient. */
	CHECK("cbor-5.7", test_enc("cbor-5.7", "{\"$link\":\"bafyreavkxm\"}",
	    "d82a470001711202aabb"));
	/* "$type" is an ordinary key; only $link and $bytes are special. */
	CHECK("cbor-5.8", test_enc("cbor-5.8", "{\"$type\":\"blob\"}",
	    "a165247479706564626c6f62"));
}

static void
test_refusals(void)
{
	json_object	*deep, *o;
	int		 i;

	CHECK("cbor-6.1", test_refused("{\"a\":1.5}"));
	/* 123.0 is integral, but it came as a float and stays refused. */
	CHECK("cbor-6.2", test_refused("{\"a\":[123.0]}"));
	CHECK("cbor-6.3", test_refused_tree(json_object_new_double(0)));
	CHECK("cbor-6.4", test_refused("{\"a\":9223372036854775808}"));
	CHECK("cbor-6.5", test_refused("18446744073709551615"));
	CHECK("cbor-6.6", test_refused_tree(test_obj_str("a", "\xff", 1)));
	/* Overlong NUL, a lone surrogate, past U+10FFFF, truncated. */
	CHECK("cbor-6.7", test_refused_tree(test_obj_str("a", "\xc0\x80", 2)));
	CHECK("cbor-6.8", test_refused_tree(test_obj_str("a",
	    "\xed\xa0\x80", 3)));
	CHECK("cbor-6.9", test_refused_tree(test_obj_str("a",
	    "\xf4\x90\x80\x80", 4)));
	CHECK("cbor-6.10", test_refused_tree(test_obj_str("a", "\xe2\xbd", 2)));
	CHECK("cbor-6.11", test_refused_tree(test_obj_str("\xff", "a", 1)));
	deep = json_object_new_array();
	for (i = 0; i < 100; i++) {
		o = json_object_new_array();
		json_object_array_add(o, deep);
		deep = o;
	}
	CHECK("cbor-6.12", test_refused_tree(deep));
}

static void
test_bad_links(void)
{
	static const char *bad[] = {
		".",
		"",
		"b",
		"bafyrei",
		/* base58btc CIDv0: atproto links are CIDv1 base32 */
		"QmY7Yh4UquoXHLPFo2XbhXkhBvFoPwmQUSa92pxnxjQuPU",
		"zdj7WhuEjrB52m1BisYCtmjH1hSKa7yZ3jEZ9JcXaFRD51wVz",
		/* upper case is another multibase ("B") */
		"BAFYREIDFAYVFUWQA7QLNOPDJIQRXZS6BLMOEU4RUJCJTNCI5BELUDIRZ2A",
		/* last character leaves a set bit over */
		"bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2b",
		/* one character short: a length no byte count gives */
		"bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2",
		/* digest one byte short of the 32 it claims */
		"bafyreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		/* version 0 */
		"babyreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		/* codec varint not minimal (f1 00) */
		"bahyqaeraaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		/* padding is not part of the multibase form */
		"bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a=",
		"bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a ",
		"bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2aaa",
	};
	char	 json[200], id[32], nul[80];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(id, sizeof(id), "cbor-7.%zu", i + 1);
		snprintf(json, sizeof(json), "{\"$link\":\"%s\"}", bad[i]);
		CHECK(id, test_refused(json));
		CHECK(id, !cbor_is_cid(bad[i]));
	}
	CHECK("cbor-7.20", test_refused("{\"$link\":1234}"));
	CHECK("cbor-7.21", test_refused("{\"$link\":null}"));
	snprintf(json, sizeof(json), "{\"$link\":\"%s\",\"other\":1}",
	    test_cid);
	CHECK("cbor-7.22", test_refused(json));
	/* A NUL after a good CID must not hide the rest of the string. */
	snprintf(nul, sizeof(nul), "%s", test_cid);
	memcpy(nul + strlen(test_cid), "\0xx", 4);
	CHECK("cbor-7.23", test_refused_tree(test_obj_str("$link", nul,
	    strlen(test_cid) + 3)));
}

static void
test_bad_bytes(void)
{
	static const char *bad[] = {
		"AQ==",
		"AQI=",
		"A",
		"AQIDB",
		"ab!d",
		"ab d",
		"-_-_",
		/* last character leaves set bits over */
		"nFERjvLLiw9qm45JrqH9QTzyC2Lu1Xb4ne6+sBrCzI1",
		"AR",
	};
	char	 json[200], id[32];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(id, sizeof(id), "cbor-8.%zu", i + 1);
		snprintf(json, sizeof(json), "{\"$bytes\":\"%s\"}", bad[i]);
		CHECK(id, test_refused(json));
	}
	CHECK("cbor-8.20", test_refused("{\"$bytes\":[1,2,3]}"));
	CHECK("cbor-8.21",
	    test_refused("{\"$bytes\":\"AQID\",\"other\":\"blah\"}"));
	CHECK("cbor-8.22", test_refused_tree(test_obj_str("$bytes",
	    "AQID\0AQID", 9)));
}

static void
test_cids(void)
{
	struct xerr	 err;
	json_object	*v;
	unsigned char	 buf[8];
	char		 cid[CBOR_CID_MAX];
	size_t		 n;

	memset(&err, 0, sizeof(err));
	cbor_cid_raw((const unsigned char *)"", 0, cid);
	CHECK("cbor-9.1", strcmp(cid,
	    "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku") == 0);
	cbor_cid_raw((const unsigned char *)"hello world", 11, cid);
	CHECK("cbor-9.2", strcmp(cid,
	    "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e") == 0);
	CHECK("cbor-9.3", cbor_is_cid(cid));
	cbor_cid_dagcbor((const unsigned char *)"\xa0", 1, cid);
	CHECK("cbor-9.4", strcmp(cid,
	    "bafyreigbtj4x7ip5legnfznufuopl4sg4knzc2cof6duas4b3q2fy6swua") == 0);
	CHECK("cbor-9.5", cbor_is_cid(cid) && cbor_is_cid(test_cid));
	v = json_object_new_object();
	CHECK("cbor-9.6", cbor_record_cid(v, cid, &err) == 0 && strcmp(cid,
	    "bafyreigbtj4x7ip5legnfznufuopl4sg4knzc2cof6duas4b3q2fy6swua") == 0);
	json_object_object_add(v, "a", json_object_new_double(1.5));
	CHECK("cbor-9.7", cbor_record_cid(v, cid, &err) == -1 &&
	    cid[0] == '\0' && err.status == 400);
	json_object_put(v);
	CHECK("cbor-9.8", cbor_base64_decode("AQID", 4, buf, &n) == 0 &&
	    n == 3 && memcmp(buf, "\1\2\3", 3) == 0);
	CHECK("cbor-9.9", cbor_base64_decode("+/8", 3, buf, &n) == 0 &&
	    n == 2 && buf[0] == 0xfb && buf[1] == 0xff);
	CHECK("cbor-9.10", cbor_base64_decode("AQ=", 3, buf, &n) == -1 &&
	    n == 0);
}

int
main(void)
{
	test_fixtures();
	test_keys();
	test_ints();
	test_values();
	test_special();
	test_refusals();
	test_bad_links();
	test_bad_bytes();
	test_cids();
	return unit_done("cbor");
}
