#include <stddef.h>

#include "kiosk/kioskd_check.h"
/*
 * kioskd renders slips, so fontconfig's own ~300-byte leak (see the
 * header) is in every kioskd under LeakSanitizer; the check's deeper
 * stack (libcurl) no longer hides it by chance. One translation unit a
 * program defines the suppression; without ASan it is unused.
 */
#include "tests/lsan_fontconfig.h"

int
kioskd_check(const char *path, int config_ok, const struct devcheck_in *dev)
{
	struct check c = {0, 0};

	if (config_ok)
		check_ok(&c, "configuration %s", path);
	else
		check_error(&c,
		    "configuration %s: the lines above say what is wrong; "
		    "fix them and run this again",
		    path);
	/* Without a bundle there is no device to check. */
	if (dev != NULL)
		devcheck_run(&c, dev);
	return check_done(&c, "kioskd");
}
