// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Evidence without markers (cpython/evproof.h). */
#include "cpython/evproof.h"
#include <string.h>
#include <stdlib.h>
#include "cpython/pyobj.h"
#include "cpython/walkhost.h"
#include "lib/alloc.h"
#include "lib/mem.h"

/* Validated later by being the address of a code object the round recorded. */
void evproof__function(int pid, const struct pylayout *l, uint64_t a, const uint8_t *chunk, uint64_t have,
			uint64_t o, struct evround_ctx *r)
{
	const struct ev_facts *f = evidence__facts(l->minor);
	uint64_t code = 0, mod = 0, name = 0;
	uint16_t fc, fm, fn, d = l->ft ? PY_FT_HEADER_EXTRA : 0;

	if (!f || o + l->ob_type + 8 > have)
		return;
	/* ev_facts are a default build's offsets; a free-threaded 3.13t's
	 * object fields all sit after its longer header (checked with offsetof
	 * over 3.13t's headers: docs/free-threaded.md) */
	fc = f->func_code + d;
	fm = f->func_module + d;
	fn = f->func_name + d;
	if (!pyobj__live(l, chunk + o))
		return;	/* a freed block */
	if (o + fc + 8 <= have)
		memcpy(&code, chunk + o + fc, 8);
	else if (mem__read(pid, a + o + fc, &code, 8))
		return;
	if (o + fm + 8 <= have)
		memcpy(&mod, chunk + o + fm, 8);
	else if (mem__read(pid, a + o + fm, &mod, 8))
		mod = 0;
	if (o + fn + 8 <= have)
		memcpy(&name, chunk + o + fn, 8);
	else if (mem__read(pid, a + o + fn, &name, 8))
		name = 0;
	if (!code || (code & 7))
		return;
	*htab__put(&r->func_code, code, NULL) = mod & 7 ? 0 : mod;
	if (mod && !(mod & 7) && name && r->nfuncs < EV_MAX_FUNCS) {
		/* its name is compared with its code's at the end of the round */
		ARRAY_RESERVE(r->funcs, r->nfuncs, r->capfuncs, 1024);
		r->funcs[r->nfuncs++] = (struct evfunc){ code, mod, name };
	}
}

#define TP_FLAGS 168		/* PyTypeObject.tp_flags, 3.8-3.15 (+16 free-threaded) */
#define TP_DICT 264		/* PyTypeObject.tp_dict, 3.8-3.15 (+16 free-threaded) */
#define TPFLAGS_HEAPTYPE (1UL << 9)
#define TPFLAGS_TYPE_SUBCLASS (1UL << 31)	/* Include/object.h, 3.8-3.15 */

void evproof__type(int pid, const struct pylayout *l, uint64_t a, const uint8_t *chunk, uint64_t have,
		   uint64_t o, struct evround_ctx *r)
{
	const struct ev_facts *f = evidence__facts(l->minor);
	uint16_t d = l->ft ? PY_FT_HEADER_EXTRA : 0;
	uint16_t hq = f && f->ht_qualname != EV_NO_FIELD ? f->ht_qualname + d : EV_NO_FIELD;
	uint64_t flags = 0, dict = 0, qual = 0;
	uint8_t hdr[TP_DICT + PY_FT_HEADER_EXTRA + 8];

	if (hq == EV_NO_FIELD || r->ntypes >= EV_MAX_TYPES)
		return;
	if (o + sizeof(hdr) <= have)
		memcpy(hdr, chunk + o, sizeof(hdr));
	else if (mem__read(pid, a + o, hdr, sizeof(hdr)))
		return;
	memcpy(&flags, hdr + TP_FLAGS + d, 8);
	memcpy(&dict, hdr + TP_DICT + d, 8);
	if (!pyobj__live(l, hdr) || !(flags & TPFLAGS_HEAPTYPE) || !dict || (dict & 7))
		return;	/* freed, or a static type (no class statement made it) */
	if (o + hq + 8 <= have)
		memcpy(&qual, chunk + o + hq, 8);
	else if (mem__read(pid, a + o + hq, &qual, 8))
		return;
	if (!qual || (qual & 7))
		return;
	ARRAY_RESERVE(r->types, r->ntypes, r->captypes, 256);
	r->types[r->ntypes++] = (struct evtype){ qual, dict };
	if ((flags & TPFLAGS_TYPE_SUBCLASS) && !ev_metas__has(r->metas, a + o))
		ev_metas__add(&r->newmetas, a + o);	/* a metaclass: its classes have it as their type */
}

/* Strings of the target read once per round. */
struct strs {
	struct htab idx;	/* address -> index + 1 into v, 0: unreadable */
	char **v;
	size_t n, cap;
};

static const char *str_of(struct strs *c, int pid, const struct pylayout *l, uint64_t ptr)
{
	uint64_t *v = htab__get(&c->idx, ptr);
	char buf[PYOBJ_MAX_STR + 1];

	if (v)
		return *v ? c->v[*v - 1] : NULL;
	if (!ptr || pyobj__read_str(pid, l, ptr, buf, sizeof(buf))) {
		*htab__put(&c->idx, ptr, NULL) = 0;
		return NULL;
	}
	ARRAY_RESERVE(c->v, c->n, c->cap, 64);
	c->v[c->n++] = xstrdup(buf);
	*htab__put(&c->idx, ptr, NULL) = c->n;
	return c->v[c->n - 1];
}

/* The value of str key name in the dict at addr (a class's __dict__: string
 * keys, not split), or 0. Reads the entries in insertion order and stops at
 * the first match: a class statement stores __module__ first. */
static uint64_t dict_get(int pid, const struct pylayout *l, uint64_t dict, const char *name, struct strs *c)
{
	uint64_t keys = 0, n = 0, entries, esz, koff;
	uint8_t kh[48], ent[24];
	const char *k_str;

	/* ma_keys, after the header, ma_used and the watcher tag (version) */
	if (mem__read(pid, dict + l->ob_type + 24, &keys, 8) || !keys || (keys & 7))
		return 0;
	if (l->minor <= 10) {
		uint64_t size, ix;

		if (mem__read(pid, keys, kh, 40))
			return 0;
		memcpy(&size, kh + 8, 8);	/* dk_size */
		memcpy(&n, kh + 32, 8);		/* dk_nentries */
		if (!size || size > (1u << 20) || (size & (size - 1)) || n > size)
			return 0;
		ix = size <= 0xff ? 1 : size <= 0xffff ? 2 : 4;
		entries = keys + 40 + size * ix;	/* after dk_indices */
		esz = 24;
		koff = 8;			/* {me_hash, me_key, me_value} */
	} else {
		if (mem__read(pid, keys, kh, 32))
			return 0;
		memcpy(&n, kh + 24, 8);		/* dk_nentries */
		if (kh[9] > 22 || n > (1u << 20))	/* dk_log2_index_bytes */
			return 0;
		entries = keys + 32 + (1ULL << kh[9]);
		esz = kh[10] ? 16 : 24;		/* dk_kind: unicode keys {me_key, me_value} */
		koff = kh[10] ? 0 : 8;
	}
	for (uint64_t i = 0; i < n && i < 64; i++) {
		uint64_t k, v;

		if (mem__read(pid, entries + i * esz, ent, esz))
			return 0;
		memcpy(&k, ent + koff, 8);
		memcpy(&v, ent + koff + 8, 8);
		/* keys are interned: every class's "__module__" is one string, read once */
		if (k && (k_str = str_of(c, pid, l, k)) && !strcmp(k_str, name))
			return v;
	}
	return 0;
}

static int on_thread(const struct cb_stack *st, __u64 tstate, int searchable, void *ctx)
{
	struct evround_ctx *r = ctx;

	(void)tstate;
	(void)searchable;
	for (uint32_t i = 0; i < st->depth; i++)
		htab__put(&r->on_stack, st->frames[i].code, NULL);
	return 0;
}

/* Read a guard into s (its value in *val); -1 when it could not be read, or
 * the guards are full (*val is then read alone, or -1 when unreadable). */
static int guard(struct ev_scan *s, int pid, uint64_t addr, uint8_t kind, uint64_t *val)
{
	uint64_t v = 0;
	struct ev_guardp *g;

	*val = 0;
	if (s->nguards >= EV_MAX_GUARDS || mem__read(pid, addr, &v, 8)) {
		s->guards_complete = false;
		if (mem__read(pid, addr, val, 8))
			*val = UINT64_MAX;
		return -1;
	}
	g = &s->guards[s->nguards++];
	g->p = (struct ev_probe){ addr, v, 8 };
	g->kind = kind;
	*val = v;
	return 0;
}

/* sys.modules of the interpreter at interp, as guards: the pointer, and of
 * the dict its size (ma_used), its keys (ma_keys: replaced when it grows)
 * and their entry count (dk_nentries: every insertion raises it). */
static void modules_guards(struct ev_scan *s, int pid, const struct pylayout *l, uint64_t interp)
{
	uint64_t mods, used, keys, n;

	if (!l->interp_modules) {
		s->guards_complete = false;
		return;
	}
	guard(s, pid, interp + l->interp_modules, EV_G_MODULES, &mods);
	if (!mods || (mods & 7))
		return;
	/* ma_used, ma_keys: after the object header (longer when free-threaded) */
	guard(s, pid, mods + l->ob_type + 8, EV_G_MODULES, &used);
	guard(s, pid, mods + l->ob_type + 24, EV_G_MODULES, &keys);
	if (keys && !(keys & 7))
		guard(s, pid, keys + (l->minor <= 10 ? 32 : 24), EV_G_MODULES, &n);
}

/* What a round knows before it reads markers: whether monitoring was ever on
 * (any interpreter's instrumentation version is not 0), which code has a
 * frame on a thread's stack, and the guards of an exit read (read first:
 * what changes after them shows at the exit). */
void evproof__begin(int pid, const struct pylayout *l, struct evround_ctx *r, struct ev_scan *s)
{
	const struct ev_facts *f = evidence__facts(l->minor);
	uint16_t iv = f ? f->interp_instr_version : EV_NO_FIELD;
	uint64_t interp = 0, v;
	int k;

	memset(r, 0, sizeof(*r));
	htab__init(&r->on_stack);
	htab__init(&r->at);
	htab__init(&r->func_code);
	htab__init(&r->code_name);
	r->metas = &s->metas;
	s->nguards = 0;
	s->guards_complete = !mem__read(pid, l->bpf.runtime_addr + l->bpf.rt_interp_head, &interp, 8) && interp;
	for (k = 0; interp && k < 64; k++) {
		if (iv != EV_NO_FIELD) {
			guard(s, pid, interp + iv, EV_G_INSTR, &v);
			if (v)	/* UINT64_MAX when unreadable: assume it was */
				r->flags |= EV_F_MONITORED;
		}
		modules_guards(s, pid, l, interp);
		if (mem__read(pid, interp + l->bpf.interp_next, &interp, 8)) {
			s->guards_complete = false;
			break;
		}
	}
	if (interp)
		s->guards_complete = false;	/* more than 64 interpreters */
	if (walkhost__threads(pid, &l->bpf, CB_MAX_DEPTH, on_thread, r, 0) == -2)
		r->flags |= EV_F_MONITORED;	/* stacks unseen: no claim that a running frame could contradict */
}

/*
 * Function objects seen this round mark their code (EV_C_FUNC) and tell
 * which file a module name stands for (func_module, and the code's
 * co_filename). A live heap type of a module known that way is a class
 * whose body ran (EV_C_CLASS): found by __module__ in its dict, never
 * guessed from a name.
 */
void evproof__end(int pid, const struct pylayout *l, struct ev_scan *s, struct evround_ctx *r)
{
	struct strs st = {};
	struct htab mods = {};	/* hash(module name) -> index + 1 into codes, of a code of it */
	size_t it = 0;
	uint64_t key, *v, *mod;

	while (htab__next(&r->func_code, &it, &key, &mod)) {
		v = htab__get(&r->at, key);
		if (v)
			s->codes[*v - 1].flags |= EV_C_FUNC;
	}
	/* which file a module name stands for: from functions whose name is
	 * their code's own (functools.wraps copies __module__ and __qualname__
	 * onto a wrapper defined in another file) and whose file is real (a
	 * dataclass's generated methods say "<string>"). A module whose
	 * functions name two files stands for none: no class claims there. */
	for (size_t i = 0; r->ntypes && i < r->nfuncs; i++) {
		const struct evfunc *fn = &r->funcs[i];
		uint64_t *cn = htab__get(&r->code_name, fn->code), *m_at;
		const char *m, *file;

		v = htab__get(&r->at, fn->code);
		if (!v || !cn || *cn != fn->name || !(m = str_of(&st, pid, l, fn->module)))
			continue;
		file = s->codes[*v - 1].file;
		if (file[0] == '<')
			continue;
		m_at = htab__put(&mods, hash__str(m, 0x6d6f64), NULL);
		if (!*m_at)
			*m_at = *v;
		else if (*m_at != UINT64_MAX && strcmp(s->codes[*m_at - 1].file, file))
			*m_at = UINT64_MAX;	/* two files: ambiguous */
	}
	for (size_t i = 0; i < r->ntypes; i++) {
		const char *q = str_of(&st, pid, l, r->types[i].qualname), *m;
		uint64_t mp = q ? dict_get(pid, l, r->types[i].dict, "__module__", &st) : 0;
		uint32_t idx;

		if (!mp || !(m = str_of(&st, pid, l, mp)) || !(v = htab__get(&mods, hash__str(m, 0x6d6f64))) ||
		    *v == UINT64_MAX)
			continue;	/* no function of its module seen (or of two files): its file is not known */
		idx = ev_scan__add(s, s->codes[*v - 1].file, q, -1, EV_RAN);
		if (idx != UINT32_MAX)
			s->codes[idx].flags |= EV_C_CLASS;
	}
	for (size_t i = 0; i < st.n; i++)
		free(st.v[i]);
	free(st.v);
	htab__free(&st.idx);
	htab__free(&mods);
	free(r->types);
	htab__free(&r->on_stack);
	htab__free(&r->at);
	htab__free(&r->func_code);
	htab__free(&r->code_name);
	free(r->funcs);
}
