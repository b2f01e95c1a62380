/* atspace: ISC licence, see README.md. */
/*
 * DID resolution: the #atproto signing key of a DID, from the shared
 * SQLite cache or fetched (did:plc from the PLC directory, did:web from
 * the host's /.well-known/did.json) with libcurl under a timeout.
 */
#ifndef IDENTITY_H
#define IDENTITY_H

#include <stddef.h>

struct config;
struct db;
struct pubkey;
struct xerr;
struct identity;

/* Returns NULL with a message in err on failure. */
struct identity	*identity_new(const struct config *cfg, struct db *db,
		    char *err, size_t errsz);
void		 identity_free(struct identity *id);

/*
 * Finds did's #atproto key. With fresh set the caches are skipped and
 * the document is fetched again (after a signature failed against a
 * cached key, in case the key rotated). *cached tells whether the key
 * came from a cache. Only documents that yield a key are cached.
 * Returns 0, or -1 with a 401 (or 503 for the database) in err.
 */
int	identity_key(struct identity *id, const char *did, int fresh,
	    struct pubkey *key, int *cached, struct xerr *err);

#endif
