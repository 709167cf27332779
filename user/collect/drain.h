/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * From BPF maps to the profile, bounded for weeks (docs/design.md,
 * "Counting without loss"):
 * - counts live in two maps; the program adds to the one counts_gen names.
 *   A drain flips counts_gen, waits out programs still running on the old
 *   map (they run for microseconds, with preemption off), then reads and
 *   empties the old map. No increment races with a delete, nothing piles up;
 * - new stacks are symbolized when their ring-buffer event arrives, while
 *   the process still exists, and kept (raw) for attribution; a stack not
 *   sampled for STACK_MAX_AGE seconds leaves the stacks map and the cache
 *   (sampled again, it is stored and announced again).
 */
#ifndef COLDBPF_COLLECT_DRAIN_H
#define COLDBPF_COLLECT_DRAIN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "lib/htab.h"
#include "sampler.h"

#define STACK_MAX_AGE 60.0	/* seconds a stack stays cached without samples */

struct profile;
struct targets;
struct srccache;

struct drain {
	struct profile *prof;
	struct targets *tg;
	int counts_fd[2], stacks_fd;
	volatile __u32 *counts_gen;	/* the program's switch (.bss) */
	/* bumped before a stack is deleted: the program's per-CPU memory of
	 * stored stacks (bpf/sampler.bpf.c, known_stack) is then void (.bss) */
	volatile __u32 *stacks_epoch;
	size_t stack_value_size;
	uint32_t max_depth;
	uint32_t epoch;		/* symbols are re-validated once per drain */
	struct rawstack {
		uint64_t stack_id;
		uint32_t pid, depth, flags;
		double last_seen;	/* last drain that attributed samples to it */
		struct cb_frame *frames;	/* leaf first */
	} *raws;
	size_t nraws, capraws;
	struct htab raw_idx;	/* stack_id -> index + 1 */
	double last_age;	/* last aging pass */
	double max_age;		/* STACK_MAX_AGE, or shorter for tests */
	struct srccache *src;	/* sources of sampled lines, for previews */
	bool no_batch;		/* the kernel has no batch operations on the counts maps */
};

void drain__init(struct drain *d, struct profile *prof, struct targets *tg, const int counts_fd[2],
		 volatile __u32 *counts_gen, volatile __u32 *stacks_epoch, int stacks_fd, size_t stack_value_size,
		 uint32_t max_depth);
void drain__free(struct drain *d);
/* A new stack of pid was stored: read it and symbolize its frames now. */
void drain__on_stack(struct drain *d, int pid, uint64_t stack_id);
/* Swap the counts maps, attribute and empty the one that was live, age stacks. */
void drain__run(struct drain *d);
/* After pid's final drain: remove its stacks from the map and the cache. */
void drain__forget_pid(struct drain *d, uint32_t pid);
#endif
