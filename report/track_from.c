/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report track --from: statements in, projects and users out (see
 * track_from.h). */
#define _GNU_SOURCE	/* asprintf */
#include "track_from.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "track_block.h"

static const char prog[] = "carbon-report track --from";

void track_sources_free(struct track_sources *src)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		free(src->s[i].path);
		free(src->s[i].doc);
	}
	free(src->s);
	memset(src, 0, sizeof(*src));
}

const char *track_source_status(const struct track_source *s)
{
	switch (s->status) {
	case SIGN_OK:
		return "verified";
	case SIGN_NO_KEY:
		return "no key";
	case SIGN_UNSIGNED:
		return "unsigned";
	case SIGN_CHANGED:
		return "CHANGED";
	case SIGN_BAD_SIGNATURE:
		return "BAD SIGNATURE";
	case SIGN_MALFORMED:
		break;
	}
	return "malformed signature";
}

/* Add path to the list of files to read. */
static int add_path(char ***files, size_t *n, const char *path)
{
	char **f;

	if (*n >= TRACK_FROM_MAX_FILES) {
		fprintf(stderr, "%s: more than %d statement files\n", prog, TRACK_FROM_MAX_FILES);
		return -1;
	}
	f = realloc(*files, (*n + 1) * sizeof(**files));
	if (!f || !(f[*n] = strdup(path))) {
		if (f)
			*files = f;
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	*files = f;
	(*n)++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json regular files of directory dir, in name order. */
static int add_dir(char ***files, size_t *n, const char *dir)
{
	size_t first = *n, l;
	struct dirent *e;
	struct stat sb;
	int rc = -1;
	DIR *d;

	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: cannot read the directory %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char *p;

		l = strlen(e->d_name);
		if (l <= 5 || strcmp(e->d_name + l - 5, ".json") || e->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0) {
			fputs("carbon-report: out of memory\n", stderr);
			goto out;
		}
		/* Not a link's target, nor a subdirectory: the files in it. */
		if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) && add_path(files, n, p) < 0) {
			free(p);
			goto out;
		}
		free(p);
	}
	if (*n > first)
		qsort(*files + first, *n - first, sizeof(**files), by_name);
	rc = 0;
out:
	closedir(d);
	return rc;
}

/* Read one statement into s and its projects into mine. */
static int read_one(const char *path, const struct sign_key *const *keys, size_t n_keys,
		    struct track_source *s, struct group_list *mine)
{
	struct sign_check check;
	char why[512];
	size_t skip = 0;

	s->path = strdup(path);
	if (!s->path) {
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	if (sign_read_file(path, SIGN_FILE_MAX, &s->doc, &s->len, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, why);
		return -1;
	}
	while (skip < s->len && strchr(" \t\r\n", s->doc[skip]))
		skip++;
	if (skip == s->len || s->doc[skip] != '{') {
		fprintf(stderr, "%s: %s: not a statement's JSON (the Markdown form cannot be added up): give the file 'carbon-report statement --json' wrote\n",
			prog, path);
		return -1;
	}
	s->status = sign_verify(s->doc, s->len, keys, n_keys, &check);
	snprintf(s->site, sizeof(s->site), "%s", check.sig.site);
	snprintf(s->key_id, sizeof(s->key_id), "%s", check.sig.key_id);
	if (s->status != SIGN_OK)
		snprintf(s->why, sizeof(s->why), "%s", check.why);
	if (track_block_read(s->doc, s->len, mine, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, why);
		return -1;
	}
	return 0;
}

/* Add the projects of statement k (mine) to projects, as they are: whether
 * two statements hold one project is checked once all are in (twice). */
static int merge(struct group_list *projects, struct group_list *mine, size_t k)
{
	size_t i;

	for (i = 0; i < mine->n; i++) {
		struct group *to = group_add(projects, mine->g[i].key);

		if (!to) {
			fputs("carbon-report: out of memory\n", stderr);
			return -1;
		}
		/* Take the group over: its users move with it. */
		free(to->key);
		*to = mine->g[i];
		to->origin = k + 1;
		memset(&mine->g[i], 0, sizeof(mine->g[i]));
	}
	return 0;
}

/* Refuse a project that two statements hold. */
static int twice(const struct group_list *projects, const struct track_sources *src)
{
	const struct group *a, *b;

	if (!group_list_twice(projects, &a, &b))
		return 0;
	fprintf(stderr, "%s: project '%s' is in two statements, %s and %s: each job would count twice; give one statement per project (ask the team for one over all its jobs)\n",
		prog, a->key ? a->key : "-", src->s[a->origin - 1].path,
		src->s[b->origin - 1].path);
	return -1;
}

int track_from_load(char *const *paths, size_t n_paths, const struct sign_key *const *keys,
		    size_t n_keys, struct group_list *projects, struct track_sources *src)
{
	char **files = NULL;
	size_t n_files = 0, i, j;
	struct stat sb;
	int rc = -1;

	memset(src, 0, sizeof(*src));
	for (i = 0; i < n_paths; i++) {
		if (stat(paths[i], &sb) < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, paths[i], strerror(errno));
			goto out;
		}
		if (S_ISDIR(sb.st_mode) ? add_dir(&files, &n_files, paths[i]) < 0
					: add_path(&files, &n_files, paths[i]) < 0)
			goto out;
	}
	if (n_files == 0) {
		fprintf(stderr, "%s: no statement files (a directory's are named *.json)\n", prog);
		goto out;
	}
	src->s = calloc(n_files, sizeof(*src->s));
	if (!src->s) {
		fputs("carbon-report: out of memory\n", stderr);
		goto out;
	}
	for (i = 0; i < n_files; i++) {
		struct track_source *s = &src->s[src->n++];
		struct group_list mine = { 0 };
		int r;

		if (read_one(files[i], keys, n_keys, s, &mine) < 0) {
			group_list_free(&mine);
			goto out;
		}
		for (j = 0; j < i; j++)
			if (src->s[j].len == s->len && !memcmp(src->s[j].doc, s->doc, s->len))
				break;
		if (j < i) {
			fprintf(stderr, "%s: %s is the same statement as %s: counted once\n", prog,
				s->path, src->s[j].path);
			s->duplicate = true;
			group_list_free(&mine);
			continue;
		}
		r = merge(projects, &mine, i);
		group_list_free(&mine);
		if (r < 0)
			goto out;
	}
	rc = twice(projects, src);
out:
	for (i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
	return rc;
}
