/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The spool: step records that could not reach PostgreSQL. The plugin
 * appends each one, in one write and fsync, to DIR/spool.log under an
 * exclusive flock; `carbon-report spool flush` (and, for a small backlog,
 * the plugin after a successful insert) renames that file aside as a
 * segment, replays its records and removes it. One file for many records:
 * a flush removes one file per outage, not one per record. */
#ifndef CARBON_SPOOL_H
#define CARBON_SPOOL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "record.h"

struct progress;

#define SPOOL_ACTIVE "spool.log"		/* appended to by the plugin */
#define SPOOL_SEGMENT_SUFFIX ".seg"		/* renamed aside by a flush */
#define SPOOL_RECORD_SUFFIX ".rec"		/* one record a file (also read) */
#define SPOOL_CHECKPOINT_SUFFIX ".ckpt"		/* a running step's latest checkpoint */
#define SPOOL_RECORD_MAX (96L << 10)	/* the text of one record, 744 hours included */
#define SPOOL_MAX_FILE_BYTES (256L << 20)	/* a segment larger than this is refused */

/* Make sure dir is a directory owned by root with mode 0700, creating it
 * (0700) when missing and create is true. Returns 0, or -1 with a reason and
 * the command that fixes it in err. */
int spool_check_dir(const char *dir, bool create, char *err, size_t errlen);

/* Append r to dir/spool.log (created 0600 when missing) in one write,
 * followed by fsync, under an exclusive flock; if a flush renamed the file
 * aside meanwhile, append to the new one. The path goes to path (may be
 * NULL). Returns 0, or -1 with a reason in err (a full filesystem: "No space
 * left on device"; the file is then cut back to its earlier length). */
int spool_append(const char *dir, const struct step_record *r, char *path,
		 size_t pathlen, char *err, size_t errlen);

/* Write r (a checkpoint: partial) as dir/JOB.STEP.PID.ckpt, replacing the
 * step's previous checkpoint atomically (temporary file, fsync, rename).
 * After a crash of slurmstepd the file stays, and the next flush stores it
 * (a flush stores but keeps the file of a step whose slurmstepd still runs).
 * Returns 0, or -1 with a reason in err. */
int spool_checkpoint(const char *dir, const struct step_record *r, char *err, size_t errlen);

/* Remove the checkpoint spool_checkpoint() wrote for r, once the final
 * record is stored or spooled. */
void spool_checkpoint_remove(const char *dir, const struct step_record *r);

/* The text of r in spool format (version 1: a header line, then one
 * key=value line a field, the keys and rules of record_fields[]: the
 * required keys, then the hardware's (has_hw, migration 010), the exit
 * status (has_exit, 012) and the job's share (has_job, 003) with one
 * "hour=" line a bucket; a group's keys come together or not at all, so
 * files of older plugins still parse). Only a record that spool_parse()
 * gives back as it was is written: every value obeys its field's rule (no
 * newline, control character or backslash anywhere; no space but in notes
 * and the model names; project and tag valid labels or empty; numbers
 * finite, >= 0, times before 5138, hour buckets in order). Returns the
 * length, or -1 when r is not such a record (spool_format_error() says
 * why) or buf is too small (SPOOL_RECORD_MAX always suffices).
 * spool_append() and spool_checkpoint() refuse the same records, with the
 * reason in err. */
int spool_format(const struct step_record *r, char *buf, size_t n);

/* Why spool_format() refuses r, written into why (size n, 256 suffices)
 * and returned; NULL when it would write it. The reason names the field
 * by its key, never its value. */
const char *spool_format_error(const struct step_record *r, char *why, size_t n);

/* Parse one record's text (len bytes, need not be NUL-terminated): the
 * keys of record_fields[] in any order, each once (hour= once a bucket).
 * Returns 0, or -1 with *line set to the offending line (1 = the header;
 * 0: the whole record, e.g. a missing key) and the reason in err. */
int spool_parse(const char *text, size_t len, struct step_record *r, int *line,
		char *err, size_t errlen);

/* Called for each record of a spool file: text[0..len) is its text and
 * line the file's line number of its first line. rc/why: spool_parse's. */
typedef void (*spool_record_fn)(const char *text, size_t len, int line,
				const struct step_record *r, int rc, int bad_line,
				const char *why, void *arg);

/* Split a spool file's text into records (each starts with the header line)
 * and parse each, calling fn for every one. Text before the first header
 * counts as one malformed record. Returns the number of records. */
int spool_parse_file_text(const char *text, size_t len, spool_record_fn fn, void *arg);

struct spool_stats {
	unsigned files;		/* spool files read */
	unsigned records;	/* records read */
	unsigned stored;	/* rows added or upgraded (partial -> complete) */
	unsigned already;	/* records whose row was there already */
	unsigned rejected;	/* malformed records, or untrusted files */
};

/* Called for every rejected record or file with a one-line reason. */
typedef void (*spool_report_fn)(const char *message, void *arg);

/* Replay the spool of dir: rename spool.log aside as a segment, then send
 * every segment and record file, batch records, each batch one call of
 * carbon.put_rows (sql/013); the next batch is read while the server stores
 * one (conn holds a call in flight meanwhile, and none when this returns).
 * A file is removed only after the calls
 * holding all of its records committed; records the database refuses are
 * appended to FILE.bad and reported, as malformed ones are,
 * so a flush interrupted anywhere can be rerun without losing or doubling a
 * row. Malformed records are appended to FILE.bad and reported with
 * FILE:LINE; files not owned by root, or larger than max_bytes (0: no
 * limit), are left alone (the first reported, the second counted in
 * *skipped_bytes). Stops early once deadline (CLOCK_MONOTONIC seconds, 0:
 * none) has passed. progress (NULL: none) counts the bytes of the spool's
 * files as they are read. Returns 0, or -1 with a reason in err. */
int spool_flush(PGconn *conn, const char *dir, long max_bytes, unsigned batch,
		double deadline, struct spool_stats *st, long *skipped_bytes,
		spool_report_fn report, void *arg, struct progress *progress,
		char *err, size_t errlen);

/* Opens one more connection to the database of a flush (see
 * spool_flush_jobs()); NULL when it cannot, having said why if it should. */
typedef PGconn *(*spool_connect_fn)(void *arg);

/* Connections a flush uses at most. */
#define SPOOL_FLUSH_JOBS_MAX 16

/* spool_flush() over up to jobs connections (1 to SPOOL_FLUSH_JOBS_MAX):
 * conn, and others that connect(connect_arg) opens as the spool turns out
 * to hold enough batches to keep them busy (connect NULL, or a connection it
 * could not open: those open so far). Each batch is still one atomic call
 * of carbon.put_rows on one connection, so the server stores up to jobs
 * batches at once; their answers are taken in the order they were sent, so
 * that a file is still removed only after every batch before the one that
 * holds its last record committed, and after any failure no file is
 * removed. The connections opened here are closed before it returns; conn
 * is the caller's, with no call in flight. */
int spool_flush_jobs(PGconn *conn, unsigned jobs, spool_connect_fn connect, void *connect_arg,
		     const char *dir, long max_bytes, unsigned batch, double deadline,
		     struct spool_stats *st, long *skipped_bytes, spool_report_fn report,
		     void *arg, struct progress *progress, char *err, size_t errlen);

/* What waits in a spool directory to be stored: spool.log, the segments a
 * flush renamed aside and record files (not a running step's checkpoint,
 * not the rejected records of *.bad). */
struct spool_backlog {
	unsigned long files;
	unsigned long long bytes;
	unsigned long records;	/* header lines, one a record */
	bool records_counted;	/* records counts every file's */
};

/* Count the backlog of dir into b: files and bytes from their sizes, the
 * records by reading the files (no lock, no write: a file renamed or
 * removed meanwhile is skipped), as long as the files read stay within
 * max_read_bytes in all (0: no limit; past it, records_counted is false).
 * A directory that does not exist has an empty backlog. Returns 0, or -1
 * with a reason in err (dir cannot be read: not root, not a directory). */
int spool_backlog(const char *dir, long long max_read_bytes, struct spool_backlog *b,
		  char *err, size_t errlen);

/* CLOCK_MONOTONIC now, in seconds (for deadlines). */
double spool_monotonic_s(void);

#endif
