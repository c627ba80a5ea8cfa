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

/* Fill the struct at table (size bytes, zeroed first) from lib: each
 * entry's pointer, NULL for an optional symbol the library lacks. Returns
 * 0, or -1 with err saying "<what> library lacks <symbol>" for the first
 * required symbol missing. */
int dl_table_resolve(void *lib, const struct dl_entry *entries, size_t n,
		     void *table, size_t size, const char *what, char *err,
		     size_t errlen);

#endif
