// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "lib/file.h"
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/alloc.h"
#include "lib/msg.h"

char *file__read(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0, cap = 4096;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = xcalloc(cap + 1, 1);
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap >= max)
				break;
			cap *= 2;
			buf = xrealloc(buf, cap + 1, 1);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

char **file__split_lines(char *data, size_t *n)
{
	char **lines = NULL;
	size_t k = 0, cap = 0;

	for (char *p = data; p && *p;) {
		char *nl = strchr(p, '\n');

		ARRAY_RESERVE(lines, k, cap, 64);
		lines[k++] = p;
		if (nl)
			*nl = 0;
		p = nl ? nl + 1 : NULL;
	}
	*n = k;
	return lines;
}

static unsigned int out_mode = 0600;

void file__set_mode(unsigned int mode)
{
	out_mode = mode & 07777;
}

/* The sudo user, when root runs on their behalf. */
static bool sudo_owner(uid_t *uid, gid_t *gid)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	char *end;
	unsigned long v;

	if (geteuid() != 0 || !u || !g)
		return false;
	v = strtoul(u, &end, 10);
	if (!*u || *end || v == 0 || v >= UINT32_MAX)
		return false;
	*uid = v;
	v = strtoul(g, &end, 10);
	if (!*g || *end || v >= UINT32_MAX)
		return false;
	*gid = v;
	return true;
}

/* The outfile writing fd to path (through tmp, renamed over path at the
 * commit, or in place when tmp is NULL); NULL, fd closed and tmp removed
 * and freed, when no stream can be made. */
static struct outfile *outfile_new(int fd, const char *path, char *tmp)
{
	struct outfile *o = xcalloc(1, sizeof(*o));

	o->f = fdopen(fd, "w");
	if (!o->f) {
		close(fd);
		if (tmp)
			unlink(tmp);
		free(tmp);
		free(o);
		msg__err("cannot write %s", path);
		return NULL;
	}
	o->path = xstrdup(path);
	o->tmp = tmp;
	return o;
}

/* An output that exists and is a character device (-o /dev/null, a
 * terminal) is written in place: renaming a file over it would replace the
 * device node. Other kinds that are not regular files (a directory, a
 * FIFO, which could block, a socket, a block device) are refused. A
 * symbolic link is replaced, never followed (it may be planted). */
static struct outfile *create_special(const char *path, const struct stat *st)
{
	int fd;

	if (!S_ISCHR(st->st_mode)) {
		msg__err("cannot write %s: not a regular file (%s)", path,
			 S_ISDIR(st->st_mode) ? "a directory" : S_ISFIFO(st->st_mode) ? "a FIFO" :
			 S_ISSOCK(st->st_mode) ? "a socket" : S_ISBLK(st->st_mode) ? "a block device" : "special");
		return NULL;
	}
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		msg__err("cannot write %s: %s", path, strerror(errno));
		return NULL;
	}
	return outfile_new(fd, path, NULL);
}

struct outfile *file__create_as(const char *path, unsigned int mode, long uid, long gid)
{
	struct stat st;
	char *tmp;
	int fd = -1;
	uid_t su;
	gid_t sg;

	if (!lstat(path, &st) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return create_special(path, &st);
	tmp = xcalloc(strlen(path) + 32, 1);
	for (int i = 0; i < 100 && fd < 0; i++) {
		uint64_t r = 0;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (uint64_t)getpid() * 1000003u + i;
		sprintf(tmp, "%s.tmp-%012llx", path, (unsigned long long)(r & 0xffffffffffffULL));
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		msg__err("cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return NULL;
	}
	fchmod(fd, mode & 07777);	/* whatever the umask */
	if (uid < 0 && sudo_owner(&su, &sg)) {
		uid = su;
		gid = sg;
	}
	if (uid >= 0 && fchown(fd, uid, gid)) {
		msg__err("cannot give %s to uid %ld: %s", path, uid, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return NULL;
	}
	return outfile_new(fd, path, tmp);
}

struct outfile *file__create(const char *path)
{
	return file__create_as(path, out_mode, -1, -1);
}

static void outfile_free(struct outfile *o)
{
	free(o->path);
	free(o->tmp);
	free(o);
}

void file__abort(struct outfile *o)
{
	if (!o)
		return;
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	outfile_free(o);
}

int file__commit(struct outfile *o)
{
	/* a device (o->tmp NULL) is not synced: /dev/null and terminals refuse it */
	bool bad = fflush(o->f) || ferror(o->f) || (o->tmp && fsync(fileno(o->f)));
	int e = errno;

	if (fclose(o->f))
		bad = true, e = errno;
	o->f = NULL;
	if (!bad && o->tmp && rename(o->tmp, o->path))
		bad = true, e = errno;
	if (bad) {
		msg__err("cannot write %s: %s", o->path, strerror(e ? e : EIO));
		if (o->tmp)
			unlink(o->tmp);
		outfile_free(o);
		return -1;
	}
	outfile_free(o);
	return 0;
}

int file__make_dir(const char *path)
{
	struct stat st;
	uid_t su;
	gid_t sg;

	if (!mkdir(path, out_mode & 0044 ? 0755 : 0700)) {
		chmod(path, out_mode & 0044 ? 0755 : 0700);	/* whatever the umask */
		if (sudo_owner(&su, &sg) && chown(path, su, sg)) {
			msg__err("cannot give %s to uid %u: %s", path, (unsigned)su, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != EEXIST) {
		msg__err("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) || !S_ISDIR(st.st_mode)) {
		msg__err("%s exists and is not a directory (symlinks are not followed)", path);
		return -1;
	}
	return 0;
}

int file__which(const char *cmd, const char *path, char *out, size_t sz)
{
	char cand[PATH_MAX] = "", res[PATH_MAX];
	const char *p;

	if (!cmd || !*cmd)
		return -1;
	if (strchr(cmd, '/'))
		snprintf(cand, sizeof(cand), "%s", cmd);
	else
		for (p = path && *path ? path : "/bin:/usr/bin";;) {
			size_t n = strcspn(p, ":");

			/* an empty entry (leading, trailing or doubled ':') is "." */
			if (snprintf(cand, sizeof(cand), "%.*s/%s", (int)(n ? n : 1), n ? p : ".", cmd) <
			    (int)sizeof(cand) && !access(cand, X_OK))
				break;
			*cand = 0;
			if (!p[n])
				break;
			p += n + 1;
		}
	if (!*cand || !realpath(cand, res) || strlen(res) >= sz)
		return -1;
	snprintf(out, sz, "%s", res);
	return 0;
}
