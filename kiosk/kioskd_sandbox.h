#ifndef KIOSK_KIOSKD_SANDBOX_H
#define KIOSK_KIOSKD_SANDBOX_H

#include "kiosk/kconf.h"

/*
 * Confine kioskd (util/sandbox.h): writes only in its database's folder
 * and in its printer's folder (/dev/usb for a device, the folder of a
 * file: printer; a tcp: printer needs none). After kiosk_new: espeak-ng
 * (1.51) reaches for PulseAudio as it starts, which no allow list should
 * let it do, and leaves idle threads of its own, which seccomp covers
 * and Landlock cannot. Before any thread of kioskd's own starts.
 */
int kioskd_sandbox(const struct kconf *conf, const char *hub_url)
    __attribute__((warn_unused_result));

#endif
