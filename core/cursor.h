/* atspace: ISC licence, see README.md. */
/*
 * List paging: the limit parameter, the opaque cursor built from the
 * last row of a page (its time and a unique tie-breaker), and the page
 * a list handler fills from its db callback.
 */
#ifndef CURSOR_H
#define CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

struct db_cursor;
struct xerr;

#define CURSOR_LIMIT_DEFAULT	50
#define CURSOR_LIMIT_MAX	200

/*
 * One page of a list method. The handler asks the db for limit + 1
 * rows so that the extra one, never rendered, tells it a next page
 * exists; the cursor then names the limit-th row.
 */
struct cursor_page {
	json_object	*items;		/* owned until finish */
	struct xerr	*err;		/* borrowed; gets any 500 */
	int		 limit;
	int		 count;
	int		 more;		/* a row beyond the limit exists */
	int		 with_did;	/* tie-breaker is last_did */
	int64_t		 last_time;	/* of the last row added */
	int64_t		 last_id;
	char		 last_did[2049];
};

/* Limits and cursors */

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

/* Pages */

/*
 * Sets up pg for up to limit rows; with_did as for cursor_parse_or_err.
 * err must outlive pg. Returns 0, or -1 with a 500 (pg then holds
 * nothing, so cursor_page_release is still safe).
 */
int	cursor_page_init(struct cursor_page *pg, int limit, int with_did,
	    struct xerr *err);

/*
 * Asked by the db callback before it renders a row: returns 1, and
 * notes that a next page exists, once limit rows are in (the row at
 * hand is then the extra one); 0 while there is room.
 */
int	cursor_page_full(struct cursor_page *pg);

/*
 * Appends v, the rendered row, and remembers its time and tie-breaker
 * (did is read only with with_did, and copied). Takes v on every path,
 * so v may be NULL for a failed render. Returns 0, or -1 with a 500.
 */
int	cursor_page_add(struct cursor_page *pg, json_object *v,
	    int64_t time, int64_t id, const char *did);

/*
 * Sets *out to {key: items, "cursor": ...}, the cursor only when more
 * rows follow, and hands items over to it; key is copied. Returns 0
 * with *out the caller's to put, or -1 with a 500 and *out NULL (pg
 * keeps items for cursor_page_release).
 */
int	cursor_page_finish(struct cursor_page *pg, const char *key,
	    json_object **out);

/*
 * Puts the items pg still holds; safe after a failed init or finish,
 * or with pg NULL.
 */
void	cursor_page_release(struct cursor_page *pg);

#endif
