/* atspace: ISC licence, see README.md. */
/*
 * Facts about this process that the core needs from the process model:
 * the worker's slot (0..workers-1), kept across respawns, used as the
 * TID clock id.
 */
#ifndef PROC_H
#define PROC_H

extern int proc_slot;

#endif
