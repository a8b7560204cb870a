/*
 * libFuzzer target for the kiosk's page templates (kiosk/tmpl): the
 * input, split at NUL bytes, is up to three template files a.html,
 * b.html and c.html (so includes, sections and loops between them are
 * reached), loaded with tmpl_load and each rendered with a lookup that
 * answers every text, variable and fragment. Also tmpl_check_words on
 * the whole input. A render that succeeds is NUL-terminated and fits.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "kiosk/html.h"
#include "kiosk/tmpl.h"
#include "util/log.h"

#define NFILES 3
#define PAGE_MAX (64 * 1024)

static char page[PAGE_MAX];
static char src[PAGE_MAX + 1];

static const char *
lookup(void *ctx, int kind, const char *name)
{
	size_t n = strlen(name);

	(void)ctx;
	switch (kind) {
	case 't':
		/* A missing text is an error the render must report. */
		return n % 5 == 4 ? NULL : "Text & <b>\"words\"</b>";
	case 'v':
		return n % 3 == 0 ? "1" : n % 3 == 1 ? "" : "<v'>";
	default:
		return n % 2 == 0 ? "<p>fragment</p>" : NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const files[NFILES] = {"a.html", "b.html", "c.html"};
	static const char *const tnames[NFILES] = {"a", "b", "c"};
	static char dir[256];
	struct tmpl_set *ts;
	struct html out;
	char path[512], name[32];
	size_t off = 0;

	if (size > PAGE_MAX)
		return 0;
	if (dir[0] == '\0') {
		log_quiet(1);
		CHECK((size_t)snprintf(dir, sizeof(dir), "%s/tmpl",
			  fuzz_dir_get()) < sizeof(dir));
		CHECK(mkdir(dir, 0700) == 0);
	}
	/* As tmpl_load hands it over: NUL-terminated (file_read_alloc). */
	memcpy(src, data, size);
	src[size] = '\0';
	(void)tmpl_check_words("fuzz", src, size);
	for (int i = 0; i < NFILES; i++) {
		const uint8_t *end =
		    off < size ? memchr(data + off, '\0', size - off) : NULL;
		size_t len = end != NULL ? (size_t)(end - (data + off))
					 : size - (off < size ? off : size);

		CHECK((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			  files[i]) < sizeof(path));
		(void)unlink(path);
		if (off > size || (i > 0 && off == size))
			continue;
		CHECK((size_t)snprintf(name, sizeof(name), "tmpl/%s",
			  files[i]) < sizeof(name));
		fuzz_write(path, sizeof(path), name, data + off, len, 0600);
		off += len + 1;
	}
	if ((ts = tmpl_load(dir)) == NULL)
		return 0;
	for (int i = 0; i < NFILES; i++) {
		if (!tmpl_has(ts, tnames[i]))
			continue;
		html_init(&out, page, sizeof(page));
		if (tmpl_render(ts, tnames[i], lookup, NULL, &out) == 0)
			CHECK(
			    out.len < sizeof(page) && strlen(page) == out.len);
	}
	tmpl_free(ts);
	return 0;
}
