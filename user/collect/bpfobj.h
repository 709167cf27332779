/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF object of the sampling feature (bpf/sampler.bpf.c, embedded as a
 * libbpf skeleton): opened, sized and loaded here; its maps are read by
 * collect/targets.c (py_procs), collect/drain.c (stacks, counts) and here
 * (stats). Attaching is collect/attach.c's.
 */
#ifndef COLDBPF_COLLECT_BPFOBJ_H
#define COLDBPF_COLLECT_BPFOBJ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "profile/counters.h"
#include "sampler.h"

struct sampler;	/* the skeleton (sampler.skel.h) */

struct bpfobj {
	struct sampler *skel;
	size_t stack_value_size;	/* bytes of a stacks-map value at this max depth */
	int py_procs_fd, stacks_fd, counts_fd[2], events_fd, fresh_fd;
	int gc_starts_fd;	/* threads in a collection (bpf/gcrun.bpf.h), shared with the USDT object */
	volatile __u32 *counts_gen;	/* which counts map the program adds to (.bss) */
	volatile __u32 *stacks_epoch;	/* bumped before a stack leaves the stacks map (.bss) */
	volatile __u32 *bench_stage;	/* make bench: where the program stops (.bss, CB_BENCH_*) */
	struct cb_quota *quota;		/* the quota map, mmap'ed: CB_SLOTS entries */
};

/* Open, size (max_depth frames per stack) and load; bench: the program keeps
 * make bench's stage checks (bench_stage). 0, or -1 after a message. */
int bpfobj__load(struct bpfobj *b, int max_depth, unsigned bench_stage, bool bench);
/* Sum the per-CPU counters and the kernel's run-time stats into counters. */
void bpfobj__read_stats(const struct bpfobj *b, uint64_t counters[CTR_NR]);
/* The timed samples' ns histogram (include/sampler.h, CB_NS_BUCKETS). */
void bpfobj__read_ns_hist(const struct bpfobj *b, uint64_t hist[CB_NS_BUCKETS]);
void bpfobj__free(struct bpfobj *b);
/* libbpf's warnings off (without -v) while on: attach failures that are
 * counted and named by their caller (a process exiting under an attach). */
void bpfobj__quiet(bool on);
#endif
