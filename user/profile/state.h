/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Evidence that survives restarts (coldbpf serve --state-dir): per program
 * (profile__program of the command line, and the root its files resolve
 * in) and per code version of each function (its file, qualified name and
 * first line: a definition that moves is a new version), what every agent
 * run saw:
 *
 * - ran: it ran at some time (first and last time seen running);
 * - never: no process of the program ran it since never_since, over every
 *   observed interval after that (the agent's runs: a gap between runs is
 *   not observed time, and is reported as such);
 * - unknown: the last evidence could not decide.
 *
 * Soundness (docs/serve.md, "State"): within a run, the rules of
 * docs/cold.md hold; an exit the agent could not read at its end (unread,
 * or read before its end, or late) restarts the program's window: never_since
 * moves to when it was seen, so a claim never covers time in which a
 * process may have run code unseen. Bounded: at most STATE_MAX_PROGRAMS
 * programs and STATE_MAX_FUNCS functions (the programs seen longest ago go
 * first), and what was not seen for STATE_KEEP_S goes. Saved atomically
 * (lib/file.h); a state file is also a profile that `coldbpf cold` reads.
 */
#ifndef COLDBPF_PROFILE_STATE_H
#define COLDBPF_PROFILE_STATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/htab.h"
#include "profile/profile.h"

#define STATE_FORMAT_NAME "coldbpf-state"
#define STATE_FORMAT_VERSION 1
#define STATE_MAX_PROGRAMS 256
#define STATE_MAX_FUNCS 200000
#define STATE_MAX_INTERVALS 256	/* the oldest observed intervals are merged (gaps included: not counted) */
#define STATE_KEEP_S (90.0 * 86400)
#define STATE_MAX_BYTES (128u << 20)	/* a larger state file is refused */

enum state_status { ST_UNKNOWN = 0, ST_RAN = 1, ST_NEVER = 2 };

struct state_func {
	char *file, *qualname;
	int firstline;
	uint8_t status;	/* enum state_status */
	uint8_t flags;	/* EV_C_* seen */
	double first_seen, last_seen;	/* wall-clock seconds */
	double ran_first, ran_last;	/* 0: never seen running */
	double never_since;	/* ST_NEVER: the claim holds since then */
};

struct state_prog {
	char *name, *root, *cwd, *python;
	double first_seen, last_seen;
	double clean_since;	/* an exit seen unread or not at its end restarts the window then */
	uint64_t unclean;	/* such exits seen, over all runs */
	uint64_t run_unclean;	/* ... in this run's live profile (not saved) */
	struct state_func *f;
	size_t n, cap;
	struct htab idx;	/* hash of (file, qualname, firstline) -> index + 1 */
};

struct state_interval {
	double start, end;	/* observed: an agent ran from start to end */
	double gaps;		/* merged intervals: unobserved seconds inside */
};

struct state {
	struct state_prog *p;
	size_t n, cap;
	struct state_interval iv[STATE_MAX_INTERVALS];
	size_t niv;
	double run_start;	/* this run's interval (0: not updated yet) */
	uint64_t dropped;	/* functions and programs dropped at the bounds */
};

void state__init(struct state *s);
void state__free(struct state *s);
/* Load path into s (empty when the file does not exist). 0, or -1 with err. */
int state__load(struct state *s, const char *path, char *err, size_t errsz);
/* Save atomically (a temporary file renamed over path). 0, or -1 after a message. */
int state__save(const struct state *s, const char *path);
/* Fold the evidence of the live profile in, at wall-clock time now; run_start
 * is when this run began observing (wall clock). */
void state__update(struct state *s, const struct profile *prof, double now, double run_start);
/* Seconds observed in [since, now] (gaps not counted). */
double state__observed(const struct state *s, double since, double now);
/* Total observed seconds, and the first observed time (0: none). */
double state__observed_total(const struct state *s, double *first);
size_t state__nfuncs(const struct state *s);
/* Add the state's evidence to p: one merged entry per program (pproc.merged,
 * alive 0: it adds no live window), its functions' statuses as evidence. */
void state__to_profile(const struct state *s, struct profile *p, double now);
/* Parse a state held in a JSON document (profile/json.c hands state files
 * here). 0, or -1 with err. */
int state__from_json(struct state *s, void *json_root, const char *path, char *err, size_t errsz);
#endif
