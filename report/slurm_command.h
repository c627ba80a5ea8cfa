/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running one of Slurm's commands (sacct, sacctmgr) and reading what it
 * prints, line by line, for the db sync-* commands. */
#ifndef CARBON_SLURM_COMMAND_H
#define CARBON_SLURM_COMMAND_H

#include <stddef.h>

/* Called with each non-empty line of the command's output, without its
 * newline (NUL-terminated; a line holding a NUL byte is refused before).
 * Returns 0, or -1 with *why a static reason that never quotes the line;
 * the first such line is reported and the rest is read but not handed on. */
typedef int (*slurm_line_fn)(void *arg, const char *line, const char **why);

/* Run argv (argv[0] found in PATH, never through a shell) with TZ=UTC and
 * SLURM_TIME_FORMAT=standard in its environment, so that its times are UTC
 * in ISO 8601, and hand each line of its standard output to on_line. Its
 * standard error is carbon-report's. Returns 0 when it exited 0 and every
 * line was taken; else -1 after printing why on stderr: that it failed
 * (its exit status or signal) or the first refused line's number and
 * reason, each followed by "; nothing stored". */
int slurm_command_lines(char *const argv[], slurm_line_fn on_line, void *arg);

#endif
