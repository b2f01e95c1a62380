/* atspace: ISC licence, see README.md. */
/*
 * Invites (rsvp.atmo.invite.*): the handlers are listed in app.h; this
 * header holds what other handlers share, the read-grant check.
 */
#ifndef INVITE_H
#define INVITE_H

struct app;
struct call;
struct db_space;
struct space_uri;
struct xerr;

/*
 * Read access to the space uri names, for getSpace, getRecord,
 * listRecords and getBlob. The caller is either a member, proved by a
 * service-auth JWT (c->caller set), or the holder of a read or
 * read-join invite of that same space, given as the inviteToken query
 * parameter or as "Authorization: Bearer atmo-invite:<token>" (c->caller
 * stays empty); a grant spends no use. Keeps the order:
 * authenticate (401), find (404), authorize (403). Fills sp (release
 * with db_space_release) and returns 0, or -1 with err set and sp
 * released.
 */
int	invite_read_or_err(struct app *app, struct call *c,
	    const struct space_uri *uri, struct db_space *sp,
	    struct xerr *err);

#endif
