/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Structures shared by bpf/sampler.bpf.c and user/. Only __u8..__u64 types
 * and no includes, so this compiles under vmlinux.h and <linux/types.h>.
 *
 * The BPF walker knows no CPython version: userspace resolves each
 * process's layout (user/cpython/pylayout.c) and writes one struct cb_layout per
 * PID into the py_procs map. Adding a CPython version never touches BPF.
 */
#ifndef COLDBPF_SAMPLER_H
#define COLDBPF_SAMPLER_H

#define CB_MAX_DEPTH	  1024	/* hard ceiling of --max-depth (power of 2) */
#define CB_DEFAULT_DEPTH  128
#define CB_WINDOW	  8192	/* bytes a frame-window read copies (power of 2) */
#define CB_WINDOW_FIRST	  1024	/* ... the first one of a thread not walked yet */
#define CB_TSTATE_SPAN	  256	/* bytes between tstate->thread_id and ->frame, at most */
#define CB_FRAME_READ_MAX 128	/* bytes of one frame the walker may read */
#define CB_OFF_MASK	  0x7f	/* field offsets inside a frame are < 128 */
/* the walker's buffer: the window, then one frame read alone (a shim, another
 * chunk, a heap frame), plus slack so frame + field offset never leaves it */
#define CB_WIN_BUF	  (CB_WINDOW + 2 * CB_FRAME_READ_MAX + 8)

/* cb_layout.flags */
#define CB_LF_CFRAME	0x1	/* top frame = *(*(tstate + ts_frame) + cframe_current) (3.11/3.12) */
#define CB_LF_IPTR	0x2	/* frame position is an instruction pointer into
				 * co_code_adaptive (3.11+); else an int f_lasti */
#define CB_LF_OWNER	0x4	/* frames carry an owner byte; skip owner >= owner_skip */
#define CB_LF_ACTIVE	0x8	/* tstate->_status has an `active` bit (3.12+): the
				 * thread state an OS thread is running now */
#define CB_LF_TCURRENT	0x10	/* _PyRuntime.gilstate.tstate_current (3.8-3.11): the
				 * thread state holding the one GIL */
#define CB_LF_BASEFRAME	0x20	/* 3.15+: every stack ends at a sentinel frame that
				 * tstate->base_frame points to: the walk stops there
				 * without reading it */
/* The <gc> frame (--usdt gc; docs/usdt.md, "The <gc> frame"): a sample taken
 * while its thread runs a collection gets CB_STACK_GC. Neither flag is set
 * without --usdt gc, so sampling alone never pays for it. */
#define CB_LF_GC_MARKS	0x40	/* gc__start/gc__done are attached: the thread's entry
				 * in gc_starts says (one map lookup per sample) */
#define CB_LF_GC_STATE	0x80	/* 3.13+ without markers: the interpreter's
				 * gc.collecting, read when the sampled thread holds
				 * the GIL (one 4-byte read, only then) */

/* Subinterpreters: an OS thread may hold a thread state in several
 * interpreters. The thread search walks every interpreter and takes the
 * thread's provably current thread state (bpf/walker.h). */

/* Per-process record written by userspace. Offsets are bytes. */
struct cb_layout {
	__u64 runtime_addr;	/* &_PyRuntime in the target */
	__u64 code_mask;	/* & applied to the frame's code word (3.14 tags it) */
	__u32 flags;		/* CB_LF_* */
	__u16 rt_interp_head;	/* _PyRuntime.interpreters.head */
	__u16 interp_threads;	/* interp->threads.head (tstate_head before 3.11) */
	__u16 ts_next;		/* tstate->next */
	__u16 ts_thread_id;	/* tstate->thread_id == pthread_self() == FS base */
	__u16 ts_frame;		/* tstate->frame / ->cframe / ->current_frame */
	__u16 cframe_current;	/* _PyCFrame.current_frame (CB_LF_CFRAME) */
	__u16 f_back;		/* f_back / previous */
	__u16 f_code;		/* f_code / f_executable */
	__u16 f_lasti;		/* f_lasti (int) or prev_instr/instr_ptr (pointer) */
	__u16 f_owner;		/* owner byte (CB_LF_OWNER) */
	__u16 frame_read;	/* bytes to read per frame (<= CB_FRAME_READ_MAX) */
	__u16 code_adaptive;	/* offsetof(PyCodeObject, co_code_adaptive) (CB_LF_IPTR) */
	__u8 owner_skip;	/* first owner value that marks a C-stack/shim frame */
	__u8 pad;
	__u16 slot;		/* the process's entry in the quota map (collect/targets.c) */
	__u16 interp_next;	/* interp->next */
	__u16 interp_id;	/* interp->id (int64) */
	__u16 ts_status;	/* tstate->_status (CB_LF_ACTIVE) */
	__u16 rt_tstate_current; /* _PyRuntime.gilstate.tstate_current (CB_LF_TCURRENT) */
	__u32 status_active;	/* mask of _status.active in its first 4 bytes */
	__u16 ts_base_frame;	/* tstate->base_frame, a pointer (CB_LF_BASEFRAME) */
	__u16 ts_interp;	/* tstate->interp (CB_LF_GC_STATE) */
	__u32 gc_collecting;	/* interp + this: gc.collecting, an int (CB_LF_GC_STATE) */
	__u16 ts_holds_gil;	/* the 4 bytes saying the thread holds the GIL: 3.13's
				 * _status (bit holds_gil), 3.14+'s int holds_gil (0 or 1) */
	__u16 holds_gil_mask;	/* ... masked by this: non-zero when it holds it */
};
_Static_assert(sizeof(struct cb_layout) == 72, "cb_layout crosses the BPF boundary");

/* Per-process share of the stacks map: a process may hold at most
 * CB_STACK_QUOTA stacks (1/8 of the map), so one pathological process
 * (random deep recursion, code generated per request) cannot fill it and
 * starve the others. The program counts a stack in when it stores one, the
 * agent counts it out when it deletes one; samples refused are counted per
 * process. An mmap'ed array indexed by cb_layout.slot (one per py_procs
 * entry), so both sides update it atomically. */
#define CB_STACKS_MAX	32768
#define CB_STACK_QUOTA	(CB_STACKS_MAX / 8)
#define CB_SLOTS	4096	/* = py_procs entries */
struct cb_quota {
	__u32 stacks;	/* stacks of this process in the stacks map */
	__u32 drops;	/* samples refused: the process was at its quota */
};
_Static_assert(sizeof(struct cb_quota) == 8, "cb_quota crosses the BPF boundary");

/* One frame of a raw stack: the code object and the position in it.
 * lasti is f_lasti as CPython stores it (3.8/3.9 bytes, 3.10 code units)
 * or, with CB_LF_IPTR, the instruction index in code units computed from
 * the instruction pointer; negative when no instruction has run yet. */
struct cb_frame {
	__u64 code;
	__s32 lasti;
	__u32 pad;
};
_Static_assert(sizeof(struct cb_frame) == 16, "cb_frame crosses the BPF boundary");

#define CB_STACK_TRUNCATED 0x1	/* deeper than max_depth: root-side frames dropped */
/* sampled inside a garbage collection: the agent adds a <gc> leaf frame
 * (CB_LF_GC_MARKS, CB_LF_GC_STATE); the generation in the next two bits */
#define CB_STACK_GC	   0x2
#define CB_STACK_GC_SHIFT  2
#define CB_STACK_GC_GEN(flags) (((flags) >> CB_STACK_GC_SHIFT) & 3)
#define CB_GC_GEN_UNKNOWN  3	/* no markers: the generation is not known */

/* interpreter ids above this are saturated (ids are never reused) */
#define CB_INTERP_ID_MAX 0xffff

/* Value of the stacks map. Its real size is set at load time to
 * offsetof(frames) + max_depth * sizeof(struct cb_frame); frames are leaf first. */
struct cb_stack {
	__u32 depth;
	__u16 flags;
	__u16 interp;		/* interpreter id (0: the main interpreter) */
	struct cb_frame frames[CB_MAX_DEPTH];
};
_Static_assert(sizeof(struct cb_stack) == 8 + 16 * CB_MAX_DEPTH, "cb_stack layout");

/* Key of the counts map; the value is a __u64 sample count that only grows
 * (userspace reads deltas, so no sample is lost or counted twice). */
struct cb_count_key {
	__u32 pid;
	__u32 tid;
	__u64 stack_id;		/* key of the stacks map */
};
_Static_assert(sizeof(struct cb_count_key) == 16, "cb_count_key crosses the BPF boundary");

/* tid -> thread state cache (LRU). tstate 0 is a negative entry. A hit
 * is used only while it is provably the thread's current thread state
 * (its _status.active bit, or it holds the GIL), or while the process has
 * one interpreter and the thread had one thread state (interpreters.head
 * still equal to head, and single set). */
struct cb_thread {
	__u64 tstate;
	__u64 fsbase;
	__u64 stamp_ns;
	__u64 head;		/* _PyRuntime.interpreters.head at the look-up */
	__u32 pid;
	__u16 interp;		/* the interpreter's id (saturated) */
	__u8 single;		/* one interpreter, one thread state of this thread */
	__u8 pad;
	__u64 low;		/* the lowest frame its last walk found in a window:
				 * the next walk's first window reaches down to it */
};
_Static_assert(sizeof(struct cb_thread) == 48, "cb_thread crosses the BPF boundary");

enum cb_event_type {
	CB_EV_STACK = 1,	/* a new stack was stored: symbolize it now */
	CB_EV_EXEC = 2,		/* a process called exec: classify it */
};

struct cb_event {
	__u32 type;
	__u32 pid;
	__u32 tid;
	__u32 pad;
	union {
		__u64 stack_id;	/* CB_EV_STACK */
		__u64 ts;	/* CB_EV_EXEC: bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the exec */
	};
};
_Static_assert(sizeof(struct cb_event) == 24, "cb_event crosses the BPF boundary");

/* make bench's stages (.bss bench_stage, set by the agent; tests/bench/
 * overhead.py and toggle.py): the program returns at once (EXIT: the
 * interrupt alone), stops after finding the thread state, before the frame
 * walk (NO_WALK), or after the walk, before the stack and count maps
 * (NO_MAPS). */
#define CB_BENCH_FULL	 0
#define CB_BENCH_NO_WALK 1
#define CB_BENCH_NO_MAPS 2
#define CB_BENCH_EXIT	 3

/* Per-CPU counters. The list and its names (user/profile/counters.c) are the one place
 * where every outcome of a sample is named. */
/* The program times 1 Python sample in this many (two clock reads cost
 * ~5 % of a sample), chosen at random so that it cannot alias with a
 * periodic workload. */
#define CB_TIME_ONE_IN 8
/* The timed samples' ns also go into a histogram: CB_NS_BUCKETS buckets of a
 * quarter octave from 256 ns (the first takes less, the last more), kept in
 * the stats map after the counters (index CB_STAT_NR + bucket), for the
 * median: a VM that preempts its CPU mid-sample inflates the mean. */
#define CB_NS_BUCKETS	32
#define CB_NS_MIN_LOG2	8

/* The quarter-octave bucket of ns: 4 per power of two from 2^CB_NS_MIN_LOG2,
 * below it the first, beyond the last the last. */
static inline __u32 cb_ns_bucket(__u64 ns)
{
	__u64 x = ns;
	__u32 msb = 0;
	__s32 b;

	if (x >> 32) { msb += 32; x >>= 32; }
	if (x >> 16) { msb += 16; x >>= 16; }
	if (x >> 8) { msb += 8; x >>= 8; }
	if (x >> 4) { msb += 4; x >>= 4; }
	if (x >> 2) { msb += 2; x >>= 2; }
	if (x >> 1) msb += 1;
	if (msb < CB_NS_MIN_LOG2)
		return 0;
	b = (__s32)(4 * (msb - CB_NS_MIN_LOG2) + ((ns >> (msb - 2)) & 3));
	return b >= CB_NS_BUCKETS ? CB_NS_BUCKETS - 1 : (__u32)b;
}

enum cb_stat {
	CB_STAT_SAMPLES = 0,	/* perf samples seen by the program */
	CB_STAT_PY_SAMPLES,	/* ... in a registered CPython process */
	CB_STAT_RECORDED,	/* ... recorded as a Python stack */
	CB_STAT_TRUNCATED,	/* recorded, deeper than max_depth */
	CB_STAT_NS,		/* sum of ns spent on the timed Python samples */
	CB_STAT_TIMED,		/* Python samples timed (1 in CB_TIME_ONE_IN, at random) */
	CB_STAT_CACHE_HIT,	/* tid -> tstate cache hits */
	CB_STAT_FRAME_READS,	/* window reads of frames, for recorded stacks */
	CB_ERR_READ_RUNTIME,	/* reading _PyRuntime / interpreter failed */
	CB_ERR_NO_INTERP,	/* runtime not initialised (no interpreter) */
	CB_ERR_NO_THREAD,	/* thread has no PyThreadState (native thread) */
	CB_ERR_THREAD_LIMIT,	/* thread and interpreter lists longer than the walk bound */
	CB_ERR_READ_TSTATE,	/* reading the thread state failed */
	CB_ERR_READ_FRAME,	/* reading a frame failed (paged out, garbage) */
	CB_ERR_NO_FRAMES,	/* thread state without Python frames */
	CB_ERR_STACKS_FULL,	/* stacks map full: sample dropped */
	CB_ERR_COUNTS_FULL,	/* counts map full: sample dropped */
	CB_ERR_EVENTS_FULL,	/* ring buffer full (stack symbolized at drain instead) */
	CB_ERR_STACK_QUOTA,	/* the process holds CB_STACK_QUOTA stacks: sample dropped */
	CB_STAT_INTERP_GUESS,	/* the thread holds thread states in several interpreters and
				 * none is provably current (GIL released): the newest
				 * interpreter's was taken */
	CB_STAT_UREADS,		/* reads of target memory, every Python sample */
	CB_STAT_UBYTES,		/* ... their bytes */
	CB_STAT_GC,		/* recorded inside a garbage collection (<gc> frame) */
	/* where a recorded sample's time goes: 1 Python sample in
	 * CB_TIME_ONE_IN (not one of the CB_STAT_TIMED ones, whose total
	 * would carry the extra clock reads) is timed in three parts */
	CB_STAT_SPLIT,		/* recorded samples timed in parts */
	CB_STAT_NS_TSTATE,	/* ... ns finding and reading the thread state */
	CB_STAT_NS_WALK,	/* ... ns walking the frames */
	CB_STAT_NS_MAPS,	/* ... ns storing the stack and counting it */
	CB_STAT_NR,
};

#endif /* COLDBPF_SAMPLER_H */
