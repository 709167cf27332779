/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The evidence samples of a pprof file, summed (profile/pprofread.c reads
 * them), then turned into entries of the profile that deadcode/match.c
 * reads as it reads any profile's processes: per program, one entry with
 * the statuses of its functions (ran, never-ran, unknown: match.c merges
 * them over entries, ran anywhere being ran) and its unread exits; one
 * entry that stands for every process read alive (pproc.merged: the count,
 * the shortest window); entries that carry the exit counts. Why these sums
 * keep the rules of docs/cold.md: docs/pprof.md, "Evidence".
 */
#ifndef COLDBPF_PROFILE_PPROFEV_H
#define COLDBPF_PROFILE_PPROFEV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/htab.h"
#include "profile/pprofschema.h"
#include "profile/profile.h"

struct evsum_fn {
	uint32_t func, prog;	/* a profile function, an index into progs */
	uint64_t v[PC_NR];
};

struct evsum_prog {
	char *name;		/* the program (the samples' process label) */
	uint64_t h[PC_NR];	/* its "[coldbpf evidence]" samples, summed */
	uint64_t late_profiles;	/* profiles (and copies of them) where it had late exits */
};

struct evsum {
	uint64_t profiles;		/* "[coldbpf evidence]" samples */
	uint64_t processes, partial, incomplete;
	double window;			/* the shortest ev_window_seconds (< 0: none) */
	bool window_unknown;		/* ... one was 0 */
	struct evsum_fn *fn;
	size_t nfn, capfn;
	struct htab fn_idx;		/* prog << 32 | func -> fn + 1 */
	struct evsum_prog *progs;
	size_t nprogs, capprogs;
	struct htab prog_idx;		/* hash(name) -> progs + 1 */
};

void evsum__init(struct evsum *s);
void evsum__free(struct evsum *s);
/* A "[coldbpf evidence]" sample: its values (by enum pprof_col) and its
 * process label (NULL when absent). */
void evsum__add_profile(struct evsum *s, const uint64_t v[PC_NR], const char *program);
/* A function's evidence sample. */
void evsum__add_function(struct evsum *s, uint32_t func, const char *program, const uint64_t v[PC_NR]);
/* The sums as evidence entries of p (docs/pprof.md, "How cold reads it"). */
void evsum__apply(struct evsum *s, struct profile *p);
#endif
