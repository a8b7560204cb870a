/*
 * Render receipt slips through the library for end-to-end tests and
 * demos: for each language x kind x width, OUTDIR/<lang>-<kind>-<width>
 * .escpos (the printer bytes) and .png (the same image).
 *
 * usage: slip_render -c CONTENT -n NUMBER [-d DISPLAY] [-r CODE]
 *            -o OUTDIR [-l LANG]... [-k referral|info]... [-w DOTS]...
 * With no -l, -k or -w: every shipped language, both kinds, 384 and 576.
 * Exits 1 if any slip fails or has a character no font could draw.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "receipt/escpos.h"
#include "receipt/raster.h"
#include "receipt/slip.h"
#include "util/file.h"
#include "util/log.h"
#include "tests/lsan_fontconfig.h"

#define MAX_ARGS 32

static const char *kind_name[] = {"referral", "info"};

static int
render_one(struct slip *s, const char *outdir, const char *lang,
    enum slip_kind kind, size_t width, const char *code)
{
	struct raster r;
	struct escpos_opts o;
	struct slip_stats st;
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len;
	int n, rc = -1;

	if (slip_render(s, lang, kind, code, &r, &st) != 0)
		return -1;
	escpos_default_opts(&o);
	if (escpos_encode_alloc(&r, &o, &buf, &len) != 0)
		goto out;
	n = snprintf(path, sizeof(path), "%s/%s-%s-%zu.escpos", outdir, lang,
	    kind_name[kind], width);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    file_write_atomic(path, buf, len, 0644, 0) != 0)
		goto out;
	n = snprintf(path, sizeof(path), "%s/%s-%s-%zu.png", outdir, lang,
	    kind_name[kind], width);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    raster_write_png(&r, path) != 0)
		goto out;
	printf("%s %s %zu height=%zu module=%zu unknown_glyphs=%d\n", lang,
	    kind_name[kind], width, st.height, st.qr_module_dots,
	    st.unknown_glyphs);
	rc = st.unknown_glyphs == 0 ? 0 : -1;
out:
	free(buf);
	raster_free(&r);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: slip_render -c content -n number [-d display] "
	    "[-r code] -o outdir [-l lang]... [-k referral|info]... "
	    "[-w dots]...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *langs[MAX_ARGS], *code = "K7QD-M2XA-9RTF-C";
	const char *outdir = NULL;
	struct slip_config cfg = {0};
	enum slip_kind kinds[2];
	size_t widths[MAX_ARGS], nl = 0, nk = 0, nw = 0, i, j, k;
	const struct content_langs *all;
	struct slip *s = NULL;
	int ch, fails = 0;

	log_init("slip_render");
	while ((ch = getopt(argc, argv, "c:d:k:l:n:o:r:w:")) != -1) {
		switch (ch) {
		case 'c':
			cfg.content_dir = optarg;
			break;
		case 'd':
			cfg.service_number_display = optarg;
			break;
		case 'k':
			if (nk == 2)
				usage();
			if (strcmp(optarg, "referral") == 0)
				kinds[nk++] = SLIP_REFERRAL;
			else if (strcmp(optarg, "info") == 0)
				kinds[nk++] = SLIP_INFO;
			else
				usage();
			break;
		case 'l':
			if (nl == MAX_ARGS)
				usage();
			langs[nl++] = optarg;
			break;
		case 'n':
			cfg.service_number = optarg;
			break;
		case 'o':
			outdir = optarg;
			break;
		case 'r':
			code = optarg;
			break;
		case 'w':
			if (nw == MAX_ARGS)
				usage();
			widths[nw++] = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (cfg.content_dir == NULL || cfg.service_number == NULL ||
	    outdir == NULL)
		usage();
	if (nk == 0) {
		kinds[nk++] = SLIP_REFERRAL;
		kinds[nk++] = SLIP_INFO;
	}
	if (nw == 0) {
		widths[nw++] = SLIP_WIDTH_58MM;
		widths[nw++] = SLIP_WIDTH_80MM;
	}
	for (i = 0; i < nw; i++) {
		cfg.width = widths[i];
		if (slip_open(&s, &cfg) != 0)
			return 1;
		all = slip_langs(s);
		for (j = 0; j < (nl > 0 ? nl : all->n); j++) {
			for (k = 0; k < nk; k++) {
				if (render_one(s, outdir,
					nl > 0 ? langs[j] : all->lang[j].code,
					kinds[k], widths[i], code) != 0)
					fails++;
			}
		}
		slip_close(s);
	}
	return fails == 0 ? 0 : 1;
}
