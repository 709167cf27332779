// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "report.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const stat_names[CB_STAT_NR] = {
	[CB_STAT_SAMPLES] = "samples",
	[CB_STAT_PY_SAMPLES] = "python_samples",
	[CB_STAT_RECORDED] = "recorded",
	[CB_STAT_TRUNCATED] = "truncated",
	[CB_STAT_NS] = "bpf_python_ns",
	[CB_STAT_CACHE_HIT] = "thread_cache_hits",
	[CB_STAT_FRAME_READS] = "frame_window_reads",
	[CB_ERR_READ_RUNTIME] = "err_read_runtime",
	[CB_ERR_NO_INTERP] = "err_no_interpreter",
	[CB_ERR_NO_THREAD] = "err_no_thread_state",
	[CB_ERR_THREAD_LIMIT] = "err_thread_walk_limit",
	[CB_ERR_READ_TSTATE] = "err_read_thread_state",
	[CB_ERR_READ_FRAME] = "err_read_frame",
	[CB_ERR_NO_FRAMES] = "err_no_python_frames",
	[CB_ERR_STACKS_FULL] = "err_stacks_map_full",
	[CB_ERR_COUNTS_FULL] = "err_counts_map_full",
	[CB_ERR_EVENTS_FULL] = "err_ringbuf_full",
};

const char *cb_stat_name(int idx)
{
	return idx >= 0 && idx < CB_STAT_NR ? stat_names[idx] : NULL;
}

static int _cmp_func(const void *a, const void *b)
{
	const struct func_stat *x = a, *y = b;

	/* compare, never subtract: counts are 64-bit */
	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return x->func < y->func ? -1 : x->func > y->func;
}

struct func_stat *report__func_stats(const struct profile *p, size_t *n)
{
	struct func_stat *fs = xcalloc(p->nfuncs, sizeof(*fs));
	size_t *mark = xcalloc(p->nfuncs, sizeof(*mark)), k = 0;

	for (size_t i = 0; i < p->nfuncs; i++)
		fs[i].func = i;
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct pstack *s = &p->stacks[i];

		if (!s->depth)
			continue;
		fs[s->frames[s->depth - 1].func].self += s->count;
		/* recursion: a function counts once per stack in its total */
		for (uint32_t d = 0; d < s->depth; d++) {
			uint32_t f = s->frames[d].func;

			if (mark[f] != i + 1) {
				mark[f] = i + 1;
				fs[f].total += s->count;
			}
		}
	}
	free(mark);
	for (size_t i = 0; i < p->nfuncs; i++)
		if (fs[i].total)
			fs[k++] = fs[i];
	qsort(fs, k, sizeof(*fs), _cmp_func);
	*n = k;
	return fs;
}

static int _cmp_line(const void *a, const void *b, void *arg)
{
	const struct line_stat *x = a, *y = b;
	const struct profile *p = arg;
	int c;

	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	c = strcmp(p->funcs[x->func].file, p->funcs[y->func].file);
	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

struct line_stat *report__line_stats(const struct profile *p, size_t *n)
{
	struct u64map idx;
	struct line_stat *ls = NULL;
	size_t k = 0, cap = 0;

	u64map__init(&idx);
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct pstack *s = &p->stacks[i];
		const struct pframe *leaf;
		const char *file;
		uint64_t h, *v;

		if (!s->depth)
			continue;
		leaf = &s->frames[s->depth - 1];
		file = p->funcs[leaf->func].file;
		h = hash_bytes(file, strlen(file), (uint64_t)(uint32_t)leaf->line);
		for (;; h++) {
			v = u64map__get(&idx, h);
			if (!v || (ls[*v - 1].line == leaf->line &&
				   !strcmp(p->funcs[ls[*v - 1].func].file, file)))
				break;
		}
		if (v) {
			ls[*v - 1].self += s->count;
			continue;
		}
		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			ls = xrealloc(ls, cap, sizeof(*ls));
		}
		ls[k].func = leaf->func;
		ls[k].line = leaf->line;
		ls[k].self = s->count;
		*u64map__put(&idx, h, NULL) = ++k;
	}
	u64map__free(&idx);
	if (k)
		qsort_r(ls, k, sizeof(*ls), _cmp_line, (void *)p);
	*n = k;
	return ls;
}

static double _pct(uint64_t a, uint64_t total)
{
	return total ? 100.0 * (double)a / (double)total : 0.0;
}

static void _loc(const struct profile *p, uint32_t func, int line, char *buf, size_t sz)
{
	char file[1024];

	sanitize_text(p->funcs[func].file, file, sizeof(file));
	if (line >= 0)
		snprintf(buf, sz, "%s:%d", file, line);
	else
		snprintf(buf, sz, "%s:?", file);
}

static void _lines_of(const struct profile *p, const struct line_stat *ls, size_t nl,
		      uint32_t func, uint64_t total, FILE *out)
{
	/* lines of one function, in source order */
	size_t cnt = 0;
	struct line_stat *mine = xcalloc(nl ? nl : 1, sizeof(*mine));

	for (size_t i = 0; i < nl; i++)
		if (ls[i].func == func)
			mine[cnt++] = ls[i];
	for (size_t i = 1; i < cnt; i++)
		for (size_t j = i; j > 0 && mine[j - 1].line > mine[j].line; j--) {
			struct line_stat t = mine[j];

			mine[j] = mine[j - 1];
			mine[j - 1] = t;
		}
	for (size_t i = 0; i < cnt; i++) {
		const char *src = profile__source(p, p->funcs[func].file, mine[i].line);
		char text[512] = "";

		if (src)
			sanitize_text(src, text, sizeof(text));
		fprintf(out, "            %6.1f%% %8" PRIu64 "  line %-6d %s\n",
			_pct(mine[i].self, total), mine[i].self, mine[i].line, text);
	}
	free(mine);
}

void report__text(const struct profile *p, const struct report_opts *o, FILE *out)
{
	uint64_t total = profile__total(p), trunc_samples = 0;
	size_t nf, nl, trunc = 0;
	struct func_stat *fs = report__func_stats(p, &nf);
	struct line_stat *ls = report__line_stats(p, &nl);
	int top = o->top > 0 ? o->top : 20;
	char loc[1200], name[512];

	fprintf(out, "coldbpf: %" PRIu64 " Python samples from %zu process%s in %.1f s at %d Hz "
		"(started %s)\n", total, p->nprocs, p->nprocs == 1 ? "" : "es", p->duration_s,
		p->frequency_hz, p->started[0] ? p->started : "?");

	fprintf(out, "\nHottest functions\n  %6s %7s %8s  %-40s %s\n", "SELF%", "TOTAL%", "SAMPLES",
		"FUNCTION", "FILE:LINE");
	for (size_t i = 0; i < nf && (int)i < top; i++) {
		const struct pfunc *f = &p->funcs[fs[i].func];

		sanitize_text(f->qualname, name, sizeof(name));
		_loc(p, fs[i].func, f->firstline, loc, sizeof(loc));
		fprintf(out, "  %5.1f%% %6.1f%% %8" PRIu64 "  %-40s %s\n", _pct(fs[i].self, total),
			_pct(fs[i].total, total), fs[i].self, name, loc);
		if (o->lines)
			_lines_of(p, ls, nl, fs[i].func, total, out);
	}
	if (!nf)
		fprintf(out, "  (no Python samples)\n");

	fprintf(out, "\nHottest lines\n  %6s %8s  %-50s %s\n", "SELF%", "SAMPLES", "FILE:LINE",
		"SOURCE");
	for (size_t i = 0; i < nl && (int)i < top; i++) {
		const char *src = profile__source(p, p->funcs[ls[i].func].file, ls[i].line);
		char text[512] = "";

		if (src)
			sanitize_text(src, text, sizeof(text));
		_loc(p, ls[i].func, ls[i].line, loc, sizeof(loc));
		fprintf(out, "  %5.1f%% %8" PRIu64 "  %-50s %s\n", _pct(ls[i].self, total), ls[i].self,
			loc, text);
	}
	if (!nl)
		fprintf(out, "  (no Python samples)\n");

	fprintf(out, "\nProcesses\n  %7s %-9s %8s  %s\n", "PID", "PYTHON", "SAMPLES", "COMMAND");
	for (size_t i = 0; i < p->nprocs; i++) {
		const struct pproc *r = &p->procs[i];
		char cmd[600];

		sanitize_text(r->cmdline, cmd, sizeof(cmd));
		fprintf(out, "  %7d %-9s %8" PRIu64 "  %s%s\n", r->pid, r->python, r->samples, cmd,
			r->exited ? "  [exited]" : "");
	}
	if (!p->nprocs)
		fprintf(out, "  (no CPython processes found)\n");
	if (p->nskipped) {
		fprintf(out, "\nSkipped (CPython, not profiled)\n");
		for (size_t i = 0; i < p->nskipped; i++) {
			char cmd[300], why[400];

			sanitize_text(p->skipped[i].cmdline, cmd, sizeof(cmd));
			sanitize_text(p->skipped[i].reason, why, sizeof(why));
			fprintf(out, "  %7d %s: %s\n", p->skipped[i].pid, cmd, why);
		}
	}

	for (size_t i = 0; i < p->nstacks; i++)
		if (p->stacks[i].flags & PF_STACK_TRUNCATED) {
			trunc++;
			trunc_samples += p->stacks[i].count;
		}
	if (trunc)
		fprintf(out, "\nnote: %zu stacks (%" PRIu64 " samples) were deeper than --max-depth %d "
			"and lost their root-most frames; raise --max-depth\n", trunc, trunc_samples,
			p->max_depth);
	if (o->stats)
		report__stats(p, out);
	free(fs);
	free(ls);
}

void report__stats(const struct profile *p, FILE *out)
{
	const struct pstats *s = &p->stats;
	uint64_t py = s->counters[CB_STAT_PY_SAMPLES];

	fprintf(out, "\nSampler statistics\n");
	if (!s->present) {
		fprintf(out, "  (not recorded)\n");
		return;
	}
	for (int i = 0; i < CB_STAT_NR; i++) {
		if (i == CB_STAT_NS)
			continue;
		if (i >= CB_ERR_READ_RUNTIME && !s->counters[i])
			continue;	/* list only the failure reasons that happened */
		fprintf(out, "  %-26s %12" PRIu64 "\n", stat_names[i], s->counters[i]);
	}
	fprintf(out, "  %-26s %12" PRIu64 "\n", "unresolved_frames", s->lost_unresolved);
	if (py)
		fprintf(out, "  %-26s %12.0f\n", "bpf_ns_per_python_sample",
			(double)s->counters[CB_STAT_NS] / (double)py);
	if (s->run_cnt)
		fprintf(out, "  %-26s %12.0f  (kernel run-time stats, all %" PRIu64 " runs)\n",
			"bpf_ns_per_run", (double)s->run_time_ns / (double)s->run_cnt, s->run_cnt);
	for (size_t i = 0; i < p->nprocs; i++)
		fprintf(out, "  PID %-7d CPython %s, version found by %s\n", p->procs[i].pid,
			p->procs[i].python, p->procs[i].method);
}

static void _fold_name(const char *s, char *out, size_t sz)
{
	sanitize_text(s, out, sz);
	/* ';' separates frames and the last ' ' the count: keep both out of names */
	for (char *c = out; *c; c++)
		if (*c == ';')
			*c = ',';
}

int report__folded(const struct profile *p, FILE *out)
{
	/* identical (process, stack) lines from different threads are merged */
	struct u64map idx;
	char **lines = NULL;
	uint64_t *counts = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;

	u64map__init(&idx);
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct pstack *s = &p->stacks[i];
		const struct pproc *r = &p->procs[s->proc];
		size_t len = 0, lcap = 256;
		char *line = xcalloc(lcap, 1), part[3200], a[1024], b[1024];
		uint64_t h, *v;

		_fold_name(r->comm, a, sizeof(a));
		len = snprintf(line, lcap, "%s (%d)", a, r->pid);
		for (uint32_t d = 0; d <= s->depth; d++) {
			size_t pl;

			if (d == 0 && (s->flags & PF_STACK_TRUNCATED))
				snprintf(part, sizeof(part), ";[truncated]");
			else if (d == 0)
				continue;
			else {
				const struct pframe *f = &s->frames[d - 1];

				_fold_name(p->funcs[f->func].qualname, a, sizeof(a));
				_fold_name(p->funcs[f->func].file, b, sizeof(b));
				if (f->line >= 0)
					snprintf(part, sizeof(part), ";%s (%s:%d)", a, b, f->line);
				else
					snprintf(part, sizeof(part), ";%s (%s:?)", a, b);
			}
			pl = strlen(part);
			while (len + pl + 1 > lcap) {
				lcap *= 2;
				line = xrealloc(line, lcap, 1);
			}
			memcpy(line + len, part, pl + 1);
			len += pl;
		}
		h = hash_bytes(line, len, 0);
		for (;; h++) {
			v = u64map__get(&idx, h);
			if (!v || !strcmp(lines[*v - 1], line))
				break;
		}
		if (v) {
			counts[*v - 1] += s->count;
			free(line);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			lines = xrealloc(lines, cap, sizeof(*lines));
			counts = xrealloc(counts, cap, sizeof(*counts));
		}
		lines[n] = line;
		counts[n] = s->count;
		*u64map__put(&idx, h, NULL) = ++n;
	}
	for (size_t i = 0; i < n; i++) {
		if (fprintf(out, "%s %" PRIu64 "\n", lines[i], counts[i]) < 0)
			ret = -1;
		free(lines[i]);
	}
	free(lines);
	free(counts);
	u64map__free(&idx);
	if (fflush(out))
		ret = -1;
	return ret;
}
