/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RAPL through powercap sysfs (Documentation/power/powercap/powercap.rst):
 * each zone directory holds "name", "energy_uj" (µJ, wraps),
 * "max_energy_range_uj" (the value at which energy_uj wraps) and, for each
 * power constraint N, "constraint_N_max_power_uw" (µW; may be absent). */
#include "sensor_rapl.h"
#include "conf.h"
#include "sysfs_attr.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* RAPL has at most long_term, short_term and peak_power constraints; a few
 * more numbers are looked at in case a newer kernel adds one. */
#define RAPL_MAX_CONSTRAINTS 8
/* Zones the kernel can show under one root: every socket's package, its
 * core, uncore, dram and psys zones, and the symlinks to them. */
#define RAPL_MAX_VISITED 256

struct rapl_scan {
	struct rapl *r;
	bool psys;
	char *err;
	size_t errlen;
	size_t nvisited;
	struct {
		dev_t dev;
		ino_t ino;
	} visited[RAPL_MAX_VISITED];
};

/* Zones are "intel-rapl:N" (a package) and "intel-rapl:N:M" (its subzones),
 * on AMD too. The control type's own directory ("intel-rapl") is no zone. */
static int is_zone_entry(const struct dirent *e)
{
	return strncmp(e->d_name, "intel-rapl:", 11) == 0;
}

/* Which domain a zone counts in; -1 for one that is not opened. */
static int zone_domain(const char *name, bool psys, enum energy_domain *dom)
{
	if (strncmp(name, "package-", 8) == 0) {
		*dom = DOMAIN_CPU;
		return 0;
	}
	if (strcmp(name, "dram") == 0) {
		*dom = DOMAIN_DRAM;
		return 0;
	}
	if (psys && strcmp(name, "psys") == 0) {
		*dom = DOMAIN_OTHER;
		return 0;
	}
	return -1;	/* core, uncore: inside the package already */
}

/* The largest constraint_N_max_power_uw of the zone in dir, in watts, or 0
 * when it has none (dram zones often have none, or report 0). */
static double zone_max_power_w(const char *dir)
{
	uint64_t best_uw = 0;
	int i;

	for (i = 0; i < RAPL_MAX_CONSTRAINTS; i++) {
		char file[64], text[64];
		uint64_t uw;

		snprintf(file, sizeof(file), "constraint_%d_max_power_uw", i);
		if (sysfs_read_text(dir, file, text, sizeof(text)) < 0 ||
		    sysfs_parse_u64(text, &uw) < 0)
			continue;
		if (uw > best_uw)
			best_uw = uw;
	}
	return (double)best_uw / 1e6;
}

static double assumed_max_power_w(const struct rapl_domain *d)
{
	if (d->psys)
		return RAPL_ASSUMED_PSYS_W;
	return d->domain == DOMAIN_DRAM ? RAPL_ASSUMED_DRAM_W : RAPL_ASSUMED_PACKAGE_W;
}

/* Open the zone in dir (entry: its directory's own name) when it is one we
 * count. Returns 0 (opened or skipped), or -1 with sc->err set. */
static int open_zone(struct rapl_scan *sc, const char *dir, const char *entry)
{
	struct rapl *r = sc->r;
	struct rapl_domain *d;
	enum energy_domain dom;
	char name[64], range[64], path[600];
	uint64_t first;

	if (sysfs_read_text(dir, "name", name, sizeof(name)) < 0 ||
	    zone_domain(name, sc->psys, &dom) < 0)
		return 0;
	if (r->n == RAPL_MAX_DOMAINS) {
		snprintf(sc->err, sc->errlen,
			 "%s: more than %d RAPL zones under one root", dir,
			 RAPL_MAX_DOMAINS);
		return -1;
	}
	d = &r->d[r->n];
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->domain = dom;
	d->psys = dom == DOMAIN_OTHER;
	conf_copy_str(d->name, sizeof(d->name), name);
	conf_copy_str(d->zone, sizeof(d->zone), entry);
	if (sysfs_read_text(dir, "max_energy_range_uj", range, sizeof(range)) < 0 ||
	    sysfs_parse_u64(range, &d->max_range_uj) < 0) {
		snprintf(sc->err, sc->errlen,
			 "%s/max_energy_range_uj: cannot read it (RAPL zone %s)",
			 dir, name);
		return -1;
	}
	d->max_power_w = zone_max_power_w(dir);
	if (d->max_power_w <= 0) {
		d->max_power_w = assumed_max_power_w(d);
		d->max_power_assumed = true;
	}
	snprintf(path, sizeof(path), "%s/energy_uj", dir);
	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0) {
		snprintf(sc->err, sc->errlen, "%s: cannot open it (RAPL zone %s): %s",
			 path, name, strerror(errno));
		return -1;
	}
	r->n++;		/* rapl_close closes it from here on */
	/* open() succeeds on a directory, and on a file that holds no number:
	 * find that out now rather than at every sample. */
	if (sysfs_pread_u64(d->fd, &first) < 0) {
		snprintf(sc->err, sc->errlen,
			 "%s: cannot read a counter from it (RAPL zone %s): %s",
			 path, name, errno == EINVAL ? "not a number" : strerror(errno));
		return -1;
	}
	return 0;
}

/* True when the directory st describes was seen before (through another
 * symlink); else remembers it. */
static bool seen_before(struct rapl_scan *sc, const struct stat *st)
{
	size_t i;

	for (i = 0; i < sc->nvisited; i++)
		if (sc->visited[i].dev == st->st_dev && sc->visited[i].ino == st->st_ino)
			return true;
	sc->visited[sc->nvisited].dev = st->st_dev;
	sc->visited[sc->nvisited].ino = st->st_ino;
	sc->nvisited++;
	return false;
}

/* Open the zones listed in dir, then the subzones inside each; nested is
 * true inside a zone. RAPL nests one level only (package, then its core,
 * uncore and dram), so subzones are not searched further. */
static int scan_dir(struct rapl_scan *sc, const char *dir, bool nested)
{
	struct dirent **entries = NULL;
	int count, i, rc = 0;

	count = scandir(dir, &entries, is_zone_entry, alphasort);
	if (count < 0)
		return 0;	/* root: no powercap here; a zone: no subzones */
	for (i = 0; i < count && rc == 0; i++) {
		char path[512];
		struct stat st;
		int len;

		len = snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
		if (len < 0 || (size_t)len >= sizeof(path)) {
			snprintf(sc->err, sc->errlen, "%s/%s: path too long",
				 dir, entries[i]->d_name);
			rc = -1;
			break;
		}
		/* stat, not lstat: /sys/class/powercap holds symlinks. */
		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (sc->nvisited == RAPL_MAX_VISITED) {
			snprintf(sc->err, sc->errlen,
				 "%s: more than %d powercap zones", dir, RAPL_MAX_VISITED);
			rc = -1;
			break;
		}
		if (seen_before(sc, &st))
			continue;
		rc = open_zone(sc, path, entries[i]->d_name);
		if (rc == 0 && !nested)
			rc = scan_dir(sc, path, true);
	}
	for (i = 0; i < count; i++)
		free(entries[i]);
	free(entries);
	return rc;
}

int rapl_open_ex(struct rapl *r, const char *root, bool psys, char *err,
		 size_t errlen)
{
	struct rapl_scan *sc;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	/* The visited set is a few KiB: keep it off slurmstepd's stack. */
	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sc->r = r;
	sc->psys = psys;
	sc->err = err;
	sc->errlen = errlen;
	if (scan_dir(sc, root, false) == 0)
		rc = (int)r->n;
	else
		rapl_close(r);
	free(sc);
	return rc;
}

int rapl_open(struct rapl *r, const char *root, char *err, size_t errlen)
{
	return rapl_open_ex(r, root, false, err, errlen);
}

int rapl_read_uj(const struct rapl *r, uint64_t *energy_uj)
{
	int rc = 0;
	size_t i;

	for (i = 0; i < r->n; i++) {
		uint64_t v;

		if (sysfs_pread_u64(r->d[i].fd, &v) < 0) {
			rc = -1;
			continue;
		}
		energy_uj[i] = v;
	}
	return rc;
}

void rapl_add_interval_j(const struct rapl *r, const uint64_t *prev_uj,
			 const uint64_t *cur_uj, double energy_j[DOMAIN_COUNT])
{
	double psys_j = 0, counted_j = 0;
	bool have_psys = false;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct rapl_domain *d = &r->d[i];
		double j = (double)counter_delta(prev_uj[i], cur_uj[i],
						 d->max_range_uj) / 1e6;

		if (d->psys) {
			psys_j += j;
			have_psys = true;
			continue;
		}
		energy_j[d->domain] += j;
		counted_j += j;
	}
	if (have_psys && psys_j > counted_j)
		energy_j[DOMAIN_OTHER] += psys_j - counted_j;
}

/* The zone that wraps soonest at full power, and its wrap period in
 * seconds; *which is r->n when no zone wraps. */
static double shortest_wrap_s(const struct rapl *r, size_t *which)
{
	double best = INFINITY;
	size_t i;

	*which = r->n;
	for (i = 0; i < r->n; i++) {
		const struct rapl_domain *d = &r->d[i];
		double s;

		if (d->max_range_uj == 0 || d->max_power_w <= 0)
			continue;
		s = (double)d->max_range_uj / 1e6 / d->max_power_w;
		if (s < best) {
			best = s;
			*which = i;
		}
	}
	return best;
}

double rapl_wrap_period_s(const struct rapl *r)
{
	size_t which;

	return shortest_wrap_s(r, &which);
}

int rapl_check_interval(const struct rapl *r, int interval_s,
			int *safe_interval_s, char *msg, size_t msglen)
{
	const struct rapl_domain *d;
	size_t which;
	double wrap = shortest_wrap_s(r, &which);
	double half = wrap / 2;

	if (msglen > 0)
		msg[0] = '\0';
	*safe_interval_s = interval_s;
	if ((double)interval_s < wrap)
		return 0;
	d = &r->d[which];
	*safe_interval_s = half >= 1 ? (int)half : 1;
	snprintf(msg, msglen,
		 "[sampling] interval = %d s is %s the shortest RAPL counter wrap period on this node (%.*f s for %s in %s: max_energy_range_uj %" PRIu64 " at %g W%s); sampling every %d s instead; set interval ≤ %d",
		 interval_s, (double)interval_s > wrap ? "longer than" : "as long as",
		 wrap < 10 ? 1 : 0, wrap, d->name, d->zone, d->max_range_uj,
		 d->max_power_w,
		 d->max_power_assumed ? ", assumed: the zone has no constraint_N_max_power_uw" : "",
		 *safe_interval_s, *safe_interval_s);
	return -1;
}

void rapl_close(struct rapl *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->d[i].fd >= 0)
			close(r->d[i].fd);
	r->n = 0;
}
