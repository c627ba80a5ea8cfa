/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resolving a vendor library's entry points (see dl_table.h). */
#include "dl_table.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int dl_table_open(const char *library, const struct dl_entry *entries, size_t n,
		  void *table, size_t size, const char *what,
		  const char *absent_means, void **lib, char *err, size_t errlen)
{
	const char *dl_err;
	size_t i;

	memset(table, 0, size);
	*lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
	if (!*lib) {
		dl_err = dlerror();
		snprintf(err, errlen, "no %s (%s): %s", what,
			 dl_err ? dl_err : "dlopen failed", absent_means);
		return 0;
	}
	for (i = 0; i < n; i++) {
		void *fn = dlsym(*lib, entries[i].symbol);

		if (!fn && entries[i].required) {
			snprintf(err, errlen, "%s library lacks %s", what, entries[i].symbol);
			dlclose(*lib);
			*lib = NULL;
			memset(table, 0, size);
			return -1;
		}
		/* POSIX: a data pointer from dlsym converts to a function pointer. */
		memcpy((char *)table + entries[i].offset, &fn, sizeof(fn));
	}
	return 1;
}
