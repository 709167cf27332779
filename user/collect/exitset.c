// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/exitset.h"
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"
#include "profile/profile.h"

void xset__free(struct xset *s)
{
	free(s->code);
	free(s->probed);
	free(s->codes);
	free(s->comm);
	free(s->cmdline);
	free(s->python);
	free(s->method);
	free(s->root);
	free(s->cwd);
	free(s);
}

char *xset__dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

bool xset__result(const struct xset *s, const struct cb_xevent *ev, struct pevcode **out, bool *late,
			bool changed_only, size_t *nout)
{
	uint32_t *ok;
	struct pevcode *c;
	size_t k = 0;

	*late = false;
	if (!s->complete || ev->n != s->n)
		return false;
	for (uint32_t i = 0; i < s->nguards; i++) {
		bool moved = ((ev->changed[i / 64] | ev->failed[i / 64]) >> (i % 64)) & 1;

		if (moved && s->gkind[i] == EV_G_INSTR)
			return false;	/* monitoring: markers may have been reset */
		*late |= moved;
	}
	ok = xcalloc(s->ncodes + 1, sizeof(*ok));
	c = xcalloc(s->ncodes + 1, sizeof(*c));
	memcpy(c, s->codes, s->ncodes * sizeof(*c));
	for (uint32_t i = s->nguards; i < s->n; i++) {
		uint32_t code = s->code[i - s->nguards];

		if ((ev->changed[i / 64] >> (i % 64)) & 1)
			c[code].status = EV_RAN;
		else if (!((ev->failed[i / 64] >> (i % 64)) & 1))
			ok[code]++;
	}
	for (size_t i = 0; i < s->ncodes; i++) {
		if (c[i].status == EV_NEVER && ok[i] != s->probed[i])
			c[i].status = EV_UNKNOWN;	/* a copy could not be read */
		if (changed_only && (c[i].status != EV_RAN || s->codes[i].status == EV_RAN))
			continue;
		c[k++] = c[i];
	}
	free(ok);
	*out = c;
	*nout = changed_only ? k : s->ncodes;
	return true;
}

