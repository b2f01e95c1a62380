/* atspace: ISC licence, see README.md. */
/*
 * libFuzzer target for the whole request path inside the core: routing
 * and prechecks (xrpc_precheck), query parsing, body parsing and every
 * handler, against a real SQLite database in a temporary directory.
 * This file includes core/xrpc.c to reach its method table, so a method
 * added there is fuzzed without touching this file.
 *
 * Two callers, A and B, are signed in with real ES256K tokens whose
 * DID documents sit in the database's DID cache; nothing goes to the
 * network (the PLC URL is a closed loopback port). An input is
 *
 *	byte 0	method: index into xrpc_methods, or a path from input
 *	byte 1	bits 0-1 caller (none, A, B, token text from input),
 *		bit 2 the other HTTP method, bit 3 the input's content
 *		type, bit 4 no Content-Length
 *	then	query '\n' [path '\n'] [token '\n'] [type '\n'] body
 *
 * A 500 is a finding: client input must never reach "internal error".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>
#include <secp256k1.h>
#include <sqlite3.h>

#include "../../core/xrpc.c"
#include "jwt.h"
#include "multibase.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SERVICE	"did:web:spaces.example.com"
#define FUZZ_NMETHODS	(sizeof(xrpc_methods) / sizeof(xrpc_methods[0]))
#define FUZZ_TOKEN_MAX	1024

struct fuzz_caller {
	const char	*did;
	unsigned char	 seckey[32];
	char		*token[FUZZ_NMETHODS];	/* "Bearer ...", by method */
};

static struct config	 fuzz_cfg;
static char		 fuzz_dir[] = "/tmp/atspace-fuzz.XXXXXX";
static struct app	*fuzz_app;
static struct fuzz_caller fuzz_callers[2] = {
	{ "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", { 1, 2, 3, 4, 5, 6, 7, 8,
	    9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
	    25, 26, 27, 28, 29, 30, 31, 32 }, { NULL } },
	{ "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb", { 32, 31, 30, 29, 28, 27, 26,
	    25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10,
	    9, 8, 7, 6, 5, 4, 3, 2, 1 }, { NULL } },
};

static void
fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz_xrpc: %s\n", what);
	exit(1);
}

/* Returns a malloc'd "Bearer <jwt>" from caller for nsid. */
static char *
fuzz_mint(secp256k1_context *ctx, const struct fuzz_caller *fc,
    const char *nsid)
{
	secp256k1_ecdsa_signature sig;
	unsigned char	 hash[32], raw[64];
	char		 hdr[64], pay[512], body[1024], b64[96];
	char		*out;
	size_t		 n;
	long long	 now = (long long)time(NULL);

	if (jwt_b64url_encode((const unsigned char *)
	    "{\"alg\":\"ES256K\",\"typ\":\"JWT\"}", 28, hdr, sizeof(hdr)) == -1)
		fuzz_die("encode header");
	snprintf(body, sizeof(body), "{\"iss\":\"%s\",\"aud\":\"%s\","
	    "\"lxm\":\"%s\",\"iat\":%lld,\"exp\":%lld}", fc->did,
	    FUZZ_SERVICE, nsid, now, now + 30LL * 86400);
	if (jwt_b64url_encode((const unsigned char *)body, strlen(body), pay,
	    sizeof(pay)) == -1)
		fuzz_die("encode payload");
	n = (size_t)snprintf(body, sizeof(body), "%s.%s", hdr, pay);
	SHA256((const unsigned char *)body, n, hash);
	if (!secp256k1_ecdsa_sign(ctx, &sig, hash, fc->seckey, NULL, NULL))
		fuzz_die("sign");
	secp256k1_ecdsa_signature_serialize_compact(ctx, raw, &sig);
	if (jwt_b64url_encode(raw, sizeof(raw), b64, sizeof(b64)) == -1)
		fuzz_die("encode signature");
	if (asprintf(&out, "Bearer %s.%s", body, b64) == -1)
		fuzz_die("out of memory");
	return out;
}

/* Stores fc's DID document (a Multikey) in the DID cache of db. */
static void
fuzz_cache_doc(secp256k1_context *ctx, sqlite3 *db,
    const struct fuzz_caller *fc)
{
	secp256k1_pubkey pub;
	unsigned char	 mc[2 + 33] = { 0xe7, 0x01 };
	size_t		 n = 33;
	char		 mk[MULTIBASE_MAX], *doc = NULL, *sql = NULL;

	if (!secp256k1_ec_pubkey_create(ctx, &pub, fc->seckey) ||
	    !secp256k1_ec_pubkey_serialize(ctx, mc + 2, &n, &pub,
	    SECP256K1_EC_COMPRESSED) ||
	    multibase_encode(mc, sizeof(mc), mk, sizeof(mk)) == -1)
		fuzz_die("public key");
	if (asprintf(&doc, "{\"id\":\"%s\",\"verificationMethod\":[{\"id\":"
	    "\"%s#atproto\",\"type\":\"Multikey\",\"controller\":\"%s\","
	    "\"publicKeyMultibase\":\"%s\"}]}", fc->did, fc->did, fc->did,
	    mk) == -1 || (sql = sqlite3_mprintf("INSERT OR REPLACE INTO"
	    " did_cache VALUES (%Q, %Q, %lld)", fc->did, doc,
	    (long long)app_now_ms() + 365LL * 86400 * 1000)) == NULL)
		fuzz_die("out of memory");
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fuzz_die(sqlite3_errmsg(db));
	sqlite3_free(sql);
	free(doc);
}

/* Removes the temporary database at exit, unless FUZZ_KEEP is set. */
static void
fuzz_cleanup(void)
{
	static const char *const files[] = { "", "-wal", "-shm" };
	char		 path[sizeof(fuzz_dir) + 32];
	size_t		 i;

	if (getenv("FUZZ_KEEP") != NULL)
		return;
	app_close(fuzz_app);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/atspace.sqlite%s", fuzz_dir,
		    files[i]);
		unlink(path);
	}
	rmdir(fuzz_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	secp256k1_context *ctx;
	sqlite3		*db = NULL;
	char		 err[256];
	size_t		 i, j;

	(void)argc;
	(void)argv;
	if (mkdtemp(fuzz_dir) == NULL)
		fuzz_die("mkdtemp");
	atexit(fuzz_cleanup);
	config_init(&fuzz_cfg);
	free(fuzz_cfg.db_path);
	free(fuzz_cfg.plc_url);
	if (asprintf(&fuzz_cfg.db_path, "%s/atspace.sqlite", fuzz_dir) == -1)
		fuzz_die("out of memory");
	fuzz_cfg.service_did = strdup(FUZZ_SERVICE);
	fuzz_cfg.plc_url = strdup("http://127.0.0.1:9");
	fuzz_cfg.http_timeout_ms = 200;
	fuzz_cfg.durability = CONFIG_DURABILITY_NORMAL;
	log_init(LOG_LEVEL_ERROR);
	if (app_migrate(&fuzz_cfg, err, sizeof(err)) == -1)
		fuzz_die(err);
	ctx = secp256k1_context_create(SECP256K1_CONTEXT_SIGN);
	if (sqlite3_open(fuzz_cfg.db_path, &db) != SQLITE_OK)
		fuzz_die("open database");
	for (i = 0; i < 2; i++) {
		fuzz_cache_doc(ctx, db, &fuzz_callers[i]);
		for (j = 0; j < FUZZ_NMETHODS; j++)
			fuzz_callers[i].token[j] = fuzz_mint(ctx,
			    &fuzz_callers[i], xrpc_methods[j].nsid);
	}
	sqlite3_close(db);
	secp256k1_context_destroy(ctx);
	if ((fuzz_app = app_open(&fuzz_cfg, err, sizeof(err))) == NULL)
		fuzz_die(err);
	fprintf(stderr, "fuzz_xrpc: database %s (FUZZ_KEEP=1 keeps it)\n",
	    fuzz_cfg.db_path);
	return 0;
}

/* Cuts the next '\n'-terminated field off *p; returns it, NUL-ended. */
static char *
fuzz_field(char **p, char *end)
{
	char	*s = *p, *nl;

	if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL) {
		*p = end;
		return s;	/* end[0] is the buffer's NUL */
	}
	*nl = '\0';
	*p = nl + 1;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct xrpc_method *m = NULL;
	struct xrpc_request	 req;
	struct xrpc_response	 res;
	size_t			 limit = 0, sel;
	char			*buf, *p, *end, *path = NULL, *auth = NULL;
	char			 pathbuf[160];
	int			 flags, who;

	if (size < 2)
		return 0;
	sel = data[0] % (FUZZ_NMETHODS + 1);
	flags = data[1];
	if ((buf = malloc(size - 2 + 1)) == NULL)
		return 0;
	memcpy(buf, data + 2, size - 2);
	end = buf + size - 2;
	*end = '\0';
	p = buf;
	memset(&req, 0, sizeof(req));
	req.request_id = "fuzz";
	req.query = fuzz_field(&p, end);
	if (sel == FUZZ_NMETHODS)
		path = fuzz_field(&p, end);
	else {
		m = &xrpc_methods[sel];
		snprintf(pathbuf, sizeof(pathbuf), "/xrpc/%s", m->nsid);
		path = pathbuf;
	}
	who = flags & 3;
	if (who == 3)
		auth = fuzz_field(&p, end);
	else if (who != 0 && m != NULL)
		auth = fuzz_callers[who - 1].token[sel];
	req.path = path;
	req.authorization = auth;
	req.content_type = (flags & 8) ? fuzz_field(&p, end) :
	    "application/json";
	req.body = p;
	req.body_len = (size_t)(end - p);
	req.content_length = (flags & 16) ? -1 : (long long)req.body_len;
	if (m == NULL || m->kind == XRPC_QUERY)
		req.method = (flags & 4) ? "POST" : "GET";
	else
		req.method = (flags & 4) ? "GET" : "POST";
	if (xrpc_precheck(fuzz_app, &req, &limit, &res) == 0) {
		/* As the worker does: read at most one byte past limit. */
		if (req.body_len > limit + 1)
			req.body_len = limit + 1;
		xrpc_response_release(&res);
		xrpc_serve(fuzz_app, &req, &res);
	}
	/* FUZZ_VERBOSE=1 shows each answer, to see what seeds reach. */
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s %s -> %d %.*s\n", req.method, req.path,
		    res.status, (int)(res.body_len > 300 ? 300 : res.body_len),
		    res.body != NULL ? res.body : "");
	if (res.status < 200 || res.status > 599 || res.status == 500)
		abort();
	if (res.body == NULL && res.status != 200)
		abort();
	xrpc_response_release(&res);
	free(buf);
	return 0;
}
