/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPU time of a step, its job, all Slurm jobs and the node: from Slurm's
 * cgroups (v1 cpuacct, v2 cpu.stat) or, without them, from /proc. */
#include "cputime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NS_PER_S 1000000000ull

/* One process seen by the /proc fallback. */
struct cputime_proc {
	pid_t pid;
	pid_t ppid;
	uint64_t ticks;		/* utime + stime + cutime + cstime */
	bool in_step;		/* stepd_pid is an ancestor */
};

/* Slots of cputime_scope.last_ns. */
enum { LAST_STEP, LAST_JOB, LAST_ALL, LAST_NODE };

const char *cputime_source_name(enum cputime_source src)
{
	switch (src) {
	case CPUTIME_CGROUP_V1:
		return "cgroup-v1";
	case CPUTIME_CGROUP_V2:
		return "cgroup-v2";
	case CPUTIME_PROC:
		return "proc";
	default:
		return "none";
	}
}

static uint64_t ticks_to_ns(uint64_t ticks, long per_s)
{
	uint64_t hz = (uint64_t)per_s;

	/* Split so that ticks * 1e9 cannot overflow. */
	return ticks / hz * NS_PER_S + ticks % hz * NS_PER_S / hz;
}

/* Parse an unsigned decimal at *p, skipping leading blanks; advance *p. */
static int next_u64(const char **p, uint64_t *v)
{
	char *end;

	while (**p == ' ')
		(*p)++;
	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	*v = strtoull(*p, &end, 10);
	if (errno)
		return -1;
	*p = end;
	return 0;
}

/* Skip one blank-separated field at *p. */
static void skip_field(const char **p)
{
	while (**p == ' ')
		(*p)++;
	while (**p && **p != ' ')
		(*p)++;
}

/* The fields of /proc/<pid>/stat we need (proc(5)): 4 ppid, 14 utime,
 * 15 stime, 16 cutime, 17 cstime, all times in clock ticks. The command
 * name (field 2) may hold blanks and ')', so fields count from its last ')'. */
struct pid_stat {
	uint64_t ppid, utime, stime, cutime, cstime;
};

static int parse_pid_stat(const char *buf, struct pid_stat *st)
{
	const char *p = strrchr(buf, ')');
	int i;

	if (!p)
		return -1;
	p++;
	skip_field(&p);				/* 3 state */
	if (next_u64(&p, &st->ppid) < 0)	/* 4 */
		return -1;
	for (i = 5; i < 14; i++)
		skip_field(&p);
	/* cutime and cstime are signed in the kernel but never negative, so a
	 * '-' there fails the parse rather than wrapping. */
	if (next_u64(&p, &st->utime) < 0 || next_u64(&p, &st->stime) < 0 ||
	    next_u64(&p, &st->cutime) < 0 || next_u64(&p, &st->cstime) < 0)
		return -1;
	return 0;
}

/* pread a small file from its start into buf as a string. */
static int pread_str(int fd, char *buf, size_t n)
{
	ssize_t len;

	if (fd < 0)
		return -1;
	len = pread(fd, buf, n - 1, 0);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	return 0;
}

__attribute__((format(printf, 2, 3)))
static int set_path(struct cputime_file *f, const char *fmt, ...)
{
	char path[sizeof(f->path)];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(path))
		path[0] = '\0';
	if (strcmp(path, f->path) != 0) {
		/* Located again elsewhere: the old file is not this one. */
		if (f->fd >= 0)
			close(f->fd);
		f->fd = -1;
		f->seen = false;
		memcpy(f->path, path, sizeof(f->path));
	}
	if (!path[0]) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Slurm's step cgroup names are step_<name>; allow nothing that could leave
 * the job's directory. */
static bool step_name_ok(const char *step)
{
	size_t n = step ? strlen(step) : 0;

	return n > 0 && n < 32 &&
	       strspn(step, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Where needle ("/job_7") occurs in path as whole components (followed by
 * '/' or the end), or NULL. */
static const char *find_components(const char *path, const char *needle)
{
	size_t n = strlen(needle);
	const char *p;

	for (p = strstr(path, needle); p; p = strstr(p + 1, needle))
		if (p[n] == '/' || p[n] == '\0')
			return p;
	return NULL;
}

/* A job directory 26.05 names by the job's SLUID: "s" and 13 digits of
 * Crockford's base 32 in upper case, as Slurm prints a SLUID; n is the
 * component's length. */
static bool sluid_name(const char *c, size_t n)
{
	return n == 14 && c[0] == 's' &&
	       strspn(c + 1, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") == 13;
}

/* In a cgroup v2 path, the component naming job job_id's directory:
 * "job_<job_id>", or a SLUID followed by a "step_" component. Its length in
 * *len; NULL: none. */
static const char *v2_job_component(const char *path, uint32_t job_id, size_t *len)
{
	char job[24];
	const char *c;

	snprintf(job, sizeof(job), "job_%u", job_id);
	for (c = strchr(path, '/'); c; c = strchr(c, '/')) {
		size_t n;

		c++;
		n = strcspn(c, "/");
		if ((n == strlen(job) && !strncmp(c, job, n)) ||
		    (sluid_name(c, n) && !strncmp(c + n, "/step_", 6))) {
			*len = n;
			return c;
		}
	}
	return NULL;
}

/* Learn the hierarchy, Slurm's prefix and the job's directory from the
 * cgroups slurmstepd is in (cgroups(7), /proc/<pid>/cgroup:
 * "id:controllers:path"). In v1 slurmstepd
 * is in the job's freezer cgroup but not in its cpuacct one, so any v1 line
 * naming the job gives the prefix; freezer is preferred as Slurm always
 * creates it with proctrack/cgroup. A hybrid host also has a "0::" line,
 * for systemd, which v1 lines therefore take precedence over. */
enum cputime_source cputime_slurm_cgroup(const char *proc_root, pid_t stepd_pid,
					 uint32_t job_id, uint32_t uid,
					 struct cputime_cgroup *out)
{
	char path[CPUTIME_PATH_MAX], line[1024], v1_needle[CPUTIME_JOB_DIR_MAX];
	struct cputime_cgroup v1 = { .hier = CPUTIME_PROC }, v2 = { .hier = CPUTIME_PROC };
	bool v1_freezer = false;
	FILE *fp;

	memset(out, 0, sizeof(*out));
	out->hier = CPUTIME_PROC;
	snprintf(path, sizeof(path), "%s/%d/cgroup", proc_root, (int)stepd_pid);
	snprintf(v1_needle, sizeof(v1_needle), "/uid_%u/job_%u", uid, job_id);
	fp = fopen(path, "re");
	if (!fp)
		return CPUTIME_PROC;
	while (fgets(line, sizeof(line), fp)) {
		char *ctl, *cg;
		const char *hit;
		bool freezer;
		size_t len;

		line[strcspn(line, "\n")] = '\0';
		ctl = strchr(line, ':');
		if (!ctl)
			continue;
		*ctl++ = '\0';
		cg = strchr(ctl, ':');
		if (!cg)
			continue;
		*cg++ = '\0';
		if (strcmp(line, "0") == 0 && *ctl == '\0') {
			size_t n = 0;

			hit = v2_job_component(cg, job_id, &n);
			len = hit ? (size_t)(hit - 1 - cg) : 0;
			if (hit && v2.hier == CPUTIME_PROC && len < sizeof(v2.prefix)) {
				memcpy(v2.prefix, cg, len);
				memcpy(v2.job_dir, hit, n);	/* n <= 14 */
				v2.hier = CPUTIME_CGROUP_V2;
			}
			continue;
		}
		freezer = strstr(ctl, "freezer") != NULL;
		if (v1_freezer || (v1.hier != CPUTIME_PROC && !freezer))
			continue;
		hit = find_components(cg, v1_needle);
		len = hit ? (size_t)(hit - cg) : 0;
		if (hit && len < sizeof(v1.prefix)) {
			memset(v1.prefix, 0, sizeof(v1.prefix));
			memcpy(v1.prefix, cg, len);
			memcpy(v1.job_dir, v1_needle + 1, sizeof(v1.job_dir) - 1);
			v1.hier = CPUTIME_CGROUP_V1;
			v1_freezer = freezer;
		}
	}
	fclose(fp);
	*out = v1.hier != CPUTIME_PROC ? v1 : v2;
	return out->hier;
}

static void find_slurm_cgroup(struct cputime_scope *s)
{
	struct cputime_cgroup cg;

	if (cputime_slurm_cgroup(s->proc_root, s->stepd_pid, s->job_id, s->uid, &cg) !=
	    CPUTIME_PROC)
		s->cg = cg;
}

/* The v1 cpuacct mount: its own hierarchy, or shared with cpu (where
 * systemd also adds a "cpuacct" symlink, tried first). NULL: not mounted. */
static const char *find_cpuacct(const char *cgroup_root)
{
	static const char *const names[] = { "cpuacct", "cpu,cpuacct", "cpuacct,cpu" };
	char path[CPUTIME_PATH_MAX];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", cgroup_root, names[i]);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return names[i];
	}
	return NULL;
}

/* With slurmstepd in no job cgroup yet: Slurm's prefix is the first of
 * "/slurm_<node>" and "/slurm" that exists under the v1 cpuacct mount, or of
 * v2's "/system.slice/<node>_slurmstepd.scope" and
 * "/system.slice/slurmstepd.scope". A v2 job's directory is left to learn
 * from slurmstepd's cgroup: 26.05 names it by the job's SLUID. */
static void guess_slurm_cgroup(struct cputime_scope *s)
{
	char path[CPUTIME_PATH_MAX], prefix[sizeof(s->cg.prefix)];
	const char *mnt = find_cpuacct(s->cgroup_root);
	struct stat st;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		if (pass == 0 && !s->node[0])
			continue;
		if (mnt)
			snprintf(prefix, sizeof(prefix), pass == 0 ? "/slurm_%s" : "/slurm",
				 s->node);
		else
			snprintf(prefix, sizeof(prefix), pass == 0 ?
				 "/system.slice/%s_slurmstepd.scope" :
				 "/system.slice/slurmstepd.scope", s->node);
		snprintf(path, sizeof(path), "%s/%s%s", s->cgroup_root, mnt ? mnt : "", prefix);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			s->cg.hier = mnt ? CPUTIME_CGROUP_V1 : CPUTIME_CGROUP_V2;
			memcpy(s->cg.prefix, prefix, sizeof(s->cg.prefix));
			s->cg.job_dir[0] = '\0';
			if (mnt)
				snprintf(s->cg.job_dir, sizeof(s->cg.job_dir), "uid_%u/job_%u",
					 s->uid, s->job_id);
			return;
		}
	}
}

/* Find the step's, job's and all jobs' counters; hier stays CPUTIME_PROC
 * when there are none (yet), and the step's and job's stay unset while the
 * job's directory is not known. Returns 0, or -1 when a path does not fit. */
static int locate(struct cputime_scope *s)
{
	const char *mnt, *root = s->cgroup_root;
	const struct cputime_cgroup *cg = &s->cg;

	find_slurm_cgroup(s);
	if (cg->hier == CPUTIME_PROC)
		guess_slurm_cgroup(s);
	if (cg->hier == CPUTIME_CGROUP_V1) {
		/* Counters are hierarchical: each holds its subtree's time. */
		mnt = find_cpuacct(root);
		if (!mnt)
			return 0;	/* v1 without cpuacct: the step from /proc */
		if (set_path(&s->all, "%s/%s%s/cpuacct.usage", root, mnt, cg->prefix) < 0 ||
		    set_path(&s->job, "%s/%s%s/%s/cpuacct.usage",
			     root, mnt, cg->prefix, cg->job_dir) < 0 ||
		    set_path(&s->step, "%s/%s%s/%s/step_%s/cpuacct.usage",
			     root, mnt, cg->prefix, cg->job_dir, s->step_name) < 0)
			return -1;
	} else if (cg->hier == CPUTIME_CGROUP_V2) {
		/* The step's tasks are under step_<S>/user, slurmstepd under
		 * step_<S>/slurm: read user, as v1 leaves slurmstepd out too. */
		if (set_path(&s->all, "%s%s/cpu.stat", root, cg->prefix) < 0)
			return -1;
		if (!cg->job_dir[0])
			return 0;
		if (set_path(&s->job, "%s%s/%s/cpu.stat", root, cg->prefix, cg->job_dir) < 0 ||
		    set_path(&s->step, "%s%s/%s/step_%s/user/cpu.stat",
			     root, cg->prefix, cg->job_dir, s->step_name) < 0)
			return -1;
	}
	return 0;
}

int cputime_open(struct cputime_scope *s, const char *cgroup_root,
		 const char *proc_root, pid_t stepd_pid, uint32_t job_id,
		 uint32_t uid, const char *step, const char *node)
{
	char path[CPUTIME_PATH_MAX];
	int len, rc = -1;

	memset(s, 0, sizeof(*s));
	s->step.fd = s->job.fd = s->all.fd = -1;
	s->node_fd = s->stepd_fd = -1;
	s->cg.hier = CPUTIME_PROC;
	s->stepd_pid = stepd_pid;
	s->job_id = job_id;
	s->uid = uid;
	s->ticks_per_s = sysconf(_SC_CLK_TCK);
	if (s->ticks_per_s <= 0)
		s->ticks_per_s = 100;	/* USER_HZ on every Linux port */
	len = snprintf(path, sizeof(path), "%s/%d/stat", proc_root, (int)stepd_pid);
	if (!step_name_ok(step) || len < 0 || (size_t)len >= sizeof(path) ||
	    strlen(cgroup_root) >= sizeof(s->cgroup_root) ||
	    strlen(proc_root) >= sizeof(s->proc_root)) {
		errno = EINVAL;
		goto out;
	}
	strcpy(s->cgroup_root, cgroup_root);
	strcpy(s->proc_root, proc_root);
	strcpy(s->step_name, step);
	if (node && strlen(node) < sizeof(s->node) &&
	    strspn(node, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	    strlen(node))
		strcpy(s->node, node);
	s->stepd_fd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/stat", proc_root);
	s->node_fd = open(path, O_RDONLY | O_CLOEXEC);
	/* For the fallback only, which then does without when these fail. */
	s->proc_dir = opendir(proc_root);
	s->scan = calloc(CPUTIME_SCAN_MAX, sizeof(*s->scan));
	if (locate(s) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		int saved = errno;

		cputime_close(s);
		errno = saved;
	}
	return rc;
}

/* Read one cgroup counter in ns, opening its file if it now exists. A file
 * that stops reading (its cgroup was removed) is closed, to be reopened. */
static int cgroup_read_ns(struct cputime_file *f, enum cputime_source hier,
			  uint64_t *ns)
{
	char buf[512];
	const char *p = buf;
	uint64_t v;

	if (!f->path[0])
		return -1;
	if (f->fd < 0) {
		f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
		if (f->fd < 0)
			return -1;
		f->seen = true;
	}
	if (pread_str(f->fd, buf, sizeof(buf)) < 0)
		goto fail;
	if (hier == CPUTIME_CGROUP_V2) {
		/* cpu.stat: "usage_usec N" among other "key N" lines. */
		p = strstr(buf, "usage_usec ");
		if (!p || (p != buf && p[-1] != '\n'))
			goto fail;
		p += strlen("usage_usec");
	}
	if (next_u64(&p, &v) < 0)
		goto fail;
	*ns = hier == CPUTIME_CGROUP_V2 ? v * 1000 : v;
	return 0;
fail:
	close(f->fd);
	f->fd = -1;
	return -1;
}

/* Index of pid in the first n entries of the pid-sorted table, or -1. */
static long scan_find(const struct cputime_proc *t, size_t n, pid_t pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].pid == pid)
			return (long)mid;
		if (t[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Load every process that could be in the step into s->scan, sorted by pid.
 * /proc lists pids in ascending order, so the insertion is an append there. */
static size_t scan_load(struct cputime_scope *s)
{
	struct dirent *e;
	size_t n = 0;
	int dfd = dirfd(s->proc_dir);

	rewinddir(s->proc_dir);
	while ((e = readdir(s->proc_dir)) != NULL) {
		char path[32], buf[1024];
		struct pid_stat st;
		struct cputime_proc *slot;
		char *end;
		long pid;
		size_t i;
		int fd;

		pid = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || pid <= 0 || pid == s->stepd_pid)
			continue;
		snprintf(path, sizeof(path), "%ld/stat", pid);
		fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;	/* it exited since readdir */
		if (pread_str(fd, buf, sizeof(buf)) < 0 || parse_pid_stat(buf, &st) < 0) {
			close(fd);
			continue;
		}
		close(fd);
		/* Kernel threads (children of kthreadd, 2) and what init or
		 * the idle task started cannot be below slurmstepd; leaving
		 * them out keeps the table small. */
		if (st.ppid <= 2 && st.ppid != (uint64_t)s->stepd_pid)
			continue;
		if (n == CPUTIME_SCAN_MAX)
			break;
		for (i = n; i > 0 && s->scan[i - 1].pid > pid; i--)
			;
		slot = &s->scan[i];
		memmove(slot + 1, slot, (n - i) * sizeof(*slot));
		slot->pid = (pid_t)pid;
		slot->ppid = (pid_t)st.ppid;
		slot->ticks = st.utime + st.stime + st.cutime + st.cstime;
		slot->in_step = false;
		n++;
	}
	return n;
}

/* The step's CPU time in ticks without cgroups: each live descendant's own
 * time and that of the children it has reaped (cutime + cstime), and the
 * same of slurmstepd's reaped children. Counting the live processes' reaped
 * children matters: a batch script's short commands would otherwise show
 * only when the script ends. A process's time thus moves up the tree as it
 * is reaped without being counted twice. slurmstepd is read first: a child
 * reaped during the scan is then missed for one read (the caller keeps the
 * counter monotonic) rather than counted twice. */
static int proc_step_ticks(struct cputime_scope *s, uint64_t *ticks)
{
	struct pid_stat st;
	char buf[1024];
	uint64_t sum;
	bool grew = true;
	size_t n, i;

	if (!s->scan || !s->proc_dir || pread_str(s->stepd_fd, buf, sizeof(buf)) < 0 ||
	    parse_pid_stat(buf, &st) < 0)
		return -1;
	sum = st.cutime + st.cstime;
	n = scan_load(s);
	/* Mark descendants until none is added: one pass in pid order finds
	 * them all unless pids wrapped (a child below its parent). */
	while (grew) {
		grew = false;
		for (i = 0; i < n; i++) {
			struct cputime_proc *p = &s->scan[i];
			long parent;

			if (p->in_step)
				continue;
			if (p->ppid != s->stepd_pid) {
				parent = scan_find(s->scan, n, p->ppid);
				if (parent < 0 || !s->scan[parent].in_step)
					continue;
			}
			p->in_step = true;
			sum += p->ticks;
			grew = true;
		}
	}
	*ticks = sum;
	return 0;
}

/* Busy time of the whole node from the first line of /proc/stat (proc(5)):
 * "cpu user nice system idle iowait irq softirq steal guest guest_nice".
 * Guest time is already inside user and nice. Steal is left out: it is
 * time the hypervisor gave to someone else, which no process here used and
 * which is in no step's CPU time either. */
static int node_busy_ticks(int fd, uint64_t *ticks)
{
	char buf[512];
	const char *p = buf;
	uint64_t v[7];
	int i;

	if (pread_str(fd, buf, sizeof(buf)) < 0 || strncmp(buf, "cpu ", 4) != 0)
		return -1;
	p += 3;
	for (i = 0; i < 7; i++)
		if (next_u64(&p, &v[i]) < 0)
			return -1;
	*ticks = v[0] + v[1] + v[2] + v[5] + v[6];
	return 0;
}

/* Never report less than last time. */
static uint64_t monotonic(struct cputime_scope *s, int slot, uint64_t v)
{
	if (v < s->last_ns[slot])
		v = s->last_ns[slot];
	s->last_ns[slot] = v;
	return v;
}

int cputime_read(struct cputime_scope *s, struct cputime_sample *out)
{
	uint64_t v;

	memset(out, 0, sizeof(*out));
	out->source = CPUTIME_NONE;
	if ((s->cg.hier == CPUTIME_PROC || !s->cg.job_dir[0]) && s->cgroup_root[0]) {
		/* Not found at open: slurmstepd may have joined the job's
		 * cgroups since, or the first job on the node made them. A v2
		 * job's directory found only now needs no rebase: its
		 * counters were not read before. */
		bool was_proc = s->cg.hier == CPUTIME_PROC;

		if (locate(s) == 0 && was_proc && s->cg.hier != CPUTIME_PROC) {
			out->rebased = true;
			s->last_ns[LAST_STEP] = s->last_ns[LAST_JOB] = s->last_ns[LAST_ALL] = 0;
		}
	}
	if (cgroup_read_ns(&s->all, s->cg.hier, &v) == 0) {
		out->all_ns = monotonic(s, LAST_ALL, v);
		out->have_all = true;
	}
	if (node_busy_ticks(s->node_fd, &v) == 0) {
		out->node_ns = monotonic(s, LAST_NODE, ticks_to_ns(v, s->ticks_per_s));
		out->have_node = true;
	}
	if (cgroup_read_ns(&s->step, s->cg.hier, &v) == 0 ||
	    (out->have_all && !s->step.seen && (v = 0, true))) {
		/* With Slurm's cgroup there, a step or job cgroup not made yet
		 * has used nothing so far; one removed (the job ended) is
		 * not read (have_job false). */
		out->step_ns = monotonic(s, LAST_STEP, v);
		out->have_step = true;
		out->source = s->cg.hier;
		if (cgroup_read_ns(&s->job, s->cg.hier, &v) == 0) {
			out->job_ns = monotonic(s, LAST_JOB, v);
			out->have_job = true;
		} else if (!s->job.seen) {
			out->job_ns = monotonic(s, LAST_JOB, 0);
			out->have_job = true;
		}
	} else if (proc_step_ticks(s, &v) == 0) {
		out->step_ns = monotonic(s, LAST_STEP, ticks_to_ns(v, s->ticks_per_s));
		out->job_ns = out->step_ns;
		out->have_step = true;
		out->source = CPUTIME_PROC;
	}
	return out->have_step ? 0 : -1;
}

void cputime_close(struct cputime_scope *s)
{
	struct cputime_file *files[] = { &s->step, &s->job, &s->all };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (files[i]->fd >= 0)
			close(files[i]->fd);
		files[i]->fd = -1;
	}
	if (s->node_fd >= 0)
		close(s->node_fd);
	if (s->stepd_fd >= 0)
		close(s->stepd_fd);
	s->node_fd = s->stepd_fd = -1;
	if (s->proc_dir)
		closedir(s->proc_dir);
	s->proc_dir = NULL;
	free(s->scan);
	s->scan = NULL;
}

unsigned cputime_node_cpus(const char *proc_root)
{
	char path[CPUTIME_PATH_MAX], buf[256];
	bool line_start = true;
	unsigned n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/stat", proc_root);
	fp = fopen(path, "re");
	if (!fp)
		return 0;
	/* The "intr" line can be longer than buf: only a chunk that begins a
	 * line is looked at. */
	while (fgets(buf, sizeof(buf), fp)) {
		if (line_start && strncmp(buf, "cpu", 3) == 0 &&
		    buf[3] >= '0' && buf[3] <= '9')
			n++;
		line_start = strchr(buf, '\n') != NULL;
	}
	fclose(fp);
	return n;
}
