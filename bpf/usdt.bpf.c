// SPDX-License-Identifier: GPL-2.0
/*
 * Over 500 lines: one BPF object holds every USDT feature (GC, imports,
 * audit, calls) so that one skeleton is loaded and its maps are shared;
 * each feature is a section of its own below.
 *
 * coldbpf USDT programs (docs/usdt.md): CPython's static markers gc__start/
 * gc__done (a collection's pause, per generation) and
 * import__find__load__start/done (an import's time, with its module name).
 * Attached per process by collect/usdt.c (libbpf's USDT support: each call
 * site is a uprobe whose semaphore the kernel raises while it is attached).
 * A process is counted only while the agent holds its entry in uprocs.
 * Loaded only when a USDT feature is on; its failure never stops sampling.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "sampler.h"
#include "usdtprobe.h"

/* the sampler's thread-state search (bpf/walker.h), for --calls */
#define CB_READ(dst, len, src) bpf_probe_read_user((dst), (len), (const void *)(src))
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunused-function"	/* the frame walk is the sampler's */
#include "walker.h"
#pragma clang diagnostic pop

/* every process attached has several call sites, each with its own spec;
 * cookies (Linux 5.15+, coldbpf needs 5.17) make the IP map unused */
#define BPF_USDT_MAX_SPEC_CNT CB_USDT_SPECS
#define BPF_USDT_MAX_IP_CNT 16
#include <bpf/usdt.bpf.h>

/* tgid -> its aggregates; entries are made and deleted by the agent */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CB_USDT_PROCS);
	__type(key, __u32);
	__type(value, struct cb_uproc);
} uprocs SEC(".maps");

/* thread (pid_tgid) -> its collection under way; the sampler's map (the <gc> frame) */
#include "gcrun.bpf.h"

struct import_stack {
	__u32 depth;	/* imports under way on the thread (may exceed CB_IMPORT_DEPTH) */
	__u32 pad;
	__u64 ts[CB_IMPORT_DEPTH];
};

/* thread (pid_tgid) -> its imports under way, innermost last */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct import_stack);
} import_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 512 * 1024);
} uevents SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CB_USTAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} ustats SEC(".maps");

#include "percpu.bpf.h"
#define ustat_add(idx) percpu_add(&ustats, (idx), 1)

static __always_inline struct cb_uproc *uproc_of(__u32 tgid)
{
	struct cb_uproc *u = bpf_map_lookup_elem(&uprocs, &tgid);

	if (!u)
		ustat_add(CB_USTAT_PROCS_FULL);
	return u;
}

static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r < CB_GC_BUCKETS ? r : CB_GC_BUCKETS - 1;
}

SEC("usdt")
int BPF_USDT(cb_gc_start, int generation)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct gc_start s = { .ts = bpf_ktime_get_ns(), .gen = generation };

	if (!bpf_map_lookup_elem(&uprocs, &(__u32){ id >> 32 }))
		return 0;
	bpf_map_update_elem(&gc_starts, &id, &s, BPF_ANY);
	return 0;
}

SEC("usdt")
int BPF_USDT(cb_gc_done, long collected)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns(), ns;
	struct gc_start *s = bpf_map_lookup_elem(&gc_starts, &id);
	struct cb_uproc *u;
	__u32 gen;

	if (!s) {
		ustat_add(CB_USTAT_GC_UNPAIRED);
		return 0;
	}
	ns = now - s->ts;
	gen = s->gen < CB_GC_GENS - 1 ? s->gen : CB_GC_GENS - 1;
	bpf_map_delete_elem(&gc_starts, &id);
	u = uproc_of(id >> 32);
	if (!u)
		return 0;
	__sync_fetch_and_add(&u->gc_count[gen], 1);
	__sync_fetch_and_add(&u->gc_ns[gen], ns);
	__sync_fetch_and_add(&u->gc_hist[log2_bucket(ns)], 1);
	if (collected > 0)
		__sync_fetch_and_add(&u->gc_collected, collected);
	if (ns > u->gc_max_ns[gen])
		u->gc_max_ns[gen] = ns;	/* racy only between subinterpreters collecting at once */
	return 0;
}

SEC("usdt")
int BPF_USDT(cb_import_start, const char *name)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct import_stack *st, zero = {};
	__u32 d;

	if (!bpf_map_lookup_elem(&uprocs, &(__u32){ id >> 32 }))
		return 0;
	st = bpf_map_lookup_elem(&import_stacks, &id);
	if (!st) {
		bpf_map_update_elem(&import_stacks, &id, &zero, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&import_stacks, &id);
		if (!st)
			return 0;
	}
	d = st->depth;
	if (d < CB_IMPORT_DEPTH)
		st->ts[d] = bpf_ktime_get_ns();
	else
		ustat_add(CB_USTAT_IMPORT_DEEP);
	if (d < 1000000)
		st->depth = d + 1;
	return 0;
}

SEC("usdt")
int BPF_USDT(cb_import_done, const char *name, int found)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns(), ns;
	struct import_stack *st = bpf_map_lookup_elem(&import_stacks, &id);
	struct cb_uimport *ev;
	struct cb_uproc *u;
	__u32 d;

	if (!st || !st->depth) {
		ustat_add(CB_USTAT_IMPORT_UNPAIRED);
		return 0;
	}
	d = st->depth - 1;
	st->depth = d;
	u = uproc_of(id >> 32);
	if (!u)
		return 0;
	__sync_fetch_and_add(&u->imports, 1);
	if (!found)
		__sync_fetch_and_add(&u->imports_failed, 1);
	if (d >= CB_IMPORT_DEPTH)
		return 0;	/* not timed (counted at its start) */
	ns = now - st->ts[d];
	if (!d)
		__sync_fetch_and_add(&u->import_ns, ns);
	ev = bpf_ringbuf_reserve(&uevents, sizeof(*ev), 0);
	if (!ev) {
		ustat_add(CB_USTAT_EVENTS_LOST);
		return 0;
	}
	ev->tgid = id >> 32;
	ev->depth = d;
	ev->ns = ns;
	ev->found = found;
	ev->pad = 0;
	if (bpf_probe_read_user_str(ev->name, sizeof(ev->name), name) < 0)
		ev->name[0] = 0;
	/* the agent reads the ring every tick: no wake-up from the target */
	bpf_ringbuf_submit(ev, BPF_RB_NO_WAKEUP);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

/* --- exact call counts (--calls) --------------------------------------- */

/* tgid -> its layout (a copy of the sampler's py_procs entry), written by
 * the agent before it attaches function__entry */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CB_USDT_PROCS);
	__type(key, __u32);
	__type(value, struct cb_layout);
} calls_layout SEC(".maps");

/* (tgid, code object) -> first entries; only grows while attached */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, CB_CALLS_MAX);
	__type(key, struct cb_call_key);
	__type(value, __u64);
} calls SEC(".maps");

struct call_thread {
	__u64 tstate;
	__u64 fsbase;
	__u32 pid;
	__u32 pad;
};

/* tid -> its thread state (3.12+, where no single word names the thread
 * running Python code); re-validated by its thread_id and _status.active */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct call_thread);
} call_threads SEC(".maps");

/* Bytes read of one thread state / frame (thread_id..frame span; a frame's
 * code and position words) */
#define CALL_BUF (2 * CB_TSTATE_SPAN)

struct call_scratch {
	__u8 buf[CALL_BUF];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct call_scratch);
} call_scratch_map SEC(".maps");

/* The thread state running Python code on this thread, and its top frame
 * pointer (*top), or 0. The probe fires in code that holds the GIL: on
 * 3.8-3.11 that is _PyRuntime.gilstate.tstate_current; on 3.12+ the thread
 * state whose thread_id is our FS base and whose _status.active bit is set
 * (cached per thread, searched like the sampler does on a miss). */
static __always_inline __u64 call_tstate(const struct cb_layout *l, __u32 pid, __u32 tid, __u64 fsbase,
					 __u8 *buf, __u64 *top)
{
	struct ucount uc = {};
	struct call_thread *c, nc = {};
	struct tsearch s = {};
	__u64 tstate = 0, id = 0, head = 0, base = 0, pick_interp;
	__u32 status = 0;
	int guessed;

	if (l->flags & CB_LF_TCURRENT) {
		if (bpf_probe_read_user(&tstate, sizeof(tstate), (void *)(l->runtime_addr + l->rt_tstate_current)) ||
		    !tstate || read_tstate(l, tstate, buf, &id, top, &base, &status, NULL, &uc) || id != fsbase)
			return 0;
		return tstate;
	}
	c = bpf_map_lookup_elem(&call_threads, &tid);
	if (c && c->pid == pid && c->fsbase == fsbase && c->tstate &&
	    !read_tstate(l, c->tstate, buf, &id, top, &base, &status, NULL, &uc) && id == fsbase &&
	    is_current(l->flags, l->status_active, status, c->tstate, 0))
		return c->tstate;
	if (bpf_probe_read_user(&head, sizeof(head), (void *)(l->runtime_addr + l->rt_interp_head)) || !head ||
	    tsearch_init(&s, l, head, fsbase))
		return 0;
	bpf_loop(4096, tsearch_step, &s, 0);
	tstate = tsearch_pick(&s, &pick_interp, &guessed);
	if (!tstate || !s.current)
		return 0;	/* not provably the one running (cannot be, holding the GIL) */
	nc.tstate = tstate;
	nc.fsbase = fsbase;
	nc.pid = pid;
	bpf_map_update_elem(&call_threads, &tid, &nc, BPF_ANY);
	if (read_tstate(l, tstate, buf, &id, top, &base, &status, NULL, &uc))
		return 0;
	return tstate;
}

SEC("usdt")
int BPF_USDT(cb_call_entry)
{
	__u64 id = bpf_get_current_pid_tgid(), top = 0, code, one = 1, *n;
	__u32 tgid = id >> 32, zero = 0;
	const struct cb_layout *l = bpf_map_lookup_elem(&calls_layout, &tgid);
	struct task_struct *task;
	struct call_scratch *sc;
	struct cb_call_key key = {};
	__u32 rd;
	int first;

	if (!l || !(sc = bpf_map_lookup_elem(&call_scratch_map, &zero)))
		return 0;
	task = bpf_get_current_task_btf();
	if (!call_tstate(l, tgid, (__u32)id, task->thread.fsbase, sc->buf, &top))
		goto unread;
	if ((l->flags & CB_LF_CFRAME) && top &&
	    bpf_probe_read_user(&top, sizeof(top), (void *)(top + l->cframe_current)))
		goto unread;
	rd = l->frame_read;
	if (!top || rd < 16 || rd > CB_FRAME_READ_MAX)
		goto unread;
	asm volatile("" : "+r"(rd));
	rd &= 2 * CB_FRAME_READ_MAX - 1;
	if (bpf_probe_read_user(sc->buf, rd, (void *)top))
		goto unread;
	code = CB_LOAD(__u64, sc->buf + (l->f_code & CB_OFF_MASK)) & l->code_mask;
	if (!code)
		goto unread;
	/* A first entry, or a resumed generator/coroutine? Before 3.11 the
	 * probe fires as PyEval_EvalFrameEx starts a frame, and f_lasti is -1
	 * until its first instruction ran. On 3.15 it fires as a frame starts
	 * (its instruction pointer at the code's first instruction: a call,
	 * or a generator function's call that builds the generator) and as a
	 * generator resumes (the pointer after its RETURN_GENERATOR or a
	 * yield); measured with generators and coroutines (t_usdt_calls). */
	if (l->flags & CB_LF_IPTR) {
		__u64 ip = CB_LOAD(__u64, sc->buf + (l->f_lasti & CB_OFF_MASK));

		first = ip == code + l->code_adaptive;
	} else {
		first = CB_LOAD(__s32, sc->buf + (l->f_lasti & CB_OFF_MASK)) < 0;
	}
	if (!first) {
		ustat_add(CB_USTAT_CALLS_RESUMED);
		return 0;
	}
	key.tgid = tgid;
	key.code = code;
	n = bpf_map_lookup_elem(&calls, &key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return 0;
	}
	if (bpf_map_update_elem(&calls, &key, &one, BPF_NOEXIST)) {
		n = bpf_map_lookup_elem(&calls, &key);
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			ustat_add(CB_USTAT_CALLS_FULL);
	}
	return 0;
unread:
	ustat_add(CB_USTAT_CALLS_UNREAD);
	return 0;
}

/* --- audit events (coldbpf audit) ------------------------------------- */

/* tgid -> how to read its objects; set by the agent before it attaches */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CB_USDT_PROCS);
	__type(key, __u32);
	__type(value, struct cb_audit_cfg);
} audit_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} aevents SEC(".maps");

/* One object: its type decides what is read (never more than its own
 * length says, never more than the buffer). */
static __always_inline int audit_value(const struct cb_audit_cfg *c, __u64 obj, struct cb_aitem *it)
{
	__u64 type = 0, len = 0;
	__u32 state = 0;
	__s64 size = 0;

	it->kind = CB_AK_UNREAD;
	if (!obj || bpf_probe_read_user(&type, sizeof(type), (void *)(obj + 8)))
		return 0;
	if (obj == c->none) {
		it->kind = CB_AK_NONE;
	} else if (type == c->unicode_type) {
		__u64 data;
		__u32 width;

		if (bpf_probe_read_user(&len, sizeof(len), (void *)(obj + c->str_length)) ||
		    bpf_probe_read_user(&state, sizeof(state), (void *)(obj + c->str_state)))
			return 0;
		/* state: interned:2 kind:3 compact:1 ascii:1 (3.8-3.15) */
		width = (state >> 2) & 7;
		if (!((state >> 5) & 1) || (width != 1 && width != 2 && width != 4)) {
			it->kind = CB_AK_OTHER;	/* a legacy (not compact) string */
			return 0;
		}
		data = obj + (((state >> 6) & 1) ? c->str_ascii_data : c->str_compact_data);
		it->kind = CB_AK_STR;
		it->width = width;
		it->len = len > 0xffffffffULL ? 0xffffffff : len;
		len *= width;
		it->trunc = len > CB_AUDIT_STR;
		if (len > CB_AUDIT_STR)
			len = CB_AUDIT_STR;
		if (len && bpf_probe_read_user(it->s, len, (void *)data))
			it->kind = CB_AK_UNREAD;
	} else if (type == c->bytes_type) {
		if (bpf_probe_read_user(&size, sizeof(size), (void *)(obj + 16)) || size < 0)
			return 0;
		it->kind = CB_AK_BYTES;
		it->len = size > 0xffffffffLL ? 0xffffffff : size;
		len = size;
		it->trunc = len > CB_AUDIT_STR;
		if (len > CB_AUDIT_STR)
			len = CB_AUDIT_STR;
		if (len && bpf_probe_read_user(it->s, len, (void *)(obj + 32)))
			it->kind = CB_AK_UNREAD;
	} else if (type == c->long_type || type == c->bool_type) {
		__u32 d[2] = {};
		__u64 n, neg;

		if (bpf_probe_read_user(&size, sizeof(size), (void *)(obj + 16)))
			return 0;
		if (c->long_lv_tag) {	/* 3.12+: digits << 3 | sign (0 +, 1 zero, 2 -) */
			n = (__u64)size >> 3;
			neg = (size & 3) == 2;
		} else {
			n = size < 0 ? -size : size;
			neg = size < 0;
		}
		if (n > 2) {
			it->kind = CB_AK_BIGINT;
			return 0;
		}
		if (n && bpf_probe_read_user(d, n * 4 & 15, (void *)(obj + 24)))
			return 0;
		it->num = (__s64)(((__u64)d[1] << 30) | d[0]);
		if (neg)
			it->num = -it->num;
		it->kind = type == c->bool_type ? CB_AK_BOOL : CB_AK_INT;
	} else if (type == c->tuple_type || type == c->list_type) {
		if (bpf_probe_read_user(&size, sizeof(size), (void *)(obj + 16)) || size < 0)
			return 0;
		it->kind = type == c->tuple_type ? CB_AK_TUPLE : CB_AK_LIST;
		it->len = size > 0xffffffffLL ? 0xffffffff : size;
		return 1;	/* its items follow */
	} else {
		it->kind = CB_AK_OTHER;
	}
	return 0;
}

/* what a new event starts from: a ring slot holds an earlier event's bytes */
static const struct cb_uaudit audit_zero = {};

SEC("usdt")
int BPF_USDT(cb_audit, const char *event, void *args)
{
	__u64 id = bpf_get_current_pid_tgid(), a = (__u64)args, items = 0;
	__u32 tgid = id >> 32;
	const struct cb_audit_cfg *c = bpf_map_lookup_elem(&audit_cfg, &tgid);
	struct cb_uaudit *ev;
	__s64 n = 0;

	if (!c)
		return 0;
	ev = bpf_ringbuf_reserve(&aevents, sizeof(*ev), 0);
	if (!ev) {
		ustat_add(CB_USTAT_AUDIT_LOST);
		return 0;
	}
	bpf_probe_read_kernel(ev, sizeof(*ev), &audit_zero);
	ev->tgid = tgid;
	ev->tid = (__u32)id;
	ev->ns = bpf_ktime_get_ns();
	if (bpf_probe_read_user_str(ev->event, sizeof(ev->event), event) < 0)
		ev->event[0] = 0;
	/* the argument tuple: ob_size, then its items */
	if (a && !bpf_probe_read_user(&n, sizeof(n), (void *)(a + 16)) && n > 0) {
		ev->nargs = n > 0xffff ? 0xffff : n;
		for (__u32 i = 0; i < CB_AUDIT_ARGS && i < ev->nargs; i++) {
			__u64 obj = 0, seq = 0;

			if (bpf_probe_read_user(&obj, sizeof(obj), (void *)(a + c->tuple_items + 8 * i)))
				break;
			if (!audit_value(c, obj, &ev->args[i].v))
				continue;
			/* a tuple's items inline, a list's behind a pointer */
			if (ev->args[i].v.kind == CB_AK_TUPLE)
				items = obj + c->tuple_items;
			else if (bpf_probe_read_user(&items, sizeof(items), (void *)(obj + 24)))
				continue;
			for (__u32 k = 0; k < CB_AUDIT_ITEMS && k < ev->args[i].v.len; k++) {
				if (bpf_probe_read_user(&seq, sizeof(seq), (void *)(items + 8 * k)))
					break;
				audit_value(c, seq, &ev->args[i].items[k]);	/* a nested sequence: its length only */
			}
		}
	}
	bpf_ringbuf_submit(ev, 0);
	return 0;
}
