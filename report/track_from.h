/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report track --from: the teams' statements (statement --json,
 * signed or not) read into the projects and users track shows, each
 * statement's signature checked with the keys given. */
#ifndef CARBON_TRACK_FROM_H
#define CARBON_TRACK_FROM_H

#include <stddef.h>

#include "aggregate.h"
#include "sign.h"

/* The most statement files one track reads (a directory's included). */
#define TRACK_FROM_MAX_FILES 4096

/* One statement read, and what its signature check found. */
struct track_source {
	char *path;
	enum sign_status status;
	char site[SIGN_SITE_MAX + 1];		/* signed: the site it names */
	char key_id[SIGN_KEY_ID_HEX + 1];	/* signed: the key id it names */
	char why[512];				/* not SIGN_OK: sign_verify's words */
	char *doc;				/* the file's bytes */
	size_t len;
	bool duplicate;		/* the same bytes as an earlier file: not counted */
};

struct track_sources {
	struct track_source *s;
	size_t n;
};

/* Read the statements at paths[0..n_paths-1], each a statement's JSON file,
 * or a directory whose regular files named *.json are read (in name order,
 * not its subdirectories), and add their projects, with their users, to
 * projects (each group's origin: 1 + the index of its statement in *src).
 * Every statement is checked against keys[0..n_keys-1] and kept, whatever
 * the check found: its status says. A file that is not a statement with a
 * track member, and a project that two different statements hold, are
 * refused (the same file twice, byte for byte, counts once). Returns 0, or
 * -1 after printing on stderr what is wrong, naming the file. The caller
 * frees projects (group_list_free) and src (track_sources_free) either
 * way. */
int track_from_load(char *const *paths, size_t n_paths, const struct sign_key *const *keys,
		    size_t n_keys, struct group_list *projects, struct track_sources *src);

/* A statement's status in a word or two: "verified", "unsigned",
 * "no key", "CHANGED", "BAD SIGNATURE", "malformed signature". */
const char *track_source_status(const struct track_source *s);

void track_sources_free(struct track_sources *src);

#endif
