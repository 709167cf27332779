/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The aggregated profile: processes, functions (file, qualified name, first
 * line), and stacks of (function, line) with sample counts, per process and
 * thread. Every output (text, JSON, folded) is a view of this model, and a
 * saved profile loads back into it.
 */
#ifndef COLDBPF_PROFILE_H
#define COLDBPF_PROFILE_H
#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "sampler.h"
#include "lib/htab.h"
#include "profile/counters.h"

#define PROFILE_FORMAT_VERSION 1
#define PF_STACK_TRUNCATED CB_STACK_TRUNCATED

struct pfunc {
	char *file;
	char *qualname;
	int firstline;
};

struct pframe {
	uint32_t func;
	int32_t line;	/* -1: no line */
};

struct pstack {
	uint32_t proc;	/* index into procs */
	uint32_t tid;
	uint32_t depth;
	uint32_t flags;	/* PF_STACK_TRUNCATED */
	uint64_t count;
	struct pframe *frames;	/* root first */
};

struct pproc {
	int pid;
	char *comm;
	char *cmdline;
	char *python;	/* "3.11.2" */
	char *method;	/* version detection method */
	uint64_t samples;
	bool exited;	/* exited while coldbpf ran */
};

/* A CPython process seen but not profiled (unsupported version or build). */
struct pskip {
	int pid;
	char *cmdline;
	char *reason;
};

/* Execution evidence of one process's live code objects (cpython/evidence.h):
 * function index and enum ev_status, read when the profile was taken. */
struct pevcode {
	uint32_t func;
	uint8_t status;
};

struct pevidence {
	uint32_t proc;
	struct pevcode *codes;
	size_t n;
};

struct psource {
	char *file;
	int line;
	char *text;
};

/* Counters of the run that made the profile (names: profile/counters.h). */
struct pstats {
	bool present;
	uint64_t counters[CTR_NR];
};

struct profile {
	double duration_s;
	int frequency_hz;
	int max_depth;
	char started[32];	/* ISO 8601 UTC */
	struct pfunc *funcs;
	size_t nfuncs, capfuncs;
	struct pproc *procs;
	size_t nprocs, capprocs;
	struct pstack *stacks;
	size_t nstacks, capstacks;
	struct psource *sources;
	size_t nsources, capsources;
	struct pskip *skipped;
	size_t nskipped, capskipped;
	struct pevidence *evidence;
	size_t nevidence, capevidence;
	struct pstats stats;
	struct htab func_idx, stack_idx, source_idx;	/* hash -> index + 1 */
};

struct profile *profile__new(void);
void profile__free(struct profile *p);

uint32_t profile__func(struct profile *p, const char *file, const char *qualname, int firstline);
uint32_t profile__proc(struct profile *p, int pid, const char *comm, const char *cmdline,
		       const char *python, const char *method);
/* Adds count samples of a root-first stack; merges identical stacks. */
void profile__add(struct profile *p, uint32_t proc, uint32_t tid, const struct pframe *frames,
		  uint32_t depth, uint32_t flags, uint64_t count);
/* Source text of file:line (NULL if unknown) / record it. */
const char *profile__source(const struct profile *p, const char *file, int line);
void profile__set_source(struct profile *p, const char *file, int line, const char *text);
uint64_t profile__total(const struct profile *p);
void profile__skip(struct profile *p, int pid, const char *cmdline, const char *reason);
/* Replace the evidence of process proc (a later scan supersedes an earlier one). */
void profile__set_evidence(struct profile *p, uint32_t proc, struct pevcode *codes, size_t n);
#endif
