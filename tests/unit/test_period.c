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
	cr_assert_gt(p.resets, seconds / (period__gap(hz, 1) + 0.07), "resets %lu", (unsigned long)p.resets);
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
		double r = period__rate(100, i / 100.0, 0);

		lo = r < lo ? r : lo;
		hi = r > hi ? r : hi;
	}
	/* +-10 % around the rate; the half sample a reset loses on top */
	cr_assert(lo > 89.9 && lo < 91 && hi > 109 && hi < 110.1, "rates %.1f..%.1f", lo, hi);
	cr_assert_float_eq(period__rate(100, 0.5, 0.5), 101, 1e-9);
	cr_assert_eq(period__ns(100), 10000000);
	cr_assert_eq(period__ns(1e6), 10000);	/* the kernel's floor */
}

/* Sample times in the kernel's model (a reset restarts the timer at the new
 * period) with the agent's ticks; each sample lands in the work of the
 * moment: (t mod cycle) below cut[0] is a, below cut[1] b, else c. Returns
 * the shares of a and b in percent over dur seconds. */
static void model_shares(double hz, double dur, double cycle, const double cut[2], unsigned seed, double share[2])
{
	int fd = open("/dev/null", O_RDONLY);
	struct period p;
	double now = 0, rate = hz, next = 1.0 / hz, n[3] = { 0, 0, 0 };
	double offset;

	cr_assert_geq(fd, 0);
	period__init(&p, &fd, 1, hz, now, 0);
	p.rng ^= (uint64_t)seed * 0x9e3779b97f4a7c15ULL;
	srand(seed);
	offset = cycle * rand() / (double)RAND_MAX;
	while (now < dur) {
		double tick = now + 0.05 * (0.9 + 0.4 * rand() / (double)RAND_MAX);

		for (; next < tick && next < dur; next += 1.0 / rate) {
			double x = fmod(next + offset, cycle);

			n[x < cut[0] ? 0 : x < cut[1] ? 1 : 2]++;
		}
		now = tick;
		period__tick(&p, now);
		if (p.v[0].last == now) {	/* reset: the timer starts again */
			rate = p.v[0].rate;
			next = now + 1.0 / rate;
		}
	}
	share[0] = 100 * n[0] / (n[0] + n[1] + n[2]);
	share[1] = 100 * n[1] / (n[0] + n[1] + n[2]);
	period__free(&p);
	close(fd);
}

Test(period, phases_not_skewed)
{
	/* A 6:3:1 workload in 0.5 s cycles at 999 Hz for 4 s (ratio.py with
	 * long calls): b's share must be as close to its 30 % as sampling at
	 * a constant rate gets it (binomial: 0.7 points), not skewed by a
	 * rate held off the mean for a whole phase. The first design (+-50 %
	 * held 0.1-0.2 s) gave 3.7 points rms, up to 10. */
	const double cut[2] = { 0.3, 0.45 };
	double sq = 0, worst = 0;
	int runs = 100;

	for (int i = 0; i < runs; i++) {
		double s[2], e;

		model_shares(999, 4.0, 0.5, cut, 1000 + i, s);
		e = s[1] - 30;
		sq += e * e;
		worst = fabs(e) > worst ? fabs(e) : worst;
	}
	cr_assert(sqrt(sq / runs) < 0.8 && worst < 2.5, "b: %.2f points rms, worst %.2f", sqrt(sq / runs), worst);
}

Test(period, no_aliasing)
{
	/* Work whose cycle equals the sampling period, and is 0.01 % off it,
	 * 30:70, at 99 and 999 Hz: a's share near 30 % (a fixed period puts
	 * every sample at one phase: 0 or 100 %). */
	for (double hz = 99; hz < 1000; hz += 900) {
		for (double off = 1.0; off < 1.0002; off += 0.0001) {
			const double cut[2] = { 0.3 * off / hz, 1 };
			double sq = 0, sum = 0;
			int runs = 20;

			for (int i = 0; i < runs; i++) {
				double s[2];

				model_shares(hz, 20000 / hz, off / hz, cut, 2000 + i, s);
				sum += s[0] - 30;
				sq += (s[0] - 30) * (s[0] - 30);
			}
			cr_assert(fabs(sum / runs) < 0.7 && sqrt(sq / runs) < 1.5, "%.0f Hz, cycle x%.4f: mean %+.2f, rms %.2f",
				  hz, off, sum / runs, sqrt(sq / runs));
		}
	}
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
	/* a new rate is set at the next tick, not at the end of the stretch */
	period__tick(&p, 0.01);
	cr_assert_float_eq(p.v[0].rate, 1, 0.2, "rate %.2f", p.v[0].rate);
	cr_assert_eq(p.v[0].last, 0.01);
	period__free(&p);
	close(fd);
}
