/* atspace: ISC licence, see README.md. */
/*
 * One worker process: the FCGX_Accept_r loop that turns FastCGI
 * requests into struct xrpc_request and writes the responses back.
 */
#ifndef WORKER_H
#define WORKER_H

struct config;

/*
 * Runs a worker in a freshly forked child: opens the per-worker state,
 * serves requests from listen_fd until SIGTERM or SIGINT, then exits
 * 0; exits 1 when the worker cannot start. slot (0 to workers - 1) is
 * stored in proc_slot. cfg must stay valid for the life of the process.
 */
void	worker_run(const struct config *cfg, int listen_fd, int slot)
	    __attribute__((noreturn));

#endif
