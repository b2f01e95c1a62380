/* atspace: ISC licence, see README.md. */
/*
 * Base58btc and multibase "z" text, see multibase.h. Both directions
 * work digit by digit on a fixed buffer (quadratic, but keys are under
 * a hundred bytes), so nothing is allocated. Public keys only pass
 * through here, so no constant-time care is taken.
 */
#include <assert.h>
#include <string.h>

#include "multibase.h"

static const char b58_alphabet[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int
b58_digit(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b58_alphabet, c)) == NULL)
		return -1;
	return (int)(p - b58_alphabet);
}

int
multibase_b58_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	unsigned char	 buf[MULTIBASE_MAX];	/* big-endian, right-aligned */
	unsigned int	 carry;
	size_t		 zeros, start, i, j;
	int		 d;

	*outlen = 0;
	if (inlen > MULTIBASE_MAX)
		return -1;
	/* Each leading '1' stands for one leading zero byte. */
	for (zeros = 0; zeros < inlen && in[zeros] == '1'; zeros++)
		continue;
	memset(buf, 0, sizeof(buf));
	for (i = zeros; i < inlen; i++) {
		if ((d = b58_digit(in[i])) < 0)
			return -1;
		carry = (unsigned int)d;
		for (j = sizeof(buf); j-- > 0; ) {
			carry += 58 * buf[j];
			buf[j] = carry & 0xff;
			carry >>= 8;
		}
		/* 128 digits need at most 94 bytes, so nothing spills. */
		assert(carry == 0);
	}
	for (start = 0; start < sizeof(buf) && buf[start] == 0; start++)
		continue;
	if (zeros + sizeof(buf) - start > outsz)
		return -1;
	memset(out, 0, zeros);
	memcpy(out + zeros, buf + start, sizeof(buf) - start);
	*outlen = zeros + sizeof(buf) - start;
	return 0;
}

int
multibase_b58_encode(const unsigned char *in, size_t inlen, char *out,
    size_t outsz)
{
	unsigned char	 digits[MULTIBASE_MAX];	/* base 58, right-aligned */
	unsigned int	 carry;
	size_t		 zeros, start, n, i, j;

	/* log(256) / log(58) < 1.38 digits per byte. */
	if (inlen * 138 / 100 + 1 > sizeof(digits))
		return -1;
	for (zeros = 0; zeros < inlen && in[zeros] == 0; zeros++)
		continue;
	memset(digits, 0, sizeof(digits));
	for (i = zeros; i < inlen; i++) {
		carry = in[i];
		for (j = sizeof(digits); j-- > 0; ) {
			carry += 256 * digits[j];
			digits[j] = carry % 58;
			carry /= 58;
		}
		assert(carry == 0);
	}
	for (start = 0; start < sizeof(digits) && digits[start] == 0; start++)
		continue;
	n = zeros + sizeof(digits) - start;
	if (n + 1 > outsz)
		return -1;
	memset(out, '1', zeros);
	for (i = start; i < sizeof(digits); i++)
		out[zeros + i - start] = b58_alphabet[digits[i]];
	out[n] = '\0';
	return 0;
}

int
multibase_decode(const char *s, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	size_t	 len;

	*outlen = 0;
	if (s[0] != 'z')
		return -1;
	if ((len = strnlen(s + 1, MULTIBASE_MAX + 1)) > MULTIBASE_MAX)
		return -1;
	return multibase_b58_decode(s + 1, len, out, outsz, outlen);
}

int
multibase_encode(const unsigned char *in, size_t inlen, char *out,
    size_t outsz)
{
	if (outsz < 2)
		return -1;
	out[0] = 'z';
	return multibase_b58_encode(in, inlen, out + 1, outsz - 1);
}
