#ifndef NET_CLIENT_H
#define NET_CLIENT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The forwarder's HTTPS client (libcurl): HTTPS only, TLS 1.2 or later,
 * the peer certificate and host name verified against ca_path, and the
 * server's public key pinned. A wrong pin aborts after the handshake,
 * before any request byte is sent. One connection is kept and reused
 * between posts. Proxy settings from the environment are ignored: the
 * hub is reached directly.
 *
 * curl_global_init is called by client_new; with libcurl 7.84 or later
 * (Debian 12 ships 7.88) that is thread-safe.
 */

/* "https://host:port" plus a path. */
#define CLIENT_MAX_URL 512
/* Pins: "sha256//" and 44 base64 characters, several joined with ';'. */
#define CLIENT_PIN_LEN 52
#define CLIENT_MAX_PINS 4
#define CLIENT_MAX_CTYPE 128
/* Largest hub certificate (PEM) accepted. */
#define CLIENT_MAX_CERT_PEM (64 * 1024)

struct client;

/*
 * url_base: "https://hub.example:8443" (no trailing slash). ca_path: PEM
 * file of trusted certificates (the hub's self-signed one), or NULL for
 * the system's. pin: "sha256//BASE64", or up to CLIENT_MAX_PINS of them
 * joined by ';' during a key change; required. Timeouts in milliseconds.
 */
struct client *client_new(const char *url_base, const char *ca_path,
    const char *pin, long connect_timeout_ms, long total_timeout_ms);

/*
 * The same with the trusted certificate(s) given as PEM text (a device
 * bundle carries the hub's certificate), NUL-terminated, at most
 * CLIENT_MAX_CERT_PEM bytes.
 */
struct client *client_new_pem(const char *url_base, const char *ca_pem,
    const char *pin, long connect_timeout_ms, long total_timeout_ms);

/*
 * POST body to url_base + path. Returns 0 when a response came back,
 * whatever its status (*status), with its body in resp (*resp_len bytes;
 * a longer body is an error). Returns -1 on any transport, TLS, pin or
 * timeout failure.
 */
int client_post(struct client *c, const char *path, const uint8_t *body,
    size_t len, const char *content_type, long *status, uint8_t *resp,
    size_t resp_cap, size_t *resp_len) __attribute__((warn_unused_result));

void client_free(struct client *c);

#endif
