#include <stdlib.h>

#include <sodium.h>

#include "store/sealer.h"
#include "store/gcommit.h"
#include "store/outbox.h"
#include "util/log.h"

struct put {
	const uint8_t *id;
	const uint8_t *env;
	size_t len;
	int64_t now;
};

static int
put_op(struct db *db, void *arg)
{
	const struct put *p = arg;

	return outbox_put(db, p->id, p->env, p->len, p->now);
}

int
sealer_outbox(
    void *ctx, enum envelope_kind kind, const char *payload, size_t len)
{
	const struct sealer *s = ctx;
	struct envelope_hdr hdr;
	uint8_t *env;
	size_t n;
	int64_t now = db_now_ms();
	int rc = -1;

	if (len == 0 || len > ENVELOPE_PAYLOAD_MAX) {
		log_err("sealer: payload of %zu bytes refused", len);
		return -1;
	}
	/* Sealed and signed: nothing in it needs locked memory. */
	if ((env = malloc(ENVELOPE_MAX)) == NULL) {
		log_err("out of memory");
		return -1;
	}
	if (envelope_build(env, ENVELOPE_MAX, &n, &hdr, kind, s->device_id,
		(uint64_t)now, (const uint8_t *)payload, len, s->hub_box_pk,
		s->sign_sk) != 0) {
		log_err("sealer: cannot build the envelope");
		goto out;
	}
	if (s->gc != NULL) {
		struct put p = {hdr.envelope_id, env, n, now};

		if (gcommit_run(s->gc, put_op, &p) != 0)
			goto out;
	} else if (outbox_put(s->db, hdr.envelope_id, env, n, now) != 0)
		goto out;
	rc = 0;
out:
	free(env);
	return rc;
}
