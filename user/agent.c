// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "agent.h"
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "procs.h"
#include "sampler.skel.h"
#include "symbolize.h"
#include "evidence.h"

#define TICK_MS		50	/* ring buffer poll: new stacks are symbolized this fast */
#define PENDING_SECS	2.0	/* how long a fresh exec is re-checked for a runtime */
#define SCAN_SECS	0.5	/* /proc rescan and exit checks */
#define EVIDENCE_SECS	10.0	/* execution evidence rescan (with -o) */

struct target {
	struct pyproc_info info;
	struct symtab *sym;
	uint32_t proc;		/* profile process index */
	bool exited;
	bool cleaned;		/* its BPF map entries were removed */
};

struct rawstack {
	uint32_t pid, depth, flags;
	struct cb_frame *frames;	/* leaf first */
};

struct prevcount {
	struct cb_count_key key;
	uint64_t value;
};

struct pending {
	int pid;
	double since;
};

struct srcfile {
	char *path;
	char *data;	/* whole file, or NULL when unreadable */
	char **lines;
	size_t nlines;
};

struct agent {
	const struct agent_opts *o;
	struct profile *prof;
	struct sampler *skel;
	struct ring_buffer *rb;
	struct discovery *disc;
	struct bpf_link **links;
	int *pfds;
	int ncpus;
	int stats_fd;
	size_t stack_value_size;
	uint32_t epoch;

	struct target **targets;
	size_t ntargets, captargets;
	struct u64map by_pid;		/* pid -> target index + 1 (latest) */
	struct u64map ignored;		/* pid -> starttime of a non-target */

	struct rawstack *raws;
	size_t nraws, capraws;
	struct u64map raw_idx;		/* stack_id -> index + 1 */

	struct prevcount *prev;
	size_t nprev, capprev;
	struct u64map prev_idx;		/* hash(key) -> index + 1 */

	struct pending *pend;
	size_t npend, cappend;

	struct srcfile *srcs;
	size_t nsrcs, capsrcs;
	struct u64map src_idx;		/* hash(path) -> index + 1 */
	struct u64map src_tried;	/* hash(file, line) of lines looked up */

	pid_t child;			/* MODE_CMD */
	int child_status;
	bool child_done;
};

static int _libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && cb_verbose < 2)
		return 0;
	if (!cb_verbose && level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int agent__check_privileges(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};
	static const struct {
		int cap;
		const char *name;
	} need[] = { { 39, "CAP_BPF" }, { 38, "CAP_PERFMON" }, { 19, "CAP_SYS_PTRACE" } };
	char missing[128] = "";

	if (syscall(SYS_capget, &hdr, data)) {
		cb_err("cannot read capabilities: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		int c = need[i].cap;

		if (!(data[c / 32].effective & (1u << (c % 32)))) {
			if (missing[0])
				strcat(missing, ", ");
			strcat(missing, need[i].name);
		}
	}
	if (missing[0]) {
		cb_err("missing capabilit%s %s: run as root (sudo coldbpf ...)",
		       strchr(missing, ',') ? "ies" : "y", missing);
		return -1;
	}
	return 0;
}

/* --- targets ------------------------------------------------------------ */

static struct target *_target_of(struct agent *a, int pid)
{
	uint64_t *v = u64map__get(&a->by_pid, pid);

	return v ? a->targets[*v - 1] : NULL;
}

static int _register(struct agent *a, const struct pyproc_info *info)
{
	struct target *t = xcalloc(1, sizeof(*t));
	uint32_t pid = info->pid;
	int err;

	t->info = *info;
	t->sym = symtab__new(info->pid, &t->info.layout);
	t->proc = profile__proc(a->prof, info->pid, info->comm, info->cmdline,
				info->layout.version, info->layout.method);
	err = bpf_map_update_elem(bpf_map__fd(a->skel->maps.py_procs), &pid, &t->info.layout.bpf,
				  BPF_ANY);
	if (err) {
		cb_err("cannot register PID %d: %s", info->pid, strerror(errno));
		symtab__free(t->sym);
		free(t);
		return -1;
	}
	if (a->ntargets == a->captargets) {
		a->captargets = a->captargets ? a->captargets * 2 : 16;
		a->targets = xrealloc(a->targets, a->captargets, sizeof(*a->targets));
	}
	a->targets[a->ntargets++] = t;
	*u64map__put(&a->by_pid, pid, NULL) = a->ntargets;
	u64map__del(&a->ignored, pid);
	cb_dbg("profiling PID %d (%s): CPython %s via %s in %s", info->pid, info->comm,
	       info->layout.version, info->layout.method, info->binary);
	return 0;
}

static bool _is_descendant(int pid, int ancestor)
{
	for (int i = 0; i < 64 && pid > 1; i++) {
		if (pid == ancestor)
			return true;
		pid = proc_ppid(pid);
	}
	return pid == ancestor;
}

static bool _wanted(struct agent *a, int pid)
{
	if (pid == getpid())
		return false;
	switch (a->o->mode) {
	case MODE_ALL:
		return true;
	case MODE_CMD:
		return a->child > 0 && _is_descendant(pid, a->child);
	case MODE_PIDS:
		for (size_t i = 0; i < a->o->npids; i++)
			if (a->o->pids[i] == pid)
				return true;
		return false;
	}
	return false;
}

/* Try to make pid a target. Returns the classification. */
static enum classify _consider(struct agent *a, int pid)
{
	struct pyproc_info info;
	char why[320];
	enum classify c;

	c = discovery__classify(a->disc, pid, &info, why, sizeof(why));
	if (c == CL_PYTHON) {
		if (_register(a, &info))
			return CL_ERROR;
	} else if (c == CL_UNSUPPORTED) {
		/* named once per program: the ignore map holds it until it execs */
		cb_err("skipping %s", why);
		profile__skip(a->prof, pid, info.cmdline[0] ? info.cmdline : info.comm, why);
	}
	if (c != CL_PYTHON && c != CL_GONE)
		*u64map__put(&a->ignored, pid, NULL) = info.starttime;
	return c;
}

static void _pending_add(struct agent *a, int pid)
{
	for (size_t i = 0; i < a->npend; i++)
		if (a->pend[i].pid == pid) {
			a->pend[i].since = now_sec();
			return;
		}
	if (a->npend == a->cappend) {
		a->cappend = a->cappend ? a->cappend * 2 : 16;
		a->pend = xrealloc(a->pend, a->cappend, sizeof(*a->pend));
	}
	a->pend[a->npend].pid = pid;
	a->pend[a->npend].since = now_sec();
	a->npend++;
}

static void _pending_run(struct agent *a)
{
	double now = now_sec();
	size_t k = 0;

	for (size_t i = 0; i < a->npend; i++) {
		struct pending p = a->pend[i];
		struct target *t = _target_of(a, p.pid);

		/* the dynamic loader maps libpython after exec: retry for a while */
		if ((!t || t->exited) && _consider(a, p.pid) == CL_NOT_PYTHON && now - p.since < PENDING_SECS)
			a->pend[k++] = p;
	}
	a->npend = k;
}

static void _scan_proc(struct agent *a)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		long pid;
		uint64_t *ign, st;
		struct target *t;

		if (parse_long(de->d_name, 1, INT32_MAX, &pid))
			continue;
		t = _target_of(a, pid);
		if (t && !t->exited)
			continue;
		ign = u64map__get(&a->ignored, pid);
		if (ign && !proc_starttime(pid, &st) && st == *ign)
			continue;	/* same process as before: exec events tell us of changes */
		if (!_wanted(a, pid))
			continue;
		_consider(a, pid);
	}
	closedir(d);
}

/* --- stacks and symbols -------------------------------------------------- */

static struct rawstack *_raw_get(struct agent *a, uint64_t stack_id, uint32_t pid)
{
	uint64_t *v = u64map__get(&a->raw_idx, stack_id);
	struct cb_stack *buf;
	struct rawstack *r;

	if (v)
		return &a->raws[*v - 1];
	buf = xcalloc(1, a->stack_value_size);
	if (bpf_map_lookup_elem(bpf_map__fd(a->skel->maps.stacks), &stack_id, buf)) {
		free(buf);
		return NULL;
	}
	if (buf->depth > (uint32_t)a->o->max_depth)
		buf->depth = a->o->max_depth;
	if (a->nraws == a->capraws) {
		a->capraws = a->capraws ? a->capraws * 2 : 256;
		a->raws = xrealloc(a->raws, a->capraws, sizeof(*a->raws));
	}
	r = &a->raws[a->nraws++];
	r->pid = pid;
	r->depth = buf->depth;
	r->flags = buf->flags;
	r->frames = xcalloc(buf->depth ? buf->depth : 1, sizeof(struct cb_frame));
	memcpy(r->frames, buf->frames, buf->depth * sizeof(struct cb_frame));
	free(buf);
	*u64map__put(&a->raw_idx, stack_id, NULL) = a->nraws;
	return r;
}


static struct srcfile *_srcfile(struct agent *a, const char *path, int pid)
{
	uint64_t h = hash_bytes(path, strlen(path), 0), *v;
	struct srcfile *f;
	size_t len;

	for (;; h++) {
		v = u64map__get(&a->src_idx, h);
		if (!v || !strcmp(a->srcs[*v - 1].path, path))
			break;
	}
	if (v)
		return &a->srcs[*v - 1];
	if (a->nsrcs == a->capsrcs) {
		a->capsrcs = a->capsrcs ? a->capsrcs * 2 : 32;
		a->srcs = xrealloc(a->srcs, a->capsrcs, sizeof(*a->srcs));
	}
	f = &a->srcs[a->nsrcs++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	*u64map__put(&a->src_idx, h, NULL) = a->nsrcs;
	/* the file as the process sees it; once it is gone, the same absolute path here */
	f->data = proc_read_file(pid, path, 16 << 20, &len, true);
	if (!f->data)
		return f;
	for (char *p = f->data; p && *p;) {
		char *nl = strchr(p, '\n');

		if (!(f->nlines & (f->nlines + 1)) || !f->lines)
			f->lines = xrealloc(f->lines, (f->nlines + 1) * 2, sizeof(char *));
		f->lines[f->nlines++] = p;
		if (nl)
			*nl = 0;
		p = nl ? nl + 1 : NULL;
	}
	return f;
}

static void _capture_source(struct agent *a, const char *file, int line, int pid)
{
	uint64_t h = hash_bytes(file, strlen(file), (uint64_t)(uint32_t)line);
	struct srcfile *f;
	bool isnew;
	char *text;
	size_t n;

	if (line <= 0)
		return;
	u64map__put(&a->src_tried, h, &isnew);
	if (!isnew)
		return;	/* a hash collision only costs a missing source text */
	f = _srcfile(a, file, pid);
	if (!f->data || (size_t)line > f->nlines)
		return;
	text = f->lines[line - 1];
	while (*text == ' ' || *text == '\t')
		text++;
	n = strlen(text);
	while (n && (text[n - 1] == '\r' || text[n - 1] == ' '))
		n--;
	char buf[512];
	snprintf(buf, sizeof(buf), "%.*s", (int)(n < 500 ? n : 500), text);
	profile__set_source(a->prof, file, line, buf);
}

static int _on_event(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	const struct cb_event *ev = data;
	struct target *t;
	struct rawstack *r;

	if (size < sizeof(*ev))
		return 0;
	if (ev->type == CB_EV_EXEC) {
		t = _target_of(a, ev->pid);
		if (t && !t->exited && ev->pid == ev->tid) {
			/* a target replaced its program: what ran before has ended */
			t->exited = true;
		}
		u64map__del(&a->ignored, ev->pid);
		if (_wanted(a, ev->pid))
			_pending_add(a, ev->pid);
		return 0;
	}
	if (ev->type != CB_EV_STACK)
		return 0;
	/* symbolize close to the sample: the process may exit before the drain */
	t = _target_of(a, ev->pid);
	if (!t || t->exited)
		return 0;
	r = _raw_get(a, ev->stack_id, ev->pid);
	for (uint32_t i = 0; r && i < r->depth; i++) {
		const struct codeinfo *ci = symtab__resolve(t->sym, a->prof, r->frames[i].code, a->epoch);

		/* the leaf's source line too, while /proc/PID/cwd and root exist */
		if (i == 0 && ci->valid)
			_capture_source(a, a->prof->funcs[ci->func].file,
					symtab__line(t->sym, ci, r->frames[0].lasti), ev->pid);
	}
	return 0;
}

static struct prevcount *_prev_get(struct agent *a, const struct cb_count_key *k, bool create)
{
	uint64_t h = hash_bytes(k, sizeof(*k), 7), *v;
	struct prevcount *pc;

	for (;; h++) {
		v = u64map__get(&a->prev_idx, h);
		if (!v)
			break;
		pc = &a->prev[*v - 1];
		if (!memcmp(&pc->key, k, sizeof(*k)))
			return pc;
	}
	if (!create)
		return NULL;
	if (a->nprev == a->capprev) {
		a->capprev = a->capprev ? a->capprev * 2 : 1024;
		a->prev = xrealloc(a->prev, a->capprev, sizeof(*a->prev));
	}
	pc = &a->prev[a->nprev++];
	pc->key = *k;
	pc->value = 0;
	*u64map__put(&a->prev_idx, h, NULL) = a->nprev;
	return pc;
}

static void _attribute(struct agent *a, const struct cb_count_key *k, uint64_t delta)
{
	struct target *t = _target_of(a, k->pid);
	struct rawstack *r;
	struct pframe *frames;

	if (!t)
		return;
	r = _raw_get(a, k->stack_id, k->pid);
	if (!r)
		return;
	frames = xcalloc(r->depth ? r->depth : 1, sizeof(*frames));
	for (uint32_t i = 0; i < r->depth; i++) {
		const struct codeinfo *ci = symtab__resolve(t->sym, a->prof, r->frames[i].code, a->epoch);
		struct pframe *f = &frames[r->depth - 1 - i];	/* root first */

		if (!ci->valid) {
			f->func = profile__func(a->prof, "<unknown>", "<unknown>", 0);
			f->line = -1;
			a->prof->stats.lost_unresolved += delta;
			continue;
		}
		f->func = ci->func;
		f->line = symtab__line(t->sym, ci, r->frames[i].lasti);
		if (i == 0)
			_capture_source(a, a->prof->funcs[ci->func].file, f->line, k->pid);
	}
	profile__add(a->prof, t->proc, k->tid, frames, r->depth, r->flags, delta);
	free(frames);
}

/* Read every counter; attribute what grew since the last drain. Counters only
 * grow in BPF, so a sample is counted exactly once whatever the timing. */
static void _drain(struct agent *a)
{
	int fd = bpf_map__fd(a->skel->maps.counts);
	struct cb_count_key key, next, *keys = NULL;
	size_t n = 0, cap = 0;
	bool first = true;

	a->epoch++;
	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			keys = xrealloc(keys, cap, sizeof(*keys));
		}
		keys[n++] = next;
		key = next;
		first = false;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t val;
		struct prevcount *pc;
		uint64_t delta;

		if (bpf_map_lookup_elem(fd, &keys[i], &val))
			continue;
		pc = _prev_get(a, &keys[i], true);
		/* a smaller value means the key was deleted and re-created */
		delta = val >= pc->value ? val - pc->value : val;
		pc->value = val;
		if (delta)
			_attribute(a, &keys[i], delta);
	}
	free(keys);
}

/* After a target's final drain: drop its BPF map entries. */
static void _cleanup_pid(struct agent *a, uint32_t pid)
{
	int cfd = bpf_map__fd(a->skel->maps.counts), sfd = bpf_map__fd(a->skel->maps.stacks);
	struct cb_count_key key, next, *dead = NULL;
	size_t n = 0, cap = 0;
	bool first = true;

	bpf_map_delete_elem(bpf_map__fd(a->skel->maps.py_procs), &pid);
	/* one walk collects its keys, then they go: deleting during the walk
	 * would restart it from the first key every time */
	while (!bpf_map_get_next_key(cfd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (next.pid != pid)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			dead = xrealloc(dead, cap, sizeof(*dead));
		}
		dead[n++] = next;
	}
	for (size_t i = 0; i < n; i++) {
		struct prevcount *pc = _prev_get(a, &dead[i], false);

		if (pc)
			pc->value = 0;	/* the key will be gone: a new one starts at 0 */
		bpf_map_delete_elem(cfd, &dead[i]);
		bpf_map_delete_elem(sfd, &dead[i].stack_id);
		u64map__del(&a->raw_idx, dead[i].stack_id);
	}
	free(dead);
}

static void _check_exits(struct agent *a)
{
	bool any = false;

	for (size_t i = 0; i < a->ntargets; i++) {
		struct target *t = a->targets[i];

		if (!t->exited && !proc_alive(t->info.pid, t->info.starttime))
			t->exited = true;
		if (t->exited && !t->cleaned)
			any = true;
	}
	if (!any)
		return;
	_drain(a);	/* the last samples of the dead, with the symbols we already have */
	for (size_t i = 0; i < a->ntargets; i++) {
		struct target *t = a->targets[i];

		if (!t->exited || t->cleaned)
			continue;
		a->prof->procs[t->proc].exited = true;
		symtab__freeze(t->sym);
		if (_target_of(a, t->info.pid) == t)
			_cleanup_pid(a, t->info.pid);
		t->cleaned = true;
	}
}

/* Execution evidence of every live target into the profile: a later scan
 * replaces an earlier one, so a process that exits keeps its last scan. */
static void _scan_evidence(struct agent *a)
{
	for (size_t i = 0; i < a->ntargets; i++) {
		struct target *t = a->targets[i];
		struct ev_scan sc;
		struct pevcode *codes;
		size_t k = 0;
		char why[200];

		if (t->exited || evidence__scan(t->info.pid, &t->info.layout, &sc, why, sizeof(why))) {
			continue;
		}
		codes = xcalloc(sc.n + 1, sizeof(*codes));
		for (size_t j = 0; j < sc.n; j++) {
			if (!strncmp(sc.codes[j].file, "<frozen", 7))
				continue;	/* the interpreter's own, never under a source tree */
			codes[k].func = profile__func(a->prof, sc.codes[j].file, sc.codes[j].qualname,
						      sc.codes[j].firstline);
			codes[k].status = sc.codes[j].status;
			k++;
		}
		cb_dbg("evidence of PID %d: %zu code objects, %" PRIu64 " bytes read", t->info.pid, k,
		       sc.bytes_read);
		profile__set_evidence(a->prof, t->proc, codes, k);
		ev_scan__free(&sc);
	}
}

static bool _all_pids_done(struct agent *a)
{
	if (a->o->mode != MODE_PIDS)
		return false;
	for (size_t i = 0; i < a->ntargets; i++)
		if (!a->targets[i]->exited)
			return false;
	return true;
}

/* --- setup ---------------------------------------------------------------- */

static int _open_perf(struct agent *a)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_freq = a->o->hz,
		.freq = 1,
	};
	int opened = 0;

	a->ncpus = libbpf_num_possible_cpus();
	if (a->ncpus <= 0) {
		cb_err("cannot count CPUs");
		return -1;
	}
	a->pfds = xcalloc(a->ncpus, sizeof(int));
	a->links = xcalloc(a->ncpus, sizeof(*a->links));
	for (int cpu = 0; cpu < a->ncpus; cpu++) {
		int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

		a->pfds[cpu] = -1;
		if (fd < 0) {
			if (errno == ENODEV)
				continue;	/* offline CPU */
			if (errno == EINVAL)
				cb_err("cannot sample at %d Hz (see /proc/sys/kernel/perf_event_max_sample_rate)",
				       a->o->hz);
			else
				cb_err("perf_event_open on CPU %d: %s", cpu, strerror(errno));
			return -1;
		}
		a->pfds[cpu] = fd;
		a->links[cpu] = bpf_program__attach_perf_event(a->skel->progs.cb_sample, fd);
		if (!a->links[cpu]) {
			cb_err("cannot attach the sampler to CPU %d: %s", cpu, strerror(errno));
			return -1;
		}
		opened++;
	}
	if (!opened) {
		cb_err("no online CPU could be sampled");
		return -1;
	}
	cb_dbg("sampling %d CPUs at %d Hz, max depth %d", opened, a->o->hz, a->o->max_depth);
	return 0;
}

static int _start_child(struct agent *a, int *gofd)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC)) {
		cb_err("pipe: %s", strerror(errno));
		return -1;
	}
	a->child = fork();
	if (a->child < 0) {
		cb_err("fork: %s", strerror(errno));
		return -1;
	}
	if (a->child == 0) {
		char c = 0;

		close(p[1]);
		/* wait until the sampler is attached, so no early sample is lost */
		if (read(p[0], &c, 1) != 1 || c != 'g')
			_exit(127);
		execvp(a->o->cmd[0], a->o->cmd);
		fprintf(stderr, "coldbpf: cannot run %s: %s\n", a->o->cmd[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*gofd = p[1];
	return 0;
}

/* coldbpf stopped first (-d, a signal): CMD does not outlive its profiler. */
static void _stop_child(struct agent *a, int sig)
{
	kill(a->child, sig);
	for (int i = 0; i < 40; i++) {
		if (waitpid(a->child, &a->child_status, WNOHANG) == a->child) {
			a->child_done = true;
			return;
		}
		usleep(50000);
	}
	cb_err("note: %s (PID %d) did not exit within 2 s of signal %d; left running",
	       a->o->cmd[0], a->child, sig);
}

static void _read_stats(struct agent *a)
{
	int fd = bpf_map__fd(a->skel->maps.stats);
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals = xcalloc(ncpu, sizeof(uint64_t));
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	a->prof->stats.present = true;
	for (uint32_t k = 0; k < CB_STAT_NR; k++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			sum += vals[c];
		a->prof->stats.counters[k] = sum;
	}
	free(vals);
	if (!bpf_obj_get_info_by_fd(bpf_program__fd(a->skel->progs.cb_sample), &info, &len)) {
		a->prof->stats.run_cnt = info.run_cnt;
		a->prof->stats.run_time_ns = info.run_time_ns;
	}
}

static void _free(struct agent *a)
{
	for (int i = 0; a->links && i < a->ncpus; i++) {
		bpf_link__destroy(a->links[i]);
		if (a->pfds[i] >= 0)
			close(a->pfds[i]);
	}
	free(a->links);
	free(a->pfds);
	ring_buffer__free(a->rb);
	sampler__destroy(a->skel);
	if (a->stats_fd >= 0)
		close(a->stats_fd);
	discovery__free(a->disc);
	for (size_t i = 0; i < a->ntargets; i++) {
		symtab__free(a->targets[i]->sym);
		free(a->targets[i]);
	}
	free(a->targets);
	for (size_t i = 0; i < a->nraws; i++)
		free(a->raws[i].frames);
	free(a->raws);
	free(a->prev);
	free(a->pend);
	for (size_t i = 0; i < a->nsrcs; i++) {
		free(a->srcs[i].path);
		free(a->srcs[i].data);
		free(a->srcs[i].lines);
	}
	free(a->srcs);
	u64map__free(&a->by_pid);
	u64map__free(&a->ignored);
	u64map__free(&a->raw_idx);
	u64map__free(&a->prev_idx);
	u64map__free(&a->src_idx);
	u64map__free(&a->src_tried);
}

int agent__run(const struct agent_opts *o, struct profile *prof)
{
	struct agent a = { .o = o, .prof = prof, .stats_fd = -1 };
	double start, last_scan = 0, last_drain, last_evidence;
	int err = 1, gofd = -1;
	time_t wall = time(NULL);
	struct tm tm;

	u64map__init(&a.by_pid);
	u64map__init(&a.ignored);
	u64map__init(&a.raw_idx);
	u64map__init(&a.prev_idx);
	u64map__init(&a.src_idx);
	u64map__init(&a.src_tried);
	a.disc = discovery__new();
	prof->frequency_hz = o->hz;
	prof->max_depth = o->max_depth;
	gmtime_r(&wall, &tm);
	strftime(prof->started, sizeof(prof->started), "%Y-%m-%dT%H:%M:%SZ", &tm);

	/* targets given by PID are checked before anything is loaded */
	if (o->mode == MODE_PIDS) {
		for (size_t i = 0; i < o->npids; i++) {
			struct pyproc_info info;
			char why[320];

			if (discovery__classify(a.disc, o->pids[i], &info, why, sizeof(why)) != CL_PYTHON) {
				cb_err("%s", why);
				goto cleanup;
			}
		}
	}

	libbpf_set_print(_libbpf_print);
	a.skel = sampler__open();
	if (!a.skel) {
		cb_err("cannot open the BPF object: %s", strerror(errno));
		goto cleanup;
	}
	a.skel->rodata->max_depth = o->max_depth;
	a.stack_value_size = offsetof(struct cb_stack, frames) + o->max_depth * sizeof(struct cb_frame);
	bpf_map__set_value_size(a.skel->maps.stacks, a.stack_value_size);
	if (sampler__load(a.skel)) {
		cb_err("cannot load the BPF sampler: %s (is this Linux >= 5.17 with BTF? run with -v)",
		       strerror(errno));
		goto cleanup;
	}
	a.stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);	/* optional: --stats shows it */
	a.skel->links.cb_exec = bpf_program__attach(a.skel->progs.cb_exec);
	if (!a.skel->links.cb_exec) {
		cb_err("cannot attach the exec tracepoint: %s", strerror(errno));
		goto cleanup;
	}
	a.rb = ring_buffer__new(bpf_map__fd(a.skel->maps.events), _on_event, &a, NULL);
	if (!a.rb) {
		cb_err("cannot open the ring buffer: %s", strerror(errno));
		goto cleanup;
	}

	if (o->mode == MODE_PIDS) {
		for (size_t i = 0; i < o->npids; i++)
			if (_consider(&a, o->pids[i]) != CL_PYTHON) {
				cb_err("PID %d is no longer a CPython process", o->pids[i]);
				goto cleanup;
			}
	} else if (o->mode == MODE_ALL) {
		_scan_proc(&a);
	} else if (_start_child(&a, &gofd)) {
		goto cleanup;
	}
	if (_open_perf(&a))
		goto cleanup;
	if (gofd >= 0) {
		if (write(gofd, "g", 1) != 1) {
			cb_err("cannot start %s", o->cmd[0]);
			goto cleanup;
		}
		close(gofd);
		gofd = -1;
	}

	start = last_drain = now_sec();
	last_evidence = start - EVIDENCE_SECS + 1.0;	/* first scan after 1 s */
	while (!*o->stop) {
		double now;
		int r = ring_buffer__poll(a.rb, TICK_MS);

		/* stack events do not wake us (BPF_RB_NO_WAKEUP): consume each tick */
		if (r >= 0 || r == -EINTR)
			r = ring_buffer__consume(a.rb);
		if (r < 0 && r != -EINTR) {
			cb_err("ring buffer: %s", strerror(-r));
			goto cleanup;
		}
		_pending_run(&a);
		now = now_sec();
		if (o->mode == MODE_CMD && !a.child_done &&
		    waitpid(a.child, &a.child_status, WNOHANG) == a.child)
			a.child_done = true;
		if (now - last_scan >= SCAN_SECS || a.child_done) {
			last_scan = now;
			if (o->mode != MODE_PIDS)
				_scan_proc(&a);
			_check_exits(&a);
		}
		if (now - last_drain >= o->drain_interval) {
			last_drain = now;
			_drain(&a);
		}
		if (o->evidence && now - last_evidence >= EVIDENCE_SECS) {
			last_evidence = now;
			_scan_evidence(&a);
		}
		if (a.child_done || _all_pids_done(&a))
			break;
		if (o->duration > 0 && now - start >= o->duration)
			break;
	}
	/* final: symbolize what is queued, then count everything once more */
	ring_buffer__consume(a.rb);
	_check_exits(&a);
	if (o->evidence)
		_scan_evidence(&a);
	_drain(&a);
	prof->duration_s = now_sec() - start;
	_read_stats(&a);
	if (o->mode == MODE_CMD && !a.child_done) {
		_stop_child(&a, *o->stop == SIGINT ? SIGINT : SIGTERM);
	} else if (o->mode == MODE_CMD) {
		if (WIFEXITED(a.child_status) && WEXITSTATUS(a.child_status))
			cb_err("note: %s exited with status %d", o->cmd[0], WEXITSTATUS(a.child_status));
		else if (WIFSIGNALED(a.child_status))
			cb_err("note: %s was killed by signal %d", o->cmd[0], WTERMSIG(a.child_status));
	}
	err = 0;
cleanup:
	if (gofd >= 0)
		close(gofd);	/* the child sees EOF and exits without running CMD */
	if (o->mode == MODE_CMD && a.child > 0 && !a.child_done) {
		if (err)
			waitpid(a.child, NULL, 0);
	}
	_free(&a);
	return err;
}
