// SPDX-License-Identifier: GPL-2.0
/*
 * coldbpf sampler: on every cpu-clock perf sample, if the interrupted task
 * belongs to a registered CPython process, find its PyThreadState, walk its
 * Python frames and count the (pid, tid, stack) triple.
 *
 * Version knowledge lives in userspace: this file only follows the offsets
 * of struct cb_layout. Every way a sample can fail bumps a named counter.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "sampler.h"

#define CB_READ(dst, len, src) bpf_probe_read_user((dst), (len), (const void *)(src))
#include "walker.h"
#include "maps.bpf.h"
#include "gcrun.bpf.h"

#define EEXIST 17

/* Load-time settings (rodata), written by userspace between open and load. */
const volatile __u32 max_depth = CB_DEFAULT_DEPTH;
const volatile __u32 max_threads = 4096;		/* thread-list walk bound */
/* a thread with no PyThreadState is re-walked after this long: short, because
 * at start-up the main thread is sampled before its thread state exists */
const volatile __u64 neg_cache_ns = 10000000ULL;
/* make bench only (.bss: --bench-toggle changes it while sampling):
 * CB_BENCH_EXIT returns at once, CB_BENCH_NO_WALK stops before the frame
 * walk, CB_BENCH_NO_MAPS after it, before the stack and count maps */
volatile __u32 bench_stage = CB_BENCH_FULL;
/* rodata: false outside make bench, so that the verifier drops every stage
 * check (and the paths they add) from the program everybody runs */
const volatile bool bench = false;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct cb_thread);
} threads SEC(".maps");

/* struct cb_stack values; declared by size (no BTF type) because userspace
 * shrinks the value to max_depth frames before load */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, CB_STACKS_MAX);
	__uint(key_size, sizeof(__u64));
	__uint(value_size, sizeof(struct cb_stack));
} stacks SEC(".maps");

/* Sample counts, in two maps: the program adds to counts[counts_gen & 1]
 * while userspace drains and empties the other one (collect/drain.c), so
 * entries never pile up and no increment races with a delete. */
struct counts_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct cb_count_key);
	__type(value, __u64);
};
struct counts_map counts0 SEC(".maps");
struct counts_map counts1 SEC(".maps");

/* pid -> samples taken between its exec and its classification by the agent
 * (a process the agent then profiles lost them: counted, not silent) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} fresh SEC(".maps");

/* Runtime switch (.bss, written by userspace): which counts map is live. */
volatile __u32 counts_gen;
/* Bumped by userspace before it deletes a stack (collect/drain.c): every
 * CPU's memory of stored stacks is then void. */
volatile __u32 stacks_epoch;

/* One more sample of key in map m; 0, or the stat reason it was dropped. */
static __always_inline int count_into(void *m, struct cb_count_key *key)
{
	__u64 *cnt, one = 1;
	int ret;

	cnt = bpf_map_lookup_elem(m, key);
	if (cnt) {
		__sync_fetch_and_add(cnt, 1);
		return 0;
	}
	ret = bpf_map_update_elem(m, key, &one, BPF_NOEXIST);
	if (ret == -EEXIST) {
		cnt = bpf_map_lookup_elem(m, key);
		if (cnt)
			__sync_fetch_and_add(cnt, 1);
	} else if (ret) {
		return CB_ERR_COUNTS_FULL;
	}
	return 0;
}

/* A CPU's memory of stacks it saw stored: a stacks-map lookup per sample
 * costs several cache misses (~0.1-0.3 us on a VM), this one line. Direct
 * mapped by stack id; an entry counts only in the epoch it was taken in
 * (epoch + 1 is kept, so the zeroed table matches nothing). */
#define CB_KNOWN 64
struct known_stack {
	__u64 id;
	__u32 epoch1;
	__u32 pad;
};

struct scratch {
	struct known_stack known[CB_KNOWN];
	__u64 split[3];	/* this sample's clock at its parts' starts, or split[0] 0 */
	struct cb_stack stack;
	__u8 win[CB_WIN_BUF];	/* the frame window (bpf/walker.h) */
	/* always zero: the walks' counters start from it, a value the verifier
	 * does not know, so it does not track them exactly and the loops'
	 * states converge (a counter from a constant 0 never lets them) */
	struct ucount zero;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");
_Static_assert(sizeof(struct scratch) <= 32768, "per-CPU value limit (PCPU_MIN_UNIT_SIZE)");

/* Returns the thread state the current thread runs now, its top-frame
 * pointer (*top) and its interpreter's id (*interp), or 0 with *err set;
 * *cached is the thread's cache entry when it was a hit (its span is used
 * and updated by the walk). buf is scratch of CB_TSTATE_SPAN + 8 bytes;
 * reads are counted in uc. */
static __always_inline __u64 find_tstate(const struct cb_layout *l, __u32 pid, __u32 tid,
					 __u64 fsbase, __u8 *buf, __u64 *top, __u64 *base, __u16 *interp,
					 int *err, struct cb_thread **cached, struct tsgc *g,
					 struct ucount *uc, const struct ucount *zero)
{
	struct cb_thread *c, nc = {};
	struct tsearch s = {};
	__u64 head = 0, id = 0, found;
	__u64 pick_interp = 0;
	__u32 status = 0;
	int guessed;

	c = bpf_map_lookup_elem(&threads, &tid);
	if (c && c->pid == pid && c->fsbase == fsbase) {
		if (!c->tstate) {
			if (bpf_ktime_get_ns() - c->stamp_ns < neg_cache_ns) {
				*err = CB_ERR_NO_THREAD;
				return 0;
			}
		} else if (!read_tstate(l, c->tstate, buf, &id, top, base, &status, g, uc) && id == fsbase) {
			/* re-validated: the cached tstate still belongs to us; it
			 * is the one we run if provably current, or if it is our
			 * only one and the process still has one interpreter */
			if (tstate_current(l, c->tstate, status, uc) ||
			    (c->single && (ucount_add(uc, sizeof(head)), 1) &&
			     !bpf_probe_read_user(&head, sizeof(head),
						  (void *)(l->runtime_addr + l->rt_interp_head)) &&
			     head == c->head)) {
				stat_add(CB_STAT_CACHE_HIT, 1);
				*interp = c->interp;
				*cached = c;
				return c->tstate;
			}
		}
	}

	ucount_add(uc, sizeof(head));
	if (bpf_probe_read_user(&head, sizeof(head),
				(void *)(l->runtime_addr + l->rt_interp_head))) {
		*err = CB_ERR_READ_RUNTIME;
		return 0;
	}
	if (!head) {
		*err = CB_ERR_NO_INTERP;
		return 0;
	}
	s.reads = zero->reads;
	if (tsearch_init(&s, l, head, fsbase)) {
		*err = CB_ERR_READ_RUNTIME;
		return 0;
	}
	bpf_loop(max_threads, tsearch_step, &s, 0);
	uc->reads += s.reads;
	uc->bytes += 8 * s.reads;
	if (s.err && !s.first) {
		*err = s.err;
		return 0;
	}
	if (!s.first && !s.done) {
		*err = CB_ERR_THREAD_LIMIT;
		return 0;
	}

	nc.fsbase = fsbase;
	/* read the clock only off the cache-hit path (a clock read is ~20 ns) */
	nc.stamp_ns = bpf_ktime_get_ns();
	nc.pid = pid;
	nc.head = head;
	if (!s.first) {
		bpf_map_update_elem(&threads, &tid, &nc, BPF_ANY);
		*err = CB_ERR_NO_THREAD;
		return 0;
	}
	found = tsearch_pick(&s, &pick_interp, &guessed);
	stat_add(CB_STAT_INTERP_GUESS, guessed);
	nc.tstate = found;
	nc.interp = interp_label(l, pick_interp, uc);
	nc.single = s.done && !s.err && !s.multi && !s.several;
	bpf_map_update_elem(&threads, &tid, &nc, BPF_ANY);
	if (read_tstate(l, found, buf, &id, top, base, &status, g, uc)) {
		*err = CB_ERR_READ_TSTATE;
		return 0;
	}
	*interp = nc.interp;
	return found;
}

/* CB_STACK_GC and the generation when the thread runs a garbage
 * collection now, else 0. Markers: the thread's gc_starts entry (exact, per
 * thread). 3.13+ without markers: the interpreter's gc.collecting, taken
 * for this thread only when it holds the GIL, which a collection holds
 * throughout (docs/usdt.md says what that leaves approximate). */
static __always_inline __u16 gc_flags(const struct cb_layout *l, __u64 pid_tgid, const struct tsgc *g,
				      struct ucount *uc)
{
	__s32 collecting = 0;

	if (l->flags & CB_LF_GC_MARKS) {
		struct gc_start *r = bpf_map_lookup_elem(&gc_starts, &pid_tgid);

		if (!r)
			return 0;
		return CB_STACK_GC | ((r->gen < CB_GC_GEN_UNKNOWN ? r->gen : CB_GC_GEN_UNKNOWN) << CB_STACK_GC_SHIFT);
	}
	if (!(l->flags & CB_LF_GC_STATE) || !g->gil || !g->interp)
		return 0;
	ucount_add(uc, sizeof(collecting));
	if (bpf_probe_read_user(&collecting, sizeof(collecting), (void *)(g->interp + l->gc_collecting)) ||
	    !collecting)
		return 0;
	return CB_STACK_GC | (CB_GC_GEN_UNKNOWN << CB_STACK_GC_SHIFT);
}

SEC("perf_event")
int cb_sample(struct bpf_perf_event_data *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 pid = pid_tgid >> 32, tid = (__u32)pid_tgid, zero = 0;
	struct cb_count_key key = {};
	struct cb_thread *cached = NULL;
	struct ucount uc = {};
	struct task_struct *task;
	struct cb_layout *l;
	struct fwalk w = {};
	struct tsgc g = {};
	struct scratch *s;
	__u64 t0 = 0, tstate, top = 0, base = 0, fsbase;
	__u32 rnd, epoch1;
	struct known_stack *known;
	__u16 interp = 0, gcf = 0;
	int err = 0, ret;

	if (bench && bench_stage == CB_BENCH_EXIT)
		return 0;
	stat_add(CB_STAT_SAMPLES, 1);
	l = bpf_map_lookup_elem(&py_procs, &pid);
	if (!l) {
		__u64 *n = bpf_map_lookup_elem(&fresh, &pid);

		if (n)
			__sync_fetch_and_add(n, 1);
		return 0;
	}
	rnd = bpf_get_prandom_u32() % CB_TIME_ONE_IN;
	if (rnd == 0)
		t0 = bpf_ktime_get_ns();
	stat_add(CB_STAT_PY_SAMPLES, 1);

	s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!s)
		goto out;
	/* the split's times live in the scratch, not on the stack: the verifier
	 * tracks stack slots, and a timed and an untimed path would be states of
	 * their own all the way down (twice the instructions to verify) */
	s->split[0] = rnd == 1 ? bpf_ktime_get_ns() : 0;
	/* a BTF pointer: reading the FS base needs no helper call */
	task = bpf_get_current_task_btf();
	fsbase = task->thread.fsbase;
	tstate = find_tstate(l, pid, tid, fsbase, s->win, &top, &base, &interp, &err, &cached, &g, &uc, &s->zero);
	if (!tstate)
		goto fail;
	if ((l->flags & CB_LF_CFRAME) && top) {
		ucount_add(&uc, sizeof(top));
		if (bpf_probe_read_user(&top, sizeof(top), (void *)(top + l->cframe_current))) {
			err = CB_ERR_READ_TSTATE;
			goto fail;
		}
	}
	if (!top) {
		err = CB_ERR_NO_FRAMES;
		goto fail;
	}
	if (bench && bench_stage == CB_BENCH_NO_WALK)
		goto out;
	if (s->split[0])
		s->split[1] = bpf_ktime_get_ns();

	fwalk_init(&w, l, s->stack.frames, s->win, base, top, max_depth, cached ? cached->low : 0);
	w.uc = s->zero;
	/* the same code in two interpreters makes two stacks */
	w.hash = mix64(0x636f6c64627066ULL, pid | ((__u64)interp << 32));
	bpf_loop(CB_WALK_STEPS(max_depth), fwalk_step, &w, 0);
	uc.reads += w.uc.reads;
	uc.bytes += w.uc.bytes;
	/* the thread's next walk reads down to this one's bottom, in one go */
	if (cached && cached->low != w.low)
		cached->low = w.low;
	if (w.err && !w.n) {
		err = w.err;
		goto fail;
	}
	if (w.err)
		stat_add(w.err, 1);	/* partial stack: keep what was read */
	if (!w.n) {
		err = CB_ERR_NO_FRAMES;
		goto fail;
	}

	/* only processes profiled with --usdt gc pay for the <gc> frame */
	if (l->flags & (CB_LF_GC_MARKS | CB_LF_GC_STATE))
		gcf = gc_flags(l, pid_tgid, &g, &uc);
	if (bench && bench_stage == CB_BENCH_NO_MAPS)
		goto out;
	if (s->split[0])
		s->split[2] = bpf_ktime_get_ns();
	s->stack.depth = w.n;
	s->stack.flags = (w.truncated ? CB_STACK_TRUNCATED : 0) | gcf;
	s->stack.interp = interp;
	key.pid = pid;
	key.tid = tid;
	/* the flags are the stack's too: a GC sample is a stack of its own */
	key.stack_id = mix64(w.hash, ((__u64)s->stack.flags << 32) | w.n);

	known = &s->known[key.stack_id & (CB_KNOWN - 1)];
	epoch1 = stacks_epoch + 1;
	if (known->id == key.stack_id && known->epoch1 == epoch1)
		goto count;	/* stored in this epoch: still there */
	if (!bpf_map_lookup_elem(&stacks, &key.stack_id)) {
		__u32 slot = l->slot;
		struct cb_quota *q = bpf_map_lookup_elem(&quota, &slot);

		if (q && q->stacks >= CB_STACK_QUOTA) {
			__sync_fetch_and_add(&q->drops, 1);
			err = CB_ERR_STACK_QUOTA;
			goto fail;
		}
		ret = bpf_map_update_elem(&stacks, &key.stack_id, &s->stack, BPF_NOEXIST);
		if (ret == 0 && q)
			__sync_fetch_and_add(&q->stacks, 1);
		if (ret == 0) {
			struct cb_event ev = {
				.type = CB_EV_STACK, .pid = pid, .tid = tid,
				.stack_id = key.stack_id,
			};

			/* no wake-up from the target's interrupt: the agent
			 * consumes the ring every 50 ms anyway */
			if (bpf_ringbuf_output(&events, &ev, sizeof(ev), BPF_RB_NO_WAKEUP))
				stat_add(CB_ERR_EVENTS_FULL, 1);
		} else if (ret != -EEXIST) {
			err = CB_ERR_STACKS_FULL;
			goto fail;
		}
	}
	known->id = key.stack_id;
	known->epoch1 = epoch1;
count:

	if (counts_gen & 1)
		err = count_into(&counts1, &key);
	else
		err = count_into(&counts0, &key);
	if (err)
		goto fail;
	stat_add(CB_STAT_RECORDED, 1);
	if (w.truncated)
		stat_add(CB_STAT_TRUNCATED, 1);
	if (gcf)
		stat_add(CB_STAT_GC, 1);
	stat_add(CB_STAT_FRAME_READS, w.reads);
	if (s->split[0]) {
		__u64 t3 = bpf_ktime_get_ns();

		stat_add(CB_STAT_SPLIT, 1);
		stat_add(CB_STAT_NS_TSTATE, s->split[1] - s->split[0]);
		stat_add(CB_STAT_NS_WALK, s->split[2] - s->split[1]);
		stat_add(CB_STAT_NS_MAPS, t3 - s->split[2]);
	}
	goto out;
fail:
	stat_add(err, 1);
out:
	stat_add(CB_STAT_UREADS, uc.reads);
	stat_add(CB_STAT_UBYTES, uc.bytes);
	if (t0) {
		__u64 ns = bpf_ktime_get_ns() - t0;

		stat_add(CB_STAT_NS, ns);
		stat_add(CB_STAT_TIMED, 1);
		stat_add(CB_STAT_NR + cb_ns_bucket(ns), 1);
	}
	return 0;
}

/* New programs are classified as soon as they exec, not at the next /proc
 * scan. A raw tracepoint: it needs no tracefs mount. */
SEC("raw_tp/sched_process_exec")
int cb_exec(void *ctx)
{
	struct cb_event ev = { .type = CB_EV_EXEC };

	__u64 zero = 0;

	ev.pid = bpf_get_current_pid_tgid() >> 32;
	ev.tid = (__u32)bpf_get_current_pid_tgid();
	ev.ts = bpf_ktime_get_ns();
	/* the old program's layout no longer applies: no sample of the new one
	 * is walked with it (the agent retires the old target later) */
	bpf_map_delete_elem(&py_procs, &ev.pid);
	bpf_map_update_elem(&fresh, &ev.pid, &zero, BPF_ANY);
	if (bpf_ringbuf_output(&events, &ev, sizeof(ev), 0))
		stat_add(CB_ERR_EVENTS_FULL, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
