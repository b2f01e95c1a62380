/* atspace: ISC licence, see README.md. */
/* The client-facing error object: see xerr.h. */
#include <stdarg.h>
#include <stdio.h>

#include "xerr.h"

int
xerr_set(struct xerr *err, int status, const char *name, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL)
		return -1;
	err->status = status;
	err->name = name;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}
