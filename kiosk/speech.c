#include <pthread.h>
#include <string.h>

#include <espeak-ng/speak_lib.h>
#include <sodium.h>

#include "kiosk/speech.h"
#include "util/log.h"

/* Samples at espeak's own rate (22050 Hz): room for SPEECH_WAV_MAX of
 * output at half the rate. */
#define PCM_MAX (2 * (SPEECH_WAV_MAX - SPEECH_WAV_HEADER))

/*
 * espeak-ng is one global engine, and espeak_Terminate can hang on its
 * own thread: started once for the process, never stopped (the memory
 * goes with the process).
 */
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static int engine_rate;

static void
engine_start(void)
{
	engine_rate = espeak_Initialize(
	    AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT);
}

struct speech {
	int in_rate;
	int16_t *pcm; /* locked */
	size_t n;
	int overflow;
};

static int
collect(short *wav, int n, espeak_EVENT *ev)
{
	struct speech *sp = ev != NULL ? ev->user_data : NULL;

	if (sp == NULL || wav == NULL || n <= 0)
		return 0;
	if ((size_t)n > PCM_MAX - sp->n) {
		sp->overflow = 1;
		return 1; /* stop: the text is too long for one clip */
	}
	memcpy(sp->pcm + sp->n, wav, (size_t)n * sizeof(*wav));
	sp->n += (size_t)n;
	return 0;
}

struct speech *
speech_new(void)
{
	struct speech *sp = sodium_malloc(sizeof(*sp));

	if (sp == NULL) {
		log_err("speech: out of locked memory");
		return NULL;
	}
	memset(sp, 0, sizeof(*sp));
	sp->pcm = sodium_malloc(PCM_MAX * sizeof(int16_t));
	if (sp->pcm == NULL) {
		log_err("speech: out of locked memory");
		goto fail;
	}
	pthread_once(&engine_once, engine_start);
	sp->in_rate = engine_rate;
	if (sp->in_rate <= 0) {
		log_err("speech: espeak-ng cannot start (is espeak-ng-data "
			"installed?)");
		goto fail;
	}
	espeak_SetSynthCallback(collect);
	return sp;
fail:
	speech_free(sp);
	return NULL;
}

void
speech_free(struct speech *sp)
{
	if (sp == NULL)
		return;
	sodium_free(sp->pcm);
	sodium_free(sp);
}

/* By language ("en-gb"), as languages.json names voices: espeak-ng's
 * voice names are its own ("English (Great Britain)"). */
static int
select_voice(const char *voice)
{
	espeak_VOICE v;

	memset(&v, 0, sizeof(v));
	v.languages = voice;
	return espeak_SetVoiceByProperties(&v) == EE_OK ? 0 : -1;
}

int
speech_has_voice(struct speech *sp, const char *voice)
{
	(void)sp;
	return select_voice(voice) == 0;
}

static void
put_le(uint8_t *p, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* RIFF/WAVE, PCM, mono, 8-bit unsigned. */
static void
wav_header(uint8_t *h, size_t data_len)
{
	memcpy(h, "RIFF", 4);
	put_le(h + 4, (uint32_t)(36 + data_len), 4);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le(h + 16, 16, 4);
	put_le(h + 20, 1, 2); /* PCM */
	put_le(h + 22, 1, 2); /* mono */
	put_le(h + 24, SPEECH_RATE, 4);
	put_le(h + 28, SPEECH_RATE, 4); /* bytes a second */
	put_le(h + 32, 1, 2); /* block align */
	put_le(h + 34, 8, 2); /* bits */
	memcpy(h + 36, "data", 4);
	put_le(h + 40, (uint32_t)data_len, 4);
}

int
speech_wav(struct speech *sp, const char *voice, int wpm, const char *text,
    uint8_t *out, size_t cap, size_t *len)
{
	size_t tlen = strlen(text), o = SPEECH_WAV_HEADER, step;
	int rc = -1;

	*len = 0;
	if (tlen == 0 || tlen > SPEECH_TEXT_MAX || cap < SPEECH_WAV_HEADER) {
		log_err("speech: %zu bytes of text refused", tlen);
		return -1;
	}
	if (select_voice(voice) != 0) {
		log_err("speech: no voice %s", voice);
		return -1;
	}
	if (wpm < SPEECH_WPM_MIN || wpm > SPEECH_WPM_MAX)
		wpm = SPEECH_WPM_DEFAULT;
	espeak_SetParameter(espeakRATE, wpm, 0);
	sp->n = 0;
	sp->overflow = 0;
	if (espeak_Synth(text, tlen + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8,
		NULL, sp) != EE_OK ||
	    espeak_Synchronize() != EE_OK) {
		log_err("speech: synthesis failed");
		goto out;
	}
	if (sp->overflow || sp->n == 0) {
		log_err("speech: %s",
		    sp->overflow ? "text too long for one clip" : "no sound");
		goto out;
	}
	/* Down to SPEECH_RATE: the mean of each run of samples is a plain
	 * low-pass that keeps speech clear. */
	step = (size_t)(sp->in_rate / SPEECH_RATE);
	if (step == 0)
		step = 1;
	for (size_t i = 0; i + step <= sp->n; i += step) {
		int32_t sum = 0;
		for (size_t k = 0; k < step; k++)
			sum += sp->pcm[i + k];
		if (o == cap) {
			log_err("speech: clip larger than %zu bytes", cap);
			goto out;
		}
		out[o++] = (uint8_t)(128 + (sum / (int32_t)step) / 256);
	}
	wav_header(out, o - SPEECH_WAV_HEADER);
	*len = o;
	rc = 0;
out:
	sodium_memzero(sp->pcm, sp->n * sizeof(int16_t));
	sp->n = 0;
	return rc;
}

void
speech_volume(uint8_t *wav, size_t len, int percent)
{
	if (percent == 100 || len <= SPEECH_WAV_HEADER)
		return;
	for (size_t i = SPEECH_WAV_HEADER; i < len; i++) {
		int v = 128 + ((int)wav[i] - 128) * percent / 100;
		wav[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
}
