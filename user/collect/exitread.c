// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/exitread.h"
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "collect/attach.h"
#include "collect/exitset.h"
#include "collect/targets.h"
#include "lib/alloc.h"
#include "lib/clock.h"
#include "lib/htab.h"
#include "lib/msg.h"
#include "profile/profile.h"
#include "exitprobe.h"
#include "exitread.skel.h"

#define GRACE_SECS 2.0	/* a superseded set stays this long: a read may be under way */

struct range {
	uint32_t start, len;
};

struct child {
	uint64_t gen;
	uint32_t parent;
	uint32_t tgid;	/* its key in children */
};

struct exitread {
	struct exitread_skel *skel;
	struct attach links;
	struct ring_buffer *rb;
	struct xset **sets;
	size_t nsets, capsets;
	struct htab by_gen;		/* gen -> index + 1 into sets */
	struct htab children;		/* tgid -> index + 1 into kids */
	struct child *kids;
	size_t nkids, capkids;
	struct range *free;		/* free probe slots, sorted, merged */
	size_t nfree, capfree;
	uint64_t next_gen;
	/* the poll's context */
	struct targets *tg;
	struct profile *prof;
};

/* Write a set's probes into slots [at, at + n) of the xprobes map with one
 * batched system call (element by element where the kernel has no batch
 * update). The map is not mmap'ed: mapped, its 6 MB counted in the agent's
 * resident memory whatever the sets used; a set is written once per round. */
static int write_probes(struct exitread *x, uint32_t at, const struct cb_xprobe *v, uint32_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int fd = bpf_map__fd(x->skel->maps.xprobes);
	uint32_t *keys, count = n;
	int err;

	if (!n)
		return 0;
	keys = xcalloc(n, sizeof(*keys));
	for (uint32_t i = 0; i < n; i++)
		keys[i] = at + i;
	err = bpf_map_update_batch(fd, keys, v, &count, &opts);
	if (err) {	/* no batch operations: one by one */
		err = 0;
		for (uint32_t i = 0; i < n && !err; i++)
			err = bpf_map_update_elem(fd, &keys[i], &v[i], BPF_ANY);
	}
	free(keys);
	return err ? -1 : 0;
}

static int on_event(void *ctx, void *data, size_t size);

struct exitread *exitread__open(int py_procs_fd)
{
	struct exitread *x = xcalloc(1, sizeof(*x));
	int err = -1;

	attach__init(&x->links, "exit-read");
	x->skel = exitread_skel__open();
	if (x->skel && !bpf_map__reuse_fd(x->skel->maps.py_procs, py_procs_fd))
		err = exitread_skel__load(x->skel);
	if (err) {
		msg__err("note: exit reads are off (cannot load their BPF program: %s): processes that exit "
			 "during the run leave their never-ran claims unknown", strerror(errno));
		goto fail;
	}
	if (attach__program(&x->links, x->skel->progs.cb_xexit) ||
	    attach__program(&x->links, x->skel->progs.cb_xfork) ||
	    attach__program(&x->links, x->skel->progs.cb_xexec_done)) {
		msg__err("note: exit reads are off: processes that exit during the run leave their never-ran "
			 "claims unknown");
		goto fail;
	}
	x->rb = ring_buffer__new(bpf_map__fd(x->skel->maps.xevents), on_event, x, NULL);
	if (!x->rb) {
		msg__err("note: exit reads are off (no ring buffer: %s)", strerror(errno));
		goto fail;
	}
	ARRAY_RESERVE(x->free, x->nfree, x->capfree, 64);
	x->free[x->nfree++] = (struct range){ 0, CB_XPROBES };
	x->next_gen = 1;
	msg__dbg("exit reads: on");
	return x;
fail:
	exitread__free(x);
	return NULL;
}

void exitread__free(struct exitread *x)
{
	if (!x)
		return;
	attach__free(&x->links);	/* detached first: nothing reads the probes any more */
	ring_buffer__free(x->rb);
	exitread_skel__destroy(x->skel);
	for (size_t i = 0; i < x->nsets; i++)
		xset__free(x->sets[i]);
	free(x->sets);
	free(x->kids);
	free(x->free);
	htab__free(&x->by_gen);
	htab__free(&x->children);
	free(x);
}

/* First fit; UINT32_MAX when no run of n slots is free. */
static uint32_t slots_get(struct exitread *x, uint32_t n)
{
	for (size_t i = 0; i < x->nfree; i++) {
		struct range *r = &x->free[i];
		uint32_t at = r->start;

		if (r->len < n)
			continue;
		r->start += n;
		r->len -= n;
		if (!r->len)
			memmove(r, r + 1, (x->nfree - i - 1) * sizeof(*r)), x->nfree--;
		return at;
	}
	return UINT32_MAX;
}

static void slots_put(struct exitread *x, uint32_t start, uint32_t n)
{
	size_t i = 0;

	if (!n)
		return;
	while (i < x->nfree && x->free[i].start < start)
		i++;
	ARRAY_RESERVE(x->free, x->nfree, x->capfree, 64);
	memmove(&x->free[i + 1], &x->free[i], (x->nfree - i) * sizeof(*x->free));
	x->free[i] = (struct range){ start, n };
	x->nfree++;
	if (i + 1 < x->nfree && x->free[i].start + x->free[i].len == x->free[i + 1].start) {
		x->free[i].len += x->free[i + 1].len;
		memmove(&x->free[i + 1], &x->free[i + 2], (x->nfree - i - 2) * sizeof(*x->free));
		x->nfree--;
	}
	if (i > 0 && x->free[i - 1].start + x->free[i - 1].len == x->free[i].start) {
		x->free[i - 1].len += x->free[i].len;
		memmove(&x->free[i], &x->free[i + 1], (x->nfree - i - 1) * sizeof(*x->free));
		x->nfree--;
	}
}

static struct xset *set_of(struct exitread *x, uint64_t gen)
{
	uint64_t *v = gen ? htab__get(&x->by_gen, gen) : NULL;

	return v ? x->sets[*v - 1] : NULL;
}

/* Sets nobody holds, past their grace, go (their slots are free again). */
static void sweep(struct exitread *x, double now)
{
	for (size_t i = 0; i < x->nsets;) {
		struct xset *s = x->sets[i];

		if (s->refs > 0 || now < s->retire_at) {
			i++;
			continue;
		}
		htab__del(&x->by_gen, s->gen);
		slots_put(x, s->start, s->n);
		xset__free(s);
		x->sets[i] = x->sets[--x->nsets];
		if (i < x->nsets)
			*htab__put(&x->by_gen, x->sets[i]->gen, NULL) = i + 1;
	}
}

static void unref(struct exitread *x, struct xset *s)
{
	if (!s)
		return;
	s->refs--;
	s->retire_at = clock__now() + GRACE_SECS;
}

/* A child's inherited set is no longer needed (it exited, or has its own). */
static void child_done(struct exitread *x, uint32_t tgid)
{
	uint64_t *v = htab__get(&x->children, tgid);
	size_t i;

	if (!v)
		return;
	i = *v - 1;
	htab__del(&x->children, tgid);
	unref(x, set_of(x, x->kids[i].gen));
	x->kids[i] = x->kids[--x->nkids];
	if (i < x->nkids)	/* the last one moved to i */
		*htab__put(&x->children, x->kids[i].tgid, NULL) = i + 1;
}

static struct xset *current_of(struct exitread *x, int pid, uint64_t starttime)
{
	for (size_t i = 0; i < x->nsets; i++)
		if (x->sets[i]->current && x->sets[i]->pid == pid && x->sets[i]->starttime == starttime)
			return x->sets[i];
	return NULL;
}

void exitread__publish(struct exitread *x, struct profile *prof, const struct target *t, const struct ev_scan *sc,
		       const struct pevcode *codes, size_t n, const uint32_t *kidx)
{
	uint32_t pid = t->info.pid, nmark = 0, total, at;
	const struct pproc *r = &prof->procs[t->proc];
	struct xset *old, *s;
	struct cb_xprobe *stage;
	struct cb_xwatch w;

	if (!x)
		return;
	old = current_of(x, t->info.pid, t->info.starttime);
	sweep(x, clock__now());
	for (size_t i = 0; i < sc->nwatch; i++)
		nmark += sc->watch[i].probe.len && kidx[sc->watch[i].code] != UINT32_MAX;
	total = sc->nguards + nmark;
	if (total > CB_XSET_MAX)
		total = CB_XSET_MAX;
	at = slots_get(x, total);
	if (at == UINT32_MAX) {
		msg__dbg("exit reads: no room for PID %d's %u probes: its exit will be unread", t->info.pid, total);
		bpf_map_delete_elem(bpf_map__fd(x->skel->maps.xwatch), &pid);
		goto superseded;
	}
	s = xcalloc(1, sizeof(*s));
	s->gen = x->next_gen++;
	s->start = at;
	s->n = total;
	s->nguards = sc->nguards;
	s->complete = sc->guards_complete;
	s->codes = xcalloc(n + 1, sizeof(*s->codes));
	memcpy(s->codes, codes, n * sizeof(*codes));
	for (size_t i = 0; i < n; i++)
		s->codes[i].lines = NULL;	/* the profile owns them; an exit read gives none */
	s->ncodes = n;
	s->code = xcalloc(total + 1, sizeof(*s->code));
	stage = xcalloc(total + 1, sizeof(*stage));
	s->probed = xcalloc(n + 1, sizeof(*s->probed));
	s->pid = t->info.pid;
	s->starttime = t->info.starttime;
	s->proc = t->proc;
	s->comm = xset__dup(r->comm);
	s->cmdline = xset__dup(r->cmdline);
	s->python = xset__dup(r->python);
	s->method = xset__dup(r->method);
	s->root = xset__dup(r->root);
	s->cwd = xset__dup(r->cwd);
	for (uint32_t i = 0; i < sc->nguards; i++) {
		const struct ev_probe *p = &sc->guards[i].p;

		s->gkind[i] = sc->guards[i].kind;
		stage[i] = (struct cb_xprobe){ p->addr, p->value, p->len, 0 };
	}
	for (size_t i = 0, k = sc->nguards; i < sc->nwatch; i++) {
		const struct ev_watch *wt = &sc->watch[i];
		uint32_t c = kidx[wt->code];

		if (c == UINT32_MAX)
			continue;
		if (!wt->probe.len || k >= total) {
			/* a never-ran copy without a probe: the code cannot be
			 * proven at the exit */
			if (s->codes[c].status == EV_NEVER)
				s->codes[c].status = EV_UNKNOWN;
			continue;
		}
		stage[k] = (struct cb_xprobe){ wt->probe.addr, wt->probe.value, wt->probe.len, 0 };
		s->code[k - sc->nguards] = c;
		s->probed[c]++;
		k++;
	}
	/* the probes are in place (a system call) before the watch names them */
	if (write_probes(x, at, stage, total)) {
		msg__dbg("exit reads: cannot write PID %d's probes: %s", t->info.pid, strerror(errno));
		free(stage);
		slots_put(x, s->start, s->n);
		xset__free(s);
		goto superseded;
	}
	free(stage);
	w = (struct cb_xwatch){ s->gen, s->start, s->n };
	if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.xwatch), &pid, &w, BPF_ANY)) {
		msg__dbg("exit reads: cannot watch PID %d: %s", t->info.pid, strerror(errno));
		slots_put(x, s->start, s->n);
		xset__free(s);
		goto superseded;
	}
	s->refs = 1;
	s->current = true;
	ARRAY_RESERVE(x->sets, x->nsets, x->capsets, 16);
	x->sets[x->nsets++] = s;
	*htab__put(&x->by_gen, s->gen, NULL) = x->nsets;
	msg__dbg("exit reads: PID %d watched (%u probes, set %" PRIu64 ")", t->info.pid, s->n, (uint64_t)s->gen);
superseded:
	if (old) {
		old->current = false;
		unref(x, old);
	}
	child_done(x, pid);	/* it has its own set now */
}

void exitread__retire(struct exitread *x, const struct target *t)
{
	struct xset *s;

	if (!x)
		return;
	s = current_of(x, t->info.pid, t->info.starttime);
	if (s) {
		s->current = false;
		unref(x, s);
	}
}

static struct target *live_target(struct targets *tg, int pid)
{
	struct target *t = targets__of(tg, pid);

	return t && !t->cleaned ? t : NULL;
}

/* A process of s's program seen only at its exit. */
static uint32_t new_proc(struct profile *prof, const struct xset *s, int pid)
{
	uint32_t r = profile__proc(prof, pid, s->comm ? s->comm : "?", s->cmdline ? s->cmdline : "?",
				   s->python ? s->python : "?", s->method ? s->method : "");

	profile__proc_place(prof, r, s->root, s->cwd);
	profile__exited(prof, r);
	return r;
}

static void on_exit_event(struct exitread *x, const struct cb_xevent *ev)
{
	struct profile *prof = x->prof;
	uint64_t *ctr = prof->stats.counters;
	struct xset *s = set_of(x, ev->gen);
	struct target *t = live_target(x->tg, ev->tgid);
	bool owner = s && s->pid == (int)ev->tgid && t && t->proc == s->proc, late;
	struct pevcode *codes;
	size_t n;

	ctr[CTR_EXIT_NS] += ev->ns;
	if (!s) {
		/* no set (a child of a process not read yet), or one already
		 * gone: a target is retired unread; a child never seen counts,
		 * as a process of its parent's program */
		uint64_t *v = htab__get(&x->children, ev->tgid);
		struct target *p = v ? live_target(x->tg, x->kids[*v - 1].parent) : NULL;

		if (!t && p) {
			const struct pproc *pr = &prof->procs[p->proc];
			uint32_t r = profile__proc(prof, ev->tgid, pr->comm, pr->cmdline, pr->python, pr->method);

			profile__proc_place(prof, r, pr->root, pr->cwd);
			profile__exited(prof, r);
			prof->procs[r].unread = 1;
			ctr[CTR_EXIT_UNREAD]++;
		}
		child_done(x, ev->tgid);
		return;
	}
	if (owner || (t && s->pid != (int)ev->tgid && !profile__has_evidence(prof, t->proc))) {
		/* the owner, or a classified child not read yet (its parent's set) */
		if (!prof->procs[t->proc].final && xset__result(s, ev, &codes, &late, false, &n)) {
			profile__set_evidence(prof, t->proc, codes, n);
			prof->procs[t->proc].final = true;
			prof->procs[t->proc].late = late;
			ctr[CTR_EXIT_READ]++;
			ctr[CTR_EXIT_INCOMPLETE] += late;
		} else if (!prof->procs[t->proc].final) {
			ctr[CTR_EXIT_INCOMPLETE]++;
		}
	} else if (!t) {
		/* a child seen only now: what it ran beyond its parent is
		 * recorded. If it imported modules since its parent's round, its
		 * claims hold on the files the set covers (every code object of
		 * them was there), and the late rule covers the others: it is
		 * recorded whole. */
		if (!xset__result(s, ev, &codes, &late, false, &n)) {
			prof->procs[new_proc(prof, s, ev->tgid)].unread = 1;
			ctr[CTR_EXIT_UNREAD]++;
		} else {
			size_t k = n;

			if (!late) {	/* only what it proved beyond the set */
				k = 0;
				for (size_t i = 0; i < n; i++)
					if (codes[i].status == EV_RAN && s->codes[i].status != EV_RAN)
						codes[k++] = codes[i];
			}
			if (k) {
				uint32_t r = new_proc(prof, s, ev->tgid);

				profile__set_evidence(prof, r, codes, k);
				prof->procs[r].final = true;
				prof->procs[r].late = late;
			} else {
				free(codes);
			}
			ctr[CTR_EXIT_READ]++;
			ctr[CTR_EXIT_CHILDREN]++;
			ctr[CTR_EXIT_INCOMPLETE] += late;
		}
	}
	if (owner) {
		s->current = false;
		unref(x, s);
	}
	child_done(x, ev->tgid);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct exitread *x = ctx;
	const struct cb_xnote *note = data;

	if (size >= sizeof(struct cb_xevent) && note->type == CB_XEV_EXIT) {
		on_exit_event(x, data);
	} else if (size >= sizeof(*note) && note->type == CB_XEV_FORK) {
		struct xset *s = set_of(x, note->gen);

		child_done(x, note->tgid);	/* a PID reused */
		ARRAY_RESERVE(x->kids, x->nkids, x->capkids, 16);
		x->kids[x->nkids++] = (struct child){ s ? note->gen : 0, note->parent, note->tgid };
		*htab__put(&x->children, note->tgid, NULL) = x->nkids;
		if (s)
			s->refs++;
	} else if (size >= sizeof(*note) && note->type == CB_XEV_EXEC_UNREAD) {
		struct cb_xevent ev = { .type = CB_XEV_EXIT, .tgid = note->tgid, .gen = 0 };

		on_exit_event(x, &ev);
	}
	return 0;
}

void exitread__poll(struct exitread *x, struct targets *tg, struct profile *prof)
{
	if (!x)
		return;
	x->tg = tg;
	x->prof = prof;
	ring_buffer__consume(x->rb);
	sweep(x, clock__now());
}

void exitread__read_stats(struct exitread *x, struct profile *prof)
{
	int fd, ncpu = libbpf_num_possible_cpus();
	uint32_t k = CB_XSTAT_LOST;
	uint64_t *vals, sum = 0;

	if (!x || ncpu <= 0)
		return;
	fd = bpf_map__fd(x->skel->maps.xstats);
	vals = xcalloc(ncpu, sizeof(uint64_t));
	if (!bpf_map_lookup_elem(fd, &k, vals))
		for (int c = 0; c < ncpu; c++)
			sum += vals[c];
	prof->stats.counters[CTR_EXIT_EVENTS_LOST] = sum;
	free(vals);
}
