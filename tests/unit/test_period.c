// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
/* collect/period: the random sampling period keeps the mean rate, in a model
 * of the kernel's timer (a reset restarts it: floor(L * rate) samples in an
 * interval of length L) with the agent's 50 ms ticks. */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include "collect/period.h"

static double model_rate(double hz, double seconds)
{
	int fd = open("/dev/null", O_RDONLY);	/* the ioctl fails there: only the rates matter */
	struct period p;
	double now = 0, last = 0, rate = hz, phase = 0, samples = 0, tick = 0.05;

	cr_assert_geq(fd, 0);
	period__init(&p, &fd, 1, hz, now, 0);
	srand(7);
	while (now < seconds) {
		/* the agent's tick: 50 ms, give or take a drain */
		double step = tick * (0.9 + 0.4 * rand() / (double)RAND_MAX);

		/* samples until the next tick at the current rate, the timer
		 * running on from its phase */
		phase += step * rate;
		samples += floor(phase);
		phase -= floor(phase);
		now += step;
		period__tick(&p, now);
		if (p.v[0].last == now) {	/* reset: the timer starts again */
			rate = p.v[0].rate;
			phase = 0;
			last = now;
		}
	}
	(void)last;
	cr_assert_gt(p.resets, seconds / 0.3, "resets %lu", (unsigned long)p.resets);
	period__free(&p);
	close(fd);
	return samples / now;
}

Test(period, mean_rate_kept)
{
	for (double hz = 19; hz < 3000; hz *= 7) {
		double r = model_rate(hz, 3000);

		cr_assert(fabs(r / hz - 1) < 0.005, "%.0f Hz: mean %.2f Hz", hz, r);
	}
}

Test(period, rates_spread)
{
	double lo = 1e9, hi = 0;

	for (int i = 0; i <= 100; i++) {
		double r = period__rate(100, i / 100.0, 0, 0.1);

		lo = r < lo ? r : lo;
		hi = r > hi ? r : hi;
	}
	/* +-50 % around the rate (plus the half sample a reset loses) */
	cr_assert(lo < 60 && hi > 150, "rates %.1f..%.1f", lo, hi);
	cr_assert_eq(period__ns(100), 10000000);
	cr_assert_eq(period__ns(1e6), 10000);	/* the kernel's floor */
}

Test(period, budget_lowers_and_raises)
{
	int fd = open("/dev/null", O_RDONLY);
	struct period p;
	double hz;

	period__init(&p, &fd, 1, 999, 0, 0);
	/* twice the budget: the rate roughly halves (with a margin) */
	hz = period__budget(&p, 0.02, 0.01);
	cr_assert(hz > 400 && hz < 500, "%.1f", hz);
	/* within the budget but above 70 % of it: kept */
	cr_assert_eq(period__budget(&p, 0.008, 0.01), hz);
	/* well under: back up by a quarter at a time, never above -F */
	for (int i = 0; i < 10; i++)
		hz = period__budget(&p, 0.001, 0.01);
	cr_assert_eq(hz, 999);
	/* never below 1 Hz */
	cr_assert_eq(period__budget(&p, 100, 0.01), 1);
	period__free(&p);
	close(fd);
}
