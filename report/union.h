/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Count each node's time once when a job's step windows overlap. */
#ifndef CARBON_UNION_H
#define CARBON_UNION_H

#include <stdbool.h>
#include <stddef.h>

/* One step's window on one node. A step record holds the whole node's energy
 * over its window, and the batch and extern steps span the srun steps nested
 * in them, so adding up a job's records would count the nested time twice. */
struct step_span {
	const char *node;	/* windows on different nodes never overlap */
	double start_s;		/* seconds since the epoch */
	double end_s;		/* >= start_s */
	bool counted;		/* false: no energy (method "none"); the window
				 * covers nothing and its fraction is 0 */
};

/* For each span i, set fraction[i] (0..1) to the share of its window that
 * the counted spans on the same node before it do not cover, the spans taken
 * in order of start time, longer first on a tie (so the outer step of a
 * nest counts whole). Summing energy[i] * fraction[i] then gives each node's
 * energy over the union of its windows, with constant power within a step.
 * A window of zero length counts whole unless an earlier window covers it.
 * spans may come in any order. Returns 0, or -1 with errno ENOMEM. */
int span_union_fractions(const struct step_span *spans, size_t n,
			 double *fraction);

#endif
