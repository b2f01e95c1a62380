/* atspace: ISC licence, see README.md. */
/*
 * Cursors are "<time>.<id>" or "<time>.<did>" in decimal: opaque to
 * clients, but strict here, since a cursor that parses loosely could
 * make a page skip or repeat rows.
 */
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
