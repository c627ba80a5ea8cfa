/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Spool files: atomic write, strict parse, idempotent replay with COPY. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "record_fields.h"

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

/* ---- the record's text: keys, order and rules from record_fields[] ----- */

#define SPOOL_LINE_MAX 512	/* a line's bytes, its newline excluded, stay below */

/* The order the groups of keys are written in: the hardware, the exit
 * status, then the job's share with its hour lines last, as every plugin
 * since the format's version 1 wrote them. Within a group, the order of
 * record_fields[]. */
static const enum record_field_group spool_group_order[] = { RG_ALWAYS, RG_HW, RG_EXIT, RG_JOB };
_Static_assert(sizeof(spool_group_order) / sizeof(spool_group_order[0]) == RG_COUNT,
	       "every group has its place in the spool");

static const void *field_at(const struct step_record *r, const struct record_field *f)
{
	return (const char *)r + f->offset;
}

/* Printable ASCII without backslash (COPY's escape); space only where
 * spaces_too. */
static bool printable(const char *s, bool spaces_too)
{
	for (; *s; s++)
		if (*s < (spaces_too ? 0x20 : 0x21) || *s > 0x7e || *s == '\\')
			return false;
	return true;
}

/* Whether v, NUL-terminated within f->size bytes, obeys f's rule as a
 * value of the spool's text. */
static bool text_obeys(const struct record_field *f, const char *v)
{
	if (strnlen(v, f->size) == f->size)
		return false;
	switch (f->rule) {
	case RR_WORD:
	case RR_WORD_OR_NONE:
		return *v && printable(v, false);
	case RR_WORD_OR_EMPTY:
		return printable(v, false);
	case RR_LABEL_OR_EMPTY:
		return !*v || label_is_valid(v, NULL);
	case RR_PHRASE:
		return printable(v, true);
	case RR_NUMBER:
	case RR_WAIT_STATUS:
		break;
	}
	return false;
}

/* What a value of f must be, naming f by its key, never quoting a value
 * (it may hold anything): the reason of both the parser and the writer. */
static void rule_error(const struct record_field *f, char *why, size_t n)
{
	switch (f->type) {
	case RF_TEXT:
		if (f->rule == RR_LABEL_OR_EMPTY)
			snprintf(why, n, "%s is not a valid label", f->key);
		else if (f->rule == RR_WORD || f->rule == RR_WORD_OR_NONE)
			snprintf(why, n, "%s must be 1 to %zu printable characters", f->key,
				 f->size - 1);
		else
			snprintf(why, n, "%s must be at most %zu printable characters", f->key,
				 f->size - 1);
		return;
	case RF_U32:
		snprintf(why, n, "%s is not a whole number", f->key);
		return;
	case RF_INT:
		if (f->rule == RR_WAIT_STATUS)
			snprintf(why, n, "%s is not a wait status (a whole number 0 to 65535)",
				 f->key);
		else
			snprintf(why, n, "%s is not a whole number", f->key);
		return;
	case RF_F64:
		snprintf(why, n, "%s is not a number of %s >= 0", f->key, f->unit);
		return;
	case RF_TIME:
		snprintf(why, n, "%s is not a time in seconds since 1970", f->key);
		return;
	case RF_BOOL:
		snprintf(why, n, "%s must be 0 or 1", f->key);
		return;
	case RF_HOURS:
		snprintf(why, n, "at most %d %s lines, each an hour's start in seconds since 1970 (a multiple of 3600, after the one before) and four numbers of joules >= 0",
			 RECORD_MAX_HOURS, f->key);
		return;
	}
}

/* A number of joules or seconds the parser takes back: finite, >= 0 and
 * not -0 (which prints as "-0.000000"). */
static bool nonneg_ok(double v)
{
	return isfinite(v) && !signbit(v);
}

static bool time_ok(double t)
{
	return nonneg_ok(t) && t < 1e11;
}

static bool hour_ok(int64_t hour, const struct hour_bucket *before)
{
	return hour >= 0 && hour % 3600 == 0 && hour <= 100000000000LL &&
	       (!before || hour > before->hour);
}

/* Is f of r in r's text: its group is there, and it is not an optional
 * field that is NULL. */
static bool written(const struct step_record *r, const struct record_field *f)
{
	const bool *flag = record_group_flag((struct step_record *)r, f->group);

	if (flag && !*flag)
		return false;
	return !(f->flags & RF_OPTIONAL) || !record_field_is_null(r, f);
}

/* Would the parser give f of r back as it is? */
static bool field_faithful(const struct step_record *r, const struct record_field *f)
{
	const void *at = field_at(r, f);
	uint32_t h;
	int d;

	switch (f->type) {
	case RF_TEXT:
		if (f->rule == RR_WORD_OR_NONE && !*(const char *)at)
			return true;	/* written as "none" */
		return text_obeys(f, at);
	case RF_U32:
	case RF_BOOL:
		return true;
	case RF_INT: {
		int v;

		memcpy(&v, at, sizeof(v));
		return f->rule != RR_WAIT_STATUS || (v >= 0 && v <= 0xffff);
	}
	case RF_F64: {
		double v;

		memcpy(&v, at, sizeof(v));
		return nonneg_ok(v);
	}
	case RF_TIME: {
		double v;

		memcpy(&v, at, sizeof(v));
		return time_ok(v);
	}
	case RF_HOURS:
		if (r->n_hours > RECORD_MAX_HOURS)
			return false;
		for (h = 0; h < r->n_hours; h++) {
			if (!hour_ok(r->hours[h].hour, h > 0 ? &r->hours[h - 1] : NULL))
				return false;
			for (d = 0; d < DOMAIN_COUNT; d++)
				if (!nonneg_ok(r->hours[h].j[d]))
					return false;
		}
		return true;
	}
	return false;
}

/* Why spool_parse() would not give r back from spool_format()'s text,
 * into why (size n); false when it would. */
static bool unfaithful(const struct step_record *r, char *why, size_t n)
{
	size_t i;

	for (i = 0; i < record_field_count; i++) {
		const struct record_field *f = &record_fields[i];

		if (written(r, f) && !field_faithful(r, f)) {
			rule_error(f, why, n);
			return true;
		}
	}
	if (r->end_s < r->start_s) {
		snprintf(why, n, "end is before start");
		return true;
	}
	return false;
}

/* f's line (or lines) of r's text at buf (size n). Returns the length,
 * or -1 when buf is too small. */
static int format_field(const struct step_record *r, const struct record_field *f, char *buf,
			size_t n)
{
	const void *at = field_at(r, f);
	size_t len = 0;
	uint32_t h;
	int w = -1;

	switch (f->type) {
	case RF_TEXT: {
		const char *v = at;

		w = snprintf(buf, n, "%s=%s\n", f->key,
			     !*v && f->rule == RR_WORD_OR_NONE ? "none" : v);
		break;
	}
	case RF_U32: {
		uint32_t v;

		memcpy(&v, at, sizeof(v));
		w = snprintf(buf, n, "%s=%" PRIu32 "\n", f->key, v);
		break;
	}
	case RF_INT: {
		int v;

		memcpy(&v, at, sizeof(v));
		w = snprintf(buf, n, "%s=%d\n", f->key, v);
		break;
	}
	case RF_F64:
	case RF_TIME: {
		double v;

		memcpy(&v, at, sizeof(v));
		w = snprintf(buf, n, "%s=%.6f\n", f->key, v);
		break;
	}
	case RF_BOOL: {
		bool v;

		memcpy(&v, at, sizeof(v));
		w = snprintf(buf, n, "%s=%d\n", f->key, v ? 1 : 0);
		break;
	}
	case RF_HOURS:
		/* "hour=EPOCH CPU DRAM GPU OTHER", one line a bucket */
		for (h = 0; h < r->n_hours; h++) {
			const struct hour_bucket *b = &r->hours[h];

			w = snprintf(buf + len, n - len, "%s=%" PRId64 " %.6f %.6f %.6f %.6f\n",
				     f->key, b->hour, b->j[DOMAIN_CPU], b->j[DOMAIN_DRAM],
				     b->j[DOMAIN_GPU], b->j[DOMAIN_OTHER]);
			if (w < 0 || (size_t)w >= n - len)
				return -1;
			len += (size_t)w;
		}
		return (int)len;
	}
	if (w < 0 || (size_t)w >= n)
		return -1;
	return w;
}

/* The text of r into buf; -1 with the reason in why when r cannot be
 * written faithfully or buf is too small. */
static int format_record(const struct step_record *r, char *buf, size_t n, char *why,
			 size_t whylen)
{
	const char *p, *line;
	size_t g, i, len;
	int w;

	if (unfaithful(r, why, whylen))
		return -1;
	snprintf(why, whylen, "record too large for the spool");
	w = snprintf(buf, n, "%s\n", SPOOL_MAGIC);
	if (w < 0 || (size_t)w >= n)
		return -1;
	len = (size_t)w;
	for (g = 0; g < RG_COUNT; g++) {
		for (i = 0; i < record_field_count; i++) {
			const struct record_field *f = &record_fields[i];

			if (f->group != spool_group_order[g] || !written(r, f))
				continue;
			w = format_field(r, f, buf + len, n - len);
			if (w < 0)
				return -1;
			len += (size_t)w;
		}
	}
	/* A huge number prints long: the parser reads lines of a bounded size. */
	for (line = buf; (p = memchr(line, '\n', len - (size_t)(line - buf))); line = p + 1) {
		if ((size_t)(p - line) >= SPOOL_LINE_MAX) {
			snprintf(why, whylen, "a number of the record is too large for a spool line");
			return -1;
		}
	}
	why[0] = '\0';
	return (int)len;
}

int spool_format(const struct step_record *r, char *buf, size_t n)
{
	char why[256];

	return format_record(r, buf, n, why, sizeof(why));
}

const char *spool_format_error(const struct step_record *r, char *why, size_t n)
{
	return unfaithful(r, why, n) ? why : NULL;
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
	char *text = NULL, file[1024];
	char why[256];
	struct stat by_fd, by_path;
	int fd = -1, dfd, len, tries, rc = -1;
	off_t before;

	text = malloc(SPOOL_RECORD_MAX);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	len = format_record(r, text, SPOOL_RECORD_MAX, why, sizeof(why));
	if (len < 0) {
		snprintf(err, errlen, "record refused by the spool: %s", why);
		goto out_free;
	}
	snprintf(file, sizeof(file), "%s/%s", dir, SPOOL_ACTIVE);
	for (tries = 0; tries < 10; tries++) {
		fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			snprintf(err, errlen, "%s: %s", file, strerror(errno));
			goto out_free;
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
		goto out_free;
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
out_free:
	free(text);
	return rc;
}

static void checkpoint_path(const char *dir, const struct step_record *r, bool tmp,
			    char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s%" PRIu32 ".%s.%ld%s", dir, tmp ? "." : "", r->job_id,
		 r->step, (long)getpid(), tmp ? ".tmp" : SPOOL_CHECKPOINT_SUFFIX);
}

int spool_checkpoint(const char *dir, const struct step_record *r, char *err, size_t errlen)
{
	char tmp[1100], path[1100];
	char *text = malloc(SPOOL_RECORD_MAX);
	char why[256];
	int fd = -1, len, rc = -1;

	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	len = format_record(r, text, SPOOL_RECORD_MAX, why, sizeof(why));
	if (len < 0) {
		snprintf(err, errlen, "record refused by the spool: %s", why);
		goto out;
	}
	checkpoint_path(dir, r, true, tmp, sizeof(tmp));
	checkpoint_path(dir, r, false, path, sizeof(path));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write_all(fd, text, (size_t)len) < 0 || fsync(fd) < 0 ||
	    rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(text);
	return rc;
}

void spool_checkpoint_remove(const char *dir, const struct step_record *r)
{
	char path[1100];

	checkpoint_path(dir, r, false, path, sizeof(path));
	unlink(path);
}

/* ---- parsing ----------------------------------------------------------- */

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

static bool parse_int(const char *s, int *out)
{
	char *end;
	long v;

	if ((*s < '0' || *s > '9') && *s != '-')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < INT_MIN || v > INT_MAX)
		return false;
	*out = (int)v;
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

/* "hour=EPOCH CPU DRAM GPU OTHER": one hour bucket, in time order. */
static const char *parse_hour(struct step_record *r, const char *v)
{
	struct hour_bucket *b;
	char *end;
	long long hour;
	int d;

	if (r->n_hours == RECORD_MAX_HOURS)
		return "more than 744 hour lines";
	errno = 0;
	hour = strtoll(v, &end, 10);
	if (errno || end == v || *end != ' ' ||
	    !hour_ok(hour, r->n_hours > 0 ? &r->hours[r->n_hours - 1] : NULL))
		return "hour must start with the hour's start in seconds since 1970 (a multiple of 3600, after the previous hour line)";
	b = &r->hours[r->n_hours];
	b->hour = hour;
	for (d = 0; d < DOMAIN_COUNT; d++) {
		const char *p = end + 1;

		if (*end != ' ' || *p < '0' || *p > '9')
			return "hour must hold four numbers of joules >= 0 after the hour";
		errno = 0;
		b->j[d] = strtod(p, &end);
		if (errno || end == p || !isfinite(b->j[d]) || b->j[d] < 0)
			return "hour must hold four numbers of joules >= 0 after the hour";
	}
	if (*end)
		return "hour must hold four numbers of joules >= 0 after the hour";
	r->n_hours++;
	return NULL;
}

/* f's value v into r, by f's rule; its group is then there. Returns 0, or
 * -1 with the reason in err. */
static int parse_field(struct step_record *r, const struct record_field *f, const char *v,
		       char *err, size_t errlen)
{
	void *at = (char *)r + f->offset;
	bool *flag = record_group_flag(r, f->group);
	bool ok = false;

	if (flag)
		*flag = true;
	switch (f->type) {
	case RF_TEXT:
		ok = text_obeys(f, v) && conf_copy_str(at, f->size, v);
		break;
	case RF_U32: {
		uint32_t u;

		ok = parse_u32(v, &u);
		if (ok)
			memcpy(at, &u, sizeof(u));
		break;
	}
	case RF_INT: {
		uint32_t u;
		int i = 0;

		if (f->rule == RR_WAIT_STATUS) {	/* 16 bits */
			ok = parse_u32(v, &u) && u <= 0xffff;
			i = (int)u;
		} else {
			ok = parse_int(v, &i);
		}
		if (ok)
			memcpy(at, &i, sizeof(i));
		break;
	}
	case RF_F64:
	case RF_TIME: {
		double d;

		ok = parse_nonneg(v, &d) && (f->type != RF_TIME || time_ok(d));
		if (ok)
			memcpy(at, &d, sizeof(d));
		break;
	}
	case RF_BOOL: {
		bool b = v[0] == '1';

		ok = !strcmp(v, "0") || !strcmp(v, "1");
		if (ok)
			memcpy(at, &b, sizeof(b));
		break;
	}
	case RF_HOURS: {
		const char *why = parse_hour(r, v);

		if (why) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		return 0;
	}
	}
	if (!ok) {
		rule_error(f, err, errlen);
		return -1;
	}
	return 0;
}

/* The field whose key is key, or -1. Keys mostly come in the order the
 * writer wrote them: the search starts at the last one found. */
static int field_of_key(const char *key, int *last)
{
	int n = (int)record_field_count, k, i;

	for (k = 0; k < n; k++) {
		i = (*last + k) % n;
		if (!strcmp(key, record_fields[i].key)) {
			*last = i;
			return i;
		}
	}
	return -1;
}

/* Is f one of the keys that group g's records hold (hour lines may be
 * none, an optional field is left out when NULL)? */
static bool group_key(const struct record_field *f, size_t g)
{
	return f->group == g && f->type != RF_HOURS && !(f->flags & RF_OPTIONAL);
}

/* Whether the fields a record must have are all there: the required ones,
 * and of each group that is there every field (hour lines may be none).
 * Returns 0, or -1 with the reason in err. */
static int check_complete(const struct step_record *r, const bool *seen, char *err, size_t errlen)
{
	size_t i, g;

	for (i = 0; i < record_field_count; i++) {
		if (record_field_required(&record_fields[i]) && !seen[i]) {
			snprintf(err, errlen, "missing key '%s'", record_fields[i].key);
			return -1;
		}
	}
	for (g = 0; g < RG_COUNT; g++) {
		const bool *flag = record_group_flag((struct step_record *)r,
						     (enum record_field_group)g);
		size_t len = 0, n = 0, missing = 0, k;

		if (!flag || !*flag)
			continue;
		for (i = 0; i < record_field_count; i++) {
			const struct record_field *f = &record_fields[i];

			if (!group_key(f, g))
				continue;
			n++;
			missing += !seen[i];
		}
		if (!missing)
			continue;
		/* "a, b, c and d come together" */
		for (i = 0, k = 0; i < record_field_count && len < errlen; i++) {
			const struct record_field *f = &record_fields[i];
			int w;

			if (!group_key(f, g))
				continue;
			k++;
			w = snprintf(err + len, errlen - len, "%s%s", k == 1 ? "" : k == n ? " and " : ", ",
				     f->key);
			len += w > 0 ? (size_t)w : 0;
		}
		if (len < errlen)
			snprintf(err + len, errlen - len, " come together");
		return -1;
	}
	return 0;
}

int spool_parse(const char *text, size_t len, struct step_record *r, int *line,
		char *err, size_t errlen)
{
	bool seen[RECORD_FIELD_MAX] = { false };
	const char *p = text, *end = text + len;
	char buf[SPOOL_LINE_MAX];
	int lineno = 0, k, last = 0;

	memset(r, 0, sizeof(*r));
	*line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
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
		k = field_of_key(buf, &last);
		if (k < 0) {
			snprintf(err, errlen, "unknown key '%.64s'", buf);
			return -1;
		}
		if (seen[k] && record_fields[k].type != RF_HOURS) {
			snprintf(err, errlen, "key '%s' given twice", record_fields[k].key);
			return -1;
		}
		seen[k] = true;
		if (parse_field(r, &record_fields[k], eq + 1, err, errlen) < 0)
			return -1;
	}
	*line = 0;
	if (lineno == 0) {
		snprintf(err, errlen, "empty file");
		return -1;
	}
	if (check_complete(r, seen, err, errlen) < 0)
		return -1;
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

/* spool.log, segments and record files: what a flush stores and removes. */
static bool is_backlog_file(const char *name)
{
	static const char *const suffixes[] = { SPOOL_SEGMENT_SUFFIX, SPOOL_RECORD_SUFFIX };
	size_t n = strlen(name), i;

	if (name[0] == '.')
		return false;
	if (!strcmp(name, SPOOL_ACTIVE))
		return true;
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t s = strlen(suffixes[i]);

		if (n > s && !strcmp(name + n - s, suffixes[i]))
			return true;
	}
	return false;
}

/* Add the bytes of the regular file name of dirfd to b, and its records
 * (header lines) unless that would read past max_read_bytes (0: no limit)
 * in all; a file that vanished or is not a regular file adds nothing. */
static void count_backlog_file(int dirfd, const char *name, long long max_read_bytes,
			       unsigned long long *read_bytes, struct spool_backlog *b)
{
	static const char header[] = SPOOL_MAGIC "\n";
	const size_t hlen = sizeof(header) - 1, no_match = (size_t)-1;
	char buf[65536];
	size_t m = 0;	/* bytes of header matched at this line's start */
	struct stat st;
	ssize_t got, i;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto out;
	b->files++;
	b->bytes += (unsigned long long)st.st_size;
	if (max_read_bytes > 0 &&
	    *read_bytes + (unsigned long long)st.st_size > (unsigned long long)max_read_bytes) {
		b->records_counted = false;
		goto out;
	}
	*read_bytes += (unsigned long long)st.st_size;
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < got; i++) {
			if (m != no_match) {
				if (buf[i] == header[m]) {
					if (++m == hlen) {
						b->records++;
						m = 0;
					}
					continue;
				}
				m = no_match;
			}
			if (buf[i] == '\n')
				m = 0;
		}
	}
out:
	close(fd);
}

int spool_backlog(const char *dir, long long max_read_bytes, struct spool_backlog *b,
		  char *err, size_t errlen)
{
	unsigned long long read_bytes = 0;
	struct dirent *e;
	DIR *d;

	memset(b, 0, sizeof(*b));
	b->records_counted = true;
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read spool directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)))
		if (is_backlog_file(e->d_name))
			count_backlog_file(dirfd(d), e->d_name, max_read_bytes, &read_bytes, b);
	closedir(d);
	return 0;
}
