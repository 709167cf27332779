// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/usdtcalls.h"
#include <bpf/bpf.h>
#include <stdlib.h>
#include "collect/targets.h"
#include "cpython/elfinfo.h"
#include "cpython/symtab.h"
#include "lib/alloc.h"
#include "lib/htab.h"
#include "profile/profile.h"
#include "profile/pusdt.h"
#include "usdtprobe.h"

int usdtcalls__status(const struct target *t)
{
	int minor = t->info.layout.minor;

	if (!(t->info.markers & (1u << PYM_FUNCTION_ENTRY)))
		return PC_NO_MARKER;
	/* 3.11 fires it only where _PyEval_EvalFrameDefault is entered from C
	 * (Python-to-Python calls are inlined there), 3.12-3.14 nowhere:
	 * counts would be a small, arbitrary share (docs/usdt.md "Calls") */
	if (minor >= 11 && minor <= 14)
		return PC_NO_FIRE;
	return PC_COUNTED;
}

static struct pusdt *counted(struct targets *tg, struct profile *prof, int pid, struct target **out)
{
	struct target *t = targets__of(tg, pid);
	struct pusdt *u;

	if (!t || !t->sym)
		return NULL;
	u = prof->procs[t->proc].usdt;
	if (!u || u->calls_status != PC_COUNTED)
		return NULL;
	*out = t;
	return u;
}

void usdtcalls__read(int fd, struct targets *tg, struct profile *prof, uint32_t epoch, int only_pid, bool del)
{
	struct cb_call_key k, next, *keys = NULL;
	size_t n = 0, cap = 0;
	struct htab cleared;
	int err;

	if (fd < 0)
		return;
	htab__init(&cleared);
	for (err = bpf_map_get_next_key(fd, NULL, &next); !err; err = bpf_map_get_next_key(fd, &k, &next)) {
		struct pusdt *u;
		struct target *t;
		uint64_t v;
		bool isnew;

		k = next;
		if ((only_pid > 0 && (int)k.tgid != only_pid) || bpf_map_lookup_elem(fd, &k, &v))
			continue;
		u = counted(tg, prof, k.tgid, &t);
		if (del || !u) {	/* retired; or a straggler of a process gone */
			ARRAY_RESERVE(keys, n, cap, 64);
			keys[n++] = k;
		}
		if (!u)
			continue;
		htab__put(&cleared, k.tgid, &isnew);
		if (isnew)
			pusdt__clear_calls(u);	/* counts only grow: rebuilt from the map */
		{
			const struct codeinfo *ci = symtab__resolve(t->sym, k.code, epoch);

			pusdt__add_calls(u, ci->valid ? ci->func : profile__func(prof, "<unknown>", "<unknown>", 0), v);
		}
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &keys[i]);
	free(keys);
	htab__free(&cleared);
}
