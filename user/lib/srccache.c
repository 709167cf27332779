// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "lib/srccache.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"
#include "lib/htab.h"
#include "lib/tfile.h"

struct srccache {
	struct srcfile **files;	/* in the order read: the oldest is evicted */
	size_t n, first, max;	/* ring of max slots when bounded */
	size_t max_bytes;
	struct htab idx;	/* hash(name) -> slot + 1 */
};

struct srccache *srccache__new(size_t max_files, size_t max_bytes)
{
	struct srccache *c = xcalloc(1, sizeof(*c));

	c->max = max_files;
	c->max_bytes = max_bytes;
	return c;
}

static void srcfile_free(struct srcfile *f)
{
	if (!f)
		return;
	free(f->name);
	free(f->data);
	free(f->line_off);
	free(f);
}

void srccache__free(struct srccache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		srcfile_free(c->files[i]);
	free(c->files);
	htab__free(&c->idx);
	free(c);
}

struct probe {
	const struct srccache *c;
	const char *name;
};

static bool same_name(uint64_t val, const void *probe)
{
	const struct probe *p = probe;

	return !strcmp(p->c->files[val - 1]->name, p->name);
}

const struct srcfile *srccache__get(struct srccache *c, int pid, const char *name)
{
	struct probe pr = { c, name };
	uint64_t h = hash__str(name, 0x5c), *v = htab__find(&c->idx, h, same_name, &pr);
	struct srcfile *f;
	size_t slot;

	if (v)
		return c->files[*v - 1];
	f = xcalloc(1, sizeof(*f));
	f->name = xstrdup(name);
	f->data = tfile__read(pid, name, c->max_bytes, &f->len);
	if (c->max && c->n == c->max) {
		/* bounded: replace the oldest */
		struct probe old = { c, c->files[c->first]->name };

		slot = c->first;
		htab__remove(&c->idx, hash__str(old.name, 0x5c), same_name, &old);
		srcfile_free(c->files[slot]);
		c->first = (c->first + 1) % c->max;
	} else {
		c->files = xrealloc(c->files, c->n + 1, sizeof(*c->files));
		slot = c->n++;
	}
	c->files[slot] = f;
	htab__add(&c->idx, h, slot + 1);
	return f;
}

static void index_lines(struct srcfile *f)
{
	size_t cap = 0;

	for (size_t o = 0; o < f->len;) {
		const char *nl = memchr(f->data + o, '\n', f->len - o);

		ARRAY_RESERVE(f->line_off, f->nlines, cap, 256);
		f->line_off[f->nlines++] = o;
		o = nl ? (size_t)(nl - f->data) + 1 : f->len;
	}
	if (!f->line_off)
		f->line_off = xcalloc(1, sizeof(size_t));	/* indexed, no lines */
}

int srccache__line(struct srccache *c, int pid, const char *name, int line, char *out, size_t outsz)
{
	struct srcfile *f = (struct srcfile *)srccache__get(c, pid, name);
	const char *text, *end;
	size_t n;

	if (line <= 0 || !f->data || !outsz)
		return -1;
	if (!f->line_off)
		index_lines(f);
	if ((size_t)line > f->nlines)
		return -1;
	text = f->data + f->line_off[line - 1];
	end = (size_t)line < f->nlines ? f->data + f->line_off[line] - 1 : f->data + f->len;
	if (end > text && end[-1] == '\n')
		end--;	/* the last line's newline */
	while (text < end && (*text == ' ' || *text == '\t'))
		text++;
	n = end - text;
	while (n && (text[n - 1] == '\r' || text[n - 1] == ' '))
		n--;
	snprintf(out, outsz, "%.*s", (int)(n < outsz - 1 ? n : outsz - 1), text);
	return 0;
}
