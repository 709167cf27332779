/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A sampling period that varies at random around the requested rate, so
 * that sampling cannot lock onto periodic work (a fixed period aliases with
 * a workload whose cycle equals it, or nearly: every sample lands at the
 * same phase and the shares are skewed; docs/design.md, "Aliasing").
 *
 * Each CPU's cpu-clock event runs in period mode; every 8 to 16 mean
 * periods (at least 0.1 s) the agent gives it a new period with
 * PERF_EVENT_IOC_PERIOD, its rate drawn uniformly within +-50 % of the
 * target. The kernel restarts the timer at the ioctl (measured: the gap
 * across it is the time since the last sample plus the new period), so an
 * interval of length L at rate r expects r * L - 1/2 samples; the agent
 * keeps, per CPU, the samples expected so far against hz * elapsed and
 * adds the difference to the next rate, so the mean rate stays hz
 * (tests/integration/t_period.py: t_period_rate; tests/unit: the model).
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
	double debt;		/* samples expected at hz minus expected at the rates set */
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
/* Change the rate (the CPU budget lowers and raises it). */
void period__set_hz(struct period *p, double hz);
/* The CPU budget (--max-overhead): cost is the fraction of each sampled CPU
 * that BPF and the agent took over the last interval, max the budget. Over
 * it, the rate drops in proportion (with a margin); under 70 % of it, the
 * rate rises by a quarter, never above want_hz. Returns the new rate. */
double period__budget(struct period *p, double cost, double max);
/* The rate to set for the next gap seconds, for a draw u in [0,1), when
 * debt samples are owed so far (exposed for the unit test). */
double period__rate(double hz, double u, double debt, double gap);
/* The samples an interval of length len at rate expects (the timer restarts
 * at each reset: half a period lost on average). */
double period__expected(double rate, double len);
/* The seconds until a CPU's next reset for a draw v in [0,1). */
double period__gap(double hz, double v);
void period__free(struct period *p);
#endif
