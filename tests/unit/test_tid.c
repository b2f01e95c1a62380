/* atspace: ISC licence, see README.md. */
/*
 * TID generation (core/tid.c).
 *   tid-1.*  every generated TID is valid TID syntax
 *   tid-2.*  strictly increasing within a process, clock id = slot
 */
#include <string.h>

#include "app.h"
#include "proc.h"
#include "syntax.h"
#include "unit.h"

int
main(void)
{
	char	 prev[14], cur[14];
	int	 i, valid = 1, increasing = 1;

	proc_slot = 5;
	tid_next(prev);
	CHECK("tid-1.1", strlen(prev) == 13 && syntax_is_tid(prev));
	for (i = 0; i < 100000; i++) {
		tid_next(cur);
		valid &= syntax_is_tid(cur);
		increasing &= strcmp(prev, cur) < 0;
		memcpy(prev, cur, sizeof(cur));
	}
	CHECK("tid-1.2", valid);
	CHECK("tid-2.1", increasing);
	/* The last two characters carry the low 10 bits: slot 5. */
	CHECK("tid-2.2", cur[11] == '2' && cur[12] == '7');
	return unit_done("tid");
}
