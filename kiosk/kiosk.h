#ifndef KIOSK_KIOSK_H
#define KIOSK_KIOSK_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/bundle.h"
#include "kiosk/session.h"
#include "kiosk/tmpl.h"
#include "net/http.h"
#include "receipt/printer.h"
#include "receipt/slip.h"
#include "store/db.h"
#include "util/content.h"

/*
 * The kiosk application: what kioskd serves, without the listener, so
 * unit tests drive it request by request. One visitor at a time: every
 * request runs under one lock, with the one session.
 */
#define KIOSK_LANGS_MAX (CONTENT_LANGS_MAX + 1)
#define KIOSK_STATIC_MAX (256 * 1024)
#define KIOSK_SCRATCH (256 * 1024)
#define KIOSK_PAGE_MAX (128 * 1024)
/* The largest answer: a page, or a clip of speech (kiosk/speech.h). */
#define KIOSK_RESP_MAX (512 * 1024)
#define KIOSK_COOKIE "rjk"
#define KIOSK_EASY "en-easy"

struct kiosk_config {
	const char *content_dir;
	const char *templates_dir;
	const char *static_dir;
	const char *languages; /* space-separated codes, in order */
	int allow_drafts;
	int easy_read;
	const char *venue_code;
	const char *service_number; /* "+44..." for the QR */
	const char *service_number_display;
	const char *printer; /* receipt/printer.h spec */
	size_t paper_width;
	int idle_warning_s;
	int idle_grace_s;
	uint16_t port; /* the Host and Origin pages must carry */
	struct db *db; /* the outbox; may be NULL for --check-config */
	struct gcommit *gc; /* db's group commit; NULL: write directly */
	const struct bundle *bundle;
	void (*on_queued)(void *arg); /* e.g. forwarder_wake */
	void *on_queued_arg;
};

struct kiosk_lang {
	char code[CONTENT_LANG_MAX]; /* "en", "ar", "en-easy" */
	char html_lang[CONTENT_LANG_MAX]; /* "en" for Easy Read too */
	char native[CONTENT_NAME_MAX];
	int rtl;
	int easy;
	struct content text; /* kiosk.json or kiosk_easy.json */
	struct content receipt; /* the support lines */
	char consent_sha256[65]; /* of this language's consent wording */
	char voice[CONTENT_NAME_MAX]; /* espeak-ng's, "" when it has none */
	char english[CONTENT_NAME_MAX]; /* the language's English name */
};

struct speech;
struct audio_cache;

struct kiosk_file {
	char *data;
	size_t len;
};

struct kiosk {
	struct kiosk_config cfg;
	struct kiosk_lang langs[KIOSK_LANGS_MAX];
	size_t nlangs;
	struct content_support support;
	struct content_service service;
	struct tmpl_set *tmpl;
	struct kiosk_file css, js;
	struct slip *slip;
	struct printer printer;
	struct session *s;
	struct speech *speech;
	struct audio_cache *audio;
	uint8_t *wav; /* SPEECH_WAV_MAX, locked: a clip being made */
	char *say; /* KIOSK_PAGE_MAX, locked: a page's spoken text */
	char *scratch; /* KIOSK_SCRATCH, locked: pages hold answers */
	char *render; /* KIOSK_PAGE_MAX, locked, for fragments */
	pthread_mutex_t mu;
	pthread_mutex_t print_mu; /* one job at a time at the printer */
};

/* Load and check everything (languages, templates, static files, the
 * slip's content); NULL, with every problem logged, if anything is off. */
struct kiosk *kiosk_new(const struct kiosk_config *cfg);
void kiosk_free(struct kiosk *k);

/* A server_handler. */
int kiosk_handle(void *ctx, const struct http_req *req, struct http_resp *resp);

/* Milliseconds on the monotonic clock, what kiosk_tick expects. */
int64_t kiosk_clock_ms(void);

/* Wipe a visitor who has been idle past the warning and its grace. */
void kiosk_tick(struct kiosk *k, int64_t clock_ms);

const struct kiosk_lang *kiosk_lang_find(
    const struct kiosk *k, const char *code);

#endif
