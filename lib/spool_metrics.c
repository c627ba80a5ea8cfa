/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The spool's backlog as Prometheus metrics (see spool_metrics.h). */
#include "spool_metrics.h"

#include "prom.h"

void spool_metrics_print(FILE *fp, const char *dir, const struct spool_backlog *b)
{
	const char *labels[] = { "dir", dir };

	if (b->records_counted) {
		prom_family(fp, "slurm_carbon_spool_records", "gauge",
			    "Step records in the spool waiting to be stored in the database.");
		prom_sample(fp, "slurm_carbon_spool_records", labels, 1, (double)b->records);
	}
	prom_family(fp, "slurm_carbon_spool_bytes", "gauge",
		    "Bytes of the spool files waiting to be stored in the database.");
	prom_sample(fp, "slurm_carbon_spool_bytes", labels, 1, (double)b->bytes);
	prom_family(fp, "slurm_carbon_spool_files", "gauge",
		    "Spool files waiting to be stored in the database.");
	prom_sample(fp, "slurm_carbon_spool_files", labels, 1, (double)b->files);
}

struct fill_arg {
	const char *dir;
	const struct spool_backlog *b;
};

static int fill(FILE *fp, void *arg, char *err, size_t errlen)
{
	const struct fill_arg *a = arg;

	(void)err;
	(void)errlen;
	spool_metrics_print(fp, a->dir, a->b);
	return 0;
}

int spool_metrics_write(const char *path, const char *dir, long long max_read_bytes,
			char *err, size_t errlen)
{
	struct spool_backlog b;
	struct fill_arg a = { dir, &b };

	if (spool_backlog(dir, max_read_bytes, &b, err, errlen) < 0)
		return -1;
	return prom_write_file(path, fill, &a, err, errlen);
}
