/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Spool files: atomic write, strict parse, idempotent replay with COPY. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"

#define SPOOL_MAGIC "slurm-carbon spool 1"

double spool_monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int spool_check_dir(const char *dir, bool create, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(dir, &st) < 0) {
		if (errno != ENOENT || !create) {
			snprintf(err, errlen, "spool directory %s: %s", dir, strerror(errno));
			return -1;
		}
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create spool directory %s: %s", dir,
				 strerror(errno));
			return -1;
		}
		if (lstat(dir, &st) < 0) {
			snprintf(err, errlen, "spool directory %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
		snprintf(err, errlen,
			 "spool directory %s refused: it must be a directory owned by root with mode 0700 (chown root: %s; chmod 0700 %s)",
			 dir, dir, dir);
		return -1;
	}
	return 0;
}

int spool_format(const struct step_record *r, char *buf, size_t n)
{
	int len = snprintf(buf, n,
			   SPOOL_MAGIC "\n"
			   "cluster=%s\njob_id=%" PRIu32 "\nstep=%s\nnode=%s\n"
			   "uid=%" PRIu32 "\nuser=%s\naccount=%s\nproject=%s\ntag=%s\n"
			   "start=%.6f\nend=%.6f\n"
			   "cpu_j=%.6f\ndram_j=%.6f\ngpu_j=%.6f\nother_j=%.6f\n"
			   "samples=%" PRIu32 "\nmethod=%s\npartial=%d\n",
			   r->cluster, r->job_id, r->step, r->node, r->uid, r->user,
			   r->account, r->project, r->tag, r->start_s, r->end_s,
			   r->energy_j[DOMAIN_CPU], r->energy_j[DOMAIN_DRAM],
			   r->energy_j[DOMAIN_GPU], r->energy_j[DOMAIN_OTHER],
			   r->samples, r->method, r->partial ? 1 : 0);

	return (len < 0 || (size_t)len >= n) ? -1 : len;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int spool_append(const char *dir, const struct step_record *r, char *path,
		 size_t pathlen, char *err, size_t errlen)
{
	char text[4096], file[1024];
	struct stat by_fd, by_path;
	int fd = -1, dfd, len, tries, rc = -1;
	off_t before;

	len = spool_format(r, text, sizeof(text));
	if (len < 0) {
		snprintf(err, errlen, "record too large for the spool");
		return -1;
	}
	snprintf(file, sizeof(file), "%s/%s", dir, SPOOL_ACTIVE);
	for (tries = 0; tries < 10; tries++) {
		fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			snprintf(err, errlen, "%s: %s", file, strerror(errno));
			return -1;
		}
		if (flock(fd, LOCK_EX) < 0) {
			snprintf(err, errlen, "%s: lock: %s", file, strerror(errno));
			goto out;
		}
		/* A flush may have renamed the file aside between our open and
		 * our lock: then write to the new one. */
		if (fstat(fd, &by_fd) == 0 && stat(file, &by_path) == 0 &&
		    by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: renamed away ten times while appending", file);
		return -1;
	}
	before = by_fd.st_size;
	if (write_all(fd, text, (size_t)len) < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		/* Leave no half record behind for the flush to trip over. */
		if (ftruncate(fd, before) == 0)
			fsync(fd);
		goto out;
	}
	if (before == 0) {	/* a new file: its directory entry must last too */
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	if (path)
		conf_copy_str(path, pathlen, file);
	rc = 0;
out:
	close(fd);	/* also drops the lock */
	return rc;
}

/* ---- parsing ----------------------------------------------------------- */

enum key_id {
	K_CLUSTER, K_JOB_ID, K_STEP, K_NODE, K_UID, K_USER, K_ACCOUNT, K_PROJECT,
	K_TAG, K_START, K_END, K_CPU, K_DRAM, K_GPU, K_OTHER, K_SAMPLES, K_METHOD,
	K_PARTIAL, K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"cluster", "job_id", "step", "node", "uid", "user", "account", "project",
	"tag", "start", "end", "cpu_j", "dram_j", "gpu_j", "other_j", "samples",
	"method", "partial",
};

/* Printable ASCII without the characters COPY and logs treat specially. */
static bool plain_text(const char *s, bool may_be_empty)
{
	if (!*s)
		return may_be_empty;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e || *s == '\\')
			return false;
	return true;
}

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_nonneg(const char *s, double *out)
{
	char *end;

	if ((*s < '0' || *s > '9') && *s != '.')
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return !errno && !*end && isfinite(*out) && *out >= 0;
}

static bool set_text(char *dst, size_t n, const char *v, bool may_be_empty)
{
	return plain_text(v, may_be_empty) && conf_copy_str(dst, n, v);
}

static const char *set_value(struct step_record *r, enum key_id k, const char *v)
{
	switch (k) {
	case K_CLUSTER:
		return set_text(r->cluster, sizeof(r->cluster), v, false) ? NULL :
		       "cluster must be 1 to 127 printable characters";
	case K_STEP:
		return set_text(r->step, sizeof(r->step), v, false) ? NULL :
		       "step must be 1 to 15 printable characters";
	case K_NODE:
		return set_text(r->node, sizeof(r->node), v, false) ? NULL :
		       "node must be 1 to 127 printable characters";
	case K_USER:
		return set_text(r->user, sizeof(r->user), v, false) ? NULL :
		       "user must be 1 to 63 printable characters";
	case K_ACCOUNT:
		return set_text(r->account, sizeof(r->account), v, true) ? NULL :
		       "account must be at most 127 printable characters";
	case K_METHOD:
		return set_text(r->method, sizeof(r->method), v, false) ? NULL :
		       "method must be 1 to 63 printable characters";
	case K_PROJECT:
		return (!*v || label_is_valid(v, NULL)) &&
		       conf_copy_str(r->project, sizeof(r->project), v) ? NULL :
		       "project is not a valid label";
	case K_TAG:
		return (!*v || label_is_valid(v, NULL)) &&
		       conf_copy_str(r->tag, sizeof(r->tag), v) ? NULL :
		       "tag is not a valid label";
	case K_JOB_ID:
		return parse_u32(v, &r->job_id) ? NULL : "job_id is not a whole number";
	case K_UID:
		return parse_u32(v, &r->uid) ? NULL : "uid is not a whole number";
	case K_SAMPLES:
		return parse_u32(v, &r->samples) ? NULL : "samples is not a whole number";
	case K_START:
		return parse_nonneg(v, &r->start_s) && r->start_s < 1e11 ? NULL :
		       "start is not a time in seconds since 1970";
	case K_END:
		return parse_nonneg(v, &r->end_s) && r->end_s < 1e11 ? NULL :
		       "end is not a time in seconds since 1970";
	case K_CPU:
		return parse_nonneg(v, &r->energy_j[DOMAIN_CPU]) ? NULL :
		       "cpu_j is not a number of joules >= 0";
	case K_DRAM:
		return parse_nonneg(v, &r->energy_j[DOMAIN_DRAM]) ? NULL :
		       "dram_j is not a number of joules >= 0";
	case K_GPU:
		return parse_nonneg(v, &r->energy_j[DOMAIN_GPU]) ? NULL :
		       "gpu_j is not a number of joules >= 0";
	case K_OTHER:
		return parse_nonneg(v, &r->energy_j[DOMAIN_OTHER]) ? NULL :
		       "other_j is not a number of joules >= 0";
	case K_PARTIAL:
		if (!strcmp(v, "0") || !strcmp(v, "1")) {
			r->partial = v[0] == '1';
			return NULL;
		}
		return "partial must be 0 or 1";
	case K_COUNT:
		break;
	}
	return "unknown key";
}

int spool_parse(const char *text, size_t len, struct step_record *r, int *line,
		char *err, size_t errlen)
{
	bool seen[K_COUNT] = { false };
	const char *p = text, *end = text + len;
	char buf[512];
	int lineno = 0, k;

	memset(r, 0, sizeof(*r));
	*line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *why = NULL;
		char *eq;

		lineno++;
		*line = lineno;
		if (!nl) {
			snprintf(err, errlen, "the file ends inside a line (cut short?)");
			return -1;
		}
		if (n >= sizeof(buf) || memchr(p, '\0', n)) {
			snprintf(err, errlen, "line too long or not text");
			return -1;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		p = nl + 1;
		if (lineno == 1) {
			if (strcmp(buf, SPOOL_MAGIC) != 0) {
				snprintf(err, errlen, "not a slurm-carbon spool file (first line must be \"%s\")",
					 SPOOL_MAGIC);
				return -1;
			}
			continue;
		}
		eq = strchr(buf, '=');
		if (!eq) {
			snprintf(err, errlen, "expected key=value");
			return -1;
		}
		*eq = '\0';
		for (k = 0; k < K_COUNT; k++)
			if (!strcmp(buf, key_names[k]))
				break;
		if (k == K_COUNT) {
			snprintf(err, errlen, "unknown key '%.64s'", buf);
			return -1;
		}
		if (seen[k]) {
			snprintf(err, errlen, "key '%s' given twice", key_names[k]);
			return -1;
		}
		seen[k] = true;
		why = set_value(r, (enum key_id)k, eq + 1);
		if (why) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
	}
	*line = 0;
	if (lineno == 0) {
		snprintf(err, errlen, "empty file");
		return -1;
	}
	for (k = 0; k < K_COUNT; k++) {
		if (!seen[k]) {
			snprintf(err, errlen, "missing key '%s'", key_names[k]);
			return -1;
		}
	}
	if (r->end_s < r->start_s) {
		snprintf(err, errlen, "end is before start");
		return -1;
	}
	return 0;
}

int spool_parse_file_text(const char *text, size_t len, spool_record_fn fn, void *arg)
{
	static const char header[] = SPOOL_MAGIC "\n";
	const size_t hlen = sizeof(header) - 1;
	const char *p = text, *end = text + len;
	int records = 0, line = 1;

	while (p < end) {
		const char *next = p, *q;
		struct step_record r;
		char why[256] = "";
		int rc, bad_line = 0, lines = 0;

		/* The record runs to the next line that is a header. */
		for (q = p; q < end; q++) {
			if (*q != '\n')
				continue;
			lines++;
			if (q + 1 < end && (size_t)(end - q - 1) >= hlen &&
			    !memcmp(q + 1, header, hlen))
				break;
		}
		next = q < end ? q + 1 : end;
		if (q == end && end > p && end[-1] != '\n')
			lines++;	/* a last line without its newline */
		rc = spool_parse(p, (size_t)(next - p), &r, &bad_line, why, sizeof(why));
		fn(p, (size_t)(next - p), line, &r, rc, bad_line, why, arg);
		records++;
		line += lines;
		p = next;
	}
	return records;
}
