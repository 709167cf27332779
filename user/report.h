/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Views of a profile: the text heatmap and collapsed ("folded") stacks. */
#ifndef COLDBPF_REPORT_H
#define COLDBPF_REPORT_H
#include <stdbool.h>
#include <stdio.h>
#include "profile.h"

struct report_opts {
	int top;		/* rows per table */
	bool lines;		/* per-function line breakdown */
	bool stats;		/* sampler statistics */
};

struct func_stat {
	uint32_t func;
	uint64_t self, total;
};

struct line_stat {
	uint32_t func;		/* a function the line belongs to (leaf) */
	int line;
	uint64_t self;
};

/* Per-function self/total samples, sorted hottest (self) first. Caller frees. */
struct func_stat *report__func_stats(const struct profile *p, size_t *n);
/* Per-(file, line) leaf samples, hottest first. Caller frees. */
struct line_stat *report__line_stats(const struct profile *p, size_t *n);

void report__text(const struct profile *p, const struct report_opts *o, FILE *out);
/* One line per unique (process, stack), root first; 0 or -1 on write error. */
int report__folded(const struct profile *p, FILE *out);
/* Print sampler statistics (--stats). */
void report__stats(const struct profile *p, FILE *out);
const char *cb_stat_name(int idx);
#endif
