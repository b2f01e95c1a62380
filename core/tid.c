/* atspace: ISC licence, see README.md. */
/*
 * TIDs (atproto.com/specs/tid): 64 bits, top bit zero, then 53 bits of
 * microseconds since the epoch and a 10-bit clock id, written as 13
 * base32-sortable characters. Within a process the timestamp only moves
 * forward; the clock id is the worker's slot, so two workers never
 * produce the same TID. putRecord still inserts generated keys without
 * replacing, so even a collision (another process on the same file)
 * could not overwrite a record.
 */
#include <stdint.h>
#include <time.h>

#include "app.h"
#include "proc.h"

static const char tid_alphabet[] = "234567abcdefghijklmnopqrstuvwxyz";

void
tid_next(char out[14])
{
	static uint64_t	 last;
	struct timespec	 ts;
	uint64_t	 us, v;
	int		 i;

	clock_gettime(CLOCK_REALTIME, &ts);
	us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	if (us <= last)
		us = last + 1;
	last = us;
	v = (us & ((UINT64_C(1) << 53) - 1)) << 10 |
	    ((uint64_t)proc_slot & 0x3ff);
	for (i = 12; i >= 0; i--) {
		out[i] = tid_alphabet[v & 0x1f];
		v >>= 5;
	}
	out[13] = '\0';
}
