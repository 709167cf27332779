// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Source edits of `coldbpf rm`: a definition's lines go, atomically, as the
 * user who asked (under sudo, with that user's filesystem credentials), the
 * file keeping its owner and mode. Symlinks, files that changed since the
 * evidence was read and files too big to read whole are refused; a block
 * left empty gets a `pass`, so the module still imports.
 */
#include "deadcode/edit.h"
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "lib/alloc.h"
#include "lib/file.h"
#include "lib/msg.h"

#define EDIT_MAX (64 << 20)	/* bytes of a source file edited whole */

struct line {
	const char *s;
	size_t n;	/* with its newline */
};

static bool blank(const struct line *l)
{
	size_t i = 0;

	while (i < l->n && (l->s[i] == ' ' || l->s[i] == '\t' || l->s[i] == '\r' || l->s[i] == '\n'))
		i++;
	return i == l->n;
}

/* blank or a comment: not a statement */
static bool empty(const struct line *l)
{
	size_t i = 0;

	while (i < l->n && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	return blank(l) || (i < l->n && l->s[i] == '#');
}

static size_t indent(const struct line *l)
{
	size_t i = 0;

	while (i < l->n && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	return i;
}

/* ends with ':' (a block header, perhaps continued from the lines above) */
static bool opens_block(const struct line *l)
{
	size_t n = l->n;

	while (n && (l->s[n - 1] == '\n' || l->s[n - 1] == '\r' || l->s[n - 1] == ' ' || l->s[n - 1] == '\t'))
		n--;
	return n && l->s[n - 1] == ':';
}

/* The filesystem credentials of the user sudo ran us for, on this thread
 * only (raw system calls); restored by calling again with NULL. */
static int become_invoker(bool on)
{
	static gid_t saved[256];
	static int nsaved = -1;
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	gid_t groups[256];
	int ngroups = 256;
	uid_t uid;
	gid_t gid;
	struct passwd *pw;

	if (!on) {
		if (nsaved < 0)
			return 0;
		syscall(SYS_setfsuid, 0);
		syscall(SYS_setfsgid, 0);
		syscall(SYS_setgroups, nsaved, saved);
		nsaved = -1;
		return 0;
	}
	if (geteuid() != 0 || !u || !g)
		return 0;	/* not under sudo: the user is who runs us */
	uid = strtoul(u, NULL, 10);
	gid = strtoul(g, NULL, 10);
	pw = getpwuid(uid);
	if (!pw || getgrouplist(pw->pw_name, gid, groups, &ngroups) < 0)
		ngroups = 0;
	nsaved = getgroups(256, saved);
	if (nsaved < 0 || syscall(SYS_setgroups, ngroups, groups))
		return -1;
	syscall(SYS_setfsgid, gid);
	syscall(SYS_setfsuid, uid);
	if ((uid_t)syscall(SYS_setfsuid, -1) != uid || (gid_t)syscall(SYS_setfsgid, -1) != gid) {
		become_invoker(false);
		return -1;
	}
	return 0;
}

static int rewrite(const char *path, int first, int last, const struct stat *was)
{
	struct stat now;
	size_t len, nlines = 0, cap = 0;
	char *data;
	struct line *ln = NULL;
	struct outfile *o;
	int before = 0, after = 0;
	bool pass = false;

	if (lstat(path, &now) || !S_ISREG(now.st_mode)) {
		msg__err("%s is not a regular file (symlinks are not edited): nothing written", path);
		return -1;
	}
	if (now.st_size > EDIT_MAX) {
		msg__err("%s is too big to edit whole (%lld bytes): nothing written", path, (long long)now.st_size);
		return -1;
	}
	data = file__read(path, EDIT_MAX + 1, &len);
	if (!data) {
		msg__err("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (now.st_ino != was->st_ino || now.st_dev != was->st_dev || now.st_mtim.tv_sec != was->st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != was->st_mtim.tv_nsec || now.st_size != was->st_size || len != (size_t)now.st_size) {
		msg__err("%s changed while coldbpf read it: nothing written", path);
		free(data);
		return -1;
	}
	for (const char *p = data, *end = data + len; p < end; nlines++) {
		const char *nl = memchr(p, '\n', end - p);

		if (nlines == cap) {
			cap = cap ? cap * 2 : 256;
			ln = xrealloc(ln, cap, sizeof(*ln));
		}
		ln[nlines].s = p;
		ln[nlines].n = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);
		p += ln[nlines].n;
	}
	if (first < 1 || last > (int)nlines || first > last) {
		msg__err("%s has no lines %d-%d: nothing written", path, first, last);
		free(ln);
		free(data);
		return -1;
	}
	/* blank lines just before and after the definition: keep as many at the
	 * junction as there were before it (PEP 8's two stay two) */
	for (int i = first - 2; i >= 0 && blank(&ln[i]); i--)
		before++;
	for (int i = last; i < (int)nlines && blank(&ln[i]); i++)
		after++;
	/* the only statement of its block (a class's only method): a pass keeps
	 * the block, so the module still imports */
	{
		int prev = first - 2, next = last;
		size_t ind = indent(&ln[first - 1]);

		while (prev >= 0 && empty(&ln[prev]))
			prev--;
		while (next < (int)nlines && empty(&ln[next]))
			next++;
		pass = ind > 0 && prev >= 0 && (indent(&ln[prev]) < ind || opens_block(&ln[prev])) &&
		       (next >= (int)nlines || indent(&ln[next]) < ind);
	}
	o = file__create_as(path, was->st_mode & 07777, was->st_uid, was->st_gid);
	if (!o) {
		free(ln);
		free(data);
		return -1;
	}
	for (int i = 0; i < (int)nlines; i++) {
		int line = i + 1;

		if (line == first && pass)
			fprintf(o->f, "%.*spass\n", (int)indent(&ln[first - 1]), ln[first - 1].s);
		if (line >= first && line <= last)
			continue;
		if (line > last && line <= last + (after < before ? after : before))
			continue;
		fwrite(ln[i].s, 1, ln[i].n, o->f);
	}
	free(ln);
	free(data);
	return file__commit(o);
}

int edit__delete_lines(const char *path, int first, int last, const struct stat *was)
{
	int err;

	if (become_invoker(true)) {
		msg__err("cannot take on the credentials of the sudo user: nothing written");
		return -1;
	}
	err = rewrite(path, first, last, was);
	become_invoker(false);
	return err;
}
