/*
 * Turn printer bytes back into the picture a thermal printer would make,
 * for tests. It knows only the commands the receipt module may send and
 * refuses anything else, so a framing mistake fails loudly:
 *
 *   ESC @   ESC d n   ESC J n   GS V m   GS v 0 m xL xH yL yH <data>
 *
 * usage: escpos2png IN OUT.png|OUT.pbm
 * Prints "width=W height=H bands=N init=I feed=F cut=C" on success; the
 * bands must all be one width, ESC @ must come first.
 *
 * Deliberately written apart from receipt/escpos.c (it shares only the
 * raster type and the PNG writer) so the two can check each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receipt/raster.h"
#include "util/file.h"
#include "util/log.h"

#define IN_MAX (32u * 1024 * 1024)

struct image {
	uint8_t *bits;
	size_t stride;
	size_t height;
};

static int
append_band(struct image *im, const uint8_t *data, size_t x, size_t y)
{
	uint8_t *p;

	if (im->stride != 0 && im->stride != x) {
		fprintf(stderr, "band of %zu bytes a row after %zu\n", x,
		    im->stride);
		return -1;
	}
	if (im->height + y > RASTER_MAX_HEIGHT) {
		fprintf(stderr, "image too tall\n");
		return -1;
	}
	if ((p = realloc(im->bits, (im->height + y) * x)) == NULL)
		return -1;
	memcpy(p + im->height * x, data, x * y);
	im->bits = p;
	im->stride = x;
	im->height += y;
	return 0;
}

static int
write_pbm(const struct raster *r, const char *path)
{
	FILE *f;
	size_t y;
	int rc = -1;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	if (fprintf(f, "P4\n%zu %zu\n", r->width, r->height) < 0)
		goto out;
	for (y = 0; y < r->height; y++)
		if (fwrite(r->bits + y * r->stride, 1, r->stride, f) !=
		    r->stride)
			goto out;
	rc = 0;
out:
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int
main(int argc, char **argv)
{
	struct image im = {NULL, 0, 0};
	struct raster r = {0};
	uint8_t *in = NULL;
	size_t len, i = 0, x, y, bands = 0;
	int init = 0, feed = 0, cut = -1, rc = 1;
	const char *out;

	log_init("escpos2png");
	if (argc != 3) {
		fprintf(stderr, "usage: escpos2png in out.png|out.pbm\n");
		return 2;
	}
	out = argv[2];
	if (file_read_alloc(argv[1], IN_MAX, &in, &len) != 0)
		return 1;
	while (i < len) {
		if (cut >= 0) {
			fprintf(stderr, "byte %zu: data after the cut\n", i);
			goto out;
		}
		if (i + 2 <= len && in[i] == 0x1b && in[i + 1] == '@') {
			if (i != 0) {
				fprintf(
				    stderr, "byte %zu: ESC @ not first\n", i);
				goto out;
			}
			init = 1;
			i += 2;
		} else if (i + 3 <= len && in[i] == 0x1b &&
			   (in[i + 1] == 'd' || in[i + 1] == 'J')) {
			feed += in[i + 2];
			i += 3;
		} else if (i + 3 <= len && in[i] == 0x1d && in[i + 1] == 'V') {
			cut = in[i + 2];
			/* Function B cuts (65, 66) carry a feed byte. */
			i += cut >= 65 ? 4 : 3;
			if (i > len) {
				fprintf(stderr, "truncated GS V\n");
				goto out;
			}
		} else if (i + 8 <= len && in[i] == 0x1d && in[i + 1] == 'v' &&
			   in[i + 2] == '0') {
			if (in[i + 3] != 0) {
				fprintf(stderr, "byte %zu: density mode %u\n",
				    i, in[i + 3]);
				goto out;
			}
			x = in[i + 4] | (size_t)in[i + 5] << 8;
			y = in[i + 6] | (size_t)in[i + 7] << 8;
			i += 8;
			if (x == 0 || y == 0 || x * y > len - i) {
				fprintf(stderr,
				    "byte %zu: band %zux%zu does "
				    "not fit\n",
				    i - 8, x, y);
				goto out;
			}
			if (append_band(&im, in + i, x, y) != 0)
				goto out;
			i += x * y;
			bands++;
		} else {
			fprintf(stderr, "byte %zu: unknown command 0x%02x\n", i,
			    in[i]);
			goto out;
		}
	}
	if (!init || bands == 0) {
		fprintf(stderr, "no ESC @ or no image\n");
		goto out;
	}
	r.bits = im.bits;
	r.width = im.stride * 8;
	r.height = im.height;
	r.stride = im.stride;
	len = strlen(out);
	if (len > 4 && strcmp(out + len - 4, ".pbm") == 0) {
		if (write_pbm(&r, out) != 0) {
			fprintf(stderr, "%s: write failed\n", out);
			goto out;
		}
	} else if (raster_write_png(&r, out) != 0) {
		goto out;
	}
	printf("width=%zu height=%zu bands=%zu init=%d feed=%d cut=%d\n",
	    r.width, r.height, bands, init, feed, cut);
	rc = 0;
out:
	free(im.bits);
	free(in);
	return rc;
}
