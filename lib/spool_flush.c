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
#include "progress.h"
#include "record_fields.h"

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

/* A record of the batch as the spool holds it, kept until the batch is
 * stored: a record the database refuses goes to its file's .bad. */
struct batch_text {
	char *file;
	int line;
	char *text;
	size_t len;
};

/* One batch of records, one call of carbon.put_rows. */
struct batch {
	struct record_rows rows;	/* the records as put_rows takes them */
	struct batch_text *texts;	/* each record's spool text and file */
	unsigned n;
	char **done;			/* files whose last record is in this batch or an earlier one */
	unsigned n_done;
	unsigned rejected;		/* records the database refused */
	bool binary;			/* rows in the binary form, else the literal */
	bool in_flight;			/* sent, its answer not yet taken */
	PGconn *conn;			/* the connection it went on; NULL: no records */
};

/* Everything one flush carries from file to file. While the server stores
 * the batches sent (up to one a connection), the next is read from the
 * spool (filling), so that reading and storing overlap. The answers are
 * taken in the order the batches were sent, so that when a batch's answer
 * is in, every batch before it has been stored too: only then may a file
 * whose last record it holds go. */
struct flush_state {
	PGconn *conns[SPOOL_FLUSH_JOBS_MAX];	/* [0] the caller's; the rest opened here */
	unsigned n_conns;
	unsigned jobs;			/* connections to use at most */
	unsigned n_batches;		/* batches[]: jobs + 1 as asked */
	spool_connect_fn connect;	/* opens another; NULL: none */
	void *connect_arg;
	const char *dir;
	unsigned batch;			/* records a batch at most */
	struct batch batches[SPOOL_FLUSH_JOBS_MAX + 1];
	struct batch *filling;
	struct batch *sent[SPOOL_FLUSH_JOBS_MAX + 1];	/* on their way, oldest first */
	unsigned n_sent;
	struct batch *finishing;	/* whose answer is being read */
	bool keep_files;		/* a batch was not stored: no file may go */
	/* The binary form of the rows, which the server takes without
	 * parsing them, once a flush is large enough to pay the query that
	 * asks for carbon.step_in's types: 0 not asked yet, 1 yes, -1 no. */
	int binary;
	struct record_sql_types types;
	struct spool_stats *st;
	spool_report_fn report;
	void *arg;
	const char *file;		/* the file being read, for messages */
	struct progress *progress;	/* bytes of the spool read; NULL: none */
	char *err;
	size_t errlen;
	bool failed;
};

static void say(struct flush_state *fs, const char *msg)
{
	if (fs->report)
		fs->report(msg, fs->arg);
}

/* Keep a rejected record's text in FILE.bad, so that nothing is lost. */
static void keep_bad(struct flush_state *fs, const char *file, const char *text, size_t len,
		     char *where, size_t wherelen)
{
	int fd;

	snprintf(where, wherelen, "%s/%s.bad", fs->dir, file);
	fd = open(where, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		snprintf(where, wherelen, "nowhere (%s)", strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void on_refused(unsigned ord, const char *why, void *arg)
{
	struct flush_state *fs = arg;
	struct batch *b = fs->finishing;
	struct batch_text *t;
	char where[1100], msg[2400];

	if (ord < 1 || ord > b->n)
		return;
	t = &b->texts[ord - 1];
	keep_bad(fs, t->file, t->text, t->len, where, sizeof(where));
	fs->st->rejected++;
	b->rejected++;
	snprintf(msg, sizeof(msg), "%s/%s:%d: the database refused the record: %s; record kept in %s",
		 fs->dir, t->file, t->line, why, where);
	say(fs, msg);
}

/* Empty b, keeping its memory. */
static void batch_clear(struct batch *b)
{
	unsigned i;

	for (i = 0; i < b->n; i++) {
		free(b->texts[i].file);
		free(b->texts[i].text);
	}
	b->n = 0;
	b->rejected = 0;
	record_rows_reset(&b->rows);
	while (b->n_done > 0)
		free(b->done[--b->n_done]);
}

/* Take the answer of the oldest batch on its way (carbon.put_rows: atomic,
 * and the rule makes a repeat harmless), then remove the files all of whose
 * records it and the batches before it held. Returns 0, or -1 with the
 * reason in fs->err; from then on no file is removed, since its records
 * may be in the batch that was not stored. */
static int finish_oldest(struct flush_state *fs)
{
	struct batch *b = fs->sent[0];
	char path[1024];
	unsigned i, stored = 0, counted;
	int rc = 0;

	if (fs->n_sent == 0)
		return 0;
	fs->n_sent--;
	memmove(fs->sent, fs->sent + 1, fs->n_sent * sizeof(fs->sent[0]));
	b->in_flight = false;
	if (b->conn) {
		fs->finishing = b;
		rc = db_put_rows_result(b->conn, &stored, on_refused, fs, fs->err, fs->errlen);
		fs->finishing = NULL;
	}
	if (rc < 0) {
		fs->keep_files = true;
	} else if (b->n > 0) {
		fs->st->stored += stored;
		counted = stored + b->rejected;
		fs->st->already += b->n - (counted > b->n ? b->n : counted);
	}
	/* Stored: only now may the files go. A crash before this point leaves
	 * them for the next flush, which the rule makes harmless. */
	for (i = 0; i < b->n_done && !fs->keep_files; i++) {
		snprintf(path, sizeof(path), "%s/%s", fs->dir, b->done[i]);
		unlink(path);
	}
	batch_clear(b);
	b->conn = NULL;
	return rc;
}

/* A connection with no batch on its way, opening another while fewer than
 * fs->jobs are open, else after taking the oldest batch's answer. NULL with
 * the reason in fs->err. */
static PGconn *idle_conn(struct flush_state *fs)
{
	unsigned i, j;
	PGconn *conn;

	for (;;) {
		for (i = 0; i < fs->n_conns; i++) {
			for (j = 0; j < fs->n_sent && fs->sent[j]->conn != fs->conns[i]; j++)
				;
			if (j == fs->n_sent)
				return fs->conns[i];
		}
		if (fs->n_conns < fs->jobs && fs->connect) {
			conn = fs->connect(fs->connect_arg);
			if (conn) {
				fs->conns[fs->n_conns++] = conn;
				continue;
			}
			fs->jobs = fs->n_conns;	/* go on with those open */
		}
		if (finish_oldest(fs) < 0)
			return NULL;
	}
}

/* Send the batch being filled on an idle connection, and start filling
 * another. Returns 0, or -1 with the reason in fs->err. */
static int send_filling(struct flush_state *fs)
{
	struct batch *b = fs->filling;
	PGconn *conn = NULL;
	const char *lit;
	size_t len = 0;
	unsigned i;
	int rc;

	/* At most one batch a connection on its way (a batch without records
	 * takes none, but a place all the same), and one filling. */
	while (fs->n_sent >= fs->jobs)
		if (finish_oldest(fs) < 0)
			return -1;
	if (b->n > 0) {
		conn = idle_conn(fs);
		if (!conn)
			return -1;
	}
	if (conn && fs->binary == 0 && b->n == fs->batch) {
		/* A full batch: more may follow. The next ones go in the
		 * binary form if the server's carbon.step_in is ours. */
		rc = db_step_in_types(conn, &fs->types, fs->err, fs->errlen);
		if (rc < 0)
			return -1;
		fs->binary = rc == 0 ? 1 : -1;
	}
	if (conn) {
		lit = b->binary ? record_rows_binary(&b->rows, &fs->types, &len)
				: record_rows_literal(&b->rows);
		if (!lit) {
			snprintf(fs->err, fs->errlen, "out of memory for a batch of records");
			return -1;
		}
		rc = b->binary ? db_put_rows_send_binary(conn, lit, len, fs->err, fs->errlen)
			       : db_put_rows_send(conn, lit, fs->err, fs->errlen);
		if (rc < 0)
			return -1;
	}
	b->conn = conn;
	b->in_flight = true;
	fs->sent[fs->n_sent++] = b;
	for (i = 0; i < fs->n_batches; i++)
		if (!fs->batches[i].in_flight) {
			fs->filling = &fs->batches[i];
			break;
		}
	return 0;
}

static void on_record(const char *text, size_t len, int line,
		      const struct step_record *r, int rc, int bad_line,
		      const char *why, void *arg)
{
	struct flush_state *fs = arg;
	struct batch *b = fs->filling;
	struct batch_text *t;
	char where[1100], msg[2400];

	if (fs->failed)
		return;
	fs->st->records++;
	progress_advance(fs->progress, len);
	if (rc < 0) {
		keep_bad(fs, fs->file, text, len, where, sizeof(where));
		fs->st->rejected++;
		snprintf(msg, sizeof(msg), "%s/%s:%d: %s; record kept in %s", fs->dir, fs->file,
			 bad_line > 0 ? line + bad_line - 1 : line, why, where);
		say(fs, msg);
		return;
	}
	if (b->n == 0)
		b->binary = fs->binary > 0;
	t = &b->texts[b->n];
	t->file = strdup(fs->file);
	t->text = malloc(len ? len : 1);
	t->len = len;
	t->line = line;
	if (!t->file || !t->text ||
	    (b->binary ? record_rows_add_binary(&b->rows, r, &fs->types)
		       : record_rows_add_literal(&b->rows, r)) < 0) {
		free(t->file);
		free(t->text);
		snprintf(fs->err, fs->errlen, "out of memory for a batch of records");
		fs->failed = true;
		return;
	}
	memcpy(t->text, text, len);
	b->n++;
	if (b->n == fs->batch && send_filling(fs) < 0)
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

/* The bytes of the files to read, for the progress line. */
static uint64_t spool_bytes(const char *dir, struct dirent **entries, int count)
{
	char path[1024];
	struct stat st;
	uint64_t total = 0;
	int i;

	for (i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	}
	return total;
}

int spool_flush_jobs(PGconn *conn, unsigned jobs, spool_connect_fn connect, void *connect_arg,
		     const char *dir, long max_bytes, unsigned batch, double deadline,
		     struct spool_stats *st, long *skipped_bytes, spool_report_fn report,
		     void *arg, struct progress *progress, char *err, size_t errlen)
{
	struct flush_state fs = {
		.conns = { conn }, .n_conns = 1, .connect = connect, .connect_arg = connect_arg,
		.dir = dir, .batch = batch ? batch : 1000, .st = st,
		.report = report, .arg = arg, .err = err, .errlen = errlen,
		.progress = progress,
	};
	struct dirent **entries = NULL;
	char path[1024], why[512], msg[2800];
	int count, i, rc = -1;

	fs.jobs = jobs < 1 ? 1 : jobs > SPOOL_FLUSH_JOBS_MAX ? SPOOL_FLUSH_JOBS_MAX : jobs;
	fs.n_batches = fs.jobs + 1;
	memset(st, 0, sizeof(*st));
	if (skipped_bytes)
		*skipped_bytes = 0;
	rotate_active(dir, max_bytes, skipped_bytes);
	count = scandir(dir, &entries, is_spool_file, alphasort);
	if (count < 0) {
		snprintf(err, errlen, "cannot read spool directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (progress)
		progress_begin(progress, spool_bytes(dir, entries, count), PROGRESS_BYTES,
			       "spool flush", NULL);
	fs.filling = &fs.batches[0];
	for (i = 0; i < (int)fs.n_batches; i++) {
		fs.batches[i].done = calloc((size_t)count + 1, sizeof(*fs.batches[i].done));
		fs.batches[i].texts = calloc(fs.batch, sizeof(*fs.batches[i].texts));
		if (!fs.batches[i].done || !fs.batches[i].texts) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
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
			struct stat sk;

			if (progress && lstat(path, &sk) == 0)
				progress_advance(progress, (uint64_t)sk.st_size);
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
		fs.filling->done[fs.filling->n_done] = strdup(name);
		if (fs.filling->done[fs.filling->n_done])
			fs.filling->n_done++;
	}
	if (send_filling(&fs) < 0)
		goto out;
	while (fs.n_sent > 0)
		if (finish_oldest(&fs) < 0)
			goto out;
	rc = 0;
out:
	progress_end(progress);
	if (fs.n_sent > 0) {
		/* Stopped while batches were on their way: take their answers,
		 * so that each connection is free (the first reason stays in
		 * err), keeping every file. */
		char ignored[256];

		fs.keep_files = true;
		fs.err = ignored;
		fs.errlen = sizeof(ignored);
		while (fs.n_sent > 0)
			finish_oldest(&fs);
	}
	for (i = 1; i < (int)fs.n_conns; i++)
		PQfinish(fs.conns[i]);
	for (i = 0; i < count; i++)
		free(entries[i]);
	free(entries);
	for (i = 0; i < (int)fs.n_batches; i++) {
		struct batch *b = &fs.batches[i];

		if (b->texts)
			batch_clear(b);
		free(b->done);
		free(b->texts);
		record_rows_free(&b->rows);
	}
	return rc;
}

int spool_flush(PGconn *conn, const char *dir, long max_bytes, unsigned batch,
		double deadline, struct spool_stats *st, long *skipped_bytes,
		spool_report_fn report, void *arg, struct progress *progress,
		char *err, size_t errlen)
{
	return spool_flush_jobs(conn, 1, NULL, NULL, dir, max_bytes, batch, deadline, st,
				skipped_bytes, report, arg, progress, err, errlen);
}
