/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Maps every BPF feature shares (docs/design.md, "BPF programs per feature").
 * The sampler's object creates them; a later feature's object includes this
 * header too and reuses the sampler's map fds before it loads
 * (bpf_map__reuse_fd), so a feature that fails to load never touches
 * sampling. Include after vmlinux.h, bpf_helpers.h and sampler.h.
 */
#ifndef COLDBPF_MAPS_BPF_H
#define COLDBPF_MAPS_BPF_H

#include "py_procs.bpf.h"

/* per-process stack quota, indexed by cb_layout.slot (mmap'ed by the agent) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, CB_SLOTS);
	__type(key, __u32);
	__type(value, struct cb_quota);
} quota SEC(".maps");

/* per-CPU outcome counters, enum cb_stat (read by collect/bpfobj.c) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CB_STAT_NR + CB_NS_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* new stacks and exec events for userspace (collect/agent.c) */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

#include "percpu.bpf.h"

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	percpu_add(&stats, idx, n);
}
#endif
