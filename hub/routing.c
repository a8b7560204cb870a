#include <ctype.h>
#include <string.h>

#include <jansson.h>

#include "hub/routing.h"
#include "util/log.h"

#define ROUTING_FILE_MAX 65536

/* "Kingston upon Thames", "kingston-upon-thames" and "KINGSTON UPON
 * THAMES" are the same borough. */
static void
normalise(char *out, size_t cap, const char *in)
{
	size_t o = 0;

	for (; *in != '\0' && o + 1 < cap; in++)
		if (isalpha((unsigned char)*in))
			out[o++] = (char)tolower((unsigned char)*in);
	out[o] = '\0';
}

int
routing_load(struct routing *r, const char *path)
{
	json_t *root, *spokes, *list, *b;
	json_error_t err;
	const char *spoke;
	size_t i;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		log_err("%s: %s (line %d)", path, err.text, err.line);
		return -1;
	}
	spokes = json_object_get(root, "spokes");
	if (!json_is_object(spokes)) {
		log_err("%s: no \"spokes\" object", path);
		goto out;
	}
	json_object_foreach(spokes, spoke, list)
	{
		if (strlen(spoke) == 0 || strlen(spoke) >= ROUTING_NAME_MAX ||
		    !json_is_array(list)) {
			log_err("%s: bad spoke entry", path);
			goto out;
		}
		json_array_foreach(list, i, b)
		{
			struct routing_entry *e;

			if (!json_is_string(b) ||
			    r->n == ROUTING_MAX_BOROUGHS) {
				log_err("%s: bad borough list", path);
				goto out;
			}
			e = &r->entries[r->n++];
			normalise(e->borough, sizeof(e->borough),
			    json_string_value(b));
			snprintf(e->spoke, sizeof(e->spoke), "%s", spoke);
		}
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

const char *
routing_spoke_for(const struct routing *r, const char *borough)
{
	char key[64];

	if (borough == NULL)
		return ROUTING_UNASSIGNED;
	normalise(key, sizeof(key), borough);
	for (size_t i = 0; i < r->n; i++)
		if (key[0] != '\0' && strcmp(r->entries[i].borough, key) == 0)
			return r->entries[i].spoke;
	return ROUTING_UNASSIGNED;
}

int
routing_spoke_known(const struct routing *r, const char *spoke)
{
	if (strcmp(spoke, ROUTING_UNASSIGNED) == 0)
		return 1;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->entries[i].spoke, spoke) == 0)
			return 1;
	return 0;
}
