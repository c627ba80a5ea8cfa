/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Jobs added up by group, for carbon-report summary and track. */
#include "aggregate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void totals_init(struct job_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->first_start_s = t->last_end_s = NAN;
}

void totals_add_job(struct job_totals *t, const struct job *job)
{
	int d;

	t->jobs++;
	t->cpu_time_s += job->cpu_time_s;
	t->cpu_time_rows += job->cpu_time_rows;
	t->wall_s += job->end_s - job->start_s;
	if (!isnan(job->gpu_s)) {
		t->gpu_s += job->gpu_s;
		t->gpu_jobs++;
	}
	for (d = 0; d < DOMAIN_COUNT; d++)
		t->energy_kwh[d] += job->energy_kwh[d];
	t->it_kwh += job->it_kwh;
	t->facility_kwh += job->facility_kwh;
	t->co2e_kg += job->co2e_kg;
	if (isnan(t->first_start_s) || job->start_s < t->first_start_s)
		t->first_start_s = job->start_s;
	if (isnan(t->last_end_s) || job->end_s > t->last_end_s)
		t->last_end_s = job->end_s;
}

void totals_add(struct job_totals *t, const struct job_totals *part)
{
	int d;

	t->jobs += part->jobs;
	t->cpu_time_s += part->cpu_time_s;
	t->cpu_time_rows += part->cpu_time_rows;
	t->wall_s += part->wall_s;
	t->gpu_s += part->gpu_s;
	t->gpu_jobs += part->gpu_jobs;
	for (d = 0; d < DOMAIN_COUNT; d++)
		t->energy_kwh[d] += part->energy_kwh[d];
	t->it_kwh += part->it_kwh;
	t->facility_kwh += part->facility_kwh;
	t->co2e_kg += part->co2e_kg;
	t->imported_runs += part->imported_runs;
	t->imported_kwh += part->imported_kwh;
	t->imported_kg += part->imported_kg;
	t->imported_s += part->imported_s;
	if (isnan(t->first_start_s) || part->first_start_s < t->first_start_s)
		t->first_start_s = part->first_start_s;
	if (isnan(t->last_end_s) || part->last_end_s > t->last_end_s)
		t->last_end_s = part->last_end_s;
}

double share_pct(double part, double whole)
{
	return whole > 0.0 ? 100.0 * part / whole : 0.0;
}

/* FNV-1a over key's bytes, then a mix (MurmurHash3's finaliser) so that
 * the low bits, which pick the slot, depend on every byte. The keyless
 * group has a hash of its own. */
static uint64_t key_hash(const char *key)
{
	uint64_t h = 0xcbf29ce484222325u;

	if (!key)
		return 0x9e3779b97f4a7c15u;
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 0x100000001b3u;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	h ^= h >> 33;
	return h;
}

static bool key_is(const struct group *g, const char *key)
{
	return key ? g->key && !strcmp(g->key, key) : !g->key;
}

/* The slot of key in l's index: the one that holds its first group, or the
 * empty one where it would go. l->n_slots > 0, and the index has an empty
 * slot (it is at most half full). */
static size_t *slot_of(const struct group_list *l, const char *key)
{
	size_t mask = l->n_slots - 1, i = (size_t)key_hash(key) & mask;

	while (l->slot[i] && !key_is(&l->g[l->slot[i] - 1], key))
		i = (i + 1) & mask;
	return &l->slot[i];
}

/* Index l's groups anew into its slots, in l's order: each key's first. */
static void index_fill(struct group_list *l)
{
	size_t i;

	if (!l->n_slots)
		return;
	memset(l->slot, 0, l->n_slots * sizeof(*l->slot));
	for (i = 0; i < l->n; i++) {
		size_t *s = slot_of(l, l->g[i].key);

		if (!*s)
			*s = i + 1;
	}
}

/* Room in l's index for one more group: it is kept at most half full.
 * Returns 0, or -1 when out of memory (l unchanged). */
static int index_room(struct group_list *l)
{
	size_t n_slots = l->n_slots ? l->n_slots : 16, *slot;

	while (n_slots < 2 * (l->n + 1))
		n_slots *= 2;
	if (n_slots == l->n_slots)
		return 0;
	slot = malloc(n_slots * sizeof(*slot));
	if (!slot)
		return -1;
	free(l->slot);
	l->slot = slot;
	l->n_slots = n_slots;
	index_fill(l);
	return 0;
}

struct group *group_find(const struct group_list *l, const char *key)
{
	size_t *s;

	if (!l->n)
		return NULL;
	s = slot_of(l, key);
	return *s ? &l->g[*s - 1] : NULL;
}

struct group *group_get(struct group_list *l, const char *key)
{
	struct group *g = group_find(l, key);

	return g ? g : group_add(l, key);
}

struct group *group_add(struct group_list *l, const char *key)
{
	struct group *g;
	size_t *s;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;

		g = realloc(l->g, cap * sizeof(*g));
		if (!g)
			return NULL;
		l->g = g;
		l->cap = cap;
	}
	if (index_room(l) < 0)
		return NULL;
	g = &l->g[l->n];
	memset(g, 0, sizeof(*g));
	if (key && !(g->key = strdup(key)))
		return NULL;
	totals_init(&g->t);
	s = slot_of(l, key);
	if (!*s)
		*s = l->n + 1;
	l->n++;
	return g;
}

void group_list_free(struct group_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->g[i].key);
		group_list_free(&l->g[i].sub);
		group_list_free(&l->g[i].days);
	}
	free(l->g);
	free(l->slot);
	memset(l, 0, sizeof(*l));
}

static int key_cmp(const struct group *a, const struct group *b)
{
	if (!a->key || !b->key)
		return !a->key - !b->key;
	return strcmp(a->key, b->key);
}

static int by_key(const void *pa, const void *pb)
{
	return key_cmp(pa, pb);
}

/* Largest first; figures within a part in 10^9 of each other are equal
 * (the same jobs' sums differ in their last bits with the order they were
 * added in), so that such groups come in key order every time. */
static int by_co2e(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;
	double x = a->t.co2e_kg, y = b->t.co2e_kg;

	if (fabs(x - y) > 1e-9 * fmax(fabs(x), fabs(y)))
		return x > y ? -1 : 1;
	return key_cmp(a, b);
}

bool group_list_twice(const struct group_list *l, const struct group **first,
		      const struct group **second)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct group *f = group_find(l, l->g[i].key);

		if (f != &l->g[i]) {
			*first = f;
			*second = &l->g[i];
			return true;
		}
	}
	return false;
}

int group_list_sub_keys(const struct group_list *l, size_t *n)
{
	struct group_list keys = { 0 };
	size_t i, j;
	int rc = 0;

	for (i = 0; i < l->n && rc == 0; i++)
		for (j = 0; j < l->g[i].sub.n && rc == 0; j++)
			if (!group_get(&keys, l->g[i].sub.g[j].key))
				rc = -1;
	*n = keys.n;
	group_list_free(&keys);
	return rc;
}

void group_list_sort_by_key(struct group_list *l)
{
	if (l->n)
		qsort(l->g, l->n, sizeof(*l->g), by_key);
	index_fill(l);
}

void group_list_sort_by_co2e(struct group_list *l)
{
	if (l->n)
		qsort(l->g, l->n, sizeof(*l->g), by_co2e);
	index_fill(l);
}

/* Energies and CO2e with their unit in each cell (table_amount); -o names
 * the columns whose header has a blank by a word. */
const struct table_column totals_columns[TOT_COLUMNS] = {
	[TOT_JOBS] = { .header = "JOBS", .right = true },
	[TOT_CPU_H] = { .header = "CPU-h used", .right = true, .name = "CPU-h" },
	[TOT_GPU_H] = { .header = "GPU-h", .right = true },
	[TOT_WALL_H] = { .header = "wall h", .right = true, .name = "wall-h" },
	[TOT_IT] = { .header = "IT", .right = true },
	[TOT_FACILITY] = { .header = "facility", .right = true },
	[TOT_CO2E] = { .header = "CO2e", .right = true },
	[TOT_SHARE] = { .header = "share %", .right = true, .name = "share" },
	[TOT_IMPORTED] = { .header = "imported", .right = true },
};

const char totals_note[] =
	"CPU-h used: CPU time the job steps consumed (not cores allocated x wall time).\n"
	"GPU-h: GPUs the steps held x the time they held them (a step inside another\n"
	"that sees the same GPUs counts once); - where no record says.\n"
	"Share: of the total CO2e.\n"
	"Imported: the CO2e of runs done off the cluster: CodeCarbon's ('carbon-report\n"
	"import codecarbon') and estimates ('import estimate'); their energy is in IT\n"
	"and facility, their CO2e in CO2e; - none.\n";

/* Four significant digits, energy and CO2e in units that suit them: the
 * figures of a test job and of a year's campaign both read. */
void totals_cells(struct table *tb, size_t col0, const struct job_totals *t,
		  double all_co2e_kg)
{
	char x[32];

	table_cell(tb, col0 + TOT_JOBS, "%zu", t->jobs);
	if (t->cpu_time_rows)
		table_cell(tb, col0 + TOT_CPU_H, "%s", table_sig4(t->cpu_time_s / 3600.0, x, sizeof(x)));
	else
		table_cell(tb, col0 + TOT_CPU_H, "-");
	if (t->gpu_jobs)
		table_cell(tb, col0 + TOT_GPU_H, "%s", table_sig4(t->gpu_s / 3600.0, x, sizeof(x)));
	else
		table_cell(tb, col0 + TOT_GPU_H, "-");
	table_cell(tb, col0 + TOT_WALL_H, "%s", table_sig4(t->wall_s / 3600.0, x, sizeof(x)));
	table_cell(tb, col0 + TOT_IT, "%s", table_amount(t->it_kwh, TABLE_KWH, x, sizeof(x)));
	table_cell(tb, col0 + TOT_FACILITY, "%s",
		   table_amount(t->facility_kwh, TABLE_KWH, x, sizeof(x)));
	table_cell(tb, col0 + TOT_CO2E, "%s", table_amount(t->co2e_kg, TABLE_KG, x, sizeof(x)));
	table_cell(tb, col0 + TOT_SHARE, "%.1f", share_pct(t->co2e_kg, all_co2e_kg));
	if (t->imported_runs)
		table_cell(tb, col0 + TOT_IMPORTED, "%s",
			   table_amount(t->imported_kg, TABLE_KG, x, sizeof(x)));
	else
		table_cell(tb, col0 + TOT_IMPORTED, "-");
}

void totals_json(struct json_writer *w, const struct job_totals *t, double all_co2e_kg)
{
	int d;

	json_kv_int(w, "jobs", (long long)t->jobs);
	if (t->cpu_time_rows)
		json_kv_number(w, "core_hours", t->cpu_time_s / 3600.0);
	else
		json_kv_null(w, "core_hours");
	if (t->gpu_jobs)
		json_kv_number(w, "gpu_hours", t->gpu_s / 3600.0);
	else
		json_kv_null(w, "gpu_hours");
	json_kv_number(w, "wall_hours", t->wall_s / 3600.0);
	json_key(w, "energy_kwh");
	json_begin_object(w);
	for (d = 0; d < DOMAIN_COUNT; d++)
		json_kv_number(w, energy_domain_name(d), t->energy_kwh[d]);
	json_kv_number(w, "it", t->it_kwh);
	json_kv_number(w, "facility", t->facility_kwh);
	json_end_object(w);
	json_kv_number(w, "co2e_kg", t->co2e_kg);
	json_kv_number(w, "share_pct", share_pct(t->co2e_kg, all_co2e_kg));
	json_kv_int(w, "imported_runs", (long long)t->imported_runs);
	json_kv_number(w, "imported_kwh", t->imported_kwh);
	json_kv_number(w, "imported_kg", t->imported_kg);
}

int totals_cc_row(FILE *fp, const char *name, const struct job_totals *t)
{
	struct cc_row r;

	cc_row_init(&r);
	r.timestamp = t->last_end_s;
	r.project_name = name;
	r.duration = t->wall_s;
	r.emissions = t->co2e_kg;
	cc_row_set_energy(&r, t->energy_kwh, t->facility_kwh,
			  t->it_kwh > 0.0 ? t->facility_kwh / t->it_kwh : NAN);
	return cc_write_row(fp, &r);
}
