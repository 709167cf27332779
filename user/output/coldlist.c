// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The list of `coldbpf cold`: text, tsv and json (docs/cold.md). */
#include "output/coldlist.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/evlines.h"
#include "lib/alloc.h"
#include "lib/str.h"

static void totals(const struct deadcode *d, size_t nfun[DC_NR], size_t nlines[DC_NR])
{
	for (size_t i = 0; i < d->n; i++) {
		nfun[d->e[i].status]++;
		nlines[d->e[i].status] += d->e[i].lines;
	}
}

/* A run of never-ran lines inside a function that ran (--lines). */
struct nblock {
	const struct dc_entry *e;
	int first, last, n;
	uint8_t reason;
};

static int by_size(const void *a, const void *b)
{
	const struct nblock *x = a, *y = b;
	int c;

	if (x->n != y->n)
		return y->n - x->n;
	c = strcmp(x->e->path, y->e->path);
	return c ? c : x->first - y->first;
}

/* Never-ran blocks of every entry, biggest first: consecutive lines of a
 * code object (lines without instructions in between are not in it). */
static struct nblock *never_blocks(const struct deadcode *d, size_t *nout)
{
	struct nblock *b = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < d->n; i++) {
		const struct ev_lines *l = d->e[i].linestat;

		for (uint32_t k = 0; l && k < l->nlines;) {
			uint32_t j = k;

			if (l->lines[k].status != EVL_NEVER) {
				k++;
				continue;
			}
			while (j < l->nlines && l->lines[j].status == EVL_NEVER)
				j++;
			ARRAY_RESERVE(b, n, cap, 64);
			b[n++] = (struct nblock){ &d->e[i], l->lines[k].line, l->lines[j - 1].line, (int)(j - k),
						  l->lines[k].reason };
			k = j;
		}
	}
	qsort(b, n, sizeof(*b), by_size);
	*nout = n;
	return b;
}

/* --lines: one row per line of the functions that ran */
static int lines_tsv(const struct deadcode *d, FILE *out)
{
	char q[600], pth[600];

	fprintf(out, "status\tpath\tqualname\tline\treason\n");
	for (size_t i = 0; i < d->n; i++) {
		const struct dc_entry *e = &d->e[i];

		if (!e->linestat)
			continue;
		str__sanitize(e->qualname, q, sizeof(q));
		str__sanitize(e->path, pth, sizeof(pth));
		for (uint32_t k = 0; k < e->linestat->nlines; k++) {
			const struct evl_line *l = &e->linestat->lines[k];

			fprintf(out, "%s\t%s\t%s\t%d\t%s\n", evlines__status_name(l->status), pth, q, l->line,
				evlines__reason_name(l->reason));
		}
	}
	return ferror(out) ? -1 : 0;
}

static void lines_text(const struct deadcode *d, FILE *out)
{
	size_t nb, tot[3] = {};
	struct nblock *b = never_blocks(d, &nb);
	char q[600], pth[600], where[700];

	for (size_t i = 0; i < d->n; i++)
		for (uint32_t k = 0; d->e[i].linestat && k < d->e[i].linestat->nlines; k++)
			tot[d->e[i].linestat->lines[k].status % 3]++;
	fprintf(out, "\nNever-ran lines inside functions that ran, biggest block first:\n");
	for (size_t i = 0; i < nb; i++) {
		str__sanitize(b[i].e->qualname, q, sizeof(q));
		str__sanitize(b[i].e->path, pth, sizeof(pth));
		snprintf(where, sizeof(where), "%s:%d-%d", pth, b[i].first, b[i].last);
		fprintf(out, "  %-40s  %-40s  %s\n", where, q, evlines__reason_name(b[i].reason));
	}
	if (!nb)
		fprintf(out, "  (none)\n");
	fprintf(out, "Lines of functions that ran: %zu ran, %zu never-ran, %zu unknown.\n", tot[EVL_RAN],
		tot[EVL_NEVER], tot[EVL_UNKNOWN]);
	free(b);
}

static json_t *lines_json(const struct ev_lines *l)
{
	json_t *a = json_array();

	for (uint32_t k = 0; k < l->nlines; k++)
		json_array_append_new(a, json_pack("[i,s,s]", l->lines[k].line,
						   evlines__status_name(l->lines[k].status),
						   evlines__reason_name(l->lines[k].reason)));
	return a;
}

static json_t *branches_json(const struct ev_lines *l)
{
	json_t *a = json_array();

	for (uint32_t k = 0; k < l->nbranches; k++)
		json_array_append_new(a, json_pack("{s:i,s:s,s:i}", "line", l->branches[k].line, "never",
						   l->branches[k].side == EVL_JUMP_NEVER ? "jump" : "fall-through",
						   "to", l->branches[k].to));
	return a;
}

int coldlist__tsv(const struct deadcode *d, FILE *out)
{
	char q[600], pth[600];

	if (d->lines)
		return lines_tsv(d, out);

	fprintf(out, "status\tpath\tqualname\tfirst\tlast\tsamples\twhy\n");
	for (size_t i = 0; i < d->n; i++) {
		const struct dc_entry *e = &d->e[i];

		str__sanitize(e->qualname, q, sizeof(q));
		str__sanitize(e->path, pth, sizeof(pth));
		fprintf(out, "%s\t%s\t%s\t%d\t%d\t%llu\t%s\n", dc_status_names[e->status], pth, q, e->first,
			e->last, (unsigned long long)e->samples, dc_why_names[e->why]);
	}
	return ferror(out) ? -1 : 0;
}

int coldlist__json(const struct deadcode *d, FILE *out)
{
	size_t nfun[DC_NR] = {}, nlines[DC_NR] = {};
	json_t *root = json_object(), *arr = json_array(), *tot = json_object(), *errs = json_array();
	json_t *drift = json_array();
	int ret;

	totals(d, nfun, nlines);
	for (size_t i = 0; i < d->n; i++) {
		const struct dc_entry *e = &d->e[i];

		json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:s,s:I}", "status", dc_status_names[e->status],
				      "path", e->path, "qualname", e->qualname, "first", e->first, "last",
				      e->last, "lines", e->lines, "kind", e->kind, "samples",
				      (json_int_t)e->samples);

		if (e->why)	/* why it is unknown */
			json_object_set_new(o, "why", json_string(dc_why_names[e->why]));
		if (e->drifted)	/* matched by name: the running code is another version */
			json_object_set_new(o, "drift", json_true());
		if (e->linestat) {	/* --lines */
			json_object_set_new(o, "line_status", lines_json(e->linestat));
			json_object_set_new(o, "branches", branches_json(e->linestat));
		}
		json_array_append_new(arr, o);
	}
	for (int s = 0; s < DC_NR; s++)
		json_object_set_new(tot, dc_status_names[s], json_pack("{s:I,s:I}", "functions",
									(json_int_t)nfun[s], "lines",
									(json_int_t)nlines[s]));
	for (size_t i = 0; i < d->nerrors; i++)
		json_array_append_new(errs, json_string(d->errors[i]));
	for (size_t i = 0; i < d->ndrift; i++)
		json_array_append_new(drift, json_string(d->drift[i]));
	json_object_set_new(root, "format", json_string("coldbpf-cold"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "root", json_string(d->root));
	json_object_set_new(root, "functions", arr);
	json_object_set_new(root, "totals", tot);
	json_object_set_new(root, "source_errors", errs);
	json_object_set_new(root, "running_not_in_source", drift);
	json_object_set_new(root, "exited_processes", json_integer((json_int_t)d->exits));
	json_object_set_new(root, "exited_unread_processes", json_integer((json_int_t)d->unread_exits));
	json_object_set_new(root, "exited_processes", json_integer((json_int_t)d->exits));
	json_object_set_new(root, "exited_read_at_exit", json_integer((json_int_t)d->exits_read));
	json_object_set_new(root, "exited_not_read_at_exit", json_integer((json_int_t)d->unfinal_exits));
	json_object_set_new(root, "evidence_processes", json_integer((json_int_t)d->window_procs));
	if (d->window > 0 && !d->window_unknown)	/* the youngest process's age at its read */
		json_object_set_new(root, "evidence_window_s", json_real(d->window));
	ret = json_dumpf(root, out, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	fputc('\n', out);
	json_decref(root);
	return ret || ferror(out) ? -1 : 0;
}

int coldlist__text(const struct deadcode *d, FILE *out)
{
	size_t nfun[DC_NR] = {}, nlines[DC_NR] = {}, ndrifted = 0;
	char q[600], pth[600];

	totals(d, nfun, nlines);
	fprintf(out, "%-10s %6s  %-50s %s\n", "STATUS", "LINES", "FUNCTION", "WHERE");
	for (size_t i = 0; i < d->n; i++) {
		const struct dc_entry *e = &d->e[i];
		char where[700];

		str__sanitize(e->qualname, q, sizeof(q));
		str__sanitize(e->path, pth, sizeof(pth));
		snprintf(where, sizeof(where), "%s:%d-%d", pth, e->first, e->last);
		fprintf(out, "%-10s %6d  %-50s %s", dc_status_names[e->status], e->last - e->first + 1, q, where);
		if (e->samples)
			fprintf(out, "  (%llu sample%s)", (unsigned long long)e->samples, e->samples == 1 ? "" : "s");
		if (e->why)
			fprintf(out, "  (%s)", dc_why_names[e->why]);
		if (e->drifted)
			fputs("  (running code of another version)", out);
		fputc('\n', out);
		ndrifted += e->drifted;
	}
	if (ndrifted)
		fprintf(out, "\n%zu function(s) matched by name on other lines: the running code is another version "
			"of %s (a deploy since it started?)\n", ndrifted, d->root);
	for (size_t i = 0; i < d->nerrors; i++) {
		str__sanitize(d->errors[i], pth, sizeof(pth));	/* file names of the tree */
		fprintf(out, "warning: %s\n", pth);
	}
	if (d->ndrift)
		fprintf(out, "\n%zu function(s) in the running code are not in %s (older or newer code):\n",
			d->ndrift, d->root);
	for (size_t i = 0; i < d->ndrift && i < 50; i++) {
		str__sanitize(d->drift[i], q, sizeof(q));
		for (char *t = q; *t; t++)
			if (*t == '\t')
				*t = ' ';
		fprintf(out, "  %s\n", q);
	}
	if (d->lines)
		lines_text(d, out);
	fprintf(out, "\nTotals (own lines, nested definitions counted once):\n");
	for (int s = 0; s < DC_NR; s++)
		fprintf(out, "  %-10s %6zu functions %8zu lines\n", dc_status_names[s], nfun[s], nlines[s]);
	if (d->window_procs && d->window > 0 && !d->window_unknown)
		fprintf(out, "Evidence window: %zu process%s read alive (or merged evidence: a pprof file's, a "
			     "--state-dir state's programs); the shortest observed %.0f s: never-ran means not run "
			     "in those %.0f s%s.\n", d->window_procs, d->window_procs == 1 ? "" : "es",
			d->window, d->window, d->window < 3600 ? " (a short window: `rm` asks for --min-window)" : "");
	else if (d->window_procs)
		fprintf(out, "Evidence window: %zu process%s read alive; how long some had run is not known "
			     "(an older profile).\n", d->window_procs, d->window_procs == 1 ? "" : "es");
	if (nfun[DC_NOT_LOADED])
		fprintf(out, "not-loaded: no profiled process loaded the module; it may run elsewhere "
			     "(`rm` leaves it alone).\n");
	if (d->exits)
		fprintf(out, "%zu profiled process%s exited during the run; %zu %s read at %s exit%s.\n", d->exits,
			d->exits == 1 ? "" : "es", d->exits_read, d->exits_read == 1 ? "was" : "were",
			d->exits_read == 1 ? "its" : "their",
			d->exits_late ? " (some imported modules after their last round: files they had not "
					"loaded then are unknown)" : "");
	if (d->unfinal_exits)
		fprintf(out, "%zu process%s running this tree's code exited after an evidence read but %s not read "
			     "at %s exit: nothing is called never-ran (exited-unread).\n", d->unfinal_exits,
			d->unfinal_exits == 1 ? "" : "es", d->unfinal_exits == 1 ? "was" : "were",
			d->unfinal_exits == 1 ? "its" : "their");
	if (d->unread_exits)
		fprintf(out, "%zu process%s running this tree's code exited before any evidence was read: "
			     "nothing is called never-ran.\n",
			d->unread_exits, d->unread_exits == 1 ? "" : "es");
	return ferror(out) ? -1 : 0;
}
