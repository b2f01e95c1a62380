/* atspace: ISC licence, see README.md. */
/*
 * The client-facing error object. Code that finds a problem records it
 * here once (HTTP status, XRPC error name, message) and returns -1; the
 * request loop turns it into {"error":NAME,"message":MSG}.
 */
#ifndef XERR_H
#define XERR_H

struct xerr {
	int		 status;	/* HTTP status, 0 when unset */
	const char	*name;		/* XRPC error name, static string */
	char		 msg[256];	/* human text, no internals */
};

/* Fills err (when not NULL) and returns -1, so callers can
 * "return xerr_set(...)". */
int	xerr_set(struct xerr *err, int status, const char *name,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Shorthands for the common cases; each returns -1. */
#define xerr_invalid(e, ...)	xerr_set((e), 400, "InvalidRequest", __VA_ARGS__)
#define xerr_internal(e)	xerr_set((e), 500, "InternalServerError", \
				    "internal error")

#endif
