/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The evidence samples of a pprof file, summed (profile/pprofread.c reads
 * them), then turned into entries of the profile that deadcode/match.c
 * reads as it reads any profile's processes: per program, one entry with
 * the statuses of its functions (ran, never-ran, unknown: match.c merges
 * them over entries, ran anywhere being ran), the lines of those that ran
 * (merged over every program and profile first, as lines of one code may
 * differ between versions) and its unread exits; one
 * entry that stands for every process read alive (pproc.merged: the count,
 * the shortest window); entries that carry the exit counts. Why these sums
 * keep the rules of docs/cold.md: docs/pprof.md, "Evidence".
 */
#ifndef COLDBPF_PROFILE_PPROFEV_H
#define COLDBPF_PROFILE_PPROFEV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cpython/evlines.h"
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

/* A line's or a branch's evidence sample (docs/pprof.md, "Lines") */
struct evsum_line {
	uint32_t func;
	int32_t line;
	uint64_t v[3];		/* ev_line_ran, ev_line_never, ev_line_unknown */
	uint8_t why[3];		/* a reason given with each (enum evl_reason) */
};
struct evsum_branch {
	uint32_t func;
	int32_t line, to;
	uint8_t side;		/* EVL_JUMP_NEVER, EVL_FALL_NEVER */
};
#define EVSUM_MAX_LINES (1u << 22)	/* line and branch samples, each */

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
	struct evsum_line *ln;		/* one per sample until evsum__apply sums them */
	size_t nln, capln;
	struct evsum_branch *br;
	size_t nbr, capbr;
	struct ev_lines **built;	/* per profile function: its merged lines (evsum__apply) */
	size_t nbuilt;
};

void evsum__init(struct evsum *s);
void evsum__free(struct evsum *s);
/* A "[coldbpf evidence]" sample: its values (by enum pprof_col) and its
 * process label (NULL when absent). */
void evsum__add_profile(struct evsum *s, const uint64_t v[PC_NR], const char *program);
/* A function's evidence sample. */
void evsum__add_function(struct evsum *s, uint32_t func, const char *program, const uint64_t v[PC_NR]);
/* A line's sample of func (its ev_line_* values, the reason label) and a
 * branch's. 0, or -1 beyond EVSUM_MAX_LINES. */
int evsum__add_line(struct evsum *s, uint32_t func, int32_t line, const uint64_t v[PC_NR], enum evl_reason why);
int evsum__add_branch(struct evsum *s, uint32_t func, int32_t line, int side, int32_t to);
/* The sums as evidence entries of p (docs/pprof.md, "How cold reads it"). */
void evsum__apply(struct evsum *s, struct profile *p);
#endif
