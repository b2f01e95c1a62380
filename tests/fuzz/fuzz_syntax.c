/* atspace: ISC licence, see README.md. */
/*
 * libFuzzer target for the atproto string validators (core/syntax.c).
 * Each input is taken as one NUL-terminated string and given to every
 * validator; a space address that parses must split into parts that
 * pass the validators on their own, so a parser and a predicate that
 * disagree shows up as a crash, not only out-of-bounds reads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syntax.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct space_uri	 sp;
	char			*s;

	/* An exact-size copy, so reading past the NUL is caught. */
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)syntax_is_did(s);
	(void)syntax_is_handle(s);
	(void)syntax_is_nsid(s);
	(void)syntax_is_rkey(s);
	(void)syntax_is_cid(s);
	(void)syntax_is_datetime(s);
	(void)syntax_is_aturi(s);
	if (syntax_is_tid(s) && !syntax_is_rkey(s))
		abort();
	if (space_uri_parse(s, &sp) == 0) {
		if (!syntax_is_did(sp.owner) || !syntax_is_nsid(sp.type) ||
		    !syntax_is_rkey(sp.key))
			abort();
	} else if (sp.owner != NULL || sp.type != NULL || sp.key != NULL)
		abort();
	free(s);
	return 0;
}
