/* atspace: ISC licence, see README.md. */
/*
 * Strict JSON and the atproto data model. json-c parses leniently (it
 * keeps the last of duplicate keys, accepts floats), so bodies pass a
 * strict scan first, then json-c builds the tree.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

#include <json-c/json.h>

struct xerr;

#define JSON_MAX_DEPTH	32

/*
 * Parses buf[0..len) as exactly one JSON value: RFC 8259 grammar, valid
 * UTF-8, no duplicate keys in any object, nesting at most max_depth,
 * integers only (no fraction or exponent) within signed 64 bits, no
 * bytes after the value but white space. "-0", any fraction or
 * exponent, \u0000 and a bare top-level null (json-c's tree for it is
 * NULL) are refused. Returns the tree (one reference, the caller's to
 * put), or NULL with a 400 InvalidRequest in err naming what was wrong
 * (a 500 if memory ran out).
 */
json_object	*json_parse_strict(const char *buf, size_t len, int max_depth,
		    struct xerr *err);

/*
 * Checks that v is a record in the atproto data model: an object whose
 * "$type", when present, is a non-empty string; no null "$type"; blob
 * and link objects well formed ("$link" a CID string, "$bytes" base64);
 * no string with a NUL. what names the field in the message.
 * Returns 0, or -1 with a 400 InvalidRequest in err.
 */
int	json_check_record(json_object *v, const char *what, struct xerr *err);

#endif
