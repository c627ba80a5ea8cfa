/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Slurm's comma-separated lists of numbers and ranges, "0-3,5,7-8": the
 * job's CPUs and GPUs in the plugin, job ids in carbon-report. */
#ifndef CARBON_RANGELIST_H
#define CARBON_RANGELIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The next item of a comma-separated list. *pos is the rest of the list
 * (start with the list itself; NULL once it is read). Sets *item and *len to
 * the item's text, without the spaces and tabs around it (not NUL-terminated,
 * possibly empty), and moves *pos past the item and its comma. Returns false
 * at the end of the list. An empty list is one empty item; "a," is "a" and
 * "". Never allocates. */
bool rangelist_next(const char **pos, const char **item, size_t *len);

/* One item: "7", or "3-5" (decimal digits only, nothing else). Returns 0
 * with *lo and *hi (lo <= hi <= max; a number is lo = hi), or -1 with errno
 * EINVAL (not a number or a range) or ERANGE (a number above max, or a range
 * whose end is below its start). */
int range_parse(const char *item, size_t len, uint64_t max, uint64_t *lo, uint64_t *hi);

/* How many numbers a list names, each range counted whole: "0-3,8" is 5;
 * an empty or blank list is 0. Returns the count, or -1 with errno as
 * range_parse (an empty item, "1,,2", is EINVAL). */
int64_t rangelist_count(const char *list, uint64_t max);

#endif
