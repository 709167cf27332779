// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pprof read back into a struct profile (profile/pprofread.h; the format:
 * docs/pprof.md): the tables decoded first (profile/pproftab.c), then each
 * sample: a CPU sample becomes a stack of the process its labels name, an
 * evidence sample is summed per function or per profile
 * (profile/pprofev.c), which then become the profile's evidence.
 */
#include "profile/pprofread.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cpython/evlines.h"
#include "lib/alloc.h"
#include "lib/file.h"
#include "lib/gzip.h"
#include "profile/pprofev.h"
#include "profile/pprofschema.h"
#include "profile/pproftab.h"

#define MAX_SAMPLE_LOCS 65536	/* per sample; frames beyond CB_MAX_DEPTH are cut */
#define MAX_LABELS 1024		/* per sample */

struct rsample {
	uint64_t locs[MAX_SAMPLE_LOCS];
	size_t nlocs;
	uint64_t vals[PPROF_MAX_TYPES];
	size_t nvals;
	int64_t pid, tid, interp, truncated;
	uint64_t process;	/* string index + 1; 0: no process label */
	uint64_t reason, side;	/* line evidence's labels: string index + 1; 0: none */
	int64_t to;
	bool has_to;
	struct pframe frames[CB_MAX_DEPTH];
};

struct rd {
	struct pprof_tab t;
	struct profile *p;
	int col[PC_NR];	/* where coldbpf's sample types are (-1: absent) */
	int count_col;	/* where sample counts come from; -1: cpu / period */
	uint32_t *fn_pf, *loc_pf;	/* their profile function + 1, once looked up */
	struct htab proc_idx;	/* process string + 1 << 32 | pid -> process + 1 */
	struct evsum ev;
	struct rsample s;
	char cbuf[2][PPROF_MAX_STRING_LEN + 1];
};

/* A string as a C string in one of two buffers (k: 0 or 1). */
static const char *cstr(struct rd *r, uint64_t i, int k)
{
	memcpy(r->cbuf[k], r->t.strs[i].s, r->t.strs[i].len);
	r->cbuf[k][r->t.strs[i].len] = 0;
	return r->cbuf[k];
}

/* coldbpf's sample types (by type and unit), and where counts come from. */
static void find_columns(struct rd *r)
{
	const struct pprof_tab *t = &r->t;

	for (int c = 0; c < PC_NR; c++) {
		r->col[c] = -1;
		for (size_t i = 0; i < t->ntypes && r->col[c] < 0; i++)
			if (pprof_tab__str_is(t, t->types[i][0], pprof_cols[c][0]) &&
			    pprof_tab__str_is(t, t->types[i][1], pprof_cols[c][1]))
				r->col[c] = i;
	}
	r->count_col = r->col[PC_SAMPLES];
	if (r->count_col >= 0 || (r->col[PC_CPU] >= 0 && t->period))
		return;
	/* another profiler's: its default sample type, else the last one */
	r->count_col = t->ntypes - 1;
	for (size_t i = 0; i < t->ntypes && t->default_type; i++)
		if (t->types[i][0] == t->default_type)
			r->count_col = i;
}

static uint32_t func_of(struct rd *r, uint32_t fn)
{
	const struct pprof_fn *f = &r->t.fns[fn];

	if (!r->fn_pf[fn]) {
		int64_t first = f->start < -1 ? -1 : f->start > INT32_MAX ? INT32_MAX : f->start;

		r->fn_pf[fn] = profile__func(r->p, cstr(r, f->file, 0), cstr(r, f->name, 1), first) + 1;
	}
	return r->fn_pf[fn] - 1;
}

/* A location without lines (an unsymbolized address of another profiler). */
static uint32_t addr_func(struct rd *r, const struct pprof_loc *l)
{
	size_t i = l - r->t.locs;

	if (!r->loc_pf[i]) {
		snprintf(r->cbuf[0], sizeof(r->cbuf[0]), "[0x%" PRIx64 "]", l->addr);
		r->loc_pf[i] = profile__func(r->p, "", r->cbuf[0], 0) + 1;
	}
	return r->loc_pf[i] - 1;
}

static int read_label(struct rd *r, const struct proto_reader *sub, const struct proto_field *g)
{
	struct rsample *s = &r->s;
	uint64_t lab[5], key;

	if (pprof_tab__msg(&r->t, sub, g, lab, 4, 1 << PB_LABEL_KEY | 1 << PB_LABEL_STR | 1 << PB_LABEL_NUM_UNIT,
			   "label"))
		return -1;
	key = lab[PB_LABEL_KEY];
	if (pprof_tab__str_is(&r->t, key, PPROF_LABEL_PROCESS) && lab[PB_LABEL_STR])
		s->process = lab[PB_LABEL_STR] + 1;
	else if (pprof_tab__str_is(&r->t, key, PPROF_LABEL_PID))
		s->pid = (int64_t)lab[PB_LABEL_NUM];
	else if (pprof_tab__str_is(&r->t, key, PPROF_LABEL_THREAD))
		s->tid = (int64_t)lab[PB_LABEL_NUM];
	else if (pprof_tab__str_is(&r->t, key, PPROF_LABEL_INTERP))
		s->interp = (int64_t)lab[PB_LABEL_NUM];
	else if (pprof_tab__str_is(&r->t, key, PPROF_LABEL_TRUNCATED))
		s->truncated = (int64_t)lab[PB_LABEL_NUM];
	else if (pprof_tab__str_is(&r->t, key, PPROF_LABEL_REASON) && lab[PB_LABEL_STR])
		s->reason = lab[PB_LABEL_STR] + 1;
	else if (pprof_tab__str_is(&r->t, key, PPROF_LABEL_SIDE) && lab[PB_LABEL_STR])
		s->side = lab[PB_LABEL_STR] + 1;
	else if (pprof_tab__str_is(&r->t, key, PPROF_LABEL_TO))
		s->to = (int64_t)lab[PB_LABEL_NUM], s->has_to = true;
	return 0;
}

/* A Sample into r->s: every location known, one value per sample type. */
static int read_sample(struct rd *r, const struct proto_reader *pr, const struct proto_field *f)
{
	struct pprof_tab *t = &r->t;
	struct rsample *s = &r->s;
	struct proto_reader sub;
	struct proto_field g;
	size_t labels = 0;
	int k;

	s->nlocs = s->nvals = 0;
	s->pid = s->tid = s->interp = s->truncated = 0;
	s->process = s->reason = s->side = 0;
	s->to = 0;
	s->has_to = false;
	if (proto__enter(pr, f, &sub))
		return pprof_tab__malformed(t, pr, "sample");
	while ((k = proto__next(&sub, &g)) > 0) {
		struct proto_repeated it;
		uint64_t v;

		if (g.num == PB_SAMPLE_LOCATION_ID || g.num == PB_SAMPLE_VALUE) {
			if (proto__repeated(&sub, &g, &it))
				return pprof_tab__malformed(t, &sub, "sample");
			while ((k = proto__next_repeated(&it, &v)) > 0) {
				if (g.num == PB_SAMPLE_VALUE && s->nvals == t->ntypes)
					return pprof_tab__fail(t, "not a valid pprof profile: a sample has more values "
							       "than the %zu sample types", t->ntypes);
				if (g.num == PB_SAMPLE_VALUE)
					s->vals[s->nvals++] = v;
				else if (s->nlocs == MAX_SAMPLE_LOCS)
					return pprof_tab__fail(t, "a sample has more than %d locations", MAX_SAMPLE_LOCS);
				else if (!pprof_tab__loc(t, v))
					return pprof_tab__fail(t, "not a valid pprof profile: a sample names location %"
							       PRIu64 ", which is not there", v);
				else
					s->locs[s->nlocs++] = v;
			}
			if (k < 0)
				return pprof_tab__malformed(t, &it.packed, "sample");
		} else if (g.num == PB_SAMPLE_LABEL && g.wire == PROTO_LEN) {
			if (++labels > MAX_LABELS)
				return pprof_tab__fail(t, "a sample has more than %d labels", MAX_LABELS);
			if (read_label(r, &sub, &g))
				return -1;
		}
	}
	if (k < 0)
		return pprof_tab__malformed(t, &sub, "sample");
	if (s->nvals != t->ntypes)
		return pprof_tab__fail(t, "not a valid pprof profile: a sample has %zu values for %zu sample types",
				       s->nvals, t->ntypes);
	return 0;
}

/* Column c of the sample: 0 when the profile lacks it or it is negative. */
static uint64_t col(const struct rd *r, int c)
{
	return r->col[c] >= 0 && (int64_t)r->s.vals[r->col[c]] > 0 ? r->s.vals[r->col[c]] : 0;
}

/* The process of the sample's labels (the program, the pid), made once. */
static uint32_t proc_of(struct rd *r)
{
	const struct rsample *s = &r->s;
	int pid = s->pid > 0 && s->pid <= INT32_MAX ? s->pid : 0;
	bool isnew;
	uint64_t *v = htab__put(&r->proc_idx, s->process << 32 | (uint32_t)pid, &isnew);
	const char *prog, *base;
	char comm[16];
	size_t n;

	if (!isnew)
		return *v - 1;
	prog = base = s->process ? cstr(r, s->process - 1, 0) : "[pprof]";
	n = strcspn(prog, " ");
	for (size_t i = 0; i < n; i++)
		if (prog[i] == '/')
			base = prog + i + 1;
	snprintf(comm, sizeof(comm), "%.*s", (int)(prog + n - base), base);
	*v = profile__proc(r->p, pid, comm, prog, "?", "pprof") + 1;
	return *v - 1;
}

/* The line evidence of a sample at a function's line (a line, a branch). */
static int line_evidence(struct rd *r, const uint64_t v[PC_NR], uint32_t fn, int32_t line)
{
	const struct rsample *s = &r->s;
	enum evl_reason why = EVL_R_NONE;
	int side = 0;

	if (line <= 0)
		return 0;
	for (int k = 1; s->reason && k < EVL_R_NR; k++)
		if (pprof_tab__str_is(&r->t, s->reason - 1, evlines__reason_name(k)))
			why = k;
	if (s->side && pprof_tab__str_is(&r->t, s->side - 1, PPROF_SIDE_JUMP))
		side = EVL_JUMP_NEVER;
	else if (s->side && pprof_tab__str_is(&r->t, s->side - 1, PPROF_SIDE_FALL))
		side = EVL_FALL_NEVER;
	if ((v[PC_EV_LINE_RAN] || v[PC_EV_LINE_NEVER] || v[PC_EV_LINE_UNKNOWN]) &&
	    evsum__add_line(&r->ev, func_of(r, fn), line, v, why))
		return pprof_tab__fail(&r->t, "more than %u lines of line evidence", EVSUM_MAX_LINES);
	if (v[PC_EV_BRANCH_NEVER] && side && s->has_to && s->to >= -1 && s->to <= INT32_MAX &&
	    evsum__add_branch(&r->ev, func_of(r, fn), line, side, (int32_t)s->to))
		return pprof_tab__fail(&r->t, "more than %u branches of line evidence", EVSUM_MAX_LINES);
	return 0;
}

/* An evidence sample (of a function, or of a profile): 1 when it was one,
 * 0 when not (or not only), -1 on an error. */
static int evidence(struct rd *r)
{
	const struct pprof_loc *leaf = r->s.nlocs ? pprof_tab__loc(&r->t, r->s.locs[0]) : NULL;
	const struct pprof_fn *fn;
	uint64_t v[PC_NR], any = 0, lines = 0;
	const char *prog;

	if (!leaf || !leaf->nlines)
		return 0;
	fn = &r->t.fns[r->t.lines[leaf->line0].fn];
	for (int c = 0; c < PC_NR; c++) {
		v[c] = col(r, c);
		any |= c >= PC_EV_RAN && c <= PC_EV_LATE_LOADED && v[c];
		lines |= c >= PC_EV_LINE_RAN && c <= PC_EV_BRANCH_NEVER && v[c];
	}
	any |= v[PC_EV_LINES];
	/* a line's sample has one location (a tool may have summed it with
	 * a function's or a CPU sample at the same place: its columns are apart) */
	if (lines && r->s.nlocs == 1 && line_evidence(r, v, r->t.lines[leaf->line0].fn, r->t.lines[leaf->line0].line))
		return -1;
	prog = r->s.process ? cstr(r, r->s.process - 1, 0) : NULL;
	if (pprof_tab__str_is(&r->t, fn->name, PPROF_EVIDENCE_FUNC) && pprof_tab__str_is(&r->t, fn->file, "")) {
		evsum__add_profile(&r->ev, v, prog);
		return 1;
	}
	if (any) {
		uint32_t func = func_of(r, r->t.lines[leaf->line0].fn);	/* (it uses both buffers) */

		evsum__add_function(&r->ev, func, r->s.process ? cstr(r, r->s.process - 1, 0) : NULL, v);
	}
	return 0;	/* (a tool may have summed it with CPU samples) */
}

/* A CPU sample's stack: leaf first, each location's lines innermost first;
 * the leaf-most CB_MAX_DEPTH frames kept, then turned root first. */
static void add_stack(struct rd *r, uint64_t count)
{
	struct rsample *s = &r->s;
	uint32_t depth = 0, flags = 0;

	for (size_t i = 0; i < s->nlocs && !(flags & PF_STACK_TRUNCATED); i++) {
		const struct pprof_loc *l = pprof_tab__loc(&r->t, s->locs[i]);

		for (uint32_t k = 0; k < (l->nlines ? l->nlines : 1); k++) {
			if (depth == CB_MAX_DEPTH) {
				flags |= PF_STACK_TRUNCATED;
				break;
			}
			s->frames[depth].func = l->nlines ? func_of(r, r->t.lines[l->line0 + k].fn) : addr_func(r, l);
			s->frames[depth++].line = l->nlines ? r->t.lines[l->line0 + k].line : -1;
		}
	}
	for (uint32_t i = 0; i < depth / 2; i++) {
		struct pframe f = s->frames[i];

		s->frames[i] = s->frames[depth - 1 - i];
		s->frames[depth - 1 - i] = f;
	}
	if (s->truncated)
		flags |= PF_STACK_TRUNCATED;
	if (s->interp > 0 && s->interp <= CB_INTERP_ID_MAX)
		flags |= (uint32_t)s->interp << PF_INTERP_SHIFT;
	if ((uint32_t)r->p->max_depth < depth)
		r->p->max_depth = depth;
	profile__add(r->p, proc_of(r), s->tid > 0 && s->tid <= UINT32_MAX ? s->tid : 0, s->frames, depth, flags,
		     count);
}

static int read_samples(struct rd *r)
{
	struct proto_reader pr;
	struct proto_field f;
	int k;

	proto__reader(&pr, r->t.data, r->t.len);
	while (proto__next(&pr, &f) > 0) {
		uint64_t count;

		if (f.num != PB_PROFILE_SAMPLE)
			continue;
		if (read_sample(r, &pr, &f))
			return -1;
		if ((k = evidence(r)) < 0)
			return -1;
		if (k)
			continue;
		if (r->count_col >= 0)
			count = (int64_t)r->s.vals[r->count_col] > 0 ? r->s.vals[r->count_col] : 0;
		else
			count = col(r, PC_CPU) / r->t.period;
		if (count)
			add_stack(r, count);
	}
	return 0;
}

static int parse(struct rd *r, const void *data, size_t len, const char *name, char *err, size_t errsz)
{
	const struct pprof_tab *t = &r->t;
	struct tm tm;
	time_t secs;

	if (pprof_tab__read(&r->t, data, len, name, err, errsz))
		return -1;
	find_columns(r);
	r->fn_pf = xcalloc(t->nfns + 1, sizeof(*r->fn_pf));
	r->loc_pf = xcalloc(t->nlocs + 1, sizeof(*r->loc_pf));
	r->p = profile__new();
	secs = (time_t)(t->time_nanos / 1000000000);
	if (t->time_nanos && gmtime_r(&secs, &tm))
		strftime(r->p->started, sizeof(r->p->started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	r->p->duration_s = t->duration_nanos / 1e9;
	if (t->period && t->period <= 1000000000 && pprof_tab__str_is(t, t->period_unit, "nanoseconds"))
		r->p->frequency_hz = (int)(1e9 / (double)t->period + 0.5);
	if (read_samples(r))
		return -1;
	evsum__apply(&r->ev, r->p);
	return 0;
}

struct profile *profile__from_pprof(const void *data, size_t len, const char *name, char *err, size_t errsz)
{
	struct rd *r = xcalloc(1, sizeof(*r));
	const uint8_t *b = data;
	struct profile *p = NULL;
	uint8_t *plain = NULL;
	char why[128];

	evsum__init(&r->ev);
	if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		if (gzip__decompress(data, len, PPROF_MAX_BYTES, &plain, &len, why, sizeof(why))) {
			snprintf(err, errsz, "%s: not a valid pprof profile: gzip data: %s", name, why);
			goto out;
		}
		data = plain;
	}
	if (!parse(r, data, len, name, err, errsz)) {
		p = r->p;
		r->p = NULL;
	}
out:
	profile__free(r->p);
	pprof_tab__free(&r->t);
	evsum__free(&r->ev);
	free(r->fn_pf);
	free(r->loc_pf);
	htab__free(&r->proc_idx);
	free(plain);
	free(r);
	return p;
}

struct profile *profile__load_pprof(const char *path, char *err, size_t errsz)
{
	size_t len;
	char *data = file__read(path, PPROF_MAX_BYTES, &len);
	struct profile *p;

	if (!data) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (len >= PPROF_MAX_BYTES) {
		snprintf(err, errsz, "%s: larger than %u MiB: not read", path, PPROF_MAX_BYTES >> 20);
		free(data);
		return NULL;
	}
	p = profile__from_pprof(data, len, path, err, errsz);
	free(data);
	return p;
}
