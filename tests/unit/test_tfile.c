// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * lib/tfile.c, the one reader of files a target names: against a real
 * process running as nobody, the root-only file it names is not read, a
 * FIFO, a device and a /proc file are refused without blocking, a file of
 * its own is read, and a relative name is its working directory's. Needs
 * root (make test runs as root); skips loudly otherwise.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lib/tfile.h"

#define NOBODY 65534

static char dir[] = "/tmp/coldbpf-tfile-XXXXXX";
static pid_t target;

/* A process of user nobody, in dir, that stays until killed. */
static void setup(void)
{
	int go[2];
	char c;

	if (geteuid() != 0)
		return;
	cr_assert_not_null(mkdtemp(dir));
	chmod(dir, 0755);
	cr_assert_eq(pipe(go), 0);
	target = fork();
	cr_assert_geq(target, 0);
	if (target == 0) {
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY) ||
		    chdir(dir))
			_exit(1);
		if (write(go[1], "g", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(go[1]);
	cr_assert_eq(read(go[0], &c, 1), 1, "the target did not start");
	close(go[0]);
}

static void teardown(void)
{
	if (target > 0) {
		kill(target, SIGKILL);
		waitpid(target, NULL, 0);
	}
}

static void put(const char *name, const char *text, mode_t mode)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

TestSuite(tfile, .init = setup, .fini = teardown);

Test(tfile, reads_only_as_the_target_could)
{
	char p[256], *s;
	size_t len;
	struct tfile_stats before, after;

	if (geteuid() != 0)
		cr_skip_test("NOT RUN: reading as another user needs root");
	tfile__stats(&before);
	put("mine.py", "print('mine')\n", 0644);
	put("secret.py", "TOP SECRET\n", 0600);	/* root's, mode 0600 */
	snprintf(p, sizeof(p), "%s/mine.py", dir);
	s = tfile__read(target, p, 1 << 20, &len);
	cr_assert_not_null(s, "a world-readable file");
	cr_assert_str_eq(s, "print('mine')\n");
	cr_assert_eq(len, 14);
	free(s);
	s = tfile__read(target, "mine.py", 1 << 20, &len);
	cr_assert_not_null(s, "a relative name is the target's working directory's");
	free(s);
	snprintf(p, sizeof(p), "%s/secret.py", dir);
	cr_assert_null(tfile__read(target, p, 1 << 20, &len), "root's 0600 file, named by nobody");
	cr_assert_null(tfile__read(target, "/etc/shadow", 1 << 20, &len), "/etc/shadow named by nobody");
	cr_assert_null(tfile__read(target, "../../etc/shadow", 1 << 20, &len));
	tfile__stats(&after);
	cr_assert_eq(after.reads - before.reads, 2);
	cr_assert_geq(after.denied - before.denied, 3);
	/* the same file, named by a root process, is read: the check is the target's */
	s = tfile__read(getpid(), p, 1 << 20, &len);
	cr_assert_not_null(s);
	free(s);
}

Test(tfile, refuses_what_is_not_a_regular_file)
{
	char p[256], link[256];
	size_t len;
	struct tfile_stats before, after;
	double t0;

	if (geteuid() != 0)
		cr_skip_test("NOT RUN: needs root");
	snprintf(p, sizeof(p), "%s/fifo.py", dir);
	cr_assert_eq(mkfifo(p, 0666), 0);
	snprintf(link, sizeof(link), "%s/environ.py", dir);
	cr_assert_eq(symlink("/proc/self/environ", link), 0);
	tfile__stats(&before);
	t0 = now();
	cr_assert_null(tfile__read(target, p, 1 << 20, &len), "a FIFO");
	cr_assert_null(tfile__read(target, "/dev/zero", 1 << 20, &len), "a device");
	cr_assert_null(tfile__read(target, link, 1 << 20, &len), "a link into /proc");
	cr_assert_null(tfile__read(target, "/proc/self/status", 1 << 20, &len), "a /proc file");
	cr_assert_null(tfile__read(target, "<frozen importlib._bootstrap>", 1 << 20, &len));
	cr_assert_lt(now() - t0, 1.0, "nothing blocks");
	tfile__stats(&after);
	cr_assert_eq(after.refused - before.refused, 4);
	cr_assert_eq(after.timeouts, before.timeouts);
}

Test(tfile, caps_the_size_and_refuses_binary)
{
	char p[256], *s;
	size_t len;

	if (geteuid() != 0)
		cr_skip_test("NOT RUN: needs root");
	put("big.py", "0123456789abcdef", 0644);
	put("bin.py", "", 0644);
	snprintf(p, sizeof(p), "%s/big.py", dir);
	s = tfile__read(target, p, 10, &len);
	cr_assert_not_null(s);
	cr_assert_eq(len, 10);
	cr_assert_str_eq(s, "0123456789");
	free(s);
	snprintf(p, sizeof(p), "%s/bin.py", dir);
	{
		int fd = open(p, O_WRONLY);

		cr_assert_eq(write(fd, "a\0b", 3), 3);
		close(fd);
	}
	cr_assert_null(tfile__read(target, p, 1 << 20, &len), "a NUL byte: not source");
}
