// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/metrics.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "deadcode/deadcode.h"
#include "lib/alloc.h"
#include "profile/aggregate.h"
#include "profile/counters.h"
#include "profile/pusdt.h"

#define LABEL_MAX 200	/* bytes of a label value taken from a target */
_Static_assert(DC_NR <= 8, "struct metrics_src holds 8 statuses");

void metrics_state__init(struct metrics_state *s)
{
	memset(s, 0, sizeof(*s));
	htab__init(&s->idx);
}

void metrics_state__free(struct metrics_state *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->prog[i].label);
	free(s->prog);
	htab__free(&s->idx);
	memset(s, 0, sizeof(*s));
}

void metrics__label(const char *in, size_t max, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; in && in[i] && i < max && o + 3 < outsz; i++) {
		unsigned char c = in[i];

		if (c == '\\' || c == '"') {
			out[o++] = '\\';
			out[o++] = c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = c >= 0x20 && c < 0x7f ? c : '?';	/* UTF-8 is not trusted: ASCII only */
		}
	}
	out[o] = 0;
}

/* A metric family's header. OpenMetrics names a counter family without
 * its _total suffix. */
static void family(FILE *f, bool om, const char *name, const char *type, const char *help)
{
	size_t n = strlen(name);

	if (om && !strcmp(type, "counter") && n > 6 && !strcmp(name + n - 6, "_total"))
		n -= 6;
	fprintf(f, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)n, name, help, (int)n, name, type);
}

static void counters(FILE *f, const struct profile *p, bool om)
{
	bool losses = false, outcomes = false;

	for (int i = 0; i < CTR_NR; i++) {
		const struct counter_info *c = counter__info(i);
		char name[128];
		size_t n;

		if (!c || !c->name)
			continue;
		n = strlen(c->name);
		if (c->kind == CTR_KIND_COUNT) {
			snprintf(name, sizeof(name), "coldbpf_%s_total", c->name);
			family(f, om, name, "counter", c->help);
			fprintf(f, "%s %lu\n", name, (unsigned long)p->stats.counters[i]);
		} else if (c->kind == CTR_KIND_NS) {
			snprintf(name, sizeof(name), "coldbpf_%.*s_seconds_total",
				 (int)(n > 3 && !strcmp(c->name + n - 3, "_ns") ? n - 3 : n), c->name);
			family(f, om, name, "counter", c->help);
			fprintf(f, "%s %.9f\n", name, p->stats.counters[i] / 1e9);
		}
	}
	/* losses and sample outcomes: one family each, the reason a label */
	for (int i = 0; i < CTR_NR; i++) {
		const struct counter_info *c = counter__info(i);

		if (!c || !c->name || c->kind != CTR_KIND_LOSS)
			continue;
		if (!losses)
			family(f, om, "coldbpf_losses_total", "counter",
			       "samples, events, reads or files lost, by reason (docs/coldbpf.md, counters)");
		losses = true;
		fprintf(f, "coldbpf_losses_total{reason=\"%s\"} %lu\n", c->name, (unsigned long)p->stats.counters[i]);
	}
	for (int i = 0; i < CTR_NR; i++) {
		const struct counter_info *c = counter__info(i);

		if (!c || !c->name || c->kind != CTR_KIND_OUTCOME)
			continue;
		if (!outcomes)
			family(f, om, "coldbpf_sample_outcomes_total", "counter",
			       "samples of a profiled process that found no Python running, by outcome");
		outcomes = true;
		fprintf(f, "coldbpf_sample_outcomes_total{outcome=\"%s\"} %lu\n", c->name,
			(unsigned long)p->stats.counters[i]);
	}
}

static struct mprog *prog_of(struct metrics_state *s, const char *label)
{
	uint64_t h = hash__str(label, 0x70726f67), *v = htab__get(&s->idx, h);

	if (v)
		return &s->prog[*v - 1];
	ARRAY_RESERVE(s->prog, s->n, s->cap, 16);
	memset(&s->prog[s->n], 0, sizeof(s->prog[s->n]));
	s->prog[s->n].label = xstrdup(label);
	*htab__put(&s->idx, h, NULL) = ++s->n;
	return &s->prog[s->n - 1];
}

static void proc_values(const struct pproc *r, uint64_t v[MV_NR])
{
	v[MV_SAMPLES] = r->samples;
	v[MV_GC] = r->usdt ? pusdt__collections(r->usdt) : 0;
	v[MV_IMPORTS] = r->usdt ? r->usdt->imports : 0;
	v[MV_IMPORT_NS] = r->usdt ? r->usdt->import_ns : 0;
}

/* Programs of the profile into the state: counters that only grow, at most
 * max_programs series, the rest under "other". A program gets a series
 * once it has a live process or new samples. */
static void programs_update(const struct profile *p, const struct metrics_opts *o, struct metrics_state *s,
			    double now, unsigned *live)
{
	char prog[512];

	/* totals per program: every process entry (exited ones folded per program) */
	uint64_t (*tot)[MV_NR] = xcalloc(s->n + p->nprocs + 1, sizeof(*tot));
	unsigned *alive = xcalloc(s->n + p->nprocs + 1, sizeof(*alive));

	for (size_t i = 0; i < s->n; i++)
		s->prog[i].seen = false;

	for (size_t i = 0; i < p->nprocs; i++) {
		const struct pproc *r = &p->procs[i];
		uint64_t v[MV_NR];
		struct mprog *m;

		if (r->unused)
			continue;
		profile__program(r->cmdline, prog, sizeof(prog));
		m = prog_of(s, prog);
		m->seen = true;
		proc_values(r, v);
		for (int k = 0; k < MV_NR; k++)
			tot[m - s->prog][k] += v[k];
		alive[m - s->prog] += !r->exited && !r->folded;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct mprog *m = &s->prog[i];
		uint64_t d[MV_NR];

		for (int k = 0; k < MV_NR; k++) {
			d[k] = tot[i][k] > m->last[k] ? tot[i][k] - m->last[k] : 0;
			m->last[k] = tot[i][k];
		}
		live[i] = alive[i];
		if (alive[i] || d[MV_SAMPLES])
			m->active = now;
		if (!m->series && (alive[i] || d[MV_SAMPLES]) && s->nseries < o->max_programs) {
			m->series = true;	/* its counts start at what it has now */
			memcpy(m->value, tot[i], sizeof(m->value));
			s->nseries++;
			continue;
		}
		for (int k = 0; k < MV_NR; k++) {
			if (m->series)
				m->value[k] += d[k];
			else
				s->other[k] += d[k];
		}
		if (m->series && now - m->active > o->expire_s) {
			m->series = false;	/* idle: the series goes (scripts in temp dirs) */
			s->nseries--;
			s->expired++;
		}
	}
	free(tot);
	free(alive);
}

/* Programs no longer in the profile and without a series leave the state. */
static void programs_prune(struct metrics_state *s)
{
	for (size_t i = 0; i < s->n;) {
		struct mprog *m = &s->prog[i];

		if (m->seen || m->series) {
			i++;
			continue;
		}
		htab__del(&s->idx, hash__str(m->label, 0x70726f67));
		free(m->label);
		s->prog[i] = s->prog[--s->n];
		if (i < s->n)
			*htab__put(&s->idx, hash__str(s->prog[i].label, 0x70726f67), NULL) = i + 1;
	}
}

/* One counter per program (the same bounded label set as the samples). */
static void program_family(FILE *f, const struct metrics_state *s, bool om, int k, const char *name,
			   const char *help, double scale)
{
	char label[LABEL_MAX * 2 + 8];

	family(f, om, name, "counter", help);
	for (size_t i = 0; i < s->n; i++)
		if (s->prog[i].series) {
			metrics__label(s->prog[i].label, LABEL_MAX, label, sizeof(label));
			fprintf(f, scale == 1 ? "%s{program=\"%s\"} %.0f\n" : "%s{program=\"%s\"} %.9f\n", name, label,
				s->prog[i].value[k] * scale);
		}
	fprintf(f, scale == 1 ? "%s{program=\"other\"} %.0f\n" : "%s{program=\"other\"} %.9f\n", name,
		s->other[k] * scale);
}

/* GC pauses and imports (--usdt): per program, and one histogram of every
 * pause, whose buckets are powers of 4 of nanoseconds (16.384 us .. 1.07 s):
 * edges of the log2 histogram kept in BPF, so every bucket is exact. */
static void usdt_metrics(FILE *f, const struct profile *p, const struct metrics_state *s, bool om)
{
	uint64_t hist[PUSDT_BUCKETS] = { 0 }, count = 0, cum = 0, ns = 0;
	int b = 0;

	program_family(f, s, om, MV_GC, "coldbpf_gc_collections_total",
		       "CPython garbage collections per program (gc__start/gc__done markers)", 1);
	program_family(f, s, om, MV_IMPORTS, "coldbpf_imports_total",
		       "modules imported per program (import__find__load markers; outermost and nested)", 1);
	program_family(f, s, om, MV_IMPORT_NS, "coldbpf_import_seconds_total",
		       "time in imports per program (outermost imports; nested ones are inside)", 1e-9);
	for (size_t i = 0; i < p->nprocs; i++) {
		const struct pusdt *u = p->procs[i].usdt;

		if (!u || p->procs[i].unused)
			continue;
		for (int k = 0; k < PUSDT_BUCKETS; k++)
			hist[k] += u->gc_hist[k];
		count += pusdt__collections(u);
		ns += pusdt__pause_ns(u);
	}
	family(f, om, "coldbpf_gc_pause_seconds", "histogram",
	       "CPython garbage-collection pauses, every profiled process (gc__start to gc__done)");
	for (int e = 14; e <= 30; e += 2) {
		for (; b < e && b < PUSDT_BUCKETS; b++)	/* buckets below 2^e ns */
			cum += hist[b];
		fprintf(f, "coldbpf_gc_pause_seconds_bucket{le=\"%.9f\"} %lu\n", (double)(1ULL << e) / 1e9,
			(unsigned long)cum);
	}
	fprintf(f, "coldbpf_gc_pause_seconds_bucket{le=\"+Inf\"} %lu\n", (unsigned long)count);
	fprintf(f, "coldbpf_gc_pause_seconds_sum %.9f\ncoldbpf_gc_pause_seconds_count %lu\n", ns / 1e9,
		(unsigned long)count);
}

static void top_functions(FILE *f, const struct profile *p, unsigned top, bool om)
{
	size_t n;
	struct func_stat *fs = top ? profile__func_stats(p, &n) : NULL;
	char q[LABEL_MAX * 2 + 8], file[LABEL_MAX * 2 + 8];

	if (!fs)
		return;
	family(f, om, "coldbpf_function_self_samples", "gauge",
	       "samples with the function on top of the stack, of the hottest functions since the start");
	for (size_t i = 0; i < n && i < top && i < METRICS_MAX_TOP && fs[i].self; i++) {
		const struct pfunc *fn = &p->funcs[fs[i].func];

		metrics__label(fn->qualname, LABEL_MAX, q, sizeof(q));
		metrics__label(fn->file, LABEL_MAX, file, sizeof(file));
		fprintf(f, "coldbpf_function_self_samples{function=\"%s\",file=\"%s\",line=\"%d\"} %lu\n", q, file,
			fn->firstline, (unsigned long)fs[i].self);
	}
	free(fs);
}

static void counter(FILE *f, bool om, const char *base, const char *help, uint64_t v)
{
	char name[128];

	snprintf(name, sizeof(name), "%s_total", base);
	family(f, om, name, "counter", help);
	fprintf(f, "%s %lu\n", name, (unsigned long)v);
}

static void statefile(FILE *f, const struct metrics_statefile *st, bool om)
{
	if (!st || !st->on)
		return;
	family(f, om, "coldbpf_state_programs", "gauge", "--state-dir: programs whose evidence is kept");
	fprintf(f, "coldbpf_state_programs %lu\n", (unsigned long)st->programs);
	family(f, om, "coldbpf_state_functions", "gauge", "--state-dir: function versions whose evidence is kept");
	fprintf(f, "coldbpf_state_functions %lu\n", (unsigned long)st->functions);
	family(f, om, "coldbpf_state_observed_seconds", "gauge",
	       "--state-dir: seconds observed over every run kept (gaps between runs not counted)");
	fprintf(f, "coldbpf_state_observed_seconds %.3f\n", st->observed_s);
	family(f, om, "coldbpf_state_first_observed_timestamp_seconds", "gauge",
	       "--state-dir: when the oldest run kept began (Unix time)");
	fprintf(f, "coldbpf_state_first_observed_timestamp_seconds %.3f\n", st->first_s);
	counter(f, om, "coldbpf_state_saves", "--state-dir: state files written", st->saves);
	counter(f, om, "coldbpf_state_save_errors", "--state-dir: state files that could not be written",
		st->save_errors);
	counter(f, om, "coldbpf_state_dropped", "--state-dir: entries dropped at the bounds or after 90 days unseen",
		st->dropped);
	family(f, om, "coldbpf_state_save_duration_seconds", "gauge", "--state-dir: the last save took");
	fprintf(f, "coldbpf_state_save_duration_seconds %.6f\n", st->save_s);
}

static void srcs(FILE *f, const struct metrics_agent *a, bool om)
{
	char src[LABEL_MAX * 2 + 8];

	if (!a->nsrcs)
		return;
	family(f, om, "coldbpf_src_functions", "gauge",
	       "definitions of a --src tree per dead-code status over the profiled processes (docs/cold.md)");
	for (size_t i = 0; i < a->nsrcs; i++) {
		metrics__label(a->srcs[i].src, LABEL_MAX, src, sizeof(src));
		for (int k = 0; k < DC_NR; k++)
			fprintf(f, "coldbpf_src_functions{src=\"%s\",status=\"%s\"} %lu\n", src, dc_status_names[k],
				(unsigned long)a->srcs[i].funcs[k]);
	}
	family(f, om, "coldbpf_src_program_functions", "gauge",
	       "the same per program that runs the tree's code, over its own processes (at most 16 per tree)");
	for (size_t i = 0; i < a->nsrcs; i++) {
		metrics__label(a->srcs[i].src, LABEL_MAX, src, sizeof(src));
		for (size_t k = 0; k < a->srcs[i].nprogs; k++) {
			char prog[LABEL_MAX * 2 + 8];

			metrics__label(a->srcs[i].progs[k].program, LABEL_MAX, prog, sizeof(prog));
			for (int j = 0; j < DC_NR; j++)
				fprintf(f, "coldbpf_src_program_functions{src=\"%s\",program=\"%s\",status=\"%s\"} %lu\n",
					src, prog, dc_status_names[j], (unsigned long)a->srcs[i].progs[k].funcs[j]);
		}
	}
	family(f, om, "coldbpf_src_lines", "gauge", "their own lines, per status");
	for (size_t i = 0; i < a->nsrcs; i++) {
		metrics__label(a->srcs[i].src, LABEL_MAX, src, sizeof(src));
		for (int k = 0; k < DC_NR; k++)
			fprintf(f, "coldbpf_src_lines{src=\"%s\",status=\"%s\"} %lu\n", src, dc_status_names[k],
				(unsigned long)a->srcs[i].lines[k]);
	}
	family(f, om, "coldbpf_src_evidence_window_seconds", "gauge",
	       "what never-ran speaks of: the shortest time a process read alive had run (absent: unknown)");
	for (size_t i = 0; i < a->nsrcs; i++)
		if (a->srcs[i].window_s >= 0) {
			metrics__label(a->srcs[i].src, LABEL_MAX, src, sizeof(src));
			fprintf(f, "coldbpf_src_evidence_window_seconds{src=\"%s\"} %.3f\n", src, a->srcs[i].window_s);
		}
	family(f, om, "coldbpf_src_evidence_processes", "gauge", "processes read alive for the statuses");
	for (size_t i = 0; i < a->nsrcs; i++) {
		metrics__label(a->srcs[i].src, LABEL_MAX, src, sizeof(src));
		fprintf(f, "coldbpf_src_evidence_processes{src=\"%s\"} %lu\n", src, (unsigned long)a->srcs[i].procs);
	}
	family(f, om, "coldbpf_src_exits_unread", "gauge",
	       "processes of the tree's programs that exited without a read after their last chance to run "
	       "(then nothing is never-ran)");
	for (size_t i = 0; i < a->nsrcs; i++) {
		metrics__label(a->srcs[i].src, LABEL_MAX, src, sizeof(src));
		fprintf(f, "coldbpf_src_exits_unread{src=\"%s\"} %lu\n", src, (unsigned long)a->srcs[i].unread);
	}
	family(f, om, "coldbpf_src_state_window_seconds", "gauge",
	       "--state-dir: never-ran over the runs kept holds for at least this many observed seconds (absent: none)");
	for (size_t i = 0; i < a->nsrcs; i++)
		if (a->srcs[i].state_window_s >= 0) {
			metrics__label(a->srcs[i].src, LABEL_MAX, src, sizeof(src));
			fprintf(f, "coldbpf_src_state_window_seconds{src=\"%s\"} %.3f\n", src, a->srcs[i].state_window_s);
		}
	family(f, om, "coldbpf_src_statuses_age_seconds", "gauge", "seconds since the statuses were computed");
	for (size_t i = 0; i < a->nsrcs; i++) {
		metrics__label(a->srcs[i].src, LABEL_MAX, src, sizeof(src));
		fprintf(f, "coldbpf_src_statuses_age_seconds{src=\"%s\"} %.3f\n", src, a->srcs[i].age_s);
	}
}

void metrics__render(const struct profile *p, const struct metrics_agent *a, const struct metrics_opts *o,
		     struct metrics_state *s, double now, bool om, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	const uint64_t *c = p->stats.counters;
	unsigned *live;
	char label[LABEL_MAX * 2 + 8];

	if (!f) {	/* out of memory: the caller answers 500 */
		*out = NULL;
		*len = 0;
		return;
	}
	live = xcalloc(s->n + p->nprocs + 1, sizeof(*live));
	programs_update(p, o, s, now, live);
	family(f, om, "coldbpf_build_info", "gauge", "coldbpf's version");
	fprintf(f, "coldbpf_build_info{version=\"%s\"} 1\n", COLDBPF_VERSION);
	counters(f, p, om);
	family(f, om, "coldbpf_processes_profiled", "gauge", "CPython processes profiled now");
	fprintf(f, "coldbpf_processes_profiled %u\n", a->targets);
	family(f, om, "coldbpf_processes_skipped", "gauge", "CPython processes seen but not profiled (listed ones)");
	fprintf(f, "coldbpf_processes_skipped %zu\n", p->nskipped + (size_t)p->skipped_unlisted);
	family(f, om, "coldbpf_bpf_seconds_per_sample", "gauge",
	       "mean BPF time of a Python sample (1 in 8 timed, in the program)");
	fprintf(f, "coldbpf_bpf_seconds_per_sample %.9f\n",
		c[CB_STAT_TIMED] ? (double)c[CB_STAT_NS] / c[CB_STAT_TIMED] / 1e9 : 0.0);
	family(f, om, "coldbpf_agent_cpu_seconds_total", "counter", "CPU time of the agent (user and system)");
	fprintf(f, "coldbpf_agent_cpu_seconds_total %.3f\n", a->cpu_s);
	family(f, om, "coldbpf_agent_resident_memory_bytes", "gauge", "resident memory of the agent");
	fprintf(f, "coldbpf_agent_resident_memory_bytes %lu\n", (unsigned long)a->rss_bytes);
	family(f, om, "coldbpf_agent_uptime_seconds", "gauge", "seconds since the agent started sampling");
	fprintf(f, "coldbpf_agent_uptime_seconds %.3f\n", a->uptime_s);
	family(f, om, "coldbpf_scrapes_total", "counter", "/metrics requests answered");
	fprintf(f, "coldbpf_scrapes_total %lu\n", (unsigned long)a->scrapes);
	family(f, om, "coldbpf_program_series_expired_total", "counter",
	       "program series dropped after their program was idle for --program-expiry");
	fprintf(f, "coldbpf_program_series_expired_total %lu\n", (unsigned long)s->expired);
	family(f, om, "coldbpf_program_samples_total", "counter",
	       "Python samples per program (executable and script); program=\"other\": programs beyond "
	       "--max-programs");
	for (size_t i = 0; i < s->n; i++)
		if (s->prog[i].series) {
			metrics__label(s->prog[i].label, LABEL_MAX, label, sizeof(label));
			fprintf(f, "coldbpf_program_samples_total{program=\"%s\"} %lu\n", label,
				(unsigned long)s->prog[i].value[MV_SAMPLES]);
		}
	fprintf(f, "coldbpf_program_samples_total{program=\"other\"} %lu\n", (unsigned long)s->other[MV_SAMPLES]);
	family(f, om, "coldbpf_program_processes", "gauge", "processes of the program profiled now");
	for (size_t i = 0; i < s->n; i++)
		if (s->prog[i].series) {
			metrics__label(s->prog[i].label, LABEL_MAX, label, sizeof(label));
			fprintf(f, "coldbpf_program_processes{program=\"%s\"} %u\n", label, live[i]);
		}
	if (o->usdt)
		usdt_metrics(f, p, s, om);
	top_functions(f, p, o->top, om);
	srcs(f, a, om);
	statefile(f, a->state, om);
	if (a->out_on) {
		counter(f, om, "coldbpf_out_profiles_written", "--out-dir: interval profiles written", a->out_writes);
		counter(f, om, "coldbpf_out_write_errors", "--out-dir: interval profiles that could not be written",
			a->out_errors);
	}
	if (om)
		fputs("# EOF\n", f);
	programs_prune(s);
	free(live);
	if (fclose(f)) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
}
