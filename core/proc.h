/* atspace: ISC licence, see README.md. */
/*
 * Facts about the running process that the core needs but the FastCGI
 * layer decides: which worker slot this process fills.
 */
#ifndef PROC_H
#define PROC_H

/*
 * The worker's slot, 0 to workers - 1, set by the worker right after
 * fork and kept by the worker that replaces it; 0 in the supervisor
 * and in tests. Two live workers never share a slot, so the core can
 * use it to keep per-process sequences apart (the TID clock id).
 */
extern int	proc_slot;

#endif
