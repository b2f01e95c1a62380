/* atspace: ISC licence, see README.md. */
/*
 * List paging: the limit parameter and the opaque cursor built from
 * the last row of a page (its time and a unique tie-breaker).
 */
#ifndef CURSOR_H
#define CURSOR_H

#include <stddef.h>
#include <stdint.h>

struct db_cursor;
struct xerr;

#define CURSOR_LIMIT_DEFAULT	50
#define CURSOR_LIMIT_MAX	200

/* Parses limit (NULL: the default), an integer 1..200; -1 with a 400. */
int	cursor_limit_or_err(const char *s, int *limit, struct xerr *err);

/*
 * Parses cursor s (NULL: first page) into cur. with_did says whether
 * the tie-breaker is a DID (members) or a row id (records, spaces).
 * Returns 0, or -1 with a 400 for anything this service did not issue.
 */
int	cursor_parse_or_err(const char *s, int with_did,
	    struct db_cursor *cur, struct xerr *err);

/* Writes the cursor for a row into buf (did NULL: use id). */
void	cursor_format(char *buf, size_t bufsz, int64_t time, int64_t id,
	    const char *did);

#endif
