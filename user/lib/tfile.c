// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One short-lived thread per read: it opens the target's root and working
 * directory (as root: that needs ptrace access to the target), then takes on
 * the target's filesystem credentials for itself only, resolves, checks,
 * reads and exits, so no credential ever has to be switched back. The caller
 * waits at most TFILE_DEADLINE_MS; a thread stuck in a read is left to
 * finish on its own and counted as hung. Files are read once per run and
 * cached above (lib/srccache.c), so a thread per read costs nothing that
 * shows.
 */
#include "lib/tfile.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "lib/alloc.h"
#include "lib/file.h"

#define MAX_GROUPS 256

enum outcome { OUT_OK, OUT_REFUSED, OUT_DENIED, OUT_FAILED };

struct creds {
	uid_t uid;	/* filesystem uid */
	gid_t gid;	/* filesystem gid */
	gid_t groups[MAX_GROUPS];
	int ngroups;
};

struct job {
	int pid;
	char *name;
	size_t max;
	struct creds cr;
	/* results */
	char *data;
	size_t len;
	enum outcome out;
	bool done, abandoned;	/* under lock */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static struct tfile_stats stats;	/* under lock */

void tfile__stats(struct tfile_stats *out)
{
	pthread_mutex_lock(&lock);
	*out = stats;
	pthread_mutex_unlock(&lock);
}

/* Filesystem credentials of pid: the fourth Uid/Gid field and Groups. */
static int read_creds(int pid, struct creds *cr)
{
	char path[64], *s, *l;
	unsigned long v[4];
	int got = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	s = file__read(path, 1 << 16, NULL);
	if (!s)
		return -1;
	cr->ngroups = 0;
	for (l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (sscanf(l, "Uid: %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3]) == 4) {
			cr->uid = v[3];
			got |= 1;
		} else if (sscanf(l, "Gid: %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3]) == 4) {
			cr->gid = v[3];
			got |= 2;
		} else if (!strncmp(l, "Groups:", 7)) {
			char *p = l + 7, *end;

			got |= 4;
			while (cr->ngroups < MAX_GROUPS) {
				unsigned long g = strtoul(p, &end, 10);

				if (end == p)
					break;
				cr->groups[cr->ngroups++] = g;
				p = end;
			}
		}
	}
	free(s);
	return got == 7 ? 0 : -1;
}

/* This thread only (raw system calls: glibc's setgroups would change every
 * thread of coldbpf); checked, since setfsuid reports no error. */
static int become(const struct creds *cr)
{
	if (syscall(SYS_setgroups, cr->ngroups, cr->groups))
		return -1;
	syscall(SYS_setfsgid, cr->gid);
	syscall(SYS_setfsuid, cr->uid);
	if ((gid_t)syscall(SYS_setfsgid, -1) != cr->gid || (uid_t)syscall(SYS_setfsuid, -1) != cr->uid)
		return -1;
	return 0;
}

/* Filesystems that hold files, as opposed to kernel interfaces (proc, sys,
 * debugfs, cgroup, bpf, ...), where reading can have effects or never end. */
static bool ordinary_fs(long type)
{
	static const long ok[] = {
		EXT4_SUPER_MAGIC, XFS_SUPER_MAGIC, BTRFS_SUPER_MAGIC, TMPFS_MAGIC, RAMFS_MAGIC,
		OVERLAYFS_SUPER_MAGIC, SQUASHFS_MAGIC, EROFS_SUPER_MAGIC_V1, F2FS_SUPER_MAGIC,
		NFS_SUPER_MAGIC, CIFS_SUPER_MAGIC, SMB2_SUPER_MAGIC, FUSE_SUPER_MAGIC, V9FS_MAGIC,
		MSDOS_SUPER_MAGIC, EXFAT_SUPER_MAGIC, ISOFS_SUPER_MAGIC, REISERFS_SUPER_MAGIC,
		ECRYPTFS_SUPER_MAGIC, NILFS_SUPER_MAGIC, OCFS2_SUPER_MAGIC, CEPH_SUPER_MAGIC,
		0x3153464a /* JFS */, 0x2fc12fc1 /* ZFS */, 0x5346544e /* NTFS */,
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if ((unsigned int)type == (unsigned int)ok[i])
			return true;
	return false;
}

static int open_in(int dirfd, const char *path, uint64_t resolve)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = resolve | RESOLVE_NO_MAGICLINKS,
	};

	return syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* The working directory as a path inside the root, when the kernel can say. */
static bool cwd_in_root(int pid, char *out, size_t sz)
{
	char p[64], root[PATH_MAX], cwd[PATH_MAX];
	ssize_t nr, nc;

	snprintf(p, sizeof(p), "/proc/%d/root", pid);
	nr = readlink(p, root, sizeof(root) - 1);
	snprintf(p, sizeof(p), "/proc/%d/cwd", pid);
	nc = readlink(p, cwd, sizeof(cwd) - 1);
	if (nr <= 0 || nc <= 0)
		return false;
	root[nr] = cwd[nc] = 0;
	if (strstr(cwd, " (deleted)") || cwd[0] != '/')
		return false;
	if (!strcmp(root, "/"))
		nr = 0;
	else if (strncmp(cwd, root, nr) || (cwd[nr] && cwd[nr] != '/'))
		return false;
	snprintf(out, sz, "%s", cwd[nr] ? cwd + nr : "/");
	return true;
}

static void run(struct job *j)
{
	char p[PATH_MAX + 64], inner[PATH_MAX];
	int rootfd, cwdfd = -1, fd = -1, rfd;
	struct stat st;
	struct statfs sf;
	size_t n = 0;

	j->out = OUT_FAILED;
	/* as root: the target's root and working directory */
	snprintf(p, sizeof(p), "/proc/%d/root", j->pid);
	rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return;
	if (j->name[0] != '/' && !cwd_in_root(j->pid, inner, sizeof(inner))) {
		snprintf(p, sizeof(p), "/proc/%d/cwd", j->pid);
		cwdfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cwdfd < 0)
			goto out;
	}
	/* from here on, only what the target's user may do */
	if (become(&j->cr)) {
		j->out = OUT_DENIED;
		goto out;
	}
	if (j->name[0] == '/') {
		fd = open_in(rootfd, j->name, RESOLVE_IN_ROOT);
	} else if (cwdfd < 0) {
		if (snprintf(p, sizeof(p), "%s/%s", inner, j->name) >= (int)sizeof(p))
			goto out;
		fd = open_in(rootfd, p, RESOLVE_IN_ROOT);
	} else {
		fd = open_in(cwdfd, j->name, RESOLVE_BENEATH);	/* no way out of the directory */
	}
	if (fd < 0) {
		j->out = errno == EACCES || errno == EPERM || errno == EXDEV ? OUT_DENIED : OUT_FAILED;
		goto out;
	}
	if (fstat(fd, &st) || fstatfs(fd, &sf))
		goto out;
	if (!S_ISREG(st.st_mode) || !ordinary_fs(sf.f_type)) {
		j->out = OUT_REFUSED;	/* never opened for I/O */
		goto out;
	}
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	rfd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (rfd < 0) {
		j->out = errno == EACCES || errno == EPERM ? OUT_DENIED : OUT_FAILED;
		goto out;
	}
	{
		/* the size it has now, bounded; it may grow or shrink while read */
		size_t cap = st.st_size > 0 && (size_t)st.st_size < j->max ? (size_t)st.st_size : j->max;

		cap = cap ? cap : 1;
		j->data = xcalloc(cap + 1, 1);
		while (n < j->max) {
			ssize_t r;

			if (n == cap) {
				cap = cap * 2 < j->max ? cap * 2 : j->max;
				j->data = xrealloc(j->data, cap + 1, 1);
			}
			r = read(rfd, j->data + n, cap - n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			n += r;
		}
	}
	close(rfd);
	if (memchr(j->data, 0, n)) {	/* not source */
		free(j->data);
		j->data = NULL;
		goto out;
	}
	j->data[n] = 0;
	j->len = n;
	j->out = OUT_OK;
out:
	if (fd >= 0)
		close(fd);
	if (cwdfd >= 0)
		close(cwdfd);
	close(rootfd);
}

static void job_free(struct job *j)
{
	free(j->name);
	free(j->data);
	free(j);
}

static void *worker(void *arg)
{
	struct job *j = arg;

	run(j);
	pthread_mutex_lock(&lock);
	if (j->abandoned) {
		stats.hung--;	/* the caller gave up long ago */
		pthread_mutex_unlock(&lock);
		job_free(j);
		return NULL;
	}
	j->done = true;
	pthread_cond_broadcast(&done_cond);
	pthread_mutex_unlock(&lock);
	return NULL;
}

char *tfile__read(int pid, const char *name, size_t max, size_t *len)
{
	struct job *j;
	struct timespec deadline;
	pthread_attr_t attr;
	pthread_t th;
	char *data = NULL;
	int err = 0;

	if (len)
		*len = 0;
	if (!name[0] || name[0] == '<' || strlen(name) >= PATH_MAX)
		return NULL;
	j = xcalloc(1, sizeof(*j));
	j->pid = pid;
	j->name = xstrdup(name);
	j->max = max;
	pthread_mutex_lock(&lock);
	if (stats.hung >= TFILE_MAX_HUNG) {
		stats.timeouts++;	/* reads hang here: do not pile up more threads */
		pthread_mutex_unlock(&lock);
		job_free(j);
		return NULL;
	}
	pthread_mutex_unlock(&lock);
	if (read_creds(pid, &j->cr)) {
		pthread_mutex_lock(&lock);
		stats.failed++;
		pthread_mutex_unlock(&lock);
		job_free(j);
		return NULL;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 << 10);
	if (pthread_create(&th, &attr, worker, j)) {
		pthread_attr_destroy(&attr);
		job_free(j);
		return NULL;
	}
	pthread_attr_destroy(&attr);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += TFILE_DEADLINE_MS / 1000;
	deadline.tv_nsec += (TFILE_DEADLINE_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&lock);
	while (!j->done && err != ETIMEDOUT)
		err = pthread_cond_timedwait(&done_cond, &lock, &deadline);
	if (!j->done) {
		j->abandoned = true;	/* the worker frees it */
		stats.timeouts++;
		stats.hung++;
		pthread_mutex_unlock(&lock);
		return NULL;
	}
	switch (j->out) {
	case OUT_OK: stats.reads++; break;
	case OUT_REFUSED: stats.refused++; break;
	case OUT_DENIED: stats.denied++; break;
	case OUT_FAILED: stats.failed++; break;
	}
	pthread_mutex_unlock(&lock);
	data = j->data;
	if (len && data)
		*len = j->len;
	j->data = NULL;
	job_free(j);
	return data;
}
