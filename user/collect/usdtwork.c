// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/usdtwork.h"
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collect/attach.h"
#include "collect/bpfobj.h"
#include "lib/alloc.h"
#include "lib/clock.h"
#include "lib/msg.h"

struct held {
	uint64_t gen;
	struct attach links;
};

struct usdtwork {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct bpf_program *progs[PYM_NR];
	struct usdt_job *jobs;		/* FIFO: jobs[head, njobs) */
	size_t head, njobs, capjobs;
	struct usdt_result *res;
	size_t nres, capres;
	size_t busy;			/* jobs taken and not finished */
	bool stop;
	/* the worker's own */
	struct held *held;
	size_t nheld, capheld;
};

static void do_attach(struct usdtwork *w, const struct usdt_job *j, struct usdt_result *r)
{
	struct held *h;

	ARRAY_RESERVE(w->held, w->nheld, w->capheld, 16);
	h = &w->held[w->nheld];
	h->gen = j->gen;
	attach__init(&h->links, "usdt");
	bpfobj__quiet(true);	/* counted and named by the caller instead */
	for (int m = 0; m < PYM_NR; m++) {
		int err;

		if (!(j->markers & (1u << m)) || m == PYM_LINE || !w->progs[m])
			continue;	/* line crashes 3.11: never, whatever a caller asks */
		err = attach__usdt(&h->links, w->progs[m], j->pid, j->path, "python", elfinfo__marker_name(m));
		if (!err)
			continue;
		r->err = -err;
		snprintf(r->why, sizeof(r->why), "%s: %s", elfinfo__marker_name(m), strerror(-err));
		attach__free(&h->links);	/* all or nothing */
		bpfobj__quiet(false);
		return;
	}
	bpfobj__quiet(false);
	r->links = h->links.n;
	w->nheld++;
}

static void do_detach(struct usdtwork *w, uint64_t gen, struct usdt_result *r)
{
	for (size_t i = 0; i < w->nheld; i++)
		if (w->held[i].gen == gen) {
			r->links = w->held[i].links.n;
			attach__free(&w->held[i].links);
			w->held[i] = w->held[--w->nheld];
			return;
		}
	/* its attach failed (a process that exited first): nothing was held,
	 * and the caller counted it free at the attach's answer */
	r->err = ENOENT;
}

static void *worker(void *arg)
{
	struct usdtwork *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct usdt_job j;
		struct usdt_result r = {};
		double t0;

		while (w->head == w->njobs && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->head == w->njobs)
			break;	/* stopped, every job done */
		j = w->jobs[w->head++];
		if (w->head == w->njobs)
			w->head = w->njobs = 0;
		w->busy++;
		pthread_mutex_unlock(&w->mu);
		t0 = clock__now();
		r.op = j.op;
		r.gen = j.gen;
		if (j.op == UW_ATTACH)
			do_attach(w, &j, &r);
		else
			do_detach(w, j.gen, &r);
		r.secs = clock__now() - t0;
		pthread_mutex_lock(&w->mu);
		w->busy--;
		ARRAY_RESERVE(w->res, w->nres, w->capres, 16);
		w->res[w->nres++] = r;
	}
	pthread_mutex_unlock(&w->mu);
	while (w->nheld)	/* the end: everything still attached goes */
		attach__free(&w->held[--w->nheld].links);
	return NULL;
}

struct usdtwork *usdtwork__start(struct bpf_program *const progs[PYM_NR])
{
	struct usdtwork *w = xcalloc(1, sizeof(*w));

	memcpy(w->progs, progs, sizeof(w->progs));
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, worker, w)) {
		msg__err("note: GC and import probes are off (no thread: %s)", strerror(errno));
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		return NULL;
	}
	return w;
}

void usdtwork__post(struct usdtwork *w, const struct usdt_job *j)
{
	pthread_mutex_lock(&w->mu);
	ARRAY_RESERVE(w->jobs, w->njobs, w->capjobs, 16);
	w->jobs[w->njobs++] = *j;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

size_t usdtwork__results(struct usdtwork *w, struct usdt_result **out)
{
	size_t n;

	pthread_mutex_lock(&w->mu);
	n = w->nres;
	*out = w->res;
	w->res = NULL;
	w->nres = w->capres = 0;
	pthread_mutex_unlock(&w->mu);
	return n;
}

size_t usdtwork__pending(struct usdtwork *w)
{
	size_t n;

	pthread_mutex_lock(&w->mu);
	n = w->njobs - w->head + w->busy;
	pthread_mutex_unlock(&w->mu);
	return n;
}

void usdtwork__stop(struct usdtwork *w)
{
	if (!w || w->stop)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
}

void usdtwork__free(struct usdtwork *w)
{
	if (!w)
		return;
	usdtwork__stop(w);
	free(w->jobs);
	free(w->res);
	free(w->held);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}
