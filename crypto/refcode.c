#include <string.h>

#include <sodium.h>

#include "crypto/refcode.h"
#include "util/log.h"

#define N 32
static const char alphabet[N + 1] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

_Static_assert(REFCODE_SYMBOLS * 5 >= 60, "at least 60 random bits");
_Static_assert(REFCODE_LEN == REFCODE_SYMBOLS + 1 + 3, "grouping");

static int
symbol_value(char ch)
{
	if (ch >= 'a' && ch <= 'z')
		ch = (char)(ch - 'a' + 'A');
	switch (ch) {
	case 'O':
		return 0;
	case 'I':
	case 'L':
		return 1;
	}
	for (int i = 0; i < N; i++)
		if (alphabet[i] == ch)
			return i;
	return -1;
}

/* Luhn mod N: doubling from the rightmost data symbol. */
static int
check_value(const int *v, size_t n)
{
	int factor = 2, sum = 0;

	for (size_t i = n; i-- > 0;) {
		int addend = factor * v[i];
		factor = factor == 2 ? 1 : 2;
		sum += addend / N + addend % N;
	}
	return (N - sum % N) % N;
}

static void
format(char *out, const int *v)
{
	size_t o = 0;

	for (size_t i = 0; i < REFCODE_SYMBOLS; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = alphabet[v[i]];
	}
	out[o++] = '-';
	out[o++] = alphabet[v[REFCODE_SYMBOLS]];
	out[o] = '\0';
}

int
refcode_generate(char *out, size_t outlen)
{
	int v[REFCODE_SYMBOLS + 1];

	if (outlen < REFCODE_BUFLEN) {
		log_err("refcode: buffer too small");
		return -1;
	}
	for (size_t i = 0; i < REFCODE_SYMBOLS; i++)
		v[i] = (int)randombytes_uniform(N);
	v[REFCODE_SYMBOLS] = check_value(v, REFCODE_SYMBOLS);
	format(out, v);
	return 0;
}

int
refcode_parse(char *out, size_t outlen, const char *in)
{
	int v[REFCODE_SYMBOLS + 1];
	size_t n = 0;

	if (outlen < REFCODE_BUFLEN)
		return -1;
	for (size_t i = 0; in[i] != '\0'; i++) {
		int val;

		if (i >= REFCODE_INPUT_MAX)
			return -1;
		if (in[i] == ' ' || in[i] == '-' || in[i] == '\t')
			continue;
		val = symbol_value(in[i]);
		if (val < 0 || n == REFCODE_SYMBOLS + 1)
			return -1;
		v[n++] = val;
	}
	if (n != REFCODE_SYMBOLS + 1)
		return -1;
	if (check_value(v, REFCODE_SYMBOLS) != v[REFCODE_SYMBOLS])
		return -1;
	format(out, v);
	return 0;
}
