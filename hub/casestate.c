#include <string.h>

#include "hub/casestate.h"
#include "hub/routing.h"

const char *const casestate_outcomes[] = {"direct-meeting",
    "indirect-communication", "not-suitable", "victim-declined",
    "other-party-declined", "no-contact-possible", NULL};

const char *
casestate_event(enum casestate_action a)
{
	switch (a) {
	case CASESTATE_ASSIGN:
		return "assigned";
	case CASESTATE_RISK_ASSESSED:
		return "risk-assessed";
	case CASESTATE_CONTACTED:
		return "contacted";
	case CASESTATE_IN_PROGRESS:
		return "in-progress";
	case CASESTATE_CLOSE:
		return "closed";
	case CASESTATE_NOTE:
		return "note";
	}
	return "?";
}

int
casestate_outcome_valid(const char *outcome)
{
	for (size_t i = 0; outcome != NULL && casestate_outcomes[i] != NULL;
	     i++)
		if (strcmp(outcome, casestate_outcomes[i]) == 0)
			return 1;
	return 0;
}

static int
is(const struct referrals_row *r, const char *status)
{
	const char *s = r->status[0] != '\0' ? r->status : CASESTATE_S_RECEIVED;

	return strcmp(s, status) == 0;
}

const char *
casestate_check(const struct referrals_row *r, enum casestate_action a,
    const char *outcome, const char **next)
{
	int open = is(r, CASESTATE_S_RECEIVED) || is(r, CASESTATE_S_ASSIGNED) ||
		   is(r, CASESTATE_S_CONTACTED) ||
		   is(r, CASESTATE_S_IN_PROGRESS);

	*next = r->status[0] != '\0' ? r->status : CASESTATE_S_RECEIVED;
	if (r->withdrawn_at != 0 || is(r, CASESTATE_S_WITHDRAWN))
		return "the referral is withdrawn: nothing more is recorded "
		       "on it";
	switch (a) {
	case CASESTATE_NOTE:
		return NULL;
	case CASESTATE_ASSIGN:
		if (!open)
			return "the case is closed";
		if (strcmp(r->spoke, ROUTING_UNASSIGNED) == 0)
			return "the referral is not routed: name a spoke "
			       "(hubctl assign REF SPOKE)";
		if (is(r, CASESTATE_S_RECEIVED))
			*next = CASESTATE_S_ASSIGNED;
		return NULL;
	case CASESTATE_RISK_ASSESSED:
		return open ? NULL : "the case is closed";
	case CASESTATE_CONTACTED:
		if (is(r, CASESTATE_S_RECEIVED))
			return "assign it to a spoke first (hubctl assign)";
		if (!is(r, CASESTATE_S_ASSIGNED))
			return "first contact is already recorded, or the "
			       "case is closed";
		if (r->risk && r->risk_assessed_at == 0)
			return "this referral needs a specialist risk "
			       "assessment before anyone makes contact: "
			       "record it first (hubctl risk-assessed REF)";
		*next = CASESTATE_S_CONTACTED;
		return NULL;
	case CASESTATE_IN_PROGRESS:
		if (!is(r, CASESTATE_S_CONTACTED))
			return "only a contacted case can be marked in "
			       "progress";
		*next = CASESTATE_S_IN_PROGRESS;
		return NULL;
	case CASESTATE_CLOSE:
		if (!casestate_outcome_valid(outcome))
			return "--outcome must be one of direct-meeting, "
			       "indirect-communication, not-suitable, "
			       "victim-declined, other-party-declined, "
			       "no-contact-possible";
		if (!open)
			return "the case is closed already";
		if ((is(r, CASESTATE_S_RECEIVED) ||
			is(r, CASESTATE_S_ASSIGNED)) &&
		    strcmp(outcome, "not-suitable") != 0 &&
		    strcmp(outcome, "no-contact-possible") != 0)
			return "before first contact a case can only close "
			       "as not-suitable or no-contact-possible";
		*next = CASESTATE_S_CLOSED;
		return NULL;
	}
	return "unknown action";
}
