/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Spool replay: idempotent, batched, with COPY (the part of the spool that
 * needs libpq; writing and parsing are in spool.c). */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"

static const char temp_table_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS spool_in5 ("
	" cluster text, job_id bigint, step text, node text, uid bigint,"
	" user_name text, account text, project text, tag text,"
	" start_time timestamptz, end_time timestamptz,"
	" cpu_j float8, dram_j float8, gpu_j float8, other_j float8,"
	" samples integer, method text, partial boolean,"
	" job_cpu_j float8, job_dram_j float8, job_gpu_j float8, job_other_j float8,"
	" estimated_j float8, cpu_time_s float8, split text, notes text, hours jsonb,"
	" cpu_model text, alloc_cpus integer, gpu_model text, gpus integer,"
	" exit_status integer)"
	" ON COMMIT DELETE ROWS";

/* A growing buffer of COPY text. */
struct copy_buf {
	char *p;
	size_t len, cap;
};

static int copy_reserve(struct copy_buf *b, size_t more)
{
	char *p;
	size_t cap;

	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 65536;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Append one record as a line of COPY's text format. Text fields hold no
 * tabs, newlines or backslashes (spool_parse guarantees it; the hours JSON
 * holds none either); empty optional fields are NULL (\N). */
static int copy_line(struct copy_buf *b, const struct step_record *r)
{
	char start[40], end[40], job[4][32], est[32], cpu_time[32];
	size_t room = 2048 + RECORD_HOURS_JSON_MAX;
	int len, h = 0, d;

	if (copy_reserve(b, room) < 0)
		return -1;
	for (d = 0; d < DOMAIN_COUNT; d++)
		snprintf(job[d], sizeof(job[d]), "%.6f", r->job_j[d]);
	snprintf(est, sizeof(est), "%.6f", r->estimated_j);
	snprintf(cpu_time, sizeof(cpu_time), "%.6f", r->cpu_time_s);
	len = snprintf(b->p + b->len, room,
		       "%s\t%" PRIu32 "\t%s\t%s\t%" PRIu32 "\t%s\t%s\t%s\t%s\t%s\t%s\t"
		       "%.6f\t%.6f\t%.6f\t%.6f\t%" PRIu32 "\t%s\t%s\t"
		       "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t",
		       r->cluster, r->job_id, r->step, r->node, r->uid, r->user,
		       r->account[0] ? r->account : "\\N",
		       r->project[0] ? r->project : "\\N",
		       r->tag[0] ? r->tag : "\\N",
		       utc_timestamp_us(r->start_s, start, sizeof(start)),
		       utc_timestamp_us(r->end_s, end, sizeof(end)),
		       r->energy_j[DOMAIN_CPU], r->energy_j[DOMAIN_DRAM],
		       r->energy_j[DOMAIN_GPU], r->energy_j[DOMAIN_OTHER], r->samples,
		       r->method, r->partial ? "t" : "f",
		       r->has_job ? job[DOMAIN_CPU] : "\\N", r->has_job ? job[DOMAIN_DRAM] : "\\N",
		       r->has_job ? job[DOMAIN_GPU] : "\\N", r->has_job ? job[DOMAIN_OTHER] : "\\N",
		       est, r->has_job ? cpu_time : "\\N",
		       r->split[0] ? r->split : "\\N", r->notes[0] ? r->notes : "\\N");
	if (len < 0 || (size_t)len >= room)
		return -1;
	if (r->has_job) {
		h = record_hours_json(r, b->p + b->len + len, room - (size_t)len);
		if (h < 0)
			return -1;
	} else {
		h = snprintf(b->p + b->len + len, room - (size_t)len, "\\N");
	}
	len += h;
	/* The hardware of sql/010: NULL where unknown (has_hw false). */
	if (r->has_hw) {
		char cpus[16], gpus[16];

		snprintf(cpus, sizeof(cpus), "%" PRIu32, r->alloc_cpus);
		snprintf(gpus, sizeof(gpus), "%" PRIu32, r->gpus);
		h = snprintf(b->p + b->len + len, room - (size_t)len, "\t%s\t%s\t%s\t%s",
			     r->cpu_model[0] ? r->cpu_model : "\\N",
			     r->alloc_cpus ? cpus : "\\N",
			     r->gpu_model[0] ? r->gpu_model : "\\N", gpus);
	} else {
		h = snprintf(b->p + b->len + len, room - (size_t)len, "\t\\N\t\\N\t\\N\t\\N");
	}
	if (h < 0 || (size_t)(len + h) >= room)
		return -1;
	len += h;
	/* The exit status of sql/012: NULL where no task's end was seen. */
	if (r->has_exit)
		h = snprintf(b->p + b->len + len, room - (size_t)len, "\t%d", r->exit_status);
	else
		h = snprintf(b->p + b->len + len, room - (size_t)len, "\t\\N");
	if (h < 0 || (size_t)(len + h) >= room)
		return -1;
	len += h;
	if ((size_t)len + 2 > room)
		return -1;
	b->p[b->len + (size_t)len++] = '\n';
	b->len += (size_t)len;
	return 0;
}

/* Send one batch: COPY the records' lines, merge, commit. */
static int flush_batch(PGconn *conn, const struct copy_buf *b, unsigned n,
		       struct spool_stats *st, char *err, size_t errlen)
{
	PGresult *res = NULL;
	unsigned merged;
	int rc = -1;

	if (db_exec(conn, "BEGIN", err, errlen) < 0 ||
	    db_exec(conn, temp_table_sql, err, errlen) < 0 ||
	    db_exec(conn, "COPY pg_temp.spool_in5 FROM STDIN", err, errlen) < 0)
		goto out;
	if (PQputCopyData(conn, b->p, (int)b->len) != 1) {
		PQputCopyEnd(conn, "sending failed");
		db_error_line(conn, err, errlen);
		goto out;
	}
	if (PQputCopyEnd(conn, NULL) != 1) {
		db_error_line(conn, err, errlen);
		goto out;
	}
	res = PQgetResult(conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_error_line(conn, err, errlen);
		goto out;
	}
	PQclear(res);
	res = PQexec(conn, "SELECT carbon.merge_spool_in5() AS merged");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		db_error_line(conn, err, errlen);
		goto out;
	}
	merged = (unsigned)strtoul(PQgetvalue(res, 0, PQfnumber(res, "merged")), NULL, 10);
	PQclear(res);
	res = NULL;
	if (db_exec(conn, "COMMIT", err, errlen) < 0)
		goto out;
	st->stored += merged;
	st->already += n - (merged > n ? n : merged);
	rc = 0;
out:
	PQclear(res);
	if (rc < 0) {
		/* Drain anything left of a failed COPY before ROLLBACK. */
		while ((res = PQgetResult(conn)) != NULL)
			PQclear(res);
		if (PQstatus(conn) == CONNECTION_OK)
			PQclear(PQexec(conn, "ROLLBACK"));
	}
	return rc;
}

/* Segments and record files; not *.bad, not hidden files. */
static int is_spool_file(const struct dirent *e)
{
	static const char *const suffixes[] = {
		SPOOL_SEGMENT_SUFFIX, SPOOL_RECORD_SUFFIX, SPOOL_CHECKPOINT_SUFFIX,
	};
	size_t n = strlen(e->d_name), i;

	if (e->d_name[0] == '.')
		return 0;
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t s = strlen(suffixes[i]);

		if (n > s && !strcmp(e->d_name + n - s, suffixes[i]))
			return 1;
	}
	return 0;
}

/* A checkpoint file (JOB.STEP.PID.ckpt, see spool_checkpoint()) whose
 * slurmstepd still runs: its record is stored, but the file stays, since the
 * step replaces it at its next checkpoint and removes it when it ends. */
static bool checkpoint_of_running_step(const char *name)
{
	size_t n = strlen(name), s = strlen(SPOOL_CHECKPOINT_SUFFIX);
	const char *dot;
	char path[64], comm[32];
	long pid;
	ssize_t len;
	int fd;

	if (n <= s || strcmp(name + n - s, SPOOL_CHECKPOINT_SUFFIX) != 0)
		return false;
	for (dot = name + n - s - 1; dot > name && *dot != '.'; dot--)
		;
	pid = strtol(dot + 1, NULL, 10);
	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (len <= 0)
		return false;
	comm[len] = '\0';
	return strncmp(comm, "slurmstepd", 10) == 0;
}

/* Everything one flush carries from file to file. */
struct flush_state {
	PGconn *conn;
	const char *dir;
	unsigned batch;
	struct copy_buf copy;		/* the batch being filled, as COPY text */
	unsigned n;
	char **done;			/* files whose records are all in a batch */
	unsigned n_done;
	struct spool_stats *st;
	spool_report_fn report;
	void *arg;
	const char *file;		/* the file being read, for messages */
	char *err;
	size_t errlen;
	bool failed;
};

static void say(struct flush_state *fs, const char *msg)
{
	if (fs->report)
		fs->report(msg, fs->arg);
}

/* Commit the batch, then remove the files all of whose records it held. */
static int commit_batch(struct flush_state *fs)
{
	char path[1024];
	unsigned i;

	if (fs->n > 0 && flush_batch(fs->conn, &fs->copy, fs->n, fs->st, fs->err, fs->errlen) < 0)
		return -1;
	fs->n = 0;
	fs->copy.len = 0;
	/* Committed: only now may the files go. A crash before this point
	 * leaves them for the next flush, which the merge rule makes harmless. */
	for (i = 0; i < fs->n_done; i++) {
		snprintf(path, sizeof(path), "%s/%s", fs->dir, fs->done[i]);
		unlink(path);
		free(fs->done[i]);
	}
	fs->n_done = 0;
	return 0;
}

/* Keep a rejected record's text in FILE.bad, so that nothing is lost. */
static void keep_bad(struct flush_state *fs, const char *text, size_t len, char *where,
		     size_t wherelen)
{
	int fd;

	snprintf(where, wherelen, "%s/%s.bad", fs->dir, fs->file);
	fd = open(where, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		snprintf(where, wherelen, "nowhere (%s)", strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void on_record(const char *text, size_t len, int line,
		      const struct step_record *r, int rc, int bad_line,
		      const char *why, void *arg)
{
	struct flush_state *fs = arg;
	char where[1100], msg[2400];

	if (fs->failed)
		return;
	fs->st->records++;
	if (rc < 0) {
		keep_bad(fs, text, len, where, sizeof(where));
		fs->st->rejected++;
		snprintf(msg, sizeof(msg), "%s/%s:%d: %s; record kept in %s", fs->dir, fs->file,
			 bad_line > 0 ? line + bad_line - 1 : line, why, where);
		say(fs, msg);
		return;
	}
	if (copy_line(&fs->copy, r) < 0) {
		snprintf(fs->err, fs->errlen, "out of memory for a batch of records");
		fs->failed = true;
		return;
	}
	fs->n++;
	if (fs->n == fs->batch && commit_batch(fs) < 0)
		fs->failed = true;
}

/* Read the whole of a spool file that root owns. NULL with a reason in why,
 * or with why empty when the file is only too large for this flush. */
static char *read_spool_file(int fd, long max_bytes, size_t *len, long *skipped_bytes,
			     char *why, size_t whylen)
{
	struct stat st;
	char *text;
	size_t got = 0;

	why[0] = '\0';
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "refused: not a regular file");
		return NULL;
	}
	if (st.st_uid != 0) {
		snprintf(why, whylen,
			 "refused: not owned by root (uid %u); spool files are written by the plugin as root",
			 (unsigned)st.st_uid);
		return NULL;
	}
	if (st.st_size > SPOOL_MAX_FILE_BYTES) {
		snprintf(why, whylen, "refused: larger than %ld bytes", SPOOL_MAX_FILE_BYTES);
		return NULL;
	}
	if (max_bytes && st.st_size > max_bytes) {
		if (skipped_bytes)
			*skipped_bytes += (long)st.st_size;
		return NULL;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		snprintf(why, whylen, "out of memory for %ld bytes", (long)st.st_size);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, text + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	*len = got;
	return text;
}

/* Rename the active file aside as a segment, so that the plugin starts a
 * new one while this flush reads the old. */
static void rotate_active(const char *dir, long max_bytes, long *skipped_bytes)
{
	char from[1024], to[1100];
	struct stat st;
	struct timespec now;

	snprintf(from, sizeof(from), "%s/%s", dir, SPOOL_ACTIVE);
	if (lstat(from, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
		return;
	if (max_bytes && st.st_size > max_bytes) {
		if (skipped_bytes)
			*skipped_bytes += (long)st.st_size;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(to, sizeof(to), "%s/%lld.%09ld.%ld" SPOOL_SEGMENT_SUFFIX, dir,
		 (long long)now.tv_sec, now.tv_nsec, (long)getpid());
	rename(from, to);
}

int spool_flush(PGconn *conn, const char *dir, long max_bytes, unsigned batch,
		double deadline, struct spool_stats *st, long *skipped_bytes,
		spool_report_fn report, void *arg, char *err, size_t errlen)
{
	struct flush_state fs = {
		.conn = conn, .dir = dir, .batch = batch ? batch : 1000, .st = st,
		.report = report, .arg = arg, .err = err, .errlen = errlen,
	};
	struct dirent **entries = NULL;
	char path[1024], why[512], msg[2800];
	int count, i, rc = -1;

	memset(st, 0, sizeof(*st));
	if (skipped_bytes)
		*skipped_bytes = 0;
	rotate_active(dir, max_bytes, skipped_bytes);
	count = scandir(dir, &entries, is_spool_file, alphasort);
	if (count < 0) {
		snprintf(err, errlen, "cannot read spool directory %s: %s", dir, strerror(errno));
		return -1;
	}
	fs.done = calloc((size_t)count + 1, sizeof(*fs.done));
	if (!fs.done) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < count; i++) {
		const char *name = entries[i]->d_name;
		size_t len = 0;
		char *text;
		int fd;

		if (deadline > 0 && spool_monotonic_s() > deadline)
			break;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;	/* gone meanwhile: another flush took it */
		/* Wait for a writer that opened the file before it was renamed. */
		flock(fd, LOCK_EX);
		text = read_spool_file(fd, max_bytes, &len, skipped_bytes, why, sizeof(why));
		close(fd);
		if (!text) {
			if (why[0]) {	/* untrusted: set aside, kept, said once */
				char bad[1100];

				snprintf(bad, sizeof(bad), "%s.bad", path);
				st->rejected++;
				snprintf(msg, sizeof(msg), "%s: %s; %s %s", path, why,
					 rename(path, bad) == 0 ? "kept as" : "could not rename it to", bad);
				say(&fs, msg);
			}
			continue;
		}
		st->files++;
		fs.file = name;
		spool_parse_file_text(text, len, on_record, &fs);
		free(text);
		if (fs.failed)
			goto out;
		if (checkpoint_of_running_step(name))
			continue;	/* stored now; the step rewrites it later */
		fs.done[fs.n_done] = strdup(name);
		if (fs.done[fs.n_done])
			fs.n_done++;
	}
	if (commit_batch(&fs) < 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < count; i++)
		free(entries[i]);
	free(entries);
	while (fs.n_done > 0)
		free(fs.done[--fs.n_done]);
	free(fs.done);
	free(fs.copy.p);
	return rc;
}
