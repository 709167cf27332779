/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which lines of a code object that ran have run, from its adaptive bytecode
 * (3.11+) read from outside: the inline caches of an instruction that never
 * ran hold exactly what _PyCode_Quicken wrote (user/cpython/opcache_table.h,
 * generated and checked by scripts/gen-opcache.py), and the first execution
 * changes them. Control flow (basic blocks from the jumps and the exception
 * table) turns instructions into lines; the rules and the CPython sources
 * they rest on are in docs/cold.md ("Lines"). Pure functions over bytes
 * copied out of the target: every offset is bounded, garbage gives unknown.
 */
#ifndef COLDBPF_CPYTHON_EVLINES_H
#define COLDBPF_CPYTHON_EVLINES_H
#include <stddef.h>
#include <stdint.h>
#include "cpython/pylayout.h"

enum evl_status { EVL_UNKNOWN = 0, EVL_RAN = 1, EVL_NEVER = 2 };

/* why a line has its status (names: evlines__reason_name) */
enum evl_reason {
	EVL_R_NONE,
	EVL_R_TOUCHED,		/* ran: an instruction of it, or after it in its block, changed its caches */
	EVL_R_FLOW,		/* ran: its block is the only way into a block that ran */
	EVL_R_BLOCK_UNTOUCHED,	/* never-ran: a warm-up counter after it in its block is untouched */
	EVL_R_UNREACHED,	/* never-ran: every way into its block is never-ran */
	EVL_R_NO_CACHE,		/* unknown: no cache-bearing instruction decides its block */
	EVL_R_MAY_RAISE,	/* unknown: before an untouched instruction, but it may raise or leave */
	EVL_R_HANDLER,		/* unknown: an exception handler's block without an untouched counter */
	EVL_R_INSTRUMENTED,	/* unknown: monitoring instrumented the code object (counters reset) */
	EVL_R_PRE_QUICKENING,	/* unknown: 3.11 before quickening (caches unused) */
	EVL_R_POSITIVE_ONLY,	/* unknown: 3.11 proves only what ran */
	EVL_R_NOT_QUICKENED,	/* unknown: counters never initialised (not made by CPython's compiler) */
	EVL_R_INCONSISTENT,	/* unknown: the bytes contradict the model (a hostile or unknown layout) */
	EVL_R_ONE_READ,		/* unknown: the code object was gone before a second read confirmed it */
	EVL_R_EXITED,		/* unknown: its process exited after the read: it may have run since */
	EVL_R_OTHER_COPY,	/* unknown: another copy of the code ran, or may have, without line evidence */
	EVL_R_NR
};

struct evl_line {
	int32_t line;
	uint8_t status;	/* enum evl_status */
	uint8_t reason;	/* enum evl_reason */
};

/* A conditional jump that ran, one side of which never did. */
struct evl_branch {
	int32_t line;	/* the jump's line */
	int32_t to;	/* the first line of the side never taken (-1: none) */
	uint8_t side;	/* EVL_JUMP_NEVER (the jump was never taken) or EVL_FALL_NEVER */
};
#define EVL_JUMP_NEVER 1
#define EVL_FALL_NEVER 2

/* The result for one code object: one allocation, free() it. */
struct ev_lines {
	uint32_t nlines, nbranches;
	struct evl_line *lines;	/* sorted by line */
	struct evl_branch *branches;
};

/* evlines__compute flags */
#define EVL_F_RAN 0x1		/* the code object ran (its first instruction did) */
#define EVL_F_INSTRUMENTED 0x2	/* _co_instrumentation_version or _co_monitoring set */

/* Per-line statuses of a code object of CPython 3.minor: bc and bc2 are two
 * reads of its adaptive bytecode (units code units each; bc2 may be NULL):
 * an instruction is untouched only if both show it so (a read can meet an
 * instruction in the middle of its execution). lt: the location table;
 * exc: the exception table (3.11+ formats). NULL when the version has no
 * table row or the input is unusable. */
struct ev_lines *evlines__compute(int minor, const uint8_t *bc, const uint8_t *bc2, size_t units,
				  const uint8_t *lt, size_t ltlen, int firstlineno, const uint8_t *exc,
				  size_t exclen, unsigned flags);
/* Two results for the same code (two reads, two copies, two processes):
 * ran if either ran, never-ran only if both say so, else unknown; a line
 * only one has keeps its status. A never-taken side stays only if its line
 * is still never-ran. A new allocation (NULL when out of memory). */
struct ev_lines *evlines__merge(const struct ev_lines *a, const struct ev_lines *b);
/* The same for copies whose code may differ (two processes, two hosts):
 * a never-ran line must be never-ran in both; one that only one has is
 * unknown (other-copy). */
struct ev_lines *evlines__merge_strict(const struct ev_lines *a, const struct ev_lines *b);
/* An uninitialised result of nl lines and nbr branches (one allocation). */
struct ev_lines *evlines__alloc(size_t nl, size_t nbr);
/* A copy with every never-ran line unknown for reason r. */
struct ev_lines *evlines__weaken(const struct ev_lines *a, enum evl_reason r);
struct ev_lines *evlines__dup(const struct ev_lines *a);
/* Lines of a live code object at addr (header hdr, adaptive bytecode bc of
 * units code units already read): reads its location and exception tables
 * (bounded) and a second copy of its bytecode. NULL when unreadable. */
struct ev_lines *evlines__read(int pid, const struct pylayout *l, uint64_t addr, const uint8_t *hdr,
			       const uint8_t *bc, size_t units, unsigned flags);
struct ev_scan;
/* evscan.c's: keep the lines of code idx of scan s (this copy's status st;
 * NULL lines: it left none), merged with other copies'; a code object with
 * a never-ran line is remembered for evlines__recheck. Takes lines. */
void evlines__take(struct ev_scan *s, const struct pylayout *l, uint64_t addr, const uint8_t *hdr, uint32_t idx,
		   int st, struct ev_lines *lines);
/* At the end of a round (started at t0): read the remembered code objects
 * again, 20 ms or more after their first read, and keep only the never-ran
 * lines both reads show. */
void evlines__recheck(int pid, const struct pylayout *l, struct ev_scan *s, double t0);
const char *evlines__reason_name(enum evl_reason r);
const char *evlines__status_name(enum evl_status s);
/* Whether opcode op of 3.minor can neither raise, leave, suspend nor call out
 * (LOAD_FAST, LOAD_CONST, NOP, ...: opcache_table.h). */
int evlines__noraise(int minor, uint8_t op);
/* Whether the version has a table (3.11+ with a row). */
int evlines__supported(int minor);
#endif
