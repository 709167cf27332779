// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "serve/serve.h"
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "lib/alloc.h"
#include "lib/clock.h"
#include "lib/file.h"
#include "lib/msg.h"
#include "profile/json.h"
#include "output/pprof.h"

enum {
	SP_FREE = 0,
	SP_NEW,		/* posted by an HTTP thread */
	SP_RUNNING,	/* marked: samples are being counted */
	SP_DONE,	/* out/len ready (or NULL: failed) */
	SP_ABANDONED,	/* the HTTP thread gave up: the agent frees it */
};

void serve__init(struct serve *s, const struct metrics_opts *mo, int hz)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	metrics_state__init(&s->ms);
	s->mo = *mo;
	s->hz = hz;
	s->state_every = SERVE_STATE_SECS;
	for (int i = 0; i < SERVE_PROFILES; i++)
		s->prof[i].mark = -1;
}

int serve__add_src(struct serve *s, const char *src, const char *python)
{
	struct deadcode *d;

	if (s->nsrc >= SERVE_MAX_SRC) {
		msg__err("at most %d --src trees", SERVE_MAX_SRC);
		return -1;
	}
	s->dc = xrealloc(s->dc, s->nsrc + 1, sizeof(*s->dc));
	s->src = xrealloc(s->src, s->nsrc + 1, sizeof(*s->src));
	d = &s->dc[s->nsrc];
	memset(d, 0, sizeof(*d));
	memset(&s->src[s->nsrc], 0, sizeof(s->src[s->nsrc]));
	if (deadcode__inventory(d, src, python)) {
		deadcode__free(d);
		return -1;
	}
	s->src[s->nsrc].src = d->root_given;
	s->src[s->nsrc].window_s = -1;
	s->nsrc++;
	return 0;
}

struct prog_samples {
	char *name;
	uint64_t samples;
};

static int by_samples(const void *a, const void *b)
{
	const struct prog_samples *x = a, *y = b;

	return x->samples < y->samples ? 1 : x->samples > y->samples ? -1 : strcmp(x->name, y->name);
}

/* Per program (profile__program, as the program series): the statuses over
 * its own processes and its kept evidence, for the programs with most
 * samples that run code of the tree. */
static void programs_update(struct deadcode *d, struct metrics_src *m, const struct profile *prof,
			    const struct profile *sp)
{
	struct prog_samples *ps = NULL;
	size_t n = 0, cap = 0;
	char (*name)[PROFILE_PROGRAM_MAX] = profile__programs(prof);
	bool *keep = xcalloc(prof->nprocs + 1, sizeof(bool));
	bool *skeep = sp ? xcalloc(sp->nprocs + 1, sizeof(bool)) : NULL;

	for (size_t i = 0; i < m->nprogs; i++)
		free(m->progs[i].program);
	m->nprogs = 0;
	for (size_t i = 0; i < prof->nprocs; i++) {
		size_t k;

		if (prof->procs[i].unused || prof->procs[i].merged)
			continue;
		for (k = 0; k < n && strcmp(ps[k].name, name[i]); k++)
			;
		if (k == n) {
			ARRAY_RESERVE(ps, n, cap, 16);
			ps[n++] = (struct prog_samples){ xstrdup(name[i]), 0 };
		}
		ps[k].samples += prof->procs[i].samples;
	}
	qsort(ps, n, sizeof(*ps), by_samples);
	for (size_t k = 0; k < n && m->nprogs < METRICS_SRC_PROGRAMS; k++) {
		struct profile *a, *b = NULL;
		const struct profile *both[2];

		for (size_t i = 0; i < prof->nprocs; i++)
			keep[i] = !prof->procs[i].unused && !prof->procs[i].merged && !strcmp(name[i], ps[k].name);
		a = profile__subset(prof, keep, NULL);
		if (sp) {
			for (size_t i = 0; i < sp->nprocs; i++)
				skeep[i] = !strcmp(sp->procs[i].cmdline, ps[k].name);
			b = profile__subset(sp, skeep, NULL);
		}
		both[0] = a;
		both[1] = b;
		deadcode__decide_profiles(d, both, b ? 2 : 1);
		if (d->in_tree) {	/* it runs code of the tree */
			struct metrics_src_prog *mp = &m->progs[m->nprogs++];

			mp->program = xstrdup(ps[k].name);
			memset(mp->funcs, 0, sizeof(mp->funcs));
			for (size_t e = 0; e < d->n; e++)
				mp->funcs[d->e[e].status]++;
		}
		profile__free(a);
		profile__free(b);
	}
	for (size_t k = 0; k < n; k++)
		free(ps[k].name);
	free(ps);
	free(name);
	free(keep);
	free(skeep);
}

/* Every --src tree's statuses over the live profile (every SERVE_SRC_SECS,
 * when scraped: the agent's thread, a few ms for a large tree), and the
 * --state-dir state's evidence with it. */
static void srcs_update(struct serve *s, const struct profile *prof, double now)
{
	struct profile *sp = NULL;

	if (!s->nsrc || (s->src_at && now - s->src_at < SERVE_SRC_SECS))
		return;
	if (s->state_path) {
		sp = profile__new();
		state__to_profile(&s->state, sp, serve__wall_now());
	}
	for (size_t i = 0; i < s->nsrc; i++) {
		struct deadcode *d = &s->dc[i];
		struct metrics_src *m = &s->src[i];
		const struct profile *both[2] = { prof, sp };

		m->state_window_s = -1;
		if (sp) {
			/* the window of the kept claims alone, then the statuses of both */
			deadcode__decide_profile(d, sp);
			for (size_t k = 0; k < d->n; k++)
				if (d->e[k].status == DC_NEVER)
					m->state_window_s = d->window_unknown ? -1 : d->window;
		}
		programs_update(d, m, prof, sp);
		deadcode__decide_profiles(d, both, sp ? 2 : 1);
		memset(m->funcs, 0, sizeof(m->funcs));
		memset(m->lines, 0, sizeof(m->lines));
		for (size_t k = 0; k < d->n; k++) {
			m->funcs[d->e[k].status]++;
			m->lines[d->e[k].status] += d->e[k].lines;
		}
		m->window_s = d->window_unknown ? -1 : d->window;
		m->procs = d->window_procs;
		m->unread = d->unread_exits + d->unfinal_exits;
	}
	profile__free(sp);
	s->src_at = now;
}

void serve__free(struct serve *s)
{
	for (int i = 0; i < SERVE_PROFILES; i++)
		free(s->prof[i].out);
	free(s->metrics);
	for (size_t i = 0; i < s->nsrc; i++) {
		deadcode__free(&s->dc[i]);
		for (size_t k = 0; k < s->src[i].nprogs; k++)
			free(s->src[i].progs[k].program);
	}
	free(s->dc);
	free(s->src);
	metrics_state__free(&s->ms);
	state__free(&s->state);
	free(s->state_path);
	for (size_t i = 0; i < s->nout; i++)
		free(s->out_names[i]);
	free(s->out_names);
	free(s->out_dir);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static uint64_t rss_bytes(void)
{
	unsigned long size, rss;
	FILE *f = fopen("/proc/self/statm", "re");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "%lu %lu", &size, &rss);
	fclose(f);
	return n == 2 ? (uint64_t)rss * sysconf(_SC_PAGESIZE) : 0;
}

/* The samples since the request's mark, as pprof. */
static void profile_done(struct serve *s, struct profile *prof, struct serve_profile *r, double now)
{
	uint64_t *counts = xcalloc(prof->nstacks + 1, sizeof(*counts));
	struct pprof_opts po = { .counts = counts };
	struct timespec ts;

	for (size_t i = 0; i < prof->nstacks; i++)
		counts[i] = profile__since_mark(prof, r->mark, i);
	clock_gettime(CLOCK_REALTIME, &ts);
	po.duration_ns = (int64_t)((now - r->start) * 1e9);
	po.time_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec - po.duration_ns;
	if (pprof__encode(prof, &po, &r->out, &r->len)) {
		r->out = NULL;
		r->len = 0;
	}
	free(counts);
	profile__unmark(prof, r->mark);
	r->mark = -1;
	r->state = SP_DONE;
}

void serve__tick(void *ctx, struct profile *prof, const struct agent_tick *t)
{
	struct serve *s = ctx;
	bool wake = false;

	if (s->state_path && t->uptime >= s->state_every && (!s->state_at || t->now - s->state_at >= s->state_every)) {
		s->state_at = t->now;
		serve__state_save(s, prof);	/* a failure is counted and said; the next save tries again */
		s->src_at = 0;		/* the statuses see it at the next scrape */
	}
	if (s->out_dir) {
		bool hup = s->hup && *s->hup;

		if (s->out_mark < 0) {	/* the first interval */
			s->out_mark = profile__mark(prof);
			s->out_start = t->now;
			s->out_start_wall = serve__wall_now();
		} else if (hup || t->now - s->out_start >= s->out_every) {
			if (hup)
				*s->hup = 0;
			serve__out_write(s, prof, t->now);
		}
	}
	pthread_mutex_lock(&s->mu);
	if (s->want_gen != s->done_gen) {
		struct metrics_agent a = { t->targets, cpu_seconds(), rss_bytes(), t->uptime, s->scrapes, s->src,
					   s->nsrc, s->state_path ? &s->sf : NULL, s->out_dir != NULL, s->out_writes,
					   s->out_errors };

		srcs_update(s, prof, t->now);
		for (size_t i = 0; i < s->nsrc; i++)
			s->src[i].age_s = t->now - s->src_at;
		free(s->metrics);
		metrics__render(prof, &a, &s->mo, &s->ms, t->now, s->want_om, &s->metrics, &s->metrics_len);
		s->done_om = s->want_om;
		s->done_gen = s->want_gen;
		wake = true;
	}
	for (int i = 0; i < SERVE_PROFILES; i++) {
		struct serve_profile *r = &s->prof[i];

		if (r->state == SP_NEW) {
			r->mark = profile__mark(prof);
			r->start = t->now;
			r->state = r->mark >= 0 ? SP_RUNNING : SP_DONE;
			wake |= r->state == SP_DONE;
		} else if (r->state == SP_RUNNING && t->now - r->start >= r->seconds) {
			profile_done(s, prof, r, t->now);
			wake = true;
		} else if (r->state == SP_ABANDONED) {
			profile__unmark(prof, r->mark);
			free(r->out);
			memset(r, 0, sizeof(*r));
			r->mark = -1;
		}
	}
	if (wake)
		pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void serve__stop(struct serve *s)
{
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void deadline(struct timespec *ts, double secs)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += (time_t)secs;
	ts->tv_nsec += (long)((secs - (time_t)secs) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

char *serve__metrics(struct serve *s, bool om, double timeout_s, size_t *len)
{
	struct timespec until;
	char *out = NULL;
	uint64_t gen;
	int err = 0;

	deadline(&until, timeout_s);
	pthread_mutex_lock(&s->mu);
	gen = ++s->want_gen;
	s->want_om = om;
	while (!s->stopping && (s->done_gen < gen || s->done_om != om) && err != ETIMEDOUT) {
		err = pthread_cond_timedwait(&s->cv, &s->mu, &until);
		if (s->done_gen >= gen && s->done_om != om)
			gen = ++s->want_gen, s->want_om = om;	/* another scraper asked for the other format */
	}
	if (s->done_gen >= gen && s->done_om == om && s->metrics) {
		out = xcalloc(s->metrics_len + 1, 1);
		memcpy(out, s->metrics, s->metrics_len);
		*len = s->metrics_len;
		s->scrapes++;
	}
	pthread_mutex_unlock(&s->mu);
	return out;
}

uint8_t *serve__profile(struct serve *s, double seconds, size_t *len, int *why)
{
	struct serve_profile *r = NULL;
	struct timespec until;
	uint8_t *out = NULL;
	int err = 0;

	deadline(&until, seconds + 30);	/* the agent's loop answers within a tick of the end */
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < SERVE_PROFILES && !r; i++)
		if (s->prof[i].state == SP_FREE)
			r = &s->prof[i];
	if (!r || s->stopping) {
		pthread_mutex_unlock(&s->mu);
		*why = 503;	/* too many profiles at once */
		return NULL;
	}
	r->state = SP_NEW;
	r->seconds = seconds;
	while (!s->stopping && r->state != SP_DONE && err != ETIMEDOUT)
		err = pthread_cond_timedwait(&s->cv, &s->mu, &until);
	if (r->state == SP_DONE) {
		out = r->out;
		*len = r->len;
		*why = out ? 200 : 500;
		r->out = NULL;
		memset(r, 0, sizeof(*r));
		r->mark = -1;
	} else {
		*why = 503;
		r->state = SP_ABANDONED;	/* the agent frees its mark */
	}
	pthread_mutex_unlock(&s->mu);
	return out;
}
