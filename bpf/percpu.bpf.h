/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU counter arrays, as every BPF object keeps them (the sampler's
 * stats, exit reads' xstats, USDT's ustats): one writer per CPU, summed by
 * the agent. Include after bpf_helpers.h.
 */
#ifndef COLDBPF_PERCPU_BPF_H
#define COLDBPF_PERCPU_BPF_H

static __always_inline void percpu_add(void *map, __u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(map, &idx);

	if (v)
		*v += n;	/* per-CPU: no other writer */
}
#endif
