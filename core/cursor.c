/* atspace: ISC licence, see README.md. */
/*
 * Cursors are "<time>.<id>" or "<time>.<did>" in decimal: opaque to
 * clients, but strict here, since a cursor that parses loosely could
 * make a page skip or repeat rows. The page helpers own the shape every
 * list response shares; each handler keeps its row rendering.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "db.h"
#include "syntax.h"
#include "xerr.h"

/* Parses s[0..len) as a decimal in 0..INT64_MAX, no sign or padding. */
static int
cursor_int(const char *s, size_t len, int64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;

	if (len == 0 || len > 19 || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int
cursor_limit_or_err(const char *s, int *limit, struct xerr *err)
{
	int64_t	 v;

	*limit = CURSOR_LIMIT_DEFAULT;
	if (s == NULL)
		return 0;
	if (cursor_int(s, strlen(s), &v) == -1 || v < 1 ||
	    v > CURSOR_LIMIT_MAX)
		return xerr_invalid(err, "limit must be an integer from 1"
		    " to %d", CURSOR_LIMIT_MAX);
	*limit = (int)v;
	return 0;
}

int
cursor_parse_or_err(const char *s, int with_did, struct db_cursor *cur,
    struct xerr *err)
{
	const char	*dot;

	memset(cur, 0, sizeof(*cur));
	if (s == NULL)
		return 0;
	if ((dot = strchr(s, '.')) == NULL ||
	    cursor_int(s, (size_t)(dot - s), &cur->time) == -1)
		goto bad;
	dot++;
	if (with_did) {
		if (!syntax_is_did(dot) || strlen(dot) >= sizeof(cur->did))
			goto bad;
		memcpy(cur->did, dot, strlen(dot) + 1);
	} else if (cursor_int(dot, strlen(dot), &cur->id) == -1)
		goto bad;
	cur->set = 1;
	return 0;
bad:
	memset(cur, 0, sizeof(*cur));
	return xerr_invalid(err, "cursor is malformed");
}

void
cursor_format(char *buf, size_t bufsz, int64_t time, int64_t id,
    const char *did)
{
	if (did != NULL)
		snprintf(buf, bufsz, "%lld.%s", (long long)time, did);
	else
		snprintf(buf, bufsz, "%lld.%lld", (long long)time,
		    (long long)id);
}

int
cursor_page_init(struct cursor_page *pg, int limit, int with_did,
    struct xerr *err)
{
	memset(pg, 0, sizeof(*pg));
	pg->limit = limit;
	pg->with_did = with_did;
	pg->err = err;
	if ((pg->items = json_object_new_array()) == NULL)
		return xerr_internal(err);
	return 0;
}

int
cursor_page_full(struct cursor_page *pg)
{
	if (pg->count == pg->limit)
		pg->more = 1;
	return pg->more;
}

int
cursor_page_add(struct cursor_page *pg, json_object *v, int64_t time,
    int64_t id, const char *did)
{
	assert(pg->count < pg->limit);
	assert(!pg->with_did || did != NULL);
	if (v == NULL || json_object_array_add(pg->items, v) != 0) {
		json_object_put(v);
		return xerr_internal(pg->err);
	}
	pg->count++;
	pg->last_time = time;
	pg->last_id = id;
	if (pg->with_did)
		snprintf(pg->last_did, sizeof(pg->last_did), "%s", did);
	return 0;
}

int
cursor_page_finish(struct cursor_page *pg, const char *key,
    json_object **out)
{
	/* "<time>." and a DID of up to 2048 bytes. */
	char	 next[24 + sizeof(pg->last_did)];

	if ((*out = json_object_new_object()) == NULL)
		return xerr_internal(pg->err);
	json_object_object_add(*out, key, pg->items);
	pg->items = NULL;
	if (pg->more) {
		cursor_format(next, sizeof(next), pg->last_time, pg->last_id,
		    pg->with_did ? pg->last_did : NULL);
		json_object_object_add(*out, "cursor",
		    json_object_new_string(next));
	}
	return 0;
}

void
cursor_page_release(struct cursor_page *pg)
{
	if (pg == NULL)
		return;
	json_object_put(pg->items);
	pg->items = NULL;
}
