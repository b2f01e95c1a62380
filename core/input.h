/* atspace: ISC licence, see README.md. */
/* Handler inputs: body fields and query parameters, validated. */
#ifndef INPUT_H
#define INPUT_H

struct call;
struct space_uri;
struct xerr;

enum input_format {
	INPUT_ANY,
	INPUT_DID,
	INPUT_NSID,
	INPUT_RKEY,
	INPUT_ATURI,
	INPUT_MAX
};

/*
 * Sets *out to the string field of the body (borrowed from c->input,
 * valid while the call lasts) after checking format f; *out is NULL
 * when an optional field is absent (null is refused: not a string).
 * Returns 0, or -1 with a 400 naming the field.
 */
int	input_string_or_err(const struct call *c, const char *field,
	    enum input_format f, int required, const char **out,
	    struct xerr *err);

/* The same for a query parameter (borrowed from c->params). */
int	input_param_or_err(const struct call *c, const char *name,
	    enum input_format f, int required, const char **out,
	    struct xerr *err);

/* Parses s as a space URI into sp; -1 with a 400 naming field. */
int	input_space_uri_parse_or_err(const char *field, const char *s,
	    struct space_uri *sp, struct xerr *err);

/*
 * Reads the required space URI in body field name (query: the query
 * parameter) and parses it into sp; -1 with a 400 naming it.
 */
int	input_space_uri_or_err(const struct call *c, const char *name,
	    int query, struct space_uri *sp, struct xerr *err);

#endif
