#include "hub/suppress.h"

#define SMALL_MAX (SUPPRESS_MIN - 1)

enum suppress_mark
suppress_one(int64_t count)
{
	return count >= 1 && count <= SMALL_MAX ? SUPPRESS_SMALL
						: SUPPRESS_SHOWN;
}

/* What the reader knows of a cell: its least and greatest value. */
static void
bounds(int64_t count, enum suppress_mark m, int64_t *lo, int64_t *hi, int *inf)
{
	*inf = 0;
	*lo = *hi = 0;
	switch (m) {
	case SUPPRESS_SHOWN:
		*lo = *hi = count;
		break;
	case SUPPRESS_SMALL:
		*lo = 1;
		*hi = SMALL_MAX;
		break;
	case SUPPRESS_HIDDEN:
		*lo = 0;
		*hi = 0;
		*inf = 1;
		break;
	}
}

int
suppress_disclosive(const int64_t *counts, const enum suppress_mark *marks,
    const size_t *idx, size_t k)
{
	int64_t sum = 0, lo_all = 0, hi_all = 0;
	int infs = 0;

	for (size_t j = 0; j < k; j++) {
		int64_t lo, hi;
		int inf;

		bounds(counts[idx[j]], marks[idx[j]], &lo, &hi, &inf);
		sum += counts[idx[j]];
		lo_all += lo;
		hi_all += hi;
		infs += inf;
	}
	/* With the sum fixed, cell i lies in [sum - others' greatest,
	 * sum - others' least] as well as its own bounds. */
	for (size_t j = 0; j < k; j++) {
		int64_t lo, hi, lo_i, hi_i;
		int inf;

		if (marks[idx[j]] != SUPPRESS_SMALL)
			continue;
		bounds(counts[idx[j]], marks[idx[j]], &lo, &hi, &inf);
		lo_i = lo;
		hi_i = hi;
		if (infs == 0 && sum - (hi_all - hi) > lo_i)
			lo_i = sum - (hi_all - hi);
		if (sum - (lo_all - lo) < hi_i)
			hi_i = sum - (lo_all - lo);
		if (lo_i >= hi_i)
			return 1;
	}
	return 0;
}

int
suppress_group(const int64_t *counts, enum suppress_mark *marks,
    const size_t *idx, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (marks[idx[j]] == SUPPRESS_SHOWN &&
		    suppress_one(counts[idx[j]]) == SUPPRESS_SMALL)
			marks[idx[j]] = SUPPRESS_SMALL;
	while (suppress_disclosive(counts, marks, idx, k)) {
		size_t best = k;

		/* Hide the smallest cell still shown; a zero only when no
		 * other is left (a hidden zero keeps "[c]" from meaning
		 * "at least 5"). */
		for (size_t j = 0; j < k; j++) {
			size_t i = idx[j];

			if (marks[i] != SUPPRESS_SHOWN)
				continue;
			if (best == k ||
			    (counts[i] != 0 &&
				(counts[idx[best]] == 0 ||
				    counts[i] < counts[idx[best]])))
				best = j;
		}
		if (best == k)
			return SUPPRESS_TOTAL;
		marks[idx[best]] = SUPPRESS_HIDDEN;
	}
	return SUPPRESS_OK;
}

int
suppress_table(const int64_t *counts, enum suppress_mark *marks, size_t n)
{
	size_t idx[SUPPRESS_CELLS_MAX];

	if (n > SUPPRESS_CELLS_MAX)
		return SUPPRESS_TOTAL;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	return suppress_group(counts, marks, idx, n);
}
