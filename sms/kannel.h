#ifndef SMS_KANNEL_H
#define SMS_KANNEL_H

#include <stdint.h>

#include "sms/provider.h"

/*
 * Kannel's sms-service interface (a self-hosted GSM modem keeps messages
 * off third-party clouds). The provider object is kannel_provider in
 * sms/provider.h.
 *
 * Kannel has no request signature, so a request is accepted only from an
 * allowed source address and with the secret token in its URL (compared
 * in constant time). docs/sms.md gives the smsbox and sms-service groups
 * to use (tests/e2e/sms_kannel.sh runs a real Kannel with them): post-url
 * = "https://...?token=SECRET&id=%I" with send-sender = true, so the body
 * is the text (text/plain, UTF-8: mo-recode = true in the smsbox group
 * turns UCS-2 messages into UTF-8) and the numbers and time come in
 * X-Kannel-From, X-Kannel-To and X-Kannel-Time. get-url
 * (?token=SECRET&from=%p&to=%P&text=%a&time=%T&id=%I) works for short
 * texts only: the request target is limited to 2 KiB. Query parameters
 * win over headers. time is Unix seconds (%T) or "YYYY-MM-DD HH:MM[:SS]"
 * in UTC (%t, X-Kannel-Time).
 *
 * The reply is text/plain, with X-Kannel-Coding: 2 when it needs UCS-2
 * (accept-x-kannel-headers = true). omit-empty = true is required:
 * without it Kannel answers an empty reply (a silent exit, a
 * rate-limited sender) with a text of its own, "<Empty reply from
 * service provider>"; concatenation = true and max-messages =
 * SMS_MAX_SEGMENTS let every reply arrive whole.
 *
 * id=%I lets a retried request be recognised. Without an id, one is
 * derived from the numbers, the time and the text, so two identical
 * messages in the same second count as one; without an id and a time,
 * every request is new.
 *
 * The token travels in the URL: it must never be logged by the server
 * or by a proxy in front of it.
 */

/* Parse "YYYY-MM-DD HH:MM[:SS]" (UTC) or Unix seconds. */
int kannel_parse_time(const char *s, int64_t *t);

/* 1 if entry is an allowlist entry: a numeric IPv4 or IPv6 address,
 * optionally with "/prefix" in range. */
int kannel_allow_entry_ok(const char *entry);

/* 1 if addr (numeric IPv4 or IPv6) matches one of the entries. */
int kannel_peer_allowed(
    const char *const *allow, size_t nallow, const char *addr);

#endif
