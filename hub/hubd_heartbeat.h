#ifndef HUB_HUBD_HEARTBEAT_H
#define HUB_HUBD_HEARTBEAT_H

#include "hub/hubd.h"
#include "net/http.h"

/*
 * POST /v1/heartbeat: a device's signed heartbeat (crypto/hbeat.h). An
 * enrolled, unrevoked device's newer heartbeat is kept as its last
 * state; the answer carries the hub's clock ("now", ms) so a device's
 * doctor can tell how far its own clock is off.
 */
int hubd_heartbeat(
    struct hubd *hd, const struct http_req *req, struct http_resp *resp);

#endif
