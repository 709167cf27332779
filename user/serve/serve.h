/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * coldbpf serve: the agent runs until stopped while HTTP threads
 * (serve/http.c) answer /metrics and /debug/pprof/profile. The profile
 * belongs to the agent's thread: an HTTP thread posts a request here and
 * waits; the agent's tick (collect/agent.h) renders metrics or takes a
 * profile's samples since a mark (profile__mark) and wakes it. Nothing
 * else crosses threads.
 */
#ifndef COLDBPF_SERVE_SERVE_H
#define COLDBPF_SERVE_SERVE_H
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "collect/agent.h"
#include "deadcode/deadcode.h"
#include "output/metrics.h"
#include "profile/state.h"

#define SERVE_PROFILE_MAX_S 300	/* longest ?seconds= of a profile request */
#define SERVE_MAX_SRC 8		/* --src trees */
#define SERVE_SRC_SECS 60.0	/* their statuses are computed this often (when scraped) */
#define SERVE_PROFILES 4	/* profile requests at once (a mark each; --out-dir has one more) */
#define SERVE_STATE_SECS 60.0	/* --state-dir: the state is saved this often (and at the end) */

struct serve_profile {
	int state;		/* SP_* (serve.c) */
	double seconds, start;
	int mark;
	uint8_t *out;		/* the gzipped pprof profile */
	size_t len;
};

struct serve {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* /metrics: wanted by generation, rendered by the agent */
	uint64_t want_gen, done_gen;
	bool want_om, done_om;
	char *metrics;
	size_t metrics_len;
	uint64_t scrapes;
	struct metrics_state ms;
	struct metrics_opts mo;
	struct serve_profile prof[SERVE_PROFILES];
	bool stopping;		/* the agent's loop ended: waiters give up */
	/* --src trees: their inventories, and statuses over the live profile */
	struct deadcode *dc;
	struct metrics_src *src;
	size_t nsrc;
	double src_at;		/* when they were computed (0: never) */
	double hz;		/* sampling frequency (pprof period) */
	/* --state-dir: evidence kept across restarts (profile/state.h) */
	struct state state;
	char *state_path;	/* NULL: no --state-dir */
	double state_run_start;	/* wall clock: this run's observed interval began */
	double state_at;	/* monotonic: last saved (0: never) */
	double state_every;	/* seconds between saves (SERVE_STATE_SECS) */
	struct metrics_statefile sf;
	/* --out-dir: a profile per interval, rotated */
	char *out_dir;
	double out_every;	/* seconds */
	int out_keep;		/* profiles kept (each a .pb.gz and a .json) */
	int out_mark;		/* the interval's start (profile__mark), -1 none */
	double out_start, out_start_wall;
	uint64_t out_seq, out_writes, out_errors;
	char **out_names;	/* base names written, oldest first */
	size_t nout, capout;
	volatile sig_atomic_t *hup;	/* SIGHUP: write the interval now */
};

void serve__init(struct serve *s, const struct metrics_opts *mo, int hz);
/* Add a --src tree (its inventory is read now). 0, or -1 after a message. */
int serve__add_src(struct serve *s, const char *src, const char *python);
void serve__free(struct serve *s);
/* --state-dir DIR: created if missing (mode 0700), its state loaded. 0, or
 * -1 after a one-line message (a state file that is not one is refused). */
int serve__state_open(struct serve *s, const char *dir);
/* --out-dir DIR: created if missing; profiles named profile-*.pb.gz and
 * .json already there count toward keep. 0, or -1 after a message. */
int serve__out_open(struct serve *s, const char *dir, double every, int keep);
/* The agent stopped (its last evidence round is in prof): the state is
 * updated and saved, the last interval's profile written. 0, or -1 after a
 * message. */
int serve__final(struct serve *s, struct profile *prof);
/* The agent's tick (struct agent_opts.tick). */
void serve__tick(void *ctx, struct profile *prof, const struct agent_tick *t);
/* The agent's loop ended: wake every waiter. */
void serve__stop(struct serve *s);
/* HTTP thread: the current metrics (malloc'ed, *len), waiting at most
 * timeout_s for the agent; NULL when it did not answer. */
char *serve__metrics(struct serve *s, bool openmetrics, double timeout_s, size_t *len);
/* HTTP thread: a pprof profile of the next seconds; NULL with *why (an
 * HTTP status) when refused or abandoned. */
uint8_t *serve__profile(struct serve *s, double seconds, size_t *len, int *why);
/* files.c, for serve.c: the wall clock; save the state now; write the
 * --out-dir interval now and begin the next. */
double serve__wall_now(void);
int serve__state_save(struct serve *s, const struct profile *prof);
void serve__out_write(struct serve *s, struct profile *prof, double now);
#endif
