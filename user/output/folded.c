// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Collapsed ("folded") stacks: one line per (process, stack), root first,
 * for flamegraph.pl and speedscope. */
#include "output/folded.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"
#include "lib/htab.h"
#include "lib/str.h"

static void fold_name(const char *s, char *out, size_t sz)
{
	str__sanitize(s, out, sz);
	/* ';' separates frames and the last ' ' the count: keep both out of names */
	for (char *c = out; *c; c++)
		if (*c == ';')
			*c = ',';
}

int folded__write(const struct profile *p, FILE *out)
{
	/* identical (process, stack) lines from different threads are merged */
	struct htab idx = {};
	char **lines = NULL;
	uint64_t *counts = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;

	for (size_t i = 0; i < p->nstacks; i++) {
		const struct pstack *s = &p->stacks[i];
		const struct pproc *r = &p->procs[s->proc];
		size_t len = 0, lcap = 256;
		char *line = xcalloc(lcap, 1), part[3200], a[1024], b[1024];
		uint64_t h, *v;

		fold_name(r->comm, a, sizeof(a));
		if (r->folded)	/* exited processes of one program */
			len = snprintf(line, lcap, "%s (exited)", a);
		else
			len = snprintf(line, lcap, "%s (%d)", a, r->pid);
		for (uint32_t d = 0; d <= s->depth; d++) {
			size_t pl;

			if (d == 0 && PF_INTERP(s->flags) && (s->flags & PF_STACK_TRUNCATED))
				snprintf(part, sizeof(part), ";[interp %u];[truncated]", PF_INTERP(s->flags));
			else if (d == 0 && PF_INTERP(s->flags))	/* a subinterpreter's stack */
				snprintf(part, sizeof(part), ";[interp %u]", PF_INTERP(s->flags));
			else if (d == 0 && (s->flags & PF_STACK_TRUNCATED))
				snprintf(part, sizeof(part), ";[truncated]");
			else if (d == 0)
				continue;
			else {
				const struct pframe *f = &s->frames[d - 1];

				fold_name(p->funcs[f->func].qualname, a, sizeof(a));
				fold_name(p->funcs[f->func].file, b, sizeof(b));
				if (profile__is_gc_func(p, f->func))	/* no source */
					snprintf(part, sizeof(part), ";%s", a);
				else if (f->line >= 0)
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
		h = hash__bytes(line, len, 0);
		struct htab_str_probe pr = { lines, line };

		v = htab__find(&idx, h, htab__same_str, &pr);
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
		htab__add(&idx, h, ++n);
	}
	for (size_t i = 0; i < n; i++) {
		if (fprintf(out, "%s %" PRIu64 "\n", lines[i], counts[i]) < 0)
			ret = -1;
		free(lines[i]);
	}
	free(lines);
	free(counts);
	htab__free(&idx);
	if (fflush(out))
		ret = -1;
	return ret;
}
