#ifndef CRYPTO_REFCODE_H
#define CRYPTO_REFCODE_H

#include <stddef.h>

/*
 * Reference codes: 12 random Crockford base32 symbols (60 bits) and one
 * check symbol, grouped for reading aloud: "K7QD-M2XA-9RTF-C".
 *
 * The check symbol is Luhn mod 32 over the same alphabet rather than
 * Crockford's mod-37 check, whose extra symbols (* ~ $ = U) are hard to
 * read aloud, to type on a phone keypad and to send by SMS. Luhn mod 32
 * still catches every single wrong symbol and most swaps of neighbours.
 */
#define REFCODE_SYMBOLS 12
#define REFCODE_LEN 16 /* with dashes, without NUL */
#define REFCODE_BUFLEN (REFCODE_LEN + 1)
/* Longest input the parser looks at (spaces and dashes included). */
#define REFCODE_INPUT_MAX 64

/* A new random code in canonical form. */
int refcode_generate(char *out, size_t outlen);

/*
 * Parse what a person typed: case, spaces and dashes do not matter, O is
 * read as 0 and I or L as 1. Fails on any other symbol, a wrong length or a
 * wrong check symbol. Writes the canonical form.
 */
int refcode_parse(char *out, size_t outlen, const char *in)
    __attribute__((warn_unused_result));

#endif
