/* atspace: ISC licence, see README.md. */
/*
 * The unit test harness: CHECK prints one "ok"/"FAIL" line per case
 * with file and line; unit_done() prints the totals as
 * "unit: N passed, N failed" and returns the exit code.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <stdlib.h>

static int unit_passed, unit_failed;

#define CHECK(id, cond) do {						\
	if (cond) {							\
		unit_passed++;						\
	} else {							\
		unit_failed++;						\
		printf("FAIL %s %s:%d: %s\n", (id), __FILE__, __LINE__,	\
		    #cond);						\
	}								\
} while (0)

/* Reads a whole file from ../shared (relative to the repo) into a
 * malloc'd NUL-terminated buffer; NULL when absent. */
static inline char *
unit_slurp(const char *path, size_t *lenp)
{
	FILE	*f;
	char	*buf = NULL;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(n + 1)) != NULL) {
		if (fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			if (lenp != NULL)
				*lenp = n;
		}
	}
	fclose(f);
	return buf;
}

/* Where ../shared is; the test runner exports ATSPACE_SHARED. */
static inline const char *
unit_shared(void)
{
	const char *s = getenv("ATSPACE_SHARED");

	return s != NULL ? s : "../shared";
}

static inline int
unit_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, unit_passed, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}

#endif
