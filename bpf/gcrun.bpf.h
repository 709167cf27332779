/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Threads running a garbage collection, by pid_tgid: written by the
 * gc__start/gc__done programs (bpf/usdt.bpf.c), read by the sampler for the
 * <gc> frame (CB_LF_GC_MARKS). The sampler's object creates the map; the
 * USDT object reuses its fd before it loads (collect/usdt.c). An entry lives
 * from a collection's start to its end; the agent deletes a process's
 * entries when it retires it (a process killed mid-collection). Include
 * after vmlinux.h and bpf_helpers.h.
 */
#ifndef COLDBPF_GCRUN_BPF_H
#define COLDBPF_GCRUN_BPF_H

struct gc_start {
	__u64 ts;	/* bpf_ktime_get_ns() at gc__start */
	__u32 gen;	/* gc__start's generation */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct gc_start);
} gc_starts SEC(".maps");
#endif
