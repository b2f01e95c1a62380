/* atspace: ISC licence, see README.md. */
/*
 * Counters for the Prometheus endpoint (/xrpc/_metrics), shared by the
 * supervisor and every worker through one anonymous MAP_SHARED mapping
 * that the supervisor makes before it forks. Until metrics_init() has
 * run (unit tests, atspacectl) every counting call does nothing, so
 * core code may call them unconditionally.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>

/* Set-up: the supervisor, once, before the first fork. */

/* Maps the shared counters. Returns 0, or -1 with errno set. */
int	metrics_init(void);

/* Counting: any process, any time; lock-free atomic adds. */

/*
 * One answered request: nsid is the routed method ("" or NULL when
 * the path named none), status the HTTP status, ms its duration.
 */
void	metrics_request(const char *nsid, int status, double ms);

/* A DID key lookup answered from the cache (hit 1) or not (hit 0). */
void	metrics_did_cache(int hit);

/* A request answered 503 because the database stayed locked. */
void	metrics_db_busy(void);

/* A worker that died while the service was not stopping. */
void	metrics_worker_restart(void);

/* Reading. */

/*
 * Renders every counter in the Prometheus text exposition format
 * (version 0.0.4). Returns 0 with *out malloc'd (the caller frees it)
 * and *len its length, or -1 on ENOMEM with *out NULL.
 */
int	metrics_render(char **out, size_t *len);

#endif
