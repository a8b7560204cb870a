#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sms/dialog_int.h"
#include "sms/rate.h"
#include "store/gcommit.h"
#include "util/log.h"

struct dialog *
dialog_new(const struct dialog_cfg *cfg)
{
	const struct dialog_content *dc = cfg->content;
	const struct content_contact *c;
	struct dialog *d;
	const char *src;
	int i, n;

	if (cfg->db == NULL || dc == NULL || cfg->state_key == NULL ||
	    cfg->seal == NULL) {
		log_err("dialog: database, content, state key and seal "
			"callback are all needed");
		return NULL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		log_err("out of memory");
		return NULL;
	}
	if ((d->key = sodium_malloc(DIALOG_KEY_LEN)) == NULL ||
	    (d->m = sodium_malloc(sizeof(*d->m))) == NULL ||
	    (d->payload = sodium_malloc(DIALOG_PAYLOAD_MAX)) == NULL ||
	    (d->rate = rate_new()) == NULL) {
		log_err("out of locked memory");
		sodium_free(d->key);
		sodium_free(d->m);
		sodium_free(d->payload);
		free(d);
		return NULL;
	}
	memcpy(d->key, cfg->state_key, DIALOG_KEY_LEN);
	if (pthread_mutex_init(&d->lock, NULL) != 0) {
		log_err("dialog: cannot create a mutex");
		sodium_free(d->key);
		sodium_free(d->m);
		sodium_free(d->payload);
		rate_free(d->rate);
		free(d);
		return NULL;
	}
	d->db = cfg->db;
	d->gc = cfg->gc;
	d->content = dc;
	d->seal = cfg->seal;
	d->seal_ctx = cfg->seal_ctx;
	d->idle_ms = cfg->idle_ms > 0 ? cfg->idle_ms : DIALOG_IDLE_DEFAULT;
	d->seen_keep_ms = cfg->seen_keep_ms > 0 ? cfg->seen_keep_ms
						: DIALOG_SEEN_KEEP_DEFAULT;
	d->link_keep_ms = cfg->link_keep_ms > 0 ? cfg->link_keep_ms
						: DIALOG_LINK_KEEP_DEFAULT;
	d->sender_max =
	    cfg->sender_max > 0 ? cfg->sender_max : DIALOG_SENDER_MAX_DEFAULT;
	d->sender_window_ms = cfg->sender_window_ms > 0
				  ? cfg->sender_window_ms
				  : DIALOG_SENDER_WINDOW_DEFAULT;
	d->global_max =
	    cfg->global_max > 0 ? cfg->global_max : DIALOG_GLOBAL_MAX_DEFAULT;
	d->global_window_ms = cfg->global_window_ms > 0
				  ? cfg->global_window_ms
				  : DIALOG_GLOBAL_WINDOW_DEFAULT;
	for (i = 0; i < KW_N; i++) {
		src = content_get(&dc->sms, dialog_kw_def[i].key);
		if (i == KW_CONSENT && cfg->consent_words != NULL)
			src = cfg->consent_words;
		if (i == KW_EXIT && cfg->exit_word != NULL)
			src = cfg->exit_word;
		if (src == NULL) {
			log_err("dialog: content has no \"%s\"",
			    dialog_kw_def[i].key);
			goto fail;
		}
		if (dialog_load_words(dialog_kw_def[i].key, src, d->words[i],
			d->shown[i]) != 0)
			goto fail;
	}
	if (dialog_load_words("stop keyword", dc->service.kw_stop, d->stop_kw,
		d->stop_kw) != 0 ||
	    dialog_load_words("referral keyword", dc->service.kw_referral,
		d->ref_kw, d->ref_kw) != 0 ||
	    dialog_load_words("info keyword", dc->service.kw_info, d->info_kw,
		d->info_kw) != 0)
		goto fail;
	if (dialog_check_words(d) != 0)
		goto fail;
	n = snprintf(
	    d->days, sizeof(d->days), "%d", dc->service.contact_working_days);
	if (n < 0 || (size_t)n >= sizeof(d->days))
		goto fail;
	if ((c = content_support_find(&dc->support, "victim_support")) == NULL)
		goto nosupport;
	d->support_phone = c->phone;
	if ((c = content_support_find(&dc->support, "emergency")) == NULL)
		goto nosupport;
	d->emergency = c->phone;
	if (dialog_check_templates(d) != 0)
		goto fail;
	return d;
nosupport:
	log_err("dialog: support contacts missing");
fail:
	dialog_free(d);
	return NULL;
}

void
dialog_free(struct dialog *d)
{
	if (d == NULL)
		return;
	pthread_mutex_destroy(&d->lock);
	sodium_free(d->key);
	sodium_free(d->m);
	sodium_free(d->payload);
	rate_free(d->rate);
	free(d);
}

static void
sender_key(const struct dialog *d, const char *number,
    uint8_t out[CONVERSATION_KEY_LEN])
{
	crypto_auth_hmacsha256(
	    out, (const unsigned char *)number, strlen(number), d->key);
}

/* The message id's key: its own prefix, so it can never equal a sender
 * key (numbers are digits and '+'). */
static void
message_key(const struct dialog *d, const char *provider, const char *id,
    uint8_t out[CONVERSATION_KEY_LEN])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, d->key, DIALOG_KEY_LEN);
	crypto_auth_hmacsha256_update(
	    &st, (const unsigned char *)"msgid", sizeof("msgid"));
	crypto_auth_hmacsha256_update(
	    &st, (const unsigned char *)provider, strlen(provider) + 1);
	crypto_auth_hmacsha256_update(
	    &st, (const unsigned char *)id, strlen(id));
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

struct purge_args {
	struct dialog *d;
	int64_t now;
};

static int
purge_locked(struct dialog *d, int64_t now)
{
	struct conversation_cutoffs cut;
	int64_t n;

	cut.idle = now - d->idle_ms;
	cut.seen = now - d->seen_keep_ms;
	cut.link = now - d->link_keep_ms;
	if (conversation_purge(d->db, &cut, &n) != 0)
		return -1;
	if (n > 0)
		log_info(
		    "dialog: %lld idle conversation(s) deleted", (long long)n);
	return 0;
}

static int
purge_op(struct db *db, void *arg)
{
	struct purge_args *a = arg;

	(void)db;
	return purge_locked(a->d, a->now);
}

int
dialog_purge(struct dialog *d, int64_t now_ms)
{
	struct purge_args a = {d, now_ms};
	int rc = -1;

	if (d->gc != NULL)
		return gcommit_run(d->gc, purge_op, &a) < 0 ? -1 : 0;
	pthread_mutex_lock(&d->lock);
	if (db_begin(d->db) != 0)
		goto out;
	if (purge_locked(d, now_ms) != 0 || db_commit(d->db) != 0) {
		db_rollback(d->db);
		goto out;
	}
	rc = 0;
out:
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* Count the message once, against the gateway and its sender. */
static void
count_message(struct dialog *d, struct dialog_call *a)
{
	if (a->rated)
		return;
	a->rated = 1;
	/* A burst (a poster campaign, a news item) is people, not abuse:
	 * refusing would drop their messages, since Twilio does not retry.
	 * The limit is a warning for the operator, said once a window. */
	if (!rate_window_hit(
		&d->global, a->now, d->global_window_ms, d->global_max) &&
	    a->now - d->global_warned >= d->global_window_ms) {
		log_warn("dialog: more than %d messages in %lld s, all "
			 "still answered",
		    d->global_max, (long long)(d->global_window_ms / 1000));
		d->global_warned = a->now;
	}
	a->sender_ok = rate_hit(
	    d->rate, a->sender, a->now, d->sender_window_ms, d->sender_max);
}

/*
 * One message, inside a transaction the caller opened (dialog_handle's
 * own, or a group commit's savepoint); -1 leaves the caller to roll back.
 */
static int
handle_in_tx(struct dialog_call *a)
{
	struct dialog *d = a->d;
	struct msg *m = d->m;
	const char *rest = "";
	int rc = -1, r, stop, exit_word = 0, ref = 0;

	memset(m, 0, sizeof(*m));
	m->d = d;
	m->in = a->in;
	m->now = a->now;
	m->reply = a->reply;
	m->cap = SMS_MAX_REPLY + 1;
	memcpy(m->sender, a->sender, sizeof(m->sender));
	dialog_normalise(a->in->text, m->norm);
	stop = dialog_is_stop(d, m->norm, &rest);
	if (!stop)
		exit_word = dialog_whole_in(m->norm, d->words[KW_EXIT]);
	if (!stop && !exit_word)
		ref = dialog_is_ref(d, m->norm, &rest);

	/* Expired rows go before this message can meet them; once a
	 * second is enough (three DELETEs a message were a tenth of the
	 * dialog's SQL). A rolled-back purge is done a second later. */
	if (a->now < d->purged_at || a->now - d->purged_at >= DIALOG_PURGE_MS) {
		if (purge_locked(d, a->now) != 0)
			goto out;
		d->purged_at = a->now;
	}
	r = conversation_seen_get(
	    d->db, a->mkey, a->reply, m->cap, &m->has_reply);
	if (r < 0)
		goto out;
	if (r == 0) {
		log_info("dialog: message id seen before, same answer");
		goto done;
	}
	count_message(d, a);
	if (!a->sender_ok && !stop && !exit_word) {
		log_warn("dialog: sender over its rate limit, not answered");
		m->has_reply = 0;
		r = 0;
	} else if (stop) {
		r = dialog_do_stop(m, rest);
	} else if (exit_word) {
		r = dialog_do_exit(m);
	} else if (ref) {
		r = dialog_do_ref(m, rest);
	} else {
		r = dialog_do_conversation(m);
	}
	if (r != 0)
		goto out;
	if (conversation_seen_put(
		d->db, a->mkey, a->now, m->has_reply ? a->reply : NULL) != 0)
		goto out;
done:
	a->has_reply = m->has_reply;
	a->queued = m->queued;
	rc = 0;
out:
	sodium_memzero(m, sizeof(*m));
	return rc;
}

static int
handle_op(struct db *db, void *arg)
{
	(void)db;
	return handle_in_tx(arg);
}

/* Check the call and compute its keys: 0, or -1 on a bad call. */
static int
call_init(struct dialog *d, struct dialog_call *a, const char *provider,
    const struct sms_inbound *in, int64_t now_ms, char *reply, size_t cap)
{
	memset(a, 0, sizeof(*a));
	if (cap < SMS_MAX_REPLY + 1 || in->from[0] == '\0' ||
	    in->id[0] == '\0') {
		log_err("dialog: bad call");
		return -1;
	}
	a->d = d;
	a->in = in;
	a->now = now_ms;
	a->reply = reply;
	reply[0] = '\0';
	sender_key(d, in->from, a->sender);
	message_key(d, provider, in->id, a->mkey);
	return 0;
}

/* Without a group commit: one transaction under the dialog's lock. */
static int
handle_alone(struct dialog_call *a)
{
	struct dialog *d = a->d;
	int rc = -1;

	pthread_mutex_lock(&d->lock);
	if (db_begin(d->db) == 0) {
		rc = handle_in_tx(a);
		if (rc == 0 && db_commit(d->db) != 0)
			rc = -1;
		if (rc != 0)
			db_rollback(d->db);
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* The keys wiped, the reply emptied on failure: rc as 0 or -1. */
static int
call_end(struct dialog_call *a, int rc)
{
	sodium_memzero(a->sender, sizeof(a->sender));
	sodium_memzero(a->mkey, sizeof(a->mkey));
	if (rc < 0) {
		a->reply[0] = '\0';
		a->has_reply = a->queued = 0;
		return -1;
	}
	return 0;
}

int
dialog_handle(struct dialog *d, const char *provider,
    const struct sms_inbound *in, int64_t now_ms, char *reply, size_t cap,
    int *has_reply, int *queued)
{
	struct dialog_call a;
	int rc;

	*has_reply = 0;
	if (queued != NULL)
		*queued = 0;
	if (call_init(d, &a, provider, in, now_ms, reply, cap) != 0)
		return -1;
	/* Answered only once the batch it is in is durable. */
	rc = d->gc != NULL ? gcommit_run(d->gc, handle_op, &a)
			   : handle_alone(&a);
	if (call_end(&a, rc) != 0)
		return -1;
	*has_reply = a.has_reply;
	if (queued != NULL)
		*queued = a.queued;
	return 0;
}

static void
call_done(void *arg, int rc)
{
	struct dialog_call *a = arg;

	a->done(a, call_end(a, rc), a->done_arg);
}

int
dialog_submit(struct dialog *d, struct dialog_call *call, const char *provider,
    const struct sms_inbound *in, int64_t now_ms, char *reply, size_t cap,
    dialog_done done, void *arg)
{
	if (call_init(d, call, provider, in, now_ms, reply, cap) != 0)
		return -1;
	call->done = done;
	call->done_arg = arg;
	if (d->gc == NULL) {
		call_done(call, handle_alone(call));
		return 0;
	}
	if (gcommit_submit(
		d->gc, &call->op, handle_op, call, call_done, call) != 0) {
		(void)call_end(call, -1);
		return -1;
	}
	return 0;
}
