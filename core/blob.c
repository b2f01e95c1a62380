/* atspace: ISC licence, see README.md. */
/*
 * Blobs in a space: rsvp.atmo.space.uploadBlob, getBlob and listBlobs,
 * the blob refs putRecord checks, and the orphan pass.
 *
 * Storage. The bytes live in cfg->blob_dir under their CID (CIDv1,
 * raw codec, sha2-256), one file for every space that uploaded the
 * same bytes; the metadata, one row per space, lives in SQLite. An
 * upload writes a temporary file, fsyncs it, and renames it into place
 * (then fsyncs the directory) while holding the database write lock,
 * and the orphan pass moves a file out of place under the same lock:
 * a file is never half written under its name, and an upload racing
 * the pass cannot lose its file. A crash can at worst leave a stray
 * temporary or ".gone." file behind, never a blob with wrong bytes.
 *
 * Serving. Bytes from users are served as what they are and nothing
 * more: the stored MIME type (from the configured allow-list), nosniff,
 * a sandbox CSP, and "attachment" for anything a browser would run or
 * render as a document. The worker adds Cache-Control: no-store; no
 * CORS header is sent.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "app.h"
#include "blob.h"
#include "cbor.h"
#include "config.h"
#include "cursor.h"
#include "db.h"
#include "input.h"
#include "invite.h"
#include "log.h"
#include "space.h"
#include "syntax.h"
#include "xerr.h"
#include "xrpc.h"

_Static_assert(BLOB_CID_MAX == CBOR_CID_MAX, "blob.h and cbor.h agree");

#define BLOB_PATH_MAX		4096
#define BLOB_COLLECT_MAX	1000	/* rows per pass; the rest next time */
#define BLOB_MAINT_NAME		"blobs"
#define BLOB_GONE_PREFIX	".gone."

/* Blob references. */

/* Adds cid to refs unless there already. */
static int
blob_refs_add(struct blob_refs *refs, const char *cid, struct xerr *err)
{
	char	(*grown)[BLOB_CID_MAX];
	size_t	 i, cap;

	for (i = 0; i < refs->n; i++)
		if (strcmp(refs->cid[i], cid) == 0)
			return 0;
	if (refs->n == refs->cap) {
		cap = refs->cap == 0 ? 4 : refs->cap * 2;
		if ((grown = reallocarray(refs->cid, cap,
		    sizeof(*grown))) == NULL)
			return xerr_internal(err);
		refs->cid = grown;
		refs->cap = cap;
	}
	snprintf(refs->cid[refs->n++], BLOB_CID_MAX, "%s", cid);
	return 0;
}

/* Checks and adds the blob ref o, an object whose $type is "blob". */
static int
blob_ref_add(json_object *o, struct blob_refs *refs, struct xerr *err)
{
	json_object	*ref, *link;
	const char	*cid;

	if (!json_object_object_get_ex(o, "ref", &ref) ||
	    !json_object_is_type(ref, json_type_object) ||
	    !json_object_object_get_ex(ref, "$link", &link) ||
	    !json_object_is_type(link, json_type_string))
		return xerr_invalid(err, "a blob ref needs ref: {\"$link\":"
		    " CID}");
	cid = json_object_get_string(link);
	if (!cbor_is_cid(cid) || strlen(cid) >= BLOB_CID_MAX)
		return xerr_invalid(err, "a blob ref's $link is not a CID");
	return blob_refs_add(refs, cid, err);
}

int
blob_refs_collect_or_err(json_object *v, struct blob_refs *refs,
    struct xerr *err)
{
	json_object	*type;
	size_t		 i, n;

	if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (blob_refs_collect_or_err(
			    json_object_array_get_idx(v, i), refs, err) == -1)
				return -1;
		return 0;
	}
	if (!json_object_is_type(v, json_type_object))
		return 0;
	if (json_object_object_get_ex(v, "$type", &type) &&
	    json_object_is_type(type, json_type_string) &&
	    strcmp(json_object_get_string(type), "blob") == 0)
		return blob_ref_add(v, refs, err);
	json_object_object_foreach(v, key, val) {
		(void)key;
		if (blob_refs_collect_or_err(val, refs, err) == -1)
			return -1;
	}
	return 0;
}

void
blob_refs_release(struct blob_refs *refs)
{
	free(refs->cid);
	memset(refs, 0, sizeof(*refs));
}

/* Files. */

/* Writes blob_dir/<prefix><cid> into buf; -1 if it does not fit. */
static int
blob_path(const struct app *app, const char *prefix, const char *cid,
    char buf[BLOB_PATH_MAX])
{
	int	 n;

	n = snprintf(buf, BLOB_PATH_MAX, "%s/%s%s", app->cfg->blob_dir,
	    prefix, cid);
	return n < 0 || n >= BLOB_PATH_MAX ? -1 : 0;
}

/* The client error for a failed file operation; errno is kept. */
static int
blob_io_err(const char *what, const char *path, struct xerr *err)
{
	int	 saved = errno;

	log_error("%s: %s: %s", what, path, strerror(saved));
	errno = saved;
	if (saved == ENOSPC || saved == EDQUOT)
		return xerr_set(err, 503, "NotEnoughResources",
		    "no space left to store the blob");
	return xerr_internal(err);
}

/* Makes the blob directory if missing (the parent must exist). */
static int
blob_dir_or_err(const struct app *app, struct xerr *err)
{
	if (mkdir(app->cfg->blob_dir, 0750) == -1 && errno != EEXIST)
		return blob_io_err("blob_dir_or_err: mkdir",
		    app->cfg->blob_dir, err);
	return 0;
}

/* fsyncs the blob directory, so that a rename in it is durable. */
static int
blob_dir_sync_or_err(const struct app *app, struct xerr *err)
{
	int	 fd, rc;

	if ((fd = open(app->cfg->blob_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return blob_io_err("blob_dir_sync_or_err: open",
		    app->cfg->blob_dir, err);
	rc = fsync(fd);
	close(fd);
	if (rc == -1)
		return blob_io_err("blob_dir_sync_or_err: fsync",
		    app->cfg->blob_dir, err);
	return 0;
}

/*
 * Writes buf[0..len) to a fresh temporary file in the blob directory
 * and fsyncs it; its path goes into tmp. Returns 0, or -1 with err set
 * and no file left behind.
 */
static int
blob_write_tmp_or_err(const struct app *app, const char *buf, size_t len,
    char tmp[BLOB_PATH_MAX], struct xerr *err)
{
	static unsigned	 serial;
	size_t		 off;
	ssize_t		 n;
	int		 fd = -1, rc = -1;

	snprintf(tmp, BLOB_PATH_MAX, "%s/.tmp.%ld.%u", app->cfg->blob_dir,
	    (long)getpid(), serial++);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0640)) == -1) {
		blob_io_err("blob_write_tmp_or_err: open", tmp, err);
		return -1;
	}
	for (off = 0; off < len; off += (size_t)n)
		if ((n = write(fd, buf + off, len - off)) == -1) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			blob_io_err("blob_write_tmp_or_err: write", tmp, err);
			goto out;
		}
	if (fsync(fd) == -1) {
		blob_io_err("blob_write_tmp_or_err: fsync", tmp, err);
		goto out;
	}
	rc = 0;
out:
	if (close(fd) == -1 && rc == 0) {
		blob_io_err("blob_write_tmp_or_err: close", tmp, err);
		rc = -1;
	}
	if (rc == -1)
		unlink(tmp);
	return rc;
}

/*
 * Stores the bytes of b (cid, mime_type, size, author set) and its
 * row: the temporary file is renamed into place inside the write
 * transaction. Returns 0, or -1 with err set.
 */
static int
blob_store_or_err(struct app *app, const struct db_blob *b,
    const char *buf, int64_t now, struct xerr *err)
{
	char	 tmp[BLOB_PATH_MAX], path[BLOB_PATH_MAX];
	int	 placed = 0;

	if (blob_path(app, "", b->cid, path) == -1)
		return xerr_internal(err);
	if (blob_dir_or_err(app, err) == -1 ||
	    blob_write_tmp_or_err(app, buf, (size_t)b->size, tmp, err) == -1)
		return -1;
	if (db_txn_begin(app->db, err) == -1)
		goto fail;
	if (rename(tmp, path) == -1) {
		blob_io_err("blob_store_or_err: rename", path, err);
		goto fail;
	}
	placed = 1;
	if (blob_dir_sync_or_err(app, err) == -1 ||
	    db_blob_put(app->db, b, now, err) != DB_OK ||
	    db_txn_commit(app->db, err) == -1)
		goto fail;
	return 0;
fail:
	/*
	 * A placed file holds the right bytes whatever happened, and may
	 * be another space's: leave it. It is removed with the CID's
	 * last row, or stays as a stray file if there never is one.
	 */
	db_txn_rollback(app->db);
	if (!placed)
		unlink(tmp);
	return -1;
}

/* MIME types. */

/*
 * Normalises the Content-Type ct into mime (type/subtype, lower case,
 * parameters dropped) and checks it against blob_types. Returns 0, or
 * -1 with 400 InvalidMimeType.
 */
static int
blob_mime_or_err(const struct app *app, const char *ct, char *mime,
    size_t mimesz, struct xerr *err)
{
	const char	*p, *e;
	size_t		 n, i;

	if (ct == NULL)
		return xerr_set(err, 400, "InvalidMimeType",
		    "a Content-Type is required");
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= mimesz)
		return xerr_set(err, 400, "InvalidMimeType",
		    "the Content-Type is not a MIME type");
	for (i = 0; i < n; i++)
		mime[i] = (char)(ct[i] >= 'A' && ct[i] <= 'Z' ?
		    ct[i] - 'A' + 'a' : ct[i]);
	mime[n] = '\0';
	for (p = app->cfg->blob_types; ; p = e + 1) {
		e = strchr(p, ',');
		if ((size_t)(e == NULL ? strlen(p) : (size_t)(e - p)) == n &&
		    strncmp(p, mime, n) == 0)
			return 0;
		if (e == NULL)
			break;
	}
	return xerr_set(err, 400, "InvalidMimeType",
	    "blobs of this MIME type are not accepted here");
}

/*
 * Predicate: a browser shows mime without running or rendering a
 * document: images other than SVG, audio, video. Everything else,
 * HTML, SVG, XML, scripts, PDF and types we do not know, is served as
 * an attachment.
 */
static int
blob_is_passive(const char *mime)
{
	if (strncmp(mime, "image/", 6) == 0)
		return strstr(mime, "svg") == NULL &&
		    strstr(mime, "xml") == NULL;
	return strncmp(mime, "audio/", 6) == 0 ||
	    strncmp(mime, "video/", 6) == 0;
}

/* Handlers. */

/* Returns a new blobInfo (rsvp.atmo.space.defs), or NULL. */
static json_object *
blob_info(const struct db_blob *b)
{
	json_object	*v;

	if ((v = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(v, "cid", json_object_new_string(b->cid));
	json_object_object_add(v, "mimeType",
	    json_object_new_string(b->mime_type));
	json_object_object_add(v, "size", json_object_new_int64(b->size));
	json_object_object_add(v, "authorDid",
	    json_object_new_string(b->author));
	json_object_object_add(v, "createdAt",
	    json_object_new_int64(b->created_at));
	return v;
}

/* Returns a new {"blob": <atproto blob ref>}, or NULL. */
static json_object *
blob_ref_output(const char *cid, const char *mime, int64_t size)
{
	json_object	*o, *blob, *ref;

	o = json_object_new_object();
	blob = json_object_new_object();
	ref = json_object_new_object();
	if (o == NULL || blob == NULL || ref == NULL) {
		json_object_put(o);
		json_object_put(blob);
		json_object_put(ref);
		return NULL;
	}
	json_object_object_add(ref, "$link", json_object_new_string(cid));
	json_object_object_add(blob, "$type", json_object_new_string("blob"));
	json_object_object_add(blob, "ref", ref);
	json_object_object_add(blob, "mimeType", json_object_new_string(mime));
	json_object_object_add(blob, "size", json_object_new_int64(size));
	json_object_object_add(o, "blob", blob);
	return o;
}

/* rsvp.atmo.space.uploadBlob: owner or member; raw body. */
int
blob_upload(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	struct db_blob	 b = { 0 };
	char		 mime[sizeof(c->res->type_buf)], cid[CBOR_CID_MAX];
	int		 rc;

	if (input_space_uri_or_err(c, "spaceUri", 1, &uri, err) == -1 ||
	    blob_mime_or_err(app, c->req->content_type, mime, sizeof(mime),
	    err) == -1)
		return -1;
	if (c->req->body_len == 0)
		return xerr_invalid(err, "the blob is empty");
	if (auth_require_or_err(app, c, err) == -1 ||
	    space_find_or_err(app, c, &uri, SPACE_MEMBER, &sp, err) == -1)
		return -1;
	cbor_cid_raw((const unsigned char *)c->req->body, c->req->body_len,
	    cid);
	b.space_id = sp.id;
	b.cid = cid;
	b.mime_type = mime;
	b.size = (int64_t)c->req->body_len;
	b.author = c->caller;
	b.created_at = c->now_ms;
	rc = blob_store_or_err(app, &b, c->req->body, c->now_ms, err);
	db_space_release(&sp);
	if (rc == -1)
		return -1;
	if ((*out = blob_ref_output(cid, mime, b.size)) == NULL)
		return xerr_internal(err);
	return 0;
}

/*
 * Reads the file of blob b, which must hold b->size bytes, into a
 * malloc'd *buf. Returns 0, or -1 with a 500: a row without its file
 * is this service's fault.
 */
static int
blob_read_or_err(const struct app *app, const struct db_blob *b,
    char **buf, struct xerr *err)
{
	char		 path[BLOB_PATH_MAX];
	size_t		 off, len = (size_t)b->size;
	ssize_t		 n;
	int		 fd = -1;

	*buf = NULL;
	if (blob_path(app, "", b->cid, path) == -1)
		return xerr_internal(err);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return blob_io_err("blob_read_or_err: open", path, err);
	if ((*buf = malloc(len == 0 ? 1 : len)) == NULL)
		goto fail;
	for (off = 0; off < len; off += (size_t)n) {
		n = read(fd, *buf + off, len - off);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			log_error("blob_read_or_err: %s: short file", path);
			goto fail;
		}
	}
	close(fd);
	return 0;
fail:
	close(fd);
	free(*buf);
	*buf = NULL;
	return xerr_internal(err);
}

/* Fills c->res with blob b's bytes and the headers described above. */
static int
blob_respond_or_err(struct app *app, struct call *c, const struct db_blob *b,
    struct xerr *err)
{
	struct xrpc_response *res = c->res;
	char		*body;

	if (strlen(b->mime_type) >= sizeof(res->type_buf))
		return xerr_internal(err);
	if (blob_read_or_err(app, b, &body, err) == -1)
		return -1;
	snprintf(res->type_buf, sizeof(res->type_buf), "%s", b->mime_type);
	snprintf(res->headers, sizeof(res->headers),
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: sandbox\r\n"
	    "ETag: \"%s\"\r\n"
	    "%s", b->cid, blob_is_passive(b->mime_type) ? "" :
	    "Content-Disposition: attachment\r\n");
	res->status = 200;
	res->content_type = res->type_buf;
	free(res->body);
	res->body = body;
	res->body_len = (size_t)b->size;
	c->raw = 1;
	return 0;
}

/* rsvp.atmo.space.getBlob: member, or a read grant of the space. */
int
blob_get(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	struct db_blob	 b;
	const char	*cid;
	enum db_result	 res;
	int		 rc;

	*out = NULL;
	if (input_space_uri_or_err(c, "spaceUri", 1, &uri, err) == -1 ||
	    input_param_or_err(c, "cid", INPUT_ANY, 1, &cid, err) == -1)
		return -1;
	if (!cbor_is_cid(cid))
		return xerr_invalid(err, "cid is not a CID");
	if (invite_read_or_err(app, c, &uri, &sp, err) == -1)
		return -1;
	res = db_blob_get(app->db, sp.id, cid, &b, err);
	db_space_release(&sp);
	if (res == DB_NOTFOUND)
		return xerr_set(err, 404, "NotFound", "blob not found");
	if (res != DB_OK)
		return -1;
	rc = blob_respond_or_err(app, c, &b, err);
	db_blob_release(&b);
	return rc;
}

/* db_blob_list callback: one blob's info per row, limit + 1 asked. */
static int
blob_page_add(void *arg, const struct db_blob *b)
{
	struct cursor_page	*pg = arg;

	if (cursor_page_full(pg))
		return 0;
	return cursor_page_add(pg, blob_info(b), b->created_at, b->id, NULL);
}

/* rsvp.atmo.space.listBlobs: members, newest first, paged. */
int
blob_list(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	struct db_cursor cur;
	struct cursor_page pg = { 0 };
	const char	*by, *lim, *cs;
	int		 limit, rc = -1;

	if (input_space_uri_or_err(c, "spaceUri", 1, &uri, err) == -1 ||
	    input_param_or_err(c, "byUser", INPUT_DID, 0, &by, err) == -1 ||
	    input_param_or_err(c, "limit", INPUT_ANY, 0, &lim, err) == -1 ||
	    cursor_limit_or_err(lim, &limit, err) == -1 ||
	    input_param_or_err(c, "cursor", INPUT_ANY, 0, &cs, err) == -1 ||
	    cursor_parse_or_err(cs, 0, &cur, err) == -1)
		return -1;
	if (auth_require_or_err(app, c, err) == -1 ||
	    space_find_or_err(app, c, &uri, SPACE_MEMBER, &sp, err) == -1)
		return -1;
	if (cursor_page_init(&pg, limit, 0, err) == -1 ||
	    db_blob_list(app->db, sp.id, by, &cur, limit + 1,
	    blob_page_add, &pg, err) != DB_OK ||
	    cursor_page_finish(&pg, "blobs", out) == -1)
		goto out;
	rc = 0;
out:
	cursor_page_release(&pg);
	db_space_release(&sp);
	return rc;
}

/* Maintenance. */

/* The files the orphan pass moved aside in its transaction. */
struct blob_trash {
	const struct app *app;
	struct blob_refs moved;
	struct xerr	*err;
};

/*
 * db_blob_gone callback: moves the file of a CID no space holds any
 * more to its ".gone." name; a file already missing is fine.
 */
static int
blob_trash_add(void *arg, const char *cid)
{
	struct blob_trash	*t = arg;
	char			 from[BLOB_PATH_MAX], to[BLOB_PATH_MAX];

	if (blob_path(t->app, "", cid, from) == -1 ||
	    blob_path(t->app, BLOB_GONE_PREFIX, cid, to) == -1)
		return 0;
	if (rename(from, to) == -1) {
		if (errno == ENOENT)
			return 0;
		return blob_io_err("blob_trash_add: rename", from, t->err);
	}
	return blob_refs_add(&t->moved, cid, t->err);
}

/* After the pass: deletes the moved files, or puts them back. */
static void
blob_trash_finish(struct blob_trash *t, int committed)
{
	char	 from[BLOB_PATH_MAX], to[BLOB_PATH_MAX];
	size_t	 i;

	for (i = 0; i < t->moved.n; i++) {
		if (blob_path(t->app, "", t->moved.cid[i], to) == -1 ||
		    blob_path(t->app, BLOB_GONE_PREFIX, t->moved.cid[i],
		    from) == -1)
			continue;
		if (committed ? unlink(from) : rename(from, to))
			log_error("blob_trash_finish: %s: %s", from,
			    strerror(errno));
	}
	blob_refs_release(&t->moved);
}

void
blob_maintain(struct app *app, int64_t now_ms)
{
	static int64_t		 next;
	struct blob_trash	 t;
	struct xerr		 err = { 0 };
	int64_t			 interval, grace;
	int			 n = 0, committed = 0;

	interval = (int64_t)app->cfg->maint_interval * 1000;
	grace = (int64_t)app->cfg->blob_grace * 1000;
	if (now_ms < next)
		return;
	memset(&t, 0, sizeof(t));
	t.app = app;
	t.err = &err;
	/*
	 * Requests may be queued on this worker's other connections: when
	 * the database is busy, try again in a second rather than wait.
	 */
	switch (db_txn_try_begin(app->db, &err)) {
	case 0:
		break;
	case 1:
		next = now_ms + 1000;
		return;
	default:
		next = now_ms + interval;
		goto out;
	}
	next = now_ms + interval;
	switch (db_maint_claim(app->db, BLOB_MAINT_NAME, now_ms, interval,
	    &err)) {
	case DB_OK:
		break;
	case DB_EXISTS:
		committed = 1;	/* another worker's turn; nothing moved */
		goto out;
	default:
		goto out;
	}
	if (db_blob_collect(app->db, now_ms - grace, BLOB_COLLECT_MAX, &n,
	    &err) != DB_OK ||
	    db_blob_gone(app->db, blob_trash_add, &t, &err) != DB_OK ||
	    db_txn_commit(app->db, &err) == -1)
		goto out;
	committed = 1;
	if (n > 0 || t.moved.n > 0)
		log_info("blob maintenance rows=%d files=%zu", n, t.moved.n);
out:
	if (!committed)
		log_error("blob maintenance failed: %s", err.msg);
	db_txn_rollback(app->db);
	blob_trash_finish(&t, committed);
}
