// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/text.h"
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"
#include "lib/str.h"
#include "cpython/pylayout.h"
#include "profile/aggregate.h"
#include "profile/counters.h"
#include "profile/pusdt.h"

static double pct(uint64_t a, uint64_t total)
{
	return total ? 100.0 * (double)a / (double)total : 0.0;
}

static void format_loc(const struct profile *p, uint32_t func, int line, char *buf, size_t sz)
{
	char file[1024];

	str__sanitize(p->funcs[func].file, file, sizeof(file));
	if (profile__is_gc_func(p, func))	/* a garbage collection: no source */
		snprintf(buf, sz, "(garbage collection)");
	else if (line >= 0)
		snprintf(buf, sz, "%s:%d", file, line);
	else
		snprintf(buf, sz, "%s:?", file);
}

static void lines_of(const struct profile *p, const struct line_stat *ls, size_t nl,
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
			str__sanitize(src, text, sizeof(text));
		fprintf(out, "            %6.1f%% %8" PRIu64 "  line %-6d %s\n",
			pct(mine[i].self, total), mine[i].self, mine[i].line, text);
	}
	free(mine);
}

/* Losses are never silent: every non-zero loss counter, after every run. */
static void losses(const struct profile *p, FILE *out)
{
	int n = 0;

	if (!p->stats.present)
		return;
	for (int i = 0; i < CTR_NR; i++) {
		const struct counter_info *c = counter__info(i);

		if (c->kind != CTR_KIND_LOSS || !p->stats.counters[i])
			continue;
		fprintf(out, "%s %s %" PRIu64, n++ ? "," : "\nnote: losses:", c->name, p->stats.counters[i]);
	}
	if (n)
		fprintf(out, " (docs/coldbpf.md, \"Statistics and losses\")\n");
}

static int by_calls(const void *a, const void *b)
{
	const struct pcall *x = a, *y = b;

	return x->calls < y->calls ? 1 : x->calls > y->calls ? -1 : (x->func > y->func) - (x->func < y->func);
}

/* --calls: per process its most called functions, or why it has no counts. */
static void calls_section(const struct profile *p, FILE *out, const struct output_opts *o)
{
	int top = o->top > 0 ? o->top : 20;
	bool head = false;

	for (size_t i = 0; i < p->nprocs; i++) {
		const struct pusdt *u = p->procs[i].usdt;
		const char *why;
		struct pcall *v;
		char pid[32], py[32];

		if (!u || !u->calls_status)
			continue;
		if (!head)
			fprintf(out, "\nCalls (CPython's function__entry marker: exact counts, docs/usdt.md \"Calls\")\n");
		head = true;
		if (p->procs[i].folded)
			snprintf(pid, sizeof(pid), "%u exited", p->procs[i].folded);
		else
			snprintf(pid, sizeof(pid), "%d", p->procs[i].pid);
		str__sanitize(p->procs[i].python ? p->procs[i].python : "?", py, sizeof(py));
		if ((why = pusdt__calls_why(u->calls_status))) {
			/* 3.11.2 -> 3.11 */
			char *dot = strchr(py, '.');

			if (dot && (dot = strchr(dot + 1, '.')))
				*dot = 0;
			if (u->calls_status == PC_NO_MARKERS)
				fprintf(out, "  PID %s: calls: %s\n", pid, why);
			else
				fprintf(out, "  PID %s: calls: not available on CPython %s (%s)\n", pid, py, why);
			continue;
		}
		if (u->status != PU_ATTACHED) {
			fprintf(out, "  PID %s: calls: not counted (probes %s)\n", pid,
				pusdt__status_name(u->status) ? pusdt__status_name(u->status) : "?");
			continue;
		}
		fprintf(out, "  PID %s: %" PRIu64 " calls of %u functions\n  %12s  %s\n", pid, pusdt__total_calls(u),
			u->ncalls, "CALLS", "FUNCTION (FILE:LINE)");
		v = xcalloc(u->ncalls + 1, sizeof(*v));
		memcpy(v, u->calls, u->ncalls * sizeof(*v));
		qsort(v, u->ncalls, sizeof(*v), by_calls);
		for (uint32_t k = 0; k < u->ncalls && (int)k < top; k++) {
			const struct pfunc *f = v[k].func < p->nfuncs ? &p->funcs[v[k].func] : NULL;
			char q[200], file[300];

			str__sanitize(f ? f->qualname : "?", q, sizeof(q));
			str__sanitize(f ? f->file : "?", file, sizeof(file));
			fprintf(out, "  %12" PRIu64 "  %s (%s:%d)\n", v[k].calls, q, file, f ? f->firstline : 0);
		}
		free(v);
	}
}

/* --calls alone: its own section says it all (no GC line of zeros) */
static bool calls_only(const struct pusdt *u)
{
	return u->calls_status && !(u->features & ~PU_CALLS) &&
	       (u->status == PU_ATTACHED || u->status == PU_NOT_NEEDED);
}

/* GC pauses and imports, from CPython's static markers (--usdt). */
static void usdt_section(const struct profile *p, FILE *out)
{
	struct { const char *name; uint64_t ns; int pid; } slow[PUSDT_SLOWEST] = {};
	size_t nslow = 0, shown = 0;

	for (size_t i = 0; i < p->nprocs; i++)
		shown += p->procs[i].usdt && !calls_only(p->procs[i].usdt);
	if (!shown)
		return;
	fprintf(out, "\nGC pauses and imports (CPython's static markers, docs/usdt.md)\n  %7s %-10s %7s %10s %9s %8s %10s\n",
		"PID", "PROBES", "GCS", "PAUSE ms", "MAX ms", "IMPORTS", "IMPORT ms");
	for (size_t i = 0; i < p->nprocs; i++) {
		const struct pusdt *u = p->procs[i].usdt;
		uint64_t max = 0;
		char pid[32], feats[32], why[200];

		if (!u || calls_only(u))
			continue;
		if (p->procs[i].folded)
			snprintf(pid, sizeof(pid), "%u exited", p->procs[i].folded);
		else
			snprintf(pid, sizeof(pid), "%d", p->procs[i].pid);
		if (u->status == PU_OFF) {	/* the opt-out, and by whom */
			str__sanitize(u->why ? u->why : "?", why, sizeof(why));
			fprintf(out, "  %7s %-10s (%s: sampled only)\n", pid, "off", why);
			continue;
		}
		if (u->status != PU_ATTACHED) {
			str__sanitize(u->why ? u->why : "", why, sizeof(why));
			fprintf(out, "  %7s %-10s %s%s\n", pid, pusdt__status_name(u->status) ? pusdt__status_name(u->status) : "?",
				u->status == PU_NO_MARKERS ? "(interpreter built without --with-dtrace: sampled only)" :
				u->status == PU_LIMIT ? "(1024 processes had probes already)" :
				u->status == PU_PENDING ? "(exited before its probes were attached)" : "", why);
			continue;
		}
		for (int g = 0; g < PUSDT_GENS; g++)
			max = u->gc_max_ns[g] > max ? u->gc_max_ns[g] : max;
		pusdt__features_list(u->features, feats, sizeof(feats));
		fprintf(out, "  %7s %-10s %7" PRIu64 " %10.1f %9.1f %8" PRIu64 " %10.1f\n", pid, feats,
			pusdt__collections(u), pusdt__pause_ns(u) / 1e6, max / 1e6, u->imports, u->import_ns / 1e6);
		for (uint32_t k = 0; k < u->nslow; k++) {	/* the slowest over every process */
			size_t at = nslow;

			while (at > 0 && slow[at - 1].ns < u->slow[k].ns)
				at--;
			if (at >= PUSDT_SLOWEST)
				continue;
			if (nslow < PUSDT_SLOWEST)
				nslow++;
			memmove(&slow[at + 1], &slow[at], (nslow - 1 - at) * sizeof(slow[0]));
			slow[at].name = u->slow[k].name;
			slow[at].ns = u->slow[k].ns;
			slow[at].pid = p->procs[i].folded ? 0 : p->procs[i].pid;
		}
	}
	if (nslow)
		fprintf(out, "  slowest imports (with what they imported):\n");
	for (size_t k = 0; k < nslow && k < 5; k++) {
		char name[200];

		str__sanitize(slow[k].name, name, sizeof(name));
		fprintf(out, "    %9.1f ms  %-40s PID %d\n", slow[k].ns / 1e6, name, slow[k].pid);
	}
}

int text__write(const struct profile *p, const struct output_opts *o, FILE *out)
{
	uint64_t total = profile__total(p), trunc_samples = 0;
	size_t nf, nl, trunc = 0;
	struct func_stat *fs = profile__func_stats(p, &nf);
	struct line_stat *ls = profile__line_stats(p, &nl);
	int top = o->top > 0 ? o->top : 20;
	char loc[1200], name[512];

	fprintf(out, "coldbpf: %" PRIu64 " Python samples from %zu process%s in %.1f s at %d Hz "
		"(started %s)\n", total, p->nprocs, p->nprocs == 1 ? "" : "es", p->duration_s,
		p->frequency_hz, p->started[0] ? p->started : "?");
	if (p->effective_hz > 0 && p->effective_hz < p->frequency_hz - 0.5)
		fprintf(out, "  effective rate %.1f Hz (--max-overhead lowered it while over its budget)\n",
			p->effective_hz);

	fprintf(out, "\nHottest functions\n  %6s %7s %8s  %-40s %s\n", "SELF%", "TOTAL%", "SAMPLES",
		"FUNCTION", "FILE:LINE");
	for (size_t i = 0; i < nf && (int)i < top; i++) {
		const struct pfunc *f = &p->funcs[fs[i].func];

		str__sanitize(f->qualname, name, sizeof(name));
		format_loc(p, fs[i].func, f->firstline, loc, sizeof(loc));
		fprintf(out, "  %5.1f%% %6.1f%% %8" PRIu64 "  %-40s %s\n", pct(fs[i].self, total),
			pct(fs[i].total, total), fs[i].self, name, loc);
		if (o->lines)
			lines_of(p, ls, nl, fs[i].func, total, out);
	}
	if (!nf)
		fprintf(out, "  (no Python samples)\n");

	fprintf(out, "\nHottest lines\n  %6s %8s  %-50s %s\n", "SELF%", "SAMPLES", "FILE:LINE",
		"SOURCE");
	for (size_t i = 0; i < nl && (int)i < top; i++) {
		const char *src = profile__source(p, p->funcs[ls[i].func].file, ls[i].line);
		char text[512] = "";

		if (src)
			str__sanitize(src, text, sizeof(text));
		format_loc(p, ls[i].func, ls[i].line, loc, sizeof(loc));
		fprintf(out, "  %5.1f%% %8" PRIu64 "  %-50s %s\n", pct(ls[i].self, total), ls[i].self,
			loc, text);
	}
	if (!nl)
		fprintf(out, "  (no Python samples)\n");

	fprintf(out, "\nProcesses\n  %7s %-9s %8s  %s\n", "PID", "PYTHON", "SAMPLES", "COMMAND");
	for (size_t i = 0; i < p->nprocs; i++) {
		const struct pproc *r = &p->procs[i];
		char cmd[600], py[64];

		str__sanitize(r->cmdline, cmd, sizeof(cmd));
		str__sanitize(r->python, py, sizeof(py));	/* a profile file is input too */
		char drop[112] = "";

		if (r->dropped)	/* its own loss counter: the stack quota */
			snprintf(drop, sizeof(drop), "  [%" PRIu64 " samples over its stack quota]", r->dropped);
		if (r->method && !strcmp(r->method, PYLAYOUT_METHOD_FUTURE))	/* after the quota's */
			snprintf(drop + strlen(drop), sizeof(drop) - strlen(drop), "  [best-effort: newer than tested]");
		if (r->merged && r->alive)	/* a pprof file's evidence, merged (docs/pprof.md) */
			fprintf(out, "  %7s %-9s %8" PRIu64 "  %s  [evidence of %u process%s read alive]\n", "-", py,
				r->samples, cmd, r->alive, r->alive == 1 ? "" : "es");
		else if (r->merged)
			fprintf(out, "  %7s %-9s %8" PRIu64 "  %s  [evidence]\n", "-", py, r->samples, cmd);
		else if (r->folded)
			fprintf(out, "  %7s %-9s %8" PRIu64 "  %s  [%u exited processes]%s\n", "-", py,
				r->samples, cmd, r->folded, drop);
		else if (r->nspid)	/* in a container: its own PID there too */
			fprintf(out, "  %7d %-9s %8" PRIu64 "  %s  [PID %d in its namespace]%s%s\n", r->pid, py,
				r->samples, cmd, r->nspid, r->exited ? "  [exited]" : "", drop);
		else
			fprintf(out, "  %7d %-9s %8" PRIu64 "  %s%s%s\n", r->pid, py, r->samples, cmd,
				r->exited ? "  [exited]" : "", drop);
	}
	if (!p->nprocs)
		fprintf(out, "  (no CPython processes found)\n");
	usdt_section(p, out);
	calls_section(p, out, o);
	if (p->nskipped) {
		fprintf(out, "\nSkipped (CPython, not profiled)\n");
		for (size_t i = 0; i < p->nskipped; i++) {
			char cmd[300], why[400];

			str__sanitize(p->skipped[i].cmdline, cmd, sizeof(cmd));
			str__sanitize(p->skipped[i].reason, why, sizeof(why));
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
	losses(p, out);
	if (o->stats)
		text__stats(p, out);
	free(fs);
	free(ls);
	return ferror(out) ? -1 : 0;
}

void text__stats(const struct profile *p, FILE *out)
{
	const struct pstats *s = &p->stats;
	uint64_t py = s->counters[CB_STAT_PY_SAMPLES];

	fprintf(out, "\nSampler statistics\n");
	if (!s->present) {
		fprintf(out, "  (not recorded)\n");
		return;
	}
	for (int i = 0; i < CB_STAT_NR; i++) {
		const struct counter_info *c = counter__info(i);

		if (c->kind == CTR_KIND_NS)
			continue;
		if ((c->kind == CTR_KIND_LOSS || c->kind == CTR_KIND_OUTCOME) && !s->counters[i])
			continue;	/* list only the failure reasons that happened */
		fprintf(out, "  %-26s %12" PRIu64 "\n", c->name, s->counters[i]);
	}
	fprintf(out, "  %-26s %12" PRIu64 "\n", counter__name(CTR_UNRESOLVED_FRAMES),
		s->counters[CTR_UNRESOLVED_FRAMES]);
	for (int i = CTR_UNRESOLVED_FRAMES + 1; i < CTR_NR; i++) {
		const struct counter_info *c = counter__info(i);

		if (c->kind == CTR_KIND_LOSS && s->counters[i])
			fprintf(out, "  %-26s %12" PRIu64 "\n", c->name, s->counters[i]);
	}
	/* timed inside the program, 1 sample in 8 (older profiles timed every one) */
	if (s->counters[CB_STAT_TIMED])
		fprintf(out, "  %-26s %12.0f  (timed in BPF, %" PRIu64 " samples)\n", "bpf_ns_per_python_sample",
			(double)s->counters[CB_STAT_NS] / (double)s->counters[CB_STAT_TIMED],
			s->counters[CB_STAT_TIMED]);
	else if (py && s->counters[CB_STAT_NS])
		fprintf(out, "  %-26s %12.0f\n", "bpf_ns_per_python_sample",
			(double)s->counters[CB_STAT_NS] / (double)py);
	if (counter__ns_median(s->ns_hist) > 0)
		fprintf(out, "  %-26s %12.0f  (a VM preempting its CPU mid-sample lifts the mean, not this)\n",
			"bpf_ns_median", counter__ns_median(s->ns_hist));
	if (s->counters[CB_STAT_SPLIT])
		fprintf(out, "  %-26s %12s  thread state %.0f, walk %.0f, maps %.0f ns (%" PRIu64 " samples)\n",
			"bpf_ns_split", "",
			(double)s->counters[CB_STAT_NS_TSTATE] / (double)s->counters[CB_STAT_SPLIT],
			(double)s->counters[CB_STAT_NS_WALK] / (double)s->counters[CB_STAT_SPLIT],
			(double)s->counters[CB_STAT_NS_MAPS] / (double)s->counters[CB_STAT_SPLIT],
			s->counters[CB_STAT_SPLIT]);
	/* the host-independent bar of the walk's cost (ns depend on the CPU) */
	if (py && s->counters[CB_STAT_UREADS])
		fprintf(out, "  %-26s %12.2f  (%.0f bytes)\n", "reads_per_python_sample",
			(double)s->counters[CB_STAT_UREADS] / (double)py,
			(double)s->counters[CB_STAT_UBYTES] / (double)py);
	for (size_t i = 0; i < p->nprocs; i++) {
		char py[64], how[64];

		str__sanitize(p->procs[i].python, py, sizeof(py));	/* a profile file is input too */
		str__sanitize(p->procs[i].method, how, sizeof(how));
		const char *be = p->procs[i].method && !strcmp(p->procs[i].method, PYLAYOUT_METHOD_FUTURE) ?
				 " (BEST-EFFORT: newer than the CPython versions coldbpf was tested with)" : "";

		if (p->procs[i].folded)
			fprintf(out, "  %u exited processes: CPython %s, version found by %s%s\n",
				p->procs[i].folded, py, how, be);
		else
			fprintf(out, "  PID %-7d CPython %s, version found by %s%s\n", p->procs[i].pid, py, how, be);
	}
}
