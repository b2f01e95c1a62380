/* atspace: ISC licence, see README.md. */
/* Spaces: the lookup and view shared by every space-scoped handler. */
#ifndef SPACE_H
#define SPACE_H

#include <stddef.h>

#include <json-c/json.h>

struct app;
struct call;
struct db_space;
struct space_uri;
struct xerr;

enum space_role {
	SPACE_ANYONE,		/* any authenticated caller */
	SPACE_MEMBER,		/* owner or member */
	SPACE_OWNER,
};

/*
 * Finds the space uri names and checks that c->caller holds role need.
 * Fills sp (release with db_space_release) and returns 0; -1 with 404
 * NotFound, 403 Forbidden or a database error otherwise (sp released).
 */
int	space_find_or_err(struct app *app, struct call *c,
	    const struct space_uri *uri, enum space_role need,
	    struct db_space *sp, struct xerr *err);

/* Writes a space's address in the configured scheme (at:// default). */
void	space_uri_format(const struct app *app, const struct db_space *sp,
	    char *buf, size_t bufsz);

/* Returns a new spaceView (appPolicy only for_owner); NULL if no memory. */
json_object	*space_view(const struct app *app, const struct db_space *sp,
		    int for_owner);

#endif
