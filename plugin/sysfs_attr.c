/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading small sysfs attribute files (see sysfs_attr.h). */
#include "sysfs_attr.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sysfs_read_text(const char *dir, const char *file, char *buf, size_t n)
{
	char path[512];
	ssize_t len;
	int fd, len_path, saved;

	len_path = snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (len_path < 0 || (size_t)len_path >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, n - 1);
	saved = errno;
	close(fd);
	if (len < 0) {
		errno = saved;
		return -1;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int sysfs_parse_u64(const char *s, uint64_t *out)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s)) {	/* strtoull would take "-1" */
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno)
		return -1;
	return 0;
}

int sysfs_pread_text(int fd, char *buf, size_t n)
{
	ssize_t len = pread(fd, buf, n - 1, 0);

	if (len < 0)
		return -1;
	buf[len] = '\0';
	return (int)len;
}

int sysfs_pread_u64(int fd, uint64_t *v)
{
	char buf[64];

	if (sysfs_pread_text(fd, buf, sizeof(buf)) < 0)
		return -1;
	return sysfs_parse_u64(buf, v);
}
