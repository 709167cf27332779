// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inventory of a source tree: every function, method, lambda, generator
 * expression and class body, with Python's own qualified names and first
 * lines, from deadcode/inventory.py (embedded at build time) run with the
 * machine's python3 -I. Entries are indexed for the matcher.
 */
#include "deadcode/deadcode.h"
#include <errno.h>
#include <limits.h>
#include <grp.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "deadcode/ignorefile.h"
#include "deadcode/keys.h"
#include "lib/alloc.h"
#include "lib/msg.h"
#include "inventory_py.h"

int inventory__path_index(const struct deadcode *d, const char *path)
{
	struct htab_str_probe pr = { d->paths, path };
	uint64_t *v = htab__find(&d->path_idx, hash__str(path, 1), htab__same_str, &pr);

	return v ? (int)*v - 1 : -1;
}

/* Index entry idx under key k; an index of unique names marks a key that
 * several entries share as ambiguous. */
static void index_put(struct deadcode *d, struct htab *t, const struct dc_key *k, size_t idx, bool unique)
{
	struct dc_key_probe pr = { d, *k };
	uint64_t *v = htab__find(t, dc_key__hash(k), dc_key__same, &pr);

	if (!v)
		htab__add(t, dc_key__hash(k), idx + 1);
	else if (unique)
		*v |= DC_AMBIGUOUS;
}

static void add_entry(struct deadcode *d, json_t *o)
{
	struct dc_entry *e;
	const char *path = json_string_value(json_object_get(o, "path"));
	const char *q = json_string_value(json_object_get(o, "qualname"));
	const char *kind = json_string_value(json_object_get(o, "kind"));
	struct dc_key k;

	if (!path || !q || !kind)
		return;
	ARRAY_RESERVE(d->e, d->n, d->cap, 256);
	e = &d->e[d->n];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	e->qualname = xstrdup(q);
	e->first = json_integer_value(json_object_get(o, "first"));
	e->last = json_integer_value(json_object_get(o, "last"));
	e->lines = json_integer_value(json_object_get(o, "lines"));
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	if (inventory__path_index(d, path) < 0) {
		ARRAY_RESERVE(d->paths, d->npaths, d->cappaths, 64);
		d->paths[d->npaths++] = e->path;
		htab__add(&d->path_idx, hash__str(path, 1), d->npaths);
	}
	index_put(d, &d->exact, dc_key__exact(&k, path, q, e->first), d->n, false);
	index_put(d, &d->byfirst, dc_key__first(&k, path, e->first), d->n, false);
	index_put(d, &d->byname, dc_key__name(&k, path, q), d->n, true);
	index_put(d, &d->bylast, dc_key__last(&k, path, q), d->n, true);
	d->n++;
}

/* In the forked child: become the target's view of the tree (--src given as
 * a path inside its root): chroot into its root, its user and groups, so
 * that the tree is read as the target itself could (a symlink in it
 * resolves inside the root, a file its user cannot read stays unread).
 * Returns its interpreter (as its root names it); exits on failure. */
static const char *enter_view(int pid)
{
	static char exe[PATH_MAX];
	char path[64], line[256];
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	FILE *f;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned a;

		if (sscanf(line, "Uid: %*u %u", &a) == 1)
			uid = a;
		else if (sscanf(line, "Gid: %*u %u", &a) == 1)
			gid = a;
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0 || uid == (uid_t)-1 || gid == (gid_t)-1) {
		fprintf(stderr, "coldbpf: PID %d is gone: cannot read its view of the tree\n", pid);
		_exit(127);
	}
	exe[n] = 0;
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	{	/* a chroot's executable is named from the host's root: from its own */
		char root[PATH_MAX];
		ssize_t rn = readlink(path, root, sizeof(root) - 1);

		if (rn > 1) {
			root[rn] = 0;
			if (!strncmp(exe, root, rn) && exe[rn] == '/')
				memmove(exe, exe + rn, strlen(exe + rn) + 1);
		}
	}
	if (chroot(path) || chdir("/") || setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
		fprintf(stderr, "coldbpf: cannot enter PID %d's root as its user: %s\n", pid, strerror(errno));
		_exit(127);
	}
	return exe;
}

int inventory__run(struct deadcode *d, const char *python, const struct ignorefile *ig)
{
	int pfd[2], status;
	pid_t pid;
	FILE *f;
	char *line = NULL, *globs;
	size_t cap = 0;
	bool done = false;

	globs = ignorefile__globs_json(ig);
	if (pipe(pfd)) {
		msg__err("pipe: %s", strerror(errno));
		free(globs);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		if (d->view_pid)
			python = enter_view(d->view_pid);	/* its root, its user, its interpreter */
		/* -I: no user site, no PYTHON* variables, no cwd on sys.path */
		execlp(python, python, "-I", "-c", inventory_py, d->root, globs, (char *)NULL);
		fprintf(stderr, "coldbpf: cannot run %s for the source inventory: %s\n", python, strerror(errno));
		_exit(127);
	}
	free(globs);
	close(pfd[1]);
	if (pid < 0) {
		msg__err("fork: %s", strerror(errno));
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
			d->errors = xrealloc(d->errors, d->nerrors + 1, sizeof(char *));
			d->errors[d->nerrors++] = xstrdup(buf);
		} else if (!ignorefile__ignores_key(ig, json_string_value(json_object_get(o, "path")),
						   json_string_value(json_object_get(o, "qualname")))) {
			add_entry(d, o);
		}
		json_decref(o);
	}
	free(line);
	if (f)
		fclose(f);
	waitpid(pid, &status, 0);
	if (!done) {
		msg__err("the source inventory (%s) failed%s", python,
			 WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "" : ": python3 3.8+ is needed");
		return -1;
	}
	return 0;
}
