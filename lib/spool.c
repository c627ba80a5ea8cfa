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

/* A name fit for a file: [A-Za-z0-9._-], anything else as '_'. */
static void file_safe(char *dst, size_t n, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < n; i++) {
		char c = src[i];

		dst[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-') ? c : '_';
	}
	dst[i] = '\0';
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

int spool_write(const char *dir, const struct step_record *r, char *path,
		size_t pathlen, char *err, size_t errlen)
{
	char text[4096], step[32], node[128], cluster[128];
	char tmp[1024], final[1024];
	int fd = -1, dfd = -1, len, rc = -1;

	len = spool_format(r, text, sizeof(text));
	if (len < 0) {
		snprintf(err, errlen, "record too large for the spool");
		goto out;
	}
	file_safe(step, sizeof(step), r->step);
	file_safe(node, sizeof(node), r->node);
	file_safe(cluster, sizeof(cluster), r->cluster);
	snprintf(final, sizeof(final), "%s/%" PRIu32 ".%s.%s.%s" SPOOL_SUFFIX, dir,
		 r->job_id, step, node, cluster);
	snprintf(tmp, sizeof(tmp), "%s/.tmp.%" PRIu32 ".%s.%s.%ld", dir, r->job_id,
		 step, node, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write_all(fd, text, (size_t)len) < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, final) < 0) {
		snprintf(err, errlen, "%s: %s", final, strerror(errno));
		goto out;
	}
	/* The rename itself must survive a crash too. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	if (path)
		conf_copy_str(path, pathlen, final);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (rc < 0)
		unlink(tmp);
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

int spool_read_file(const char *path, struct step_record *r, char *err,
		    size_t errlen)
{
	char text[SPOOL_MAX_FILE_BYTES], why[256];
	struct stat st;
	ssize_t len;
	int fd, line = 0, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: refused: not a regular file", path);
		goto out;
	}
	if (st.st_uid != 0) {
		snprintf(err, errlen, "%s: refused: not owned by root (uid %u); spool files are written by the plugin as root",
			 path, (unsigned)st.st_uid);
		goto out;
	}
	if (st.st_size > (off_t)sizeof(text)) {
		snprintf(err, errlen, "%s: refused: larger than %zu bytes", path, sizeof(text));
		goto out;
	}
	len = read(fd, text, sizeof(text));
	if (len < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (spool_parse(text, (size_t)len, r, &line, why, sizeof(why)) < 0) {
		if (line > 0)
			snprintf(err, errlen, "%s:%d: %s", path, line, why);
		else
			snprintf(err, errlen, "%s: %s", path, why);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

