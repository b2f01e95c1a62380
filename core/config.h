/* atspace: ISC licence, see README.md. */
/*
 * The configuration: a "key = value" file, then ATSPACE_* environment
 * overrides (key upper-cased: service_did -> ATSPACE_SERVICE_DID).
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

enum config_durability {
	CONFIG_DURABILITY_NORMAL,	/* survives a crash of atspace */
	CONFIG_DURABILITY_FULL,		/* survives power loss too */
	CONFIG_DURABILITY_MAX
};

struct config {
	char	*service_did;		/* required */
	char	*db_path;		/* default ./atspace.sqlite */
	char	*socket;		/* unix path, host:port; NULL: fd 0 */
	int	 workers;		/* default: CPU count */
	char	*plc_url;		/* default https://plc.directory */
	size_t	 body_limit;		/* bytes, default 1 MiB */
	size_t	 blob_limit;		/* uploadBlob bytes, default 2 MiB */
	char	*uri_scheme;		/* "at" (default) or "ats" in views */
	int	 log_level;		/* enum log_level, default INFO */
	int	 clock_skew;		/* slack for exp/iat, s, default 30 */
	int	 did_cache_ttl;		/* seconds, default 3600 */
	int	 http_timeout_ms;	/* DID document fetch, default 5000 */
	int	 busy_timeout_ms;	/* SQLite busy timeout, default 5000 */
	int	 durability;		/* enum config_durability: FULL */
	char	*space_type;		/* default createSpace type */
	int	 allow_root;		/* run as root anyway, default 0 */
	char	*blob_types;		/* uploadBlob MIME allow-list, "a,b" */
	char	*blob_dir;		/* default: "blobs" beside db_path */
	int	 blob_grace;		/* seconds an orphan blob is kept */
	int	 maint_interval;	/* seconds between maintenance passes */
};

/* Sets every field to its default. */
void	config_init(struct config *cfg);

/*
 * Reads the file at path (NULL: no file), then the environment, and
 * checks the result. Returns 0, or -1 with a message in err.
 */
int	config_load(struct config *cfg, const char *path, char *err,
	    size_t errsz);

/* Frees the strings; the struct itself is the caller's. */
void	config_release(struct config *cfg);

#endif
