/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Prometheus metrics of a live profile (coldbpf serve's /metrics), in the
 * text exposition format 0.0.4 or OpenMetrics 1.0: the agent's counters
 * (profile/counters.h: every counter once, under its registry name), the
 * agent's own cost, and per profiled program (a label from the executable
 * and the script, never a PID or arguments) its samples. Label sets are
 * bounded: at most max_programs programs have series of their own, the
 * rest count under program="other", and a program without a live process
 * and without new samples for expire_s loses its series.
 */
#ifndef COLDBPF_OUTPUT_METRICS_H
#define COLDBPF_OUTPUT_METRICS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/htab.h"
#include "profile/profile.h"

#define METRICS_MAX_PROGRAMS 1000	/* hard cap of --max-programs */
#define METRICS_MAX_TOP 100		/* hard cap of --metrics-top */

struct metrics_opts {
	unsigned max_programs;	/* programs with series of their own */
	double expire_s;	/* a program idle this long loses its series */
	unsigned top;		/* hottest functions exported as gauges (0: none) */
	bool usdt;		/* GC and import families (--usdt) */
};

/* Dead-code statuses of one --src tree over the live profile. */
#define METRICS_SRC_PROGRAMS 16
struct metrics_src {
	const char *src;
	uint64_t funcs[8], lines[8];	/* per enum dc_status (deadcode/deadcode.h) */
	double window_s;		/* the evidence window; < 0 unknown */
	uint64_t procs;			/* processes read alive */
	uint64_t unread;		/* exits not read after their last chance to run */
	double age_s;			/* seconds since these were computed */
	double state_window_s;		/* --state-dir: the shortest observed window of its never-ran claims; < 0 none */
	/* the same per program that runs code of the tree (its own processes,
	 * and its --state-dir evidence): the METRICS_SRC_PROGRAMS with most samples */
	struct metrics_src_prog {
		char *program;
		uint64_t funcs[8];
	} progs[METRICS_SRC_PROGRAMS];
	size_t nprogs;
};

/* serve --state-dir: the evidence kept across restarts (profile/state.h). */
struct metrics_statefile {
	bool on;
	uint64_t programs, functions;	/* held now */
	uint64_t saves, save_errors;	/* since start */
	uint64_t dropped;		/* entries dropped at the bounds, since start */
	double observed_s;		/* observed seconds over every run kept */
	double first_s;			/* the first observed time (Unix seconds) */
	double save_s;			/* the last save took */
};

/* What the agent knows besides the profile. */
struct metrics_agent {
	unsigned targets;	/* processes profiled now */
	double cpu_s;		/* the agent's CPU time (user + system) */
	uint64_t rss_bytes;	/* the agent's resident memory */
	double uptime_s;
	uint64_t scrapes;	/* /metrics requests answered before this one */
	const struct metrics_src *srcs;	/* serve --src trees */
	size_t nsrcs;
	const struct metrics_statefile *state;	/* NULL: no --state-dir */
	bool out_on;				/* --out-dir */
	uint64_t out_writes, out_errors;
};

/* The counters kept per program: samples, and (--usdt) GC collections,
 * imports and the time in them. */
enum { MV_SAMPLES, MV_GC, MV_IMPORTS, MV_IMPORT_NS, MV_NR };

/* Series kept from one rendering to the next (programs, "other"). */
struct metrics_state {
	struct htab idx;	/* hash(program) -> index + 1 into prog */
	struct mprog {
		char *label;
		uint64_t last[MV_NR];	/* its totals at the last rendering */
		uint64_t value[MV_NR];	/* its counters' values (series only) */
		double active;		/* last time it had a live process or new samples */
		bool series;		/* exported under its own label */
		bool seen;		/* present in this rendering's profile */
	} *prog;
	size_t n, cap;
	unsigned nseries;
	uint64_t other[MV_NR];	/* counts of programs without a series of their own */
	uint64_t expired;	/* series dropped (programs idle for expire_s) */
};

void metrics_state__init(struct metrics_state *s);
void metrics_state__free(struct metrics_state *s);
/* Render at time now (seconds, any monotonic clock) into a malloc'ed buffer
 * (*out, *len). openmetrics: the OpenMetrics format (ends with "# EOF"). */
void metrics__render(const struct profile *p, const struct metrics_agent *a, const struct metrics_opts *o,
		     struct metrics_state *s, double now, bool openmetrics, char **out, size_t *len);
/* A label value as Prometheus reads it: printable ASCII, \ " and newline
 * escaped, at most max bytes of input (hostile strings from targets). */
void metrics__label(const char *in, size_t max, char *out, size_t outsz);
#endif
