/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Vendor libraries loaded with dlopen (NVML, ROCm SMI): their entry points
 * resolved once into a struct of typed function pointers. */
#ifndef CARBON_DL_TABLE_H
#define CARBON_DL_TABLE_H

#include <stdbool.h>
#include <stddef.h>

/* One entry point: its symbol, where its pointer goes in the struct, and
 * whether the library is useless without it. */
struct dl_entry {
	const char *symbol;
	size_t offset;		/* offsetof(struct ..., member) */
	bool required;
};

/* Load library with dlopen and fill the struct at table (size bytes,
 * zeroed first) with each entry's pointer, NULL for an optional symbol the
 * library lacks. Returns 1 with *lib holding the handle; 0 when the library
 * cannot be loaded (the vendor's software is not on this node: err says
 * "no <what> (<dlerror>): <absent_means>", for one log line); or -1 when it
 * lacks a required symbol (err: "<what> library lacks <symbol>"). On 0 and
 * -1, *lib is NULL and nothing stays loaded. */
int dl_table_open(const char *library, const struct dl_entry *entries, size_t n,
		  void *table, size_t size, const char *what,
		  const char *absent_means, void **lib, char *err, size_t errlen);

#endif
