// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * coldbpf html: a self-contained heatmap of a source tree (no script, no
 * network): an index of files with their sample share and never-ran lines,
 * the hottest functions and the never-ran definitions, and a page per file
 * with every line's samples on a colour scale. The stylesheet is
 * output/html.css, embedded at build time.
 */
#include "output/html.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/evlines.h"
#include "lib/alloc.h"
#include "lib/file.h"
#include "lib/msg.h"
#include "lib/str.h"
#include "html_css.h"

static void write_css(FILE *f)
{
	fputs("<style>", f);
	fputs(html_css, f);
	fputs("</style>\n", f);
}

static void html_text(FILE *f, const char *s)
{
	char buf[8192];

	str__sanitize(s, buf, sizeof(buf));
	for (const char *p = buf; *p; p++) {
		switch (*p) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*p, f);
		}
	}
}

/* white -> yellow -> red, by log share of the hottest line */
static void heat_style(uint64_t v, uint64_t max, char *out, size_t sz)
{
	double t;
	int r = 255, g, b;

	if (!v || !max) {
		out[0] = 0;
		return;
	}
	t = log1p((double)v) / log1p((double)max);
	g = t < 0.5 ? 255 : (int)(255 - (t - 0.5) * 2 * 200);
	b = t < 0.5 ? (int)(255 - t * 2 * 255) : 0;
	snprintf(out, sz, " style=\"background:rgb(%d,%d,%d)\"", r, g, b);
}

static void html_name(const char *rel, char *out, size_t sz)
{
	size_t o = 0;

	for (const char *p = rel; *p && o + 6 < sz; p++)
		out[o++] = (isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_') ? *p : '_';
	snprintf(out + o, sz - o, ".html");
}

static int html_file(const struct deadcode *d, const char *outdir, int pi, uint64_t *fsamples, int *dead)
{
	const char *rel = d->paths[pi];
	char path[PATH_MAX * 2], name[512], full[PATH_MAX * 2], heat[64];
	size_t len, nl = 0;
	char *src, **lines = NULL;
	uint8_t *mark;	/* per line: 1 unknown, 2 never-ran, 3 never-ran inside a function that ran (--lines) */
	const struct dc_entry **mine = NULL;
	size_t nmine = 0, next = 0;
	uint64_t max = 0;
	int nlines_never = 0;
	struct outfile *of;
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", d->root, rel);
	src = file__read(full, 16 << 20, &len);
	if (!src)
		return -1;
	lines = file__split_lines(src, &nl);
	mark = xcalloc(nl + 2, 1);
	*fsamples = 0;
	*dead = 0;
	/* this file's definitions, by first line, for the tags */
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->e[i].path, rel)) {
			mine = xrealloc(mine, nmine + 1, sizeof(*mine));
			mine[nmine++] = &d->e[i];
		}
	for (size_t i = 1; i < nmine; i++)
		for (size_t j = i; j > 0 && mine[j - 1]->first > mine[j]->first; j--) {
			const struct dc_entry *t = mine[j];

			mine[j] = mine[j - 1];
			mine[j - 1] = t;
		}
	for (size_t i = 0; i < nmine; i++) {
		const struct dc_entry *e = mine[i];

		if (e->status != DC_NEVER && e->status != DC_UNKNOWN && e->status != DC_NOT_LOADED)
			continue;
		for (int l = e->first; l <= e->last && l <= (int)nl; l++)
			if (mark[l] < (e->status == DC_NEVER ? 2 : 1))
				mark[l] = e->status == DC_NEVER ? 2 : 1;
	}
	for (size_t i = 0; i < nmine; i++)	/* --lines: never-ran lines of functions that ran */
		for (uint32_t k = 0; mine[i]->linestat && k < mine[i]->linestat->nlines; k++) {
			const struct evl_line *ln = &mine[i]->linestat->lines[k];

			if (ln->status == EVL_NEVER && ln->line > 0 && ln->line <= (int)nl && !mark[ln->line])
				mark[ln->line] = 3;
		}
	for (size_t l = 1; l <= nl; l++) {
		uint64_t s = deadcode__line_samples(d, pi, l);

		*fsamples += s;
		nlines_never += mark[l] == 3;
		max = s > max ? s : max;
		*dead += mark[l] == 2;
	}
	html_name(rel, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	of = file__create(path);
	if (!of) {
		free(src);
		free(lines);
		free(mark);
		free(mine);
		return -1;
	}
	f = of->f;
	fputs("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>", f);
	html_text(f, rel);
	fputs("</title>", f);
	write_css(f);
	fputs("</head><body><p><a href=\"index.html\">&larr; all files</a></p><h1>", f);
	html_text(f, rel);
	fprintf(f, "</h1><p>%llu samples on this file's lines; %d lines in definitions that never ran",
		(unsigned long long)*fsamples, *dead);
	if (d->lines)
		fprintf(f, "; %d never-ran lines inside functions that ran", nlines_never);
	fputs(".</p>\n", f);
	fputs("<p class=\"legend\">heat: <span style=\"background:rgb(255,255,127)\"></span> few "
	      "<span style=\"background:rgb(255,55,0)\"></span> most samples &nbsp; "
	      "<span style=\"background:#eee\"></span> never ran &nbsp; "
	      "<span style=\"background:#fde2e2\"></span> line never ran, in a function that ran (--lines) &nbsp; "
	      "<span style=\"background:#f6f6ff\"></span> no evidence</p>\n", f);
	fputs("<table class=\"src\">\n", f);
	for (size_t l = 1; l <= nl; l++) {
		uint64_t s = deadcode__line_samples(d, pi, l), g = deadcode__line_gc_samples(d, pi, l);

		heat_style(s, max, heat, sizeof(heat));
		fprintf(f, "<tr id=\"L%zu\"%s><td class=\"n\">%zu</td><td class=\"s\">", l,
			mark[l] == 2 ? " class=\"dead\"" : mark[l] == 1 ? " class=\"unknown\"" :
			mark[l] == 3 ? " class=\"deadline\"" : "", l);
		if (s)
			fprintf(f, "%llu", (unsigned long long)s);
		if (g)	/* inside the garbage collections this line triggered */
			fprintf(f, "<br><span class=\"gc\" title=\"samples inside garbage collections this line "
				"triggered (a &lt;gc&gt; frame on it)\">%llu in GC</span>", (unsigned long long)g);
		fprintf(f, "</td><td class=\"c\"%s>", heat);
		html_text(f, lines[l - 1]);
		for (; next < nmine && mine[next]->first <= (int)l; next++) {
			const struct dc_entry *e = mine[next];

			if (e->first == (int)l)
				fprintf(f, "<span class=\"tag %s\">%s</span>",
					e->status == DC_NEVER ? "never" :
					e->status == DC_UNKNOWN || e->status == DC_NOT_LOADED ? "unk" : "ran",
					dc_status_names[e->status]);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table></body></html>\n", f);
	free(src);
	free(lines);
	free(mark);
	free(mine);
	return file__commit(of);
}

int html__write(const struct deadcode *d, const char *outdir, size_t *pages)
{
	uint64_t *fs = NULL;
	int *dead = NULL, err = -1;
	char path[PATH_MAX * 2], name[512];
	struct outfile *of = NULL;
	FILE *f = NULL;

	fs = xcalloc(d->npaths + 1, sizeof(*fs));
	dead = xcalloc(d->npaths + 1, sizeof(*dead));
	for (size_t i = 0; i < d->npaths; i++)
		if (html_file(d, outdir, i, &fs[i], &dead[i])) {
			msg__err("cannot write the page of %s", d->paths[i]);
			goto out;
		}
	snprintf(path, sizeof(path), "%s/index.html", outdir);
	of = file__create(path);
	if (!of)
		goto out;
	f = of->f;
	fputs("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>coldbpf heatmap</title>", f);
	write_css(f);
	fputs("</head><body><h1>coldbpf heatmap of ", f);
	html_text(f, d->root);
	fprintf(f, "</h1><p>%llu samples in all", (unsigned long long)d->total_samples);
	if (d->gc_samples)
		fprintf(f, "; %llu (%.1f%%) inside garbage collections (a &lt;gc&gt; frame, --usdt gc), each "
			"counted on the line that triggered it and shown there as \"in GC\"",
			(unsigned long long)d->gc_samples, 100.0 * d->gc_samples / d->total_samples);
	fputs(".</p>\n<h2>Files</h2><table><tr><th>file</th>"
	      "<th>samples</th><th>share</th><th>never-ran lines</th></tr>\n", f);
	for (size_t i = 0; i < d->npaths; i++) {
		html_name(d->paths[i], name, sizeof(name));
		fprintf(f, "<tr class=\"file\"><td><a href=\"%s\">", name);
		html_text(f, d->paths[i]);
		fprintf(f, "</a></td><td>%llu</td><td>%.1f%%</td><td>%d</td></tr>\n", (unsigned long long)fs[i],
			d->total_samples ? 100.0 * fs[i] / d->total_samples : 0.0, dead[i]);
	}
	fputs("</table>\n<h2>Hottest functions</h2><table><tr><th>function</th><th>samples in stacks</th></tr>\n", f);
	{
		/* by samples, at most 30 */
		size_t *order = xcalloc(d->n + 1, sizeof(size_t)), k = 0;

		for (size_t i = 0; i < d->n; i++)
			if (d->e[i].samples)
				order[k++] = i;
		for (size_t i = 1; i < k; i++)
			for (size_t j = i; j > 0 && d->e[order[j - 1]].samples < d->e[order[j]].samples; j--) {
				size_t t = order[j];

				order[j] = order[j - 1];
				order[j - 1] = t;
			}
		for (size_t i = 0; i < k && i < 30; i++) {
			const struct dc_entry *e = &d->e[order[i]];

			html_name(e->path, name, sizeof(name));
			fprintf(f, "<tr><td><a href=\"%s#L%d\">", name, e->first);
			html_text(f, e->path);
			fputs(":", f);
			html_text(f, e->qualname);
			fprintf(f, "</a></td><td>%llu</td></tr>\n", (unsigned long long)e->samples);
		}
		if (!k)
			fputs("<tr><td colspan=\"2\">(no samples: give a profile made with coldbpf -o)</td></tr>\n", f);
		free(order);
	}
	fputs("</table>\n<h2>Never ran</h2><table><tr><th>definition</th><th>lines</th></tr>\n", f);
	for (size_t i = 0; i < d->n; i++) {
		const struct dc_entry *e = &d->e[i];

		if (e->status != DC_NEVER)
			continue;
		html_name(e->path, name, sizeof(name));
		fprintf(f, "<tr><td><a href=\"%s#L%d\">", name, e->first);
		html_text(f, e->path);
		fputs(":", f);
		html_text(f, e->qualname);
		fprintf(f, "</a></td><td>%d</td></tr>\n", e->last - e->first + 1);
	}
	fputs("</table></body></html>\n", f);
	err = file__commit(of);
	of = NULL;
	if (err)
		goto out;
	*pages = d->npaths;
	err = 0;
out:
	file__abort(of);
	free(fs);
	free(dead);
	return err;
}
