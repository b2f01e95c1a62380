/* atspace: ISC licence, see README.md. */
/*
 * Invites: rsvp.atmo.invite.create, list, revoke and redeem, and the
 * read grants that getSpace, getRecord, listRecords and getBlob take
 * instead of a JWT (invite_read_or_err). A token is 32 bytes from the
 * kernel's CSPRNG in base64url; only the hex SHA-256 of its text is
 * stored, and that hash is the invite's public name (tokenHash). Every
 * way a token can fail to redeem answers the same 400 InvalidInvite,
 * so an answer never tells an expired invite from a guessed one.
 * Tokens are never logged. Community-owned spaces (accessLevel) are
 * not hosted by atspace.
 */
#include <sys/random.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "app.h"
#include "cursor.h"
#include "db.h"
#include "input.h"
#include "invite.h"
#include "log.h"
#include "space.h"
#include "syntax.h"
#include "xerr.h"
#include "xrpc.h"

#define INVITE_TOKEN_BYTES	32	/* 256 bits */
#define INVITE_TOKEN_LEN	43	/* their base64url, unpadded */
#define INVITE_HASH_LEN		64	/* hex SHA-256 */
#define INVITE_NOTE_MAX		500	/* characters (code points) */
#define INVITE_BEARER		"atmo-invite:"

static const char invite_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Writes the unpadded base64url of in[0..len) and a NUL into out. */
static void
invite_b64url_encode(const unsigned char *in, size_t len, char *out)
{
	unsigned int	 v;
	size_t		 i;
	int		 bits = 0;

	v = 0;
	for (i = 0; i < len; i++) {
		v = (v << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			*out++ = invite_b64url[(v >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		*out++ = invite_b64url[(v << (6 - bits)) & 0x3f];
	*out = '\0';
}

/* Predicate: s has the shape of a token this service issues. */
static int
invite_is_token(const char *s)
{
	return strlen(s) == INVITE_TOKEN_LEN &&
	    strspn(s, invite_b64url) == INVITE_TOKEN_LEN;
}

/* Writes the lower-case hex SHA-256 of token's text into hash. */
static int
invite_hash(const char *token, char hash[INVITE_HASH_LEN + 1])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0, i;

	if (EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL) != 1
	    || n * 2 != INVITE_HASH_LEN)
		return -1;
	for (i = 0; i < n; i++)
		snprintf(hash + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/*
 * Makes a fresh token and its hash. getrandom(2) without flags blocks
 * only until the pool is first seeded, and never returns short for 32
 * bytes; the loop is for EINTR. Returns 0, or -1 with a 500.
 */
static int
invite_token_new(char token[INVITE_TOKEN_LEN + 1],
    char hash[INVITE_HASH_LEN + 1], struct xerr *err)
{
	unsigned char	 raw[INVITE_TOKEN_BYTES];
	ssize_t		 n;

	do
		n = getrandom(raw, sizeof(raw), 0);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(raw)) {
		log_warn("invite_token_new: getrandom");
		return xerr_internal(err);
	}
	invite_b64url_encode(raw, sizeof(raw), token);
	explicit_bzero(raw, sizeof(raw));
	if (invite_hash(token, hash) == -1) {
		log_error("invite_token_new: SHA-256 failed");
		return xerr_internal(err);
	}
	return 0;
}

/* The one answer for every token that does not redeem. */
static int
invite_invalid(struct xerr *err)
{
	return xerr_set(err, 400, "InvalidInvite",
	    "the invite is not valid");
}

/* Predicate: inv is current (not revoked, not expired) at now. */
static int
invite_is_current(const struct db_invite *inv, int64_t now)
{
	return inv->revoked_at == 0 &&
	    (inv->expires_at == 0 || now < inv->expires_at);
}

/* Fills sp with the space of an invite read by db_invite_get. */
static void
invite_space(const struct db_invite *inv, struct db_space *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->id = inv->space_id;
	snprintf(sp->owner, sizeof(sp->owner), "%s", inv->owner);
	snprintf(sp->type, sizeof(sp->type), "%s", inv->type);
	snprintf(sp->key, sizeof(sp->key), "%s", inv->key);
}

/*
 * Returns a new inviteView (rsvp.atmo.invite.defs) of inv in space sp,
 * or NULL if out of memory.
 */
static json_object *
invite_view(const struct app *app, const struct db_space *sp,
    const struct db_invite *inv)
{
	json_object	*v;
	char		 uri[3 * 2048];

	if ((v = json_object_new_object()) == NULL)
		return NULL;
	space_uri_format(app, sp, uri, sizeof(uri));
	json_object_object_add(v, "tokenHash",
	    json_object_new_string(inv->token_hash));
	json_object_object_add(v, "spaceUri", json_object_new_string(uri));
	json_object_object_add(v, "kind", json_object_new_string(inv->kind));
	json_object_object_add(v, "createdBy",
	    json_object_new_string(inv->created_by));
	json_object_object_add(v, "createdAt",
	    json_object_new_int64(inv->created_at));
	if (inv->expires_at != 0)
		json_object_object_add(v, "expiresAt",
		    json_object_new_int64(inv->expires_at));
	if (inv->max_uses != 0)
		json_object_object_add(v, "maxUses",
		    json_object_new_int64(inv->max_uses));
	json_object_object_add(v, "usedCount",
	    json_object_new_int64(inv->used_count));
	if (inv->revoked_at != 0)
		json_object_object_add(v, "revokedAt",
		    json_object_new_int64(inv->revoked_at));
	if (inv->note != NULL)
		json_object_object_add(v, "note",
		    json_object_new_string(inv->note));
	return v;
}

/*
 * Reads optional integer field name of the body into *v (0 if absent);
 * it must be an integer of at least min. Returns 0 or -1 with a 400.
 */
static int
invite_int_or_err(const struct call *c, const char *name, int64_t min,
    int64_t *v, struct xerr *err)
{
	json_object	*o;

	*v = 0;
	if (!json_object_object_get_ex(c->input, name, &o))
		return 0;
	if (!json_object_is_type(o, json_type_int) ||
	    (*v = json_object_get_int64(o)) < min)
		return xerr_invalid(err, "%s must be an integer of at least"
		    " %lld", name, (long long)min);
	return 0;
}

/* Counts the code points of a valid UTF-8 string. */
static size_t
invite_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Reads create's kind, expiresAt, maxUses and note into inv. */
static int
invite_fields_or_err(const struct call *c, struct db_invite *inv,
    struct xerr *err)
{
	const char	*kind, *note;

	if (json_object_object_get_ex(c->input, "accessLevel", NULL))
		return xerr_invalid(err, "accessLevel is for community-owned"
		    " spaces, which this service does not support");
	if (input_string_or_err(c, "kind", INPUT_ANY, 0, &kind, err) == -1 ||
	    input_string_or_err(c, "note", INPUT_ANY, 0, &note, err) == -1)
		return -1;
	if (kind == NULL)
		kind = "join";
	if (strcmp(kind, "join") != 0 && strcmp(kind, "read") != 0 &&
	    strcmp(kind, "read-join") != 0)
		return xerr_invalid(err, "kind must be join, read or"
		    " read-join");
	snprintf(inv->kind, sizeof(inv->kind), "%s", kind);
	if (note != NULL && invite_chars(note) > INVITE_NOTE_MAX)
		return xerr_invalid(err, "note is longer than %d characters",
		    INVITE_NOTE_MAX);
	inv->note = (char *)(uintptr_t)note;	/* borrowed from the body */
	if (invite_int_or_err(c, "maxUses", 1, &inv->max_uses, err) == -1 ||
	    invite_int_or_err(c, "expiresAt", 1, &inv->expires_at,
	    err) == -1)
		return -1;
	if (inv->expires_at != 0 && inv->expires_at <= c->now_ms)
		return xerr_invalid(err, "expiresAt must be in the future");
	return 0;
}

/* rsvp.atmo.invite.create: owner only; the token is shown this once. */
int
invite_create(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	struct db_invite inv;
	json_object	*view = NULL;
	char		 token[INVITE_TOKEN_LEN + 1];
	int		 rc = -1;

	memset(&inv, 0, sizeof(inv));
	if (input_space_uri_or_err(c, "spaceUri", 0, &uri, err) == -1 ||
	    invite_fields_or_err(c, &inv, err) == -1)
		return -1;
	if (auth_require_or_err(app, c, err) == -1 ||
	    space_find_or_err(app, c, &uri, SPACE_OWNER, &sp, err) == -1)
		return -1;
	inv.space_id = sp.id;
	snprintf(inv.created_by, sizeof(inv.created_by), "%s", c->caller);
	inv.created_at = c->now_ms;
	if (invite_token_new(token, inv.token_hash, err) == -1)
		goto out;
	switch (db_invite_create(app->db, &inv, err)) {
	case DB_OK:
		break;
	case DB_EXISTS:
		/* 2^-128 odds: a broken random source, not bad luck. */
		log_error("invite_create: token hash collision");
		xerr_internal(err);
		goto out;
	default:
		goto out;
	}
	if ((view = invite_view(app, &sp, &inv)) == NULL ||
	    (*out = json_object_new_object()) == NULL) {
		json_object_put(view);
		xerr_internal(err);
		goto out;
	}
	json_object_object_add(*out, "token", json_object_new_string(token));
	json_object_object_add(*out, "invite", view);
	rc = 0;
out:
	explicit_bzero(token, sizeof(token));
	db_space_release(&sp);
	return rc;
}

/* A list page and the space its invites are rendered against. */
struct invite_page {
	struct cursor_page pg;
	const struct app *app;
	const struct db_space *sp;
};

/* db_invite_list callback: one invite view per row, limit + 1 asked. */
static int
invite_page_add(void *arg, const struct db_invite *inv)
{
	struct invite_page	*ip = arg;

	if (cursor_page_full(&ip->pg))
		return 0;
	return cursor_page_add(&ip->pg, invite_view(ip->app, ip->sp, inv),
	    inv->created_at, inv->id, NULL);
}

/* Parses an optional boolean query parameter: true or false. */
static int
invite_bool_or_err(const struct call *c, const char *name, int *v,
    struct xerr *err)
{
	const char	*s;

	*v = 0;
	if (input_param_or_err(c, name, INPUT_ANY, 0, &s, err) == -1)
		return -1;
	if (s == NULL || strcmp(s, "false") == 0)
		return 0;
	if (strcmp(s, "true") == 0) {
		*v = 1;
		return 0;
	}
	return xerr_invalid(err, "%s must be true or false", name);
}

/* rsvp.atmo.invite.list: owner only, newest first, paged. */
int
invite_list(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_space	 sp;
	struct db_cursor cur;
	struct invite_page ip = { 0 };
	const char	*lim, *cs;
	int		 revoked, limit, rc = -1;

	if (input_space_uri_or_err(c, "spaceUri", 1, &uri, err) == -1 ||
	    invite_bool_or_err(c, "includeRevoked", &revoked, err) == -1 ||
	    input_param_or_err(c, "limit", INPUT_ANY, 0, &lim, err) == -1 ||
	    cursor_limit_or_err(lim, &limit, err) == -1 ||
	    input_param_or_err(c, "cursor", INPUT_ANY, 0, &cs, err) == -1 ||
	    cursor_parse_or_err(cs, 0, &cur, err) == -1)
		return -1;
	if (auth_require_or_err(app, c, err) == -1 ||
	    space_find_or_err(app, c, &uri, SPACE_OWNER, &sp, err) == -1)
		return -1;
	ip.app = app;
	ip.sp = &sp;
	if (cursor_page_init(&ip.pg, limit, 0, err) == -1 ||
	    db_invite_list(app->db, sp.id, revoked, &cur, limit + 1,
	    invite_page_add, &ip, err) != DB_OK ||
	    cursor_page_finish(&ip.pg, "invites", out) == -1)
		goto out;
	rc = 0;
out:
	cursor_page_release(&ip.pg);
	db_space_release(&sp);
	return rc;
}

/* Predicate: s is a tokenHash as invite_hash writes it. */
static int
invite_is_hash(const char *s)
{
	return strlen(s) == INVITE_HASH_LEN &&
	    strspn(s, "0123456789abcdef") == INVITE_HASH_LEN;
}

/*
 * rsvp.atmo.invite.revoke: only the owner of the invite's own space,
 * whatever spaceUri says; spaceUri, when given, must name that space.
 * Idempotent: a second revoke keeps the first time.
 */
int
invite_revoke(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct space_uri uri;
	struct db_invite inv;
	const char	*s, *hash;
	enum db_result	 res;

	if (input_string_or_err(c, "tokenHash", INPUT_ANY, 1, &hash,
	    err) == -1 ||
	    input_string_or_err(c, "spaceUri", INPUT_ANY, 0, &s, err) == -1 ||
	    (s != NULL && input_space_uri_parse_or_err("spaceUri", s, &uri,
	    err) == -1))
		return -1;
	if (!invite_is_hash(hash))
		return xerr_invalid(err, "tokenHash must be 64 lower-case hex"
		    " digits");
	if (auth_require_or_err(app, c, err) == -1)
		return -1;
	switch (db_invite_get(app->db, hash, &inv, err)) {
	case DB_OK:
		break;
	case DB_NOTFOUND:
		return xerr_set(err, 404, "NotFound", "invite not found");
	default:
		return -1;
	}
	db_invite_release(&inv);
	if (strcmp(inv.owner, c->caller) != 0)
		return xerr_set(err, 403, "Forbidden", "only the owner of the"
		    " invite's space may revoke it");
	if (s != NULL && (strcmp(uri.owner, inv.owner) != 0 ||
	    strcmp(uri.type, inv.type) != 0 || strcmp(uri.key, inv.key) != 0))
		return xerr_invalid(err, "spaceUri does not name the invite's"
		    " space");
	if (inv.revoked_at == 0) {
		res = db_invite_revoke(app->db, inv.id, c->now_ms, err);
		if (res != DB_OK)
			return -1;
	}
	if ((*out = json_object_new_object()) == NULL)
		return xerr_internal(err);
	json_object_object_add(*out, "ok", json_object_new_boolean(1));
	return 0;
}

/*
 * The redeem transaction: looks the invite up, checks it, adds the
 * caller. One BEGIN IMMEDIATE holds the write lock from the read of
 * used_count to its increment, so concurrent redeemers of a last use
 * are serialised and only one gets it. Returns 0 with inv filled
 * (release with db_invite_release), or -1 with err set.
 */
static int
invite_redeem_txn(struct app *app, struct call *c, const char *hash,
    struct db_invite *inv, struct xerr *err)
{
	enum db_result	 res;
	int		 is_member;

	if (db_txn_begin(app->db, err) == -1)
		return -1;
	res = db_invite_get(app->db, hash, inv, err);
	if (res == DB_NOTFOUND)
		invite_invalid(err);
	if (res != DB_OK)
		goto fail;
	if (strcmp(inv->kind, "read") == 0 ||
	    !invite_is_current(inv, c->now_ms)) {
		invite_invalid(err);
		goto fail;
	}
	if (db_member_is(app->db, inv->space_id, c->caller, &is_member,
	    err) != DB_OK)
		goto fail;
	if (!is_member) {
		if (inv->max_uses != 0 && inv->used_count >= inv->max_uses) {
			invite_invalid(err);
			goto fail;
		}
		if (db_member_join(app->db, inv->space_id, c->caller,
		    inv->created_by, c->now_ms, err) != DB_OK ||
		    db_invite_use(app->db, inv->id, err) != DB_OK)
			goto fail;
	}
	if (db_txn_commit(app->db, err) == -1)
		goto fail;
	return 0;
fail:
	db_txn_rollback(app->db);
	db_invite_release(inv);
	return -1;
}

/* rsvp.atmo.invite.redeem: any authenticated caller joins. */
int
invite_redeem(struct app *app, struct call *c, json_object **out,
    struct xerr *err)
{
	struct db_invite inv;
	struct db_space	 sp;
	const char	*token;
	char		 hash[INVITE_HASH_LEN + 1], uri[3 * 2048];

	if (input_string_or_err(c, "token", INPUT_ANY, 1, &token, err) == -1)
		return -1;
	if (!invite_is_token(token))
		return invite_invalid(err);
	if (auth_require_or_err(app, c, err) == -1)
		return -1;
	if (invite_hash(token, hash) == -1)
		return xerr_internal(err);
	if (invite_redeem_txn(app, c, hash, &inv, err) == -1)
		return -1;
	invite_space(&inv, &sp);
	space_uri_format(app, &sp, uri, sizeof(uri));
	if ((*out = json_object_new_object()) == NULL) {
		db_invite_release(&inv);
		return xerr_internal(err);
	}
	json_object_object_add(*out, "spaceUri", json_object_new_string(uri));
	json_object_object_add(*out, "kind", json_object_new_string(inv.kind));
	db_invite_release(&inv);
	return 0;
}

/*
 * Sets *token to the read-grant token of the call, or NULL when the
 * call carries none (a JWT, or nothing). Both forms at once are
 * refused, as is a query token next to any Authorization header.
 */
static int
invite_grant_token_or_err(const struct call *c, const char **token,
    struct xerr *err)
{
	const char	*auth = c->req->authorization, *q;

	*token = NULL;
	if (input_param_or_err(c, "inviteToken", INPUT_ANY, 0, &q, err) == -1)
		return -1;
	if (q != NULL && auth != NULL && *auth != '\0')
		return xerr_invalid(err, "give either inviteToken or an"
		    " Authorization header, not both");
	if (q != NULL) {
		*token = q;
		return 0;
	}
	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
		auth += 7;
		while (*auth == ' ')
			auth++;
		if (strncmp(auth, INVITE_BEARER, sizeof(INVITE_BEARER) -
		    1) == 0)
			*token = auth + sizeof(INVITE_BEARER) - 1;
	}
	return 0;
}

/*
 * Authenticates a read grant: token must name a current read or
 * read-join invite. Sets *space_id to its space; -1 with a 401.
 */
static int
invite_grant_or_err(struct app *app, const struct call *c,
    const char *token, int64_t *space_id, struct xerr *err)
{
	struct db_invite inv;
	char		 hash[INVITE_HASH_LEN + 1];
	enum db_result	 res;
	int		 ok;

	*space_id = 0;
	if (!invite_is_token(token) || invite_hash(token, hash) == -1)
		goto bad;
	if ((res = db_invite_get(app->db, hash, &inv, err)) == DB_ERROR)
		return -1;
	if (res == DB_NOTFOUND)
		goto bad;
	ok = strcmp(inv.kind, "join") != 0 && invite_is_current(&inv,
	    c->now_ms);
	*space_id = inv.space_id;
	db_invite_release(&inv);
	if (ok)
		return 0;
bad:
	*space_id = 0;
	return xerr_set(err, 401, "AuthenticationRequired",
	    "the invite token does not grant read access");
}

int
invite_read_or_err(struct app *app, struct call *c,
    const struct space_uri *uri, struct db_space *sp, struct xerr *err)
{
	const char	*token;
	int64_t		 space_id;

	memset(sp, 0, sizeof(*sp));
	if (invite_grant_token_or_err(c, &token, err) == -1)
		return -1;
	if (token == NULL) {
		if (auth_require_or_err(app, c, err) == -1)
			return -1;
		return space_find_or_err(app, c, uri, SPACE_MEMBER, sp, err);
	}
	if (invite_grant_or_err(app, c, token, &space_id, err) == -1 ||
	    space_find_or_err(app, c, uri, SPACE_ANYONE, sp, err) == -1)
		return -1;
	if (sp->id != space_id) {
		db_space_release(sp);
		return xerr_set(err, 403, "Forbidden",
		    "the invite is for another space");
	}
	return 0;
}
