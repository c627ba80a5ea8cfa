/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node energy counter (see node_counter.h). */
#include "node_counter.h"

#include <string.h>

#include "sensor_hwmon.h"

void node_counter_init(struct node_counter *c, uint64_t max_gap_us)
{
	memset(c, 0, sizeof(*c));
	c->max_gap_us = max_gap_us;
}

static enum node_step start(struct node_counter *c, const struct node_sample *s,
			    enum node_step step)
{
	uint64_t old = c->startup_us;

	c->energy_j = 0.0;
	c->startup_us = s->time_us ? s->time_us : 1;
	if (c->startup_us == old)	/* a reader must see the restart */
		c->startup_us++;
	c->prev = *s;
	return step;
}

enum node_step node_counter_add(struct node_counter *c, const struct node_sample *s)
{
	const struct node_sample *p = &c->prev;
	double dt_s;

	if (c->startup_us == 0)
		return start(c, s, NODE_STARTED);
	if (s->time_us == p->time_us)
		return NODE_COUNTED;
	if (s->time_us < p->time_us || s->time_us - p->time_us > c->max_gap_us)
		return start(c, s, NODE_RESTARTED);
	dt_s = (double)(s->time_us - p->time_us) / 1e6;
	if (p->counter_j >= 0 && s->counter_j >= p->counter_j)
		c->energy_j += s->counter_j - p->counter_j;
	else if (p->power_w >= 0 && s->power_w >= 0)
		c->energy_j += hwmon_power_interval_j(p->power_w, s->power_w, dt_s,
						      s->window_s);
	else
		return start(c, s, NODE_RESTARTED);
	c->prev = *s;
	return NODE_COUNTED;
}
