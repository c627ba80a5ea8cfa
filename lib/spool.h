/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The spool: step records that could not reach PostgreSQL, one file each,
 * written atomically by the plugin and replayed by `carbon-report spool
 * flush` (and, a few at a time, by the plugin after a successful insert). */
#ifndef CARBON_SPOOL_H
#define CARBON_SPOOL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "record.h"

#define SPOOL_SUFFIX ".rec"
#define SPOOL_MAX_FILE_BYTES 65536

/* Make sure dir is a directory owned by root with mode 0700, creating it
 * (0700) when missing and create is true. Returns 0, or -1 with a reason and
 * the command that fixes it in err. */
int spool_check_dir(const char *dir, bool create, char *err, size_t errlen);

/* Write r as dir/<job>.<step>.<node>.<cluster>.rec: temporary file, fsync,
 * rename, fsync of the directory, so a reader sees all of it or nothing. A
 * later write for the same step replaces the file. The final path goes to
 * path (may be NULL). Returns 0, or -1 with a reason in err (ENOSPC: "No
 * space left on device"). */
int spool_write(const char *dir, const struct step_record *r, char *path,
		size_t pathlen, char *err, size_t errlen);

/* The text of r in spool format (version 1: a header line, then key=value
 * lines). Returns the length, or -1 when buf is too small. */
int spool_format(const struct step_record *r, char *buf, size_t n);

/* Parse one spool file's text (len bytes, need not be NUL-terminated).
 * Returns 0, or -1 with *line set to the offending line (0: the whole file,
 * e.g. a missing key) and the reason in err. */
int spool_parse(const char *text, size_t len, struct step_record *r, int *line,
		char *err, size_t errlen);

/* Read and parse path, refusing anything but a regular file owned by root
 * of at most SPOOL_MAX_FILE_BYTES. err is "PATH:LINE: reason". */
int spool_read_file(const char *path, struct step_record *r, char *err,
		    size_t errlen);

struct spool_stats {
	unsigned files;		/* spool files read */
	unsigned stored;	/* rows added or upgraded (partial -> complete) */
	unsigned already;	/* records whose row was there already */
	unsigned rejected;	/* malformed or untrusted files, renamed *.bad */
};

/* Called for every rejected file with a one-line reason. */
typedef void (*spool_report_fn)(const char *message, void *arg);

/* Replay up to max_files spool files of dir (0: all), batch files per
 * transaction, stopping early once deadline (CLOCK_MONOTONIC seconds; 0:
 * none) has passed. Rows go in with COPY into a temporary table and one
 * call of carbon.merge_spool_in(); a file is removed only after its
 * transaction committed, so a flush interrupted anywhere can be rerun
 * without losing or doubling a row. Returns 0, or -1 with a reason in err
 * (stats say how far it got). */
int spool_flush(PGconn *conn, const char *dir, unsigned max_files,
		unsigned batch, double deadline, struct spool_stats *st,
		spool_report_fn report, void *arg, char *err, size_t errlen);

/* CLOCK_MONOTONIC now, in seconds (for deadlines). */
double spool_monotonic_s(void);

#endif
