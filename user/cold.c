// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * coldbpf cold: which functions under a source tree never ran (docs/cold.md).
 *
 * inventory (user/inventory.py, run with the machine's python3)
 *   x evidence (user/evidence.c, from live processes or saved profiles)
 *   x samples (saved profiles)
 *   -> one status per function: ran, sampled, never-ran, unknown.
 */
#include "cold.h"
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "evidence.h"
#include "ignorefile.h"
#include "procs.h"
#include "profile_json.h"
#include "report.h"
#include "util.h"
#include "inventory_py.h"

enum cstatus { CS_RAN, CS_SAMPLED, CS_NEVER, CS_UNKNOWN, CS_NR };
static const char *const cs_names[CS_NR] = { "ran", "sampled", "never-ran", "unknown" };

struct entry {
	char *path;	/* relative to the source root */
	char *qualname;
	int first, last, lines;	/* lines: own lines, nested definitions excluded */
	char kind[12];
	/* accumulated over every evidence source */
	bool ran, never, matched;
	bool drifted;		/* matched by name only: the running code's lines differ */
	uint64_t samples;
	enum cstatus status;
};

/* One code object seen in a process, mapped into the tree. */
struct seen {
	const char *rel;	/* inventory path, or NULL when outside the tree */
	const char *qualname;
	int first;
	uint8_t status;
	uint64_t samples;
};

struct cold {
	char root[PATH_MAX];
	struct entry *e;
	size_t n, cap;
	char **errors;
	size_t nerrors;
	char **paths;		/* distinct inventory paths */
	size_t npaths;
	bool *imported;		/* per path: some process has code from it */
	struct u64map path_idx;	/* hash(path) -> index + 1 */
	struct u64map exact;	/* hash(path, qualname, first) -> entry + 1 */
	struct u64map byfirst;	/* hash(path, first) -> entry + 1 (first wins) */
	struct u64map byname;	/* hash(path, qualname) -> entry + 1, or 0 if ambiguous */
	struct u64map bylast;	/* hash(path, last name component) -> entry + 1, or 0 */
	char **drift;		/* running code with no inventory entry */
	size_t ndrift, capdrift;
	int sources;		/* evidence sources used */
	const struct ignorefile *ig;
	size_t in_tree;		/* code objects that mapped into the tree (per source) */
	struct u64map line_samples;	/* (path index << 32 | line) -> leaf samples */
	uint64_t total_samples;
};

static uint64_t _h3(const char *a, const char *b, int n)
{
	uint64_t h = hash_bytes(a, strlen(a), (uint64_t)(uint32_t)n);

	return b ? hash_bytes(b, strlen(b), h) : h;
}

static const char *_last_component(const char *q)
{
	const char *d = strrchr(q, '.');

	return d ? d + 1 : q;
}

static void _index_put(struct u64map *m, uint64_t h, size_t idx, bool unique)
{
	bool isnew;
	uint64_t *v = u64map__put(m, h, &isnew);

	if (isnew)
		*v = idx + 1;
	else if (unique)
		*v = 0;	/* ambiguous: never used for a drift match */
}

static int _path_index(struct cold *c, const char *path)
{
	uint64_t *v = u64map__get(&c->path_idx, hash_bytes(path, strlen(path), 1));

	return v ? (int)*v - 1 : -1;
}

static void _add_entry(struct cold *c, json_t *o)
{
	struct entry *e;
	const char *path = json_string_value(json_object_get(o, "path"));
	const char *q = json_string_value(json_object_get(o, "qualname"));
	const char *kind = json_string_value(json_object_get(o, "kind"));

	if (!path || !q || !kind)
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->e = xrealloc(c->e, c->cap, sizeof(*c->e));
	}
	e = &c->e[c->n];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	e->qualname = xstrdup(q);
	e->first = json_integer_value(json_object_get(o, "first"));
	e->last = json_integer_value(json_object_get(o, "last"));
	e->lines = json_integer_value(json_object_get(o, "lines"));
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	if (_path_index(c, path) < 0) {
		c->paths = xrealloc(c->paths, c->npaths + 1, sizeof(char *));
		c->paths[c->npaths++] = e->path;
		*u64map__put(&c->path_idx, hash_bytes(path, strlen(path), 1), NULL) = c->npaths;
	}
	_index_put(&c->exact, _h3(path, q, e->first), c->n, false);
	_index_put(&c->byfirst, _h3(path, NULL, e->first), c->n, false);
	_index_put(&c->byname, _h3(path, q, -7), c->n, true);
	_index_put(&c->bylast, _h3(path, _last_component(q), -9), c->n, true);
	c->n++;
}

/* Run the inventory helper; 0 or -1 after a message. */
static int _inventory(struct cold *c, const char *python, const struct ignorefile *ig)
{
	int pfd[2], status;
	pid_t pid;
	FILE *f;
	char *line = NULL, *globs;
	size_t cap = 0;
	bool done = false;

	globs = ignorefile__globs_json(ig);
	if (pipe(pfd)) {
		cb_err("pipe: %s", strerror(errno));
		free(globs);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		/* -I: no user site, no PYTHON* variables, no cwd on sys.path */
		execlp(python, python, "-I", "-c", inventory_py, c->root, globs, (char *)NULL);
		fprintf(stderr, "coldbpf: cannot run %s for the source inventory: %s\n", python, strerror(errno));
		_exit(127);
	}
	free(globs);
	close(pfd[1]);
	if (pid < 0) {
		cb_err("fork: %s", strerror(errno));
		close(pfd[0]);
		return -1;
	}
	f = fdopen(pfd[0], "r");
	while (f && getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);

		if (!o)
			continue;
		if (json_object_get(o, "done")) {
			done = true;
		} else if (json_object_get(o, "error")) {
			char buf[1024];

			snprintf(buf, sizeof(buf), "%s: %s", json_string_value(json_object_get(o, "error")),
				 json_string_value(json_object_get(o, "message")) ?: "?");
			c->errors = xrealloc(c->errors, c->nerrors + 1, sizeof(char *));
			c->errors[c->nerrors++] = xstrdup(buf);
		} else if (!ignorefile__ignores_key(ig, json_string_value(json_object_get(o, "path")),
						   json_string_value(json_object_get(o, "qualname")))) {
			_add_entry(c, o);
		}
		json_decref(o);
	}
	free(line);
	if (f)
		fclose(f);
	waitpid(pid, &status, 0);
	if (!done) {
		cb_err("the source inventory (%s) failed%s", python,
		       WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "" : ": python3 3.8+ is needed");
		return -1;
	}
	return 0;
}

/* Map a code object's file name to an inventory path: under the root, or the
 * longest path suffix that names an inventory file (deployed elsewhere). */
static const char *_rel(struct cold *c, const char *file)
{
	size_t rl = strlen(c->root);
	int i;

	if (!strncmp(file, c->root, rl) && file[rl] == '/' && (i = _path_index(c, file + rl + 1)) >= 0)
		return c->paths[i];
	/* "/srv/app/pkg/mod.py", "app/pkg/mod.py", "pkg/mod.py", "mod.py": longest first */
	for (const char *p = file; p && *p;) {
		if ((i = _path_index(c, p)) >= 0)
			return c->paths[i];
		p = strchr(p, '/');
		if (p)
			p++;
	}
	return NULL;
}

static struct entry *_match(struct cold *c, const char *rel, const char *q, int first)
{
	uint64_t *v = u64map__get(&c->exact, _h3(rel, q, first));

	if (v && *v)
		return &c->e[*v - 1];
	/* 3.8-3.10 evidence has co_name only: same line, same last component */
	v = u64map__get(&c->byfirst, _h3(rel, NULL, first));
	if (v && *v && !strcmp(_last_component(c->e[*v - 1].qualname), _last_component(q)))
		return &c->e[*v - 1];
	/* version drift: the line moved, the name did not */
	v = u64map__get(&c->byname, _h3(rel, q, -7));
	if (!(v && *v) && !strchr(q, '.'))
		v = u64map__get(&c->bylast, _h3(rel, q, -9));
	if (v && *v) {
		c->e[*v - 1].drifted = true;
		return &c->e[*v - 1];
	}
	return NULL;
}

static void _apply(struct cold *c, const char *file, const char *q, int first, uint8_t status,
		   uint64_t samples)
{
	const char *rel = _rel(c, file);
	struct entry *e;
	char buf[1200];

	if (!rel)
		return;
	c->in_tree++;
	c->imported[_path_index(c, rel)] = true;
	if (!strcmp(q, "<module>") || strstr(q, "<listcomp>") || strstr(q, "<setcomp>") ||
	    strstr(q, "<dictcomp>"))
		return;	/* not inventory entries (docs/cold.md) */
	e = _match(c, rel, q, first);
	if (!e && c->ig && (ignorefile__ignores_key(c->ig, rel, q) ||
			    (!strchr(q, '.') && ignorefile__ignores_name(c->ig, rel, q))))
		return;	/* ignored on purpose, not drift */
	if (!e) {
		snprintf(buf, sizeof(buf), "%s\t%s\t%d", rel, q, first);
		for (size_t i = 0; i < c->ndrift; i++)
			if (!strcmp(c->drift[i], buf))
				return;
		if (c->ndrift == c->capdrift) {
			c->capdrift = c->capdrift ? c->capdrift * 2 : 16;
			c->drift = xrealloc(c->drift, c->capdrift, sizeof(char *));
		}
		c->drift[c->ndrift++] = xstrdup(buf);
		return;
	}
	e->matched = true;
	e->ran |= status == EV_RAN;
	e->never |= status == EV_NEVER;
	e->samples += samples;
}

static int _from_pid(struct cold *c, struct discovery *d, int pid, bool quiet)
{
	struct pyproc_info info;
	struct ev_scan sc;
	char why[320];

	if (discovery__classify(d, pid, &info, why, sizeof(why)) != CL_PYTHON) {
		if (!quiet)
			cb_err("%s", why);
		return quiet ? 0 : -1;
	}
	if (evidence__scan(pid, &info.layout, &sc, why, sizeof(why))) {
		cb_err("PID %d: %s", pid, why);
		return quiet ? 0 : -1;
	}
	for (size_t i = 0; i < sc.n; i++)
		_apply(c, sc.codes[i].file, sc.codes[i].qualname, sc.codes[i].firstline, sc.codes[i].status, 0);
	if (!proc_alive(pid, info.starttime))
		cb_err("note: PID %d exited during the scan: its evidence may be partial", pid);
	cb_dbg("PID %d (CPython %s): %zu code objects, %llu bytes read", pid, info.layout.version, sc.n,
	       (unsigned long long)sc.bytes_read);
	ev_scan__free(&sc);
	c->sources++;
	return 0;
}

static int _from_profile(struct cold *c, const char *path)
{
	char err[512];
	struct profile *p = profile__load_json(path, err, sizeof(err));
	size_t before = c->in_tree, nfs;
	struct func_stat *fs;

	if (!p) {
		cb_err("%s", err);
		return -1;
	}
	for (size_t i = 0; i < p->nevidence; i++)
		for (size_t k = 0; k < p->evidence[i].n; k++) {
			const struct pfunc *f = &p->funcs[p->evidence[i].codes[k].func];

			_apply(c, f->file, f->qualname, f->firstline, p->evidence[i].codes[k].status, 0);
		}
	/* samples: every function in a stack (total), counted once per stack */
	fs = report__func_stats(p, &nfs);
	/* leaf samples per source line, for the HTML heatmap */
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct pstack *st = &p->stacks[i];
		const struct pframe *leaf;
		const char *rel;

		c->total_samples += st->count;
		if (!st->depth)
			continue;
		leaf = &st->frames[st->depth - 1];
		rel = _rel(c, p->funcs[leaf->func].file);
		if (rel && leaf->line > 0)
			*u64map__put(&c->line_samples, ((uint64_t)_path_index(c, rel) << 32) | (uint32_t)leaf->line,
				     NULL) += st->count;
	}
	for (size_t i = 0; i < nfs; i++)
		_apply(c, p->funcs[fs[i].func].file, p->funcs[fs[i].func].qualname, p->funcs[fs[i].func].firstline,
		       EV_UNKNOWN, fs[i].total);
	free(fs);
	if (!p->nevidence && !p->nstacks)
		cb_err("note: %s holds no evidence and no samples", path);
	else if (c->in_tree == before)
		cb_err("note: no code in %s comes from %s: a profile of another source tree?", path, c->root);
	profile__free(p);
	c->sources++;
	return 0;
}

static void _decide(struct cold *c)
{
	/* A class body's code object is freed once it has run, but the code
	 * objects of its methods live only because it ran: a live code object
	 * nested in a class proves the class body ran. */
	for (size_t i = 0; i < c->n; i++) {
		size_t ql = strlen(c->e[i].qualname);

		if (strcmp(c->e[i].kind, "class") || c->e[i].ran)
			continue;
		for (size_t k = 0; k < c->n; k++)
			if (k != i && c->e[k].matched && !strcmp(c->e[k].path, c->e[i].path) &&
			    !strncmp(c->e[k].qualname, c->e[i].qualname, ql) && c->e[k].qualname[ql] == '.') {
				c->e[i].ran = true;
				break;
			}
	}
	for (size_t i = 0; i < c->n; i++) {
		struct entry *e = &c->e[i];

		if (e->ran)
			e->status = CS_RAN;
		else if (e->samples)
			e->status = CS_SAMPLED;
		else if (e->never)
			e->status = CS_NEVER;
		else if (!c->imported[_path_index(c, e->path)])
			e->status = CS_NEVER;	/* no profiled process imported its module */
		else
			e->status = CS_UNKNOWN;
	}
}

static int _cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int sx = x->last - x->first, sy = y->last - y->first, c;

	/* dead first, biggest first; then unknown, sampled, ran */
	static const int order[CS_NR] = { [CS_NEVER] = 0, [CS_UNKNOWN] = 1, [CS_SAMPLED] = 2, [CS_RAN] = 3 };

	if (order[x->status] != order[y->status])
		return order[x->status] - order[y->status];
	if (sx != sy)
		return sy - sx;
	c = strcmp(x->path, y->path);
	return c ? c : x->first - y->first;
}

static void _print(struct cold *c, const char *format, FILE *out)
{
	size_t nfun[CS_NR] = {}, nlines[CS_NR] = {};
	char q[600], pth[600];

	for (size_t i = 0; i < c->n; i++) {
		nfun[c->e[i].status]++;
		nlines[c->e[i].status] += c->e[i].lines;
	}
	if (!strcmp(format, "tsv")) {
		fprintf(out, "status\tpath\tqualname\tfirst\tlast\tsamples\n");
		for (size_t i = 0; i < c->n; i++) {
			const struct entry *e = &c->e[i];

			sanitize_text(e->qualname, q, sizeof(q));
			sanitize_text(e->path, pth, sizeof(pth));
			fprintf(out, "%s\t%s\t%s\t%d\t%d\t%llu\n", cs_names[e->status], pth, q, e->first,
				e->last, (unsigned long long)e->samples);
		}
		return;
	}
	if (!strcmp(format, "json")) {
		json_t *root = json_object(), *arr = json_array(), *tot = json_object(), *errs = json_array();
		json_t *drift = json_array();

		for (size_t i = 0; i < c->n; i++) {
			const struct entry *e = &c->e[i];

			json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:s,s:I}", "status",
							     cs_names[e->status], "path", e->path,
							     "qualname", e->qualname, "first", e->first,
							     "last", e->last, "lines", e->lines, "kind",
							     e->kind, "samples", (json_int_t)e->samples));
		}
		for (int s = 0; s < CS_NR; s++)
			json_object_set_new(tot, cs_names[s], json_pack("{s:I,s:I}", "functions",
									(json_int_t)nfun[s], "lines",
									(json_int_t)nlines[s]));
		for (size_t i = 0; i < c->nerrors; i++)
			json_array_append_new(errs, json_string(c->errors[i]));
		for (size_t i = 0; i < c->ndrift; i++)
			json_array_append_new(drift, json_string(c->drift[i]));
		json_object_set_new(root, "format", json_string("coldbpf-cold"));
		json_object_set_new(root, "version", json_integer(1));
		json_object_set_new(root, "root", json_string(c->root));
		json_object_set_new(root, "functions", arr);
		json_object_set_new(root, "totals", tot);
		json_object_set_new(root, "source_errors", errs);
		json_object_set_new(root, "running_not_in_source", drift);
		json_dumpf(root, out, JSON_INDENT(1) | JSON_ENSURE_ASCII);
		fputc('\n', out);
		json_decref(root);
		return;
	}
	fprintf(out, "%-10s %6s  %-50s %s\n", "STATUS", "LINES", "FUNCTION", "WHERE");
	for (size_t i = 0; i < c->n; i++) {
		const struct entry *e = &c->e[i];
		char where[700];

		sanitize_text(e->qualname, q, sizeof(q));
		sanitize_text(e->path, pth, sizeof(pth));
		snprintf(where, sizeof(where), "%s:%d-%d", pth, e->first, e->last);
		fprintf(out, "%-10s %6d  %-50s %s", cs_names[e->status], e->last - e->first + 1, q, where);
		if (e->samples)
			fprintf(out, "  (%llu sample%s)", (unsigned long long)e->samples, e->samples == 1 ? "" : "s");
		fputc('\n', out);
	}
	for (size_t i = 0; i < c->nerrors; i++)
		fprintf(out, "warning: %s\n", c->errors[i]);
	if (c->ndrift)
		fprintf(out, "\n%zu function(s) in the running code are not in %s (older or newer code):\n",
			c->ndrift, c->root);
	for (size_t i = 0; i < c->ndrift && i < 50; i++) {
		sanitize_text(c->drift[i], q, sizeof(q));
		for (char *t = q; *t; t++)
			if (*t == '\t')
				*t = ' ';
		fprintf(out, "  %s\n", q);
	}
	fprintf(out, "\nTotals (own lines, nested definitions counted once):\n");
	for (int s = 0; s < CS_NR; s++)
		fprintf(out, "  %-10s %6zu functions %8zu lines\n", cs_names[s], nfun[s], nlines[s]);
}

static const char cold_usage[] =
"Usage: coldbpf cold --src DIR (--all-python | -p PID[,PID...] | PROFILE.json...)\n"
"                    [--format text|tsv|json] [-o FILE] [--python PYTHON]\n"
"\n"
"List every function, method, lambda, generator expression and class body under\n"
"DIR with whether it ran: 'ran' (exact evidence from CPython's code objects),\n"
"'sampled' (seen in samples), 'never-ran' (exact evidence it has not run since the\n"
"process started, or its module was never imported), 'unknown' (no evidence:\n"
"never reported as dead). Several processes and profiles combine: ran anywhere\n"
"means ran. Live processes need root (CAP_SYS_PTRACE); they are only read.\n"
"\n"
"  --src DIR         the source tree (its .coldbpf-ignore is honoured)\n"
"  -a, --all-python  every CPython process on the machine\n"
"  -p PID[,PID]      these processes\n"
"  PROFILE.json      profiles saved by `coldbpf ... -o` (evidence and samples)\n"
"  --format F        text (default), tsv or json\n"
"  -o FILE           write there instead of stdout\n"
"  --python PYTHON   interpreter for the source inventory (default python3, 3.8+)\n"
"\n"
"Examples:\n"
"  sudo coldbpf cold --src ./app --all-python\n"
"  sudo coldbpf cold --src ./app -p 1234 --format tsv -o cold.tsv\n"
"  coldbpf cold --src ./app host1.json host2.json\n";

struct cold_args {
	const char *src, *format, *output, *python, *pids, *key;
	bool all;
	char **profiles;
	int nprofiles;
};

static void _cold_free(struct cold *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->e[i].path);
		free(c->e[i].qualname);
	}
	for (size_t i = 0; i < c->nerrors; i++)
		free(c->errors[i]);
	for (size_t i = 0; i < c->ndrift; i++)
		free(c->drift[i]);
	free(c->e);
	free(c->errors);
	free(c->drift);
	free(c->paths);
	free(c->imported);
	u64map__free(&c->path_idx);
	u64map__free(&c->exact);
	u64map__free(&c->byfirst);
	u64map__free(&c->byname);
	u64map__free(&c->bylast);
	u64map__free(&c->line_samples);
}

/* Inventory, evidence, decision: shared by cold and rm. 0 or -1 after a message. */
static int _collect(struct cold *c, const struct cold_args *ca)
{
	struct ignorefile *ig;
	struct discovery *d = NULL;
	int err = -1;

	u64map__init(&c->path_idx);
	u64map__init(&c->exact);
	u64map__init(&c->byfirst);
	u64map__init(&c->byname);
	u64map__init(&c->bylast);
	u64map__init(&c->line_samples);
	if (!realpath(ca->src, c->root)) {
		cb_err("--src %s: %s", ca->src, strerror(errno));
		return -1;
	}
	ig = ignorefile__load(c->root);
	if (!ig)
		return -1;
	c->ig = ig;
	if (_inventory(c, ca->python, ig))
		goto out;
	c->imported = xcalloc(c->npaths + 1, sizeof(bool));
	if (ca->all || ca->pids) {
		if (geteuid() != 0 && access("/proc/1/mem", R_OK)) {
			cb_err("reading other processes needs root (CAP_SYS_PTRACE): sudo coldbpf ...");
			goto out;
		}
		d = discovery__new();
	}
	if (ca->all) {
		DIR *dir = opendir("/proc");
		struct dirent *de;

		while (dir && (de = readdir(dir))) {
			long pid;

			if (!parse_long(de->d_name, 1, INT32_MAX, &pid) && pid != getpid())
				_from_pid(c, d, pid, true);
		}
		if (dir)
			closedir(dir);
	} else if (ca->pids) {
		char *copy = xstrdup(ca->pids), *tok, *save = NULL;

		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			long pid;

			if (parse_long(tok, 1, INT32_MAX, &pid)) {
				cb_err("invalid PID '%s'", tok);
				free(copy);
				goto out;
			}
			if (_from_pid(c, d, pid, false)) {
				free(copy);
				goto out;
			}
		}
		free(copy);
	} else {
		for (int i = 0; i < ca->nprofiles; i++)
			if (_from_profile(c, ca->profiles[i]))
				goto out;
	}
	if (!c->sources) {
		cb_err("no CPython process to read evidence from");
		goto out;
	}
	_decide(c);
	err = 0;
out:
	c->ig = NULL;
	discovery__free(d);
	ignorefile__free(ig);
	return err;
}

/* Options common to cold and rm; returns 0, 1 (exit 0: --help) or -1. */
static int _parse(int argc, char **argv, struct cold_args *ca, const char *usage, bool want_key)
{
	static const struct option opts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "all-python", no_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "python", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{},
	};
	int opt;

	ca->format = "text";
	ca->python = "python3";
	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:ap:f:o:P:hv", opts, NULL)) != -1) {
		switch (opt) {
		case 's': ca->src = optarg; break;
		case 'a': ca->all = true; break;
		case 'p': ca->pids = optarg; break;
		case 'f': ca->format = optarg; break;
		case 'o': ca->output = optarg; break;
		case 'P': ca->python = optarg; break;
		case 'v': cb_verbose++; break;
		case 'h': fputs(usage, stdout); return 1;
		default: fprintf(stderr, "Try 'coldbpf %s --help'.\n", want_key ? "rm" : "cold"); return -1;
		}
	}
	if (want_key) {
		if (optind >= argc) {
			cb_err("rm needs a KEY (PATH:QUALNAME)");
			return -1;
		}
		ca->key = argv[optind++];
	}
	ca->profiles = argv + optind;
	ca->nprofiles = argc - optind;
	if (!ca->src) {
		cb_err("%s needs --src DIR (the source tree to inventory)", want_key ? "rm" : "cold");
		return -1;
	}
	if (strcmp(ca->format, "text") && strcmp(ca->format, "tsv") && strcmp(ca->format, "json")) {
		cb_err("--format is text, tsv or json, not '%s'", ca->format);
		return -1;
	}
	if ((ca->all || ca->pids) + (ca->nprofiles > 0) != 1 || (ca->all && ca->pids)) {
		cb_err("one evidence source is needed: --all-python, -p PID or PROFILE.json files");
		return -1;
	}
	return 0;
}

int cold_main(int argc, char **argv)
{
	struct cold_args ca = {};
	struct cold c = {};
	int r = _parse(argc, argv, &ca, cold_usage, false), err = 1;
	FILE *out = stdout;

	if (r)
		return r > 0 ? 0 : 1;
	if (_collect(&c, &ca))
		goto cleanup;
	qsort(c.e, c.n, sizeof(*c.e), _cmp);
	if (ca.output && !(out = fopen(ca.output, "w"))) {
		cb_err("cannot write %s: %s", ca.output, strerror(errno));
		goto cleanup;
	}
	_print(&c, ca.format, out);
	if (out != stdout && fclose(out)) {
		cb_err("cannot write %s", ca.output);
		goto cleanup;
	}
	err = 0;
cleanup:
	_cold_free(&c);
	return err;
}

static const char rm_usage[] =
"Usage: coldbpf rm --src DIR KEY (--all-python | -p PID[,PID...] | PROFILE.json...)\n"
"\n"
"Delete the source lines of a function that never ran. KEY is PATH:QUALNAME,\n"
"PATH relative to DIR (as `cold` prints them). Refuses, writing nothing, when the\n"
"function's status is not never-ran, when KEY names several definitions or none,\n"
"for lambdas and generator expressions, and when the file changed since the\n"
"evidence was read (the running code's lines differ from the file's, or the file\n"
"was modified meanwhile).\n"
"\n"
"Example:\n"
"  sudo coldbpf rm --src ./app app/legacy.py:Importer.run -p 1234\n";

/* Delete lines first..last (1-based) of path, atomically; 0 or -1. */
static int _delete_lines(const char *path, int first, int last, const struct stat *was)
{
	struct stat now;
	size_t len;
	char *data = read_file_str(path, 64 << 20, &len), tmp[PATH_MAX * 2 + 32];
	FILE *f;
	int line, fd;
	const char *p, *end;

	if (!data)
		return -1;
	if (stat(path, &now) || now.st_mtim.tv_sec != was->st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != was->st_mtim.tv_nsec || now.st_size != was->st_size) {
		cb_err("%s changed while coldbpf read it: nothing written", path);
		free(data);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.coldbpf-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		cb_err("cannot write next to %s: %s", path, strerror(errno));
		free(data);
		return -1;
	}
	/* blank lines just before and after the definition: keep as many at the
	 * junction as there were before it (PEP 8's two stay two) */
	int nlines = 0, before = 0, after = 0;
	const char **starts = NULL;
	size_t *lens = NULL;

	for (p = data, end = data + len; p < end; nlines++) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);

		starts = xrealloc(starts, nlines + 1, sizeof(*starts));
		lens = xrealloc(lens, nlines + 1, sizeof(*lens));
		starts[nlines] = p;
		lens[nlines] = n;
		p += n;
	}
#define BLANK(i) (lens[i] == 1 || (lens[i] == 2 && starts[i][0] == '\r'))
	for (int i = first - 2; i >= 0 && BLANK(i); i--)
		before++;
	for (int i = last; i < nlines && BLANK(i); i++)
		after++;
	for (int i = 0; i < nlines; i++) {
		line = i + 1;
		if (line >= first && line <= last)
			continue;
		if (line > last && line <= last + (after < before ? after : before))
			continue;
		fwrite(starts[i], 1, lens[i], f);
	}
#undef BLANK
	free(starts);
	free(lens);
	fchmod(fd, was->st_mode & 07777);
	if (fclose(f) || rename(tmp, path)) {
		cb_err("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(data);
		return -1;
	}
	free(data);
	return 0;
}

int rm_main(int argc, char **argv)
{
	struct cold_args ca = {};
	struct cold c = {};
	struct entry *hit = NULL;
	const char *colon;
	char path[PATH_MAX * 2];
	struct stat st;
	int r = _parse(argc, argv, &ca, rm_usage, true), err = 1, nhits = 0;

	if (r)
		return r > 0 ? 0 : 1;
	colon = strchr(ca.key, ':');
	if (!colon || colon == ca.key || !colon[1]) {
		cb_err("a key is PATH:QUALNAME, relative to the source root (e.g. app/models.py:User.save)");
		return 1;
	}
	/* the file as it is before the evidence is read: any change after aborts */
	if (!realpath(ca.src, c.root)) {
		cb_err("--src %s: %s", ca.src, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%.*s", c.root, (int)(colon - ca.key), ca.key);
	if (stat(path, &st)) {
		cb_err("%s: %s", path, strerror(errno));
		return 1;
	}
	if (_collect(&c, &ca))
		goto cleanup;
	for (size_t i = 0; i < c.n; i++) {
		size_t pl = strlen(c.e[i].path);

		if ((size_t)(colon - ca.key) == pl && !strncmp(ca.key, c.e[i].path, pl) &&
		    !strcmp(colon + 1, c.e[i].qualname)) {
			hit = &c.e[i];
			nhits++;
		}
	}
	if (!nhits) {
		cb_err("%s: no such definition under %s", ca.key, c.root);
		goto cleanup;
	}
	if (nhits > 1) {
		cb_err("%s names %d definitions: nothing removed", ca.key, nhits);
		goto cleanup;
	}
	if (hit->status != CS_NEVER) {
		cb_err("%s %s: only never-ran functions are removed", ca.key, cs_names[hit->status]);
		goto cleanup;
	}
	if (!strcmp(hit->kind, "lambda") || !strcmp(hit->kind, "genexpr")) {
		cb_err("%s is part of an expression: remove it by hand", ca.key);
		goto cleanup;
	}
	if (hit->drifted) {
		cb_err("%s: the running code has it at other lines than the file: the file changed "
		       "since that code was loaded; nothing removed", ca.key);
		goto cleanup;
	}
	if (_delete_lines(path, hit->first, hit->last, &st))
		goto cleanup;
	printf("removed %s (lines %d-%d of %s)\n", ca.key, hit->first, hit->last, hit->path);
	err = 0;
cleanup:
	_cold_free(&c);
	return err;
}

int ignore_main(int argc, char **argv)
{
	char root[PATH_MAX];
	const char *src = NULL, *key;
	int opt, r;

	static const struct option opts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};

	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		if (opt == 's') {
			src = optarg;
		} else {
			fprintf(opt == 'h' ? stdout : stderr,
				"Usage: coldbpf ignore --src DIR PATH:QUALNAME\n"
				"Adds 'key PATH:QUALNAME' to DIR/" IGNORE_FILE ": cold stops listing it.\n");
			return opt == 'h' ? 0 : 1;
		}
	}
	if (!src || optind != argc - 1) {
		cb_err("usage: coldbpf ignore --src DIR PATH:QUALNAME");
		return 1;
	}
	key = argv[optind];
	if (!strchr(key, ':') || key[0] == ':' || strchr(key, '\n')) {
		cb_err("a key is PATH:QUALNAME, relative to the source root (e.g. app/models.py:User.save)");
		return 1;
	}
	if (!realpath(src, root)) {
		cb_err("-s %s: %s", src, strerror(errno));
		return 1;
	}
	r = ignorefile__add_key(root, key);
	if (r < 0)
		return 1;
	printf(r ? "%s is already ignored\n" : "ignored %s\n", key);
	return 0;
}

/* --- coldbpf html ------------------------------------------------------- */

static const char html_usage[] =
"Usage: coldbpf html --src DIR -o OUTDIR (PROFILE.json... | --all-python | -p PID[,PID...])\n"
"\n"
"Write a self-contained HTML heatmap of DIR: an index of files with their share of\n"
"samples and their dead lines, and a page per file with every source line, its\n"
"samples on a colour scale, never-ran definitions marked, and the hottest functions\n"
"linked. Samples come from profiles (coldbpf ... -o FILE); live processes give\n"
"execution evidence only. Open OUTDIR/index.html; no network is needed.\n"
"\n"
"Example:\n"
"  sudo coldbpf --all-python -d 300 -o prof.json && coldbpf html --src ./app -o heat prof.json\n";

static void _html_text(FILE *f, const char *s)
{
	char buf[8192];

	sanitize_text(s, buf, sizeof(buf));
	for (const char *p = buf; *p; p++) {
		switch (*p) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*p, f);
		}
	}
}

static const char html_css[] =
"<style>body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
"table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left}"
"th{border-bottom:2px solid #999}tr.file td{border-bottom:1px solid #eee}"
".src td{padding:0 6px;font:12px/1.35 ui-monospace,monospace;white-space:pre}"
".src td.n{color:#888;text-align:right;user-select:none}.src td.s{text-align:right;color:#333}"
"tr.dead td.c{background:repeating-linear-gradient(135deg,#eee,#eee 4px,#f8f8f8 4px,#f8f8f8 8px);color:#777}"
"tr.unknown td.c{background:#f6f6ff}span.tag{font:11px sans-serif;border-radius:3px;padding:0 4px;margin-left:8px}"
"span.never{background:#666;color:#fff}span.unk{background:#ccd;color:#223}span.ran{background:#cfc}"
".legend span{display:inline-block;width:2.2em;height:1em;vertical-align:middle}"
"a{color:#0645ad}</style>\n";

/* white -> yellow -> red, by log share of the hottest line */
static void _heat(uint64_t v, uint64_t max, char *out, size_t sz)
{
	double t;
	int r = 255, g, b;

	if (!v || !max) {
		out[0] = 0;
		return;
	}
	t = log1p((double)v) / log1p((double)max);
	g = t < 0.5 ? 255 : (int)(255 - (t - 0.5) * 2 * 200);
	b = t < 0.5 ? (int)(255 - t * 2 * 255) : 0;
	snprintf(out, sz, " style=\"background:rgb(%d,%d,%d)\"", r, g, b);
}

static void _html_name(const char *rel, char *out, size_t sz)
{
	size_t o = 0;

	for (const char *p = rel; *p && o + 6 < sz; p++)
		out[o++] = (isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_') ? *p : '_';
	snprintf(out + o, sz - o, ".html");
}

static uint64_t _lsamples(struct cold *c, int pi, int line)
{
	uint64_t *v = u64map__get(&c->line_samples, ((uint64_t)pi << 32) | (uint32_t)line);

	return v ? *v : 0;
}

static int _html_file(struct cold *c, const char *outdir, int pi, uint64_t *fsamples, int *dead)
{
	const char *rel = c->paths[pi];
	char path[PATH_MAX * 2], name[512], full[PATH_MAX * 2], heat[64];
	size_t len, nl = 0;
	char *src, **lines = NULL;
	uint8_t *mark;	/* per line: 1 unknown, 2 never-ran */
	const struct entry **mine = NULL;
	size_t nmine = 0, next = 0;
	uint64_t max = 0;
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", c->root, rel);
	src = read_file_str(full, 16 << 20, &len);
	if (!src)
		return -1;
	for (char *p = src; p && *p;) {
		char *e = strchr(p, '\n');

		lines = xrealloc(lines, nl + 1, sizeof(char *));
		lines[nl++] = p;
		if (e)
			*e = 0;
		p = e ? e + 1 : NULL;
	}
	mark = xcalloc(nl + 2, 1);
	*fsamples = 0;
	*dead = 0;
	/* this file's definitions, by first line, for the tags */
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->e[i].path, rel)) {
			mine = xrealloc(mine, nmine + 1, sizeof(*mine));
			mine[nmine++] = &c->e[i];
		}
	for (size_t i = 1; i < nmine; i++)
		for (size_t j = i; j > 0 && mine[j - 1]->first > mine[j]->first; j--) {
			const struct entry *t = mine[j];

			mine[j] = mine[j - 1];
			mine[j - 1] = t;
		}
	for (size_t i = 0; i < nmine; i++) {
		const struct entry *e = mine[i];

		if (e->status != CS_NEVER && e->status != CS_UNKNOWN)
			continue;
		for (int l = e->first; l <= e->last && l <= (int)nl; l++)
			if (mark[l] < (e->status == CS_NEVER ? 2 : 1))
				mark[l] = e->status == CS_NEVER ? 2 : 1;
	}
	for (size_t l = 1; l <= nl; l++) {
		uint64_t s = _lsamples(c, pi, l);

		*fsamples += s;
		max = s > max ? s : max;
		*dead += mark[l] == 2;
	}
	_html_name(rel, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "w");
	if (!f) {
		free(src);
		free(lines);
		free(mark);
		free(mine);
		return -1;
	}
	fputs("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>", f);
	_html_text(f, rel);
	fputs("</title>", f);
	fputs(html_css, f);
	fputs("</head><body><p><a href=\"index.html\">&larr; all files</a></p><h1>", f);
	_html_text(f, rel);
	fprintf(f, "</h1><p>%llu samples on this file's lines; %d lines in definitions that never ran.</p>\n",
		(unsigned long long)*fsamples, *dead);
	fputs("<p class=\"legend\">heat: <span style=\"background:rgb(255,255,127)\"></span> few "
	      "<span style=\"background:rgb(255,55,0)\"></span> most samples &nbsp; "
	      "<span style=\"background:#eee\"></span> never ran &nbsp; "
	      "<span style=\"background:#f6f6ff\"></span> no evidence</p>\n", f);
	fputs("<table class=\"src\">\n", f);
	for (size_t l = 1; l <= nl; l++) {
		uint64_t s = _lsamples(c, pi, l);

		_heat(s, max, heat, sizeof(heat));
		fprintf(f, "<tr id=\"L%zu\"%s><td class=\"n\">%zu</td><td class=\"s\">", l,
			mark[l] == 2 ? " class=\"dead\"" : mark[l] == 1 ? " class=\"unknown\"" : "", l);
		if (s)
			fprintf(f, "%llu", (unsigned long long)s);
		fprintf(f, "</td><td class=\"c\"%s>", heat);
		_html_text(f, lines[l - 1]);
		for (; next < nmine && mine[next]->first <= (int)l; next++) {
			const struct entry *e = mine[next];

			if (e->first == (int)l)
				fprintf(f, "<span class=\"tag %s\">%s</span>",
					e->status == CS_NEVER ? "never" : e->status == CS_UNKNOWN ? "unk" : "ran",
					cs_names[e->status]);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table></body></html>\n", f);
	free(src);
	free(lines);
	free(mark);
	free(mine);
	return fclose(f) ? -1 : 0;
}

int html_main(int argc, char **argv)
{
	struct cold_args ca = {};
	struct cold c = {};
	int r = _parse(argc, argv, &ca, html_usage, false), err = 1;
	uint64_t *fs = NULL;
	int *dead = NULL;
	char path[PATH_MAX * 2], name[512];
	FILE *f = NULL;

	if (r)
		return r > 0 ? 0 : 1;
	if (!ca.output) {
		cb_err("html needs -o OUTDIR");
		return 1;
	}
	if (mkdir(ca.output, 0755) && errno != EEXIST) {
		cb_err("cannot create %s: %s", ca.output, strerror(errno));
		return 1;
	}
	if (_collect(&c, &ca))
		goto cleanup;
	qsort(c.e, c.n, sizeof(*c.e), _cmp);
	fs = xcalloc(c.npaths + 1, sizeof(*fs));
	dead = xcalloc(c.npaths + 1, sizeof(*dead));
	for (size_t i = 0; i < c.npaths; i++)
		if (_html_file(&c, ca.output, i, &fs[i], &dead[i])) {
			cb_err("cannot write the page of %s", c.paths[i]);
			goto cleanup;
		}
	snprintf(path, sizeof(path), "%s/index.html", ca.output);
	f = fopen(path, "w");
	if (!f) {
		cb_err("cannot write %s: %s", path, strerror(errno));
		goto cleanup;
	}
	fputs("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>coldbpf heatmap</title>", f);
	fputs(html_css, f);
	fputs("</head><body><h1>coldbpf heatmap of ", f);
	_html_text(f, c.root);
	fprintf(f, "</h1><p>%llu samples in all.</p>\n<h2>Files</h2><table><tr><th>file</th>"
		"<th>samples</th><th>share</th><th>never-ran lines</th></tr>\n",
		(unsigned long long)c.total_samples);
	for (size_t i = 0; i < c.npaths; i++) {
		_html_name(c.paths[i], name, sizeof(name));
		fprintf(f, "<tr class=\"file\"><td><a href=\"%s\">", name);
		_html_text(f, c.paths[i]);
		fprintf(f, "</a></td><td>%llu</td><td>%.1f%%</td><td>%d</td></tr>\n", (unsigned long long)fs[i],
			c.total_samples ? 100.0 * fs[i] / c.total_samples : 0.0, dead[i]);
	}
	fputs("</table>\n<h2>Hottest functions</h2><table><tr><th>function</th><th>samples in stacks</th></tr>\n", f);
	{
		/* by samples, at most 30 */
		size_t *order = xcalloc(c.n + 1, sizeof(size_t)), k = 0;

		for (size_t i = 0; i < c.n; i++)
			if (c.e[i].samples)
				order[k++] = i;
		for (size_t i = 1; i < k; i++)
			for (size_t j = i; j > 0 && c.e[order[j - 1]].samples < c.e[order[j]].samples; j--) {
				size_t t = order[j];

				order[j] = order[j - 1];
				order[j - 1] = t;
			}
		for (size_t i = 0; i < k && i < 30; i++) {
			const struct entry *e = &c.e[order[i]];

			_html_name(e->path, name, sizeof(name));
			fprintf(f, "<tr><td><a href=\"%s#L%d\">", name, e->first);
			_html_text(f, e->path);
			fputs(":", f);
			_html_text(f, e->qualname);
			fprintf(f, "</a></td><td>%llu</td></tr>\n", (unsigned long long)e->samples);
		}
		if (!k)
			fputs("<tr><td colspan=\"2\">(no samples: give a profile made with coldbpf -o)</td></tr>\n", f);
		free(order);
	}
	fputs("</table>\n<h2>Never ran</h2><table><tr><th>definition</th><th>lines</th></tr>\n", f);
	for (size_t i = 0; i < c.n; i++) {
		const struct entry *e = &c.e[i];

		if (e->status != CS_NEVER)
			continue;
		_html_name(e->path, name, sizeof(name));
		fprintf(f, "<tr><td><a href=\"%s#L%d\">", name, e->first);
		_html_text(f, e->path);
		fputs(":", f);
		_html_text(f, e->qualname);
		fprintf(f, "</a></td><td>%d</td></tr>\n", e->last - e->first + 1);
	}
	fputs("</table></body></html>\n", f);
	if (fclose(f)) {
		f = NULL;
		cb_err("cannot write %s", path);
		goto cleanup;
	}
	f = NULL;
	printf("wrote %s (%zu file pages)\n", path, c.npaths);
	err = 0;
cleanup:
	if (f)
		fclose(f);
	free(fs);
	free(dead);
	_cold_free(&c);
	return err;
}
