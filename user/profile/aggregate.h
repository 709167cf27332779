/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Sums over a profile that several outputs and analyses share. */
#ifndef COLDBPF_PROFILE_AGGREGATE_H
#define COLDBPF_PROFILE_AGGREGATE_H
#include <stddef.h>
#include <stdint.h>
#include "profile/profile.h"

struct func_stat {
	uint32_t func;
	uint64_t self, total;	/* a function counts once per stack in total (recursion) */
};

struct line_stat {
	uint32_t func;		/* a function the line belongs to (leaf) */
	int line;
	uint64_t self;
};

/* Per-function self/total samples of every function in some stack, hottest
 * (self, then total) first. Caller frees. */
struct func_stat *profile__func_stats(const struct profile *p, size_t *n);
/* Per-(file, line) leaf samples, hottest first. Caller frees. */
struct line_stat *profile__line_stats(const struct profile *p, size_t *n);
#endif
