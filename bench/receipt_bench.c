/*
 * How long a slip takes to lay out and render, per language and printer
 * width (the kiosk does this while the visitor waits; target < 50 ms),
 * and how long the ESC/POS framing takes on top.
 *
 * usage: receipt_bench [ROUNDS] (run from the top of the tree)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "receipt/escpos.h"
#include "receipt/raster.h"
#include "receipt/slip.h"
#include "util/log.h"
#include "tests/lsan_fontconfig.h"

#define ROUNDS_DEFAULT 20
#define ROUNDS_MAX 1000
#define WARMUP 2
#define TARGET_MS 50.0

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static const size_t widths[] = {SLIP_WIDTH_58MM, SLIP_WIDTH_80MM};
	static const char *const kinds[] = {"referral", "info"};
	struct slip_config cfg = {
	    "content", "+447700900123", "07700 900123", 0};
	const struct content_langs *langs;
	struct escpos_opts o;
	struct raster r;
	struct slip *s;
	double *t, t0, sum, esc, worst = 0, open_ms = 0, first_ms = -1;
	size_t rounds = ROUNDS_DEFAULT, w, i, k, n, len, height = 0;
	uint8_t *buf;
	int fails = 0;

	log_init("receipt_bench");
	if (argc > 1)
		rounds = strtoul(argv[1], NULL, 10);
	if (rounds == 0 || rounds > ROUNDS_MAX) {
		fprintf(stderr, "usage: receipt_bench [1..%d]\n", ROUNDS_MAX);
		return 2;
	}
	if ((t = calloc(rounds, sizeof(*t))) == NULL)
		return 1;
	escpos_default_opts(&o);
	printf("%-8s %-5s %-6s %-9s %8s %8s %9s %7s\n", "bench", "lang",
	    "width", "kind", "mean_ms", "p95_ms", "escpos_ms", "dots");
	for (w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
		cfg.width = widths[w];
		t0 = now_ms();
		if (slip_open(&s, &cfg) != 0) {
			free(t);
			return 1;
		}
		if (w == 0)
			open_ms = now_ms() - t0;
		langs = slip_langs(s);
		for (i = 0; i < langs->n; i++) {
			for (k = 0; k < 2; k++) {
				sum = esc = 0;
				for (n = 0; n < WARMUP + rounds; n++) {
					t0 = now_ms();
					if (slip_render(s, langs->lang[i].code,
						(enum slip_kind)k,
						"K7QD-M2XA-9RTF-C", &r,
						NULL) != 0) {
						fails++;
						break;
					}
					/* Fonts load on the very first one. */
					if (first_ms < 0)
						first_ms = now_ms() - t0;
					if (n >= WARMUP) {
						t[n - WARMUP] = now_ms() - t0;
						sum += t[n - WARMUP];
					}
					height = r.height;
					t0 = now_ms();
					if (escpos_encode_alloc(
						&r, &o, &buf, &len) != 0)
						fails++;
					else
						free(buf);
					esc += now_ms() - t0;
					raster_free(&r);
				}
				if (n < WARMUP + rounds)
					continue;
				qsort(t, rounds, sizeof(*t), cmp_double);
				printf("%-8s %-5s %-6zu %-9s %8.1f %8.1f %9.2f "
				       "%7zu\n",
				    "receipt", langs->lang[i].code, widths[w],
				    kinds[k], sum / rounds,
				    t[(rounds * 95 + 99) / 100 - 1],
				    esc / (WARMUP + rounds), height);
				if (t[(rounds * 95 + 99) / 100 - 1] > worst)
					worst = t[(rounds * 95 + 99) / 100 - 1];
			}
		}
		slip_close(s);
	}
	printf("receipt: cold start: slip_open %.1f ms, first slip %.1f ms "
	       "(fonts loading; once per process)\n",
	    open_ms, first_ms);
	printf("receipt: worst p95 %.1f ms, target below %.0f ms: %s\n", worst,
	    TARGET_MS, worst < TARGET_MS ? "met" : "NOT MET");
	free(t);
	return fails == 0 ? 0 : 1;
}
