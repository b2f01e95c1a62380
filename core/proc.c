/* atspace: ISC licence, see README.md. */
/*
 * Storage for the per-process facts in proc.h. The FastCGI layer
 * writes them once after fork; core code only reads them.
 */

#include "proc.h"

int	proc_slot = 0;
