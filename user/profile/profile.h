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
#include "profile/pusdt.h"

#define PROFILE_FORMAT_VERSION 1
#define PF_STACK_TRUNCATED CB_STACK_TRUNCATED
/* the raw stack's GC bits (CB_STACK_GC and its generation) become a <gc>
 * leaf frame (profile__gc_func); a profile's stacks never carry them */
#define PF_GC_FLAGS (CB_STACK_GC | (3u << CB_STACK_GC_SHIFT))
#define PF_GC_FILE "<gc>"	/* the file of the <gc> frames: no source */
/* pstack.flags bits 16-31: the interpreter's id (0: the main interpreter;
 * subinterpreters' stacks are kept apart) */
#define PF_INTERP_SHIFT 16
#define PF_INTERP(flags) ((uint32_t)(flags) >> PF_INTERP_SHIFT)

struct pfunc {
	char *file;
	char *qualname;
	int firstline;
};

struct pframe {
	uint32_t func;
	int32_t line;	/* -1: no line */
};

/* Marks: a count of each stack at one moment, kept through the folding of
 * exited processes, so that "the samples since then" can be taken at any
 * time (coldbpf serve's /debug/pprof/profile?seconds=N). */
#define PROFILE_MARKS 5

struct pstack {
	uint32_t proc;	/* index into procs */
	uint32_t tid;
	uint32_t depth;
	uint32_t flags;	/* PF_STACK_TRUNCATED, PF_INTERP() */
	uint64_t count;
	struct pframe *frames;	/* root first */
	uint64_t base[PROFILE_MARKS];	/* count at each mark (0: added since) */
};

struct pproc {
	int pid;
	char *comm;
	char *cmdline;
	char *python;	/* "3.11.2" */
	char *method;	/* version detection method */
	/* where its file names resolve (procfs__link), as the host sees them,
	 * NULL when unknown: its root directory (a chroot; NULL for "/"), and
	 * its working directory (for a relative co_filename) */
	char *root, *cwd;
	/* its PID in its own PID namespace (a container's), 0 when it has none
	 * of its own or it is unknown */
	int nspid;
	uint64_t samples;
	uint64_t dropped;	/* samples lost at its share of the stacks map (err_stack_quota) */
	bool exited;	/* exited while coldbpf ran */
	/* > 0: not one process but this many exited processes of one program
	 * (pid 0, cmdline the program: profile__program), folded together so
	 * that churn does not grow the profile (profile__fold_exited) */
	uint32_t folded;
	/* exited processes of this entry whose evidence was never read (a run
	 * with --evidence): they may have loaded and run any code */
	uint32_t unread;
	/* its evidence was read at its exit (collect/exitread.c): its never-ran
	 * claims hold for its whole life; a folded entry: every process of it */
	bool final;
	/* ... but a module was imported after its last round: code of files
	 * it had not loaded then may have run (docs/cold.md, "Soundness") */
	bool late;
	/* how long the process had run when its evidence was last read (s; 0
	 * unknown): what its never-ran claims cover */
	double evidence_age;
	/* not a process: the evidence of a pprof file, merged over processes
	 * and hosts (profile/pprofread.c, docs/pprof.md); alive counts the
	 * processes it stands for that were read alive (0: none) */
	bool merged;
	uint32_t alive;
	/* what its static markers told (GC pauses, imports; --usdt), NULL
	 * when no USDT feature was on (profile/pusdt.h) */
	struct pusdt *usdt;
	bool unused;	/* a free slot (only while recording; profile__compact) */
	uint64_t exit_seq;	/* order of exits, for folding the oldest first */
};

/* A CPython process seen but not profiled (unsupported version or build). */
struct pskip {
	int pid;
	char *cmdline;
	char *reason;
};

struct ev_lines;

/* Execution evidence of one process's live code objects (cpython/evidence.h):
 * function index and enum ev_status, read when the profile was taken. */
struct pevcode {
	uint32_t func;
	uint8_t status;
	uint8_t flags;	/* EV_C_* of cpython/evidence.h (1: a live function object) */
	/* per-line statuses of code that ran (--evidence-lines), owned: one
	 * allocation (cpython/evlines.h), freed with the codes; NULL: none */
	struct ev_lines *lines;
};
/* Free an array of n codes and the lines they own. */
void profile__free_codes(struct pevcode *codes, size_t n);

struct pevidence {
	uint32_t proc;
	struct pevcode *codes;
	size_t n;
	bool partial;	/* swapped-out memory was skipped: code there was not seen */
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
	/* the timed samples' ns by quarter octave (include/sampler.h); in
	 * profile files as stats.bpf_ns_hist */
	uint64_t ns_hist[CB_NS_BUCKETS];
};

struct profile {
	double duration_s;
	int frequency_hz;
	double effective_hz;	/* the mean rate sampled at, when --max-overhead lowered it; 0: frequency_hz */
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
	uint32_t *free_procs;	/* unused slots of procs, reused first */
	size_t nfree_procs, capfree_procs;
	uint64_t exits;	/* exit_seq source */
	uint64_t skipped_unlisted;	/* skipped processes beyond PROFILE_MAX_SKIPPED */
	bool marked[PROFILE_MARKS];
};

/* Exited processes kept one by one; older ones are folded per program. */
#define PROFILE_KEEP_EXITED 64
/* Skipped processes listed; more are only counted. */
#define PROFILE_MAX_SKIPPED 256

struct profile *profile__new(void);
void profile__free(struct profile *p);

uint32_t profile__func(struct profile *p, const char *file, const char *qualname, int firstline);
/* The <gc> frame's function: "<gc gen N>" for generation 0-2 (the gc__start
 * marker says), "<gc>" when it is not known (gen 3: no markers). */
uint32_t profile__gc_func(struct profile *p, unsigned gen);
/* Is func a <gc> frame's? */
bool profile__is_gc_func(const struct profile *p, uint32_t func);
uint32_t profile__proc(struct profile *p, int pid, const char *comm, const char *cmdline,
		       const char *python, const char *method);
/* Adds count samples of a root-first stack; merges identical stacks. The
 * stack's index (SIZE_MAX when count is 0). */
size_t profile__add(struct profile *p, uint32_t proc, uint32_t tid, const struct pframe *frames,
		    uint32_t depth, uint32_t flags, uint64_t count);
/* A new mark (-1: PROFILE_MARKS are in use) / samples of stack i since mark
 * m / the mark is no longer needed. */
int profile__mark(struct profile *p);
uint64_t profile__since_mark(const struct profile *p, int m, size_t i);
void profile__unmark(struct profile *p, int m);
/* Remove stack i (its frames now belong to the caller; the last stack
 * moves to i) / rebuild the stack index after stacks changed keys. */
void profile__del_stack(struct profile *p, size_t i);
void profile__reindex_stacks(struct profile *p);
/* Source text of file:line (NULL if unknown) / record it. */
const char *profile__source(const struct profile *p, const char *file, int line);
void profile__set_source(struct profile *p, const char *file, int line, const char *text);
uint64_t profile__total(const struct profile *p);
void profile__skip(struct profile *p, int pid, const char *cmdline, const char *reason);
/* Whether some evidence of proc is in the profile. */
bool profile__has_evidence(const struct profile *p, uint32_t proc);
/* Record where proc's file names resolve (either may be NULL or ""). */
void profile__proc_place(struct profile *p, uint32_t proc, const char *root, const char *cwd);
/* The evidence of proc skipped swapped-out memory (set after set_evidence). */
void profile__evidence_partial(struct profile *p, uint32_t proc, bool partial);
/* Mark proc exited (its order of exit is kept). */
void profile__exited(struct profile *p, uint32_t proc);
/* Fold the oldest exited processes beyond keep into one entry per program
 * (python version and profile__program of the command line): their stacks
 * merge (thread ids become 0), their evidence becomes the union of
 * (function, status) pairs, the slots are reused. Returns how many folded. */
size_t profile__fold_exited(struct profile *p, size_t keep);
/* Drop unused slots (renumbering stacks and evidence): call when no index
 * of procs is held outside the profile any more. */
void profile__compact(struct profile *p);
/* The program of a space-joined Python command line, written to out:
 * the executable and the script ("-c" or "-m MODULE"), no arguments. */
void profile__program(const char *cmdline, char *out, size_t sz);
/* profile__program of every process at once (names[i], "" for a free slot
 * or an entry of merged evidence), for passes that group processes by
 * program. Caller frees. */
#define PROFILE_PROGRAM_MAX 1024
char (*profile__programs(const struct profile *p))[PROFILE_PROGRAM_MAX];
/* A new profile of the processes i with keep[i] (NULL: all) (their stacks,
 * evidence and exit facts; functions renumbered; stats copied; no marks or
 * sources), stack i with counts[i] samples (NULL: its own count; 0 leaves it out). */
struct profile *profile__subset(const struct profile *p, const bool *keep, const uint64_t *counts);
/* Replace the evidence of process proc (a later scan supersedes an earlier one). */
void profile__set_evidence(struct profile *p, uint32_t proc, struct pevcode *codes, size_t n);
#endif
