#ifndef HUB_SUPPRESS_H
#define HUB_SUPPRESS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Small-number suppression for reports read outside the hub (the User
 * Scrutiny Panel, the commissioner). A count from 1 to 4 is shown as
 * "<5" (SUPPRESS_SMALL). Then, because a reader who knows the total can
 * subtract the cells that are shown, more cells are hidden
 * (SUPPRESS_HIDDEN, shown as "[c]"), smallest first, until no "<5" cell
 * can be pinned to one value. The reader is assumed to know: the total,
 * every shown cell exactly, that "<5" is 1..4, and that "[c]" is 0 or
 * more. If hiding every cell is still not enough, the total is hidden
 * too (SUPPRESS_TOTAL is returned).
 */
#define SUPPRESS_MIN 5
#define SUPPRESS_CELLS_MAX 128

enum suppress_mark {
	SUPPRESS_SHOWN = 0,
	SUPPRESS_SMALL = 1,
	SUPPRESS_HIDDEN = 2,
};

#define SUPPRESS_OK 0
#define SUPPRESS_TOTAL 1

/* The mark for a single count shown on its own. */
enum suppress_mark suppress_one(int64_t count);

/*
 * Cells idx[0..k) of counts, whose sum the reader knows, are made safe
 * by adding marks (marks are only ever raised, so tables that share
 * cells can be made safe one constraint after another).
 */
int suppress_group(const int64_t *counts, enum suppress_mark *marks,
    const size_t *idx, size_t k);

/* The same over all n cells. */
int suppress_table(const int64_t *counts, enum suppress_mark *marks, size_t n);

/* 1 if some "<5" cell among idx can be pinned to one value. */
int suppress_disclosive(const int64_t *counts, const enum suppress_mark *marks,
    const size_t *idx, size_t k);

#endif
