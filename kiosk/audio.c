#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "kiosk/audio.h"
#include "kiosk/kiosk.h"
#include "kiosk/page.h"
#include "kiosk/say.h"
#include "kiosk/speech.h"
#include "kiosk/view.h"
#include "util/log.h"

#define ID_MAX 48

/* Speaking rates and loudness a visitor can choose (session rate and
 * volume index these). */
static const int wpm[] = {SPEECH_WPM_DEFAULT, 120, 210};
static const int loudness[] = {100, 50, 160};

/* Pages whose text is this visitor's own (answers, the reference code,
 * whether their slip printed): spoken for them, never kept. */
static int
personal(const char *page)
{
	return strcmp(page, "check") == 0 || strcmp(page, "done") == 0 ||
	       strcmp(page, "info") == 0;
}

void
audio_cache_free(struct audio_cache *c)
{
	for (size_t i = 0; i < AUDIO_CLIPS_MAX; i++)
		free(c->clip[i].wav);
	memset(c, 0, sizeof(*c));
}

static struct audio_clip *
cache_find(struct audio_cache *c, const char *key)
{
	for (size_t i = 0; i < AUDIO_CLIPS_MAX; i++)
		if (c->clip[i].wav != NULL &&
		    strcmp(c->clip[i].key, key) == 0) {
			c->clip[i].used = ++c->clock;
			return &c->clip[i];
		}
	return NULL;
}

/* Keep a copy, dropping the least recently used clips to make room. */
static void
cache_put(
    struct audio_cache *c, const char *key, const uint8_t *wav, size_t len)
{
	struct audio_clip *slot = NULL;

	for (;;) {
		struct audio_clip *old = NULL;
		for (size_t i = 0; i < AUDIO_CLIPS_MAX; i++) {
			struct audio_clip *a = &c->clip[i];
			if (a->wav == NULL) {
				slot = slot != NULL ? slot : a;
				continue;
			}
			if (old == NULL || a->used < old->used)
				old = a;
		}
		if (slot != NULL && c->bytes + len <= AUDIO_CACHE_MAX)
			break;
		if (old == NULL)
			return;
		c->bytes -= old->len;
		free(old->wav);
		memset(old, 0, sizeof(*old));
		if (slot == NULL)
			slot = old;
	}
	if ((slot->wav = malloc(len)) == NULL)
		return; /* not kept; still served */
	memcpy(slot->wav, wav, len);
	slot->len = len;
	snprintf(slot->key, sizeof(slot->key), "%s", key);
	slot->used = ++c->clock;
	c->bytes += len;
}

/* "/audio/PAGE/N.wav" or "/audio/PAGE/ID/N.wav". */
static int
parse_path(const char *path, char *page, size_t pcap, char *id, size_t icap,
    unsigned *n)
{
	char part[3][ID_MAX];
	size_t np = 0, k = 0;
	const char *p = path + strlen("/audio/");
	char *end;
	unsigned long v;

	memset(part, 0, sizeof(part));
	for (; *p != '\0'; p++) {
		if (*p == '/') {
			if (k == 0 || ++np == 3)
				return -1;
			k = 0;
			continue;
		}
		if (!(islower((unsigned char)*p) ||
			isdigit((unsigned char)*p) || *p == '-' || *p == '_' ||
			*p == '.') ||
		    k + 1 >= ID_MAX)
			return -1;
		part[np][k++] = *p;
	}
	if (k == 0 || np == 0)
		return -1;
	k = strlen(part[np]);
	if (k < 5 || strcmp(part[np] + k - 4, ".wav") != 0)
		return -1;
	part[np][k - 4] = '\0';
	v = strtoul(part[np], &end, 10);
	if (*end != '\0' || end == part[np] || v >= SAY_CLIPS_MAX)
		return -1;
	*n = (unsigned)v;
	if (snprintf(page, pcap, "%s", part[0]) >= (int)pcap ||
	    snprintf(id, icap, "%s", np == 2 ? part[1] : "") >= (int)icap)
		return -1;
	return 0;
}

/* The page as the visitor sees it, rendered for its words. */
static const char *
page_html(struct flow_req *r, struct page *p, const char *name, int answers)
{
	const char *main_html;

	if (strcmp(name, "idle") == 0) {
		/* The warning lives in the layout, around any page. */
		view_fill(p, r, "about", 0);
		page_frag(p, "main", "");
		return page_render_frag(p, "layout");
	}
	view_fill(p, r, name, answers);
	main_html = page_render_frag(p, name);
	return main_html;
}

static int
not_found(struct flow_req *r)
{
	return http_resp_body(r->resp, 404, NULL, "", 0);
}

int
audio_handle(struct flow_req *r)
{
	struct kiosk *k = r->k;
	struct session *s = k->s;
	const struct kiosk_lang *L;
	char page[ID_MAX], id[ID_MAX], key[AUDIO_KEY_MAX];
	const char *voice, *text = NULL;
	char unavailable[CONTENT_TEXT_MAX];
	struct audio_clip *hit;
	struct page p;
	struct say say;
	unsigned n;
	size_t len = 0;
	int keep, rc = -1, have_page = 0, rate, vol;

	if (parse_path(r->http->path, page, sizeof(page), id, sizeof(id), &n) !=
	    0)
		return view_error(r, 404, "not_found");
	if (strcmp(page, "idle") != 0 && !flow_page_open(r, page))
		return view_error(r, 404, "not_found");
	if (!r->owned || s->lang[0] == '\0')
		return view_error(r, 404, "not_found");
	L = kiosk_lang_find(k, s->lang);
	rate = s->rate >= 0 && s->rate < 3 ? s->rate : 0;
	vol = s->volume >= 0 && s->volume < 3 ? s->volume : 0;
	keep = !personal(page);
	voice = L->voice;
	if (voice[0] == '\0') {
		/* No voice for this language: say so, once, in English. */
		const struct kiosk_lang *en = kiosk_lang_find(k, "en");
		struct content_var v = {"language", L->english};
		const char *t =
		    en != NULL ? content_get(&en->text, "speech_unavailable")
			       : NULL;
		if (n > 0 || t == NULL || en->voice[0] == '\0')
			return not_found(r);
		if (content_expand(
			t, &v, 1, unavailable, sizeof(unavailable)) != 0)
			return -1;
		text = unavailable;
		voice = en->voice;
	}
	if (snprintf(key, sizeof(key), "%s|%s|%s|%u|%d", L->code, page, id, n,
		rate) >= (int)sizeof(key))
		return not_found(r);
	if (keep && (hit = cache_find(k->audio, key)) != NULL) {
		memcpy(k->wav, hit->wav, hit->len);
		len = hit->len;
		goto send;
	}
	if (text == NULL) {
		const char *html = page_html(r, &p, page, !keep);
		have_page = 1;
		/* The idle warning is one element of the layout. */
		const char *only = strcmp(page, "idle") == 0 ? "idle-warning"
				   : id[0] != '\0'           ? id
							     : NULL;
		if (html == NULL ||
		    say_extract(&say, k->say, KIOSK_PAGE_MAX, html, only) !=
			0 ||
		    n >= say.n) {
			page_done(&p);
			sodium_memzero(k->say, KIOSK_PAGE_MAX);
			return not_found(r);
		}
		text = say.clip[n];
	}
	if (speech_wav(k->speech, voice, wpm[rate], text, k->wav,
		SPEECH_WAV_MAX, &len) != 0)
		goto out;
	if (keep)
		cache_put(k->audio, key, k->wav, len);
send:
	if (http_resp_header(r->resp, "X-Speech-Voice", voice) != 0 ||
	    http_resp_body(r->resp, 200, "audio/wav", k->wav, len) != 0)
		goto out;
	speech_volume(r->resp->body, r->resp->body_len, loudness[vol]);
	rc = 0;
out:
	if (have_page)
		page_done(&p);
	/* The check page's words and the reference code, spoken or not. */
	sodium_memzero(k->say, KIOSK_PAGE_MAX);
	sodium_memzero(k->wav, SPEECH_WAV_MAX);
	sodium_memzero(unavailable, sizeof(unavailable));
	return rc;
}
