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

/* ---- the text keys: one rule for the parser and the formatter ---------- */

#define SPOOL_LINE_MAX 512	/* a line's bytes, its newline excluded, stay below */

enum key_id {
	K_CLUSTER, K_JOB_ID, K_STEP, K_NODE, K_UID, K_USER, K_ACCOUNT, K_PROJECT,
	K_TAG, K_START, K_END, K_CPU, K_DRAM, K_GPU, K_OTHER, K_SAMPLES, K_METHOD,
	K_PARTIAL,
	/* optional (since migration 003): records of the plugin of issue 4 */
	K_JOB_CPU, K_JOB_DRAM, K_JOB_GPU, K_JOB_OTHER, K_ESTIMATED, K_CPU_TIME,
	K_SPLIT, K_NOTES, K_HOUR,
	/* optional (since migration 010): the node's hardware */
	K_CPU_MODEL, K_ALLOC_CPUS, K_GPU_MODEL, K_GPUS,
	/* optional (since migration 012): how the step's tasks ended */
	K_EXIT_STATUS,
	/* optional (since migration 014): the job instance */
	K_JOB_START, K_COUNT
};
#define K_FIRST_OPTIONAL K_JOB_CPU

static const char *const key_names[K_COUNT] = {
	"cluster", "job_id", "step", "node", "uid", "user", "account", "project",
	"tag", "start", "end", "cpu_j", "dram_j", "gpu_j", "other_j", "samples",
	"method", "partial", "job_cpu_j", "job_dram_j", "job_gpu_j", "job_other_j",
	"estimated_j", "cpu_time_s", "split", "notes", "hour",
	"cpu_model", "alloc_cpus", "gpu_model", "gpus", "exit_status", "job_start",
};

enum text_rule {
	TEXT_WORD,		/* 1 or more printable ASCII bytes, no space */
	TEXT_WORD_OR_EMPTY,	/* the same, or nothing */
	TEXT_LABEL_OR_EMPTY,	/* label_is_valid(), or nothing */
	TEXT_PHRASE,		/* printable ASCII with spaces, or nothing */
};

/* Every text key, where its value lives in struct step_record, and the
 * rule it obeys: spool_parse() takes a value only by its rule, and
 * spool_format() writes a record only when each of its values obeys it, so
 * that what is written reads back as it was. */
static const struct text_key {
	enum key_id key;
	size_t offset, size;
	enum text_rule rule;
	const char *error;
} text_keys[] = {
#define TEXT_KEY(k, member, rule, error) \
	{ k, offsetof(struct step_record, member), \
	  sizeof(((struct step_record *)0)->member), rule, error }
	TEXT_KEY(K_CLUSTER, cluster, TEXT_WORD, "cluster must be 1 to 127 printable characters"),
	TEXT_KEY(K_STEP, step, TEXT_WORD, "step must be 1 to 15 printable characters"),
	TEXT_KEY(K_NODE, node, TEXT_WORD, "node must be 1 to 127 printable characters"),
	TEXT_KEY(K_USER, user, TEXT_WORD, "user must be 1 to 63 printable characters"),
	TEXT_KEY(K_ACCOUNT, account, TEXT_WORD_OR_EMPTY,
		 "account must be at most 127 printable characters"),
	TEXT_KEY(K_PROJECT, project, TEXT_LABEL_OR_EMPTY, "project is not a valid label"),
	TEXT_KEY(K_TAG, tag, TEXT_LABEL_OR_EMPTY, "tag is not a valid label"),
	TEXT_KEY(K_METHOD, method, TEXT_WORD, "method must be 1 to 63 printable characters"),
	TEXT_KEY(K_SPLIT, split, TEXT_WORD, "split must be 1 to 31 printable characters"),
	TEXT_KEY(K_NOTES, notes, TEXT_PHRASE, "notes must be at most 255 printable characters"),
	TEXT_KEY(K_CPU_MODEL, cpu_model, TEXT_PHRASE,
		 "cpu_model must be at most 127 printable characters"),
	TEXT_KEY(K_GPU_MODEL, gpu_model, TEXT_PHRASE,
		 "gpu_model must be at most 95 printable characters"),
#undef TEXT_KEY
};
#define N_TEXT_KEYS (sizeof(text_keys) / sizeof(text_keys[0]))

static const struct text_key *text_key(enum key_id k)
{
	size_t i;

	for (i = 0; i < N_TEXT_KEYS; i++)
		if (text_keys[i].key == k)
			return &text_keys[i];
	return NULL;
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

/* Whether v, NUL-terminated within t->size bytes, obeys t's rule. */
static bool text_obeys(const struct text_key *t, const char *v)
{
	if (strnlen(v, t->size) == t->size)
		return false;
	switch (t->rule) {
	case TEXT_WORD:
		return *v && printable(v, false);
	case TEXT_WORD_OR_EMPTY:
		return printable(v, false);
	case TEXT_LABEL_OR_EMPTY:
		return !*v || label_is_valid(v, NULL);
	case TEXT_PHRASE:
		return printable(v, true);
	}
	return false;
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

/* Why spool_parse() would not give r back from spool_format()'s text, or
 * NULL when it would. Values are never quoted: they may hold anything. */
static const char *unfaithful(const struct step_record *r)
{
	size_t i;
	uint32_t h;
	int d;

	for (i = 0; i < N_TEXT_KEYS; i++) {
		const struct text_key *t = &text_keys[i];
		const char *v = (const char *)r + t->offset;

		if ((t->key == K_SPLIT || t->key == K_NOTES) && !r->has_job)
			continue;
		if ((t->key == K_CPU_MODEL || t->key == K_GPU_MODEL) && !r->has_hw)
			continue;
		if (t->key == K_SPLIT && !v[0])
			continue;	/* written as "none" */
		if (!text_obeys(t, v))
			return t->error;
	}
	if (!time_ok(r->start_s) || !time_ok(r->end_s))
		return "start or end is not a time in seconds since 1970";
	if (r->end_s < r->start_s)
		return "end is before start";
	if (r->job_start_s != 0.0 && (!time_ok(r->job_start_s) || r->job_start_s <= 0.0))
		return "job_start is not a time in seconds since 1970";
	for (d = 0; d < DOMAIN_COUNT; d++)
		if (!nonneg_ok(r->energy_j[d]))
			return "an energy of the step is not a number of joules >= 0";
	if (r->has_exit && (r->exit_status < 0 || r->exit_status > 0xffff))
		return "exit_status is not a wait status (a whole number 0 to 65535)";
	if (!r->has_job)
		return NULL;
	for (d = 0; d < DOMAIN_COUNT; d++)
		if (!nonneg_ok(r->job_j[d]))
			return "an energy of the job is not a number of joules >= 0";
	if (!nonneg_ok(r->estimated_j) || !nonneg_ok(r->cpu_time_s))
		return "estimated_j or cpu_time_s is not a number >= 0";
	if (r->n_hours > RECORD_MAX_HOURS)
		return "more than 744 hour buckets";
	for (h = 0; h < r->n_hours; h++) {
		const struct hour_bucket *b = &r->hours[h];

		if (b->hour < 0 || b->hour % 3600 != 0 || b->hour > 100000000000LL ||
		    (h > 0 && b->hour <= r->hours[h - 1].hour))
			return "an hour bucket is not on an hour, or not after the one before";
		for (d = 0; d < DOMAIN_COUNT; d++)
			if (!nonneg_ok(b->j[d]))
				return "an hour bucket's energy is not a number of joules >= 0";
	}
	return NULL;
}

/* The text of r into buf; -1 with *why when r cannot be written faithfully
 * or buf is too small. */
static int format_record(const struct step_record *r, char *buf, size_t n, const char **why)
{
	const char *p, *line;
	size_t len;
	uint32_t h;
	int w;

	*why = unfaithful(r);
	if (*why)
		return -1;
	*why = "record too large for the spool";
	w = snprintf(buf, n,
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
	if (w < 0 || (size_t)w >= n)
		return -1;
	len = (size_t)w;
	if (r->has_hw) {
		w = snprintf(buf + len, n - len,
			     "cpu_model=%s\nalloc_cpus=%" PRIu32 "\ngpu_model=%s\ngpus=%" PRIu32 "\n",
			     r->cpu_model, r->alloc_cpus, r->gpu_model, r->gpus);
		if (w < 0 || (size_t)w >= n - len)
			return -1;
		len += (size_t)w;
	}
	if (r->has_exit) {
		w = snprintf(buf + len, n - len, "exit_status=%d\n", r->exit_status);
		if (w < 0 || (size_t)w >= n - len)
			return -1;
		len += (size_t)w;
	}
	if (r->job_start_s > 0.0) {
		w = snprintf(buf + len, n - len, "job_start=%.6f\n", r->job_start_s);
		if (w < 0 || (size_t)w >= n - len)
			return -1;
		len += (size_t)w;
	}
	if (r->has_job) {
		w = snprintf(buf + len, n - len,
			     "job_cpu_j=%.6f\njob_dram_j=%.6f\njob_gpu_j=%.6f\njob_other_j=%.6f\n"
			     "estimated_j=%.6f\ncpu_time_s=%.6f\nsplit=%s\nnotes=%s\n",
			     r->job_j[DOMAIN_CPU], r->job_j[DOMAIN_DRAM], r->job_j[DOMAIN_GPU],
			     r->job_j[DOMAIN_OTHER], r->estimated_j, r->cpu_time_s,
			     r->split[0] ? r->split : "none", r->notes);
		if (w < 0 || (size_t)w >= n - len)
			return -1;
		len += (size_t)w;
		for (h = 0; h < r->n_hours; h++) {
			const struct hour_bucket *b = &r->hours[h];

			w = snprintf(buf + len, n - len, "hour=%" PRId64 " %.6f %.6f %.6f %.6f\n",
				     b->hour, b->j[DOMAIN_CPU], b->j[DOMAIN_DRAM],
				     b->j[DOMAIN_GPU], b->j[DOMAIN_OTHER]);
			if (w < 0 || (size_t)w >= n - len)
				return -1;
			len += (size_t)w;
		}
	}
	/* A huge number prints long: the parser reads lines of a bounded size. */
	for (line = buf; (p = memchr(line, '\n', len - (size_t)(line - buf))); line = p + 1) {
		if ((size_t)(p - line) >= SPOOL_LINE_MAX) {
			*why = "a number of the record is too large for a spool line";
			return -1;
		}
	}
	*why = NULL;
	return (int)len;
}

int spool_format(const struct step_record *r, char *buf, size_t n)
{
	const char *why;

	return format_record(r, buf, n, &why);
}

const char *spool_format_error(const struct step_record *r)
{
	return unfaithful(r);
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
	const char *why;
	struct stat by_fd, by_path;
	int fd = -1, dfd, len, tries, rc = -1;
	off_t before;

	text = malloc(SPOOL_RECORD_MAX);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	len = format_record(r, text, SPOOL_RECORD_MAX, &why);
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
	const char *why;
	int fd = -1, len, rc = -1;

	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	len = format_record(r, text, SPOOL_RECORD_MAX, &why);
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

/* A wait(2) status: 16 bits. */
static bool parse_wait_status(const char *s, int *out)
{
	uint32_t v;

	if (!parse_u32(s, &v) || v > 0xffff)
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

/* A text key's value: by its rule, into its member of r. */
static const char *set_text(struct step_record *r, const struct text_key *t, const char *v)
{
	if (!text_obeys(t, v) || !conf_copy_str((char *)r + t->offset, t->size, v))
		return t->error;
	return NULL;
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
	if (errno || end == v || *end != ' ' || hour < 0 || hour % 3600 != 0 || hour > 100000000000LL ||
	    (r->n_hours > 0 && hour <= r->hours[r->n_hours - 1].hour))
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

static const char *set_value(struct step_record *r, enum key_id k, const char *v)
{
	const struct text_key *t = text_key(k);

	if (k == K_CPU_MODEL || k == K_GPU_MODEL)
		r->has_hw = true;
	if (t)
		return set_text(r, t, v);
	switch (k) {
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
	case K_JOB_CPU:
	case K_JOB_DRAM:
	case K_JOB_GPU:
	case K_JOB_OTHER:
		r->has_job = true;
		return parse_nonneg(v, &r->job_j[k - K_JOB_CPU]) ? NULL :
		       "job_*_j is not a number of joules >= 0";
	case K_ESTIMATED:
		return parse_nonneg(v, &r->estimated_j) ? NULL :
		       "estimated_j is not a number of joules >= 0";
	case K_CPU_TIME:
		return parse_nonneg(v, &r->cpu_time_s) ? NULL :
		       "cpu_time_s is not a number of seconds >= 0";
	case K_HOUR:
		return parse_hour(r, v);
	case K_ALLOC_CPUS:
		r->has_hw = true;
		return parse_u32(v, &r->alloc_cpus) ? NULL : "alloc_cpus is not a whole number";
	case K_GPUS:
		r->has_hw = true;
		return parse_u32(v, &r->gpus) ? NULL : "gpus is not a whole number";
	case K_JOB_START:
		return parse_nonneg(v, &r->job_start_s) && r->job_start_s > 0.0 &&
		       r->job_start_s < 1e11 ? NULL :
		       "job_start is not a time in seconds since 1970";
	case K_EXIT_STATUS:
		r->has_exit = true;
		return parse_wait_status(v, &r->exit_status) ? NULL :
		       "exit_status is not a wait status (a whole number 0 to 65535)";
	default:
		break;
	}
	return "unknown key";
}

int spool_parse(const char *text, size_t len, struct step_record *r, int *line,
		char *err, size_t errlen)
{
	bool seen[K_COUNT] = { false };
	const char *p = text, *end = text + len;
	char buf[SPOOL_LINE_MAX];
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
		if (seen[k] && k != K_HOUR) {
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
	for (k = 0; k < K_FIRST_OPTIONAL; k++) {
		if (!seen[k]) {
			snprintf(err, errlen, "missing key '%s'", key_names[k]);
			return -1;
		}
	}
	if (r->has_job && !(seen[K_JOB_CPU] && seen[K_JOB_DRAM] && seen[K_JOB_GPU] &&
			    seen[K_JOB_OTHER])) {
		snprintf(err, errlen, "job_cpu_j, job_dram_j, job_gpu_j and job_other_j come together");
		return -1;
	}
	if (r->has_hw && !(seen[K_CPU_MODEL] && seen[K_ALLOC_CPUS] && seen[K_GPU_MODEL] &&
			   seen[K_GPUS])) {
		snprintf(err, errlen, "cpu_model, alloc_cpus, gpu_model and gpus come together");
		return -1;
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
