// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A pprof file's evidence samples, summed, as profile entries (profile/pprofev.h). */
#include "profile/pprofev.h"
#include <stdlib.h>
#include <string.h>
#include "cpython/evidence.h"
#include "lib/alloc.h"
#include "profile/pprofread.h"

void evsum__init(struct evsum *s)
{
	memset(s, 0, sizeof(*s));
	s->window = -1;
}

void evsum__free(struct evsum *s)
{
	for (size_t i = 0; i < s->nprogs; i++)
		free(s->progs[i].name);
	for (size_t i = 0; i < s->nbuilt; i++)
		free(s->built[i]);
	free(s->built);
	free(s->ln);
	free(s->br);
	free(s->fn);
	free(s->progs);
	htab__free(&s->fn_idx);
	htab__free(&s->prog_idx);
	evsum__init(s);
}

struct prog_probe {
	const struct evsum *s;
	const char *name;
};

static bool same_prog(uint64_t val, const void *probe)
{
	const struct prog_probe *q = probe;

	return !strcmp(q->s->progs[val - 1].name, q->name);
}

/* A program's index; samples without a process label count as one program. */
static uint32_t prog_of(struct evsum *s, const char *name)
{
	struct prog_probe pr = { s, name ? name : PPROF_EVIDENCE_CMD };
	uint64_t h = hash__str(pr.name, 0x70726f67), *v = htab__find(&s->prog_idx, h, same_prog, &pr);

	if (v)
		return *v - 1;
	ARRAY_RESERVE(s->progs, s->nprogs, s->capprogs, 16);
	memset(&s->progs[s->nprogs], 0, sizeof(s->progs[0]));
	s->progs[s->nprogs++].name = xstrdup(pr.name);
	htab__add(&s->prog_idx, h, s->nprogs);
	return s->nprogs - 1;
}

/*
 * A sample is kept apart from others by its labels (host, a random profile
 * id, the program), so only copies of one profile are ever summed into it
 * (a file merged with itself, stored twice): ev_profiles says how many,
 * and each value is theirs divided by that. Function samples of the copies
 * are summed too, which is why late profiles are counted with it.
 */
void evsum__add_profile(struct evsum *s, const uint64_t v[PC_NR], const char *program)
{
	uint64_t k = v[PC_EV_PROFILES] ? v[PC_EV_PROFILES] : 1, w = v[PC_EV_WINDOW_SECONDS] / k, u[PC_NR];
	uint32_t g = prog_of(s, program);
	struct evsum_prog *pg = &s->progs[g];

	for (int c = 0; c < PC_NR; c++)
		u[c] = v[c] / k + (v[c] % k != 0);	/* (never rounded to 0) */
	for (int c = PC_EV_PROFILES; c < PC_NR; c++)
		pg->h[c] += u[c];
	s->profiles++;
	s->processes += u[PC_EV_PROCESSES];
	s->partial += u[PC_EV_PARTIAL];
	s->incomplete += u[PC_EV_INCOMPLETE];
	pg->late_profiles += u[PC_EV_LATE_EXITS] ? k : 0;
	if (!u[PC_EV_PROCESSES])
		return;	/* no process read alive: no window */
	if (!w)
		s->window_unknown = true;
	else if (s->window < 0 || (double)w < s->window)
		s->window = w;
}

void evsum__add_function(struct evsum *s, uint32_t func, const char *program, const uint64_t v[PC_NR])
{
	uint32_t prog = prog_of(s, program);
	bool isnew;
	uint64_t *slot = htab__put(&s->fn_idx, (uint64_t)prog << 32 | func, &isnew);

	if (isnew) {
		ARRAY_RESERVE(s->fn, s->nfn, s->capfn, 256);
		memset(&s->fn[s->nfn], 0, sizeof(s->fn[0]));
		s->fn[s->nfn].func = func;
		s->fn[s->nfn++].prog = prog;
		*slot = s->nfn;
	}
	for (int c = PC_EV_RAN; c <= PC_EV_LATE_LOADED; c++)
		s->fn[*slot - 1].v[c] += v[c];
	s->fn[*slot - 1].v[PC_EV_LINES] += v[PC_EV_LINES];
}

int evsum__add_line(struct evsum *s, uint32_t func, int32_t line, const uint64_t v[PC_NR], enum evl_reason why)
{
	struct evsum_line *l;

	if (s->nln == EVSUM_MAX_LINES)
		return -1;
	ARRAY_RESERVE(s->ln, s->nln, s->capln, 1024);
	l = &s->ln[s->nln++];
	*l = (struct evsum_line){ .func = func, .line = line };
	for (int k = 0; k < 3; k++) {
		l->v[k] = v[PC_EV_LINE_RAN + k];
		l->why[k] = l->v[k] ? why : EVL_R_NONE;
	}
	return 0;
}

int evsum__add_branch(struct evsum *s, uint32_t func, int32_t line, int side, int32_t to)
{
	if (s->nbr == EVSUM_MAX_LINES)
		return -1;
	ARRAY_RESERVE(s->br, s->nbr, s->capbr, 64);
	s->br[s->nbr++] = (struct evsum_branch){ func, line, to, (uint8_t)side };
	return 0;
}

static int by_func_line(const void *x, const void *y)
{
	const struct evsum_line *a = x, *b = y;

	if (a->func != b->func)
		return a->func < b->func ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

static int by_branch(const void *x, const void *y)
{
	const struct evsum_branch *a = x, *b = y;

	if (a->func != b->func)
		return a->func < b->func ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->side - b->side;
}

static const struct evl_line *line_at(const struct ev_lines *l, int32_t line)
{
	uint32_t lo = 0, hi = l->nlines;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (l->lines[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->nlines && l->lines[lo].line == line ? &l->lines[lo] : NULL;
}

/*
 * Each function's lines, over every program and profile (docs/pprof.md,
 * "Lines"): a line ran if a copy ran it; it never ran only if every copy
 * that ran the function gave lines (ev_lines = ev_ran), each of them
 * calls it never-ran (ev_line_never = ev_lines: a copy of other code,
 * where the line is not, proves nothing of it) and no copy may have run
 * without saying (ev_unknown = 0); else unknown. A branch stays where its
 * jump ran and its untaken side's first line never ran.
 */
static void build_lines(struct evsum *s, size_t nfuncs)
{
	uint64_t (*tot)[3] = xcalloc(nfuncs + 1, sizeof(*tot));	/* ev_ran, ev_unknown, ev_lines */
	size_t i = 0, b = 0;

	s->built = xcalloc(nfuncs + 1, sizeof(*s->built));
	s->nbuilt = nfuncs;
	for (size_t k = 0; k < s->nfn; k++)
		if (s->fn[k].func < nfuncs) {
			tot[s->fn[k].func][0] += s->fn[k].v[PC_EV_RAN];
			tot[s->fn[k].func][1] += s->fn[k].v[PC_EV_UNKNOWN];
			tot[s->fn[k].func][2] += s->fn[k].v[PC_EV_LINES];
		}
	if (s->nln)
		qsort(s->ln, s->nln, sizeof(*s->ln), by_func_line);
	if (s->nbr)
		qsort(s->br, s->nbr, sizeof(*s->br), by_branch);
	while (i < s->nln) {
		uint32_t f = s->ln[i].func, n = 0;
		size_t j = i, e, bj;
		struct ev_lines *out;

		for (e = i; e < s->nln && s->ln[e].func == f; e++)
			n += e == i || s->ln[e].line != s->ln[e - 1].line;
		while (b < s->nbr && s->br[b].func < f)
			b++;
		for (bj = b; bj < s->nbr && s->br[bj].func == f; bj++)
			;
		out = f < nfuncs && tot[f][2] ? evlines__alloc(n, bj - b) : NULL;
		n = 0;
		while (out && j < e) {	/* the samples of one line, summed */
			struct evsum_line sum = { .line = s->ln[j].line };
			uint8_t st, why;

			for (; j < e && s->ln[j].line == sum.line; j++)
				for (int k = 0; k < 3; k++) {
					sum.v[k] += s->ln[j].v[k];
					sum.why[k] = sum.why[k] ? sum.why[k] : s->ln[j].why[k];
				}
			if (sum.v[0])
				st = EVL_RAN, why = sum.why[0];
			else if (sum.v[1] && sum.v[1] == tot[f][2] && tot[f][2] == tot[f][0] && !tot[f][1])
				st = EVL_NEVER, why = sum.why[1];
			else
				st = EVL_UNKNOWN, why = sum.v[2] ? sum.why[2] : EVL_R_OTHER_COPY;
			out->lines[n++] = (struct evl_line){ sum.line, st, why };
		}
		if (out) {
			uint32_t m = 0;

			out->nlines = n;
			for (size_t q = b; q < bj; q++) {
				const struct evsum_branch *br = &s->br[q];
				const struct evl_line *at = line_at(out, br->line), *to = line_at(out, br->to);

				if (at && at->status == EVL_RAN && to && to->status == EVL_NEVER &&
				    (!m || out->branches[m - 1].line != br->line || out->branches[m - 1].side != br->side))
					out->branches[m++] = (struct evl_branch){ br->line, br->to, br->side };
			}
			out->nbranches = m;
			s->built[f] = out;
		}
		i = e;
		b = bj;
	}
	free(tot);
}

/* An entry of the evidence (folded > 0: that many exited processes) with
 * no codes yet. */
static uint32_t entry(struct profile *p, const char *program, uint32_t folded, bool final, bool late)
{
	uint32_t e = profile__proc(p, 0, "evidence", program, "?", "pprof");

	p->procs[e].merged = !folded;
	if (folded) {
		profile__exited(p, e);
		p->procs[e].folded = folded;
		p->procs[e].final = final;
		p->procs[e].late = late;
	}
	profile__set_evidence(p, e, xcalloc(1, sizeof(struct pevcode)), 0);
	return e;
}

static uint32_t sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : v;
}

static bool has_status(const uint64_t *v)
{
	return v[PC_EV_RAN] || v[PC_EV_NEVER] || v[PC_EV_UNKNOWN] || v[PC_EV_CLASS];
}

/* ran anywhere is ran (a live class ran); unknown anywhere beats never-ran;
 * a function that ran gets the lines merged over every program */
static struct pevcode code_of(const struct evsum *s, const struct evsum_fn *f)
{
	const uint64_t *v = f->v;
	struct pevcode c = {
		.func = f->func,
		.status = v[PC_EV_RAN] || v[PC_EV_CLASS] ? EV_RAN : v[PC_EV_UNKNOWN] ? EV_UNKNOWN : EV_NEVER,
		.flags = (v[PC_EV_FUNCTION_OBJECT] ? EV_C_FUNC : 0) | (v[PC_EV_CLASS] ? EV_C_CLASS : 0),
	};

	if (c.status == EV_RAN && v[PC_EV_RAN] && f->func < s->nbuilt && s->built[f->func])
		c.lines = evlines__dup(s->built[f->func]);
	return c;
}

/* A program's late exits, with the functions of the files every one of
 * them had loaded: match.c makes the other files' never-ran claims unknown
 * when the program runs the tree's code. */
static void late_entry(struct evsum *s, struct profile *p, uint32_t g)
{
	struct pevcode *mine = xcalloc(s->nfn + 1, sizeof(*mine));
	uint32_t e = entry(p, s->progs[g].name, sat32(s->progs[g].h[PC_EV_LATE_EXITS]), true, true);
	size_t nm = 0;

	for (size_t i = 0; i < s->nfn; i++)
		if (s->fn[i].prog == g && s->fn[i].func < p->nfuncs && has_status(s->fn[i].v) &&
		    s->fn[i].v[PC_EV_LATE_LOADED] >= s->progs[g].late_profiles)
			mine[nm++] = code_of(s, &s->fn[i]);
	profile__set_evidence(p, e, mine, nm);
}

/* Per program: an entry with its functions' statuses and its unread exits
 * (match.c relates them to the tree by the program, as it does processes),
 * and one of its exits not read at their exit. */
static void program_entries(struct evsum *s, struct profile *p)
{
	struct pevcode **codes = xcalloc(s->nprogs + 1, sizeof(*codes));
	size_t *n = xcalloc(s->nprogs + 1, sizeof(*n));

	for (size_t i = 0; i < s->nfn; i++)	/* how many per program, then the codes */
		n[s->fn[i].prog]++;
	for (uint32_t g = 0; g < s->nprogs; g++) {
		codes[g] = xcalloc(n[g] + 1, sizeof(**codes));
		n[g] = 0;
	}
	for (size_t i = 0; i < s->nfn; i++)
		if (has_status(s->fn[i].v) && s->fn[i].func < p->nfuncs)
			codes[s->fn[i].prog][n[s->fn[i].prog]++] = code_of(s, &s->fn[i]);
	for (uint32_t g = 0; g < s->nprogs; g++) {
		const uint64_t *h = s->progs[g].h;
		uint64_t unfinal = h[PC_EV_EXITS] > h[PC_EV_EXITS_READ] ? h[PC_EV_EXITS] - h[PC_EV_EXITS_READ] : 0;
		uint64_t unread = h[PC_EV_UNREAD_EXITS] > unfinal ? h[PC_EV_UNREAD_EXITS] - unfinal : 0;
		uint32_t e;

		if (n[g] || unread) {
			e = entry(p, s->progs[g].name, 0, false, false);
			p->procs[e].unread = sat32(unread);
			profile__set_evidence(p, e, codes[g], n[g]);
		} else {
			free(codes[g]);
		}
		if (unfinal)
			entry(p, s->progs[g].name, sat32(unfinal), false, false);
		if (h[PC_EV_LATE_EXITS])
			late_entry(s, p, g);
	}
	free(codes);
	free(n);
}

/*
 * Besides the programs' entries: one that stands for every process read
 * alive (the shortest window; a scan that skipped memory) and one of the
 * exits read at their exit that were not late.
 */
void evsum__apply(struct evsum *s, struct profile *p)
{
	uint64_t read = 0, late = 0;
	bool any = false;
	uint32_t e;

	for (size_t i = 0; i < s->nfn; i++)
		any |= has_status(s->fn[i].v);
	for (size_t i = 0; i < s->nprogs; i++) {
		read += s->progs[i].h[PC_EV_EXITS_READ];
		late += s->progs[i].h[PC_EV_LATE_EXITS];
	}
	if (s->incomplete || (any && !s->profiles)) {
		/* a profile in it was recorded without evidence (or the
		 * per-profile samples are gone): as a profile without
		 * evidence, it proves nothing never ran */
		if (!p->nprocs)
			profile__proc(p, 0, "evidence", PPROF_EVIDENCE_CMD, "?", "pprof");
		return;
	}
	if (!s->profiles)
		return;	/* a CPU profile of another profiler */
	build_lines(s, p->nfuncs);
	e = entry(p, PPROF_EVIDENCE_CMD, 0, false, false);
	p->procs[e].alive = sat32(s->processes);
	p->procs[e].evidence_age = s->processes && !s->window_unknown && s->window > 0 ? s->window : 0;
	profile__evidence_partial(p, e, s->partial > 0);
	program_entries(s, p);
	if (read > late)
		entry(p, PPROF_EVIDENCE_CMD, sat32(read - late), true, false);
}
