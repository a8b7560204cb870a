#ifndef HUB_ROUTING_H
#define HUB_ROUTING_H

#include <stddef.h>

/*
 * Borough-to-spoke routing from content/spokes.json (an example grouping
 * until the service confirms it). Unknown or missing boroughs go to
 * ROUTING_UNASSIGNED for staff to place by hand.
 */
#define ROUTING_UNASSIGNED "unassigned"
#define ROUTING_NAME_MAX 32
#define ROUTING_MAX_BOROUGHS 64

struct routing_entry {
	char borough[64]; /* normalised: lower-case letters only */
	char spoke[ROUTING_NAME_MAX];
};

struct routing {
	struct routing_entry entries[ROUTING_MAX_BOROUGHS];
	size_t n;
};

int routing_load(struct routing *r, const char *path);
/* The spoke for a borough name as a person or a device wrote it. */
const char *routing_spoke_for(const struct routing *r, const char *borough);
/* 1 if spoke is one of the table's spokes or ROUTING_UNASSIGNED. */
int routing_spoke_known(const struct routing *r, const char *spoke);

#endif
