/* atspace: ISC licence, see README.md. */
/*
 * Reading handler inputs: string fields of the JSON body and query
 * parameters, each checked against its lexicon format before any
 * lookup. Every helper names the field in its error message.
 */
#include <string.h>

#include <json-c/json.h>

#include "app.h"
#include "input.h"
#include "syntax.h"
#include "xerr.h"

/* Checks s against format f; fills err naming field when it fails. */
static int
input_check_or_err(const char *field, const char *s, enum input_format f,
    struct xerr *err)
{
	static const char *const names[INPUT_MAX] = {
		[INPUT_ANY] = "a string",
		[INPUT_DID] = "a DID",
		[INPUT_NSID] = "an NSID",
		[INPUT_RKEY] = "a record key",
		[INPUT_ATURI] = "an at-uri",
	};
	int	 ok;

	switch (f) {
	case INPUT_DID:
		ok = syntax_is_did(s);
		break;
	case INPUT_NSID:
		ok = syntax_is_nsid(s);
		break;
	case INPUT_RKEY:
		ok = syntax_is_rkey(s);
		break;
	case INPUT_ATURI:
		ok = syntax_is_aturi(s);
		break;
	default:
		ok = 1;
		break;
	}
	if (!ok)
		return xerr_invalid(err, "%s must be %s", field, names[f]);
	return 0;
}

int
input_string_or_err(const struct call *c, const char *field,
    enum input_format f, int required, const char **out, struct xerr *err)
{
	json_object	*v;

	*out = NULL;
	/* An explicit null is not a string: lexicon strings are never null. */
	if (!json_object_object_get_ex(c->input, field, &v)) {
		if (required)
			return xerr_invalid(err, "%s is required", field);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return xerr_invalid(err, "%s must be a string", field);
	*out = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) != strlen(*out))
		return xerr_invalid(err, "%s must not contain NUL", field);
	return input_check_or_err(field, *out, f, err);
}

int
input_param_or_err(const struct call *c, const char *name,
    enum input_format f, int required, const char **out, struct xerr *err)
{
	*out = params_get(&c->params, name);
	if (*out == NULL) {
		if (required)
			return xerr_invalid(err, "parameter %s is required",
			    name);
		return 0;
	}
	return input_check_or_err(name, *out, f, err);
}

int
input_space_uri_parse_or_err(const char *field, const char *s,
    struct space_uri *sp, struct xerr *err)
{
	if (space_uri_parse(s, sp) == -1)
		return xerr_invalid(err, "%s must be a space URI:"
		    " at://<owner DID>/<type NSID>/<key>", field);
	return 0;
}

int
input_space_uri_or_err(const struct call *c, const char *name, int query,
    struct space_uri *sp, struct xerr *err)
{
	const char	*s;

	if (query) {
		if (input_param_or_err(c, name, INPUT_ANY, 1, &s, err) == -1)
			return -1;
	} else if (input_string_or_err(c, name, INPUT_ANY, 1, &s, err) == -1)
		return -1;
	return input_space_uri_parse_or_err(name, s, sp, err);
}
