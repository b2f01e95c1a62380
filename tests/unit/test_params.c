/* atspace: ISC licence, see README.md. */
/*
 * Query-string parsing (core/params.c).
 *   params-1.*  splitting and decoding
 *   params-2.*  refusals: repeats, bad escapes, NUL, too many
 */
#include <string.h>

#include "app.h"
#include "unit.h"
#include "xerr.h"

static int
parse(const char *q, struct params *p)
{
	struct xerr	 err = { 0 };

	return params_parse(q, p, &err);
}

int
main(void)
{
	struct params	 p;
	const char	*v;
	char		 many[512];
	int		 i;

	CHECK("params-1.1", parse("", &p) == 0 && p.count == 0);
	params_release(&p);
	CHECK("params-1.2", parse("a=1&b=two", &p) == 0 && p.count == 2);
	CHECK("params-1.3", (v = params_get(&p, "b")) && !strcmp(v, "two"));
	CHECK("params-1.4", params_get(&p, "c") == NULL);
	params_release(&p);
	CHECK("params-1.5", parse("u=at%3A%2F%2Fdid%3Aplc%3Ax%2Fa.b.c%2Fk",
	    &p) == 0);
	CHECK("params-1.6", (v = params_get(&p, "u")) &&
	    !strcmp(v, "at://did:plc:x/a.b.c/k"));
	params_release(&p);
	CHECK("params-1.7", parse("a=x+y&&b", &p) == 0 &&
	    !strcmp(params_get(&p, "a"), "x y") &&
	    !strcmp(params_get(&p, "b"), ""));
	params_release(&p);

	CHECK("params-2.1", parse("a=1&a=2", &p) == -1);
	params_release(&p);
	CHECK("params-2.2", parse("a=1&%61=2", &p) == -1);
	params_release(&p);
	CHECK("params-2.3", parse("a=%zz", &p) == -1);
	params_release(&p);
	CHECK("params-2.4", parse("a=%4", &p) == -1);
	params_release(&p);
	CHECK("params-2.5", parse("a=x%00y", &p) == -1);
	params_release(&p);
	many[0] = '\0';
	for (i = 0; i < PARAMS_MAX + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "p%d=1&", i);
	CHECK("params-2.6", parse(many, &p) == -1);
	params_release(&p);
	return unit_done("params");
}
