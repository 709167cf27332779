// SPDX-License-Identifier: GPL-2.0
/*
 * coldbpf exit reads (docs/design.md, "Reading a process at its exit"):
 * when a watched process's last thread exits, or when it calls exec, read
 * each probe of its set once, in its own context with its memory still
 * mapped, and report which changed. A process's forked children inherit its
 * set (their memory is a copy of it). Loaded only with --evidence; its
 * failure never stops sampling (collect/exitread.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "sampler.h"
#include "exitprobe.h"

/* the sampler's map of profiled processes (its fd is reused: the same map) */
#include "py_procs.bpf.h"

/* probe slots, written by the agent (batched updates, once per round) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CB_XPROBES);
	__type(key, __u32);
	__type(value, struct cb_xprobe);
} xprobes SEC(".maps");

/* tgid -> its set */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CB_XWATCH_MAX);
	__type(key, __u32);
	__type(value, struct cb_xwatch);
} xwatch SEC(".maps");

/* the result being built (one per CPU: the program cannot be preempted) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cb_xevent);
} xscratch SEC(".maps");

/* 127 exit events of 4 KB (the agent consumes it every 50 ms; a fuller
 * burst is counted in exit_events_lost): the agent maps it twice over, so
 * 1 MB cost 2 MB of its resident memory */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 512 * 1024);
} xevents SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CB_XSTAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} xstats SEC(".maps");

#include "percpu.bpf.h"
#define xstat_add(idx) percpu_add(&xstats, (idx), 1)

struct xctx {
	__u32 start;
};

static long clear_word(__u32 i, void *unused)
{
	__u32 zero = 0;
	struct cb_xevent *ev = bpf_map_lookup_elem(&xscratch, &zero);

	if (!ev || i >= CB_XSET_MAX / 64)
		return 1;
	barrier_var(i);	/* the mask below stays: the verifier needs it */
	i &= CB_XSET_MAX / 64 - 1;
	ev->changed[i] = 0;
	ev->failed[i] = 0;
	return 0;
}

static long read_probe(__u32 i, struct xctx *c)
{
	__u32 zero = 0, idx = c->start + i, len;
	struct cb_xevent *ev = bpf_map_lookup_elem(&xscratch, &zero);
	struct cb_xprobe *p;
	__u64 v = 0, bit;
	__u32 word = i >> 6;

	if (!ev || i >= CB_XSET_MAX)
		return 1;
	barrier_var(word);	/* the mask below stays: the verifier needs it */
	word &= CB_XSET_MAX / 64 - 1;
	bit = 1ULL << (i & 63);
	p = bpf_map_lookup_elem(&xprobes, &idx);
	if (!p) {
		ev->failed[word] |= bit;
		return 0;
	}
	len = p->len;
	if (len < 1 || len > 8 || bpf_probe_read_user(&v, len, (const void *)p->addr)) {
		ev->failed[word] |= bit;
		return 0;
	}
	if (v != p->value)
		ev->changed[word] |= bit;
	return 0;
}

/* Read tgid's set and report it; the watch goes (the process is gone, or
 * its memory is about to be replaced). */
static __always_inline void read_set(__u32 tgid, __u32 exec)
{
	struct cb_xwatch *w = bpf_map_lookup_elem(&xwatch, &tgid);
	__u32 zero = 0, n, words;
	struct cb_xevent *ev;
	struct xctx c;
	__u64 t0;

	if (!w)
		return;
	ev = bpf_map_lookup_elem(&xscratch, &zero);
	if (!ev)
		return;
	n = w->n < CB_XSET_MAX ? w->n : CB_XSET_MAX;
	c.start = w->start;
	ev->type = CB_XEV_EXIT;
	ev->tgid = tgid;
	ev->gen = w->gen;
	ev->n = n;
	ev->exec = exec;
	bpf_map_delete_elem(&xwatch, &tgid);
	words = (n + 63) / 64;
	t0 = bpf_ktime_get_ns();
	bpf_loop(words, clear_word, NULL, 0);
	bpf_loop(n, read_probe, &c, 0);
	ev->ns = bpf_ktime_get_ns() - t0;
	xstat_add(CB_XSTAT_EXITS);
	if (bpf_ringbuf_output(&xevents, ev, sizeof(*ev), 0))
		xstat_add(CB_XSTAT_LOST);
}

/*
 * do_exit() fires sched_process_exit with group_dead (Linux 6.16+) after it
 * has counted the thread out of signal->live and before exit_mm() unmaps
 * the memory: with group_dead set, every other thread of the process is
 * inside do_exit() already, so no Python code runs any more, and the memory
 * is all there. exit(), os._exit(), fatal signals, SIGKILL and the OOM
 * killer all pass here. On a kernel whose tracepoint has no group_dead this
 * program does not load (exits are then unread); one that fires it after
 * exit_mm() makes every read fail (unread too, never a wrong claim).
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(cb_xexit, struct task_struct *p, bool group_dead)
{
	if (!group_dead)
		return 0;
	read_set(bpf_get_current_pid_tgid() >> 32, 0);
	return 0;
}

/* after exec the old program's memory is gone: its watch is not read
 * (the exec is an unread exit) and must not be applied to the new program */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(cb_xexec_done, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct cb_xwatch *w = bpf_map_lookup_elem(&xwatch, &tgid);
	struct cb_xnote note = { .type = CB_XEV_EXEC_UNREAD, .tgid = tgid };

	if (!w)
		return 0;
	note.gen = w->gen;
	bpf_map_delete_elem(&xwatch, &tgid);
	if (bpf_ringbuf_output(&xevents, &note, sizeof(note), 0))
		xstat_add(CB_XSTAT_LOST);
	return 0;
}

/* A forked child's memory is a copy of its parent's: it inherits the
 * parent's set. A child of a profiled process without a set is watched
 * with none, so that its exit is known to be unread. Threads and children
 * sharing the parent's memory (vfork, posix_spawn) are not processes of
 * their own here. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(cb_xfork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	struct cb_xnote note = { .type = CB_XEV_FORK, .tgid = ctgid, .parent = ptgid };
	struct cb_xwatch *w, none = {};

	if (ptgid == ctgid || BPF_CORE_READ(child, mm) == BPF_CORE_READ(parent, mm))
		return 0;
	w = bpf_map_lookup_elem(&xwatch, &ptgid);
	if (!w) {
		if (!bpf_map_lookup_elem(&py_procs, &ptgid))
			return 0;
		w = &none;
	}
	note.gen = w->gen;
	if (bpf_map_update_elem(&xwatch, &ctgid, w, BPF_ANY)) {
		xstat_add(CB_XSTAT_WATCH_FULL);
		return 0;
	}
	xstat_add(CB_XSTAT_FORKS);
	if (bpf_ringbuf_output(&xevents, &note, sizeof(note), 0))
		xstat_add(CB_XSTAT_LOST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
