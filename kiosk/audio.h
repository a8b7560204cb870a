#ifndef KIOSK_AUDIO_H
#define KIOSK_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#include "kiosk/flow.h"

/*
 * Pages read aloud (docs/kiosk.md, "Listening"):
 *
 *   GET /audio/PAGE/N.wav       clip N of the page's text
 *   GET /audio/PAGE/ID/N.wav    clip N of one question (element id ID)
 *   GET /audio/idle/N.wav       the idle warning
 *
 * in the visitor's language and voice, at their speed and volume. A page
 * without a visitor's answers is rendered once per language and speed
 * and kept in memory; the check and receipt pages, which hold answers
 * and the reference code, are spoken on demand into locked memory, never
 * kept, never written anywhere. A clip past the last is 404, which ends
 * the page's playlist.
 */
#define AUDIO_CLIPS_MAX 512
#define AUDIO_CACHE_MAX (32 * 1024 * 1024)
#define AUDIO_KEY_MAX 160

struct audio_clip {
	char key[AUDIO_KEY_MAX];
	uint8_t *wav;
	size_t len;
	uint64_t used;
};

struct audio_cache {
	struct audio_clip clip[AUDIO_CLIPS_MAX];
	size_t bytes;
	uint64_t clock;
};

void audio_cache_free(struct audio_cache *c);

int audio_handle(struct flow_req *r);

#endif
