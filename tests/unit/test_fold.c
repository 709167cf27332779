// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Exited processes folded per program: nothing a user reads changes but the
 * process list; slots are reused; files round-trip. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cpython/evidence.h"
#include "profile/aggregate.h"
#include "profile/json.h"
#include "profile/profile.h"

static void expect_program(const char *cmdline, const char *want)
{
	char out[256];

	profile__program(cmdline, out, sizeof(out));
	cr_expect_str_eq(out, want, "program of '%s'", cmdline);
}

Test(fold, program_of_a_command_line)
{
	expect_program("/usr/bin/python3.11 /srv/app.py --port 80 secret", "/usr/bin/python3.11 /srv/app.py");
	expect_program("python3 -u -B app.py x", "python3 app.py");
	expect_program("python3 -c import os; print(1)", "python3 -c");
	expect_program("python3 -uc pass", "python3 -c");
	expect_program("python3 -m http.server 8000", "python3 -m http.server");
	expect_program("python3 -mhttp.server 8000", "python3 -m http.server");
	expect_program("python3 -Bm pip install x", "python3 -m pip");
	expect_program("python3 -W ignore script.py a", "python3 script.py");
	expect_program("python3 -Wignore script.py a", "python3 script.py");
	expect_program("python3 -X dev -X importtime s.py", "python3 s.py");
	expect_program("python3 --check-hash-based-pycs never s.py", "python3 s.py");
	expect_program("python3 -- -weird.py", "python3 -weird.py");
	expect_program("python3 - < in", "python3 -");
	expect_program("python3", "python3");
	expect_program("python3 -i", "python3");
	expect_program("", "");
	expect_program("python3 -m", "python3 -m ");
}

static uint64_t self_of(const struct profile *p, uint32_t func)
{
	size_t n;
	struct func_stat *fs = profile__func_stats(p, &n);
	uint64_t self = 0;

	for (size_t i = 0; i < n; i++)
		if (fs[i].func == func)
			self = fs[i].self;
	free(fs);
	return self;
}

static bool has_code(const struct profile *p, uint32_t proc, uint32_t func, uint8_t status)
{
	for (size_t i = 0; i < p->nevidence; i++)
		if (p->evidence[i].proc == proc)
			for (size_t k = 0; k < p->evidence[i].n; k++)
				if (p->evidence[i].codes[k].func == func && p->evidence[i].codes[k].status == status)
					return true;
	return false;
}

static void set_ev(struct profile *p, uint32_t proc, uint32_t func, uint8_t status)
{
	struct pevcode *c = calloc(1, sizeof(*c));

	c->func = func;
	c->status = status;
	profile__set_evidence(p, proc, c, 1);
}

Test(fold, oldest_exited_fold_per_program_and_nothing_else_changes)
{
	struct profile *p = profile__new();
	uint32_t f = profile__func(p, "/a.py", "f", 1), g = profile__func(p, "/a.py", "g", 5);
	struct pframe sf[] = { { f, 2 } }, sg[] = { { f, 2 }, { g, 6 } };
	uint32_t pr[6];

	/* 0..3: "python3 a.py" with other arguments, 4: another program, 5 stays alive */
	for (int i = 0; i < 6; i++) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), i == 4 ? "python3 b.py %d" : "python3 a.py --n %d", i);
		pr[i] = profile__proc(p, 100 + i, "python3", cmd, "3.11.2", "Py_Version");
		profile__add(p, pr[i], 1000 + i, sf, 1, 0, 10 + i);
		profile__add(p, pr[i], 2000 + i, sg, 2, 0, 1);
	}
	set_ev(p, pr[0], g, EV_RAN);
	set_ev(p, pr[1], g, EV_NEVER);
	set_ev(p, pr[2], f, EV_RAN);
	for (int i = 0; i < 5; i++)
		profile__exited(p, pr[i]);
	profile__exited(p, pr[0]);	/* twice: keeps its first place */
	uint64_t total = profile__total(p), fself = self_of(p, f), gself = self_of(p, g);

	cr_assert_eq(profile__fold_exited(p, 5), 0, "within the limit: nothing folds");
	cr_assert_eq(profile__fold_exited(p, 1), 4, "the 4 oldest exits fold, the newest (4) stays");
	cr_assert_eq(profile__total(p), total);
	cr_assert_eq(self_of(p, f), fself);
	cr_assert_eq(self_of(p, g), gself);
	cr_assert_eq(p->stats.counters[CTR_PROCS_FOLDED], 4);

	uint32_t agg = UINT32_MAX;
	size_t used = 0;

	for (size_t i = 0; i < p->nprocs; i++) {
		if (p->procs[i].unused)
			continue;
		used++;
		if (p->procs[i].folded) {
			cr_assert_eq(agg, UINT32_MAX, "one entry for one program");
			agg = i;
		}
	}
	cr_assert_neq(agg, UINT32_MAX);
	cr_assert_eq(used, 3, "the entry, process 4 and the live process 5");
	cr_assert_eq(p->procs[agg].folded, 4);
	cr_assert_eq(p->procs[agg].pid, 0);
	cr_assert_str_eq(p->procs[agg].cmdline, "python3 a.py", "arguments are not kept");
	cr_assert_eq(p->procs[agg].samples, 10 + 11 + 12 + 13 + 4);
	cr_assert(p->procs[agg].exited);
	cr_assert_eq(p->procs[pr[5]].samples, 16, "a live process is untouched");
	cr_assert_eq(p->procs[pr[4]].samples, 15);
	for (size_t i = 0; i < p->nstacks; i++) {
		cr_assert(!p->procs[p->stacks[i].proc].unused, "no stack of a freed slot");
		if (p->stacks[i].proc == agg)
			cr_assert_eq(p->stacks[i].tid, 0, "threads of folded processes merge");
	}
	/* 2 stacks for the entry, 2 each for processes 4 and 5 */
	cr_assert_eq(p->nstacks, 6);
	cr_assert(has_code(p, agg, g, EV_RAN));
	cr_assert(has_code(p, agg, g, EV_NEVER), "the union keeps both statuses, as matching does");
	cr_assert(has_code(p, agg, f, EV_RAN));
	cr_assert_eq(p->nevidence, 1);

	/* the merged stacks are still found by the index */
	profile__add(p, agg, 0, sf, 1, 0, 1);
	cr_assert_eq(p->nstacks, 6);

	/* a freed slot is reused */
	size_t nprocs = p->nprocs;
	uint32_t nw = profile__proc(p, 999, "python3", "python3 c.py", "3.11.2", "x");

	cr_assert_lt(nw, nprocs);
	cr_assert_eq(p->nprocs, nprocs);
	cr_assert(!p->procs[nw].unused);

	/* compacted, saved, loaded: same totals, the entry survives */
	char path[] = "/tmp/coldbpf-unit-XXXXXX", err[256];
	int fd = mkstemp(path);
	struct profile *q;

	cr_assert_geq(fd, 0);
	close(fd);
	profile__compact(p);
	cr_assert_eq(p->nprocs, 4);
	cr_assert_eq(profile__total(p), total + 1);
	cr_assert_eq(profile__save_json(p, path, err, sizeof(err)), 0, "%s", err);
	q = profile__load_json(path, err, sizeof(err));
	cr_assert_not_null(q, "%s", err);
	cr_assert_eq(q->nprocs, 4);
	cr_assert_eq(q->nstacks, p->nstacks);
	cr_assert_eq(profile__total(q), total + 1);
	for (size_t i = 0; i < q->nprocs; i++) {
		cr_assert_eq(q->procs[i].folded, p->procs[i].folded);
		cr_assert_eq(q->procs[i].samples, p->procs[i].samples);
	}
	cr_assert_eq(q->nevidence, 1);
	unlink(path);
	profile__free(q);
	profile__free(p);
}

/* Random churn: the per-function sums and the total never change, the
 * number of slots stays bounded, the index stays right. */
Test(fold, churn_model)
{
	struct profile *p = profile__new();
	uint32_t funcs[8], live[16];
	size_t nlive = 0;
	uint64_t want_total = 0, want_self[8] = {};

	srand(7);
	for (int i = 0; i < 8; i++)
		funcs[i] = profile__func(p, "/m.py", (char[]){ 'a' + i, 0 }, i + 1);
	for (int step = 0; step < 20000; step++) {
		int op = rand() % 10;

		if (nlive < 16 && (op < 3 || !nlive)) {
			char cmd[64];

			snprintf(cmd, sizeof(cmd), "python3 prog%d.py %d", rand() % 5, step);
			live[nlive++] = profile__proc(p, step + 1, "python3", cmd, rand() % 2 ? "3.11.2" : "3.12.1", "");
		} else if (op < 5) {
			size_t k = rand() % nlive;

			profile__exited(p, live[k]);
			live[k] = live[--nlive];
			profile__fold_exited(p, 4);
		} else {
			struct pframe fr[3];
			uint32_t depth = 1 + rand() % 3, c = 1 + rand() % 3;

			for (uint32_t d = 0; d < depth; d++)
				fr[d] = (struct pframe){ funcs[rand() % 8], rand() % 3 };
			profile__add(p, live[rand() % nlive], rand() % 3, fr, depth, 0, c);
			want_total += c;
			want_self[fr[depth - 1].func] += c;
		}
	}
	cr_assert_leq(p->nprocs, 16 + 4 + 10, "live + kept + programs x versions, got %zu", p->nprocs);
	cr_assert_eq(profile__total(p), want_total);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(self_of(p, funcs[i]), want_self[funcs[i]]);
	/* no two stacks with one key: re-adding any stack merges */
	for (size_t i = 0; i < p->nstacks; i++) {
		size_t before = p->nstacks;
		struct pstack s = p->stacks[i];

		profile__add(p, s.proc, s.tid, s.frames, s.depth, s.flags, 1);
		cr_assert_eq(p->nstacks, before, "stack %zu is not found by its key", i);
	}
	profile__compact(p);
	for (size_t i = 0; i < p->nstacks; i++) {
		struct pstack s = p->stacks[i];

		profile__add(p, s.proc, s.tid, s.frames, s.depth, s.flags, 1);
	}
	cr_assert_eq(profile__total(p), want_total + 2 * p->nstacks);
	profile__free(p);
}
