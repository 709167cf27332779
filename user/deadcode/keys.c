// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "deadcode/keys.h"
#include <string.h>
#include "lib/htab.h"

const char *dc_key__last_component(const char *q)
{
	const char *d = strrchr(q, '.');

	return d ? d + 1 : q;
}

static const struct dc_key *fill(struct dc_key *k, enum dc_key_kind kind, const char *path, const char *name,
				 int first)
{
	k->kind = kind;
	k->path = path;
	k->name = name;
	k->first = first;
	return k;
}

const struct dc_key *dc_key__exact(struct dc_key *k, const char *path, const char *qualname, int first)
{
	return fill(k, DC_KEY_EXACT, path, qualname, first);
}

const struct dc_key *dc_key__first(struct dc_key *k, const char *path, int first)
{
	return fill(k, DC_KEY_FIRST, path, NULL, first);
}

const struct dc_key *dc_key__name(struct dc_key *k, const char *path, const char *qualname)
{
	return fill(k, DC_KEY_NAME, path, qualname, 0);
}

const struct dc_key *dc_key__last(struct dc_key *k, const char *path, const char *qualname)
{
	return fill(k, DC_KEY_LAST, path, dc_key__last_component(qualname), 0);
}

uint64_t dc_key__hash(const struct dc_key *k)
{
	uint64_t h = hash__str(k->path, ((uint64_t)k->kind << 32) | (uint32_t)k->first);

	return k->name ? hash__str(k->name, h) : h;
}

bool dc_key__same(uint64_t val, const void *probe)
{
	const struct dc_key_probe *p = probe;
	const struct dc_entry *e = &p->d->e[(val & ~DC_AMBIGUOUS) - 1];

	if (strcmp(e->path, p->k.path))
		return false;
	switch (p->k.kind) {
	case DC_KEY_EXACT:
		return e->first == p->k.first && !strcmp(e->qualname, p->k.name);
	case DC_KEY_FIRST:
		return e->first == p->k.first;
	case DC_KEY_NAME:
		return !strcmp(e->qualname, p->k.name);
	case DC_KEY_LAST:
		return !strcmp(dc_key__last_component(e->qualname), p->k.name);
	}
	return false;
}

struct dc_entry *dc_key__entry(struct deadcode *d, const struct htab *t, const struct dc_key *k)
{
	struct dc_key_probe pr = { d, *k };
	uint64_t *v = htab__find(t, dc_key__hash(k), dc_key__same, &pr);

	return v && !(*v & DC_AMBIGUOUS) ? &d->e[*v - 1] : NULL;
}
