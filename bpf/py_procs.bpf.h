/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The map of profiled processes, shared by every BPF object: the sampler
 * creates it (maps.bpf.h), a feature's object declares the same map and
 * reuses the sampler's fd before it loads (bpf_map__reuse_fd). Include
 * after vmlinux.h, bpf_helpers.h and sampler.h.
 */
#ifndef COLDBPF_PY_PROCS_BPF_H
#define COLDBPF_PY_PROCS_BPF_H

/* pid -> layout of a profiled CPython process (written by collect/targets.c) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CB_SLOTS);
	__type(key, __u32);
	__type(value, struct cb_layout);
} py_procs SEC(".maps");
#endif
