/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A profile as pprof (perftools.profiles.Profile, gzip-compressed): CPU
 * samples of Python stacks, and the dead-code evidence as sample types that
 * stay sound when pprof tools merge profiles by summing them
 * (docs/pprof.md). Used by `coldbpf report --format pprof` (output/format.c)
 * and by anything that serves profiles: pprof__encode works on memory.
 */
#ifndef COLDBPF_OUTPUT_PPROF_H
#define COLDBPF_OUTPUT_PPROF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct profile;
struct output_opts;

struct pprof_opts {
	/* samples per stack, indexed like p->stacks (e.g. the deltas of the
	 * last N seconds); NULL: the stacks' own counts. A stack at 0 is left out. */
	const uint64_t *counts;
	/* the window the samples cover, ns since the epoch and ns; 0: the
	 * profile's own (started, duration_s) */
	int64_t time_ns, duration_ns;
	/* the evidence sample's host label; NULL: gethostname() */
	const char *host;
	/* its profile_id label; NULL: 16 random hex digits */
	const char *profile_id;
	/* CPU samples only: the file then says it carries no evidence
	 * (ev_incomplete), so that merged with others nothing is never-ran */
	bool no_evidence;
	/* the protobuf as it is, not gzip-compressed */
	bool raw;
};

/* The profile as pprof in a new buffer (*out, *len; the caller frees it).
 * o may be NULL. 0, or -1 (compression failed). */
int pprof__encode(const struct profile *p, const struct pprof_opts *o, uint8_t **out, size_t *len);
/* The format table's writer (output/format.c): pprof__encode with no
 * options, written to f. */
int pprof__write(const struct profile *p, const struct output_opts *o, FILE *f);
#endif
