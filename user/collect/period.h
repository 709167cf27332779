/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A sampling period that varies at random around the requested rate, so
 * that sampling cannot lock onto periodic work (a fixed period aliases with
 * a workload whose cycle equals it, or nearly: every sample lands at the
 * same phase and the shares are skewed; docs/design.md, "Aliasing").
 *
 * Each CPU's cpu-clock event runs in period mode; every 40 to 60 mean
 * periods (at least one agent tick, 50 ms) the agent gives it a new period
 * with PERF_EVENT_IOC_PERIOD, its rate drawn uniformly within +-10 % of the
 * target. Two errors trade off here. A rate that stays off the mean for a
 * stretch of m samples weighs whatever runs then by that error: a function
 * running in phases as long as a stretch gets a share noisier than sampling
 * at a constant rate, by a variance factor of about 1 + spread^2 * m / 3
 * (the first design, +-50 % held 0.1-0.2 s, made that 3.7 times the
 * binomial spread at 999 Hz: a 6:3:1 workload in 0.5 s cycles came out
 * 48/40/12). Against aliasing, each stretch must move the sampling phase
 * through the workload's cycle: |rate error| * m cycles, on average
 * spread * m / 2 = 2 here. The kernel restarts the timer at the ioctl
 * (measured: the gap across it is the time since the last sample plus the
 * new period), so a reset loses half a sample on average; the next rate
 * makes it up over the next stretch. The draws have the requested mean, so
 * the mean rate stays hz (tests/integration/t_period.py: t_period_rate,
 * t_period_phases; tests/unit/test_period.c: the model).
 * Over-sampling and dropping at random in BPF was not chosen: the kept
 * samples stay on the fine period's lattice, so a workload whose cycle is a
 * multiple of it still aliases.
 */
#ifndef COLDBPF_COLLECT_PERIOD_H
#define COLDBPF_COLLECT_PERIOD_H
#include <stdint.h>

struct period_cpu {
	int fd;
	double last;		/* when its period was last set */
	double next;		/* when it is set again */
	double rate;		/* the rate it runs at now */
};

struct period {
	struct period_cpu *v;
	int n;
	double hz;		/* the mean rate per CPU now (the budget may lower it) */
	double want_hz;		/* the rate asked for (-F) */
	int fixed;		/* --fixed-period: a new rate is set on every CPU at once */
	uint64_t rng;
	uint64_t resets;	/* ioctls made */
	uint64_t failed;	/* ... that failed */
};

/* The perf_event_attr period (ns) of a cpu-clock event at hz. */
uint64_t period__ns(double hz);
/* Start: the events (fds, -1 skipped) already run at hz; now is clock__now(). */
void period__init(struct period *p, const int *fds, int nfds, double hz, double now, int fixed);
/* Reset the periods that are due. */
void period__tick(struct period *p, double now);
/* make bench only (--bench-toggle): every CPU's event off or on again.
 * Returns the ioctls that failed. */
int period__enable(struct period *p, int on);
/* Change the rate (the CPU budget lowers and raises it). */
void period__set_hz(struct period *p, double hz);
/* The CPU budget (--max-overhead): cost is the fraction of each sampled CPU
 * that BPF and the agent took over the last interval, max the budget. Over
 * it, the rate drops in proportion (with a margin); under 70 % of it, the
 * rate rises by a quarter, never above want_hz. Returns the new rate. */
double period__budget(struct period *p, double cost, double max);
/* The rate to set for a draw u in [0,1), making up the half sample the
 * reset loses over a stretch of about len seconds (exposed for the unit
 * test). */
double period__rate(double hz, double u, double len);
/* The seconds until a CPU's next reset for a draw v in [0,1). */
double period__gap(double hz, double v);
void period__free(struct period *p);
#endif
