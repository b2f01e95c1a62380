/* atspace: ISC licence, see README.md. */
/*
 * Blobs: the handlers (uploadBlob, getBlob, listBlobs) are listed in
 * app.h; this header holds what putRecord and the worker loop use.
 * Free of json-c and FastCGI types, so fcgi/worker.c may include it.
 */
#ifndef BLOB_H
#define BLOB_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct json_object;
struct xerr;

#define BLOB_CID_MAX	64	/* CBOR_CID_MAX */

/* The distinct blob CIDs a record references, in order of appearance. */
struct blob_refs {
	char	(*cid)[BLOB_CID_MAX];
	size_t	 n;
	size_t	 cap;
};

/* Blob references. */

/*
 * Collects every blob ref anywhere in rec: an object whose "$type" is
 * "blob" and whose "ref" is {"$link": CID}. A "$type": "blob" object
 * without such a ref is refused. Fills refs (release with
 * blob_refs_release, also after a failure) and returns 0, or -1 with
 * a 400 (500 if out of memory) in err.
 */
int	blob_refs_collect_or_err(struct json_object *rec,
	    struct blob_refs *refs, struct xerr *err);
void	blob_refs_release(struct blob_refs *refs);

/* Maintenance. */

/*
 * The orphan pass: removes the blobs that no record references and
 * that were last uploaded more than blob_grace seconds before now_ms,
 * rows and then files (a file stays while another space holds the same
 * bytes). Cheap to call often: it runs at most once per maint_interval
 * in this process, and across workers only in the one that claims the
 * interval inside a write transaction. Call it between requests, never
 * under one. Failures are logged and retried at the next interval.
 */
void	blob_maintain(struct app *app, int64_t now_ms);

#endif
