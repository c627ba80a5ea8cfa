/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A whole-node energy counter built from a BMC's readings: power
 * integrated over time, or the BMC's own energy counter where it has one.
 * Pure arithmetic: carbon-nodemeter feeds it readings and publishes it. */
#ifndef CARBON_NODE_COUNTER_H
#define CARBON_NODE_COUNTER_H

#include <stdint.h>

/* One reading of the meter. */
struct node_sample {
	uint64_t time_us;	/* when it was taken, µs since the epoch */
	double power_w;		/* W; < 0: none */
	double window_s;	/* power_w is the mean over this long before
				 * time_us; 0: the power at time_us */
	double counter_j;	/* the meter's own energy counter, J; < 0: none */
};

enum node_step {
	NODE_STARTED,	/* the first reading: the count starts at 0 */
	NODE_COUNTED,	/* the energy since the previous reading was added */
	NODE_RESTARTED,	/* the gap since the previous reading was longer than
			 * max_gap_us, or the clock went back, or neither
			 * reading had what the other needs: nothing is known
			 * about the gap, so the count starts again at 0 with
			 * a new startup_us */
};

struct node_counter {
	double energy_j;	/* since startup_us */
	uint64_t startup_us;	/* when this count began; 0 before the first
				 * reading */
	uint64_t max_gap_us;
	struct node_sample prev;	/* the last reading counted */
};

/* Start c empty. A gap longer than max_gap_us between two readings
 * restarts the count. */
void node_counter_init(struct node_counter *c, uint64_t max_gap_us);

/* Count reading s. Between two readings, the energy is the delta of the
 * meter's counter where both have one and it did not go down; else the
 * power integrated with hwmon_power_interval_j (the trapezoid for
 * instantaneous power, the averaged-power rule for a mean over a window).
 * A reading taken at the same instant as the previous one is ignored
 * (NODE_COUNTED, nothing added). Pure. */
enum node_step node_counter_add(struct node_counter *c, const struct node_sample *s);

#endif
