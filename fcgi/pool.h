/* atspace: ISC licence, see README.md. */
/*
 * The supervisor: forks the workers, replaces the ones that die, and
 * stops them all on SIGTERM or SIGINT.
 */
#ifndef POOL_H
#define POOL_H

struct config;

/*
 * Keeps cfg->workers workers running on listen_fd until SIGTERM or
 * SIGINT, then stops them and waits for every one. Returns 0 once all
 * have exited; the caller removes the socket and exits.
 */
int	pool_run(const struct config *cfg, int listen_fd);

#endif
