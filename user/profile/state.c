// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Evidence that survives restarts (profile/state.h, docs/serve.md "State").
 * Over 500 lines: the rules that fold a run in, the bounds and the file
 * reader share one set of indexes (programs, functions per program). */
#include "profile/state.h"
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cpython/evidence.h"
#include "lib/alloc.h"
#include "lib/file.h"
#include "lib/msg.h"

#define SEED_FUNC 0x5eed5747u

void state__init(struct state *s)
{
	memset(s, 0, sizeof(*s));
}

static void prog_free(struct state_prog *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->f[i].file);
		free(p->f[i].qualname);
	}
	free(p->f);
	htab__free(&p->idx);
	free(p->name);
	free(p->root);
	free(p->cwd);
	free(p->python);
}

void state__free(struct state *s)
{
	for (size_t i = 0; i < s->n; i++)
		prog_free(&s->p[i]);
	free(s->p);
	state__init(s);
}

size_t state__nfuncs(const struct state *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->p[i].n;
	return n;
}

static bool same_str(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static struct state_prog *prog_of(struct state *s, const char *name, const char *root, bool create)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->p[i].name, name) && same_str(s->p[i].root, root))
			return &s->p[i];
	if (!create)
		return NULL;
	ARRAY_RESERVE(s->p, s->n, s->cap, 8);
	memset(&s->p[s->n], 0, sizeof(s->p[s->n]));
	s->p[s->n].name = xstrdup(name);
	s->p[s->n].root = root && root[0] ? xstrdup(root) : NULL;
	return &s->p[s->n++];
}

static uint64_t func_hash(const char *file, const char *q, int first)
{
	uint64_t h = hash__str(file, SEED_FUNC);

	h = hash__str(q, h);
	return hash__bytes(&first, sizeof(first), h);
}

struct func_probe {
	const struct state_prog *p;
	const char *file, *q;
	int first;
};

static bool func_eq(uint64_t val, const void *probe)
{
	const struct func_probe *fp = probe;
	const struct state_func *f = &fp->p->f[val - 1];

	return f->firstline == fp->first && !strcmp(f->file, fp->file) && !strcmp(f->qualname, fp->q);
}

static struct state_func *func_of(struct state_prog *p, const char *file, const char *q, int first, bool *isnew)
{
	struct func_probe fp = { p, file, q, first };
	uint64_t h = func_hash(file, q, first), *v = htab__find(&p->idx, h, func_eq, &fp);

	*isnew = !v;
	if (v)
		return &p->f[*v - 1];
	ARRAY_RESERVE(p->f, p->n, p->cap, 64);
	memset(&p->f[p->n], 0, sizeof(p->f[p->n]));
	p->f[p->n].file = xstrdup(file);
	p->f[p->n].qualname = xstrdup(q);
	p->f[p->n].firstline = first;
	htab__add(&p->idx, h, ++p->n);
	return &p->f[p->n - 1];
}

static void reindex(struct state_prog *p)
{
	htab__free(&p->idx);
	for (size_t i = 0; i < p->n; i++)
		htab__add(&p->idx, func_hash(p->f[i].file, p->f[i].qualname, p->f[i].firstline), i + 1);
}

double state__observed(const struct state *s, double since, double now)
{
	double t = 0;

	for (size_t i = 0; i < s->niv; i++) {
		double a = s->iv[i].start > since ? s->iv[i].start : since;
		double b = s->iv[i].end < now ? s->iv[i].end : now;
		double len = s->iv[i].end - s->iv[i].start, part;

		if (b <= a || len <= 0)
			continue;
		/* a merged interval holds gaps: count its observed share */
		part = (b - a) * (len - s->iv[i].gaps) / len;
		t += part > 0 ? part : 0;
	}
	return t;
}

double state__observed_total(const struct state *s, double *first)
{
	*first = s->niv ? s->iv[0].start : 0;
	return state__observed(s, 0, INFINITY);
}

/* This run's interval ends now (a new one when the run starts). */
static void extend_interval(struct state *s, double now, double run_start)
{
	if (s->run_start != run_start || !s->niv || s->iv[s->niv - 1].start != run_start) {
		if (s->niv == STATE_MAX_INTERVALS) {
			/* the two oldest become one: the time between them is a gap */
			s->iv[0].gaps += s->iv[1].gaps + (s->iv[1].start > s->iv[0].end ? s->iv[1].start - s->iv[0].end : 0);
			s->iv[0].end = s->iv[1].end;
			memmove(&s->iv[1], &s->iv[2], (s->niv - 2) * sizeof(s->iv[0]));
			s->niv--;
		}
		s->iv[s->niv++] = (struct state_interval){ run_start, now, 0 };
		s->run_start = run_start;
	}
	if (now > s->iv[s->niv - 1].end)
		s->iv[s->niv - 1].end = now;
}

/* Per program of the live profile: the combined status of each function. */
struct live_func {
	uint32_t func;
	uint8_t ran, never, unknown, flags;
};

static void set_str(char **dst, const char *v)
{
	if (v && (!*dst || strcmp(*dst, v))) {
		free(*dst);
		*dst = xstrdup(v);
	}
}

struct file_probe {
	const char *const *files;
	const char *file;
};

static bool file_eq(uint64_t val, const void *probe)
{
	const struct file_probe *fp = probe;

	return !strcmp(fp->files[val - 1], fp->file);
}

/* A process read at its exit that imported modules after its last round
 * (pproc.late) may have loaded and run code of files it had not loaded
 * then: no never-ran claim of those files holds (docs/cold.md, "Soundness"). */
static void late_files(struct state_prog *p, const struct profile *prof, const bool *in)
{
	for (size_t e = 0; e < prof->nevidence; e++) {
		const struct pevidence *ev = &prof->evidence[e];
		const struct pproc *r = &prof->procs[ev->proc];
		const char **files;
		struct htab loaded = {};
		size_t nf = 0;

		if (!in[ev->proc] || !r->late)
			continue;
		files = xcalloc(ev->n + 1, sizeof(*files));
		for (size_t k = 0; k < ev->n; k++) {
			const char *f = prof->funcs[ev->codes[k].func].file;
			struct file_probe fp = { files, f };
			uint64_t h = hash__str(f, SEED_FUNC);

			if (!htab__find(&loaded, h, file_eq, &fp)) {
				files[nf] = f;
				htab__add(&loaded, h, ++nf);
			}
		}
		for (size_t k = 0; k < p->n; k++) {
			struct state_func *f = &p->f[k];
			struct file_probe fp = { files, f->file };

			if (f->status == ST_NEVER && !htab__find(&loaded, hash__str(f->file, SEED_FUNC), file_eq, &fp))
				f->status = ST_UNKNOWN, f->never_since = 0;
		}
		htab__free(&loaded);
		free(files);
	}
}

static void update_prog(struct state *s, const struct profile *prof, const char *name, const char *root,
			const bool *in, double now, double run_start)
{
	struct state_prog *p = prog_of(s, name, root, true);
	struct htab seen = {};
	struct live_func *lf = NULL;
	size_t nlf = 0, caplf = 0;
	uint64_t unclean = 0;

	if (!p->first_seen)
		p->first_seen = now, p->clean_since = run_start;
	p->last_seen = now;
	for (size_t i = 0; i < prof->nprocs; i++) {
		const struct pproc *r = &prof->procs[i];
		bool gone = r->exited || r->folded;

		if (!in[i])
			continue;
		set_str(&p->cwd, r->cwd);
		set_str(&p->python, r->python);
		unclean += r->unread;
		if (gone && profile__has_evidence(prof, i) && !r->final)
			unclean += r->folded ? r->folded : 1;
	}
	if (unclean > p->run_unclean) {
		/* an exit that could have run code unseen: claims restart now */
		p->unclean += unclean - p->run_unclean;
		p->run_unclean = unclean;
		p->clean_since = now;
		for (size_t k = 0; k < p->n; k++)
			if (p->f[k].status == ST_NEVER)
				p->f[k].status = ST_UNKNOWN, p->f[k].never_since = 0;
	}
	for (size_t e = 0; e < prof->nevidence; e++) {
		const struct pevidence *ev = &prof->evidence[e];
		const struct pproc *r = &prof->procs[ev->proc];
		bool gone = r->exited || r->folded, valid_never = !gone || r->final;

		if (!in[ev->proc])
			continue;
		for (size_t k = 0; k < ev->n; k++) {
			const struct pevcode *c = &ev->codes[k];
			bool isnew;
			uint64_t *v = htab__put(&seen, c->func, &isnew);
			struct live_func *l;

			if (isnew) {
				ARRAY_RESERVE(lf, nlf, caplf, 256);
				memset(&lf[nlf], 0, sizeof(lf[nlf]));
				lf[nlf].func = c->func;
				*v = ++nlf;
			}
			l = &lf[*v - 1];
			l->flags |= c->flags;
			l->ran |= c->status == EV_RAN;
			l->never |= c->status == EV_NEVER && valid_never;
			l->unknown |= c->status == EV_UNKNOWN || (c->status == EV_NEVER && !valid_never) ||
				      (ev->partial && c->status != EV_RAN);
		}
	}
	for (size_t k = 0; k < nlf; k++) {
		const struct pfunc *pf = &prof->funcs[lf[k].func];
		bool isnew;
		struct state_func *f = func_of(p, pf->file, pf->qualname, pf->firstline, &isnew);

		if (isnew)
			f->first_seen = now;
		f->last_seen = now;
		f->flags |= lf[k].flags;
		if (lf[k].ran) {
			if (!f->ran_first)
				f->ran_first = now;
			f->ran_last = now;
			f->status = ST_RAN;
			f->never_since = 0;
		} else if (f->status == ST_RAN) {
			continue;	/* ran once is ran */
		} else if (lf[k].unknown || !lf[k].never) {
			f->status = ST_UNKNOWN;
			f->never_since = 0;
		} else if (f->status != ST_NEVER) {
			/* every process alive in this run was read, or its exit
			 * was (else clean_since moved): the claim holds from the
			 * later of the run's start and the last unclean exit */
			f->status = ST_NEVER;
			f->never_since = run_start > p->clean_since ? run_start : p->clean_since;
		}
	}
	late_files(p, prof, in);
	free(lf);
	htab__free(&seen);
}

/* Drop what was not seen for STATE_KEEP_S, then the programs seen longest
 * ago while over the bounds. */
static void bound(struct state *s, double now)
{
	for (size_t i = 0; i < s->n; i++) {
		struct state_prog *p = &s->p[i];
		size_t k = 0;

		for (size_t j = 0; j < p->n; j++) {
			if (now - p->f[j].last_seen > STATE_KEEP_S) {
				free(p->f[j].file);
				free(p->f[j].qualname);
				s->dropped++;
				continue;
			}
			p->f[k++] = p->f[j];
		}
		if (k != p->n) {
			p->n = k;
			reindex(p);
		}
	}
	while (s->n && (s->n > STATE_MAX_PROGRAMS || state__nfuncs(s) > STATE_MAX_FUNCS)) {
		size_t old = 0;

		for (size_t i = 1; i < s->n; i++)
			if (s->p[i].last_seen < s->p[old].last_seen)
				old = i;
		s->dropped += s->p[old].n + 1;
		prog_free(&s->p[old]);
		s->p[old] = s->p[--s->n];
	}
	for (size_t i = 0; i < s->n;) {
		if (now - s->p[i].last_seen > STATE_KEEP_S) {
			prog_free(&s->p[i]);
			s->p[i] = s->p[--s->n];
			s->dropped++;
		} else {
			i++;
		}
	}
}

void state__update(struct state *s, const struct profile *prof, double now, double run_start)
{
	bool *in = xcalloc(prof->nprocs + 1, sizeof(bool)), *done = xcalloc(prof->nprocs + 1, sizeof(bool));
	char (*name)[PROFILE_PROGRAM_MAX] = profile__programs(prof);

	extend_interval(s, now, run_start);
	for (size_t i = 0; i < prof->nprocs; i++) {
		const struct pproc *r = &prof->procs[i];

		if (done[i] || r->unused || r->merged)
			continue;
		memset(in, 0, prof->nprocs);
		for (size_t k = i; k < prof->nprocs; k++) {
			const struct pproc *o = &prof->procs[k];

			if (!done[k] && !o->unused && !o->merged && same_str(o->root, r->root) && !strcmp(name[i], name[k]))
				in[k] = done[k] = true;
		}
		update_prog(s, prof, name[i], r->root, in, now, run_start);
	}
	bound(s, now);
	free(name);
	free(in);
	free(done);
}

/* --- to a profile -------------------------------------------------------- */

void state__to_profile(const struct state *s, struct profile *p, double now)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct state_prog *sp = &s->p[i];
		struct pevcode *codes = xcalloc(sp->n + 1, sizeof(*codes));
		double window = -1;
		uint32_t r;

		r = profile__proc(p, 0, "state", sp->name, sp->python ? sp->python : "?", "state");
		profile__proc_place(p, r, sp->root, sp->cwd);
		for (size_t k = 0; k < sp->n; k++) {
			const struct state_func *f = &sp->f[k];

			codes[k].func = profile__func(p, f->file, f->qualname, f->firstline);
			codes[k].flags = f->flags;
			codes[k].status = f->status == ST_RAN ? EV_RAN : f->status == ST_NEVER ? EV_NEVER : EV_UNKNOWN;
			if (f->status == ST_NEVER) {
				double w = state__observed(s, f->never_since, now);

				if (window < 0 || w < window)
					window = w;
			}
		}
		/* one merged entry: its window is the shortest its never claims
		 * cover (observed time only) */
		p->procs[r].merged = true;
		p->procs[r].alive = 1;
		p->procs[r].evidence_age = window > 0 ? window : state__observed(s, sp->clean_since, now);
		profile__set_evidence(p, r, codes, sp->n);
	}
}

/* --- files --------------------------------------------------------------- */

static json_t *to_json(const struct state *s)
{
	json_t *root = json_object(), *progs = json_array(), *iv = json_array();

	json_object_set_new(root, "format", json_string(STATE_FORMAT_NAME));
	json_object_set_new(root, "version", json_integer(STATE_FORMAT_VERSION));
	json_object_set_new(root, "tool", json_string("coldbpf " COLDBPF_VERSION));
	for (size_t i = 0; i < s->niv; i++)
		json_array_append_new(iv, json_pack("[f,f,f]", s->iv[i].start, s->iv[i].end, s->iv[i].gaps));
	json_object_set_new(root, "observed", iv);
	for (size_t i = 0; i < s->n; i++) {
		const struct state_prog *p = &s->p[i];
		json_t *o = json_pack("{s:s,s:f,s:f,s:f,s:I}", "program", p->name, "first_seen", p->first_seen,
				      "last_seen", p->last_seen, "clean_since", p->clean_since, "unclean_exits",
				      (json_int_t)p->unclean);
		json_t *fs = json_array();

		if (p->root)
			json_object_set_new(o, "root", json_string(p->root));
		if (p->cwd)
			json_object_set_new(o, "cwd", json_string(p->cwd));
		if (p->python)
			json_object_set_new(o, "python", json_string(p->python));
		/* [file, qualname, firstline, status, flags, first_seen, last_seen, ran_first, ran_last, never_since] */
		for (size_t k = 0; k < p->n; k++) {
			const struct state_func *f = &p->f[k];

			json_array_append_new(fs, json_pack("[s,s,i,i,i,f,f,f,f,f]", f->file, f->qualname, f->firstline,
							    f->status, f->flags, f->first_seen, f->last_seen,
							    f->ran_first, f->ran_last, f->never_since));
		}
		json_object_set_new(o, "functions", fs);
		json_array_append_new(progs, o);
	}
	json_object_set_new(root, "programs", progs);
	return root;
}

int state__save(const struct state *s, const char *path)
{
	json_t *root = to_json(s);
	struct outfile *o = file__create(path);
	int r;

	if (!o) {
		json_decref(root);
		return -1;
	}
	r = json_dumpf(root, o->f, JSON_COMPACT);
	json_decref(root);
	if (r || fputc('\n', o->f) == EOF) {
		msg__err("%s: cannot write the state", path);
		file__abort(o);
		return -1;
	}
	return file__commit(o);
}

static bool num_at(json_t *a, size_t i, double lo, double hi, double *out)
{
	json_t *v = json_array_get(a, i);

	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return isfinite(*out) && *out >= lo && *out <= hi;
}

static const char *str_of(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static double real_of(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	double d = json_is_number(v) ? json_number_value(v) : 0;

	return isfinite(d) && d >= 0 && d < 1e11 ? d : 0;
}

int state__from_json(struct state *s, void *json_root, const char *path, char *err, size_t errsz)
{
	json_t *root = json_root, *a, *v;
	const char *fmt;
	size_t i;

	state__free(s);
#define BAD(...)                                         \
	do {                                             \
		snprintf(err, errsz, __VA_ARGS__);       \
		goto fail;                               \
	} while (0)
	if (!json_is_object(root) || !(fmt = str_of(root, "format")) || strcmp(fmt, STATE_FORMAT_NAME))
		BAD("%s: not a coldbpf state file", path);
	if (!json_is_integer(json_object_get(root, "version")) ||
	    json_integer_value(json_object_get(root, "version")) != STATE_FORMAT_VERSION)
		BAD("%s: state format version is not %d", path, STATE_FORMAT_VERSION);
	a = json_object_get(root, "observed");
	if (!json_is_array(a) || json_array_size(a) > STATE_MAX_INTERVALS)
		BAD("%s: \"observed\" missing, not an array or longer than %d", path, STATE_MAX_INTERVALS);
	json_array_foreach(a, i, v) {
		struct state_interval *iv = &s->iv[s->niv];

		if (!json_is_array(v) || !num_at(v, 0, 0, 1e11, &iv->start) || !num_at(v, 1, iv->start, 1e11, &iv->end) ||
		    !num_at(v, 2, 0, iv->end - iv->start, &iv->gaps) || (s->niv && iv->start < s->iv[s->niv - 1].end))
			BAD("%s: observed interval %zu is malformed", path, i);
		s->niv++;
	}
	a = json_object_get(root, "programs");
	if (!json_is_array(a) || json_array_size(a) > STATE_MAX_PROGRAMS)
		BAD("%s: \"programs\" missing, not an array or more than %d", path, STATE_MAX_PROGRAMS);
	json_array_foreach(a, i, v) {
		const char *name = str_of(v, "program");
		json_t *fs = json_object_get(v, "functions"), *f;
		struct state_prog *p;
		size_t k;

		if (!json_is_object(v) || !name || !json_is_array(fs) ||
		    state__nfuncs(s) + json_array_size(fs) > STATE_MAX_FUNCS)
			BAD("%s: program %zu is malformed or over the bounds", path, i);
		if (prog_of(s, name, str_of(v, "root"), false))
			BAD("%s: program %zu is listed twice", path, i);
		p = prog_of(s, name, str_of(v, "root"), true);
		set_str(&p->cwd, str_of(v, "cwd"));
		set_str(&p->python, str_of(v, "python"));
		p->first_seen = real_of(v, "first_seen");
		p->last_seen = real_of(v, "last_seen");
		p->clean_since = real_of(v, "clean_since");
		if (json_is_integer(json_object_get(v, "unclean_exits")) &&
		    json_integer_value(json_object_get(v, "unclean_exits")) >= 0)
			p->unclean = json_integer_value(json_object_get(v, "unclean_exits"));
		json_array_foreach(fs, k, f) {
			json_t *fi = json_array_get(f, 0), *fq = json_array_get(f, 1);
			double first, st, fl, t[5];
			struct state_func *sf;
			bool isnew;

			if (!json_is_array(f) || json_array_size(f) != 10 || !json_is_string(fi) || !json_is_string(fq) ||
			    !num_at(f, 2, -1, INT32_MAX, &first) || first != (int)first || !num_at(f, 3, 0, 2, &st) ||
			    !num_at(f, 4, 0, 255, &fl))
				BAD("%s: program %zu, function %zu is malformed", path, i, k);
			for (int j = 0; j < 5; j++)
				if (!num_at(f, 5 + j, 0, 1e11, &t[j]))
					BAD("%s: program %zu, function %zu is malformed", path, i, k);
			sf = func_of(p, json_string_value(fi), json_string_value(fq), (int)first, &isnew);
			if (!isnew)
				BAD("%s: program %zu, function %zu is listed twice", path, i, k);
			sf->status = (uint8_t)st;
			sf->flags = (uint8_t)fl;
			sf->first_seen = t[0], sf->last_seen = t[1], sf->ran_first = t[2], sf->ran_last = t[3];
			sf->never_since = t[4];
			if (sf->status == ST_NEVER && !sf->never_since)
				BAD("%s: program %zu, function %zu: never-ran without a time", path, i, k);
		}
	}
#undef BAD
	return 0;
fail:
	state__free(s);
	return -1;
}

int state__load(struct state *s, const char *path, char *err, size_t errsz)
{
	json_error_t je;
	json_t *root;
	struct stat st;
	int r;

	state__init(s);
	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;	/* a first run */
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)STATE_MAX_BYTES) {
		snprintf(err, errsz, "%s: not a regular file, or larger than %u MB", path, STATE_MAX_BYTES >> 20);
		return -1;
	}
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errsz, "%s: invalid JSON at line %d: %s", path, je.line, je.text);
		return -1;
	}
	r = state__from_json(s, root, path, err, errsz);
	json_decref(root);
	return r;
}
