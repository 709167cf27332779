// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* deadcode__collect: inventory x evidence x samples -> statuses (deadcode.h). */
#include "deadcode/deadcode.h"
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cpython/classify.h"
#include "deadcode/ignorefile.h"
#include "lib/alloc.h"
#include "lib/msg.h"
#include "lib/str.h"

const char *const dc_status_names[DC_NR] = { "ran", "sampled", "never-ran", "not-loaded", "unknown" };
const char *const dc_why_names[DC_WHY_NR] = { "", "no-evidence", "exited-unread", "incomplete", "partial" };

void deadcode__free(struct deadcode *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->e[i].path);
		free(d->e[i].qualname);
		free(d->e[i].linestat);
	}
	for (size_t i = 0; i < d->nerrors; i++)
		free(d->errors[i]);
	for (size_t i = 0; i < d->ndrift; i++)
		free(d->drift[i]);
	free(d->e);
	free(d->errors);
	free(d->drift);
	free(d->paths);
	free(d->imported);
	free(d->imported_exited);
	free(d->late);
	htab__free(&d->path_idx);
	htab__free(&d->exact);
	htab__free(&d->byfirst);
	htab__free(&d->byname);
	htab__free(&d->bylast);
	htab__free(&d->drift_idx);
	htab__free(&d->line_samples);
	htab__free(&d->line_gc);
	ignorefile__free(d->own_ig);
}

static int from_all(struct deadcode *d, struct classifier *cl)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;

	while (dir && (de = readdir(dir))) {
		long pid;

		if (!str__parse_long(de->d_name, 1, INT32_MAX, &pid) && pid != getpid())
			match__pid(d, cl, pid, true);
	}
	if (dir)
		closedir(dir);
	return 0;
}

/* path made absolute against the working directory, without resolving
 * symlinks; "." and "" segments and a trailing "/" dropped ("" when too long) */
static void absolute(const char *path, char *out, size_t outsz)
{
	char buf[PATH_MAX * 2], cwd[PATH_MAX];
	size_t n = 0;

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		snprintf(buf, sizeof(buf), "%s", path);
	else
		snprintf(buf, sizeof(buf), "%s/%s", cwd, path);
	out[0] = 0;
	for (char *seg = strtok(buf, "/"); seg; seg = strtok(NULL, "/")) {
		if (!strcmp(seg, "."))
			continue;
		if (n + strlen(seg) + 2 > outsz) {
			out[0] = 0;
			return;
		}
		n += snprintf(out + n, outsz - n, "/%s", seg);
	}
	if (!n)
		snprintf(out, outsz, "/");
}

/* --src is not on the host: a live target whose root holds it (its view of
 * the tree, a container's or a chroot's); 0 when none does. */
static int view_pid(const char *src, const struct dc_sources *s)
{
	char path[PATH_MAX + 64];
	struct stat st;

	if (src[0] != '/')
		return 0;
	for (size_t i = 0; i < s->npids; i++) {
		snprintf(path, sizeof(path), "/proc/%d/root%s", s->pids[i], src);
		if (!stat(path, &st) && S_ISDIR(st.st_mode))
			return s->pids[i];
	}
	return 0;
}

int deadcode__collect(struct deadcode *d, const struct dc_sources *s)
{
	struct ignorefile *ig;
	struct classifier *cl = NULL;
	char ignroot[PATH_MAX + 64];
	int err = -1;

	if (!realpath(s->src, d->root)) {
		int e = errno;

		d->view_pid = e == ENOENT ? view_pid(s->src, s) : 0;
		if (!d->view_pid) {
			msg__err("--src %s: %s%s", s->src, strerror(e),
				 e == ENOENT && s->src[0] == '/' && s->npids ? " (nor inside the given processes' roots)" : "");
			return -1;
		}
		/* the target's view: its code names files by these paths */
		snprintf(d->root, sizeof(d->root), "%s", s->src);
		msg__dbg("--src %s: the view of PID %d (inside its root)", s->src, d->view_pid);
	}
	absolute(s->src, d->root_given, sizeof(d->root_given));
	d->window = -1;
	d->lines = s->lines;
	if (d->view_pid)
		snprintf(ignroot, sizeof(ignroot), "/proc/%d/root%s", d->view_pid, d->root);
	else
		snprintf(ignroot, sizeof(ignroot), "%s", d->root);
	ig = ignorefile__load(ignroot);
	if (!ig)
		return -1;
	d->ig = ig;
	if (inventory__run(d, s->python, ig))
		goto out;
	d->imported = xcalloc(d->npaths + 1, sizeof(bool));
	d->imported_exited = xcalloc(d->npaths + 1, sizeof(bool));
	d->late = xcalloc(d->npaths + 1, sizeof(bool));
	if (s->all || s->npids) {
		if (geteuid() != 0 && access("/proc/1/mem", R_OK)) {
			msg__err("reading other processes needs root (CAP_SYS_PTRACE): sudo coldbpf ...");
			goto out;
		}
		cl = classifier__new();
	}
	if (s->all) {
		from_all(d, cl);
	} else if (s->npids) {
		for (size_t i = 0; i < s->npids; i++)
			if (match__pid(d, cl, s->pids[i], false))
				goto out;
	} else {
		for (size_t i = 0; i < s->nprofiles; i++)
			if (match__profile(d, s->profiles[i]))
				goto out;
	}
	if (!d->sources) {
		msg__err("no CPython process to read evidence from");
		goto out;
	}
	status__decide(d);
	err = 0;
out:
	d->ig = NULL;
	classifier__free(cl);
	ignorefile__free(ig);
	return err;
}

static int cmp_entries(const void *a, const void *b)
{
	const struct dc_entry *x = a, *y = b;
	int sx = x->last - x->first, sy = y->last - y->first, c;

	/* dead first, biggest first; then unknown, sampled, ran */
	static const int order[DC_NR] = { [DC_NEVER] = 0, [DC_NOT_LOADED] = 1, [DC_UNKNOWN] = 2, [DC_SAMPLED] = 3,
					  [DC_RAN] = 4 };

	if (order[x->status] != order[y->status])
		return order[x->status] - order[y->status];
	if (sx != sy)
		return sy - sx;
	c = strcmp(x->path, y->path);
	return c ? c : x->first - y->first;
}

void deadcode__sort(struct deadcode *d)
{
	/* entries move: the indexes, which hold entry positions, are dropped */
	qsort(d->e, d->n, sizeof(*d->e), cmp_entries);
	htab__free(&d->exact);
	htab__free(&d->byfirst);
	htab__free(&d->byname);
	htab__free(&d->bylast);
}

uint64_t deadcode__line_gc_samples(const struct deadcode *d, size_t path_index, int line)
{
	uint64_t *v = htab__get(&d->line_gc, ((uint64_t)path_index << 32) | (uint32_t)line);

	return v ? *v : 0;
}

uint64_t deadcode__line_samples(const struct deadcode *d, size_t path_index, int line)
{
	uint64_t *v = htab__get(&d->line_samples, ((uint64_t)path_index << 32) | (uint32_t)line);

	return v ? *v : 0;
}
