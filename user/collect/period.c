// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/period.h"
#include <linux/perf_event.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "lib/alloc.h"

#define SPREAD		0.1	/* rates drawn within +-10 % of the target */
#define MIN_GAP		0.05	/* seconds between two resets of a CPU, at least (a tick) */
#define GAP_PERIODS	40.0	/* ... and at least this many mean periods (period.h) */

uint64_t period__ns(double hz)
{
	double ns = 1e9 / hz;

	return ns < 10000 ? 10000 : (uint64_t)(ns + 0.5);	/* the kernel's floor: 10 us */
}

static double uniform(uint64_t *s)
{
	/* xorshift64*: plenty for drawing periods */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (double)((*s * 0x2545F4914F6CDD1DULL) >> 11) / (double)(1ULL << 53);
}

double period__gap(double hz, double v)
{
	double min = GAP_PERIODS / hz;

	if (min < MIN_GAP)
		min = MIN_GAP;
	return min * (1.0 + 0.5 * v);	/* 1 to 1.5 times the minimum */
}

double period__rate(double hz, double u, double len)
{
	/* the draw, plus the half sample the next reset loses */
	double r = hz * (1.0 + SPREAD * (2.0 * u - 1.0)) + (len > 0 ? 0.5 / len : 0);

	if (r < 0.25 * hz)
		r = 0.25 * hz;
	if (r > 2.0 * hz)
		r = 2.0 * hz;
	return r;
}

void period__init(struct period *p, const int *fds, int nfds, double hz, double now, int fixed)
{
	p->v = xcalloc(nfds > 0 ? nfds : 1, sizeof(*p->v));
	p->n = 0;
	p->hz = p->want_hz = hz;
	p->fixed = fixed;
	p->resets = p->failed = 0;
	p->rng = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid() << 32 ^ 0x636f6c64ULL;
	if (!p->rng)
		p->rng = 1;
	for (int i = 0; i < nfds; i++) {
		struct period_cpu *c;

		if (fds[i] < 0)
			continue;
		c = &p->v[p->n++];
		c->fd = fds[i];
		c->last = now;
		c->rate = hz;	/* opened at 1/hz */
		/* CPUs out of step: their first resets are spread over a gap */
		c->next = now + period__gap(hz, uniform(&p->rng));
	}
}

void period__set_hz(struct period *p, double hz)
{
	if (hz == p->hz)
		return;
	p->hz = hz;
	if (!p->fixed) {
		/* the random period takes it at each CPU's next reset: due at
		 * the next tick (a stretch lasts 40-60 periods: at a rate the
		 * budget lowered, seconds) */
		for (int i = 0; i < p->n; i++)
			p->v[i].next = 0;
		return;
	}
	for (int i = 0; i < p->n; i++) {
		uint64_t ns = period__ns(hz);

		p->resets++;
		if (ioctl(p->v[i].fd, PERF_EVENT_IOC_PERIOD, &ns))
			p->failed++;
	}
}

double period__budget(struct period *p, double cost, double max)
{
	double hz = p->hz;

	if (max <= 0)
		return hz;
	if (cost > max)
		hz *= 0.9 * max / cost;
	else if (cost < 0.7 * max)
		hz *= 1.25;
	if (hz > p->want_hz)
		hz = p->want_hz;
	if (hz < 1)
		hz = 1;
	period__set_hz(p, hz);
	return hz;
}

void period__tick(struct period *p, double now)
{
	for (int i = 0; i < p->n; i++) {
		struct period_cpu *c = &p->v[i];
		double len = now - c->last, gap;
		uint64_t ns;

		if (p->fixed || now < c->next)
			continue;
		/* the stretch ending now predicts the next one's length (resets
		 * come at ticks, so a stretch is its gap rounded up to one); not
		 * when it was cut short by a new rate */
		gap = period__gap(p->hz, uniform(&p->rng));
		c->rate = period__rate(p->hz, uniform(&p->rng), len > gap ? len : gap);
		ns = period__ns(c->rate);
		p->resets++;
		if (ioctl(c->fd, PERF_EVENT_IOC_PERIOD, &ns))
			p->failed++;
		c->last = now;
		c->next = now + gap;
	}
}

void period__free(struct period *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

int period__enable(struct period *p, int on)
{
	int failed = 0;

	for (int i = 0; i < p->n; i++)
		if (p->v[i].fd >= 0 &&
		    ioctl(p->v[i].fd, on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0))
			failed++;
	return failed;
}
