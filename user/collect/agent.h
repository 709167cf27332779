/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The live sampler: loads the BPF program, keeps the set of CPython targets
 * (given PIDs, a command and its children, or every CPython on the machine),
 * drains the BPF maps and builds a struct profile.
 */
#ifndef COLDBPF_COLLECT_AGENT_H
#define COLDBPF_COLLECT_AGENT_H
#include <signal.h>
#include <stdbool.h>
#include "profile/profile.h"

enum agent_mode {
	MODE_ALL,	/* --all-python */
	MODE_PIDS,	/* -p PID,... */
	MODE_CMD,	/* -- CMD ARGS */
};

struct target_filter;

/* What the loop tells a tick besides the profile. */
struct agent_tick {
	double now;		/* clock__now() */
	double uptime;		/* seconds since sampling started */
	unsigned targets;	/* processes profiled now */
};

struct cb_uaudit;
struct pproc;

struct agent_opts {
	enum agent_mode mode;
	int *pids;
	size_t npids;
	char **cmd;
	int hz;
	double duration;	/* seconds; 0 = until a signal (or the targets exit) */
	int max_depth;
	double drain_interval;	/* seconds between map drains */
	double evidence_interval;	/* seconds between evidence rounds (EVIDENCE_SECS) */
	bool evidence;		/* scan execution evidence into the profile (--evidence) */
	bool evidence_lines;	/* ... with per-line statuses (--evidence-lines) */
	unsigned usdt;		/* CPython's static markers attached: PU_GC | PU_IMPORT (--usdt) */
	volatile sig_atomic_t *stop;
	/* --all-python: which processes (collect/filter.h); NULL: every one */
	const struct target_filter *filter;
	/* --usdt-exclude: processes whose markers stay off (collect/usdtopt.h);
	 * NULL: none */
	const struct target_filter *usdt_exclude;
	/* coldbpf serve: called from the agent's loop at every tick (50 ms),
	 * with the profile's counters current: the one place where requests of
	 * other threads meet the profile (serve/serve.c). NULL for a recording. */
	void (*tick)(void *ctx, struct profile *prof, const struct agent_tick *t);
	void *tick_ctx;
	/* coldbpf audit (usdt PU_AUDIT): each audit event (collect/usdt.h) */
	void (*audit)(void *ctx, const struct cb_uaudit *ev, const struct pproc *proc);
	void *audit_ctx;
	bool fixed_period;	/* --fixed-period: no random period (collect/period.h) */
	double max_overhead;	/* --max-overhead: percent of each sampled CPU for BPF + agent; 0 = none */
	/* make bench only (tests/bench/overhead.py): what the run leaves out */
	unsigned bench_stage;	/* CB_BENCH_*: the BPF program stops early */
	bool bench_quiet;	/* no drains or symbolization until the end */
	unsigned bench_toggle_ms;	/* make bench: sampling off and on again every this many ms, the
					 * times on stderr (tests/bench/toggle.py) */
	double stack_max_age;	/* tests: seconds a stack stays without samples (0: STACK_MAX_AGE) */
};

/* Check privileges; 0 or -1 after printing which capability is missing. */
int caps__check(void);
/* Profile until done; 0 on success, else 1 after printing a one-line error. */
int agent__run(const struct agent_opts *o, struct profile *prof);
#endif
