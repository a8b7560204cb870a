#ifndef HUB_HUBCTL_OPS_H
#define HUB_HUBCTL_OPS_H

#include "hub/hubctl.h"

/*
 * The operator's view (issue 15): devices with their last heartbeat and
 * what is wrong with them (hubctl_devices.c), counts by channel, device
 * and day (the same file), and a check of a hub or staff folder
 * (hubctl_doctor.c).
 */

/* A device silent for this many of its own intervals is flagged. */
#define HUBCTL_SILENT_INTERVALS 3
/* A device clock further off than this is flagged. */
#define HUBCTL_SKEW_WARN_MS (2 * 60 * 1000)

int hubctl_devices(struct hubctl *h, int argc, char **argv);
int hubctl_stats(struct hubctl *h, int argc, char **argv);
int hubctl_doctor(struct hubctl *h, int argc, char **argv);

#endif
