#ifndef RECEIPT_PRPROBE_H
#define RECEIPT_PRPROBE_H

/*
 * Is the configured printer there, without printing? For the kiosk's
 * heartbeat and its --check-config: a device or file that can be opened
 * for writing (a file that does not exist yet: its folder writable), a
 * network printer that accepts a connection within PRPROBE_TIMEOUT_MS.
 * Returns a short word: "ok", "missing", "offline", "no-access" or
 * "bad-setting", never NULL.
 */
#define PRPROBE_TIMEOUT_MS 2000

const char *prprobe(const char *spec);

#endif
