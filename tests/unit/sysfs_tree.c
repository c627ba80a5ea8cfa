/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Simulated sysfs trees in a temporary directory (see sysfs_tree.h). */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sysfs_tree.h"

char tree_root[64];

int tree_setup(void **state)
{
	(void)state;
	snprintf(tree_root, sizeof(tree_root), "/tmp/carbon_tree.XXXXXX");
	return mkdtemp(tree_root) ? 0 : -1;
}

int tree_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree_root);
	return system(cmd) == 0 ? 0 : -1;
}

void tree_path(char *out, size_t n, const char *rel)
{
	int len = snprintf(out, n, "%s/%s", tree_root, rel);

	assert_true(len > 0 && (size_t)len < n);
}

void tree_mkdirs(const char *rel)
{
	char path[512], *p;

	tree_path(path, sizeof(path), rel);
	for (p = path + strlen(tree_root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

void tree_put(const char *rel, const char *text)
{
	char path[512];
	FILE *fp;

	tree_path(path, sizeof(path), rel);
	fp = fopen(path, "w");
	if (!fp)
		fail_msg("write %s: %s", path, strerror(errno));
	fputs(text, fp);
	fclose(fp);
}

void tree_put_u64(const char *dir, const char *file, uint64_t v)
{
	char rel[512], text[32];

	snprintf(rel, sizeof(rel), "%s/%s", dir, file);
	snprintf(text, sizeof(text), "%" PRIu64 "\n", v);
	tree_put(rel, text);
}

void tree_link(const char *target, const char *link)
{
	char path[512];

	tree_path(path, sizeof(path), link);
	if (symlink(target, path) != 0)
		fail_msg("symlink %s: %s", path, strerror(errno));
}
