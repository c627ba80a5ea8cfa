/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node meter's state file (see node_state.h). */
#include "node_state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs_attr.h"

/* src into dst (capacity n) with control characters as spaces. */
static void one_line(char *dst, size_t n, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = (unsigned char)src[i] < 0x20 ? ' ' : src[i];
	dst[i] = '\0';
}

int node_state_format(const struct node_state *s, char *buf, size_t n)
{
	char meter[sizeof(s->meter)], status[sizeof(s->status)];
	int len;

	one_line(meter, sizeof(meter), s->meter);
	one_line(status, sizeof(status), s->status);
	len = snprintf(buf, n,
		       "energy %" PRIu64 " J %" PRIu64 " us\n"
		       "power %" PRIu64 " W %" PRIu64 " us\n"
		       "startup %" PRIu64 "\n"
		       "freshness %" PRIu64 "\n"
		       "interval %u\n"
		       "meter %s\n"
		       "status %s\n",
		       s->energy_j, s->time_us, s->power_w, s->time_us,
		       s->startup_us, s->freshness, s->interval_s, meter, status);
	if (len < 0 || (size_t)len >= n)
		return -1;
	return len;
}

int node_state_parse(const char *text, size_t len, struct node_state *s)
{
	char line[256];
	const char *p = text, *end = text + len;
	bool have_energy = false, have_startup = false, have_interval = false;
	uint64_t v, t;

	memset(s, 0, sizeof(*s));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t k = (size_t)((nl ? nl : end) - p);
		char *value;

		if (k >= sizeof(line))
			goto invalid;
		memcpy(line, p, k);
		line[k] = '\0';
		p += k + (nl ? 1 : 0);
		if (memchr(line, '\0', k))
			goto invalid;
		value = strchr(line, ' ');
		if (!value)
			continue;
		*value++ = '\0';
		if (!strcmp(line, "energy")) {
			if (pmc_parse_counter(value, &s->energy_j, &s->time_us) < 0)
				goto invalid;
			have_energy = true;
		} else if (!strcmp(line, "power")) {
			if (pmc_parse_counter(value, &s->power_w, &t) < 0)
				goto invalid;
		} else if (!strcmp(line, "startup")) {
			if (sysfs_parse_u64(value, &s->startup_us) < 0)
				goto invalid;
			have_startup = true;
		} else if (!strcmp(line, "freshness")) {
			if (sysfs_parse_u64(value, &s->freshness) < 0)
				goto invalid;
		} else if (!strcmp(line, "interval")) {
			if (sysfs_parse_u64(value, &v) < 0 || v < 1 || v > 86400)
				goto invalid;
			s->interval_s = (unsigned)v;
			have_interval = true;
		} else if (!strcmp(line, "meter")) {
			snprintf(s->meter, sizeof(s->meter), "%s", value);
		} else if (!strcmp(line, "status")) {
			snprintf(s->status, sizeof(s->status), "%s", value);
		}
	}
	if (have_energy && have_startup && have_interval)
		return 0;
invalid:
	errno = EINVAL;
	return -1;
}

int node_state_write(const char *path, const struct node_state *s, char *err,
		     size_t errlen)
{
	char tmp[512], text[NODE_STATE_MAX];
	int fd = -1, len, rc = -1;

	len = node_state_format(s, text, sizeof(text));
	if (len < 0 || snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path or state too long", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create it: %s", tmp, strerror(errno));
		goto out;
	}
	if (write(fd, text, (size_t)len) != len) {
		snprintf(err, errlen, "%s: cannot write it: %s", tmp,
			 errno ? strerror(errno) : "short write");
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		snprintf(err, errlen, "%s: cannot write it: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: cannot rename %s over it: %s", path, tmp,
			 strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int node_state_read(const char *path, struct node_state *s)
{
	char text[NODE_STATE_MAX];
	struct stat st;
	ssize_t len;
	int fd, saved, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto out;
	if (!S_ISREG(st.st_mode) || st.st_uid != 0) {
		errno = EPERM;
		goto out;
	}
	len = read(fd, text, sizeof(text));
	if (len < 0)
		goto out;
	if ((size_t)len == sizeof(text)) {
		errno = EINVAL;
		goto out;
	}
	rc = node_state_parse(text, (size_t)len, s);
out:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

bool node_state_stale(const struct node_state *s, uint64_t now_us)
{
	uint64_t limit = NODE_STATE_MAX_GAP_INTERVALS * (uint64_t)s->interval_s * 1000000;

	return s->time_us == 0 || (now_us > s->time_us && now_us - s->time_us > limit);
}

double node_state_lag_j(const struct node_state *s, uint64_t now_us, bool *within)
{
	uint64_t age_us, limit_us = (uint64_t)s->interval_s * 1000000;

	*within = s->time_us != 0;
	if (s->time_us == 0 || now_us <= s->time_us)
		return 0.0;
	age_us = now_us - s->time_us;
	if (age_us > limit_us) {
		*within = false;
		age_us = limit_us;
	}
	return (double)s->power_w * (double)age_us / 1e6;
}

void node_state_reading(const struct node_state *s, struct pmc_reading *r)
{
	memset(r, 0, sizeof(*r));
	r->node_j = s->energy_j;
	r->time_us = s->time_us;
	r->startup = s->startup_us;
	r->freshness = s->freshness;
}
