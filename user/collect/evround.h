/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Execution evidence rounds (--evidence): every EVIDENCE_SECS a round scans
 * every live target in a worker thread, so that sampling drains never wait
 * for it; the main thread puts the results into the profile when the round
 * is done. A target's first rounds, one in EVIDENCE_FULL_ROUNDS and the
 * final one are full (every writable mapping); the others only re-read the
 * code objects last seen never-ran and memory mapped since
 * (cpython/evidence.h). The cost of each round is logged with -v and summed
 * in the evidence_* counters.
 */
#ifndef COLDBPF_COLLECT_EVROUND_H
#define COLDBPF_COLLECT_EVROUND_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "cpython/evidence.h"
#include "cpython/pylayout.h"
#include "lib/htab.h"

#define EVIDENCE_SECS		10.0	/* a round this often (--evidence-interval-ms for tests) */
#define EVIDENCE_FULL_ROUNDS	6	/* a full round per target at least every 6 rounds (60 s) */
#define EVIDENCE_YOUNG_ROUNDS	6	/* a target's first rounds are full: young processes import */
#define EVIDENCE_YOUNG_WINDOW	60.0	/* ... but only those in the first minute after its first
					 * round: with serve's 60 s rounds, 6 young rounds made
					 * the first 6 minutes all full scans */
/* a new target is read this long after its classification, between the
 * rounds: a process that exits early (a reloaded worker, a job) then has
 * evidence of what it loaded (docs/cold.md, "Soundness" 5) */
#define EVIDENCE_YOUNG_SECS	0.5

struct targets;
struct profile;

/* One target's evidence, kept from round to round. */
struct evstate {
	int pid;
	uint64_t starttime;
	struct ev_scan sc;
	bool have;		/* sc holds a full round */
	unsigned since_full;	/* rounds since the last full one */
	unsigned rounds;
	double first;		/* when its first round started (clock__now) */
};

struct evjob {
	struct evstate *st;
	uint32_t proc;		/* the target's profile entry */
	struct pylayout layout;
	bool full;
	int err;
	double secs;
	double age;	/* the process's age when this round read it */
};

struct exitread;

struct evround {
	struct exitread *x;	/* exit reads: each applied round publishes its probes (NULL: off) */
	struct evstate **states;
	size_t nstates, capstates;
	struct evjob *jobs;
	size_t njobs, capjobs;
	pthread_t thread;
	bool running;
	int done;		/* set by the worker (atomic) */
	double started;
	double max_drain_gap;	/* the longest wait between drains while it ran */
	double last_drain;
	uint64_t rounds;
	bool lines;		/* full rounds read per-line statuses (--evidence-lines) */
};

void evround__init(struct evround *r);
void evround__free(struct evround *r);
/* Start a round over the live targets (none running). final: every scan
 * full; young_only: only targets never read yet (evround__young_due). */
void evround__start(struct evround *r, struct targets *tg, double now, bool final, bool young_only);
/* Is a target due its first read (classified EVIDENCE_YOUNG_SECS ago)? */
bool evround__young_due(const struct targets *tg, double now);
/* A drain happened at now (for the round's log: the longest wait between drains). */
void evround__drained(struct evround *r, double now);
/* If the running round is done (or wait), put its results into prof. True
 * when a round was applied. */
bool evround__collect(struct evround *r, struct targets *tg, struct profile *prof, bool wait);
#endif
