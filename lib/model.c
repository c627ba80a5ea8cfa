/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The energy model where no counter exists: cpuinfo, TDP lookups, formulas. */
#include "model.h"
#include "tdp_table.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 128		/* a normalised name; longer ones are cut */
#define WORDS_MAX 16		/* words kept from a name */
#define WORD_MAX 24
#define PHYSICAL_IDS_MAX 64

/* ---- /proc/cpuinfo ------------------------------------------------------ */

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

static bool parse_unsigned(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && end != s && *end == '\0';
}

int model_read_cpuinfo(const char *path, struct model_cpuinfo *ci)
{
	int rc = -1;
	FILE *fp = NULL;
	char *line = NULL;
	size_t cap = 0;
	unsigned long ids[PHYSICAL_IDS_MAX];
	unsigned nids = 0, i, cores_per_socket = 0;
	unsigned long v;

	memset(ci, 0, sizeof(*ci));
	fp = fopen(path, "r");
	if (!fp)
		goto out;
	/* "key<tabs>: value" lines, one block per logical CPU. Lines are read
	 * whole: a "flags" line is longer than any fixed buffer worth having. */
	while (getline(&line, &cap, fp) >= 0) {
		char *colon = strchr(line, ':');
		char *key, *value;

		if (!colon)
			continue;
		*colon = '\0';
		key = trim(line);
		value = trim(colon + 1);
		if (!strcmp(key, "processor")) {
			ci->cpus++;
		} else if (!strcmp(key, "model name")) {
			if (ci->name[0] == '\0')
				snprintf(ci->name, sizeof(ci->name), "%s", value);
		} else if (!strcmp(key, "physical id")) {
			if (!parse_unsigned(value, &v))
				continue;
			for (i = 0; i < nids && ids[i] != v; i++)
				;
			if (i == nids && nids < PHYSICAL_IDS_MAX)
				ids[nids++] = v;
		} else if (!strcmp(key, "cpu cores")) {
			if (!cores_per_socket && parse_unsigned(value, &v) &&
			    v > 0 && v <= 1u << 20)
				cores_per_socket = (unsigned)v;
		}
	}
	if (ferror(fp)) {
		errno = EIO;
		goto out;
	}
	if (ci->cpus == 0) {
		errno = EINVAL;
		goto out;
	}
	ci->sockets = nids ? nids : 1;
	ci->cores = cores_per_socket ? cores_per_socket * ci->sockets : ci->cpus;
	if (ci->cores > ci->cpus)	/* offline CPUs are not listed */
		ci->cores = ci->cpus;
	rc = 0;
out:
	free(line);
	if (fp)
		fclose(fp);
	return rc;
}

/* ---- CPU names ---------------------------------------------------------- */

/* Split s into lower-case words at spaces, leaving out bracketed marks
 * ("(R)", "(TM)") and bytes outside ASCII ("®"), and stopping at '@' (the
 * clock). Returns the number of words. */
static size_t cpu_words(const char *s, char words[][WORD_MAX], size_t max)
{
	size_t n = 0, len = 0;
	int depth = 0;

	for (;; s++) {
		unsigned char c = (unsigned char)*s;
		bool end = c == '\0' || (c == '@' && depth == 0);

		if (c == '(') {
			depth++;
			continue;
		}
		if (c == ')' && depth > 0) {
			depth--;
			continue;
		}
		if (depth > 0 && !end)
			continue;
		if (end || c == ' ' || c == '\t') {
			if (len > 0 && n < max) {
				words[n][len < WORD_MAX ? len : WORD_MAX - 1] = '\0';
				n++;
			}
			len = 0;
			if (end)
				break;
			continue;
		}
		if (c >= 0x80 || n >= max)
			continue;
		if (len < WORD_MAX - 1)
			words[n][len] = (char)tolower(c);
		len++;
	}
	return n;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

/* "1st", "2nd", "11th": the "11th Gen" that Intel puts before a name. */
static bool is_ordinal(const char *w)
{
	if (!isdigit((unsigned char)w[0]))
		return false;
	while (isdigit((unsigned char)*w))
		w++;
	return !strcmp(w, "st") || !strcmp(w, "nd") || !strcmp(w, "rd") ||
	       !strcmp(w, "th");
}

/* The words of a CPU name that name the model, joined by single spaces:
 * "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz" and "Intel Xeon Gold 6230"
 * both give "intel xeon gold 6230". */
static void cpu_key(const char *name, char *key, size_t n)
{
	char words[WORDS_MAX][WORD_MAX];
	size_t nw = cpu_words(name, words, WORDS_MAX), i, len = 0;

	key[0] = '\0';
	for (i = 0; i < nw; i++) {
		const char *w = words[i];

		if (!strcmp(w, "with"))		/* "with Radeon Graphics" */
			break;
		if (is_ordinal(w) && i + 1 < nw && !strcmp(words[i + 1], "gen")) {
			i++;
			continue;
		}
		if (!strcmp(w, "cpu") || !strcmp(w, "processor") ||
		    ends_with(w, "-core") || ends_with(w, "-cores") ||
		    (isdigit((unsigned char)w[0]) && ends_with(w, "ghz")))
			continue;
		len += (size_t)snprintf(key + len, len < n ? n - len : 0, "%s%s",
					len ? " " : "", w);
		if (len >= n)
			break;
	}
}

int model_cpu_tdp(const char *model_name, double *tdp_w, const char **matched)
{
	char want[KEY_MAX], have[KEY_MAX];
	size_t i;

	if (!model_name)
		return -1;
	cpu_key(model_name, want, sizeof(want));
	if (want[0] == '\0')
		return -1;
	for (i = 0; i < tdp_cpu_table_len; i++) {
		cpu_key(tdp_cpu_table[i].model, have, sizeof(have));
		if (!strcmp(want, have)) {
			*tdp_w = tdp_cpu_table[i].tdp_w;
			if (matched)
				*matched = tdp_cpu_table[i].model;
			return 0;
		}
	}
	return -1;
}

/* ---- GPU names ---------------------------------------------------------- */

/* Lower-case words of letters and digits, without the brand words. */
static size_t gpu_words(const char *s, char words[][WORD_MAX], size_t max)
{
	size_t n = 0, len = 0;

	for (;; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x80 && isalnum(c)) {
			if (n < max && len < WORD_MAX - 1)
				words[n][len] = (char)tolower(c);
			len++;
			continue;
		}
		if (len > 0 && n < max) {
			words[n][len < WORD_MAX ? len : WORD_MAX - 1] = '\0';
			if (strcmp(words[n], "nvidia") && strcmp(words[n], "tesla") &&
			    strcmp(words[n], "geforce"))
				n++;
		}
		len = 0;
		if (c == '\0')
			break;
	}
	return n;
}

int model_gpu_tdp(const char *gpu_name, double *tdp_w, const char **matched)
{
	char name[WORDS_MAX][WORD_MAX], row[WORDS_MAX][WORD_MAX];
	size_t nn, nr, i, j, k, best_words = 0, best = 0;

	if (!gpu_name)
		return -1;
	nn = gpu_words(gpu_name, name, WORDS_MAX);
	for (i = 0; i < tdp_gpu_table_len; i++) {
		nr = gpu_words(tdp_gpu_table[i].model, row, WORDS_MAX);
		if (nr <= best_words)	/* ties go to the first row */
			continue;
		for (j = 0; j < nr; j++) {
			for (k = 0; k < nn && strcmp(row[j], name[k]); k++)
				;
			if (k == nn)
				break;
		}
		if (j == nr) {
			best_words = nr;
			best = i;
		}
	}
	if (best_words == 0)
		return -1;
	*tdp_w = tdp_gpu_table[best].tdp_w;
	if (matched)
		*matched = tdp_gpu_table[best].model;
	return 0;
}

/* ---- choices and formulas ---------------------------------------------- */

double model_cpu_socket_tdp_w(const struct model_cpuinfo *ci, double conf_tdp_w,
			      const char **source)
{
	const char *src = "carbon.conf";
	double w = conf_tdp_w;

	if (!(w > 0)) {
		if (model_cpu_tdp(ci->name, &w, &src) < 0) {
			unsigned sockets = ci->sockets ? ci->sockets : 1;
			unsigned cores = ci->cores ? ci->cores : 1;

			w = MODEL_CPU_W_PER_CORE * cores / sockets;
			src = "default";
		}
	}
	if (source)
		*source = src;
	return w;
}

double model_gpu_board_tdp_w(const char *gpu_name, double conf_tdp_w,
			     const char **source)
{
	const char *src = "carbon.conf";
	double w = conf_tdp_w;

	if (!(w > 0)) {
		if (model_gpu_tdp(gpu_name, &w, &src) < 0) {
			w = MODEL_GPU_TDP_W;
			src = "default";
		}
	}
	if (source)
		*source = src;
	return w;
}

double model_cpu_energy_j(double tdp_per_socket_w, unsigned sockets,
			  unsigned cpus, double busy_cpu_s)
{
	if (sockets == 0 || cpus == 0 || !(tdp_per_socket_w >= 0) ||
	    !(busy_cpu_s >= 0))
		return 0.0;
	return tdp_per_socket_w * sockets / cpus * busy_cpu_s;
}

double model_memory_energy_j(double w_per_gb, double gb, double seconds)
{
	if (!(w_per_gb >= 0) || !(gb >= 0) || !(seconds >= 0))
		return 0.0;
	return w_per_gb * gb * seconds;
}

double model_gpu_energy_j(double tdp_w, double util, double seconds)
{
	if (!(tdp_w >= 0) || !(seconds >= 0) || !(util > 0))
		return 0.0;
	if (util > 1.0)
		util = 1.0;
	return tdp_w * util * seconds;
}
