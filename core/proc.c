/* atspace: ISC licence, see README.md. */
/* Set by the worker after fork; see proc.h. */
#include "proc.h"

int proc_slot = 0;
