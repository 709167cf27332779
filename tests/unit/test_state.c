// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* serve --state-dir's state (profile/state.h): evidence across runs, its
 * soundness rules, bounds, files. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cpython/evidence.h"
#include "profile/json.h"
#include "profile/load.h"
#include "profile/profile.h"
#include "profile/state.h"
#include "deadcode/deadcode.h"

/* One live process of "python3 /srv/app.py" with evidence: a ran, b and c never. */
static struct profile *live(int pid, uint8_t sa, uint8_t sb, uint8_t sc)
{
	struct profile *p = profile__new();
	uint32_t r = profile__proc(p, pid, "python3", "python3 /srv/app.py --secret", "3.12.1", "Py_Version");
	struct pevcode *c = calloc(3, sizeof(*c));

	c[0] = (struct pevcode){ profile__func(p, "/srv/app.py", "a", 1), sa, EV_C_FUNC };
	c[1] = (struct pevcode){ profile__func(p, "/srv/app.py", "b", 5), sb, EV_C_FUNC };
	c[2] = (struct pevcode){ profile__func(p, "/srv/lib.py", "c", 1), sc, EV_C_FUNC };
	profile__set_evidence(p, r, c, 3);
	p->procs[r].evidence_age = 10;
	return p;
}

static const struct state_func *func(const struct state *s, const char *q)
{
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->p[i].n; k++)
			if (!strcmp(s->p[i].f[k].qualname, q))
				return &s->p[i].f[k];
	return NULL;
}

Test(state, claims_carry_over_runs_and_ran_is_kept)
{
	struct state s;
	struct profile *p1 = live(10, EV_RAN, EV_NEVER, EV_NEVER), *p2 = live(20, EV_NEVER, EV_RAN, EV_NEVER);

	state__init(&s);
	state__update(&s, p1, 1000, 990);
	state__update(&s, p1, 1060, 990);
	cr_assert_eq(s.n, 1, "one program: the executable and script, never the arguments");
	cr_assert_str_eq(s.p[0].name, "python3 /srv/app.py");
	cr_assert_eq(func(&s, "a")->status, ST_RAN);
	cr_assert_eq(func(&s, "b")->status, ST_NEVER);
	cr_assert_eq(func(&s, "b")->never_since, 990, "never since the run began");
	/* a second run after a gap of 140 s: a process that never ran a (its
	 * own markers) cannot undo "ran"; b ran now */
	state__update(&s, p2, 1300, 1200);
	cr_assert_eq(func(&s, "a")->status, ST_RAN);
	cr_assert_eq(func(&s, "b")->status, ST_RAN);
	cr_assert_eq(func(&s, "c")->status, ST_NEVER);
	cr_assert_eq(func(&s, "c")->never_since, 990, "the claim survives the gap");
	cr_assert_float_eq(state__observed(&s, 990, 1300), 70 + 100, 1e-9, "observed time, gaps left out");
	state__free(&s);
	profile__free(p1);
	profile__free(p2);
}

Test(state, unknown_and_unclean_exits_restart_claims)
{
	struct state s;
	struct profile *p = live(10, EV_RAN, EV_NEVER, EV_NEVER), *q = live(10, EV_RAN, EV_UNKNOWN, EV_NEVER);

	state__init(&s);
	state__update(&s, p, 1000, 990);
	state__update(&s, q, 1010, 990);
	cr_assert_eq(func(&s, "b")->status, ST_UNKNOWN, "unknown now: no claim");
	/* a process of the program exited unread */
	p->procs[0].unread = 1;
	state__update(&s, p, 1020, 990);
	cr_assert_eq(func(&s, "c")->status, ST_NEVER);
	cr_assert_eq(func(&s, "c")->never_since, 1020, "an unread exit restarts the window");
	cr_assert_eq(s.p[0].unclean, 1);
	state__update(&s, p, 1030, 990);
	cr_assert_eq(func(&s, "c")->never_since, 1020, "the same exit counts once");
	/* read before its exit, not at it: its never claims do not count */
	profile__exited(q, 0);
	q->procs[0].final = false;
	state__update(&s, q, 1040, 990);
	cr_assert_eq(func(&s, "c")->status, ST_UNKNOWN);
	state__free(&s);
	profile__free(p);
	profile__free(q);
}

Test(state, late_exit_unknowns_files_it_had_not_loaded)
{
	struct state s;
	struct profile *p = live(10, EV_RAN, EV_NEVER, EV_NEVER), *q = profile__new();
	uint32_t r = profile__proc(q, 11, "python3", "python3 /srv/app.py", "3.12.1", "Py_Version");
	struct pevcode *c = calloc(1, sizeof(*c));

	state__init(&s);
	state__update(&s, p, 1000, 990);
	/* another process read at its exit, late, which had loaded app.py only */
	c[0] = (struct pevcode){ profile__func(q, "/srv/app.py", "b", 5), EV_NEVER, EV_C_FUNC };
	profile__set_evidence(q, r, c, 1);
	profile__exited(q, r);
	q->procs[r].final = q->procs[r].late = true;
	state__update(&s, q, 1010, 990);
	cr_assert_eq(func(&s, "b")->status, ST_NEVER, "read at its exit: app.py's claims hold");
	cr_assert_eq(func(&s, "c")->status, ST_UNKNOWN, "lib.py may have been loaded and run after its last round");
	state__free(&s);
	profile__free(p);
	profile__free(q);
}

Test(state, file_round_trip_and_profile_view)
{
	char dir[] = "/tmp/coldbpf-state-XXXXXX", path[256], err[512];
	struct state s, t;
	struct profile *p = live(10, EV_RAN, EV_NEVER, EV_NEVER), *v;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	state__init(&s);
	cr_assert_eq(state__load(&t, path, err, sizeof(err)), 0, "no file: a first run");
	cr_assert_eq(t.n, 0);
	state__update(&s, p, 1000, 990);
	cr_assert_eq(state__save(&s, path), 0);
	cr_assert_eq(state__load(&t, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(t.n, 1);
	cr_assert_eq(func(&t, "b")->status, ST_NEVER);
	cr_assert_eq(func(&t, "b")->never_since, 990);
	cr_assert_eq(t.niv, 1);
	/* `coldbpf cold` reads a state file as a profile: one merged entry */
	v = profile__load(path, err, sizeof(err));
	cr_assert_not_null(v, "%s", err);
	cr_assert_eq(v->nprocs, 1);
	cr_assert(v->procs[0].merged && v->procs[0].alive == 1);
	cr_assert_float_eq(v->procs[0].evidence_age, 10, 1e-9, "the never claims' observed window");
	cr_assert_eq(v->nevidence, 1);
	cr_assert_eq(v->evidence[0].n, 3);
	profile__free(v);
	state__free(&t);
	/* malformed: refused with a message, never half-loaded */
	f = fopen(path, "w");
	fputs("{\"format\":\"coldbpf-state\",\"version\":1,\"observed\":[[5,1,0]],\"programs\":[]}", f);
	fclose(f);
	cr_assert_eq(state__load(&t, path, err, sizeof(err)), -1);
	cr_assert(strstr(err, "observed interval 0"), "%s", err);
	f = fopen(path, "w");
	fputs("{\"format\":\"coldbpf-state\",\"version\":1,\"observed\":[],\"programs\":[{\"program\":\"x\","
	      "\"functions\":[[\"f\",\"q\",1,2,0,0,0,0,0,0]]}]}", f);
	fclose(f);
	cr_assert_eq(state__load(&t, path, err, sizeof(err)), -1, "never-ran without a time");
	cr_assert_null(profile__load(path, err, sizeof(err)));
	unlink(path);
	cr_assert_eq(symlink("/etc/passwd", path), 0);
	cr_assert_eq(state__load(&t, path, err, sizeof(err)), -1, "a symlink is not followed");
	cr_assert_eq(state__save(&s, path), 0, "a planted symlink is replaced, not followed");
	cr_assert_eq(state__load(&t, path, err, sizeof(err)), 0, "%s", err);
	state__free(&t);
	unlink(path);
	rmdir(dir);
	state__free(&s);
	profile__free(p);
}

Test(state, bounds)
{
	struct state s;

	state__init(&s);
	for (int run = 0; run < STATE_MAX_INTERVALS + 10; run++) {
		struct profile *p = live(10, EV_RAN, EV_NEVER, EV_NEVER);

		state__update(&s, p, 1000 + run * 100 + 50, 1000 + run * 100);
		profile__free(p);
	}
	cr_assert_eq(s.niv, STATE_MAX_INTERVALS, "intervals are merged, not grown");
	cr_assert_float_eq(state__observed(&s, 0, INFINITY), (STATE_MAX_INTERVALS + 10) * 50.0, 1e-6,
			   "merging keeps the observed time (gaps are not counted)");
	/* a program not seen for STATE_KEEP_S goes */
	{
		struct profile *p = profile__new();

		state__update(&s, p, 1000 + STATE_KEEP_S + 1e6, 1000 + STATE_KEEP_S + 1e6);
		cr_assert_eq(s.n, 0);
		cr_assert(s.dropped > 0);
		profile__free(p);
	}
	state__free(&s);
}

/* serve decides over its live profile, whose folded processes leave free
 * slots (no strings): the relation of exits to the tree must skip them (a
 * NULL command line crashed serve after 64 exits with --src). */
Test(state, live_decision_over_free_slots)
{
	char dir[] = "/tmp/coldbpf-live-XXXXXX", path[256];
	struct deadcode d = {};
	struct profile *p = profile__new();
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/app.py", dir);
	f = fopen(path, "w");
	fputs("def a():\n    return 1\n\n\ndef b():\n    return 2\n", f);
	fclose(f);
	cr_assert_eq(deadcode__inventory(&d, dir, "python3"), 0);
	for (int i = 0; i < 10; i++) {
		uint32_t r = profile__proc(p, 100 + i, "python3", i < 5 ? "python3 cron.py" : "python3 app.py",
					   "3.12.1", "Py_Version");
		struct pevcode *c = calloc(2, sizeof(*c));

		c[0] = (struct pevcode){ profile__func(p, path, "a", 1), EV_RAN, EV_C_FUNC };
		c[1] = (struct pevcode){ profile__func(p, path, "b", 5), EV_NEVER, EV_C_FUNC };
		profile__set_evidence(p, r, c, 2);
		profile__exited(p, r);
		p->procs[r].final = i != 3;	/* one read before its end: unfinal */
	}
	cr_assert_eq(profile__fold_exited(p, 2), 8);
	cr_assert(p->nfree_procs > 0, "free slots left in the live profile");
	deadcode__decide_profile(&d, p);
	for (size_t k = 0; k < d.n; k++)
		if (!strcmp(d.e[k].qualname, "b"))
			cr_assert_eq(d.e[k].status, DC_UNKNOWN, "an unfinal exit of a program of the tree: no never-ran");
	deadcode__free(&d);
	profile__free(p);
	unlink(path);
	rmdir(dir);
}
