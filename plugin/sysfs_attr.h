/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small sysfs attribute files, as the sensors read them: one value per file,
 * a decimal number first (powercap's "123456", pm_counters' "123456 J
 * 1700000000123456 us", hwmon's "350000000"). */
#ifndef CARBON_SYSFS_ATTR_H
#define CARBON_SYSFS_ATTR_H

#include <stddef.h>
#include <stdint.h>

/* Read the file dir/file into buf (n bytes, at least 1), up to its first
 * newline, NUL-terminated. Returns 0, or -1 with errno set by open or read
 * (ENOENT: there is no such file; ENAMETOOLONG: dir/file is too long). */
int sysfs_read_text(const char *dir, const char *file, char *buf, size_t n);

/* The decimal number s starts with, after optional white space; whatever
 * follows it (a unit, a timestamp) is ignored. Returns 0, or -1 with errno
 * EINVAL (no number) or ERANGE (above UINT64_MAX). */
int sysfs_parse_u64(const char *s, uint64_t *out);

/* Read the open attribute fd again from its start (sysfs regenerates the
 * text at each read from offset 0) into buf, NUL-terminated. Returns the
 * number of bytes read, or -1 with errno set. Never allocates. */
int sysfs_pread_text(int fd, char *buf, size_t n);

/* sysfs_pread_text, then sysfs_parse_u64. Returns 0, or -1 with errno set
 * (EINVAL: the file does not start with a number). */
int sysfs_pread_u64(int fd, uint64_t *v);

#endif
