#ifndef KIOSK_KIOSKD_CHECK_H
#define KIOSK_KIOSKD_CHECK_H

#include "net/devcheck.h"

/*
 * kioskd --check-config after the configuration was read: the device
 * checks (net/devcheck.h) with the printer. One line a finding; the
 * exit status (0 ready, 1 problems).
 */
int kioskd_check(
    const char *path, int config_ok, const struct devcheck_in *dev);

#endif
