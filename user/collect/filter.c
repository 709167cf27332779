// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/filter.h"
#include <fnmatch.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"
#include "lib/file.h"
#include "lib/msg.h"
#include "lib/procfs.h"
#include "lib/str.h"
#include "profile/profile.h"

int filter__add(struct target_filter *f, enum filter_kind k, bool include, const char *pattern)
{
	struct filter_list *l = include ? &f->inc[k] : &f->exc[k];
	char buf[32];
	long uid;

	if (!pattern || !*pattern) {
		msg__err("an empty filter pattern");
		return -1;
	}
	if (k == FILTER_USER) {
		struct passwd *pw = str__parse_long(pattern, 0, 0x7fffffff, &uid) ? getpwnam(pattern) : NULL;

		if (pw)
			uid = pw->pw_uid;
		else if (str__parse_long(pattern, 0, 0x7fffffff, &uid)) {
			msg__err("no user '%s'", pattern);
			return -1;
		}
		snprintf(buf, sizeof(buf), "%ld", uid);
		pattern = buf;
	}
	l->pat = xrealloc(l->pat, l->n + 1, sizeof(*l->pat));
	l->pat[l->n++] = xstrdup(pattern);
	return 0;
}

bool filter__empty(const struct target_filter *f)
{
	for (int k = 0; k < FILTER_KINDS; k++)
		if (f->inc[k].n || f->exc[k].n)
			return false;
	return true;
}

/* Does any pattern of l match any of the n values? */
static bool any(const struct filter_list *l, char *const *vals, size_t n)
{
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k < n; k++)
			if (vals[k] && !fnmatch(l->pat[i], vals[k], 0))
				return true;
	return false;
}

/* The values of one kind for pid (at most 16); how many. */
static size_t values(int pid, enum filter_kind k, char **v, char *buf, size_t bufsz)
{
	char path[64], *data, *line, *save = NULL;
	size_t n = 0, used = 0;

	if (k == FILTER_PROGRAM) {
		char cmd[512], prog[512], *sp;

		procfs__cmdline(pid, cmd, sizeof(cmd));
		profile__program(cmd, prog, sizeof(prog));
		snprintf(buf, bufsz, "%s", prog);
		v[n++] = buf;	/* "exe script" */
		used = strlen(buf) + 1;
		sp = strchr(prog, ' ');
		if (sp && used + strlen(prog) + 1 < bufsz) {	/* and each on its own */
			*sp = 0;
			v[n++] = strcpy(buf + used, prog);
			used += strlen(prog) + 1;
			v[n++] = strcpy(buf + used, sp + 1);
		}
		return n;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, k == FILTER_USER ? "status" : "cgroup");
	data = file__read(path, 1 << 16, NULL);
	for (line = data ? strtok_r(data, "\n", &save) : NULL; line && n < 16; line = strtok_r(NULL, "\n", &save)) {
		const char *val = NULL;
		unsigned uid;

		if (k == FILTER_USER && sscanf(line, "Uid: %*u %u", &uid) == 1) {
			snprintf(buf + used, bufsz - used, "%u", uid);	/* the effective uid */
			val = buf + used;
		} else if (k == FILTER_CGROUP && (val = strchr(line, ':')) && (val = strchr(val + 1, ':'))) {
			val++;	/* "0::/system.slice/app.service", v1: "N:ctrl:/path" */
		}
		if (!val || used + strlen(val) + 1 > bufsz)
			continue;
		if (val != buf + used)
			strcpy(buf + used, val);
		v[n++] = buf + used;
		used += strlen(buf + used) + 1;
	}
	free(data);
	return n;
}

bool filter__wants(const struct target_filter *f, int pid)
{
	for (int k = 0; k < FILTER_KINDS; k++) {
		char buf[4096], *v[16];
		size_t n;

		if (!f->inc[k].n && !f->exc[k].n)
			continue;
		n = values(pid, k, v, buf, sizeof(buf));
		if (!n)
			return false;	/* gone, or nothing to match: not wanted */
		if (f->inc[k].n && !any(&f->inc[k], v, n))
			return false;
		if (any(&f->exc[k], v, n))
			return false;
	}
	return true;
}

void filter__free(struct target_filter *f)
{
	for (int k = 0; k < FILTER_KINDS; k++) {
		for (size_t i = 0; i < f->inc[k].n; i++)
			free(f->inc[k].pat[i]);
		for (size_t i = 0; i < f->exc[k].n; i++)
			free(f->exc[k].pat[i]);
		free(f->inc[k].pat);
		free(f->exc[k].pat);
	}
	memset(f, 0, sizeof(*f));
}
