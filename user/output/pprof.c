// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Over 500 lines: one encoder (strings, functions, locations, CPU samples,
 * and the evidence of functions, lines and programs share its tables).
 *
 * The pprof writer (output/pprof.h; the format: docs/pprof.md). Python
 * frames are functions (name and system name: the qualified name; file;
 * first line) and one location per (function, line); stacks go leaf first.
 * Evidence is one sample per function and program (ev_ran, ev_never or
 * ev_unknown at 1) and one per program at "[coldbpf evidence]" with the
 * process and exit counts the status rules need once profiles are summed.
 * Lines of functions that ran: one sample per function, line and program.
 */
#include "output/pprof.h"
#include "cpython/pylayout.h"
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "cpython/evidence.h"
#include "cpython/evlines.h"
#include "lib/alloc.h"
#include "lib/gzip.h"
#include "lib/htab.h"
#include "lib/proto.h"
#include "profile/pprofschema.h"
#include "profile/profile.h"

struct fnrec {
	uint64_t file, name;	/* string indices */
	int64_t first;
};

/* the evidence of one function in the processes of one program */
struct evacc {
	uint64_t fid, prog;
	uint8_t st;	/* 1 ran, 2 unknown, 4 never */
	uint8_t flags;	/* EV_C_* */
	/* the lines of its copies that ran, merged (NULL: none); weak: a copy
	 * may have run without them (enum evl_reason; 0: none), so no line
	 * is never-ran */
	struct ev_lines *lines;
	uint8_t weak;
};

/* the counts of one program's processes (enum pprof_col) */
struct progsum {
	uint64_t prog;
	uint64_t h[PC_NR];
	uint64_t nlate;	/* its late entries (read at their exit, imported since their round) */
	double window;	/* < 0: none yet */
	bool window_unknown;
};

struct enc {
	const struct profile *p;
	struct proto_buf samples, locs, funcs;
	char **strs;
	size_t nstrs, capstrs;
	struct htab str_idx;	/* hash -> index + 1 */
	struct fnrec *fns;	/* function id - 1 */
	size_t nfns, capfns;
	struct htab fn_idx;	/* hash(file, name, first) -> id */
	uint64_t *fn_plain;	/* per profile function: its id when its file needs no place */
	struct htab loc_idx;	/* id << 32 | line -> location id */
	uint64_t nlocs;
	uint64_t *prog;	/* per process: its program's string */
	struct evacc *acc;
	size_t nacc, capacc;
	struct htab acc_idx;	/* function id << 32 | program string -> acc + 1 */
	struct progsum *ps;
	size_t nps, capps;
	struct htab ps_idx;	/* program string -> ps + 1 */
};

static uint64_t str_of(struct enc *e, const char *s)
{
	uint64_t h = hash__str(s, 0x70707266);
	struct htab_str_probe pr = { e->strs, s };
	uint64_t *v = htab__find(&e->str_idx, h, htab__same_str, &pr);

	if (v)
		return *v - 1;
	ARRAY_RESERVE(e->strs, e->nstrs, e->capstrs, 256);
	e->strs[e->nstrs++] = xstrdup(s);
	htab__add(&e->str_idx, h, e->nstrs);
	return e->nstrs - 1;
}

struct fn_probe {
	const struct enc *e;
	struct fnrec k;
};

static bool same_fn(uint64_t val, const void *probe)
{
	const struct fn_probe *q = probe;
	const struct fnrec *f = &q->e->fns[val - 1];

	return f->file == q->k.file && f->name == q->k.name && f->first == q->k.first;
}

static uint64_t fn_id(struct enc *e, const char *file, const char *name, int64_t first)
{
	struct fn_probe pr = { e, { str_of(e, file), str_of(e, name), first } };
	uint64_t h = hash__u64(pr.k.file * 0x9e3779b97f4a7c15ULL ^ hash__u64(pr.k.name) ^ (uint64_t)first);
	uint64_t *v = htab__find(&e->fn_idx, h, same_fn, &pr);
	size_t m;

	if (v)
		return *v;
	ARRAY_RESERVE(e->fns, e->nfns, e->capfns, 256);
	e->fns[e->nfns++] = pr.k;
	htab__add(&e->fn_idx, h, e->nfns);
	m = proto__open(&e->funcs, PB_PROFILE_FUNCTION);
	proto__put_uint(&e->funcs, PB_FUNCTION_ID, e->nfns);
	proto__put_uint(&e->funcs, PB_FUNCTION_NAME, pr.k.name);
	proto__put_uint(&e->funcs, PB_FUNCTION_SYSTEM_NAME, pr.k.name);
	proto__put_uint(&e->funcs, PB_FUNCTION_FILENAME, pr.k.file);
	if (first)
		proto__put_uint(&e->funcs, PB_FUNCTION_START_LINE, (uint64_t)first);
	proto__close(&e->funcs, m);
	return e->nfns;
}

/*
 * The function of profile function func as process r names it: a relative
 * file name made absolute against its working directory, an absolute one
 * in a chroot prefixed with the root (both as the host sees them, as
 * deadcode/match.c resolves them), so that a merged file needs no places.
 */
static uint64_t fn_of(struct enc *e, uint32_t func, const struct pproc *r)
{
	const struct pfunc *f = &e->p->funcs[func];
	bool rel = f->file[0] && f->file[0] != '/' && f->file[0] != '<' && r && r->cwd;
	bool chroot = f->file[0] == '/' && r && r->root;
	char *path;
	uint64_t id;

	if (!rel && !chroot) {
		if (!e->fn_plain[func])
			e->fn_plain[func] = fn_id(e, f->file, f->qualname, f->firstline);
		return e->fn_plain[func];
	}
	if (rel && asprintf(&path, "%s/%s", r->cwd, !strncmp(f->file, "./", 2) ? f->file + 2 : f->file) < 0)
		path = NULL;
	else if (!rel && asprintf(&path, "%s%s", r->root, f->file) < 0)
		path = NULL;
	id = fn_id(e, path ? path : f->file, f->qualname, f->firstline);
	free(path);
	return id;
}

static uint64_t loc_of(struct enc *e, uint64_t fid, int64_t line)
{
	uint64_t key = fid << 32 | (uint32_t)(line > 0 && line <= INT32_MAX ? line : 0);
	bool isnew;
	uint64_t *v = htab__put(&e->loc_idx, key, &isnew);
	size_t m, l;

	if (!isnew)
		return *v;
	*v = ++e->nlocs;
	m = proto__open(&e->locs, PB_PROFILE_LOCATION);
	proto__put_uint(&e->locs, PB_LOCATION_ID, *v);
	l = proto__open(&e->locs, PB_LOCATION_LINE);
	proto__put_uint(&e->locs, PB_LINE_FUNCTION_ID, fid);
	if ((uint32_t)key)
		proto__put_uint(&e->locs, PB_LINE_LINE, (uint32_t)key);
	proto__close(&e->locs, l);
	proto__close(&e->locs, m);
	return *v;
}

struct label {
	uint64_t key, str;
	int64_t num;
	bool is_num;
};

/* values are int64 in the schema: every one here is at most INT64_MAX */
static void put_sample(struct enc *e, const uint64_t *locs, size_t n, const uint64_t vals[PC_NR],
		       const struct label *labels, size_t nlabels)
{
	size_t m = proto__open(&e->samples, PB_PROFILE_SAMPLE);

	proto__put_packed(&e->samples, PB_SAMPLE_LOCATION_ID, locs, n);
	proto__put_packed(&e->samples, PB_SAMPLE_VALUE, vals, PC_NR);
	for (size_t i = 0; i < nlabels; i++) {
		size_t l = proto__open(&e->samples, PB_SAMPLE_LABEL);

		proto__put_uint(&e->samples, PB_LABEL_KEY, labels[i].key);
		if (labels[i].is_num)
			proto__put_uint(&e->samples, PB_LABEL_NUM, (uint64_t)labels[i].num);
		else
			proto__put_uint(&e->samples, PB_LABEL_STR, labels[i].str);
		proto__close(&e->samples, l);
	}
	proto__close(&e->samples, m);
}

static struct label str_label(struct enc *e, const char *k, const char *v)
{
	return (struct label){ .key = str_of(e, k), .str = str_of(e, v) };
}

static struct label num_label(struct enc *e, const char *k, int64_t v)
{
	return (struct label){ .key = str_of(e, k), .num = v, .is_num = true };
}

static void cpu_samples(struct enc *e, const struct pprof_opts *o, int64_t period)
{
	const struct profile *p = e->p;
	uint64_t *prog = e->prog, *locs = NULL;
	size_t caplocs = 0;
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct pstack *s = &p->stacks[i];
		const struct pproc *r = &p->procs[s->proc];
		uint64_t c = o->counts ? o->counts[i] : s->count;
		uint64_t vals[PC_NR] = {};
		struct label lab[5];
		size_t nl = 0;

		if (!c)
			continue;
		if (s->depth > caplocs) {
			caplocs = s->depth;
			locs = xrealloc(locs, caplocs, sizeof(*locs));
		}
		for (uint32_t d = 0; d < s->depth; d++) {	/* root first -> leaf first */
			const struct pframe *f = &s->frames[s->depth - 1 - d];

			locs[d] = loc_of(e, fn_of(e, f->func, r), f->line);
		}
		vals[PC_SAMPLES] = c > INT64_MAX ? INT64_MAX : c;
		vals[PC_CPU] = period && vals[PC_SAMPLES] <= (uint64_t)(INT64_MAX / period) ? vals[PC_SAMPLES] * period : 0;
		lab[nl++] = (struct label){ .key = str_of(e, PPROF_LABEL_PROCESS), .str = prog[s->proc] };
		if (!r->folded && r->pid > 0)
			lab[nl++] = num_label(e, PPROF_LABEL_PID, r->pid);
		if (s->tid)
			lab[nl++] = num_label(e, PPROF_LABEL_THREAD, s->tid);
		if (PF_INTERP(s->flags))
			lab[nl++] = num_label(e, PPROF_LABEL_INTERP, PF_INTERP(s->flags));
		if (s->flags & PF_STACK_TRUNCATED)
			lab[nl++] = num_label(e, PPROF_LABEL_TRUNCATED, 1);
		put_sample(e, locs, s->depth, vals, lab, nl);
	}
	free(locs);
}

static struct evacc *acc_of(struct enc *e, uint64_t fid, uint64_t prog)
{
	bool isnew;
	uint64_t *v = htab__put(&e->acc_idx, fid << 32 | prog, &isnew);

	if (isnew) {
		ARRAY_RESERVE(e->acc, e->nacc, e->capacc, 256);
		e->acc[e->nacc++] = (struct evacc){ .fid = fid, .prog = prog };
		*v = e->nacc;
	}
	return &e->acc[*v - 1];
}

static struct progsum *ps_of(struct enc *e, uint64_t prog)
{
	bool isnew;
	uint64_t *v = htab__put(&e->ps_idx, prog, &isnew);

	if (isnew) {
		ARRAY_RESERVE(e->ps, e->nps, e->capps, 16);
		e->ps[e->nps++] = (struct progsum){ .prog = prog, .window = -1 };
		*v = e->nps;
	}
	return &e->ps[*v - 1];
}

/* The lines of copy c (which ran, or may have) into its function's. */
static void acc_lines(struct evacc *a, const struct pevcode *c, bool unfinal)
{
	struct ev_lines *l, *m;

	if (!c->lines) {
		a->weak = a->weak ? a->weak : EVL_R_OTHER_COPY;
		return;
	}
	/* a process not read at its exit may have run any line since */
	l = unfinal ? evlines__weaken(c->lines, EVL_R_EXITED) : evlines__dup(c->lines);
	m = l && a->lines ? evlines__merge_strict(a->lines, l) : NULL;
	if (!l || (a->lines && !m)) {	/* out of memory: no line is never-ran */
		a->weak = EVL_R_OTHER_COPY;
		free(l);
		return;
	}
	if (m) {
		free(a->lines);
		free(l);
		l = m;
	}
	a->lines = l;
}

/* One entry of evidence into its program's counts and the functions' statuses. */
static void entry_evidence(struct enc *e, const struct pevidence *ev, struct htab *late_files)
{
	const struct pproc *r = &e->p->procs[ev->proc];
	struct progsum *s = ps_of(e, e->prog[ev->proc]);
	bool gone = r->exited || r->folded, unfinal = gone && !r->final, late = gone && r->final && r->late;
	uint64_t w = r->folded ? r->folded : 1, alive = r->merged ? r->alive : 1;
	uint64_t *v;

	if (!gone && alive) {
		s->h[PC_EV_PROCESSES] += alive;
		if (r->evidence_age <= 0)
			s->window_unknown = true;
		else if (s->window < 0 || r->evidence_age < s->window)
			s->window = r->evidence_age;
	} else if (gone) {
		s->h[PC_EV_EXITS] += w;
		s->h[PC_EV_EXITS_READ] += r->final ? w : 0;
		s->h[PC_EV_LATE_EXITS] += late ? w : 0;
		s->h[PC_EV_UNREAD_EXITS] += unfinal ? w : 0;
	}
	s->h[PC_EV_PARTIAL] += ev->partial;
	s->nlate += late;
	for (size_t k = 0; k < ev->n; k++) {
		const struct pevcode *c = &ev->codes[k];
		uint64_t fid = fn_of(e, c->func, r);
		struct evacc *a = acc_of(e, fid, e->prog[ev->proc]);

		/* a never-ran claim of a process not read at its exit holds
		 * only until its last read: it may have run since */
		a->st |= c->status == EV_RAN ? 1 : c->status == EV_NEVER && !unfinal ? 4 : 2;
		a->flags |= c->flags;
		if (c->status != EV_NEVER)
			acc_lines(a, c, unfinal);
		else if (unfinal)	/* it may have run since, lines unknown */
			a->weak = EVL_R_EXITED;
		/* one more late entry of the program had loaded this file */
		if (late && (v = htab__put(late_files, e->fns[fid - 1].file << 32 | s->prog, NULL)) &&
		    (*v & 0xffffffff) != s->nlate)
			*v = ((*v >> 32) + 1) << 32 | s->nlate;
	}
}

static struct label random_id(struct enc *e)
{
	uint64_t r = 0;
	char id[20];

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint64_t)time(NULL) ^ hash__u64((uint64_t)getpid() << 32 | (uint64_t)clock());
	snprintf(id, sizeof(id), "%016" PRIx64, r);
	return str_label(e, PPROF_LABEL_PROFILE, id);
}

/*
 * The lines of a function that ran, in one program (docs/pprof.md,
 * "Lines"): per line one sample with one of ev_line_ran, ev_line_never,
 * ev_line_unknown at 1 and its reason; per branch never taken one sample
 * at the jump's line. Labelled with the program, as the function's sample.
 */
static void line_samples(struct enc *e, const struct evacc *a)
{
	const struct ev_lines *l = a->lines;
	struct label lab[3] = { { .key = str_of(e, PPROF_LABEL_PROCESS), .str = a->prog } };
	uint64_t loc;

	for (uint32_t k = 0; k < l->nlines; k++) {
		uint64_t vals[PC_NR] = {};
		uint8_t st = l->lines[k].status, why = l->lines[k].reason;

		if (l->lines[k].line <= 0)
			continue;
		if (a->weak && st == EVL_NEVER)
			st = EVL_UNKNOWN, why = a->weak;
		vals[st == EVL_RAN ? PC_EV_LINE_RAN : st == EVL_NEVER ? PC_EV_LINE_NEVER : PC_EV_LINE_UNKNOWN] = 1;
		lab[1] = str_label(e, PPROF_LABEL_REASON, evlines__reason_name(why));
		loc = loc_of(e, a->fid, l->lines[k].line);
		put_sample(e, &loc, 1, vals, lab, 2);
	}
	for (uint32_t k = 0; k < l->nbranches && !a->weak; k++) {
		const struct evl_branch *b = &l->branches[k];
		uint64_t vals[PC_NR] = { [PC_EV_BRANCH_NEVER] = 1 };

		if (b->line <= 0)
			continue;
		lab[1] = str_label(e, PPROF_LABEL_SIDE, b->side == EVL_JUMP_NEVER ? PPROF_SIDE_JUMP : PPROF_SIDE_FALL);
		lab[2] = num_label(e, PPROF_LABEL_TO, b->to);
		loc = loc_of(e, a->fid, b->line);
		put_sample(e, &loc, 1, vals, lab, 3);
	}
}

/*
 * The evidence (docs/pprof.md, "Evidence"): per function and program, one
 * sample with one of ev_ran, ev_never, ev_unknown at 1; per program, one
 * "[coldbpf evidence]" sample with its processes' counts. Both carry the
 * program as their process label: cold tells from it whether an unread
 * exit ran code of the tree, as it does for a JSON profile.
 */
static void evidence(struct enc *e, const struct pprof_opts *o)
{
	const struct profile *p = e->p;
	/* file << 32 | program string -> its late entries that loaded it << 32 | the last one */
	struct htab late_files = {};
	uint64_t loc, *v;
	struct label lab[3] = {};
	char host[256] = "";
	bool untested = false;	/* a process newer than tested: no evidence, any code may have run */

	for (size_t i = 0; i < p->nprocs; i++)
		if (!p->procs[i].unused) {
			ps_of(e, e->prog[i])->h[PC_EV_UNREAD_EXITS] += p->procs[i].unread;
			untested |= p->procs[i].method && !strcmp(p->procs[i].method, PYLAYOUT_METHOD_FUTURE);
		}
	if (!e->nps)
		return;	/* no process: no claim at all */
	for (size_t i = 0; i < p->nevidence && !o->no_evidence; i++)
		if (!p->procs[p->evidence[i].proc].unused)
			entry_evidence(e, &p->evidence[i], &late_files);
	lab[0].key = str_of(e, PPROF_LABEL_PROCESS);
	for (size_t i = 0; i < e->nacc; i++) {
		const struct evacc *a = &e->acc[i];
		uint64_t vals[PC_NR] = {};
		uint64_t nlate = ps_of(e, a->prog)->nlate;

		v = htab__get(&late_files, e->fns[a->fid - 1].file << 32 | a->prog);
		vals[a->st & 1 ? PC_EV_RAN : a->st & 2 ? PC_EV_UNKNOWN : PC_EV_NEVER] = 1;
		vals[PC_EV_FUNCTION_OBJECT] = !!(a->flags & EV_C_FUNC);
		vals[PC_EV_CLASS] = !!(a->flags & EV_C_CLASS);
		/* every late exit of the program had loaded its file: cold makes
		 * never-ran claims elsewhere unknown (docs/cold.md, "Soundness" 5) */
		vals[PC_EV_LATE_LOADED] = nlate && v && *v >> 32 == nlate;
		vals[PC_EV_LINES] = a->st & 1 && a->lines;
		loc = loc_of(e, a->fid, e->fns[a->fid - 1].first);
		lab[0].str = a->prog;
		put_sample(e, &loc, 1, vals, lab, 1);
		if (vals[PC_EV_LINES])
			line_samples(e, a);
	}
	htab__free(&late_files);
	if (o->host)
		snprintf(host, sizeof(host), "%s", o->host);
	else if (gethostname(host, sizeof(host) - 1))
		snprintf(host, sizeof(host), "?");
	lab[1] = str_label(e, PPROF_LABEL_HOST, host);
	lab[2] = o->profile_id ? str_label(e, PPROF_LABEL_PROFILE, o->profile_id) : random_id(e);
	loc = loc_of(e, fn_id(e, "", PPROF_EVIDENCE_FUNC, 0), 0);
	for (size_t i = 0; i < e->nps; i++) {
		struct progsum *s = &e->ps[i];

		s->h[PC_EV_PROFILES] = 1;
		s->h[PC_EV_WINDOW_SECONDS] = s->h[PC_EV_PROCESSES] && !s->window_unknown && s->window > 0 ?
						     (uint64_t)floor(s->window) : 0;
		s->h[PC_EV_INCOMPLETE] = o->no_evidence || !p->nevidence || untested;
		lab[0].str = s->prog;
		put_sample(e, &loc, 1, s->h, lab, 3);
	}
}

static int64_t started_ns(const char *s)
{
	struct tm tm = {};
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	time_t t;

	if (!end || (*end && *end != 'Z') || (t = timegm(&tm)) == (time_t)-1)
		return 0;
	return (int64_t)t * 1000000000;
}

static void put_value_type(struct proto_buf *w, uint32_t field, uint64_t type, uint64_t unit)
{
	size_t m = proto__open(w, field);

	proto__put_uint(w, PB_VALUETYPE_TYPE, type);
	proto__put_uint(w, PB_VALUETYPE_UNIT, unit);
	proto__close(w, m);
}

/* Fields of a submessage buffer appended to the message w. */
static void append(struct proto_buf *w, const struct proto_buf *b)
{
	if (!b->n)
		return;
	if (w->n + b->n > w->cap) {
		w->cap = w->n + b->n;
		w->b = xrealloc(w->b, w->cap, 1);
	}
	memcpy(w->b + w->n, b->b, b->n);
	w->n += b->n;
}

int pprof__encode(const struct profile *p, const struct pprof_opts *o, uint8_t **out, size_t *len)
{
	static const struct pprof_opts none;
	struct enc e = { .p = p };
	struct proto_buf w = {};
	int64_t period = p->effective_hz > 0 ? (int64_t)(1e9 / p->effective_hz) :	/* the rate sampled at */
			 p->frequency_hz > 0 ? 1000000000 / p->frequency_hz : 0;
	int64_t t = o && o->time_ns ? o->time_ns : started_ns(p->started);
	int64_t dur = o && o->duration_ns ? o->duration_ns : (int64_t)(p->duration_s * 1e9);
	uint64_t comment, cpu, ns;
	int ret = 0;

	if (!o)
		o = &none;
	str_of(&e, "");	/* string_table[0] */
	e.fn_plain = xcalloc(p->nfuncs + 1, sizeof(*e.fn_plain));
	e.prog = xcalloc(p->nprocs + 1, sizeof(*e.prog));
	for (size_t i = 0; i < p->nprocs; i++) {
		char buf[1024];

		if (p->procs[i].unused)	/* a free slot while recording: no strings */
			continue;
		profile__program(p->procs[i].cmdline, buf, sizeof(buf));
		e.prog[i] = str_of(&e, buf);
	}
	for (int i = 0; i < PC_NR; i++)
		put_value_type(&w, PB_PROFILE_SAMPLE_TYPE, str_of(&e, pprof_cols[i][0]), str_of(&e, pprof_cols[i][1]));
	cpu_samples(&e, o, period);
	evidence(&e, o);
	comment = str_of(&e, "coldbpf " COLDBPF_VERSION ": Python stacks; dead-code evidence in the ev_* "
			      "sample types (docs/pprof.md)");
	cpu = str_of(&e, "cpu");
	ns = str_of(&e, "nanoseconds");
	/* samples, locations, functions, then the strings they name */
	append(&w, &e.samples);
	append(&w, &e.locs);
	append(&w, &e.funcs);
	for (size_t i = 0; i < e.nstrs; i++)
		proto__put_bytes(&w, PB_PROFILE_STRING_TABLE, e.strs[i], strlen(e.strs[i]));
	if (t > 0)
		proto__put_uint(&w, PB_PROFILE_TIME_NANOS, (uint64_t)t);
	if (dur > 0)
		proto__put_uint(&w, PB_PROFILE_DURATION_NANOS, (uint64_t)dur);
	put_value_type(&w, PB_PROFILE_PERIOD_TYPE, cpu, ns);
	if (period)
		proto__put_uint(&w, PB_PROFILE_PERIOD, (uint64_t)period);
	proto__put_uint(&w, PB_PROFILE_COMMENT, comment);
	proto__put_uint(&w, PB_PROFILE_DEFAULT_SAMPLE_TYPE, cpu);
	if (o->raw) {
		*out = w.b;
		*len = w.n;
		w.b = NULL;
	} else {
		ret = gzip__compress(w.b, w.n, out, len);
	}
	proto__free_buf(&w);
	proto__free_buf(&e.samples);
	proto__free_buf(&e.locs);
	proto__free_buf(&e.funcs);
	for (size_t i = 0; i < e.nstrs; i++)
		free(e.strs[i]);
	free(e.strs);
	free(e.fns);
	free(e.fn_plain);
	for (size_t i = 0; i < e.nacc; i++)
		free(e.acc[i].lines);
	free(e.acc);
	free(e.ps);
	free(e.prog);
	htab__free(&e.acc_idx);
	htab__free(&e.ps_idx);
	htab__free(&e.str_idx);
	htab__free(&e.fn_idx);
	htab__free(&e.loc_idx);
	return ret;
}

int pprof__write(const struct profile *p, const struct output_opts *o, FILE *f)
{
	uint8_t *buf;
	size_t len;
	int ret;

	if (pprof__encode(p, NULL, &buf, &len))
		return -1;
	ret = fwrite(buf, 1, len, f) == len ? 0 : -1;
	free(buf);
	return ret;
}
