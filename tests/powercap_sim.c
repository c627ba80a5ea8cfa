/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * powercap_sim — simulate the Linux powercap (RAPL) sysfs tree for tests.
 *
 * Layout created under --root DIR, as the kernel lays out /sys/class/powercap,
 * for each socket N (0 .. --sockets - 1):
 *
 *   DIR/intel-rapl:N/{name,energy_uj,max_energy_range_uj}          name = package-N
 *   DIR/intel-rapl:N/intel-rapl:N:0/{name,energy_uj,max_energy_range_uj}  name = dram
 *   DIR/intel-rapl:N:0 -> intel-rapl:N/intel-rapl:N:0               (symlink)
 *
 * With --layout amd (AMD Zen's powercap zones: no dram) the subzone
 * intel-rapl:N:0 is named "core" instead and counts half its package's power
 * (a part of it, as on the hardware). With --max-power-uw N each package zone
 * also has constraint_0_name (long_term) and constraint_0_max_power_uw = N.
 * With --psys-watts W > 0 there is one more top-level zone, the platform:
 *
 *   DIR/intel-rapl:S/{name,energy_uj,max_energy_range_uj}          name = psys
 *
 * where S is the number of sockets. All counters share --max-range-uj.
 *
 * Every --period-ms it sets
 *   energy_uj = (uint64)(watts * (now - t0) * 1e6) mod max_energy_range_uj
 * where t0 is its start time (CLOCK_REALTIME, truncated to microseconds) and is
 * written to --t0-file (default DIR/../powercap_sim.t0) as "SECONDS.MICROS\n", so a
 * test knows the true energy between two instants: watts * (t2 - t1).
 *
 * Readers keep energy_uj open and use pread(), so the file is rewritten in place
 * (opened O_WRONLY once, pwrite at offset 0) with a fixed-width record: the
 * decimal value, '\n', then spaces up to RECORD_LEN bytes. Never renamed.
 *
 * With --node-watts W (and --pm-counters DIR, --hwmon DIR) it also simulates
 * a whole-node meter drawing W, on the same clock:
 *
 *   --pm-counters DIR: HPE Cray pm_counters, DIR/{energy,freshness,startup,
 *     generation,raw_scan_hz}: energy is "JOULES J MICROS us" (whole joules
 *     since t0, the timestamp of the update), freshness counts the updates;
 *   --hwmon DIR: an ACPI power meter, DIR/hwmon0/{name,power1_average,
 *     power1_average_interval}: name "power_meter", the average W in µW
 *     over 1000 ms (constant power: the average is the power).
 *
 * Runs until SIGTERM or SIGINT. Once the tree exists and holds its first values,
 * the pid is written to --pidfile (if given), so a waiter can poll for that file.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define RECORD_LEN 24
#define PMC_RECORD_LEN 48	/* "JOULES J MICROS us" */
#define MAX_SOCKETS 64
#define MAX_COUNTERS (2 * MAX_SOCKETS + 1)	/* package + subzone each, psys */

struct counter {
	int fd;
	double watts;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "powercap_sim: %s %s: %s\n", what, path ? path : "",
		strerror(errno));
	exit(1);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: powercap_sim --root DIR [--sockets S] [--package-watts W[,W...]]\n"
		"                    [--dram-watts W] [--max-range-uj N] [--period-ms MS]\n"
		"                    [--pidfile FILE] [--t0-file FILE] [--mode OCTAL]\n"
		"                    [--layout intel|amd] [--psys-watts W] [--max-power-uw N]\n"
		"                    [--node-watts W [--pm-counters DIR] [--hwmon DIR]]\n"
		"  --sockets        number of packages (default 1)\n"
		"  --package-watts  power of each package domain (default 40); a comma\n"
		"                   list gives socket 0, 1, ... each its own (one value\n"
		"                   per socket)\n"
		"  --dram-watts     power of each dram domain (default 5)\n"
		"  --max-range-uj   max_energy_range_uj, wrap point (default 200000000)\n"
		"  --node-watts     a whole-node meter drawing W: pm_counters in the\n"
		"                   --pm-counters DIR, an ACPI power meter in --hwmon DIR\n"
		"  --period-ms      update period (default 10)\n"
		"  --pidfile        written once the tree is ready\n"
		"  --t0-file        start time, epoch seconds with microseconds\n"
		"                   (default ROOT/../powercap_sim.t0)\n"
		"  --mode           permission of energy_uj files (default 0444;\n"
		"                   the kernel uses 0400)\n"
		"  --layout         intel (default): a dram subzone per package;\n"
		"                   amd: no dram, a core subzone per package at half\n"
		"                   its power\n"
		"  --psys-watts     power of a platform (psys) zone; 0, the default,\n"
		"                   for none\n"
		"  --max-power-uw   constraint_0_max_power_uw of each package zone\n"
		"                   (default: no constraint files)\n");
}

static void mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		die("bad path", path);
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			die("mkdir", buf);
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		die("mkdir", buf);
}

static void join(char *out, size_t outsz, const char *a, const char *b)
{
	int n = snprintf(out, outsz, "%s/%s", a, b);

	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		die("path too long", a);
	}
}

/* Write a small file whole and atomically (used for static files only). */
static void write_file_atomic(const char *path, const char *text, mode_t mode)
{
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	int fd;
	size_t len = strlen(text);

	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		die("path too long", path);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		die("open", tmp);
	if (write(fd, text, len) != (ssize_t)len)
		die("write", tmp);
	if (fchmod(fd, mode) != 0)
		die("chmod", tmp);
	if (close(fd) != 0)
		die("close", tmp);
	if (rename(tmp, path) != 0)
		die("rename", path);
}

/* DIR/NAME holding text, 0444: a file that never changes. */
static void write_static(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];

	join(path, sizeof(path), dir, name);
	write_file_atomic(path, text, 0444);
}

static void format_record(char rec[RECORD_LEN], uint64_t value)
{
	int n = snprintf(rec, RECORD_LEN, "%" PRIu64 "\n", value);

	/* uint64 max has 20 digits + '\n' = 21 < RECORD_LEN */
	memset(rec + n, ' ', RECORD_LEN - (size_t)n);
}

static void pwrite_record(int fd, uint64_t value)
{
	char rec[RECORD_LEN];

	format_record(rec, value);
	if (pwrite(fd, rec, RECORD_LEN, 0) != RECORD_LEN)
		die("pwrite", "energy_uj");
}

/* A pm_counters counter line, rewritten in place like energy_uj. */
static void pwrite_pmc(int fd, uint64_t joules, uint64_t micros)
{
	char rec[PMC_RECORD_LEN];
	int n = snprintf(rec, sizeof(rec), "%" PRIu64 " J %" PRIu64 " us\n", joules, micros);

	memset(rec + n, ' ', PMC_RECORD_LEN - (size_t)n);
	if (pwrite(fd, rec, PMC_RECORD_LEN, 0) != PMC_RECORD_LEN)
		die("pwrite", "pm_counters");
}

/* Create energy_uj in place: the fd stays open for the life of the process. */
static int open_energy(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT, mode);

	if (fd < 0)
		die("open", path);
	if (fchmod(fd, mode) != 0)
		die("chmod", path);
	if (ftruncate(fd, RECORD_LEN) != 0)
		die("ftruncate", path);
	return fd;
}

static void make_domain(const char *dir, const char *name, uint64_t max_range,
			mode_t mode, struct counter *c, double watts)
{
	char path[PATH_MAX];
	char text[64];

	mkdir_p(dir);
	join(path, sizeof(path), dir, "name");
	snprintf(text, sizeof(text), "%s\n", name);
	write_file_atomic(path, text, 0444);
	join(path, sizeof(path), dir, "max_energy_range_uj");
	snprintf(text, sizeof(text), "%" PRIu64 "\n", max_range);
	write_file_atomic(path, text, 0444);
	join(path, sizeof(path), dir, "energy_uj");
	c->fd = open_energy(path, mode);
	c->watts = watts;
	pwrite_record(c->fd, 0);
}

static double parse_double(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "powercap_sim: bad value for %s: %s\n", opt, s);
		exit(2);
	}
	return v;
}

static uint64_t parse_u64(const char *opt, const char *s, int base)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || end == s || *end || s[0] == '-') {
		fprintf(stderr, "powercap_sim: bad value for %s: %s\n", opt, s);
		exit(2);
	}
	return (uint64_t)v;
}

/* "W" or "W0,W1,...": fills w[], returns how many values there were. */
static unsigned parse_watts_list(const char *opt, const char *s, double *w)
{
	char buf[1024], *tok, *save = NULL;
	unsigned n = 0;

	if (strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "powercap_sim: value for %s too long\n", opt);
		exit(2);
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == MAX_SOCKETS) {
			fprintf(stderr, "powercap_sim: more than %d values for %s\n",
				MAX_SOCKETS, opt);
			exit(2);
		}
		w[n++] = parse_double(opt, tok);
	}
	if (n == 0) {
		fprintf(stderr, "powercap_sim: bad value for %s: %s\n", opt, s);
		exit(2);
	}
	return n;
}

/* A package zone's power constraint, as the kernel shows its long_term one. */
static void write_constraint(const char *dir, uint64_t max_power_uw)
{
	char path[PATH_MAX], text[64];

	join(path, sizeof(path), dir, "constraint_0_name");
	write_file_atomic(path, "long_term\n", 0444);
	join(path, sizeof(path), dir, "constraint_0_max_power_uw");
	snprintf(text, sizeof(text), "%" PRIu64 "\n", max_power_uw);
	write_file_atomic(path, text, 0444);
}

int main(int argc, char **argv)
{
	const char *root = NULL, *pidfile = NULL, *t0_file = NULL;
	unsigned sockets = 1, npkg_w = 1;
	double pkg_w[MAX_SOCKETS] = { 40.0 }, dram_w = 5.0, psys_w = 0.0, node_w = 0.0;
	const char *pmc_dir = NULL, *hwmon_dir = NULL;
	int pmc_energy = -1, pmc_fresh = -1;
	uint64_t freshness = 0;
	uint64_t max_range = 200000000ULL, period_ms = 10, max_power_uw = 0;
	int have_max_power = 0, amd = 0;
	mode_t mode = 0444;
	struct counter ctr[MAX_COUNTERS];
	unsigned nctr = 0;
	char path[PATH_MAX], sub[PATH_MAX], text[128];
	struct timespec t0, now, period;
	struct sigaction sa;
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "sockets", required_argument, NULL, 's' },
		{ "package-watts", required_argument, NULL, 'p' },
		{ "dram-watts", required_argument, NULL, 'd' },
		{ "max-range-uj", required_argument, NULL, 'm' },
		{ "period-ms", required_argument, NULL, 'P' },
		{ "pidfile", required_argument, NULL, 'f' },
		{ "t0-file", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'M' },
		{ "layout", required_argument, NULL, 'L' },
		{ "psys-watts", required_argument, NULL, 'S' },
		{ "max-power-uw", required_argument, NULL, 'W' },
		{ "node-watts", required_argument, NULL, 'N' },
		{ "pm-counters", required_argument, NULL, 'C' },
		{ "hwmon", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "r:s:p:d:m:P:f:t:M:L:S:W:N:C:H:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 's': sockets = (unsigned)parse_u64("--sockets", optarg, 10); break;
		case 'p': npkg_w = parse_watts_list("--package-watts", optarg, pkg_w); break;
		case 'd': dram_w = parse_double("--dram-watts", optarg); break;
		case 'm': max_range = parse_u64("--max-range-uj", optarg, 10); break;
		case 'P': period_ms = parse_u64("--period-ms", optarg, 10); break;
		case 'f': pidfile = optarg; break;
		case 't': t0_file = optarg; break;
		case 'M': mode = (mode_t)parse_u64("--mode", optarg, 8); break;
		case 'L':
			if (strcmp(optarg, "intel") && strcmp(optarg, "amd")) {
				fprintf(stderr, "powercap_sim: --layout is intel or amd, not %s\n",
					optarg);
				return 2;
			}
			amd = !strcmp(optarg, "amd");
			break;
		case 'S': psys_w = parse_double("--psys-watts", optarg); break;
		case 'W':
			max_power_uw = parse_u64("--max-power-uw", optarg, 10);
			have_max_power = 1;
			break;
		case 'N': node_w = parse_double("--node-watts", optarg); break;
		case 'C': pmc_dir = optarg; break;
		case 'H': hwmon_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!root || optind != argc || sockets < 1 || sockets > MAX_SOCKETS ||
	    max_range == 0 || period_ms == 0) {
		usage(stderr);
		return 2;
	}
	if (npkg_w != 1 && npkg_w != sockets) {
		fprintf(stderr, "powercap_sim: --package-watts has %u values for %u sockets\n",
			npkg_w, sockets);
		return 2;
	}
	for (unsigned n = npkg_w; n < sockets; n++)
		pkg_w[n] = pkg_w[0];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* t0 first, truncated to microseconds so the t0 file is exact. */
	if (clock_gettime(CLOCK_REALTIME, &t0) != 0)
		die("clock_gettime", NULL);
	t0.tv_nsec -= t0.tv_nsec % 1000;

	mkdir_p(root);
	for (unsigned n = 0; n < sockets; n++) {
		char dname[64], subname[64], pname[64];

		snprintf(dname, sizeof(dname), "intel-rapl:%u", n);
		snprintf(subname, sizeof(subname), "intel-rapl:%u:0", n);
		snprintf(pname, sizeof(pname), "package-%u", n);
		join(path, sizeof(path), root, dname);
		make_domain(path, pname, max_range, mode, &ctr[nctr++], pkg_w[n]);
		if (have_max_power)
			write_constraint(path, max_power_uw);
		join(sub, sizeof(sub), path, subname);
		if (amd)
			make_domain(sub, "core", max_range, mode, &ctr[nctr++], pkg_w[n] / 2);
		else
			make_domain(sub, "dram", max_range, mode, &ctr[nctr++], dram_w);

		/* ROOT/intel-rapl:N:0 -> intel-rapl:N/intel-rapl:N:0 */
		join(path, sizeof(path), root, subname);
		snprintf(text, sizeof(text), "%s/%s", dname, subname);
		if (unlink(path) != 0 && errno != ENOENT)
			die("unlink", path);
		if (symlink(text, path) != 0)
			die("symlink", path);
	}
	if (psys_w > 0) {
		char dname[64];

		snprintf(dname, sizeof(dname), "intel-rapl:%u", sockets);
		join(path, sizeof(path), root, dname);
		make_domain(path, "psys", max_range, mode, &ctr[nctr++], psys_w);
	}

	if (pmc_dir && node_w > 0) {
		mkdir_p(pmc_dir);
		write_static(pmc_dir, "startup", "1700000000\n");
		write_static(pmc_dir, "generation", "1\n");
		write_static(pmc_dir, "raw_scan_hz", "10\n");
		join(path, sizeof(path), pmc_dir, "energy");
		pmc_energy = open_energy(path, 0444);
		join(path, sizeof(path), pmc_dir, "freshness");
		pmc_fresh = open_energy(path, 0444);
		pwrite_pmc(pmc_energy, 0, 0);
		pwrite_record(pmc_fresh, 0);
	}
	if (hwmon_dir && node_w > 0) {
		join(path, sizeof(path), hwmon_dir, "hwmon0");
		mkdir_p(path);
		write_static(path, "name", "power_meter\n");
		write_static(path, "power1_average_interval", "1000\n");
		snprintf(text, sizeof(text), "%" PRIu64 "\n", (uint64_t)(node_w * 1e6));
		write_static(path, "power1_average", text);
	}

	snprintf(text, sizeof(text), "%lld.%06ld\n", (long long)t0.tv_sec,
		 (long)(t0.tv_nsec / 1000));
	if (t0_file) {
		write_file_atomic(t0_file, text, 0644);
	} else {
		join(path, sizeof(path), root, "../powercap_sim.t0");
		write_file_atomic(path, text, 0644);
	}

	period.tv_sec = (time_t)(period_ms / 1000);
	period.tv_nsec = (long)(period_ms % 1000) * 1000000L;

	for (int first = 1; !stop_requested; first = 0) {
		double elapsed;

		if (clock_gettime(CLOCK_REALTIME, &now) != 0)
			die("clock_gettime", NULL);
		elapsed = (double)(now.tv_sec - t0.tv_sec) +
			  (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
		if (elapsed < 0)
			elapsed = 0;
		for (unsigned i = 0; i < nctr; i++) {
			uint64_t e = (uint64_t)(ctr[i].watts * elapsed * 1e6);

			pwrite_record(ctr[i].fd, e % max_range);
		}
		if (pmc_energy >= 0) {
			/* The energy first, then freshness: a reader that sees
			 * freshness unchanged across its reads saw one update. */
			pwrite_pmc(pmc_energy, (uint64_t)(node_w * elapsed),
				   (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u);
			pwrite_record(pmc_fresh, ++freshness);
		}
		if (first && pidfile) {
			snprintf(text, sizeof(text), "%ld\n", (long)getpid());
			write_file_atomic(pidfile, text, 0644);
		}
		nanosleep(&period, NULL);	/* EINTR on SIGTERM: loop ends */
	}

	for (unsigned i = 0; i < nctr; i++)
		close(ctr[i].fd);
	if (pmc_energy >= 0) {
		close(pmc_energy);
		close(pmc_fresh);
	}
	if (pidfile)
		unlink(pidfile);
	return 0;
}
