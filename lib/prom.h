/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prometheus' text exposition format (version 0.0.4), as node_exporter's
 * textfile collector reads it: metric families, samples with escaped label
 * values, and files replaced atomically. Shared by the plugin (the node's
 * spool backlog) and carbon-report metrics. */
#ifndef CARBON_PROM_H
#define CARBON_PROM_H

#include <stddef.h>
#include <stdio.h>

/* Write v as a label value between double quotes: backslash, double quote
 * and newline escaped (\\, \", \n) as the format asks; a byte that is not
 * part of valid UTF-8, and any other control character, written as U+FFFD,
 * so that no value a user wrote can end the line, the label or the file's
 * encoding. NULL is written as "". */
void prom_label_value(FILE *fp, const char *v);

/* The "# HELP" and "# TYPE" lines of a family; type is "counter", "gauge"
 * or "untyped"; help is escaped (backslash, newline). */
void prom_family(FILE *fp, const char *name, const char *type, const char *help);

/* One sample: name{k0="v0",...} value; nlabels pairs in labels[2 * i]
 * (name) and labels[2 * i + 1] (value, escaped). The value in the shortest
 * form that reads back exactly; NaN and infinities as the format spells
 * them. */
void prom_sample(FILE *fp, const char *name, const char *const *labels, size_t nlabels,
		 double value);

/* Called by prom_write_file() to write the metrics into fp; returns 0, or
 * -1 with a reason in err. */
typedef int (*prom_fill_fn)(FILE *fp, void *arg, char *err, size_t errlen);

/* Replace path with what fill writes, atomically, as the textfile collector
 * requires (it may read at any moment): a temporary file beside path
 * (".NAME.XXXXXX": not "*.prom", so never read half-written), mode 0644,
 * then rename(2) over path. Returns 0, or -1 with a reason in err (the
 * temporary file removed). Does not fsync: a metrics file lost in a crash
 * is written again at the next update. */
int prom_write_file(const char *path, prom_fill_fn fill, void *arg, char *err, size_t errlen);

#endif
