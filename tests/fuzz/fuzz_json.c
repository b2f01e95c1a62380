/* atspace: ISC licence, see README.md. */
/*
 * libFuzzer target for the record path a putRecord body takes: the
 * strict scanner (json_parse_strict), the data-model check
 * (json_check_record) and DAG-CBOR encoding with its CID. Whatever the
 * first two accept must encode or be refused with a 400: a 500 there
 * would answer a client's input with "internal error".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cbor.h"
#include "json.h"
#include "xerr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xerr	 err = { 0 };
	json_object	*v;
	unsigned char	*cbor = NULL;
	size_t		 cborlen = 0;
	char		 cid[CBOR_CID_MAX];
	char		*buf;

	/* An exact-size copy with no NUL after it: the scanner is given
	 * a length and must never look past it. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	v = json_parse_strict(buf, size, JSON_MAX_DEPTH, &err);
	if (v == NULL) {
		if (err.status != 400 || err.name == NULL)
			abort();
		goto out;
	}
	if (!json_object_is_type(v, json_type_object))
		goto out;
	if (json_check_record(v, "record", &err) == -1) {
		if (err.status != 400)
			abort();
		goto out;
	}
	/*
	 * json_check_record takes any $link that passes syntax_is_cid,
	 * cbor_is_cid wants a CID that decodes: an encode failure is
	 * still a 400, never anything else.
	 */
	if (cbor_encode_record(v, &cbor, &cborlen, &err) == -1) {
		if (err.status != 400)
			abort();
		goto out;
	}
	if (cbor_record_cid(v, cid, &err) == -1 || !cbor_is_cid(cid))
		abort();
out:
	free(cbor);
	json_object_put(v);
	free(buf);
	return 0;
}
