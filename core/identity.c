/* atspace: ISC licence, see README.md. */
/*
 * DID documents. This file owns the HTTP client (one libcurl handle
 * per worker, so connections to the PLC directory are reused) and the
 * cache policy: a document is trusted for did_cache_ttl seconds, and
 * only a document that parsed into a usable key is ever stored, so a
 * garbage answer cannot poison the cache.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "identity.h"
#include "jwt.h"
#include "log.h"
#include "metrics.h"
#include "syntax.h"
#include "xerr.h"

#define IDENTITY_DOC_MAX	(64 * 1024)	/* a DID document is small */
#define IDENTITY_MEM_SLOTS	64		/* keys kept in memory */
#define IDENTITY_MEM_TTL	300		/* seconds, at most */

/*
 * Keys this worker used lately, so that a request does not read and
 * parse the document from SQLite: trusted for the shorter of
 * did_cache_ttl and IDENTITY_MEM_TTL from when they were loaded.
 */
struct identity_mem {
	char		 did[2049];
	struct pubkey	 key;
	int64_t		 until;		/* ms */
};

struct identity {
	const struct config	*cfg;
	struct db		*db;
	CURL			*curl;
	struct identity_mem	 mem[IDENTITY_MEM_SLOTS];
};

static struct identity_mem *
identity_mem_slot(struct identity *id, const char *did)
{
	uint32_t	 h = 2166136261u;	/* FNV-1a */

	for (; *did != '\0'; did++)
		h = (h ^ (unsigned char)*did) * 16777619u;
	return &id->mem[h % IDENTITY_MEM_SLOTS];
}

static void
identity_mem_put(struct identity *id, const char *did,
    const struct pubkey *key, int64_t now)
{
	struct identity_mem	*m = identity_mem_slot(id, did);
	int64_t			 ttl = id->cfg->did_cache_ttl;

	if (ttl > IDENTITY_MEM_TTL)
		ttl = IDENTITY_MEM_TTL;
	snprintf(m->did, sizeof(m->did), "%s", did);
	m->key = *key;
	m->until = now + ttl * 1000;
}

struct identity_buf {
	char	*data;
	size_t	 len;
	int	 too_big;
};

static size_t
identity_write(char *ptr, size_t size, size_t n, void *arg)
{
	struct identity_buf	*b = arg;
	size_t			 len = size * n;
	char			*p;

	if (b->len + len > IDENTITY_DOC_MAX) {
		b->too_big = 1;
		return 0;	/* makes curl fail the transfer */
	}
	if ((p = realloc(b->data, b->len + len + 1)) == NULL)
		return 0;
	memcpy(p + b->len, ptr, len);
	b->data = p;
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/*
 * Writes the document URL for did into url. did:plc goes to the PLC
 * directory; did:web:<host> to https://<host>/.well-known/did.json
 * (plain http only for localhost, for development). Returns -1 for
 * methods atspace cannot resolve.
 */
static int
identity_url(const struct identity *id, const char *did, char *url,
    size_t urlsz, struct xerr *err)
{
	const char	*host, *scheme;
	char		 h[256];
	size_t		 i, j;

	if (strncmp(did, "did:plc:", 8) == 0) {
		snprintf(url, urlsz, "%s/%s", id->cfg->plc_url, did);
		return 0;
	}
	if (strncmp(did, "did:web:", 8) != 0)
		return xerr_set(err, 401, "BadJwtIss",
		    "unsupported DID method (did:plc and did:web only)");
	host = did + 8;
	for (i = j = 0; host[i] != '\0' && j + 1 < sizeof(h); i++) {
		if (strncmp(host + i, "%3A", 3) == 0 ||
		    strncmp(host + i, "%3a", 3) == 0) {
			h[j++] = ':';
			i += 2;
		} else if (host[i] == ':' || host[i] == '%' || host[i] == '/')
			return xerr_set(err, 401, "BadJwtIss",
			    "did:web with a path is not supported");
		else
			h[j++] = host[i];
	}
	h[j] = '\0';
	scheme = strncmp(h, "localhost", 9) == 0 &&
	    (h[9] == '\0' || h[9] == ':') ? "http" : "https";
	snprintf(url, urlsz, "%s://%s/.well-known/did.json", scheme, h);
	return 0;
}

/* Fetches url into b; returns -1 with a 401 naming what went wrong. */
static int
identity_fetch(struct identity *id, const char *url, struct identity_buf *b,
    struct xerr *err)
{
	long		 code = 0;
	CURLcode	 rc;

	curl_easy_setopt(id->curl, CURLOPT_URL, url);
	curl_easy_setopt(id->curl, CURLOPT_WRITEDATA, b);
	rc = curl_easy_perform(id->curl);
	if (rc != CURLE_OK) {
		log_warnx("fetch DID document failed url=%s reason=\"%s\"",
		    url, curl_easy_strerror(rc));
		/*
		 * CURLOPT_MAXFILESIZE refuses a declared Content-Length
		 * before any byte reaches identity_write.
		 */
		if (b->too_big || rc == CURLE_FILESIZE_EXCEEDED)
			return xerr_set(err, 401, "AuthenticationRequired",
			    "could not resolve iss did: document too large");
		return xerr_set(err, 401, "AuthenticationRequired",
		    "could not resolve iss did: %s",
		    rc == CURLE_OPERATION_TIMEDOUT ? "directory timed out" :
		    "directory unreachable");
	}
	curl_easy_getinfo(id->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code == 404 || code == 410)
		return xerr_set(err, 401, "AuthenticationRequired",
		    "could not resolve iss did: not found");
	if (code != 200)
		return xerr_set(err, 401, "AuthenticationRequired",
		    "could not resolve iss did: directory answered %ld", code);
	if (b->data == NULL)
		return xerr_set(err, 401, "AuthenticationRequired",
		    "could not resolve iss did: empty document");
	return 0;
}

struct identity *
identity_new(const struct config *cfg, struct db *db, char *err,
    size_t errsz)
{
	struct identity	*id;

	if ((id = calloc(1, sizeof(*id))) == NULL ||
	    (id->curl = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "identity_new: cannot set up libcurl");
		free(id);
		return NULL;
	}
	id->cfg = cfg;
	id->db = db;
	curl_easy_setopt(id->curl, CURLOPT_WRITEFUNCTION, identity_write);
	curl_easy_setopt(id->curl, CURLOPT_TIMEOUT_MS,
	    (long)cfg->http_timeout_ms);
	curl_easy_setopt(id->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)cfg->http_timeout_ms);
	curl_easy_setopt(id->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(id->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(id->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(id->curl, CURLOPT_USERAGENT, "atspace");
	curl_easy_setopt(id->curl, CURLOPT_MAXFILESIZE,
	    (long)IDENTITY_DOC_MAX);
	return id;
}

void
identity_free(struct identity *id)
{
	if (id == NULL)
		return;
	curl_easy_cleanup(id->curl);
	free(id);
}

int
identity_key(struct identity *id, const char *did, int fresh,
    struct pubkey *key, int *cached, struct xerr *err)
{
	struct identity_buf	 b = { NULL, 0, 0 };
	char			*doc = NULL;
	char			 url[2400];
	int64_t			 now = app_now_ms();
	int			 rc = -1;

	*cached = 0;
	if (!fresh) {
		struct identity_mem	*m = identity_mem_slot(id, did);

		if (now < m->until && strcmp(m->did, did) == 0) {
			*key = m->key;
			*cached = 1;
			metrics_did_cache(1);
			return 0;
		}
		switch (db_didcache_get(id->db, did,
		    now - (int64_t)id->cfg->did_cache_ttl * 1000, &doc, err)) {
		case DB_OK:
			rc = jwt_didoc_key(doc, strlen(doc), did, key, err);
			free(doc);
			if (rc == 0) {
				identity_mem_put(id, did, key, now);
				*cached = 1;
				metrics_did_cache(1);
				return 0;
			}
			break;		/* unusable entry: fetch again */
		case DB_NOTFOUND:
			break;
		default:
			return -1;
		}
	}
	metrics_did_cache(0);
	if (identity_url(id, did, url, sizeof(url), err) == -1 ||
	    identity_fetch(id, url, &b, err) == -1)
		goto out;
	if (jwt_didoc_key(b.data, b.len, did, key, err) == -1) {
		log_warnx("unusable DID document did=%s reason=\"%s\"", did,
		    err->msg);
		goto out;
	}
	/* A failed cache write costs a refetch later, not this request. */
	db_didcache_put(id->db, did, b.data, now, NULL);
	identity_mem_put(id, did, key, now);
	rc = 0;
out:
	free(b.data);
	return rc;
}
