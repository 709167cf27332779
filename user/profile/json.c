// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The saved profile as JSON (docs/profile-format.md). Over 500 lines: its
 * one writer and its one reader, every field of a hostile file checked on
 * load, and a --state-dir state handed to profile/state.c. */
#include "profile/json.h"
#include <errno.h>
#include <stdint.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/evlines.h"
#include "cpython/pylayout.h"
#include "lib/alloc.h"
#include "lib/file.h"
#include "profile/counters.h"
#include "profile/state.h"

static json_t *lines_to_json(const struct pevidence *e);

#define FORMAT_NAME "coldbpf-profile"

static json_t *to_json(const struct profile *p)
{
	json_t *root = json_object(), *procs = json_array(), *funcs = json_array();
	json_t *stacks = json_array(), *sources = json_array();

	json_object_set_new(root, "format", json_string(FORMAT_NAME));
	json_object_set_new(root, "version", json_integer(PROFILE_FORMAT_VERSION));
	json_object_set_new(root, "tool", json_string("coldbpf " COLDBPF_VERSION));
	json_object_set_new(root, "started", json_string(p->started));
	json_object_set_new(root, "duration_s", json_real(p->duration_s));
	json_object_set_new(root, "frequency_hz", json_integer(p->frequency_hz));
	if (p->effective_hz > 0)
		json_object_set_new(root, "effective_hz", json_real(p->effective_hz));
	json_object_set_new(root, "max_depth", json_integer(p->max_depth));
	for (size_t i = 0; i < p->nprocs; i++) {
		const struct pproc *r = &p->procs[i];

		json_t *o = json_pack("{s:i,s:s,s:s,s:s,s:s,s:I,s:b}", "pid", r->pid, "comm", r->comm,
				      "cmdline", r->cmdline, "python", r->python, "version_method",
				      r->method, "samples", (json_int_t)r->samples, "exited", r->exited);

		if (r->method && !strcmp(r->method, PYLAYOUT_METHOD_FUTURE))	/* newer than tested */
			json_object_set_new(o, "best_effort", json_true());
		if (r->folded)	/* an entry of exited processes of one program (profile/fold.c) */
			json_object_set_new(o, "folded", json_integer(r->folded));
		if (r->dropped)
			json_object_set_new(o, "dropped", json_integer(r->dropped));
		if (r->evidence_age > 0)
			json_object_set_new(o, "evidence_age_s", json_real(r->evidence_age));
		if (r->unread)	/* exited before its evidence was read */
			json_object_set_new(o, "unread", json_integer(r->unread));
		if (r->final)	/* read at its exit (docs/cold.md, "Soundness" 5) */
			json_object_set_new(o, "evidence_final", json_true());
		if (r->late)
			json_object_set_new(o, "evidence_late", json_true());
		if (r->merged)	/* a pprof file's merged evidence (docs/pprof.md) */
			json_object_set_new(o, "merged_alive", json_integer(r->alive));
		if (r->root)	/* where its file names resolve (docs/cold.md, "Matching") */
			json_object_set_new(o, "root", json_string(r->root));
		if (r->cwd)
			json_object_set_new(o, "cwd", json_string(r->cwd));
		if (r->nspid)	/* its PID inside its container */
			json_object_set_new(o, "nspid", json_integer(r->nspid));
		if (r->usdt)	/* GC pauses and imports (docs/usdt.md) */
			json_object_set_new(o, "usdt", pusdt__to_json(r->usdt));
		json_array_append_new(procs, o);
	}
	for (size_t i = 0; i < p->nfuncs; i++)
		json_array_append_new(funcs, json_pack("{s:s,s:s,s:i}", "file", p->funcs[i].file,
						       "qualname", p->funcs[i].qualname, "firstline",
						       p->funcs[i].firstline));
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct pstack *s = &p->stacks[i];
		json_t *fr = json_array();

		for (uint32_t d = 0; d < s->depth; d++)
			json_array_append_new(fr, json_pack("[i,i]", s->frames[d].func, s->frames[d].line));
		json_t *o = json_pack("{s:i,s:i,s:I,s:b,s:o}", "proc", s->proc, "tid", s->tid, "count",
				      (json_int_t)s->count, "truncated", !!(s->flags & PF_STACK_TRUNCATED),
				      "frames", fr);

		if (PF_INTERP(s->flags))	/* a subinterpreter's stack */
			json_object_set_new(o, "interp", json_integer(PF_INTERP(s->flags)));
		json_array_append_new(stacks, o);
	}
	for (size_t i = 0; i < p->nsources; i++)
		json_array_append_new(sources, json_pack("{s:s,s:i,s:s}", "file", p->sources[i].file,
							 "line", p->sources[i].line, "text",
							 p->sources[i].text));
	json_t *skipped = json_array();

	for (size_t i = 0; i < p->nskipped; i++)
		json_array_append_new(skipped, json_pack("{s:i,s:s,s:s}", "pid", p->skipped[i].pid,
							 "cmdline", p->skipped[i].cmdline, "reason",
							 p->skipped[i].reason));
	json_object_set_new(root, "skipped", skipped);
	json_t *evidence = json_array();

	for (size_t i = 0; i < p->nevidence; i++) {
		json_t *codes = json_array();

		for (size_t k = 0; k < p->evidence[i].n; k++) {
			const struct pevcode *pc = &p->evidence[i].codes[k];

			if (pc->flags)	/* [function, status, flags]; older files have pairs */
				json_array_append_new(codes, json_pack("[i,i,i]", pc->func, pc->status, pc->flags));
			else
				json_array_append_new(codes, json_pack("[i,i]", pc->func, pc->status));
		}
		json_t *e = json_pack("{s:i,s:o}", "proc", p->evidence[i].proc, "codes", codes);
		json_t *lines = lines_to_json(&p->evidence[i]);

		if (p->evidence[i].partial)
			json_object_set_new(e, "partial", json_true());
		if (lines)	/* --evidence-lines: per code index, its lines and branches */
			json_object_set_new(e, "lines", lines);
		json_array_append_new(evidence, e);
	}
	json_object_set_new(root, "evidence", evidence);
	json_object_set_new(root, "processes", procs);
	json_object_set_new(root, "functions", funcs);
	json_object_set_new(root, "stacks", stacks);
	json_object_set_new(root, "sources", sources);
	if (p->stats.present) {
		json_t *st = json_object();

		json_t *hist = json_array();
		bool any = false;

		for (int i = 0; i < CTR_NR; i++)
			json_object_set_new(st, counter__name(i), json_integer(p->stats.counters[i]));
		for (int b = 0; b < CB_NS_BUCKETS; b++) {
			json_array_append_new(hist, json_integer((json_int_t)p->stats.ns_hist[b]));
			any |= p->stats.ns_hist[b] != 0;
		}
		if (any)	/* the timed samples' ns by quarter octave (include/sampler.h) */
			json_object_set_new(st, "bpf_ns_hist", hist);
		else
			json_decref(hist);
		json_object_set_new(root, "stats", st);
	}
	return root;
}

int profile__dump_json(const struct profile *p, FILE *f)
{
	json_t *root = to_json(p);
	int ret = json_dumpf(root, f, JSON_COMPACT | JSON_ENSURE_ASCII);

	json_decref(root);
	return ret || ferror(f) ? -1 : 0;
}

int profile__save_json(const struct profile *p, const char *path, char *err, size_t errsz)
{
	struct outfile *o = file__create(path);

	if (!o) {
		snprintf(err, errsz, "cannot write %s", path);
		return -1;
	}
	if (profile__dump_json(p, o->f)) {
		file__abort(o);
		snprintf(err, errsz, "cannot write %s", path);
		return -1;
	}
	if (file__commit(o)) {
		snprintf(err, errsz, "cannot write %s", path);
		return -1;
	}
	return 0;
}

static const char *str_at(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int json_int_at(json_t *o, const char *k, json_int_t min, json_int_t max, json_int_t *out)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* [function index, value in min..max] (with triple_ok, a third element may
 * follow: the caller reads it): 0, or -1 when malformed. */
static int func_tuple(const struct profile *p, json_t *a, json_int_t min, json_int_t max, json_int_t *fi,
		      json_int_t *val, bool triple_ok)
{
	json_t *f = json_array_get(a, 0), *v = json_array_get(a, 1);

	if ((json_array_size(a) != 2 && !(triple_ok && json_array_size(a) == 3)) || !json_is_integer(f) || !json_is_integer(v) || json_integer_value(f) < 0 ||
	    (size_t)json_integer_value(f) >= p->nfuncs || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return -1;
	*fi = json_integer_value(f);
	*val = json_integer_value(v);
	return 0;
}

static int func_pair(const struct profile *p, json_t *a, json_int_t min, json_int_t max, json_int_t *fi,
		     json_int_t *val)
{
	return func_tuple(p, a, min, max, fi, val, false);
}

/* "lines" of an evidence entry: [[code index, [[line, status, reason], ...],
 * [[line, side, to], ...]], ...] (cpython/evlines.h; docs/profile-format.md). */
static json_t *lines_to_json(const struct pevidence *e)
{
	json_t *out = NULL;

	for (size_t k = 0; k < e->n; k++) {
		const struct ev_lines *l = e->codes[k].lines;
		json_t *ls, *bs;

		if (!l)
			continue;
		ls = json_array();
		bs = json_array();
		for (uint32_t q = 0; q < l->nlines; q++)
			json_array_append_new(ls, json_pack("[i,i,i]", l->lines[q].line, l->lines[q].status,
							    l->lines[q].reason));
		for (uint32_t q = 0; q < l->nbranches; q++)
			json_array_append_new(bs, json_pack("[i,i,i]", l->branches[q].line, l->branches[q].side,
							    l->branches[q].to));
		if (!out)
			out = json_array();
		json_array_append_new(out, json_pack("[I,o,o]", (json_int_t)k, ls, bs));
	}
	return out;
}

static int int_triple(json_t *a, json_int_t v[3])
{
	if (!json_is_array(a) || json_array_size(a) != 3)
		return -1;
	for (int i = 0; i < 3; i++) {
		json_t *x = json_array_get(a, i);

		if (!json_is_integer(x))
			return -1;
		v[i] = json_integer_value(x);
	}
	return 0;
}

#define MAX_LINES_PER_CODE (1 << 20)

/* 0, or -1 when malformed (lines not increasing, values out of range). */
static int lines_from_json(json_t *a, struct pevcode *pc, size_t n)
{
	size_t i;
	json_t *e;

	if (!a)
		return 0;	/* older files, or no --evidence-lines */
	if (!json_is_array(a))
		return -1;
	json_array_foreach(a, i, e) {
		json_t *idx = json_array_get(e, 0), *ls = json_array_get(e, 1), *bs = json_array_get(e, 2), *x;
		struct ev_lines *l;
		size_t k, nl, nb;
		json_int_t v[3], k0;

		if (!json_is_array(e) || json_array_size(e) != 3 || !json_is_integer(idx) || !json_is_array(ls) ||
		    !json_is_array(bs))
			return -1;
		k0 = json_integer_value(idx);
		nl = json_array_size(ls);
		nb = json_array_size(bs);
		if (k0 < 0 || (size_t)k0 >= n || pc[k0].lines || nl > MAX_LINES_PER_CODE || nb > nl)
			return -1;
		l = malloc(sizeof(*l) + nl * sizeof(struct evl_line) + nb * sizeof(struct evl_branch));
		if (!l)
			return -1;
		l->nlines = nl;
		l->nbranches = nb;
		l->lines = (struct evl_line *)(l + 1);
		l->branches = (struct evl_branch *)(l->lines + nl);
		pc[k0].lines = l;
		json_array_foreach(ls, k, x) {
			if (int_triple(x, v) || v[0] < 0 || v[0] > INT32_MAX || v[1] < 0 || v[1] > EVL_NEVER ||
			    v[2] < 0 || v[2] >= EVL_R_NR || (k && v[0] <= l->lines[k - 1].line))
				return -1;
			l->lines[k] = (struct evl_line){ (int32_t)v[0], (uint8_t)v[1], (uint8_t)v[2] };
		}
		json_array_foreach(bs, k, x) {
			if (int_triple(x, v) || v[0] < 0 || v[0] > INT32_MAX || (v[1] != EVL_JUMP_NEVER &&
			    v[1] != EVL_FALL_NEVER) || v[2] < -1 || v[2] > INT32_MAX)
				return -1;
			l->branches[k] = (struct evl_branch){ (int32_t)v[0], (int32_t)v[2], (uint8_t)v[1] };
		}
	}
	return 0;
}

struct profile *profile__load_json(const char *path, char *err, size_t errsz)
{
	json_error_t je;
	json_t *root, *a, *v;
	struct profile *p;
	const char *s;
	json_int_t iv;
	size_t i;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (je.line <= 0)
			snprintf(err, errsz, "%s: %s", path, je.text);
		else
			snprintf(err, errsz, "%s: not a coldbpf profile: invalid JSON at line %d: %s",
				 path, je.line, je.text);
		return NULL;
	}
	p = profile__new();
	if (json_is_object(root) && (s = str_at(root, "format")) && !strcmp(s, STATE_FORMAT_NAME)) {
		/* serve --state-dir's state: its evidence, one merged entry per program */
		struct state st;

		state__init(&st);
		if (state__from_json(&st, root, path, err, errsz)) {
			json_decref(root);
			profile__free(p);
			return NULL;
		}
		state__to_profile(&st, p, INFINITY);
		p->duration_s = state__observed_total(&st, &(double){ 0 });
		state__free(&st);
		json_decref(root);
		return p;
	}
#define BAD(...)                                         \
	do {                                             \
		snprintf(err, errsz, __VA_ARGS__);       \
		goto fail;                               \
	} while (0)
	if (!json_is_object(root) || !(s = str_at(root, "format")) || strcmp(s, FORMAT_NAME))
		BAD("%s: not a coldbpf profile (no \"format\": \"" FORMAT_NAME "\")", path);
	if (json_int_at(root, "version", 0, INT32_MAX, &iv))
		BAD("%s: profile has no format version", path);
	if (iv != PROFILE_FORMAT_VERSION)
		BAD("%s: profile format version %lld is not supported (this coldbpf reads version %d)",
		    path, (long long)iv, PROFILE_FORMAT_VERSION);
	if ((s = str_at(root, "started")))
		snprintf(p->started, sizeof(p->started), "%s", s);
	v = json_object_get(root, "duration_s");
	p->duration_s = json_is_number(v) ? json_number_value(v) : 0;
	if (!json_int_at(root, "frequency_hz", 0, 1000000, &iv))
		p->frequency_hz = iv;
	{
		json_t *e = json_object_get(root, "effective_hz");

		if (json_is_number(e) && json_number_value(e) > 0 && json_number_value(e) <= 1000000)
			p->effective_hz = json_number_value(e);
	}
	if (!json_int_at(root, "max_depth", 0, CB_MAX_DEPTH, &iv))
		p->max_depth = iv;

	a = json_object_get(root, "processes");
	if (!json_is_array(a))
		BAD("%s: \"processes\" missing or not an array", path);
	json_array_foreach(a, i, v) {
		const char *comm = str_at(v, "comm"), *cmd = str_at(v, "cmdline"), *py = str_at(v, "python");
		const char *m = str_at(v, "version_method");
		json_int_t pid;
		uint32_t r;

		if (json_int_at(v, "pid", 0, INT32_MAX, &pid) || !comm || !cmd || !py)
			BAD("%s: process %zu is malformed", path, i);
		r = profile__proc(p, pid, comm, cmd, py, m ? m : "");
		p->procs[r].exited = json_is_true(json_object_get(v, "exited"));
		profile__proc_place(p, r, str_at(v, "root"), str_at(v, "cwd"));
		{
			json_int_t ns;

			if (!json_int_at(v, "nspid", 1, INT32_MAX, &ns))
				p->procs[r].nspid = (int)ns;
		}
		if (json_is_number(json_object_get(v, "evidence_age_s")) &&
		    json_number_value(json_object_get(v, "evidence_age_s")) > 0)
			p->procs[r].evidence_age = json_number_value(json_object_get(v, "evidence_age_s"));
		p->procs[r].final = json_is_true(json_object_get(v, "evidence_final"));
		p->procs[r].late = json_is_true(json_object_get(v, "evidence_late"));
		if (json_object_get(v, "merged_alive")) {
			json_int_t na;

			if (json_int_at(v, "merged_alive", 0, UINT32_MAX, &na))
				BAD("%s: process %zu is malformed", path, i);
			p->procs[r].merged = true;
			p->procs[r].alive = na;
		}
		if (json_object_get(v, "unread")) {
			json_int_t nu;

			if (json_int_at(v, "unread", 0, UINT32_MAX, &nu))
				BAD("%s: process %zu is malformed", path, i);
			p->procs[r].unread = nu;
		}
		if (json_object_get(v, "folded")) {
			json_int_t nf;

			if (json_int_at(v, "folded", 1, UINT32_MAX, &nf))
				BAD("%s: process %zu is malformed", path, i);
			p->procs[r].folded = nf;
		}
		if (json_object_get(v, "usdt") && !(p->procs[r].usdt = pusdt__from_json(json_object_get(v, "usdt"))))
			BAD("%s: process %zu is malformed (usdt)", path, i);
		if (json_object_get(v, "dropped")) {
			json_int_t nd;

			if (json_int_at(v, "dropped", 0, INT64_MAX, &nd))
				BAD("%s: process %zu is malformed", path, i);
			p->procs[r].dropped = nd;
		}
	}
	a = json_object_get(root, "functions");
	if (!json_is_array(a))
		BAD("%s: \"functions\" missing or not an array", path);
	json_array_foreach(a, i, v) {
		const char *file = str_at(v, "file"), *q = str_at(v, "qualname");
		json_int_t first;

		if (!file || !q || json_int_at(v, "firstline", -1, INT32_MAX, &first))
			BAD("%s: function %zu is malformed", path, i);
		if (profile__func(p, file, q, first) != i)
			BAD("%s: function %zu is a duplicate", path, i);
	}
	for (size_t r = 0; r < p->nprocs; r++)	/* --calls name functions by index */
		for (uint32_t k = 0; p->procs[r].usdt && k < p->procs[r].usdt->ncalls; k++)
			if (p->procs[r].usdt->calls[k].func >= p->nfuncs)
				BAD("%s: process %zu is malformed (usdt calls)", path, r);
	a = json_object_get(root, "stacks");
	if (!json_is_array(a))
		BAD("%s: \"stacks\" missing or not an array", path);
	json_array_foreach(a, i, v) {
		json_t *fr = json_object_get(v, "frames"), *f;
		json_int_t proc, tid, count, interp = 0;
		struct pframe *frames;
		size_t d, depth;

		if (json_int_at(v, "proc", 0, (json_int_t)p->nprocs - 1, &proc) ||
		    json_int_at(v, "tid", 0, UINT32_MAX, &tid) || json_int_at(v, "count", 0, INT64_MAX, &count) ||
		    (json_object_get(v, "interp") && json_int_at(v, "interp", 0, CB_INTERP_ID_MAX, &interp)) ||
		    !json_is_array(fr) || json_array_size(fr) > CB_MAX_DEPTH)
			BAD("%s: stack %zu is malformed", path, i);
		depth = json_array_size(fr);
		frames = xcalloc(depth ? depth : 1, sizeof(*frames));
		json_array_foreach(fr, d, f) {
			json_int_t fi, li;

			if (func_pair(p, f, -1, INT32_MAX, &fi, &li)) {
				free(frames);
				BAD("%s: stack %zu frame %zu is malformed", path, i, d);
			}
			frames[d].func = fi;
			frames[d].line = li;
		}
		/* samples per process are recomputed from the stacks */
		profile__add(p, proc, tid, frames, depth,
			     (json_is_true(json_object_get(v, "truncated")) ? PF_STACK_TRUNCATED : 0) |
				     ((uint32_t)interp << PF_INTERP_SHIFT), count);
		free(frames);
	}
	a = json_object_get(root, "sources");
	if (a && !json_is_array(a))
		BAD("%s: \"sources\" is not an array", path);
	json_array_foreach(a, i, v) {
		const char *file = str_at(v, "file"), *text = str_at(v, "text");
		json_int_t line;

		if (!file || !text || json_int_at(v, "line", 0, INT32_MAX, &line))
			BAD("%s: source %zu is malformed", path, i);
		profile__set_source(p, file, line, text);
	}
	a = json_object_get(root, "skipped");
	if (a && !json_is_array(a))
		BAD("%s: \"skipped\" is not an array", path);
	json_array_foreach(a, i, v) {
		const char *cmd = str_at(v, "cmdline"), *why = str_at(v, "reason");
		json_int_t pid;

		if (!cmd || !why || json_int_at(v, "pid", 0, INT32_MAX, &pid))
			BAD("%s: skipped process %zu is malformed", path, i);
		profile__skip(p, pid, cmd, why);
	}
	a = json_object_get(root, "evidence");
	if (a && !json_is_array(a))
		BAD("%s: \"evidence\" is not an array", path);
	json_array_foreach(a, i, v) {
		json_t *codes = json_object_get(v, "codes"), *c;
		json_int_t proc;
		struct pevcode *pc;
		size_t k;

		if (json_int_at(v, "proc", 0, (json_int_t)p->nprocs - 1, &proc) || !json_is_array(codes))
			BAD("%s: evidence %zu is malformed", path, i);
		pc = xcalloc(json_array_size(codes) + 1, sizeof(*pc));
		json_array_foreach(codes, k, c) {
			json_int_t fi, st, fl = 0;
			json_t *third = json_array_get(c, 2);

			if (func_tuple(p, c, 0, 2, &fi, &st, true) ||
			    (third && (!json_is_integer(third) || json_integer_value(third) < 0 ||
				       json_integer_value(third) > 255))) {
				free(pc);
				BAD("%s: evidence %zu code %zu is malformed", path, i, k);
			}
			if (third)	/* flags (EV_C_*); older files have pairs */
				fl = json_integer_value(third);
			pc[k].func = fi;
			pc[k].status = st;
			pc[k].flags = fl;
		}
		if (lines_from_json(json_object_get(v, "lines"), pc, json_array_size(codes))) {
			profile__free_codes(pc, json_array_size(codes));
			BAD("%s: evidence %zu: \"lines\" is malformed", path, i);
		}
		profile__set_evidence(p, proc, pc, json_array_size(codes));
		profile__evidence_partial(p, proc, json_is_true(json_object_get(v, "partial")));
	}
	v = json_object_get(root, "stats");
	if (json_is_object(v)) {
		p->stats.present = true;
		for (int k = 0; k < CTR_NR; k++)
			if (!json_int_at(v, counter__name(k), 0, INT64_MAX, &iv))
				p->stats.counters[k] = iv;
		v = json_object_get(v, "bpf_ns_hist");
		if (v && (!json_is_array(v) || json_array_size(v) != CB_NS_BUCKETS))
			BAD("%s: stats: \"bpf_ns_hist\" is not %d counts", path, CB_NS_BUCKETS);
		for (size_t b = 0; v && b < CB_NS_BUCKETS; b++) {
			json_t *x = json_array_get(v, b);

			if (!json_is_integer(x) || json_integer_value(x) < 0)
				BAD("%s: stats: \"bpf_ns_hist\" is not %d counts", path, CB_NS_BUCKETS);
			p->stats.ns_hist[b] = (uint64_t)json_integer_value(x);
		}
	}
#undef BAD
	json_decref(root);
	return p;
fail:
	json_decref(root);
	profile__free(p);
	return NULL;
}
