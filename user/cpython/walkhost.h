/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF stack walker (bpf/walker.h) run as host C over mem__read(): every
 * thread state of every interpreter of a process, walked as the kernel would.
 * Used by the memory-image tests and the image recorder, not by sampling.
 */
#ifndef COLDBPF_CPYTHON_WALKHOST_H
#define COLDBPF_CPYTHON_WALKHOST_H
#include <linux/types.h>
#include "sampler.h"

/* Called once per thread state with its stack (leaf first) and whether the
 * kernel's thread search picks that thread state for its thread (by its
 * thread_id, and among several of one thread the current one); stack->interp
 * is its interpreter's id. Non-zero stops the walk. */
typedef int (*walkhost_fn)(const struct cb_stack *stack, __u64 tstate, int searchable, void *ctx);

/* Walk every thread of pid (max_depth frames each), at most
 * WALKHOST_MAX_TSTATES thread states over all interpreters (the kernel's
 * search takes no more steps either). searchable is computed only with
 * search set, for the first WALKHOST_SEARCHED thread states (a search per
 * thread state is quadratic in a hostile list of thousands); else it is 1. Returns the number of thread states visited,
 * -1 when the runtime could not be read, or -2 when the limit cut the walk.
 * Per thread: walks in several threads at once are fine. */
#define WALKHOST_MAX_TSTATES 4096
#define WALKHOST_SEARCHED 256
int walkhost__threads(int pid, const struct cb_layout *l, __u32 max_depth, walkhost_fn fn, void *ctx, int search);
#endif
