/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-node union of step windows: the share of each step a job total counts. */
#include "union.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct span_ref {
	const struct step_span *span;
	size_t index;
};

/* Node, then start time, then longer first; the input index keeps it total. */
static int span_ref_cmp(const void *a, const void *b)
{
	const struct span_ref *x = a, *y = b;
	int c = strcmp(x->span->node ? x->span->node : "",
		       y->span->node ? y->span->node : "");

	if (c)
		return c;
	if (x->span->start_s != y->span->start_s)
		return x->span->start_s < y->span->start_s ? -1 : 1;
	if (x->span->end_s != y->span->end_s)
		return x->span->end_s > y->span->end_s ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static bool same_node(const struct step_span *a, const struct step_span *b)
{
	return !strcmp(a->node ? a->node : "", b->node ? b->node : "");
}

int span_union_fractions(const struct step_span *spans, size_t n,
			 double *fraction)
{
	int rc = -1;
	struct span_ref *refs = NULL;
	const struct step_span *prev_node = NULL;
	double covered_end = 0.0;	/* end of the union so far on this node */
	bool have_cover = false;
	size_t i;

	if (n == 0)
		return 0;
	refs = calloc(n, sizeof(*refs));
	if (!refs) {
		errno = ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		refs[i].span = &spans[i];
		refs[i].index = i;
	}
	qsort(refs, n, sizeof(*refs), span_ref_cmp);

	for (i = 0; i < n; i++) {
		const struct step_span *s = refs[i].span;
		double len = s->end_s - s->start_s;
		double from;

		if (!prev_node || !same_node(prev_node, s))
			have_cover = false;
		prev_node = s;
		if (!s->counted) {
			fraction[refs[i].index] = 0.0;
			continue;
		}
		if (len <= 0.0) {
			fraction[refs[i].index] =
				have_cover && s->start_s < covered_end ? 0.0 : 1.0;
		} else {
			/* Earlier windows all start at or before this one, so
			 * what they cover of it is [start_s, covered_end). */
			from = s->start_s;
			if (have_cover && covered_end > from)
				from = covered_end;
			fraction[refs[i].index] =
				from >= s->end_s ? 0.0 : (s->end_s - from) / len;
		}
		if (!have_cover || s->end_s > covered_end)
			covered_end = s->end_s;
		have_cover = true;
	}
	rc = 0;
out:
	free(refs);
	return rc;
}
