/* atspace: ISC licence, see README.md. */
/*
 * Validators for the atproto string formats (atproto.com/specs): each
 * takes a NUL-terminated string and says whether it is well formed.
 * They never allocate and never look anything up.
 */
#ifndef SYNTAX_H
#define SYNTAX_H

#include <stddef.h>

/* Identifiers. */
int	syntax_is_did(const char *s);
int	syntax_is_handle(const char *s);
int	syntax_is_nsid(const char *s);
int	syntax_is_rkey(const char *s);
int	syntax_is_tid(const char *s);
int	syntax_is_cid(const char *s);
int	syntax_is_datetime(const char *s);
int	syntax_is_aturi(const char *s);		/* the general at-uri */

/*
 * A space address: at://<owner DID>/<type NSID>/<key rkey>, or the same
 * parts behind ats://. Nothing may follow the key (no query, fragment or
 * trailing slash). On success fills the three parts (NUL-terminated,
 * pointing into sp) and returns 0; returns -1 otherwise, with the parts
 * NULL. The three parts together may hold 2048 bytes at most.
 */
struct space_uri {
	char	 buf[2048 + 3];
	char	*owner;
	char	*type;
	char	*key;
	int	 alias;		/* 1 when written with ats:// */
};
int	space_uri_parse(const char *s, struct space_uri *sp);

#endif
