#include "kiosk/kioskd_sandbox.h"
#include "receipt/printer.h"
#include "util/log.h"
#include "util/sandbox.h"

int
kioskd_sandbox(const struct kconf *conf, const char *hub_url)
{
	struct sandbox_policy sp;
	struct printer p;

	if (printer_parse(&p, conf->printer) != 0) {
		log_err("printer: cannot use \"%s\"", conf->printer);
		return -1;
	}
	sandbox_policy_init(&sp, SANDBOX_KIOSKD);
	/* espeak-ng's command queue, and what pcaudiolib leaves running
	 * when it looks for PulseAudio (none on a kiosk, one or two here). */
	sp.library_threads = 4;
	if (sandbox_policy_allow_write(&sp, conf->database, 1) != 0 ||
	    sandbox_policy_resolve(&sp, hub_url) != 0)
		return -1;
	/* The device's folder, not the device: a printer unplugged and
	 * plugged in again is a new device file. */
	if (p.kind != PRINTER_TCP &&
	    sandbox_policy_allow_write(&sp, p.path, 1) != 0)
		return -1;
	return sandbox_enter(&sp);
}
