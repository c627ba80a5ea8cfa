/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node meter's state file: what carbon-nodemeter publishes and the
 * plugin reads. One small text file, replaced whole (written beside it,
 * then renamed over it), so a reader sees one reading or the next, never a
 * mix. Each line is a name and its value; the counter lines are
 * pm_counters' ("VALUE UNIT TIMESTAMP us"), so that the arithmetic of
 * sensor_pmc.h applies unchanged:
 *
 *	energy 1234567 J 1700000000123456 us
 *	power 350 W 1700000000123456 us
 *	startup 1700000000000000
 *	freshness 42
 *	interval 10
 *	meter redfish
 *	status ok
 *
 * energy: whole joules since startup, at the last good reading (the
 * timestamp, µs since the epoch). It never goes down within one startup.
 * startup: when this count began (µs since the epoch); it changes when the
 * daemon starts, and when the meter could not be read for longer than
 * NODE_STATE_MAX_GAP_INTERVALS intervals, so no energy is ever invented across an outage:
 * the reader sees a counter restart. freshness: counts the
 * readings. interval: seconds between readings. status: "ok", or the last
 * error. Unknown lines are ignored, so lines may be added. */
#ifndef CARBON_NODE_STATE_H
#define CARBON_NODE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor_pmc.h"

#define NODE_STATE_MAX 1024	/* bytes of a state file, at most */

/* A reading older than this many intervals is stale; carbon-nodemeter
 * starts its count again after a gap this long between good readings. */
#define NODE_STATE_MAX_GAP_INTERVALS 2

struct node_state {
	uint64_t energy_j;	/* since startup_us, at time_us */
	uint64_t time_us;	/* the last good reading; µs since the epoch */
	uint64_t power_w;	/* the last good reading's power */
	uint64_t startup_us;
	uint64_t freshness;
	unsigned interval_s;	/* >= 1 */
	char meter[16];		/* the method word: "redfish" (an energy
				 * counter), "redfish_power" (a BMC giving
				 * power only), "ipmi" */
	char status[200];	/* "ok" or the last error, one line */
};

/* The text of s into buf (capacity n). Returns its length, or -1 when it
 * does not fit. Newlines in meter and status become spaces. Pure. */
int node_state_format(const struct node_state *s, char *buf, size_t n);

/* Parse text[0..len-1] into *s. The energy, startup and interval lines
 * must be there (interval >= 1); the others default to 0 or "". Returns
 * 0, or -1 with errno EINVAL. Pure. */
int node_state_parse(const char *text, size_t len, struct node_state *s);

/* Replace path with s: written to path.tmp, then renamed over path.
 * Returns 0, or -1 with a message naming the file in err. */
int node_state_write(const char *path, const struct node_state *s, char *err,
		     size_t errlen);

/* Read path into *s. The file must be a regular file owned by root (the
 * daemon's); a symbolic link is refused. Returns 0, or -1 with errno set
 * (ENOENT: no daemon has written it yet; EPERM: not root's; EINVAL: not a
 * state file). Never allocates; one open, one read, one close. */
int node_state_read(const char *path, struct node_state *s);

/* Whether the last good reading is older than NODE_STATE_MAX_GAP_INTERVALS
 * intervals at now_us
 * (µs since the epoch): the meter's figure for the time since is missing,
 * and an interval that needs it must be flagged, not guessed. Pure. */
bool node_state_stale(const struct node_state *s, uint64_t now_us);

/* What s's meter had counted by now_us (µs since the epoch) beyond its
 * energy line, in J: its power over the time since its reading, at most
 * one interval, 0 for a reading from the future. The reader adds it, so
 * that a reading the daemon took up to an interval earlier stands for the
 * energy at the instant it is read. *within: the reading is at most one
 * interval old, so the figure is whole; an older one is late (the daemon
 * missed a reading), and its energy since is not guessed. Pure. */
double node_state_lag_j(const struct node_state *s, uint64_t now_us, bool *within);

/* s as a pm_counters reading (node_j, time_us, startup, freshness), for
 * pmc_interval. Pure. */
void node_state_reading(const struct node_state *s, struct pmc_reading *r);

#endif
