/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The processes being profiled and their life cycle: found (by PID, as a
 * command's descendants, or every CPython on the machine through /proc scans
 * and exec events), classified by cpython/classify.h, registered in the BPF
 * py_procs map, and marked exited (gone, or replaced by exec). A refused
 * CPython is listed in the profile's skipped processes, once per program.
 */
#ifndef COLDBPF_COLLECT_TARGETS_H
#define COLDBPF_COLLECT_TARGETS_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "collect/agent.h"
#include "cpython/classify.h"
#include "lib/htab.h"

struct symtab;
struct profile;

/* Thread ids of one process kept apart in the profile: a server that starts
 * a thread per request must not grow it without bound; samples of later
 * threads go under thread id 0 ("other threads") and are counted. */
#define TARGET_MAX_THREADS 256

struct target {
	struct pyproc_info info;
	struct symtab *sym;
	uint32_t proc;		/* profile process index */
	double classified;	/* clock__now() when its classification began */
	struct htab tids;	/* thread ids kept apart in the profile (TARGET_MAX_THREADS) */
	bool exited;
	bool cleaned;		/* its final samples were drained and its map entries removed */
	bool ev_queued;		/* an evidence round has taken it (collect/evround.c) */
	uint8_t usdt_off;	/* enum usdt_off: its markers stay off (collect/usdtopt.h) */
};

struct targets {
	const struct agent_opts *o;
	struct profile *prof;
	struct classifier *cl;
	int py_procs_fd;
	pid_t child;		/* MODE_CMD: the command, whose descendants are wanted */
	struct target **v;
	size_t n, cap;
	struct htab by_pid;	/* pid -> index + 1 of its latest target */
	struct htab ignored;	/* pid -> index + 1 into ign: a process with no CPython (yet) */
	struct ignored {
		int pid;
		uint64_t starttime, vsize;	/* when vsize changes, it may have loaded one */
		double checked;
		uint32_t seen;		/* the last /proc scan that found it */
	} *ign;
	size_t nign, capign;
	uint32_t scans;
	struct htab refused;	/* pid -> starttime of a CPython refused (named once) */
	struct pending {
		int pid;
		double since;
	} *pend;		/* exec'd processes re-checked until libpython is mapped */
	size_t npend, cappend;
	struct cb_quota *quota;	/* per-slot stack quota, shared with the program */
	int fresh_fd;		/* samples between exec and classification (-1: none) */
	uint16_t *free_slots;	/* slots of reaped targets */
	size_t nfree_slots, capfree_slots;
	uint32_t next_slot;	/* slots never used start here */
	/* called for each target registered (the agent attaches its USDT
	 * markers there), NULL: none */
	void (*added)(void *ctx, const struct target *tg);
	void *added_ctx;
	/* --usdt gc: samples inside a collection get a <gc> frame, from the
	 * markers when gc_marks (their probes load) and the process has them,
	 * else from the interpreter's GC state (3.13+) */
	bool gc_frames, gc_marks;
};

/* quota: the mmap'ed quota map (CB_SLOTS entries) or NULL in tests. */
void targets__init(struct targets *t, const struct agent_opts *o, struct profile *prof, int py_procs_fd,
		   struct cb_quota *quota, int fresh_fd);
/* One stack of pid left the stacks map: its quota has room for one more. */
void targets__stack_gone(struct targets *t, uint32_t pid);
/* Samples each live target lost at its stack quota, into its profile entry. */
void targets__read_drops(struct targets *t);
void targets__free(struct targets *t);
/* The latest target with that PID, or NULL. */
struct target *targets__of(struct targets *t, int pid);
/* Try to make pid a target; the classification. */
enum classify targets__consider(struct targets *t, int pid);
/* An exec event: a target that exec'd has ended; the PID is re-checked. */
void targets__on_exec(struct targets *t, int pid, int tid, double when);
/* Re-check exec'd processes (the loader maps libpython after exec). */
void targets__retry_pending(struct targets *t);
/* Consider every wanted process of /proc not seen before, and those without
 * a CPython whose memory size changed (an interpreter dlopen()ed late by an
 * embedding host or a plugin), each at most every RECHECK_SECS. */
void targets__scan_proc(struct targets *t);
/* Mark targets that are gone; true when some exited target is not yet cleaned. */
bool targets__find_exited(struct targets *t);
/* Free a target's symbol table (its evictions counted). */
void targets__drop_symbols(struct targets *t, struct target *tg);
/* Forget targets whose samples are all in the profile (the profile keeps
 * their process entry): churn must not grow the target set. */
void targets__reap(struct targets *t);
/* -p mode: every given process has exited. */
bool targets__all_exited(const struct targets *t);
#endif
