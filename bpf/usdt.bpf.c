// SPDX-License-Identifier: GPL-2.0
/*
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
#include "usdtprobe.h"

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

struct gc_start {
	__u64 ts;
	__u32 gen;
	__u32 pad;
};

/* thread (pid_tgid) -> its collection under way */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct gc_start);
} gc_starts SEC(".maps");

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
