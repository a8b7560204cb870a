/*
 * libFuzzer target for the kiosk's form handling: any bytes as a POST
 * body, decoded (net/http form rules) and applied to each page of the
 * flow (kiosk/answers). Whatever comes in, the answers stay NUL-ended,
 * valid UTF-8 without control characters (but line ends in the
 * multi-line fields), choices stay within the values the form offers,
 * and a refused form changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk/answers.h"
#include "net/http.h"
#include "util/log.h"
#include "util/utf8.h"

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

static struct http_form form;
static struct answers a, before;

static void
check_answers(void)
{
	for (size_t i = 0; i < ans_nfields; i++) {
		const struct ans_field *f = &ans_fields[i];
		const char *v = answers_get(&a, f);
		size_t n = strnlen(v, f->cap);

		CHECK(n < f->cap);
		CHECK(utf8_valid(v, n));
		for (size_t k = 0; k < n; k++) {
			unsigned char c = (unsigned char)v[k];
			CHECK(c >= 0x20 || (c == '\n' && f->kind == ANS_LINES));
			CHECK(c != 0x7f);
		}
		if ((f->kind == ANS_ONEOF || f->kind == ANS_FLAG) && n > 0) {
			int found = 0;
			for (const char *const *x = f->values; *x != NULL; x++)
				found |= strcmp(*x, v) == 0;
			CHECK(found);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int quiet;
	struct ans_errors errs;

	if (!quiet) {
		log_quiet(1);
		quiet = 1;
	}
	if (http_form_parse(&form, (const char *)data, len) != 0)
		return 0;
	for (int page = ANS_ELIGIBLE; page <= ANS_DETAILS; page++) {
		before = a;
		if (answers_apply(&a, (enum ans_page)page, &form, &errs) != 0)
			CHECK(memcmp(&a, &before, sizeof(a)) == 0);
		CHECK(errs.n <= ANS_ERRORS_MAX);
		check_answers();
	}
	return 0;
}
