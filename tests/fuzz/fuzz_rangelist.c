/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: rangelist_next(), range_parse() and rangelist_count()
 * against a reference written here with strtoull, and job_ids_add() on the
 * same lists. The first 8 bytes of the input are the bound (max). */
#include "rangelist.h"
#include "filter.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_rangelist: invariant broken: %s\n", what);
	abort();
}

static bool all_digits(const char *s, size_t n)
{
	return n > 0 && strspn(s, "0123456789") == n;
}

/* range_parse, the slow way: the shape first, then strtoull. */
static int reference_range(const char *item, size_t len, uint64_t max, uint64_t *lo,
			   uint64_t *hi)
{
	char *s = strndup(item, len), *dash, *end;
	unsigned long long a, b;
	int err = 0;

	if (!s)
		abort();
	dash = strchr(s, '-');
	if (dash)
		*dash = '\0';
	if (!all_digits(s, strlen(s)) || (dash && !all_digits(dash + 1, strlen(dash + 1)))) {
		err = EINVAL;
	} else {
		errno = 0;
		a = strtoull(s, &end, 10);
		b = dash ? strtoull(dash + 1, &end, 10) : a;
		if (errno == ERANGE || a > max || b > max || b < a)
			err = ERANGE;
		*lo = a;
		*hi = b;
	}
	free(s);
	errno = err;
	return err ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t max = UINT64_MAX, lo, hi, rlo, rhi, sum = 0;
	const char *pos, *item, *bad;
	long long *ids = NULL;
	size_t len, n_items = 0, commas = 0, n_ids = 0, cap = 0, i, j;
	bool count_ok = true, ids_ok = true;
	int64_t count;
	char *s;
	int rc, err;

	if (size >= sizeof(max)) {
		memcpy(&max, data, sizeof(max));
		data += sizeof(max);
		size -= sizeof(max);
	}
	/* An exact-size heap copy, so ASan sees any read past the terminator. */
	s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0; i < strlen(s); i++)
		commas += s[i] == ',';

	pos = s;
	while (rangelist_next(&pos, &item, &len)) {
		n_items++;
		check(item >= s && item + len <= s + strlen(s), "an item lies within the list");
		check(!memchr(item, ',', len), "an item holds no comma");
		check(len == 0 || (item[0] != ' ' && item[0] != '\t' && item[len - 1] != ' ' &&
				   item[len - 1] != '\t'), "an item has no blanks around it");
		rc = range_parse(item, len, max, &lo, &hi);
		err = errno;
		check(rc == reference_range(item, len, max, &rlo, &rhi) &&
		      (rc == 0 || err == errno), "range_parse agrees with the reference");
		if (rc == 0) {
			check(lo == rlo && hi == rhi && lo <= hi && hi <= max,
			      "the same range, within max");
			if (count_ok && hi - lo < INT64_MAX - sum)
				sum += hi - lo + 1;
			else
				count_ok = false;
			if (lo != hi || lo > INT64_MAX)
				ids_ok = false;
		} else {
			count_ok = false;
			ids_ok = false;
		}
	}
	check(pos == NULL, "the whole list is read");
	check(n_items == commas + 1, "one item more than commas");

	errno = 0;
	count = rangelist_count(s, max);
	if (s[strspn(s, " \t")] == '\0')
		check(count == 0, "a blank list counts 0");
	else if (count_ok)
		check(count >= 0 && (uint64_t)count == sum, "rangelist_count sums the items");
	else
		check(count == -1 && (errno == EINVAL || errno == ERANGE),
		      "rangelist_count refuses what range_parse refuses");

	rc = job_ids_add(s, &ids, &n_ids, &cap, &bad, &len);
	if (max >= INT64_MAX)
		check((rc == 0) == ids_ok, "job_ids_add takes lists of numbers to INT64_MAX");
	if (rc == 0) {
		check(n_ids <= n_items && n_ids <= cap, "at most one id per item");
		for (i = 0; i < n_ids; i++) {
			check(ids[i] >= 0, "ids are not negative");
			for (j = 0; j < i; j++)
				check(ids[i] != ids[j], "each id once");
		}
	} else {
		check(errno == EINVAL && bad >= s && bad + len <= s + strlen(s),
		      "a refusal points into the list");
	}
	free(ids);
	free(s);
	return 0;
}
