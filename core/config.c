/* atspace: ISC licence, see README.md. */
/*
 * The configuration: defaults, then a "key = value" file, then
 * ATSPACE_<KEY> environment variables, then a check of the whole. One
 * table names every key with its type and range, so the file parser,
 * the environment pass and the documentation in
 * deploy/atspace.conf.example all speak of the same keys. What the
 * values mean is left to the code that uses them.
 */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "syntax.h"

enum config_type {
	CONFIG_STR,		/* char *, strdup'd; "" only for socket */
	CONFIG_INT,		/* int within [min, max] */
	CONFIG_SIZE,		/* size_t within [min, max] */
	CONFIG_LEVEL,		/* int, log_level_parse() names */
	CONFIG_DURABILITY,	/* int, "normal" or "full" */
	CONFIG_BOOL,		/* int, "yes" or "no" */
};

struct config_key {
	const char		*name;
	enum config_type	 type;
	size_t			 off;	/* offsetof in struct config */
	long long		 min;
	long long		 max;
};

#define CONFIG_LINE_MAX	1024
/* Images a browser shows without running anything (no SVG). */
#define CONFIG_BLOB_TYPES \
	"image/png,image/jpeg,image/gif,image/webp,image/avif,image/heic"
#define CONFIG_ENV_MAX	64

static const struct config_key config_keys[] = {
	{ "service_did", CONFIG_STR, offsetof(struct config, service_did),
	    0, 0 },
	{ "db_path", CONFIG_STR, offsetof(struct config, db_path), 0, 0 },
	{ "socket", CONFIG_STR, offsetof(struct config, socket), 0, 0 },
	{ "workers", CONFIG_INT, offsetof(struct config, workers), 1, 256 },
	{ "plc_url", CONFIG_STR, offsetof(struct config, plc_url), 0, 0 },
	{ "body_limit", CONFIG_SIZE, offsetof(struct config, body_limit),
	    1, 1LL << 30 },
	{ "blob_limit", CONFIG_SIZE, offsetof(struct config, blob_limit),
	    1, 1LL << 32 },
	{ "uri_scheme", CONFIG_STR, offsetof(struct config, uri_scheme),
	    0, 0 },
	{ "log_level", CONFIG_LEVEL, offsetof(struct config, log_level),
	    0, 0 },
	{ "clock_skew", CONFIG_INT, offsetof(struct config, clock_skew),
	    0, 86400 },
	{ "did_cache_ttl", CONFIG_INT,
	    offsetof(struct config, did_cache_ttl), 0, INT_MAX },
	{ "http_timeout_ms", CONFIG_INT,
	    offsetof(struct config, http_timeout_ms), 1, 600000 },
	{ "busy_timeout_ms", CONFIG_INT,
	    offsetof(struct config, busy_timeout_ms), 0, 600000 },
	{ "durability", CONFIG_DURABILITY,
	    offsetof(struct config, durability), 0, 0 },
	{ "space_type", CONFIG_STR, offsetof(struct config, space_type),
	    0, 0 },
	{ "allow_root", CONFIG_BOOL, offsetof(struct config, allow_root),
	    0, 0 },
	{ "blob_types", CONFIG_STR, offsetof(struct config, blob_types),
	    0, 0 },
	{ "blob_dir", CONFIG_STR, offsetof(struct config, blob_dir), 0, 0 },
	{ "blob_grace", CONFIG_INT, offsetof(struct config, blob_grace),
	    0, INT_MAX },
	{ "maint_interval", CONFIG_INT,
	    offsetof(struct config, maint_interval), 1, 86400 },
};

#define CONFIG_NKEYS	(sizeof(config_keys) / sizeof(config_keys[0]))

static const struct config_key *
config_key_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < CONFIG_NKEYS; i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

/*
 * Strict decimal: optional '-', digits only, no spaces or suffix,
 * within [min, max]. Returns 0 with *out set, or -1.
 */
static int
config_number(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (*s != '-' && !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Stores value into the field k describes. Returns 0, or -1 with a
 * message (without location; the caller prefixes it) in err.
 */
static int
config_set(struct config *cfg, const struct config_key *k,
    const char *value, char *err, size_t errsz)
{
	char		*field = (char *)cfg + k->off;
	char		*copy;
	long long	 n;
	enum log_level	 level;

	switch (k->type) {
	case CONFIG_STR:
		/* An empty socket means "the inherited descriptor". */
		if (*value == '\0' && strcmp(k->name, "socket") != 0) {
			snprintf(err, errsz, "%s: empty value", k->name);
			return -1;
		}
		copy = NULL;
		if (*value != '\0' && (copy = strdup(value)) == NULL) {
			snprintf(err, errsz, "%s: out of memory", k->name);
			return -1;
		}
		free(*(char **)(void *)field);
		*(char **)(void *)field = copy;
		return 0;
	case CONFIG_INT:
	case CONFIG_SIZE:
		if (config_number(value, k->min, k->max, &n) == -1) {
			snprintf(err, errsz, "%s: \"%s\" is not a number "
			    "from %lld to %lld", k->name, value, k->min,
			    k->max);
			return -1;
		}
		if (k->type == CONFIG_INT)
			*(int *)(void *)field = (int)n;
		else
			*(size_t *)(void *)field = (size_t)n;
		return 0;
	case CONFIG_LEVEL:
		if (log_level_parse(value, &level) == -1) {
			snprintf(err, errsz, "%s: \"%s\" is not one of "
			    "error, warn, info, debug", k->name, value);
			return -1;
		}
		*(int *)(void *)field = (int)level;
		return 0;
	case CONFIG_DURABILITY:
		if (strcmp(value, "normal") == 0)
			n = CONFIG_DURABILITY_NORMAL;
		else if (strcmp(value, "full") == 0)
			n = CONFIG_DURABILITY_FULL;
		else {
			snprintf(err, errsz, "%s: \"%s\" is not one of "
			    "normal, full", k->name, value);
			return -1;
		}
		*(int *)(void *)field = (int)n;
		return 0;
	case CONFIG_BOOL:
		if (strcmp(value, "yes") == 0)
			n = 1;
		else if (strcmp(value, "no") == 0)
			n = 0;
		else {
			snprintf(err, errsz, "%s: \"%s\" is not yes or no",
			    k->name, value);
			return -1;
		}
		*(int *)(void *)field = (int)n;
		return 0;
	}
	snprintf(err, errsz, "%s: unhandled type", k->name);
	return -1;
}

/* Trims leading and trailing white space in place; returns the start. */
static char *
config_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Cuts a comment off: '#' at the start or after a blank. A '#' inside
 * a word stays, since URLs and paths may hold one.
 */
static void
config_uncomment(char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++)
		if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
}

/*
 * Parses one line (newline already removed); blank and comment-only
 * lines are skipped. Returns 0, or -1 with a message (without
 * location) in err.
 */
static int
config_line(struct config *cfg, char *line, char *err, size_t errsz)
{
	const struct config_key	*k;
	char			*key, *eq, *value;

	config_uncomment(line);
	key = config_trim(line);
	if (*key == '\0' || *key == '#')
		return 0;
	if ((eq = strchr(key, '=')) == NULL) {
		snprintf(err, errsz, "expected \"key = value\"");
		return -1;
	}
	*eq = '\0';
	key = config_trim(key);
	value = config_trim(eq + 1);
	if ((k = config_key_find(key)) == NULL) {
		snprintf(err, errsz, "unknown key \"%.64s\"", key);
		return -1;
	}
	return config_set(cfg, k, value, err, errsz);
}

/*
 * Reads the file line by line. Returns 0, or -1 with "path:line: ..."
 * in err.
 */
static int
config_file(struct config *cfg, const char *path, char *err, size_t errsz)
{
	FILE	*f = NULL;
	char	 line[CONFIG_LINE_MAX], msg[256];
	size_t	 len;
	int	 lineno = 0, rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(f)) {
			snprintf(err, errsz, "%s:%d: line too long", path,
			    lineno);
			goto out;
		}
		if (config_line(cfg, line, msg, sizeof(msg)) == -1) {
			snprintf(err, errsz, "%s:%d: %s", path, lineno, msg);
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	return rc;
}

/* Writes "ATSPACE_" and the key upper-cased; keys are short. */
static void
config_env_name(char *dst, size_t dstsz, const char *key)
{
	size_t	 i;

	i = (size_t)snprintf(dst, dstsz, "ATSPACE_%s", key);
	for (i = i >= dstsz ? dstsz - 1 : i; i > 8; i--)
		dst[i - 1] = (char)toupper((unsigned char)dst[i - 1]);
}

/*
 * Applies ATSPACE_<KEY> for every key that is set in the environment.
 * Returns 0, or -1 with "ATSPACE_KEY: ..." in err.
 */
static int
config_env(struct config *cfg, char *err, size_t errsz)
{
	char		 name[CONFIG_ENV_MAX], msg[256];
	const char	*value;
	size_t		 i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		config_env_name(name, sizeof(name), config_keys[i].name);
		if ((value = getenv(name)) == NULL)
			continue;
		if (config_set(cfg, &config_keys[i], value, msg,
		    sizeof(msg)) == -1) {
			snprintf(err, errsz, "%s: %s", name, msg);
			return -1;
		}
	}
	return 0;
}

/*
 * True when s is a MIME type as blob_types lists it: lower-case
 * "type/subtype" of letters, digits and !#$&^_.+- (RFC 6838 names).
 */
static int
config_is_mime(const char *s, size_t len)
{
	size_t	 i, slash = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '/' && slash == 0 && i > 0)
			slash = i;
		else if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) &&
		    strchr("!#$&^_.+-", s[i]) == NULL)
			return 0;
	}
	return slash > 0 && slash + 1 < len;
}

/*
 * Checks blob_types and puts blob_dir beside db_path when unset.
 * Returns 0, or -1 with a message in err.
 */
static int
config_blob_check(struct config *cfg, char *err, size_t errsz)
{
	const char	*p, *e, *slash;
	size_t		 n;

	if (cfg->blob_types == NULL) {
		snprintf(err, errsz, "config_check: out of memory");
		return -1;
	}
	for (p = cfg->blob_types; ; p = e + 1) {
		e = strchr(p, ',');
		n = e == NULL ? strlen(p) : (size_t)(e - p);
		if (!config_is_mime(p, n)) {
			snprintf(err, errsz, "blob_types: \"%.*s\" is not a"
			    " lower-case type/subtype", (int)(n > 200 ? 200 :
			    n), p);
			return -1;
		}
		if (e == NULL)
			break;
	}
	if (cfg->blob_dir != NULL)
		return 0;
	slash = strrchr(cfg->db_path, '/');
	n = slash == NULL ? 0 : (size_t)(slash - cfg->db_path) + 1;
	if (asprintf(&cfg->blob_dir, "%.*sblobs", (int)n, cfg->db_path) == -1) {
		cfg->blob_dir = NULL;
		snprintf(err, errsz, "config_check: out of memory");
		return -1;
	}
	return 0;
}

/*
 * Checks what a single key cannot: presence and formats. Returns 0,
 * or -1 with a message in err.
 */
static int
config_check(struct config *cfg, char *err, size_t errsz)
{
	if (cfg->db_path == NULL || cfg->plc_url == NULL ||
	    cfg->space_type == NULL || cfg->uri_scheme == NULL) {
		snprintf(err, errsz, "config_check: out of memory");
		return -1;
	}
	if (cfg->service_did == NULL) {
		snprintf(err, errsz, "service_did is required (set it in "
		    "the file or in ATSPACE_SERVICE_DID)");
		return -1;
	}
	if (!syntax_is_did(cfg->service_did)) {
		snprintf(err, errsz, "service_did: \"%.200s\" is not a DID",
		    cfg->service_did);
		return -1;
	}
	if (!syntax_is_nsid(cfg->space_type)) {
		snprintf(err, errsz, "space_type: \"%.200s\" is not an NSID",
		    cfg->space_type);
		return -1;
	}
	if (strcmp(cfg->uri_scheme, "at") != 0 &&
	    strcmp(cfg->uri_scheme, "ats") != 0) {
		snprintf(err, errsz, "uri_scheme: \"%.200s\" is not at or ats",
		    cfg->uri_scheme);
		return -1;
	}
	if (strncmp(cfg->plc_url, "http://", 7) != 0 &&
	    strncmp(cfg->plc_url, "https://", 8) != 0) {
		snprintf(err, errsz, "plc_url: \"%.200s\" does not start "
		    "with http:// or https://", cfg->plc_url);
		return -1;
	}
	if (config_blob_check(cfg, err, errsz) == -1)
		return -1;
	if (cfg->workers < 1 || cfg->workers > 256) {
		snprintf(err, errsz, "workers: %d is not from 1 to 256",
		    cfg->workers);
		return -1;
	}
	return 0;
}

/*
 * Sets every field to its default. A failed strdup leaves a field
 * NULL, which config_load() then reports as out of memory.
 */
void
config_init(struct config *cfg)
{
	long	 ncpu;

	memset(cfg, 0, sizeof(*cfg));
	cfg->service_did = NULL;
	cfg->db_path = strdup("./atspace.sqlite");
	cfg->socket = NULL;
	/* One worker per CPU; the range check still applies. */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cfg->workers = ncpu < 1 ? 1 : ncpu > 256 ? 256 : (int)ncpu;
	cfg->plc_url = strdup("https://plc.directory");
	cfg->body_limit = 1048576;
	cfg->blob_limit = 2 * 1048576;
	cfg->uri_scheme = strdup("at");
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->clock_skew = 30;
	cfg->did_cache_ttl = 3600;
	cfg->http_timeout_ms = 5000;
	cfg->busy_timeout_ms = 5000;
	cfg->durability = CONFIG_DURABILITY_FULL;
	cfg->space_type = strdup("rsvp.atmo.event.space");
	cfg->allow_root = 0;
	cfg->blob_types = strdup(CONFIG_BLOB_TYPES);
	cfg->blob_dir = NULL;		/* config_check: beside db_path */
	cfg->blob_grace = 86400;
	cfg->maint_interval = 600;
}

/*
 * Reads the file at path (NULL: none), then the environment, then
 * checks the whole. Fields set before a failure keep their new
 * values; the caller should config_release() and stop. Returns 0, or
 * -1 with a message in err.
 */
int
config_load(struct config *cfg, const char *path, char *err, size_t errsz)
{
	if (path != NULL && config_file(cfg, path, err, errsz) == -1)
		return -1;
	if (config_env(cfg, err, errsz) == -1)
		return -1;
	return config_check(cfg, err, errsz);
}

/* Frees the strings and sets them to NULL; the struct is the caller's. */
void
config_release(struct config *cfg)
{
	free(cfg->service_did);
	free(cfg->db_path);
	free(cfg->socket);
	free(cfg->plc_url);
	free(cfg->space_type);
	free(cfg->uri_scheme);
	free(cfg->blob_types);
	free(cfg->blob_dir);
	cfg->blob_types = cfg->blob_dir = NULL;
	cfg->service_did = cfg->db_path = cfg->socket = NULL;
	cfg->plc_url = cfg->space_type = cfg->uri_scheme = NULL;
}
