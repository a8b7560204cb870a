#ifndef SMS_TWILIO_H
#define SMS_TWILIO_H

#include <stddef.h>

#include "net/http.h"
#include "sms/provider.h"

/*
 * Twilio's webhook (application/x-www-form-urlencoded POST, answered with
 * TwiML). The provider object is twilio_provider in sms/provider.h.
 *
 * X-Twilio-Signature is Base64(HMAC-SHA1(auth token, URL + every POST
 * parameter sorted by name, each as name followed by value)). The URL is
 * the one configured in the Twilio console, taken from our configuration:
 * the Host header is chosen by whoever sends the request.
 */

/* Base64 of a 20-byte SHA-1 MAC, without the NUL. */
#define TWILIO_SIG_LEN 28

/*
 * The signature Twilio would send for these decoded parameters. As in
 * Twilio's own validators, pairs are ordered by name and, for a name
 * given more than once, by value (byte order), and a repeated identical
 * name=value pair counts once.
 */
int twilio_signature(const char *token, size_t tokenlen, const char *url,
    const struct http_pair *pairs, size_t npairs, char out[TWILIO_SIG_LEN + 1]);

#endif
