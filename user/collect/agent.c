// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The live sampler's loop (the one thread of collection today; see
 * docs/design.md "Threads" for what moves out of it): load and attach, then
 * every tick consume the ring buffer (new stacks are symbolized at once, exec
 * events queue classification), re-check exec'd and exited processes, drain
 * the counters and, with evidence on, scan execution evidence.
 */
#include "collect/agent.h"
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "collect/attach.h"
#include "collect/bpfobj.h"
#include "collect/child.h"
#include "collect/drain.h"
#include "collect/evround.h"
#include "collect/period.h"
#include "collect/exitread.h"
#include "collect/targets.h"
#include "collect/usdt.h"
#include "collect/usdtopt.h"
#include "cpython/evidence.h"
#include "cpython/symtab.h"
#include "lib/alloc.h"
#include "lib/clock.h"
#include "lib/msg.h"
#include "lib/tfile.h"
#include "profile/profile.h"
#include "sampler.skel.h"

#define TICK_MS		50	/* ring buffer poll: new stacks are symbolized this fast */
#define SCAN_SECS	0.5	/* /proc rescan and exit checks */
#define MEMORY_SECS	30.0	/* heap trimmed, and reported with -v */

struct agent {
	const struct agent_opts *o;
	struct profile *prof;
	struct bpfobj bpf;
	struct attach sampling, exec_events;
	struct ring_buffer *rb;
	struct targets tg;
	struct drain dr;
	struct evround ev;
	struct exitread *xr;	/* exit reads (--evidence), NULL when off */
	double last_stats;	/* serve: when the counters were last read */
	struct usdt *us;	/* GC and import markers (--usdt), NULL when off */
	struct period per;	/* the sampling period: random, the budget's rate */
	/* --max-overhead: the last interval's counters, and the rate over time */
	double bud_t, bud_cpu, hz_seconds;
	uint64_t bud_py, bud_ns, bud_timed;
	struct child child;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	const struct cb_event *ev = data;

	if (size < sizeof(*ev))
		return 0;
	if (ev->type == CB_EV_EXEC)
		targets__on_exec(&a->tg, ev->pid, ev->tid, ev->ts / 1e9);
	else if (ev->type == CB_EV_STACK && !a->o->bench_quiet)
		drain__on_stack(&a->dr, ev->pid, ev->stack_id);	/* the process may exit before the drain */
	return 0;
}

/* Exited targets: their last samples are drained with the symbols already
 * read, then their map entries go. */
static void retire_exited(struct agent *a)
{
	/* exit reads first: a process's read is in the ring buffer before it
	 * is seen gone */
	exitread__poll(a->xr, &a->tg, a->prof);
	if (!targets__find_exited(&a->tg))
		return;
	drain__run(&a->dr);
	for (size_t i = 0; i < a->tg.n; i++) {
		struct target *t = a->tg.v[i];

		if (!t->exited || t->cleaned)
			continue;
		profile__exited(a->prof, t->proc);
		/* exited before any evidence round read it: it may have run anything */
		if (a->o->evidence && !profile__has_evidence(a->prof, t->proc))
			a->prof->procs[t->proc].unread = 1;
		if (a->o->evidence && !a->prof->procs[t->proc].final)
			a->prof->stats.counters[CTR_EXIT_UNREAD]++;
		exitread__retire(a->xr, t);
		usdt__retire(a->us, a->prof, &a->tg, t, a->dr.epoch);	/* detached, its last counts taken */
		if (targets__of(&a->tg, t->info.pid) == t)
			drain__forget_pid(&a->dr, t->info.pid);
		/* its samples are all in the profile: its symbols go */
		targets__drop_symbols(&a->tg, t);
		htab__free(&t->tids);
		t->cleaned = true;
	}
	targets__reap(&a->tg);
	/* no target holds the index of an exited process any more (nor does an
	 * evidence round, when none runs) */
	if (!a->ev.running)
		profile__fold_exited(a->prof, PROFILE_KEEP_EXITED);
}

/* With -v: what the agent holds, to check its memory formula (docs/design.md). */
static void memory_report(const struct agent *a)
{
	const struct profile *p = a->prof;
	struct mallinfo2 mi = mallinfo2();
	size_t codes = 0;

	for (size_t i = 0; i < p->nevidence; i++)
		codes += p->evidence[i].n;
	msg__dbg("memory: heap %zu KB in use of %zu KB; profile: %zu process entries (%zu free), %zu functions, "
		 "%zu stacks, %zu sources, %zu evidence codes; %zu targets, %zu raw stacks, %zu non-CPython PIDs",
		 mi.uordblks / 1024, (mi.arena + mi.hblkhd) / 1024, p->nprocs, p->nfree_procs, p->nfuncs,
		 p->nstacks, p->nsources, codes, a->tg.n, a->dr.nraws, a->tg.nign);
}

/* Targets given by PID are checked before anything is loaded. */
static int check_pids(const struct agent_opts *o)
{
	struct classifier *cl = classifier__new();
	int err = 0;

	classifier__quiet(cl);	/* the targets' classifier warns, once */
	for (size_t i = 0; i < o->npids && !err; i++) {
		struct pyproc_info info;
		char why[320];

		if (classifier__classify(cl, o->pids[i], &info, why, sizeof(why)) != CL_PYTHON) {
			msg__err("%s", why);
			err = -1;
		}
	}
	classifier__free(cl);
	return err;
}

static void target_added(void *ctx, const struct target *t)
{
	struct agent *a = ctx;

	usdt__attach(a->us, a->prof, t);
}

static int setup(struct agent *a)
{
	const struct agent_opts *o = a->o;

	if (bpfobj__load(&a->bpf, o->max_depth, o->bench_stage, o->bench_stage || o->bench_toggle_ms))
		return -1;
	targets__init(&a->tg, o, a->prof, a->bpf.py_procs_fd, a->bpf.quota, a->bpf.fresh_fd);
	if (o->usdt) {	/* optional: without it, no GC pauses or imports */
		a->us = usdt__open(o->usdt, a->bpf.gc_starts_fd);
		usdt__on_audit(a->us, o->audit, o->audit_ctx);
		if (!a->us && (o->usdt & PU_AUDIT))
			return -1;	/* the one thing asked for */
		/* the <gc> frame: from the markers, or the GC state (3.13+),
		 * which needs no probe (nor CAP_SYS_ADMIN) */
		a->tg.gc_frames = o->usdt & PU_GC;
		a->tg.gc_marks = a->us != NULL;
		a->tg.added = target_added;
		a->tg.added_ctx = a;
	}
	drain__init(&a->dr, a->prof, &a->tg, a->bpf.counts_fd, a->bpf.counts_gen, a->bpf.stacks_epoch, a->bpf.stacks_fd,
		    a->bpf.stack_value_size, o->max_depth);
	if (o->stack_max_age > 0)
		a->dr.max_age = o->stack_max_age;
	if (attach__program(&a->exec_events, a->bpf.skel->progs.cb_exec))
		return -1;
	a->ev.lines = o->evidence_lines;
	if (o->evidence) {	/* optional: without it exits are unread */
		a->xr = exitread__open(a->bpf.py_procs_fd);
		a->ev.x = a->xr;
	}
	a->rb = ring_buffer__new(a->bpf.events_fd, on_event, a, NULL);
	if (!a->rb) {
		msg__err("cannot open the ring buffer: %s", strerror(errno));
		return -1;
	}
	if (o->mode == MODE_PIDS) {
		for (size_t i = 0; i < o->npids; i++)
			if (targets__consider(&a->tg, o->pids[i]) != CL_PYTHON) {
				msg__err("PID %d is no longer a CPython process", o->pids[i]);
				return -1;
			}
	} else if (o->mode == MODE_ALL) {
		targets__scan_proc(&a->tg);
	} else {
		if (child__start(&a->child, o->cmd))
			return -1;
		a->tg.child = a->child.pid;
		/* it waits before its exec: its markers attached now see its
		 * start-up imports (not when --usdt-exclude could keep them off
		 * it, or it keeps them off itself: both are decided after its
		 * exec, from what it is) */
		if (!o->usdt_exclude && !usdtopt__env_off(getenv(USDTOPT_ENV)))
			usdt__preattach(a->us, a->prof, a->child.pid, o->cmd);
	}
	if (attach__perf_events(&a->sampling, a->bpf.skel->progs.cb_sample, o->hz,
				o->fixed_period ? 0 : period__ns(o->hz)))
		return -1;
	period__init(&a->per, a->sampling.fds, (int)a->sampling.n, o->hz, clock__now(), o->fixed_period);
	msg__dbg("sampling %d CPUs at %d Hz (%s period), max depth %d", a->sampling.cpus, o->hz,
		 o->fixed_period ? "fixed" : "random", o->max_depth);
	if (o->mode == MODE_CMD && child__go(&a->child))
		return -1;
	return 0;
}

static void read_source_stats(struct profile *prof);

static double self_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --max-overhead, at each drain: the cost of the last interval (BPF time of
 * the Python samples, at the program's own mean per sample, plus the
 * agent's CPU time, every thread), per sampled CPU, against the budget. The
 * rate it leaves is kept, time-weighted, for the profile (effective_hz). */
static void budget_tick(struct agent *a, double now)
{
	uint64_t c[CTR_NR] = { 0 };
	double dt = now - a->bud_t, cpu = self_cpu(), bpf_s, cost, mean;

	if (dt <= 0)
		return;
	a->hz_seconds += a->per.hz * dt;
	if (a->o->max_overhead > 0) {
		bpfobj__read_stats(&a->bpf, c);
		mean = c[CB_STAT_TIMED] - a->bud_timed ?
		       (double)(c[CB_STAT_NS] - a->bud_ns) / (c[CB_STAT_TIMED] - a->bud_timed) : 0;
		bpf_s = (c[CB_STAT_PY_SAMPLES] - a->bud_py) * mean / 1e9;
		cost = (bpf_s + cpu - a->bud_cpu) / (dt * (a->sampling.cpus ? a->sampling.cpus : 1));
		double hz = a->per.hz, nhz = period__budget(&a->per, cost, a->o->max_overhead / 100.0);

		if ((int)nhz != (int)hz)
			msg__dbg("budget: %.3f%% of each sampled CPU (BPF %.4f s, agent %.4f s in %.2f s): %.0f -> %.0f Hz",
				 100 * cost, bpf_s, cpu - a->bud_cpu, dt, hz, nhz);
		a->bud_py = c[CB_STAT_PY_SAMPLES];
		a->bud_ns = c[CB_STAT_NS];
		a->bud_timed = c[CB_STAT_TIMED];
	}
	a->bud_t = now;
	a->bud_cpu = cpu;
}

/* A long-running agent's tick: counters read about every second, then the
 * caller's hook (serve's requests). */
static void serve_tick(struct agent *a, double start, double now)
{
	struct agent_tick t = { now, now - start, 0 };

	if (now - a->last_stats >= 1.0) {
		a->last_stats = now;
		bpfobj__read_stats(&a->bpf, a->prof->stats.counters);
		exitread__read_stats(a->xr, a->prof);
		usdt__read_stats(a->us, a->prof);
		read_source_stats(a->prof);
		a->prof->stats.present = true;
		a->prof->duration_s = now - start;
	}
	for (size_t i = 0; i < a->tg.n; i++)
		t.targets += !a->tg.v[i]->exited;
	a->o->tick(a->o->tick_ctx, a->prof, &t);
}

/* Poll until a stop signal, -d, or the targets are done. 0, or -1. */
/* make bench (--bench-toggle): the next window of what the target loses with
 * sampling off and on, close enough in time that the host's drift cancels.
 * The cycle: off, on with the program returning at once, stopping at the
 * thread state, whole; or off and on at the stage --bench-stage set. The
 * window's start and name go to stderr (tests/bench/toggle.py). */
static void bench_toggle(struct agent *a, int *step, int *sampling)
{
	static const struct {
		const char *name;
		int stage;	/* -1: off */
	} cycle[] = {
		{ "off", -1 }, { "exit", CB_BENCH_EXIT }, { "no-walk", CB_BENCH_NO_WALK }, { "full", CB_BENCH_FULL },
	};
	const char *name;
	int on;

	if (a->o->bench_stage) {
		on = *step = !*step;
		name = on ? "on" : "off";
	} else {
		*step = (*step + 1) % (int)(sizeof(cycle) / sizeof(cycle[0]));
		on = cycle[*step].stage >= 0;
		name = cycle[*step].name;
		if (on)
			*a->bpf.bench_stage = (__u32)cycle[*step].stage;
	}
	if (on != *sampling && period__enable(&a->per, on))
		msg__err("--bench-toggle: an event could not be switched");
	*sampling = on;
	fprintf(stderr, "bench-toggle %.9f %s\n", clock__now(), name);
}

static int loop(struct agent *a, double start)
{
	const struct agent_opts *o = a->o;
	double every = o->evidence_interval > 0 ? o->evidence_interval : EVIDENCE_SECS;
	double last_scan = 0, last_drain = start, last_evidence = start - every + 1.0;
	double last_memory = start, last_toggle = start;
	int step = 0, sampling = 1;

	while (!*o->stop) {
		double now;
		int r = ring_buffer__poll(a->rb, TICK_MS);

		/* stack events do not wake us (BPF_RB_NO_WAKEUP): consume each tick */
		if (r >= 0 || r == -EINTR)
			r = ring_buffer__consume(a->rb);
		if (r < 0 && r != -EINTR) {
			msg__err("ring buffer: %s", strerror(-r));
			return -1;
		}
		targets__retry_pending(&a->tg);
		usdt__poll(a->us, a->prof, 0);	/* import events: the ring is read every tick */
		now = clock__now();
		period__tick(&a->per, now);
		if (o->bench_toggle_ms && now - last_toggle >= o->bench_toggle_ms / 1000.0) {
			last_toggle = now;
			bench_toggle(a, &step, &sampling);
		}
		if (o->mode == MODE_CMD)
			child__poll(&a->child);
		if (now - last_scan >= SCAN_SECS || a->child.done) {
			last_scan = now;
			if (o->mode != MODE_PIDS)
				targets__scan_proc(&a->tg);
			retire_exited(a);
		}
		if (now - last_drain >= o->drain_interval && !o->bench_quiet) {
			last_drain = now;
			drain__run(&a->dr);
			targets__read_drops(&a->tg);
			usdt__poll(a->us, a->prof, 1);
			usdt__read_calls(a->us, a->prof, &a->tg, a->dr.epoch);
			budget_tick(a, clock__now());
			evround__drained(&a->ev, clock__now());
		}
		if (o->evidence) {	/* rounds run in a worker: drains never wait for them */
			evround__collect(&a->ev, &a->tg, a->prof, false);
			if (!a->ev.running && now - last_evidence >= every) {	/* the first after 1 s */
				last_evidence = now;
				evround__start(&a->ev, &a->tg, now, false, false);
			} else if (!a->ev.running && evround__young_due(&a->tg, now)) {
				/* new targets are read soon, not at the next round */
				evround__start(&a->ev, &a->tg, now, false, true);
			}
		}
		if (o->tick)
			serve_tick(a, start, now);
		if (now - last_memory >= MEMORY_SECS) {
			last_memory = now;
			malloc_trim(0);	/* freed memory goes back: weeks of churn fragment the heap */
			if (msg_verbose)
				memory_report(a);
		}
		if (a->child.done || targets__all_exited(&a->tg))
			break;
		if (o->duration > 0 && now - start >= o->duration)
			break;
	}
	return 0;
}

/* What the one reader of target files did (lib/tfile.h), into the registry. */
static void read_source_stats(struct profile *prof)
{
	struct tfile_stats ts;

	tfile__stats(&ts);
	prof->stats.counters[CTR_SRC_READ] = ts.reads;
	prof->stats.counters[CTR_SRC_REFUSED] = ts.refused;
	prof->stats.counters[CTR_SRC_DENIED] = ts.denied;
	prof->stats.counters[CTR_SRC_FAILED] = ts.failed;
	prof->stats.counters[CTR_SRC_TIMEOUTS] = ts.timeouts;
}

static void set_started(struct profile *prof)
{
	time_t wall = time(NULL);
	struct tm tm;

	gmtime_r(&wall, &tm);
	strftime(prof->started, sizeof(prof->started), "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int agent__run(const struct agent_opts *o, struct profile *prof)
{
	struct agent a = { .o = o, .prof = prof, .child = { .gofd = -1 } };	/* ev: zeroed is initialised */

	a.ev.last_drain = clock__now();
	double start;
	int err = 1;

	/* one malloc arena: the evidence worker and the file readers are
	 * threads, and per-thread arenas fragment over weeks of churn */
	mallopt(M_ARENA_MAX, 1);
	attach__init(&a.sampling, "sampler");
	attach__init(&a.exec_events, "exec tracepoint");
	prof->frequency_hz = o->hz;
	prof->max_depth = o->max_depth;
	set_started(prof);
	if (o->mode == MODE_PIDS && check_pids(o))
		return 1;
	if (setup(&a))
		goto cleanup;
	start = clock__now();
	a.bud_t = start;
	a.bud_cpu = self_cpu();
	if (loop(&a, start))
		goto cleanup;
	/* final: stop sampling, symbolize what is queued, then drain both
	 * counts maps: every recorded sample is in the profile, exactly once */
	attach__free(&a.sampling);
	ring_buffer__consume(a.rb);
	retire_exited(&a);
	if (o->evidence) {	/* the last round is full, and waited for */
		evround__collect(&a.ev, &a.tg, prof, true);
		evround__start(&a.ev, &a.tg, clock__now(), true, false);
		evround__collect(&a.ev, &a.tg, prof, true);
	}
	drain__run(&a.dr);
	drain__run(&a.dr);
	targets__read_drops(&a.tg);
	prof->duration_s = clock__now() - start;
	budget_tick(&a, clock__now());
	/* the mean rate the run sampled at: below -F when the budget lowered it */
	if (o->max_overhead > 0 && prof->duration_s > 0)
		prof->effective_hz = a.hz_seconds / prof->duration_s;
	prof->stats.present = true;
	bpfobj__read_stats(&a.bpf, prof->stats.counters);
	bpfobj__read_ns_hist(&a.bpf, prof->stats.ns_hist);
	exitread__read_stats(a.xr, prof);
	usdt__read_calls(a.us, prof, &a.tg, a.dr.epoch);	/* before the live ones are detached */
	usdt__free(a.us, prof);	/* every process detached: its semaphores are back down */
	a.us = NULL;
	read_source_stats(prof);
	if (o->mode == MODE_CMD && !a.child.done)
		child__stop(&a.child, *o->stop == SIGINT ? SIGINT : SIGTERM);
	else if (o->mode == MODE_CMD)
		child__report(&a.child);
	err = 0;
cleanup:
	if (o->mode == MODE_CMD)
		child__abandon(&a.child, err != 0);
	attach__free(&a.sampling);
	attach__free(&a.exec_events);
	ring_buffer__free(a.rb);
	evround__free(&a.ev);	/* joins a round still running */
	exitread__free(a.xr);
	usdt__free(a.us, prof);
	drain__free(&a.dr);	/* both are safe to free zeroed */
	period__free(&a.per);
	targets__free(&a.tg);
	bpfobj__free(&a.bpf);
	profile__compact(prof);
	return err;
}
