/* atspace: ISC licence, see README.md. */
/*
 * Query strings: split on '&', percent-decode names and values ('+' is
 * a space, as HTML forms send it), refuse a name given twice, bad
 * escapes, decoded NUL bytes and more than PARAMS_MAX parameters.
 * Values are checked by the handlers against their lexicon formats.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "xerr.h"

static int
params_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes s[0..len) in place into dst (which may equal s) and
 * NUL-terminates it. Returns -1 on a bad escape or a NUL byte.
 */
static int
params_decode(char *dst, const char *s, size_t len)
{
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			*dst++ = ' ';
		else if (s[i] != '%')
			*dst++ = s[i];
		else {
			if (i + 2 >= len)
				return -1;
			if ((hi = params_hex(s[i + 1])) < 0 ||
			    (lo = params_hex(s[i + 2])) < 0 ||
			    (hi == 0 && lo == 0))
				return -1;
			*dst++ = (char)(hi << 4 | lo);
			i += 2;
		}
	}
	*dst = '\0';
	return 0;
}

int
params_parse(const char *query, struct params *p, struct xerr *err)
{
	char	*s, *end, *amp, *eq;
	int	 i;

	memset(p, 0, sizeof(*p));
	if (query == NULL || *query == '\0')
		return 0;
	if ((p->buf = strdup(query)) == NULL)
		return xerr_internal(err);
	for (s = p->buf; s != NULL; s = amp) {
		if ((amp = strchr(s, '&')) != NULL)
			*amp++ = '\0';
		if (*s == '\0')
			continue;
		if (p->count == PARAMS_MAX)
			return xerr_invalid(err, "too many query parameters");
		end = s + strlen(s);
		if ((eq = strchr(s, '=')) == NULL)
			eq = end;
		else
			*eq++ = '\0';
		if (params_decode(s, s, strlen(s)) == -1 ||
		    (eq != end && params_decode(eq, eq, strlen(eq)) == -1))
			return xerr_invalid(err, "malformed query string");
		for (i = 0; i < p->count; i++)
			if (strcmp(p->name[i], s) == 0)
				return xerr_invalid(err, "query parameter"
				    " %.64s is given more than once", s);
		p->name[p->count] = s;
		p->value[p->count] = eq;
		p->count++;
	}
	return 0;
}

const char *
params_get(const struct params *p, const char *name)
{
	int	 i;

	for (i = 0; i < p->count; i++)
		if (strcmp(p->name[i], name) == 0)
			return p->value[i];
	return NULL;
}

void
params_release(struct params *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}
