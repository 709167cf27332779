// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/targets.h"
#include "collect/filter.h"
#include "collect/usdtopt.h"
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cpython/elfinfo.h"
#include "cpython/symtab.h"
#include "lib/alloc.h"
#include "lib/clock.h"
#include "lib/msg.h"
#include "lib/procfs.h"
#include "lib/str.h"
#include "profile/profile.h"

#define PENDING_SECS 2.0	/* how long a fresh exec is re-checked for a runtime */
#define RECHECK_SECS 10.0	/* a process without CPython whose size changed: looked at again at most this often */

void targets__init(struct targets *t, const struct agent_opts *o, struct profile *prof, int py_procs_fd,
		   struct cb_quota *quota, int fresh_fd)
{
	memset(t, 0, sizeof(*t));
	t->fresh_fd = fresh_fd;
	t->o = o;
	t->prof = prof;
	t->py_procs_fd = py_procs_fd;
	t->quota = quota;
	t->cl = classifier__new();
}

/* A quota slot for a new target: -1 when all CB_SLOTS are taken (the
 * py_procs map, of the same size, is full then too). */
static int slot_get(struct targets *t)
{
	if (t->nfree_slots)
		return t->free_slots[--t->nfree_slots];
	return t->next_slot < CB_SLOTS ? (int)t->next_slot++ : -1;
}

static void slot_put(struct targets *t, uint16_t slot)
{
	if (t->quota)
		memset(&t->quota[slot], 0, sizeof(t->quota[slot]));
	ARRAY_RESERVE(t->free_slots, t->nfree_slots, t->capfree_slots, 64);
	t->free_slots[t->nfree_slots++] = slot;
}

void targets__stack_gone(struct targets *t, uint32_t pid)
{
	struct target *tg = targets__of(t, pid);
	uint32_t *s, v;

	if (!tg || !t->quota)
		return;
	s = &t->quota[tg->info.layout.bpf.slot].stacks;
	v = __atomic_load_n(s, __ATOMIC_RELAXED);
	/* the program adds concurrently: never below 0 */
	while (v && !__atomic_compare_exchange_n(s, &v, v - 1, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void read_drops(struct targets *t, struct target *tg)
{
	if (t->quota)
		t->prof->procs[tg->proc].dropped =
			__atomic_load_n(&t->quota[tg->info.layout.bpf.slot].drops, __ATOMIC_RELAXED);
}

void targets__read_drops(struct targets *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (!t->v[i]->cleaned)
			read_drops(t, t->v[i]);
}

void targets__drop_symbols(struct targets *t, struct target *tg)
{
	if (!tg->sym)
		return;
	t->prof->stats.counters[CTR_SYMBOLS_EVICTED] += symtab__evicted(tg->sym);
	symtab__free(tg->sym);
	tg->sym = NULL;
}

void targets__free(struct targets *t)
{
	classifier__free(t->cl);
	for (size_t i = 0; i < t->n; i++) {
		targets__drop_symbols(t, t->v[i]);
		htab__free(&t->v[i]->tids);
		free(t->v[i]);
	}
	free(t->v);
	free(t->pend);
	free(t->free_slots);
	htab__free(&t->by_pid);
	htab__free(&t->ignored);
	htab__free(&t->refused);
	free(t->ign);
}

struct target *targets__of(struct targets *t, int pid)
{
	uint64_t *v = htab__get(&t->by_pid, pid);

	return v ? t->v[*v - 1] : NULL;
}

static void unignore(struct targets *t, int pid)
{
	uint64_t *v = htab__get(&t->ignored, pid);
	size_t i;

	if (!v)
		return;
	i = *v - 1;
	htab__del(&t->ignored, pid);
	if (i != t->nign - 1) {
		t->ign[i] = t->ign[t->nign - 1];	/* the last one moves into the hole */
		*htab__put(&t->ignored, t->ign[i].pid, NULL) = i + 1;
	}
	t->nign--;
}

static void ignore(struct targets *t, int pid, uint64_t starttime)
{
	uint64_t vsize = 0, st;
	struct ignored *g;

	unignore(t, pid);
	if (procfs__stat(pid, &st, &vsize) || st != starttime)
		return;	/* gone or replaced meanwhile: the next scan looks again */
	ARRAY_RESERVE(t->ign, t->nign, t->capign, 64);
	g = &t->ign[t->nign++];
	g->pid = pid;
	g->starttime = starttime;
	g->vsize = vsize;
	g->checked = clock__now();
	g->seen = t->scans;
	*htab__put(&t->ignored, pid, NULL) = t->nign;
}

/* symtab's callback: functions are the profile's */
static uint32_t intern(void *ctx, const char *file, const char *qualname, int firstline)
{
	return profile__func(ctx, file, qualname, firstline);
}

static int add(struct targets *t, const struct pyproc_info *info, double classified)
{
	struct target *tg = xcalloc(1, sizeof(*tg));
	uint32_t pid = info->pid;
	int slot = slot_get(t);

	if (slot < 0) {
		msg__err("cannot profile PID %d: %d CPython processes are profiled already", info->pid, CB_SLOTS);
		free(tg);
		return -1;
	}
	tg->info = *info;
	tg->info.layout.bpf.slot = slot;
	tg->info.layout.bpf.flags &= ~(CB_LF_GC_MARKS | CB_LF_GC_STATE);
	/* kept off it (--usdt-exclude, or its own COLDBPF_USDT=off; the
	 * latter not for `coldbpf audit`): no probe, so its <gc> frame comes
	 * from the GC state where there is one (a read, no write) */
	if (t->o->usdt)
		tg->usdt_off = usdtopt__check(t->o->usdt_exclude, t->o->usdt & ~PU_AUDIT, info->pid);
	if (t->gc_frames && t->gc_marks && !tg->usdt_off && (info->markers & (1u << PYM_GC_START)) &&
	    (info->markers & (1u << PYM_GC_DONE)))
		tg->info.layout.bpf.flags |= CB_LF_GC_MARKS;
	else if (t->gc_frames && info->layout.bpf.gc_collecting)
		tg->info.layout.bpf.flags |= CB_LF_GC_STATE;
	tg->classified = classified;
	tg->sym = symtab__new(info->pid, &tg->info.layout, intern, t->prof);
	tg->proc = profile__proc(t->prof, info->pid, info->comm, info->cmdline, info->layout.version,
				 info->layout.method);
	{
		char root[PATH_MAX], cwd[PATH_MAX];

		procfs__link(info->pid, "root", root, sizeof(root));
		procfs__link(info->pid, "cwd", cwd, sizeof(cwd));
		profile__proc_place(t->prof, tg->proc, root, cwd);
	}
	{
		int ns = procfs__nspid(info->pid);

		t->prof->procs[tg->proc].nspid = ns > 0 && ns != info->pid ? ns : 0;
	}
	if (bpf_map_update_elem(t->py_procs_fd, &pid, &tg->info.layout.bpf, BPF_ANY)) {
		msg__err("cannot register PID %d: %s", info->pid, strerror(errno));
		profile__exited(t->prof, tg->proc);	/* no samples: folded away in time */
		slot_put(t, slot);
		symtab__free(tg->sym);
		free(tg);
		return -1;
	}
	ARRAY_RESERVE(t->v, t->n, t->cap, 16);
	t->v[t->n++] = tg;
	*htab__put(&t->by_pid, pid, NULL) = t->n;
	unignore(t, pid);
	htab__del(&t->refused, pid);
	msg__dbg("profiling PID %d (%s): CPython %s via %s in %s", info->pid, info->comm,
		 info->layout.version, info->layout.method, info->binary);
	if (t->added)
		t->added(t->added_ctx, tg);
	return 0;
}

static bool is_descendant(int pid, int ancestor)
{
	for (int i = 0; i < 64 && pid > 1; i++) {
		if (pid == ancestor)
			return true;
		pid = procfs__ppid(pid);
	}
	return pid == ancestor;
}

static bool wanted(const struct targets *t, int pid)
{
	if (pid == getpid())
		return false;
	switch (t->o->mode) {
	case MODE_ALL:
		return true;
	case MODE_CMD:
		return t->child > 0 && is_descendant(pid, t->child);
	case MODE_PIDS:
		for (size_t i = 0; i < t->o->npids; i++)
			if (t->o->pids[i] == pid)
				return true;
		return false;
	}
	return false;
}

/* Samples of pid between its exec and now: lost for a process that is
 * profiled from now on (counted), nothing for one that is not. */
static void take_fresh(struct targets *t, uint32_t pid, bool profiled)
{
	uint64_t n = 0;

	if (t->fresh_fd < 0 || bpf_map_lookup_and_delete_elem(t->fresh_fd, &pid, &n))
		return;
	if (profiled)
		t->prof->stats.counters[CTR_SAMPLES_BEFORE_CLASSIFIED] += n;
}

/* --include/--exclude under --all-python leave pid out: it is counted and
 * not read, looked at again only when it maps something new or execs, as a
 * non-Python one. True when it was left out. */
static bool filter_out(struct targets *t, int pid)
{
	uint64_t st;

	if (t->o->mode != MODE_ALL || !t->o->filter || filter__wants(t->o->filter, pid))
		return false;
	if (!procfs__starttime(pid, &st))
		ignore(t, pid, st);
	t->prof->stats.counters[CTR_PROCS_FILTERED]++;
	return true;
}

enum classify targets__consider(struct targets *t, int pid)
{
	struct pyproc_info info;
	char why[320];
	enum classify c;
	double began = clock__now();

	if (filter_out(t, pid))
		return CL_NOT_PYTHON;
	c = classifier__classify(t->cl, pid, &info, why, sizeof(why));
	if (c != CL_NOT_PYTHON)
		take_fresh(t, pid, c == CL_PYTHON);
	if (c == CL_PYTHON) {
		if (add(t, &info, began))
			return CL_ERROR;
	} else if (c == CL_UNSUPPORTED || c == CL_ERROR) {
		/* named once per program: the ignore map holds it until it execs */
		msg__err("skipping %s", why);
		profile__skip(t->prof, pid, info.cmdline[0] ? info.cmdline : info.comm, why);
	}
	if (c == CL_UNSUPPORTED || c == CL_ERROR)
		*htab__put(&t->refused, pid, NULL) = info.starttime;
	else if (c == CL_NOT_PYTHON)
		ignore(t, pid, info.starttime);
	return c;
}

static void pending_add(struct targets *t, int pid)
{
	double now = clock__now();

	for (size_t i = 0; i < t->npend; i++)
		if (t->pend[i].pid == pid) {
			t->pend[i].since = now;
			return;
		}
	ARRAY_RESERVE(t->pend, t->npend, t->cappend, 16);
	t->pend[t->npend].pid = pid;
	t->pend[t->npend].since = now;
	t->npend++;
}

void targets__on_exec(struct targets *t, int pid, int tid, double when)
{
	struct target *tg = targets__of(t, pid);

	/* a target replaced its program: what ran before has ended. Not when
	 * it was classified after the exec (a /proc scan found the new
	 * program before this event was read): that is one process, once */
	if (tg && !tg->exited && pid == tid && when >= tg->classified)
		tg->exited = true;
	unignore(t, pid);
	htab__del(&t->refused, pid);
	if (wanted(t, pid))
		pending_add(t, pid);
}

void targets__retry_pending(struct targets *t)
{
	double now = clock__now();
	size_t k = 0;

	for (size_t i = 0; i < t->npend; i++) {
		struct pending p = t->pend[i];
		struct target *tg = targets__of(t, p.pid);

		if (tg && !tg->exited)
			continue;
		/* filters look at what the exec set (executable, script, user,
		 * cgroup): decided once, not retried (a busy host execs
		 * thousands of processes a minute) */
		if (filter_out(t, p.pid)) {
			take_fresh(t, p.pid, false);
			continue;
		}
		/* the dynamic loader maps libpython after exec (or a plugin host
		 * dlopen()s it later): retry every tick for a while */
		if (targets__consider(t, p.pid) == CL_NOT_PYTHON) {
			if (now - p.since < PENDING_SECS)
				t->pend[k++] = p;
			else
				take_fresh(t, p.pid, false);	/* not a CPython after all */
		}
	}
	t->npend = k;
}

void targets__scan_proc(struct targets *t)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return;
	t->scans++;
	while ((de = readdir(d))) {
		long pid;
		uint64_t *ign, st;
		struct target *tg;

		if (str__parse_long(de->d_name, 1, INT32_MAX, &pid))
			continue;
		tg = targets__of(t, pid);
		if (tg && !tg->exited)
			continue;
		ign = htab__get(&t->ignored, pid);
		if (ign) {
			struct ignored *g = &t->ign[*ign - 1];
			uint64_t vs;

			g->seen = t->scans;
			/* same process, same memory size: nothing new was mapped (an
			 * exec is an event); a size change is looked at, but rarely */
			if (!procfs__stat(pid, &st, &vs) && st == g->starttime &&
			    (vs == g->vsize || clock__now() - g->checked < RECHECK_SECS))
				continue;
		} else if ((ign = htab__get(&t->refused, pid)) && !procfs__starttime(pid, &st) && st == *ign) {
			continue;	/* named once; an exec event clears it */
		}
		if (!wanted(t, pid))
			continue;
		targets__consider(t, pid);
	}
	closedir(d);
	/* processes gone since: their entries go (churn must not grow this) */
	for (size_t i = 0; i < t->nign;) {
		if (t->ign[i].seen != t->scans && t->ign[i].seen != t->scans - 1)
			unignore(t, t->ign[i].pid);	/* i now holds the moved one */
		else
			i++;
	}
}

bool targets__find_exited(struct targets *t)
{
	bool any = false;

	for (size_t i = 0; i < t->n; i++) {
		struct target *tg = t->v[i];

		if (!tg->exited && !procfs__alive(tg->info.pid, tg->info.starttime))
			tg->exited = true;
		if (tg->exited && !tg->cleaned)
			any = true;
	}
	return any;
}

void targets__reap(struct targets *t)
{
	for (size_t i = 0; i < t->n;) {
		struct target *tg = t->v[i];
		uint64_t *v;

		if (!tg->cleaned) {
			i++;
			continue;
		}
		v = htab__get(&t->by_pid, tg->info.pid);
		if (v && *v == i + 1)
			htab__del(&t->by_pid, tg->info.pid);
		targets__drop_symbols(t, tg);
		htab__free(&tg->tids);
		read_drops(t, tg);	/* its last count, then the slot is free */
		slot_put(t, tg->info.layout.bpf.slot);
		free(tg);
		if (i != t->n - 1) {
			t->v[i] = t->v[t->n - 1];	/* the last one moves into the hole */
			v = htab__get(&t->by_pid, t->v[i]->info.pid);
			if (v && *v == t->n)
				*v = i + 1;
		}
		t->n--;
	}
}

bool targets__all_exited(const struct targets *t)
{
	if (t->o->mode != MODE_PIDS)
		return false;
	for (size_t i = 0; i < t->n; i++)
		if (!t->v[i]->exited)
			return false;
	return true;
}
