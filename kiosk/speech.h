#ifndef KIOSK_SPEECH_H
#define KIOSK_SPEECH_H

#include <stddef.h>
#include <stdint.h>

/*
 * Text to speech on the kiosk itself, with libespeak-ng: nothing leaves
 * the machine. Output is a WAV file, 8-bit mono at SPEECH_RATE, small
 * enough to pass through the server's response buffer whole (espeak's
 * formant voice loses nothing audible at that rate).
 *
 * espeak-ng keeps global state: one struct speech a process, used by one
 * thread at a time (kioskd calls it under the visitor lock).
 */
#define SPEECH_RATE 11025
#define SPEECH_WAV_HEADER 44
/* 46 s of audio: longer texts are refused, so a caller splits them. */
#define SPEECH_WAV_MAX (512 * 1024)
#define SPEECH_TEXT_MAX 2048
#define SPEECH_WPM_MIN 80
#define SPEECH_WPM_MAX 450
#define SPEECH_WPM_DEFAULT 160

struct speech;

/* The system's espeak-ng-data (Debian's espeak-ng-data package). */
struct speech *speech_new(void);
void speech_free(struct speech *sp);

/* Does espeak-ng have this voice ("en-gb", "ar")? */
int speech_has_voice(struct speech *sp, const char *voice);

/*
 * Speak text (UTF-8) with voice at wpm into out as a WAV file. out may
 * be locked memory (the text may be a visitor's answers); nothing is
 * kept after the call but in out, and the internal sample buffer (also
 * locked) is wiped.
 */
int speech_wav(struct speech *sp, const char *voice, int wpm, const char *text,
    uint8_t *out, size_t cap, size_t *len);

/* Scale a WAV's loudness in place, percent (100 leaves it as it is). */
void speech_volume(uint8_t *wav, size_t len, int percent);

#endif
