#ifndef HUB_CASESTATE_H
#define HUB_CASESTATE_H

#include "store/referrals.h"

/*
 * The case workflow, as rules only (no storage), so every transition can
 * be tested on its own:
 *
 *   received -> assigned (to a spoke) -> contacted -> in-progress
 *            -> closed (with an outcome)       ... or withdrawn, any time
 *
 * A referral flagged for specialist risk assessment (domestic abuse,
 * sexual violence, stalking, hate crime) cannot be marked contacted until
 * a risk assessment is recorded. A case may be closed before contact
 * only as not suitable or no contact possible.
 */
enum casestate_action {
	CASESTATE_ASSIGN,
	CASESTATE_RISK_ASSESSED,
	CASESTATE_CONTACTED,
	CASESTATE_IN_PROGRESS,
	CASESTATE_CLOSE,
	CASESTATE_NOTE,
};

#define CASESTATE_S_RECEIVED "received"
#define CASESTATE_S_ASSIGNED "assigned"
#define CASESTATE_S_CONTACTED "contacted"
#define CASESTATE_S_IN_PROGRESS "in-progress"
#define CASESTATE_S_CLOSED "closed"
#define CASESTATE_S_WITHDRAWN "withdrawn"

/* The event name recorded in the history for an action. */
const char *casestate_event(enum casestate_action a);

/* 1 if outcome is one of the closing outcomes. */
int casestate_outcome_valid(const char *outcome);
/* The outcomes, NULL-terminated, in the order reports list them. */
extern const char *const casestate_outcomes[];

/*
 * May action a be recorded on this referral now? NULL if so, with *next
 * the status it leaves (the same status when it does not move); else a
 * sentence for staff saying why not and what to do first.
 */
const char *casestate_check(const struct referrals_row *r,
    enum casestate_action a, const char *outcome, const char **next);

#endif
