// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Code objects seen in processes or profiles, mapped onto inventory
 * entries: by file, exactly (its co_filename, made absolute against the
 * process's working directory, must lie under the source root as the
 * process sees it: the root given, resolved, or with the process's own root
 * directory taken off for a chroot), then exactly by (qualname, first
 * line), then by first line and last name component (3.8-3.10's co_name),
 * then by name alone (the running code is older or newer than the tree:
 * "drift"). Code outside the tree is ignored: never guessed from a name's
 * tail.
 */
#include "deadcode/deadcode.h"
#include "cpython/pylayout.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/classify.h"
#include "cpython/evidence.h"
#include "cpython/evlines.h"
#include "deadcode/ignorefile.h"
#include "deadcode/keys.h"
#include "lib/alloc.h"
#include "lib/clock.h"
#include "lib/msg.h"
#include "lib/procfs.h"
#include "profile/aggregate.h"
#include "profile/load.h"

/* Where a process's file names resolve (struct pproc's root and cwd). */
struct place {
	const char *root;	/* its root directory as the host sees it; NULL: "/" */
	const char *cwd;	/* its working directory as the host sees it; NULL: unknown */
};

/* r without the leading root directory (a chroot's "/srv/app" for the
 * host's "/var/lib/root/srv/app"), or NULL when r is not under it. */
static const char *inside(const char *root, const char *r)
{
	size_t n = root ? strlen(root) : 0;

	if (!n || (n == 1 && root[0] == '/') || strncmp(r, root, n) || r[n] != '/')
		return NULL;
	return r + n;
}

/* A code object's file name as an inventory path, or NULL when outside the tree. */
static const char *rel_path(struct deadcode *d, const char *file, const struct place *pl)
{
	char abs[PATH_MAX * 2];
	const char *roots[4];
	int i;

	if (file[0] == '/')
		snprintf(abs, sizeof(abs), "%s", file);
	else if (pl && pl->cwd && file[0] && file[0] != '<')
		/* relative: to the working directory (as the host sees it) */
		snprintf(abs, sizeof(abs), "%s/%s", pl->cwd, !strncmp(file, "./", 2) ? file + 2 : file);
	else
		return NULL;
	roots[0] = d->root;
	roots[1] = d->root_given;
	roots[2] = pl ? inside(pl->root, d->root) : NULL;
	roots[3] = pl ? inside(pl->root, d->root_given) : NULL;
	for (int k = 0; k < 4; k++) {
		size_t rl = roots[k] ? strlen(roots[k]) : 0;

		if (rl && !strncmp(abs, roots[k], rl) && abs[rl] == '/' &&
		    (i = inventory__path_index(d, abs + rl + 1)) >= 0)
			return d->paths[i];
	}
	return NULL;
}

static struct dc_entry *match_entry(struct deadcode *d, const char *rel, const char *q, int first)
{
	struct dc_key k;
	struct dc_entry *e = dc_key__entry(d, &d->exact, dc_key__exact(&k, rel, q, first));

	if (e)
		return e;
	/* 3.8-3.10 evidence has co_name only: same line, same last component */
	e = dc_key__entry(d, &d->byfirst, dc_key__first(&k, rel, first));
	if (e && !strcmp(dc_key__last_component(e->qualname), dc_key__last_component(q)))
		return e;
	/* version drift: the line moved, the name did not */
	e = dc_key__entry(d, &d->byname, dc_key__name(&k, rel, q));
	if (!e && !strchr(q, '.'))
		e = dc_key__entry(d, &d->bylast, dc_key__last(&k, rel, q));
	if (e)
		e->drifted = true;
	return e;
}

static void add_drift(struct deadcode *d, const char *rel, const char *q, int first)
{
	char buf[1200];
	struct htab_str_probe pr = { d->drift, buf };
	uint64_t h;

	snprintf(buf, sizeof(buf), "%s\t%s\t%d", rel, q, first);
	h = hash__str(buf, 2);
	if (htab__find(&d->drift_idx, h, htab__same_str, &pr))
		return;
	ARRAY_RESERVE(d->drift, d->ndrift, d->capdrift, 16);
	d->drift[d->ndrift++] = xstrdup(buf);
	htab__add(&d->drift_idx, h, d->ndrift);
}

/* n processes read alive, the youngest age seconds after it started (<= 0:
 * unknown); n is 1 but for a pprof file's merged evidence (pproc.merged) */
static void window_of(struct deadcode *d, double age, uint32_t n)
{
	if (!n)
		return;
	d->window_procs += n;
	if (age <= 0)
		d->window_unknown = true;
	else if (d->window < 0 || age < d->window)
		d->window = age;
}

/* exited: the evidence comes from a process that exited during the run,
 * after its last evidence round: what it said never ran may have run since */
/* Lines of one copy into the entry: merged (ran anywhere is ran; never-ran
 * needs every copy that ran it to say so, and to have the line: copies in
 * two processes may be two versions of the code). A copy in a process that
 * exited after its read says nothing never-ran any more. */
static void apply_lines(struct dc_entry *e, const struct ev_lines *lines, bool exited)
{
	struct ev_lines *l = exited ? evlines__weaken(lines, EVL_R_EXITED) : evlines__dup(lines), *m;

	if (!l)
		return;
	if (!e->linestat) {
		e->linestat = l;
		return;
	}
	m = evlines__merge_strict(e->linestat, l);
	free(l);
	if (m) {
		free(e->linestat);
		e->linestat = m;
	}
}

static void apply_code(struct deadcode *d, const char *file, const struct place *pl, const char *q, int first,
		       uint8_t status, uint8_t flags, bool exited, uint64_t samples, const struct ev_lines *lines)
{
	const char *rel = rel_path(d, file, pl);
	struct dc_entry *e;

	if (!rel)
		return;
	d->in_tree++;
	d->imported[inventory__path_index(d, rel)] = true;
	if (exited)
		d->imported_exited[inventory__path_index(d, rel)] = true;
	if (!strcmp(q, "<module>") || strstr(q, "<listcomp>") || strstr(q, "<setcomp>") ||
	    strstr(q, "<dictcomp>"))
		return;	/* not inventory entries (docs/cold.md) */
	if (flags & EV_C_CLASS) {
		/* a live class of this file: its body ran, and so did the body
		 * around it (by name: a class object carries no first line) */
		struct dc_key k;

		e = dc_key__entry(d, &d->byname, dc_key__name(&k, rel, q));
		if (e && !strcmp(e->kind, "class")) {
			e->matched = true;
			e->ran = true;
			e->has_func = true;
		}
		return;
	}
	e = match_entry(d, rel, q, first);
	if (!e && d->ig && (ignorefile__ignores_key(d->ig, rel, q) ||
			    (!strchr(q, '.') && ignorefile__ignores_name(d->ig, rel, q))))
		return;	/* ignored on purpose, not drift */
	if (!e) {
		add_drift(d, rel, q, first);
		return;
	}
	e->matched = true;
	e->ran |= status == EV_RAN;
	e->never |= status == EV_NEVER && !exited;
	e->exited_unread |= status == EV_NEVER && exited;
	e->unknown |= status == EV_UNKNOWN && !samples;	/* (samples are applied as EV_UNKNOWN) */
	e->has_func |= !!(flags & EV_C_FUNC);
	e->samples += samples;
	if (lines && d->lines && !e->drifted)	/* drift: the tree's lines are not the code's */
		apply_lines(e, lines, exited);
	else if (!samples && status != EV_NEVER && d->lines)
		e->lines_weak = true;	/* a copy that ran, or may have, without line evidence */
}

int match__pid(struct deadcode *d, struct classifier *cl, int pid, bool quiet)
{
	struct pyproc_info info;
	char why[320], root[PATH_MAX], cwd[PATH_MAX];
	struct place pl;
	struct ev_scan sc;
	double t0;

	if (classifier__classify(cl, pid, &info, why, sizeof(why)) != CL_PYTHON) {
		if (!quiet)
			msg__err("%s", why);
		return quiet ? 0 : -1;
	}
	if (info.layout.future) {
		/* newer than tested: no evidence, and it may run any code */
		msg__err("note: PID %d runs CPython %s, newer than coldbpf was tested with, which gives no "
			 "evidence: nothing is called never-ran", pid, info.layout.version);
		d->incomplete = true;
		d->sources++;
		return 0;
	}
	t0 = clock__now();
	if ((d->lines ? evidence__scan_lines : evidence__scan)(pid, &info.layout, &sc, why, sizeof(why))) {
		msg__err("PID %d: %s", pid, why);
		return quiet ? 0 : -1;
	}
	msg__dbg("PID %d: evidence scan %.3f s", pid, clock__now() - t0);
	procfs__link(pid, "root", root, sizeof(root));
	procfs__link(pid, "cwd", cwd, sizeof(cwd));
	pl.root = root[0] ? root : NULL;
	pl.cwd = cwd[0] ? cwd : NULL;
	window_of(d, procfs__age(info.starttime), 1);
	for (size_t i = 0; i < sc.n; i++)
		apply_code(d, sc.codes[i].file, &pl, sc.codes[i].qualname, sc.codes[i].firstline, sc.codes[i].status,
			   sc.codes[i].flags, false, 0, sc.codes[i].lines);
	if (sc.partial) {
		d->partial = true;
		if (info.layout.ft)
			msg__err("note: PID %d: free-threaded CPython %s leaves no execution markers: only code seen "
				 "running (on a stack, or by a live function or class) is called ran, none never-ran "
				 "or not-loaded (docs/free-threaded.md)", pid, info.layout.version);
		else
			msg__err("note: PID %d: some code objects were not read (swapped-out memory, or more than %d): "
				 "a module without code seen is not called never-ran", pid, EV_MAX_CODES);
	}
	msg__dbg("PID %d: %.1f MB read, %.1f MB not resident skipped", pid, sc.bytes_read / 1048576.0,
		 sc.bytes_skipped / 1048576.0);
	if (!procfs__alive(pid, info.starttime))
		msg__err("note: PID %d exited during the scan: its evidence may be partial", pid);
	msg__dbg("PID %d (CPython %s): %zu code objects, %" PRIu64 " bytes read", pid, info.layout.version, sc.n,
		 sc.bytes_read);
	ev_scan__free(&sc);
	d->sources++;
	return 0;
}

/* tree[proc]: the process runs code of the tree (its evidence, or its samples). */
static void runs_tree(struct deadcode *d, const struct profile *p, bool *tree)
{
	for (size_t i = 0; i < p->nevidence; i++) {
		const struct pproc *r = &p->procs[p->evidence[i].proc];
		const struct place pl = { r->root, r->cwd };

		for (size_t k = 0; k < p->evidence[i].n && !tree[p->evidence[i].proc]; k++)
			tree[p->evidence[i].proc] = !!rel_path(d, p->funcs[p->evidence[i].codes[k].func].file, &pl);
	}
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct pstack *st = &p->stacks[i];
		const struct place pl = { p->procs[st->proc].root, p->procs[st->proc].cwd };

		for (uint32_t k = 0; k < st->depth && !tree[st->proc]; k++)
			tree[st->proc] = !!rel_path(d, p->funcs[st->frames[k].func].file, &pl);
	}
}

/*
 * Processes that exited before any evidence round read them may have loaded
 * and run any code; so may those read by a round but not at their exit
 * (collect/exitread.c), after their last round. Those of a program that runs
 * code of the tree (a gunicorn worker replaced by a reload, beside its
 * master and the new workers), or that were sampled in the tree, leave
 * nothing never-ran (docs/cold.md, "Soundness" 5). Others (a cron job of
 * another program) say nothing about this tree.
 */
static bool *related_procs(struct deadcode *d, const struct profile *p)
{
	char (*prog)[512];
	bool *tree, *rel, any = false;

	for (size_t i = 0; i < p->nprocs; i++)
		any |= !p->procs[i].unused && (p->procs[i].unread > 0 || p->procs[i].late ||
					       ((p->procs[i].exited || p->procs[i].folded) && !p->procs[i].final));
	if (!any)
		return NULL;	/* the common case: no pass over every code and stack */
	tree = xcalloc(p->nprocs + 1, sizeof(bool));
	rel = xcalloc(p->nprocs + 1, sizeof(bool));
	prog = xcalloc(p->nprocs + 1, sizeof(*prog));
	runs_tree(d, p, tree);
	for (size_t i = 0; i < p->nprocs; i++)	/* a free slot (a live profile's) has no strings */
		if (!p->procs[i].unused)
			profile__program(p->procs[i].cmdline, prog[i], sizeof(prog[i]));
	for (size_t i = 0; i < p->nprocs; i++) {
		rel[i] = tree[i];
		for (size_t k = 0; k < p->nprocs && !rel[i] && !p->procs[i].unused; k++)
			rel[i] = tree[k] && !p->procs[k].unused && !strcmp(prog[i], prog[k]);
	}
	free(prog);
	free(tree);
	return rel;
}

static void unread_exits(struct deadcode *d, const struct profile *p, const bool *related)
{
	for (size_t i = 0; related && i < p->nprocs; i++) {
		const struct pproc *r = &p->procs[i];
		bool unfinal = (r->exited || r->folded) && !r->final && !r->unused && profile__has_evidence(p, i);

		if (!related[i])
			continue;
		d->unread_exits += r->unread;
		d->unfinal_exits += unfinal ? (r->folded ? r->folded : 1) : 0;
	}
}

int match__profile(struct deadcode *d, const char *path)
{
	char err[512];
	struct profile *p = profile__load(path, err, sizeof(err));

	if (!p) {
		msg__err("%s", err);
		return -1;
	}
	match__profile_data(d, p, path);
	profile__free(p);
	return 0;
}

void match__profile_data(struct deadcode *d, const struct profile *p, const char *path)
{
	size_t before = d->in_tree, nfs;
	struct func_stat *fs;
	uint32_t *fproc;
	bool *related;

	related = related_procs(d, p);
	for (size_t i = 0; i < p->nevidence; i++) {
		const struct pproc *r = &p->procs[p->evidence[i].proc];
		const struct place pl = { r->root, r->cwd };
		/* a process that exited (or exited ones folded together) had its
		 * evidence read before it exited, not after its last chance to
		 * run, unless it was read at its exit (final) */
		bool gone = r->exited || r->folded, exited = gone && !r->final;
		/* late: only a process of a program that runs the tree's code (as for unread exits) */
		bool *mine = r->late && related && related[p->evidence[i].proc] ? xcalloc(d->npaths + 1, sizeof(bool))
									       : NULL;

		d->partial |= p->evidence[i].partial;
		if (r->python && *r->python && r->python[strlen(r->python) - 1] == 't' && !d->ft_noted) {
			/* "3.13.15t": a free-threaded build, positive evidence only */
			d->ft_noted = true;
			msg__err("note: free-threaded CPython %s (PID %d) leaves no execution markers: only code seen "
				 "running is called ran, none never-ran or not-loaded (docs/free-threaded.md)",
				 r->python, r->pid);
		}
		d->exits += gone ? (r->folded ? r->folded : 1) : 0;
		d->exits_read += gone && r->final ? (r->folded ? r->folded : 1) : 0;
		d->exits_late += gone && r->final && r->late;
		if (!gone)
			window_of(d, r->evidence_age, r->merged ? r->alive : 1);
		for (size_t k = 0; k < p->evidence[i].n; k++) {
			const struct pevcode *c = &p->evidence[i].codes[k];
			const struct pfunc *f = &p->funcs[c->func];
			const char *rel;

			apply_code(d, f->file, &pl, f->qualname, f->firstline, c->status, c->flags, exited, 0, c->lines);
			if (mine && (rel = rel_path(d, f->file, &pl)))
				mine[inventory__path_index(d, rel)] = true;
		}
		/* read at its exit, but it imported modules after its last round:
		 * files it had not loaded then may have been loaded and run */
		for (size_t k = 0; mine && k < d->npaths; k++)
			d->late[k] |= !mine[k];
		free(mine);
	}
	unread_exits(d, p, related);
	free(related);
	/* samples: every function in a stack (total), counted once per stack */
	fs = profile__func_stats(p, &nfs);
	/* a process that sampled each function: where its file name resolves */
	fproc = xcalloc(p->nfuncs + 1, sizeof(*fproc));
	/* leaf samples per source line, for the HTML heatmap */
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct pstack *st = &p->stacks[i];
		const struct place pl = { p->procs[st->proc].root, p->procs[st->proc].cwd };
		const struct pframe *leaf;
		const char *rel;
		bool gc;

		for (uint32_t k = 0; k < st->depth; k++)
			if (!fproc[st->frames[k].func])
				fproc[st->frames[k].func] = st->proc + 1;
		d->total_samples += st->count;
		if (!st->depth)
			continue;
		leaf = &st->frames[st->depth - 1];
		/* a collection's samples go on the line that triggered it */
		gc = profile__is_gc_func(p, leaf->func);
		if (gc)
			d->gc_samples += st->count;
		if (gc && st->depth > 1)
			leaf--;
		rel = rel_path(d, p->funcs[leaf->func].file, &pl);
		if (rel && leaf->line > 0) {
			uint64_t key = ((uint64_t)inventory__path_index(d, rel) << 32) | (uint32_t)leaf->line;

			*htab__put(&d->line_samples, key, NULL) += st->count;
			if (gc)
				*htab__put(&d->line_gc, key, NULL) += st->count;
		}
	}
	for (size_t i = 0; i < nfs; i++) {
		const struct pproc *r = fproc[fs[i].func] ? &p->procs[fproc[fs[i].func] - 1] : NULL;
		const struct place pl = { r ? r->root : NULL, r ? r->cwd : NULL };

		apply_code(d, p->funcs[fs[i].func].file, &pl, p->funcs[fs[i].func].qualname,
			   p->funcs[fs[i].func].firstline, EV_UNKNOWN, 0, false, fs[i].total, NULL);
	}
	free(fs);
	free(fproc);
	bool untested = false;

	for (size_t i = 0; i < p->nprocs && !untested; i++)
		if (!p->procs[i].unused && p->procs[i].method &&
		    !strcmp(p->procs[i].method, PYLAYOUT_METHOD_FUTURE) && !profile__has_evidence(p, i)) {
			/* newer than tested: no opcode table reads its code objects,
			 * so it may have run any code unsampled (docs/cold.md) */
			untested = true;
			if (path)
				msg__err("note: %s: PID %d ran CPython %.24s, newer than coldbpf was tested with, "
					 "which gives no evidence: nothing is called never-ran", path,
					 p->procs[i].pid, p->procs[i].python ? p->procs[i].python : "?");
			d->incomplete = true;
		}
	if (!p->nevidence && p->nprocs && !untested) {
		d->incomplete = true;
		if (path)
			msg__err("note: %s was recorded without --evidence: its processes may have run any code, "
				 "so nothing is called never-ran", path);
	}
	else if (untested)
		;
	else if (!p->nevidence && !p->nstacks && path)
		msg__err("note: %s holds no evidence and no samples", path);
	else if (d->in_tree == before && path)
		msg__err("note: no code in %s comes from %s: a profile of another source tree?", path, d->root);
	d->sources++;
}
