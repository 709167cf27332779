// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* serve's files: --state-dir (profile/state.h) and --out-dir. Called on the
 * agent's thread (its tick, and after it stopped). */
#include "serve/serve.h"
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lib/alloc.h"
#include "lib/clock.h"
#include "lib/file.h"
#include "lib/msg.h"
#include "output/pprof.h"
#include "profile/json.h"

double serve__wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int serve__state_open(struct serve *s, const char *dir)
{
	char err[512];
	size_t n = strlen(dir) + sizeof("/state.json");

	if (file__make_dir(dir))
		return -1;
	s->state_path = xcalloc(n, 1);
	snprintf(s->state_path, n, "%s/state.json", dir);
	if (state__load(&s->state, s->state_path, err, sizeof(err))) {
		msg__err("--state-dir: %s (move it away to start afresh)", err);
		return -1;
	}
	s->state_run_start = serve__wall_now();
	s->sf.on = true;
	s->sf.observed_s = state__observed_total(&s->state, &s->sf.first_s);
	s->sf.programs = s->state.n;
	s->sf.functions = state__nfuncs(&s->state);
	if (s->state.n)
		msg__err("note: --state-dir: %zu programs, %zu functions, %.0f s observed since %.0f", s->state.n,
			  state__nfuncs(&s->state), s->sf.observed_s, s->sf.first_s);
	return 0;
}

int serve__state_save(struct serve *s, const struct profile *prof)
{
	double t0 = clock__now();
	int r;

	state__update(&s->state, prof, serve__wall_now(), s->state_run_start);
	r = state__save(&s->state, s->state_path);
	s->sf.save_s = clock__now() - t0;
	s->sf.saves += !r;
	s->sf.save_errors += !!r;
	s->sf.dropped = s->state.dropped;
	s->sf.programs = s->state.n;
	s->sf.functions = state__nfuncs(&s->state);
	s->sf.observed_s = state__observed_total(&s->state, &s->sf.first_s);
	return r;
}

static bool out_name(const char *n)
{
	size_t l = strlen(n);

	return !strncmp(n, "profile-", 8) && l > 14 && !strcmp(n + l - 6, ".pb.gz");
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int serve__out_open(struct serve *s, const char *dir, double every, int keep)
{
	DIR *d;
	struct dirent *e;

	if (file__make_dir(dir))
		return -1;
	d = opendir(dir);
	if (!d) {
		msg__err("--out-dir %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {	/* earlier runs' profiles count toward --keep */
		if (!out_name(e->d_name) || e->d_type != DT_REG)
			continue;
		ARRAY_RESERVE(s->out_names, s->nout, s->capout, 16);
		s->out_names[s->nout] = xstrdup(e->d_name);
		s->out_names[s->nout++][strlen(e->d_name) - 6] = 0;
	}
	closedir(d);
	qsort(s->out_names, s->nout, sizeof(*s->out_names), by_name);
	s->out_dir = xstrdup(dir);
	s->out_every = every;
	s->out_keep = keep;
	s->out_mark = -1;
	return 0;
}

static void unlink_in(const char *dir, const char *base, const char *ext)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s%s", dir, base, ext);
	if (unlink(path) && errno != ENOENT)	/* unlink never follows a symlink */
		msg__err("--out-dir: cannot remove %s: %s", path, strerror(errno));
}

/* The samples since the interval's mark (and the evidence so far) as
 * pprof and JSON, the oldest beyond --keep removed, a new interval begun. */
void serve__out_write(struct serve *s, struct profile *prof, double now)
{
	uint64_t *counts = xcalloc(prof->nstacks + 1, sizeof(*counts));
	struct pprof_opts po = { .counts = counts };
	struct profile *q;
	char base[96], path[PATH_MAX], stamp[32], err[512];
	time_t t = (time_t)s->out_start_wall;
	struct tm tm;
	uint8_t *buf = NULL;
	size_t len = 0;
	bool ok = true;

	for (size_t i = 0; i < prof->nstacks; i++)
		counts[i] = profile__since_mark(prof, s->out_mark, i);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(base, sizeof(base), "profile-%s-%06" PRIu64, stamp, s->out_seq++ % 1000000);
	po.time_ns = (int64_t)(s->out_start_wall * 1e9);
	po.duration_ns = (int64_t)((now - s->out_start) * 1e9);
	snprintf(path, sizeof(path), "%s/%s.pb.gz", s->out_dir, base);
	if (!pprof__encode(prof, &po, &buf, &len)) {
		struct outfile *o = file__create(path);

		ok = o && fwrite(buf, 1, len, o->f) == len ? !file__commit(o) : (o ? (file__abort(o), false) : false);
	} else {
		ok = false;
	}
	free(buf);
	q = profile__subset(prof, NULL, counts);
	q->duration_s = now - s->out_start;
	snprintf(q->started, sizeof(q->started), "%s", stamp);
	snprintf(path, sizeof(path), "%s/%s.json", s->out_dir, base);
	if (ok && profile__save_json(q, path, err, sizeof(err))) {
		msg__err("--out-dir: %s", err);
		ok = false;
	}
	profile__free(q);
	free(counts);
	if (ok) {
		s->out_writes++;
		ARRAY_RESERVE(s->out_names, s->nout, s->capout, 16);
		s->out_names[s->nout++] = xstrdup(base);
		while (s->nout > (size_t)s->out_keep) {
			unlink_in(s->out_dir, s->out_names[0], ".pb.gz");
			unlink_in(s->out_dir, s->out_names[0], ".json");
			free(s->out_names[0]);
			memmove(s->out_names, s->out_names + 1, --s->nout * sizeof(*s->out_names));
		}
	} else {
		s->out_errors++;
	}
	profile__unmark(prof, s->out_mark);
	s->out_mark = profile__mark(prof);
	s->out_start = now;
	s->out_start_wall = serve__wall_now();
}

int serve__final(struct serve *s, struct profile *prof)
{
	uint64_t errs = s->out_errors;

	if (s->out_dir && s->out_mark >= 0)
		serve__out_write(s, prof, clock__now());	/* the last interval, cut short */
	if (s->state_path && serve__state_save(s, prof))
		return -1;
	return s->out_errors > errs ? -1 : 0;
}
