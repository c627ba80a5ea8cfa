/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resolving a vendor library's entry points (see dl_table.h). */
#include "dl_table.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int dl_table_resolve(void *lib, const struct dl_entry *entries, size_t n,
		     void *table, size_t size, const char *what, char *err,
		     size_t errlen)
{
	size_t i;

	memset(table, 0, size);
	for (i = 0; i < n; i++) {
		void *fn = dlsym(lib, entries[i].symbol);

		if (!fn && entries[i].required) {
			snprintf(err, errlen, "%s library lacks %s", what, entries[i].symbol);
			return -1;
		}
		/* POSIX: a data pointer from dlsym converts to a function pointer. */
		memcpy((char *)table + entries[i].offset, &fn, sizeof(fn));
	}
	return 0;
}
