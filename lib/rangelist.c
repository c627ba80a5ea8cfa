/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Comma-separated lists of numbers and ranges. */
#include "rangelist.h"

#include <errno.h>
#include <string.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

bool rangelist_next(const char **pos, const char **item, size_t *len)
{
	const char *p = *pos, *end;

	if (!p)
		return false;
	while (blank(*p))
		p++;
	end = p + strcspn(p, ",");
	*pos = *end == ',' ? end + 1 : NULL;
	while (end > p && blank(end[-1]))
		end--;
	*item = p;
	*len = (size_t)(end - p);
	return true;
}

int range_parse(const char *item, size_t len, uint64_t max, uint64_t *lo, uint64_t *hi)
{
	uint64_t v[2] = { 0, 0 };
	size_t i, k = 0, digits = 0;
	bool too_big = false;
	unsigned d;

	for (i = 0; i < len; i++) {
		if (item[i] >= '0' && item[i] <= '9') {
			d = (unsigned)(item[i] - '0');
			if (v[k] > (UINT64_MAX - d) / 10)
				too_big = true;
			else
				v[k] = v[k] * 10 + d;
			digits++;
		} else if (item[i] == '-' && k == 0 && digits > 0) {
			k = 1;
			digits = 0;
		} else {
			errno = EINVAL;
			return -1;
		}
	}
	if (digits == 0) {	/* "", "-3" and "3-" too */
		errno = EINVAL;
		return -1;
	}
	if (k == 0)
		v[1] = v[0];
	if (too_big || v[0] > max || v[1] > max || v[1] < v[0]) {
		errno = ERANGE;
		return -1;
	}
	*lo = v[0];
	*hi = v[1];
	return 0;
}

int64_t rangelist_count(const char *list, uint64_t max)
{
	const char *pos = list, *item;
	uint64_t lo, hi, n = 0;
	size_t len;

	if (!list || list[strspn(list, " \t")] == '\0')
		return 0;
	while (rangelist_next(&pos, &item, &len)) {
		if (range_parse(item, len, max, &lo, &hi) < 0)
			return -1;
		if (hi - lo >= (uint64_t)INT64_MAX - n) {
			errno = ERANGE;
			return -1;
		}
		n += hi - lo + 1;
	}
	return (int64_t)n;
}
