/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-nodemeter: one per node, it reads the node's BMC (Redfish or IPMI
 * DCMI) every [node] interval, counts the node's energy, and publishes it
 * in the state file the plugin reads (node_state.h). A BMC can take seconds
 * to answer, or never answer: that wait happens here, bounded by a
 * timeout, and never in a job step. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "conf.h"
#include "meter_ipmi.h"
#include "meter_redfish.h"
#include "node_counter.h"
#include "node_state.h"

static volatile sig_atomic_t stopping;
static bool to_syslog = true;

static void on_signal(int sig)
{
	stopping = sig;
}

/* To stderr (the journal, under systemd) and to syslog. */
static void say(int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "carbon-nodemeter: %s\n", msg);
	if (to_syslog)
		syslog(prio, "%s", msg);
}

/* An error said once, however often it comes back, until something else
 * happens. */
struct once {
	char last[512];
	unsigned count;
};

static void once_error(struct once *o, const char *err)
{
	o->count++;
	if (strcmp(o->last, err) == 0)
		return;
	say(LOG_ERR, "%s", err);
	conf_copy_str(o->last, sizeof(o->last), err);
}

/* Ends a run of errors; returns how many there were. */
static unsigned once_clear(struct once *o)
{
	unsigned n = o->count;

	o->last[0] = '\0';
	o->count = 0;
	return n;
}

struct meter {
	enum node_meter kind;
	struct redfish *redfish;
	struct ipmi_meter *ipmi;
};

static int meter_open(struct meter *m, const struct carbon_conf *c, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->kind = c->node_meter;
	if (m->kind == NODE_METER_REDFISH)
		return redfish_open(&m->redfish, c, err, errlen);
	return ipmi_meter_open(&m->ipmi, c, err, errlen);
}

static int meter_read(struct meter *m, struct node_sample *s, char *err, size_t errlen)
{
	if (m->kind == NODE_METER_REDFISH)
		return redfish_read(m->redfish, s, err, errlen);
	return ipmi_meter_read(m->ipmi, s, err, errlen);
}

static const char *meter_source(const struct meter *m)
{
	return m->kind == NODE_METER_REDFISH ? redfish_source(m->redfish) :
					       "DCMI power reading";
}

static void meter_close(struct meter *m)
{
	redfish_close(m->redfish);
	ipmi_meter_close(m->ipmi);
}

/* The state file's directory, made when it is missing (one level: the
 * default /run/slurm-carbon lives on a tmpfs emptied at boot). */
static int make_state_dir(const char *state_file, char *err, size_t errlen)
{
	char copy[CONF_STR_MAX];
	const char *dir;

	conf_copy_str(copy, sizeof(copy), state_file);
	dir = dirname(copy);
	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return 0;
	snprintf(err, errlen, "[node] state_file %s: cannot make %s: %s", state_file, dir,
		 strerror(errno));
	return -1;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: carbon-nodemeter [-c FILE] [--once] [--no-syslog]\n"
		"Reads the node's power from its BMC ([node] meter = redfish or ipmi of\n"
		"carbon.conf) every [node] interval and publishes the node's energy in\n"
		"[node] state_file for spank_carbon. See carbon-nodemeter(8).\n"
		"  -c, --config FILE  carbon.conf (default %s)\n"
		"      --once         read the meter once, print the reading, exit\n"
		"      --no-syslog    log to stderr only\n",
		CARBON_DEFAULT_CONFIG);
}

static int read_once(struct meter *m)
{
	struct node_sample s = { .power_w = -1.0, .counter_j = -1.0 };
	char err[512];

	if (meter_read(m, &s, err, sizeof(err)) < 0) {
		say(LOG_ERR, "%s", err);
		return 1;
	}
	printf("power %.1f W", s.power_w);
	if (s.counter_j >= 0)
		printf(", energy counter %.0f J", s.counter_j);
	if (s.window_s > 0)
		printf(", averaged over %.1f s", s.window_s);
	printf(" (%s)\n", meter_source(m));
	return 0;
}

/* Sleep until the monotonic instant t, or a signal. */
static void sleep_until(const struct timespec *t)
{
	while (!stopping && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL) == EINTR)
		;
}

static void publish(const char *path, const struct node_state *st, struct once *write_errors)
{
	char err[512];

	if (node_state_write(path, st, err, sizeof(err)) < 0)
		once_error(write_errors, err);
	else if (once_clear(write_errors))
		say(LOG_NOTICE, "%s: written again", path);
}

static void run(struct meter *m, const struct carbon_conf *c, unsigned interval_s)
{
	struct node_counter counter;
	struct node_state st = { .interval_s = interval_s };
	struct once read_errors = { 0 }, write_errors = { 0 };
	struct timespec next;
	char err[512];

	node_counter_init(&counter, NODE_STATE_MAX_GAP_INTERVALS * (uint64_t)interval_s * 1000000);
	conf_copy_str(st.meter, sizeof(st.meter), conf_node_meter_name(c->node_meter));
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stopping) {
		struct node_sample s = { .power_w = -1.0, .counter_j = -1.0 };
		struct timespec now;
		unsigned failed;

		if (meter_read(m, &s, err, sizeof(err)) == 0) {
			uint64_t last_us = counter.prev.time_us;

			switch (node_counter_add(&counter, &s)) {
			case NODE_STARTED:
				say(LOG_INFO, "reading %s every %u s (%s); publishing %s",
				    conf_node_meter_name(c->node_meter), interval_s,
				    meter_source(m), c->node_state_file);
				break;
			case NODE_RESTARTED:
				say(LOG_WARNING,
				    "no good reading for %.1f s (more than %d intervals): the energy count starts again from 0, and nothing is counted for that time",
				    (double)(s.time_us - last_us) / 1e6,
				    NODE_STATE_MAX_GAP_INTERVALS);
				break;
			case NODE_COUNTED:
				break;
			}
			if ((failed = once_clear(&read_errors)) > 0)
				say(LOG_NOTICE, "the meter answers again after %u failed readings",
				    failed);
			/* The method word a step records: a Redfish BMC
			 * read by power alone is sampled, not counted. */
			conf_copy_str(st.meter, sizeof(st.meter),
				      c->node_meter == NODE_METER_REDFISH && s.counter_j < 0 ?
				      "redfish_power" : conf_node_meter_name(c->node_meter));
			st.energy_j = (uint64_t)floor(counter.energy_j);
			st.time_us = s.time_us;
			if (s.power_w >= 0)
				st.power_w = (uint64_t)llround(s.power_w);
			st.startup_us = counter.startup_us;
			st.freshness++;
			conf_copy_str(st.status, sizeof(st.status), "ok");
		} else {
			once_error(&read_errors, err);
			/* truncated to the status line's size */
			conf_copy_str(st.status, sizeof(st.status), "error: ");
			conf_copy_str(st.status + 7, sizeof(st.status) - 7, err);
		}
		if (st.startup_us)	/* nothing to publish before a reading */
			publish(c->node_state_file, &st, &write_errors);

		/* The next reading on the grid of intervals; readings that
		 * a slow answer made late are skipped, not crowded. */
		next.tv_sec += interval_s;
		clock_gettime(CLOCK_MONOTONIC, &now);
		while (next.tv_sec < now.tv_sec ||
		       (next.tv_sec == now.tv_sec && next.tv_nsec <= now.tv_nsec))
			next.tv_sec += interval_s;
		sleep_until(&next);
	}
	if (st.startup_us) {
		conf_copy_str(st.status, sizeof(st.status), "stopped");
		publish(c->node_state_file, &st, &write_errors);
	}
	say(LOG_INFO, "stopping on signal %d", (int)stopping);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{ "no-syslog", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = CARBON_DEFAULT_CONFIG;
	struct carbon_conf c;
	struct meter m = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	bool once = false;
	unsigned interval_s;
	char err[1024];
	int opt, rc = 1;

	while ((opt = getopt_long(argc, argv, "c:hV", options, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'o': once = true; break;
		case 's': to_syslog = false; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("carbon-nodemeter %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (to_syslog)
		openlog("carbon-nodemeter", LOG_PID, LOG_DAEMON);
	conf_defaults(&c);
	if (conf_load(config, CONF_TRUST_ROOT_ONLY, &c, err, sizeof(err)) < 0) {
		say(LOG_ERR, "%s", err);
		goto out;
	}
	switch (c.node_meter) {
	case NODE_METER_NONE:
		say(LOG_INFO, "%s: [node] meter = none: no node meter to read", config);
		rc = 0;
		goto out;
	case NODE_METER_PM_COUNTERS:
	case NODE_METER_HWMON:
		say(LOG_INFO, "%s: [node] meter = %s is read by spank_carbon itself: nothing to do here",
		    config, conf_node_meter_name(c.node_meter));
		rc = 0;
		goto out;
	case NODE_METER_REDFISH:
	case NODE_METER_IPMI:
		break;
	}
	interval_s = (unsigned)(c.node_interval_s ? c.node_interval_s : c.interval_s);
	if (c.node_meter == NODE_METER_REDFISH &&
	    (unsigned)c.redfish_timeout_ms > interval_s * 750) {
		say(LOG_WARNING,
		    "[node] redfish_timeout %.1f s leaves too little of the %u s interval: using %.2f s",
		    c.redfish_timeout_ms / 1000.0, interval_s, interval_s * 0.75);
		c.redfish_timeout_ms = (int)(interval_s * 750);
	}
	if (meter_open(&m, &c, err, sizeof(err)) < 0) {
		say(LOG_ERR, "%s", err);
		goto out;
	}
	if (once) {
		rc = read_once(&m);
		goto out;
	}
	if (make_state_dir(c.node_state_file, err, sizeof(err)) < 0) {
		say(LOG_ERR, "%s", err);
		goto out;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	run(&m, &c, interval_s);
	rc = 0;
out:
	meter_close(&m);
	if (to_syslog)
		closelog();
	return rc;
}
