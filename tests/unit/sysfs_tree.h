/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Simulated sysfs trees for the sensor tests: a temporary directory that a
 * test fills with the kernel's layout (directories, attribute files,
 * symlinks) and rewrites in place while a sensor holds its files open.
 * Include after <cmocka.h>: the helpers fail the running test on error. */
#ifndef CARBON_TEST_SYSFS_TREE_H
#define CARBON_TEST_SYSFS_TREE_H

#include <stddef.h>
#include <stdint.h>

/* The tree's root, /tmp/carbon_tree.XXXXXX once tree_setup has run. */
extern char tree_root[64];

/* cmocka group setup and teardown: make the root, remove it with all below. */
int tree_setup(void **state);
int tree_teardown(void **state);

/* out = tree_root/rel. */
void tree_path(char *out, size_t n, const char *rel);

/* mkdir -p tree_root/rel. */
void tree_mkdirs(const char *rel);

/* Write text to tree_root/rel, in place: a file a sensor keeps open sees
 * the new text at its next read from offset 0, as in sysfs. */
void tree_put(const char *rel, const char *text);

/* tree_put of dir/file holding v and a newline. */
void tree_put_u64(const char *dir, const char *file, uint64_t v);

/* tree_root/link -> target; target is relative to the link, as in sysfs. */
void tree_link(const char *target, const char *link);

#endif
