/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running one of Slurm's commands and reading its output line by line. */
#include "slurm_command.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int slurm_command_lines(char *const argv[], slurm_line_fn on_line, void *arg)
{
	int fd[2], status = 0, rc = -1, bad_line = 0;
	const char *bad_why = NULL;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	FILE *fp = NULL;
	pid_t pid;

	if (pipe(fd) < 0) {
		fprintf(stderr, "carbon-report: cannot run %s: %s\n", argv[0], strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "carbon-report: cannot run %s: %s\n", argv[0], strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		/* carbon-report has one thread: setenv is safe in the child. */
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		if (setenv("TZ", "UTC", 1) < 0 || setenv("SLURM_TIME_FORMAT", "standard", 1) < 0)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "carbon-report: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	fp = fdopen(fd[0], "r");
	if (!fp) {
		close(fd[0]);
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		const char *why = NULL;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (bad_line || !len)
			continue;	/* read to the end, so the command is not cut off */
		if (strlen(line) != (size_t)len) {
			bad_line = (int)lineno;
			bad_why = "a NUL byte in the line";
			continue;
		}
		if (on_line(arg, line, &why) < 0) {
			bad_line = (int)lineno;
			bad_why = why ? why : "not a line of the expected form";
		}
	}
	fclose(fp);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "carbon-report: %s failed (%s %d); nothing stored\n", argv[0],
			WIFEXITED(status) ? "exit status" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		goto out;
	}
	if (bad_line) {
		fprintf(stderr, "carbon-report: %s output line %d: %s; nothing stored\n",
			argv[0], bad_line, bad_why);
		goto out;
	}
	rc = 0;
out:
	free(line);
	return rc;
}
