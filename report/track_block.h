/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "track" member of a statement's JSON: the statement's jobs and
 * imported runs added up per project and per user within it, with every
 * figure carbon-report track shows, so that an organiser who holds only the
 * teams' statements builds the same track table (track --from) as track
 * over a database holding the same jobs. This file alone writes and reads
 * the member: its names live here once.
 *
 *   "track": {"version": 1, "projects": [
 *     {"project": P, "totals": T, "users": [{"user": U, "totals": T}, ...],
 *      "days": [{"day": "2026-03-02", "co2e_kg": KG}, ...]}, ...]}
 *
 * where P is a project (null: jobs of no project), U a user and T the
 * totals of struct job_totals as added up (seconds, kWh, kg; the period as
 * seconds since the epoch, UTC); days are the UTC days the jobs ended on,
 * each with their kg CO2e: the timeline's data. */
#ifndef CARBON_TRACK_BLOCK_H
#define CARBON_TRACK_BLOCK_H

#include <stddef.h>

#include "aggregate.h"
#include "json.h"

#define TRACK_BLOCK_VERSION 1
/* The most projects, users and days (together) one statement's block may
 * hold, its largest size, and the longest project or user name, in bytes:
 * a larger block is refused. The block is read in one walk, in time linear
 * in its size (tests/bench/bench_track_from.sh); the bounds keep what one
 * file costs in memory and in the duplicate checks small. */
#define TRACK_BLOCK_MAX_GROUPS 2048
#define TRACK_BLOCK_MAX_BYTES ((size_t)1 << 20)
#define TRACK_BLOCK_MAX_NAME 256

/* Write the member's value (after json_key(w, "track")): projects, each with
 * its users in sub. */
void track_block_json(struct json_writer *w, const struct group_list *projects);

/* Read the "track" member of doc[0..len-1] (a statement's JSON, untrusted:
 * every figure must be a finite number >= 0, counts whole, times within
 * the years 1970 to 9999 or null, no member of an object twice, at most
 * TRACK_BLOCK_MAX_GROUPS groups, names UTF-8 text of at most
 * TRACK_BLOCK_MAX_NAME bytes without control characters, no project or
 * user twice) into projects, which must be empty; the caller frees it
 * either way. Returns 0, or -1 with why[] saying what is wrong (where, and
 * what to do). */
int track_block_read(const char *doc, size_t len, struct group_list *projects, char *why,
		     size_t n);

#endif
