/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one registry of coldbpf's counters: every outcome of a sample in BPF
 * (include/sampler.h, enum cb_stat, in the same order) and every count the
 * agent keeps. The text report, the profile file and (later) /metrics all
 * read names and meanings from here, so a counter added once shows up
 * everywhere under one name.
 */
#ifndef COLDBPF_PROFILE_COUNTERS_H
#define COLDBPF_PROFILE_COUNTERS_H
#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "sampler.h"

enum counter {
	/* 0 .. CB_STAT_NR - 1: the BPF program's per-CPU counters, summed */
	CTR_UNRESOLVED_FRAMES = CB_STAT_NR,	/* frames whose code object could not be read */
	CTR_STACKS_LOST,		/* samples whose stack was gone from the stacks map */
	CTR_SAMPLES_AFTER_EXIT,
	CTR_SAMPLES_BEFORE_CLASSIFIED,	/* samples of a profiled process between its exec and its classification */		/* samples of a process already retired (exec, PID reuse) */
	CTR_SRC_READ,			/* source files read as a target's user (lib/tfile.h) */
	CTR_SRC_REFUSED,		/* ... named by a target, not a regular file on an ordinary fs */
	CTR_SRC_DENIED,			/* ... the target's user could not read, or outside its root */
	CTR_SRC_FAILED,			/* ... gone, unreadable or binary */
	CTR_SRC_TIMEOUTS,		/* ... reads abandoned at their deadline */
	CTR_EVIDENCE_ROUNDS,		/* evidence rounds (--evidence) */
	CTR_EVIDENCE_NS,		/* ... their wall time, in the worker */
	CTR_EVIDENCE_BYTES,		/* ... target memory they read */
	CTR_EVIDENCE_SKIPPED,		/* ... target memory not resident, skipped */
	CTR_EXIT_READ,			/* exited processes whose never-ran markers were read at their exit */
	CTR_EXIT_UNREAD,		/* ... that were not (no probe set, exec with threads, events lost) */
	CTR_EXIT_INCOMPLETE,		/* ... read, but monitoring or imports since the last round left claims open */
	CTR_EXIT_CHILDREN,		/* forked children seen only at their exit, read there */
	CTR_EXIT_NS,			/* BPF time of the exit reads */
	CTR_EXIT_EVENTS_LOST,		/* exit-read events that did not fit the ring buffer */
	CTR_THREADS_MERGED,		/* samples of threads beyond a process's first 256, kept under thread 0 */
	CTR_SYMBOLS_EVICTED,		/* symbol-table entries evicted at the per-process bound */
	CTR_PROCS_FOLDED,		/* exited processes folded into per-program entries */
	CTR_PROCS_FILTERED,		/* processes left out by --include/--exclude filters (per look) */
	CTR_SKIPPED_UNLISTED,		/* skipped processes beyond the listed PROFILE_MAX_SKIPPED */
	CTR_USDT_PROCS,			/* processes whose static markers were attached (--usdt) */
	CTR_USDT_PROBES,		/* ... call sites attached (uprobes, each raising its semaphore) */
	CTR_USDT_NO_MARKERS,		/* processes whose interpreter has no markers */
	CTR_USDT_FAILED,		/* processes with markers that could not be attached */
	CTR_USDT_LIMIT,			/* ... not attached: CB_USDT_PROCS had probes already */
	CTR_USDT_OFF,			/* ... kept off: --usdt-exclude or the process's COLDBPF_USDT=off */
	CTR_USDT_ATTACH_NS,		/* agent time attaching and detaching them */
	CTR_USDT_GC_UNPAIRED,		/* BPF: gc__done without its start (attached mid-collection) */
	CTR_USDT_IMPORT_UNPAIRED,	/* BPF: import done without its start */
	CTR_USDT_IMPORT_DEEP,		/* BPF: imports nested deeper than CB_IMPORT_DEPTH, not timed */
	CTR_USDT_EVENTS_LOST,		/* BPF: import events that did not fit the ring buffer */
	CTR_AUDIT_LOST,			/* BPF: audit events that did not fit the ring buffer */
	CTR_USDT_UNOWNED,		/* BPF: marker hits of a process no longer held */
	CTR_CALLS_LOST,			/* BPF: calls not counted: the calls map was full (--calls) */
	CTR_CALLS_UNREAD,		/* BPF: function__entry hits whose frame could not be read */
	CTR_CALLS_RESUMES,		/* BPF: function__entry hits of a resumed generator/coroutine */
	CTR_NR,
};

enum counter_kind {
	CTR_KIND_COUNT,	/* an event count (samples, reads) */
	CTR_KIND_LOSS,	/* something was lost or dropped: shown after every run when non-zero */
	CTR_KIND_OUTCOME,	/* a sample found no Python running then (idle, native thread): not a loss */
	CTR_KIND_NS,	/* a time in nanoseconds */
};

struct counter_info {
	const char *name;	/* snake_case; the profile file's key, later the metric's suffix */
	enum counter_kind kind;
	const char *help;	/* one line */
};

/* NULL for an index out of range. */
const struct counter_info *counter__info(int idx);
/* counter__info(idx)->name, or NULL. */
const char *counter__name(int idx);
/* The median of a timed-ns histogram (include/sampler.h, CB_NS_BUCKETS),
 * linear inside its bucket; 0 when empty. */
double counter__ns_median(const uint64_t hist[CB_NS_BUCKETS]);
#endif
