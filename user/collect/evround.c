// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/evround.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "collect/exitread.h"
#include "cpython/evlines.h"
#include "collect/targets.h"
#include "lib/alloc.h"
#include "lib/clock.h"
#include "lib/msg.h"
#include "lib/procfs.h"
#include "profile/profile.h"

void evround__init(struct evround *r)
{
	memset(r, 0, sizeof(*r));
}

static void state_free(struct evstate *st)
{
	ev_scan__free(&st->sc);
	free(st);
}

void evround__free(struct evround *r)
{
	if (r->running)
		pthread_join(r->thread, NULL);
	for (size_t i = 0; i < r->nstates; i++)
		state_free(r->states[i]);
	free(r->states);
	free(r->jobs);
	memset(r, 0, sizeof(*r));
}

static struct evstate *state_of(struct evround *r, int pid, uint64_t starttime)
{
	struct evstate *st;

	for (size_t i = 0; i < r->nstates; i++)
		if (r->states[i]->pid == pid && r->states[i]->starttime == starttime)
			return r->states[i];
	st = xcalloc(1, sizeof(*st));
	st->pid = pid;
	st->starttime = starttime;
	ARRAY_RESERVE(r->states, r->nstates, r->capstates, 16);
	r->states[r->nstates++] = st;
	return st;
}

static void *worker(void *arg)
{
	struct evround *r = arg;

	for (size_t i = 0; i < r->njobs; i++) {
		struct evjob *j = &r->jobs[i];
		struct evstate *st = j->st;
		double t0 = clock__now();
		char why[200];

		if (j->full) {
			ev_scan__free(&st->sc);
			st->have = false;
			j->err = (r->lines ? evidence__scan_lines : evidence__scan)(st->pid, &j->layout, &st->sc, why,
										  sizeof(why));
			if (!j->err) {
				st->have = true;
				st->since_full = 0;
			}
		} else {
			j->err = evidence__update(st->pid, &j->layout, &st->sc, why, sizeof(why));
		}
		/* a process that exited meanwhile (a zombie has no mappings) gave
		 * less than it had: its earlier evidence stands */
		if (!j->err && !procfs__alive(st->pid, st->starttime))
			j->err = -1;
		j->age = procfs__age(st->starttime);
		st->rounds++;
		st->since_full++;
		j->secs = clock__now() - t0;
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* A target no round has taken yet, classified at least EVIDENCE_YOUNG_SECS ago. */
static bool young(const struct target *t, double now)
{
	return !t->exited && !t->cleaned && !t->ev_queued && now - t->classified >= EVIDENCE_YOUNG_SECS;
}

bool evround__young_due(const struct targets *tg, double now)
{
	for (size_t i = 0; i < tg->n; i++)
		if (young(tg->v[i], now))
			return true;
	return false;
}

void evround__start(struct evround *r, struct targets *tg, double now, bool final, bool young_only)
{
	r->njobs = 0;
	for (size_t i = 0; i < tg->n; i++) {
		struct target *t = tg->v[i];
		struct evstate *st;
		struct evjob *j;

		if (t->exited || t->cleaned || (young_only && !young(t, now)))
			continue;
		t->ev_queued = true;
		st = state_of(r, t->info.pid, t->info.starttime);
		ARRAY_RESERVE(r->jobs, r->njobs, r->capjobs, 16);
		j = &r->jobs[r->njobs++];
		memset(j, 0, sizeof(*j));
		j->st = st;
		j->proc = t->proc;
		j->layout = t->info.layout;
		if (!st->rounds)
			st->first = now;
		j->full = final || !st->have ||
			  (st->rounds < EVIDENCE_YOUNG_ROUNDS && now - st->first < EVIDENCE_YOUNG_WINDOW) ||
			  st->since_full >= EVIDENCE_FULL_ROUNDS;
	}
	r->done = 0;
	r->started = now;
	r->max_drain_gap = 0;
	if (!r->njobs)
		return;
	if (pthread_create(&r->thread, NULL, worker, r)) {
		msg__err("note: cannot start the evidence worker: this round is skipped");
		return;
	}
	r->running = true;
}

void evround__drained(struct evround *r, double now)
{
	if (r->running && now - r->last_drain > r->max_drain_gap)
		r->max_drain_gap = now - r->last_drain;
	r->last_drain = now;
}

/* The evidence of a finished job, into the profile (a round replaces the
 * process's earlier evidence: it holds everything found so far). */
static void apply(struct evround *r, struct targets *tg, struct profile *prof, const struct evjob *j)
{
	const struct ev_scan *sc = &j->st->sc;
	struct pevcode *codes;
	struct target *t = targets__of(tg, j->st->pid);
	uint32_t *kidx;
	size_t k = 0;

	if (prof->procs[j->proc].final)
		return;	/* read at its exit already: that read is the later one */
	codes = xcalloc(sc->n + 1, sizeof(*codes));
	kidx = xcalloc(sc->n + 1, sizeof(*kidx));
	for (size_t i = 0; i < sc->n; i++) {
		kidx[i] = UINT32_MAX;
		if (!strncmp(sc->codes[i].file, "<frozen", 7))
			continue;	/* the interpreter's own, never under a source tree */
		kidx[i] = k;
		codes[k].func = profile__func(prof, sc->codes[i].file, sc->codes[i].qualname, sc->codes[i].firstline);
		codes[k].status = sc->codes[i].status;
		codes[k].flags = sc->codes[i].flags;
		codes[k].lines = sc->codes[i].lines ? evlines__dup(sc->codes[i].lines) : NULL;
		k++;
	}
	if (t && t->proc == j->proc && t->info.starttime == j->st->starttime && !t->exited)
		exitread__publish(r->x, prof, t, sc, codes, k, kidx);
	profile__set_evidence(prof, j->proc, codes, k);
	profile__evidence_partial(prof, j->proc, sc->partial);
	if (j->age > 0)
		prof->procs[j->proc].evidence_age = j->age;
	free(kidx);
}

/* States of processes that are gone go. */
static void prune(struct evround *r, struct targets *tg)
{
	for (size_t i = 0; i < r->nstates;) {
		struct evstate *st = r->states[i];
		struct target *t = targets__of(tg, st->pid);

		if (t && !t->exited && t->info.starttime == st->starttime) {
			i++;
			continue;
		}
		state_free(st);
		r->states[i] = r->states[--r->nstates];
	}
}

bool evround__collect(struct evround *r, struct targets *tg, struct profile *prof, bool wait)
{
	uint64_t bytes = 0, skipped = 0, swapped = 0, reread = 0;
	size_t full = 0, ok = 0;
	double secs;

	if (!r->running || (!wait && !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)))
		return false;
	pthread_join(r->thread, NULL);
	r->running = false;
	r->rounds++;
	secs = 0;
	if (clock__now() - r->last_drain > r->max_drain_gap)	/* the wait still going on */
		r->max_drain_gap = clock__now() - r->last_drain;
	for (size_t i = 0; i < r->njobs; i++) {
		const struct evjob *j = &r->jobs[i];
		const struct ev_scan *sc = &j->st->sc;

		bytes += sc->bytes_read;
		skipped += sc->bytes_skipped;
		swapped += sc->bytes_swapped;
		reread += sc->markers_reread;
		full += j->full;
		secs += j->secs;	/* the worker's time, not the poll's granularity */
		if (j->err)
			continue;	/* gone: its earlier evidence stays */
		ok++;
		apply(r, tg, prof, j);
	}
	prof->stats.counters[CTR_EVIDENCE_ROUNDS]++;
	prof->stats.counters[CTR_EVIDENCE_NS] += (uint64_t)(secs * 1e9);
	prof->stats.counters[CTR_EVIDENCE_BYTES] += bytes;
	prof->stats.counters[CTR_EVIDENCE_SKIPPED] += skipped;
	msg__dbg("evidence round %" PRIu64 ": %zu of %zu targets read (%zu full), %.3f s, %.1f MB read, "
		 "%.1f MB not resident skipped (%.1f MB swapped out), %" PRIu64 " never-ran markers re-read; "
		 "longest wait between drains %.0f ms", r->rounds, ok, r->njobs, full, secs, bytes / 1048576.0,
		 skipped / 1048576.0, swapped / 1048576.0, reread, r->max_drain_gap * 1000);
	prune(r, tg);
	return true;
}
