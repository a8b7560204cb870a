#ifndef RECEIPT_PRINTER_H
#define RECEIPT_PRINTER_H

#include <limits.h>
#include <stddef.h>

/*
 * Where slips go, from configuration:
 *
 *   device:/dev/usb/lp0     a USB printer-class device (or a FIFO)
 *   tcp:192.0.2.10:9100     the raw port network thermal printers listen on
 *   tcp:[2001:db8::10]:9100
 *   file:PATH               tests and demos
 *
 * Printing has a hard deadline for the whole job (open, connect, write,
 * and for tcp until the printer has taken every byte): a kiosk page never
 * waits on a printer for more than a few seconds. A failure comes back as
 * a distinct reason for the log; the visitor sees the same calm message
 * whatever the reason (receipt.json's print_failed_title and
 * print_failed_body, with the reference code to write down), as the
 * referral is already safe in the outbox by then.
 *
 * TCP takes numeric addresses only: a name lookup cannot be bounded by
 * the deadline. Devices are opened without following symbolic links.
 */

/*
 * What a kiosk page waits at most, and the most a caller may ask for. A
 * printer with a small buffer takes data only as fast as it prints, so
 * the deadline covers printing a long two-language slip (35 cm at
 * 150 mm/s is about 2.3 s).
 */
#define PRINTER_DEADLINE_MS 5000
#define PRINTER_DEADLINE_MAX_MS 10000
#define PRINTER_SPEC_MAX 512
#define PRINTER_HOST_MAX 64

enum printer_kind { PRINTER_DEVICE, PRINTER_TCP, PRINTER_FILE };

enum printer_error {
	PRINTER_OK = 0,
	PRINTER_ECONFIG, /* not a printer: bad spec, symlink, regular file */
	PRINTER_EMISSING, /* no such device, directory or network */
	PRINTER_EOFFLINE, /* refused, busy, or stalled past the deadline */
	PRINTER_ENOPAPER, /* stalled, and the printer reports no paper */
	PRINTER_EWRITE /* a write failed, perhaps part way through */
};

struct printer {
	enum printer_kind kind;
	char path[PATH_MAX];
	char host[PRINTER_HOST_MAX];
	char port[8];
};

int printer_parse(struct printer *p, const char *spec);

/*
 * Send len bytes as one job within timeout_ms (0 means
 * PRINTER_DEADLINE_MS). 0 on success; -1 with *why set otherwise.
 * Safe to call with SIGPIPE not ignored.
 */
int printer_print(const struct printer *p, const void *buf, size_t len,
    int timeout_ms, enum printer_error *why);

/* A short English phrase for logs (staff read logs; visitors never). */
const char *printer_strerror(enum printer_error e);

#endif
