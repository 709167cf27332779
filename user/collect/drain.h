/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * From BPF maps to the profile. Counters in the counts map only grow; each
 * drain reads every counter and attributes the delta since the previous
 * read, so no sample is lost or counted twice whatever the timing
 * (docs/design.md, "Counting without loss"). New stacks are symbolized when
 * their ring-buffer event arrives, while the process still exists.
 */
#ifndef COLDBPF_COLLECT_DRAIN_H
#define COLDBPF_COLLECT_DRAIN_H
#include <stddef.h>
#include <stdint.h>
#include "lib/htab.h"
#include <linux/types.h>
#include "sampler.h"

struct profile;
struct targets;
struct srccache;

struct drain {
	struct profile *prof;
	struct targets *tg;
	int counts_fd, stacks_fd;
	size_t stack_value_size;
	uint32_t max_depth;
	uint32_t epoch;		/* symbols are re-validated once per drain */
	struct rawstack {
		uint32_t pid, depth, flags;
		struct cb_frame *frames;	/* leaf first */
	} *raws;
	size_t nraws, capraws;
	struct htab raw_idx;	/* stack_id -> index + 1 */
	struct prevcount {
		struct cb_count_key key;
		uint64_t value;
	} *prev;		/* each counter's value at the last drain */
	size_t nprev, capprev;
	struct htab prev_idx;	/* hash(key) -> index + 1 */
	struct srccache *src;	/* sources of sampled lines, for previews */
};

void drain__init(struct drain *d, struct profile *prof, struct targets *tg, int counts_fd, int stacks_fd,
		 size_t stack_value_size, uint32_t max_depth);
void drain__free(struct drain *d);
/* A new stack of pid was stored: read it and symbolize its frames now. */
void drain__on_stack(struct drain *d, int pid, uint64_t stack_id);
/* Read every counter; attribute what grew since the last drain. */
void drain__run(struct drain *d);
/* After pid's final drain: remove its entries from the BPF maps. */
void drain__forget_pid(struct drain *d, uint32_t pid);
#endif
