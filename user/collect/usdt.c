// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Over 500 lines: one object's life cycle (load, attach, the command's
 * pre-attachment and its adoption, retire, poll, free) over one private
 * state; what stands alone is in usdtwork.c (the thread), usdtcalls.c
 * (--calls) and usdtopt.c (the opt-out).
 */
#include "collect/usdt.h"
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "collect/attach.h"
#include "collect/bpfobj.h"
#include "collect/caps.h"
#include "collect/targets.h"
#include "collect/usdtcalls.h"
#include "collect/usdtopt.h"
#include "collect/usdtwork.h"
#include "cpython/elfinfo.h"
#include "lib/alloc.h"
#include "lib/clock.h"
#include "lib/file.h"
#include "lib/htab.h"
#include "lib/msg.h"
#include "lib/str.h"
#include "profile/profile.h"
#include "usdtprobe.h"
#include "usdt.skel.h"

#define SAY_FAILURES 3	/* attach failures said without -v */

/* What each feature attaches: nothing else, ever (docs/usdt.md). */
static const struct {
	unsigned feature;
	int marker;
} wanted[] = {
	{ PU_GC, PYM_GC_START },
	{ PU_GC, PYM_GC_DONE },
	{ PU_IMPORT, PYM_IMPORT_START },
	{ PU_IMPORT, PYM_IMPORT_DONE },
	{ PU_AUDIT, PYM_AUDIT },
	{ PU_CALLS, PYM_FUNCTION_ENTRY },	/* --calls: 3.8-3.10 and 3.15+ only (usdtcalls__status) */
};

/* A process with markers asked for: attached by the worker, or being. */
struct utarget {
	int pid;
	uint32_t proc;		/* its profile entry (not used once retired: it may be folded) */
	uint64_t gen;		/* its attachment in the worker */
	bool confirmed;		/* the worker answered its attach */
	bool retired;		/* detach posted; kept until confirmed */
};

struct usdt {
	struct usdt_skel *skel;
	struct usdtwork *w;
	unsigned features;
	struct ring_buffer *rb;
	int uprocs_fd;
	struct utarget *v;
	size_t n, cap;
	struct htab by_pid;	/* pid -> index + 1 into v, of targets not retired */
	uint64_t gen;
	size_t held;		/* attachments posted and not yet detached by the worker */
	unsigned said;		/* failures said */
	struct profile *prof;	/* the poll's */
	usdt_audit_fn audit;	/* PU_AUDIT's sink */
	void *audit_ctx;
	int audit_cfg_fd;
	int calls_fd, calls_layout_fd;	/* --calls (collect/usdtcalls.c) */
	/* -- CMD: the command's interpreter attached for its PID before it
	 * exec'd (usdt__preattach), adopted when it is registered */
	struct {
		enum { PRE_NONE, PRE_POSTED, PRE_ATTACHED, PRE_DONE } state;
		int pid;
		uint64_t gen;
		unsigned feats;
		size_t links;
		dev_t dev;
		ino_t ino;
		struct pusdt *pu;	/* its imports until it is registered */
	} pre;
};

uint32_t usdt__markers(unsigned features)
{
	uint32_t m = 0;

	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		if (features & wanted[i].feature)
			m |= 1u << wanted[i].marker;
	return m;
}

static struct bpf_program *prog_of(struct usdt *u, int marker)
{
	switch (marker) {
	case PYM_GC_START: return u->skel->progs.cb_gc_start;
	case PYM_GC_DONE: return u->skel->progs.cb_gc_done;
	case PYM_IMPORT_START: return u->skel->progs.cb_import_start;
	case PYM_IMPORT_DONE: return u->skel->progs.cb_import_done;
	case PYM_AUDIT: return u->features & PU_AUDIT ? u->skel->progs.cb_audit : NULL;
	case PYM_FUNCTION_ENTRY: return u->features & PU_CALLS ? u->skel->progs.cb_call_entry : NULL;
	}
	return NULL;	/* line, function__return: never */
}

static int on_event(void *ctx, void *data, size_t size);
static int on_audit(void *ctx, void *data, size_t size);

struct usdt *usdt__open(unsigned features, int gc_starts_fd)
{
	struct usdt *u = xcalloc(1, sizeof(*u));

	u->features = features;
	/* perf_uprobe_event_init() wants CAP_SYS_ADMIN (CAP_PERFMON allowed it
	 * once; stable kernels went back): without it every attach would fail */
	if (!caps__has(21)) {
		msg__err("note: GC and import probes are off: the kernel lets only CAP_SYS_ADMIN create uprobes "
			 "(docs/usdt.md); sampling goes on");
		free(u);
		return NULL;
	}
	u->skel = usdt_skel__open();
	/* the threads in a collection: the sampler's map (its <gc> frame) */
	if (!u->skel || (gc_starts_fd >= 0 && bpf_map__reuse_fd(u->skel->maps.gc_starts, gc_starts_fd)) ||
	    usdt_skel__load(u->skel)) {
		msg__err("note: GC and import probes are off (cannot load their BPF program: %s); sampling goes on",
			 strerror(errno));
		goto fail;
	}
	u->uprocs_fd = bpf_map__fd(u->skel->maps.uprocs);
	u->rb = ring_buffer__new(bpf_map__fd(u->skel->maps.uevents), on_event, u, NULL);
	if (!u->rb || ((features & PU_AUDIT) &&
		       ring_buffer__add(u->rb, bpf_map__fd(u->skel->maps.aevents), on_audit, u))) {
		msg__err("note: GC and import probes are off (no ring buffer: %s)", strerror(errno));
		goto fail;
	}
	u->audit_cfg_fd = bpf_map__fd(u->skel->maps.audit_cfg);
	u->calls_fd = bpf_map__fd(u->skel->maps.calls);
	u->calls_layout_fd = bpf_map__fd(u->skel->maps.calls_layout);
	{
		struct bpf_program *progs[PYM_NR] = {};

		for (int m = 0; m < PYM_NR; m++)
			progs[m] = prog_of(u, m);
		u->w = usdtwork__start(progs);
	}
	if (!u->w)
		goto fail;
	htab__init(&u->by_pid);
	msg__dbg("usdt: on (markers %#x)", usdt__markers(features));
	return u;
fail:
	ring_buffer__free(u->rb);
	usdt_skel__destroy(u->skel);
	free(u);
	return NULL;
}

static struct pusdt *entry(struct profile *prof, uint32_t proc, int status, unsigned feats, const char *why)
{
	struct pproc *r = &prof->procs[proc];

	pusdt__free(r->usdt);
	r->usdt = pusdt__new(status, feats, why);
	return r->usdt;
}

static void counts_into(struct usdt *u, struct profile *prof, const struct utarget *ut)
{
	struct cb_uproc c;
	uint32_t pid = ut->pid;

	if (prof->procs[ut->proc].usdt && !bpf_map_lookup_elem(u->uprocs_fd, &pid, &c))
		pusdt__set_counts(prof->procs[ut->proc].usdt, &c);
}

static void forget(struct usdt *u, size_t i)
{
	u->v[i] = u->v[--u->n];
	if (i < u->n && !u->v[i].retired)
		*htab__put(&u->by_pid, u->v[i].pid, NULL) = i + 1;
}

/* A process killed inside a collection leaves its thread's gc_starts entry
 * behind: a later process with its PID would show <gc> on every sample.
 * The map holds only the collections under way, so one walk is short. */
static void forget_collections(struct usdt *u, uint32_t pid)
{
	int fd = bpf_map__fd(u->skel->maps.gc_starts);
	uint64_t key, next, gone[64];
	size_t n = 0;
	bool first = true;

	while (n < sizeof(gone) / sizeof(gone[0]) && !bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if ((uint32_t)(next >> 32) == pid)
			gone[n++] = next;
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &gone[i]);
}

/* Retire v[i]: its imports and last counts into the profile, its entry
 * gone (the program counts it no more), its detach posted. */
static void retire(struct usdt *u, struct profile *prof, size_t i)
{
	struct utarget *ut = &u->v[i];
	struct usdt_job j = { .op = UW_DETACH, .gen = ut->gen, .pid = ut->pid };
	uint32_t pid = ut->pid;

	u->prof = prof;
	ring_buffer__consume(u->rb);	/* its last imports, while it is still known */
	counts_into(u, prof, ut);
	bpf_map_delete_elem(u->uprocs_fd, &pid);
	bpf_map_delete_elem(u->audit_cfg_fd, &pid);
	bpf_map_delete_elem(u->calls_layout_fd, &pid);
	forget_collections(u, pid);
	htab__del(&u->by_pid, ut->pid);
	usdtwork__post(u->w, &j);
	ut->retired = true;
	if (ut->confirmed)
		forget(u, i);
}

static void say_failure(struct usdt *u, int pid, const char *comm, const char *why)
{
	char c[64];

	str__sanitize(comm, c, sizeof(c));
	if (u->said++ < SAY_FAILURES)
		msg__err("note: GC and import probes of PID %d (%s) not attached: %s (counted: usdt_attach_failed)",
			 pid, c, why);
	else
		msg__dbg("usdt: PID %d (%s) not attached: %s", pid, c, why);
}

/* The worker's answers: attaches confirmed or failed, detaches done. */
static void results(struct usdt *u, struct profile *prof)
{
	struct usdt_result *r;
	size_t n = usdtwork__results(u->w, &r);

	for (size_t k = 0; k < n; k++) {
		size_t i = 0;

		prof->stats.counters[CTR_USDT_ATTACH_NS] += (uint64_t)(r[k].secs * 1e9);
		/* nothing of it is attached any more: a failed attach, or a
		 * detach of one that had succeeded (the detach of a failed one,
		 * posted when it exited first, finds nothing: counted once) */
		if ((r[k].op == UW_DETACH && !r[k].err) || (r[k].op == UW_ATTACH && r[k].err))
			u->held--;
		if (r[k].op == UW_DETACH)
			continue;
		if (u->pre.state == PRE_POSTED && r[k].gen == u->pre.gen) {
			u->pre.state = r[k].err ? PRE_DONE : PRE_ATTACHED;
			u->pre.links = r[k].links;
			if (r[k].err)
				msg__dbg("usdt: the command's markers not attached before its exec: %s", r[k].why);
			continue;
		}
		while (i < u->n && u->v[i].gen != r[k].gen)
			i++;
		if (i == u->n)
			continue;
		u->v[i].confirmed = true;
		if (u->v[i].retired) {	/* it exited first: its entry may be folded by now */
			msg__dbg("usdt: PID %d exited before its markers were attached", u->v[i].pid);
			forget(u, i);
			continue;
		}
		if (r[k].err) {
			uint32_t pid = u->v[i].pid;

			entry(prof, u->v[i].proc, PU_FAILED, 0, r[k].why);
			prof->stats.counters[CTR_USDT_FAILED]++;
			say_failure(u, u->v[i].pid, prof->procs[u->v[i].proc].comm, r[k].why);
			bpf_map_delete_elem(u->uprocs_fd, &pid);
			htab__del(&u->by_pid, pid);
			forget(u, i);
			continue;
		}
		prof->procs[u->v[i].proc].usdt->status = PU_ATTACHED;
		prof->stats.counters[CTR_USDT_PROCS]++;
		prof->stats.counters[CTR_USDT_PROBES] += r[k].links;
		msg__dbg("usdt: PID %d: %zu markers attached (%.1f ms)", u->v[i].pid, r[k].links, r[k].secs * 1e3);
	}
	free(r);
}

/* The command registered: its pre-attachment is kept when it holds the file
 * the process maps and what the process needs (true: done), else detached
 * (the usual attach follows). */
static bool adopt(struct usdt *u, struct profile *prof, const struct target *t, unsigned feats)
{
	struct usdt_job j = { .op = UW_DETACH, .gen = u->pre.gen, .pid = u->pre.pid };
	struct stat st;
	struct utarget *ut;
	struct pusdt *pu;

	if (u->pre.state == PRE_ATTACHED && !t->usdt_off && feats == u->pre.feats && !stat(t->info.map_file, &st) &&
	    st.st_dev == u->pre.dev && st.st_ino == u->pre.ino) {
		pu = u->pre.pu;
		u->pre.pu = NULL;
		pu->status = PU_ATTACHED;
		pusdt__free(prof->procs[t->proc].usdt);
		prof->procs[t->proc].usdt = pu;
		prof->stats.counters[CTR_USDT_PROCS]++;
		prof->stats.counters[CTR_USDT_PROBES] += u->pre.links;
		ARRAY_RESERVE(u->v, u->n, u->cap, 16);
		ut = &u->v[u->n];
		memset(ut, 0, sizeof(*ut));
		ut->pid = u->pre.pid;
		ut->proc = t->proc;
		ut->gen = u->pre.gen;
		ut->confirmed = true;
		*htab__put(&u->by_pid, ut->pid, NULL) = ++u->n;
		u->pre.state = PRE_DONE;
		msg__dbg("usdt: PID %d: attached before its exec (%zu markers)", ut->pid, u->pre.links);
		return true;
	}
	/* another file (a wrapper exec'd something else), or kept off it, or
	 * still being attached: the worker runs jobs in order */
	msg__dbg("usdt: PID %d: its markers attached before its exec are not its own: detached", u->pre.pid);
	usdtwork__post(u->w, &j);	/* held: down at its answer (results) */
	u->pre.state = PRE_DONE;
	pusdt__free(u->pre.pu);
	u->pre.pu = NULL;
	return false;
}

void usdt__attach(struct usdt *u, struct profile *prof, const struct target *t)
{
	uint32_t pid = t->info.pid, have = t->info.markers;
	struct usdt_job j = { .op = UW_ATTACH, .pid = t->info.pid };
	struct cb_uproc zero = {};
	struct utarget *ut;
	unsigned feats = 0;
	int calls = PC_OFF;
	uint64_t *v;
	char list[256];

	if (!u)
		return;
	if ((v = htab__get(&u->by_pid, pid)))
		retire(u, prof, *v - 1);	/* the same PID before an exec */
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		if ((have & (1u << wanted[i].marker)) && (usdt__markers(wanted[i].feature) & ~have) == 0)
			feats |= wanted[i].feature & u->features;
	/* the audit decoder (bpf/usdt.bpf.c) reads a default build's object
	 * header; a free-threaded one's is 16 bytes longer: not decoded (a
	 * free-threaded build with markers is one built --with-dtrace) */
	if (t->info.layout.ft)
		feats &= ~PU_AUDIT;
	if (u->features & PU_CALLS) {	/* only where function__entry fires once per call */
		calls = have ? usdtcalls__status(t) : PC_NO_MARKERS;
		if (calls != PC_COUNTED)
			feats &= ~PU_CALLS;
	}
	if (u->pre.pid == (int)pid && u->pre.state != PRE_DONE && adopt(u, prof, t, feats))
		return;
	if (t->usdt_off) {	/* kept off it: sampled only (collect/usdtopt.h) */
		msg__dbg("usdt: PID %d: off (%s)", t->info.pid, usdtopt__why(t->usdt_off));
		entry(prof, t->proc, PU_OFF, 0, usdtopt__why(t->usdt_off));
		prof->stats.counters[CTR_USDT_OFF]++;
		return;
	}
	if (!feats && have && calls != PC_OFF) {	/* --calls alone, on a version where it cannot count */
		entry(prof, t->proc, PU_NOT_NEEDED, 0, NULL)->calls_status = calls;
		return;
	}
	if (!feats) {
		elfinfo__marker_list(have, list, sizeof(list));
		msg__dbg("usdt: PID %d: no markers for %#x in %s (%s)", t->info.pid, usdt__markers(u->features),
			 t->info.binary, *list ? list : "none");
		entry(prof, t->proc, PU_NO_MARKERS, 0, NULL)->calls_status = calls;
		prof->stats.counters[CTR_USDT_NO_MARKERS]++;
		return;
	}
	if (u->held >= CB_USDT_PROCS) {	/* attached, or still being detached */
		entry(prof, t->proc, PU_LIMIT, 0, NULL);
		prof->stats.counters[CTR_USDT_LIMIT]++;
		return;
	}
	if (bpf_map_update_elem(u->uprocs_fd, &pid, &zero, BPF_ANY)) {
		entry(prof, t->proc, PU_FAILED, 0, strerror(errno));
		prof->stats.counters[CTR_USDT_FAILED]++;
		say_failure(u, t->info.pid, t->info.comm, strerror(errno));
		return;
	}
	if (feats & PU_AUDIT) {
		/* how its objects are laid out, before its probe can fire */
		const struct pylayout *l = &t->info.layout;
		struct cb_audit_cfg c = {
			.unicode_type = l->unicode_type, .bytes_type = l->bytes_type, .long_type = l->long_type,
			.bool_type = l->bool_type, .tuple_type = l->tuple_type, .list_type = l->list_type,
			.none = l->none, .str_length = 16, .str_state = 32,
			.str_ascii_data = l->minor >= 12 ? 40 : 48, .str_compact_data = l->minor >= 12 ? 56 : 72,
			.tuple_items = l->minor >= 14 ? 32 : 24, .long_lv_tag = l->minor >= 12,
		};

		bpf_map_update_elem(u->audit_cfg_fd, &pid, &c, BPF_ANY);
	}
	if ((feats & PU_CALLS) && bpf_map_update_elem(u->calls_layout_fd, &pid, &t->info.layout.bpf, BPF_ANY)) {
		feats &= ~PU_CALLS;	/* the map is as large as uprocs: not expected */
		calls = PC_NO_MARKERS;
	}
	j.gen = ++u->gen;
	j.markers = usdt__markers(feats);
	snprintf(j.path, sizeof(j.path), "%s", t->info.map_file);
	usdtwork__post(u->w, &j);
	u->held++;
	entry(prof, t->proc, PU_PENDING, feats, NULL)->calls_status = calls;
	ARRAY_RESERVE(u->v, u->n, u->cap, 16);
	ut = &u->v[u->n];
	memset(ut, 0, sizeof(*ut));
	ut->pid = pid;
	ut->proc = t->proc;
	ut->gen = j.gen;
	*htab__put(&u->by_pid, pid, NULL) = ++u->n;
}

void usdt__retire(struct usdt *u, struct profile *prof, struct targets *tg, const struct target *t,
		  uint32_t epoch)
{
	uint64_t *v = u ? htab__get(&u->by_pid, t->info.pid) : NULL;

	if (v && u->v[*v - 1].proc == t->proc) {
		retire(u, prof, *v - 1);	/* counts no more (its entries are gone) */
		if (u->features & PU_CALLS)	/* its last calls, then its keys go */
			usdtcalls__read(u->calls_fd, tg, prof, epoch, t->info.pid, true);
	}
}

void usdt__read_calls(struct usdt *u, struct profile *prof, struct targets *tg, uint32_t epoch)
{
	if (u && (u->features & PU_CALLS))
		usdtcalls__read(u->calls_fd, tg, prof, epoch, 0, false);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct usdt *u = ctx;
	const struct cb_uimport *ev = data;	/* the ring is mapped read-only */
	char name[CB_IMPORT_NAME];
	uint64_t *v;
	struct pusdt *pu;

	if (size < sizeof(*ev))
		return 0;
	if (!(v = htab__get(&u->by_pid, ev->tgid)) && (ev->tgid != (uint32_t)u->pre.pid || !u->pre.pu))
		return 0;
	pu = !v ? u->pre.pu : u->prof ? u->prof->procs[u->v[*v - 1].proc].usdt : NULL;	/* the command's, before it is registered */
	memcpy(name, ev->name, sizeof(name));
	name[sizeof(name) - 1] = 0;
	if (pu)
		pusdt__add_import(pu, name, ev->ns);
	return 0;
}

void usdt__on_audit(struct usdt *u, usdt_audit_fn fn, void *ctx)
{
	if (u) {
		u->audit = fn;
		u->audit_ctx = ctx;
	}
}

static int on_audit(void *ctx, void *data, size_t size)
{
	struct usdt *u = ctx;
	const struct cb_uaudit *ev = data;
	uint64_t *v;

	if (size < sizeof(*ev) || !u->audit)
		return 0;
	v = htab__get(&u->by_pid, ev->tgid);
	u->audit(u->audit_ctx, ev, v && u->prof ? &u->prof->procs[u->v[*v - 1].proc] : NULL);
	return 0;
}

void usdt__poll(struct usdt *u, struct profile *prof, int refresh)
{
	if (!u)
		return;
	u->prof = prof;
	ring_buffer__consume(u->rb);
	results(u, prof);
	for (size_t i = 0; refresh && i < u->n; i++)
		if (!u->v[i].retired)
			counts_into(u, prof, &u->v[i]);
}

void usdt__read_stats(struct usdt *u, struct profile *prof)
{
	static const int ctr[CB_USTAT_NR] = {
		[CB_USTAT_GC_UNPAIRED] = CTR_USDT_GC_UNPAIRED,
		[CB_USTAT_IMPORT_UNPAIRED] = CTR_USDT_IMPORT_UNPAIRED,
		[CB_USTAT_IMPORT_DEEP] = CTR_USDT_IMPORT_DEEP,
		[CB_USTAT_EVENTS_LOST] = CTR_USDT_EVENTS_LOST,
		[CB_USTAT_PROCS_FULL] = CTR_USDT_UNOWNED,
		[CB_USTAT_AUDIT_LOST] = CTR_AUDIT_LOST,
		[CB_USTAT_CALLS_FULL] = CTR_CALLS_LOST,
		[CB_USTAT_CALLS_UNREAD] = CTR_CALLS_UNREAD,
		[CB_USTAT_CALLS_RESUMED] = CTR_CALLS_RESUMES,
	};
	int fd, ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;

	if (!u || ncpu <= 0)
		return;
	fd = bpf_map__fd(u->skel->maps.ustats);
	vals = xcalloc(ncpu, sizeof(uint64_t));
	for (uint32_t k = 0; k < CB_USTAT_NR; k++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			sum += vals[c];
		prof->stats.counters[ctr[k]] = sum;
	}
	free(vals);
}

void usdt__free(struct usdt *u, struct profile *prof)
{
	if (!u)
		return;
	u->prof = prof;
	results(u, prof);
	for (size_t i = u->n; i-- > 0;)
		if (!u->v[i].retired)
			retire(u, prof, i);
	usdtwork__stop(u->w);	/* every job done, everything detached */
	results(u, prof);
	usdtwork__free(u->w);
	usdt__read_stats(u, prof);
	ring_buffer__free(u->rb);
	usdt_skel__destroy(u->skel);
	htab__free(&u->by_pid);
	pusdt__free(u->pre.pu);
	free(u->v);
	free(u);
}

int usdt__preattach(struct usdt *u, struct profile *prof, int pid, char *const *cmd)
{
	struct usdt_job j = { .op = UW_ATTACH, .pid = pid };
	struct cb_uproc zero = {};
	struct elfinfo *ei;
	unsigned feats = 0;
	struct stat st;
	uint32_t key = pid;

	/* --calls needs the version first (usdtcalls__status), audit is not a command's */
	if (!u || (u->features & ~(PU_GC | PU_IMPORT)) || !cmd || !cmd[0] ||
	    file__which(cmd[0], getenv("PATH"), j.path, sizeof(j.path)) || stat(j.path, &st) || !S_ISREG(st.st_mode))
		return -1;
	ei = xcalloc(1, sizeof(*ei));
	if (!elfinfo__read(j.path, ei) && ei->is_python)
		for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
			if ((ei->markers & (1u << wanted[i].marker)) && (usdt__markers(wanted[i].feature) & ~ei->markers) == 0)
				feats |= wanted[i].feature & u->features;
	free(ei);
	if (!feats || bpf_map_update_elem(u->uprocs_fd, &key, &zero, BPF_ANY))
		return -1;	/* markers in a libpython, or none: attached once it runs */
	u->pre.state = PRE_POSTED;
	u->pre.pid = pid;
	u->pre.gen = j.gen = ++u->gen;
	u->pre.feats = feats;
	u->pre.dev = st.st_dev;
	u->pre.ino = st.st_ino;
	u->pre.pu = pusdt__new(PU_PENDING, feats, NULL);
	j.markers = usdt__markers(feats);
	usdtwork__post(u->w, &j);
	u->held++;
	for (int i = 0; i < 5000 && usdtwork__pending(u->w); i++)	/* 17-45 ms; at most 5 s */
		usleep(1000);
	results(u, prof);
	msg__dbg("usdt: %s for PID %d before its exec: %s", j.path, pid,
		 u->pre.state == PRE_ATTACHED ? "attached" : u->pre.state == PRE_POSTED ? "still attaching" : "failed");
	return u->pre.state == PRE_ATTACHED ? 0 : -1;
}
