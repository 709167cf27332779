// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
/* lib/: the small tools every stage uses; the counters registry and the format table. */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "lib/file.h"
#include "lib/htab.h"
#include "lib/procfs.h"
#include "lib/srccache.h"
#include "output/format.h"
#include "profile/counters.h"
#include "lib/str.h"

Test(lib, htab_insert_delete_reinsert)
{
	struct htab m;

	htab__init(&m);
	for (uint64_t k = 0; k < 5000; k++)
		*htab__put(&m, k * 7919, NULL) = k + 1;
	for (uint64_t k = 0; k < 5000; k += 2)
		cr_assert(htab__del(&m, k * 7919));
	for (uint64_t k = 0; k < 5000; k++) {
		uint64_t *v = htab__get(&m, k * 7919);

		if (k % 2)
			cr_assert(v && *v == k + 1);
		else
			cr_assert_null(v);
	}
	for (int round = 0; round < 10; round++)	/* churn must not fill the table */
		for (uint64_t k = 0; k < 5000; k += 2) {
			bool isnew;

			*htab__put(&m, k * 7919, &isnew) = 1;
			cr_assert(isnew);
			htab__del(&m, k * 7919);
		}
	cr_assert_null(htab__get(&m, 12345678));
	htab__free(&m);
	htab__free(NULL);
}

Test(lib, parse_long_rejects_junk)
{
	long v;

	cr_assert_eq(str__parse_long("42", 1, 100, &v), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(str__parse_long("42x", 1, 100, &v), -1);
	cr_assert_eq(str__parse_long("", 1, 100, &v), -1);
	cr_assert_eq(str__parse_long("101", 1, 100, &v), -1);
	cr_assert_eq(str__parse_long("99999999999999999999", 1, 100, &v), -1);
}

Test(lib, parse_double_bounds_inclusive)
{
	double d;

	cr_assert_eq(str__parse_double("0.001", 0.001, 100, &d), 0);
	cr_assert_eq(str__parse_double("100", 0.001, 100, &d), 0);
	cr_assert(d == 100);
	cr_assert_eq(str__parse_double("100.5", 0.001, 100, &d), -1);
	cr_assert_eq(str__parse_double("0.0009", 0.001, 100, &d), -1);
	cr_assert_eq(str__parse_double("nan", 0.001, 100, &d), -1);
	cr_assert_eq(str__parse_double("1x", 0.001, 100, &d), -1);
	cr_assert_eq(str__parse_double("", 0.001, 100, &d), -1);
}

Test(lib, sanitize_keeps_utf8_escapes_controls)
{
	char out[64];

	str__sanitize("caf\xc3\xa9 \xe2\x86\x92 ok", out, sizeof(out));
	cr_assert_str_eq(out, "caf\xc3\xa9 \xe2\x86\x92 ok");
	str__sanitize("a\x1b[0m\xff\tb", out, sizeof(out));
	cr_assert_str_eq(out, "a\\x1b[0m\\xff b");
	str__sanitize("0123456789abcdef", out, 8);
	cr_assert_eq(strlen(out), 7);
}

/* srccache: lines as a target names them, without leading blanks or CR;
 * pseudo-files and files with a NUL byte are never source; bounded caches
 * evict the oldest file and still answer for it. */
Test(lib, srccache_lines_and_eviction)
{
	char dir[] = "/tmp/coldbpf-src-XXXXXX", path[4][128], out[16];
	struct srccache *c;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	for (int i = 0; i < 4; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/f%d.py", dir, i);
		f = fopen(path[i], "w");
		cr_assert_not_null(f);
		fprintf(f, "first %d\n\t  indented  \r\n\nlast line without newline", i);
		fclose(f);
	}
	c = srccache__new(2, 1 << 20);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 4; i++) {
			char want[16];

			snprintf(want, sizeof(want), "first %d", i);
			cr_assert_eq(srccache__line(c, getpid(), path[i], 1, out, sizeof(out)), 0);
			cr_assert_str_eq(out, want);
			cr_assert_eq(srccache__line(c, getpid(), path[i], 2, out, sizeof(out)), 0);
			cr_assert_str_eq(out, "indented");
			cr_assert_eq(srccache__line(c, getpid(), path[i], 3, out, sizeof(out)), 0);
			cr_assert_str_eq(out, "");
			cr_assert_eq(srccache__line(c, getpid(), path[i], 4, out, sizeof(out)), 0);
			cr_assert_str_eq(out, "last line witho", "truncated to the buffer");
			cr_assert_eq(srccache__line(c, getpid(), path[i], 5, out, sizeof(out)), -1);
			cr_assert_eq(srccache__line(c, getpid(), path[i], 0, out, sizeof(out)), -1);
		}
	cr_assert_eq(srccache__line(c, getpid(), "<frozen importlib._bootstrap>", 1, out, sizeof(out)), -1);
	f = fopen(path[0], "w");
	fwrite("a\0b\n", 1, 4, f);
	fclose(f);
	srccache__free(c);
	c = srccache__new(0, 1 << 20);
	cr_assert_null(srccache__get(c, getpid(), path[0])->data, "a NUL byte: not source");
	srccache__free(c);
	for (int i = 0; i < 4; i++)
		unlink(path[i]);
	rmdir(dir);
}

/* Every counter has a unique name and a kind: the text report, the profile
 * file and /metrics all take names from the registry. */
Test(lib, counters_registry_complete)
{
	for (int i = 0; i < CTR_NR; i++) {
		const struct counter_info *c = counter__info(i);

		cr_assert_not_null(c, "counter %d has no entry", i);
		cr_assert(c->help && c->help[0], "%s: no help", c->name);
		for (int k = 0; k < i; k++)
			cr_assert_str_neq(c->name, counter__name(k));
	}
	cr_assert_null(counter__info(CTR_NR));
	cr_assert_null(counter__name(-1));
	cr_assert_eq(counter__info(CB_ERR_COUNTS_FULL)->kind, CTR_KIND_LOSS);
}

/* The format table: each input's names, and the message list of them. */
Test(lib, format_table)
{
	char names[128];

	cr_assert_not_null(format__find(OUT_PROFILE, "folded"));
	cr_assert_not_null(format__find(OUT_PROFILE, "json"));
	cr_assert_null(format__find(OUT_PROFILE, "tsv"));
	cr_assert(format__find(OUT_DEADCODE, "html")->directory);
	format__names(OUT_DEADCODE, false, names, sizeof(names));
	cr_assert_str_eq(names, "text, tsv or json");
	format__names(OUT_PROFILE, false, names, sizeof(names));
	cr_assert_str_eq(names, "text, folded, json or pprof");
}

/* The manual's table names every counter of the registry. */
Test(lib, counters_documented)
{
	size_t len;
	char *doc = file__read("docs/coldbpf.md", 1 << 20, &len), needle[80];

	cr_assert_not_null(doc);
	for (int i = 0; i < CTR_NR; i++) {
		snprintf(needle, sizeof(needle), "| `%s` |", counter__name(i));
		cr_expect_not_null(strstr(doc, needle), "docs/coldbpf.md does not describe %s", counter__name(i));
	}
	free(doc);
}

/* The PID a process has in its own PID namespace: this one's, wherever the
 * tests run (a container's /proc shows its own view); none for a PID that
 * does not exist. */
Test(lib, procfs_nspid)
{
	cr_assert_eq(procfs__nspid(getpid()), getpid());
	cr_assert_eq(procfs__nspid(0x7fffffff), -1);
}

/* -o /dev/null (a character device) is written in place, never replaced by a
 * regular file renamed over it; a FIFO or a directory is refused; a
 * planted symbolic link is replaced, not followed. */
Test(lib, outputs_to_special_files)
{
	char dir[] = "/tmp/coldbpf-out-XXXXXX", fifo[64], link[64], victim[64], dev[64], buf[16];
	struct outfile *o;
	struct stat st;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	/* a null device of its own (a regression must not clobber the host's) */
	snprintf(dev, sizeof(dev), "%s/null", dir);
	cr_assert_eq(mknod(dev, S_IFCHR | 0666, makedev(1, 3)), 0, "mknod: %s (the unit tests run as root)",
		     strerror(errno));
	o = file__create(dev);
	cr_assert_not_null(o, "a character device is writable");
	fputs("profile\n", o->f);
	cr_assert_eq(file__commit(o), 0);
	cr_assert_eq(lstat(dev, &st), 0);
	cr_assert(S_ISCHR(st.st_mode), "the device is still a character device");

	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_null(file__create(fifo), "a FIFO is refused (opening it could block)");
	cr_assert_null(file__create(dir), "a directory is refused");

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(link, sizeof(link), "%s/out.json", dir);
	f = fopen(victim, "w");
	cr_assert_not_null(f);
	fputs("keep", f);
	fclose(f);
	cr_assert_eq(symlink(victim, link), 0);
	o = file__create(link);
	cr_assert_not_null(o);
	fputs("new", o->f);
	cr_assert_eq(file__commit(o), 0);
	cr_assert_eq(lstat(link, &st), 0);
	cr_assert(S_ISREG(st.st_mode), "the planted link was replaced by the output");
	f = fopen(victim, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	cr_assert_str_eq(buf, "keep", "the link's target was not written");
	unlink(link);
	unlink(victim);
	unlink(fifo);
	unlink(dev);
	rmdir(dir);
}

/* file__which: execvp()'s search, resolved (the -- CMD pre-attach). */
Test(lib, which_finds_like_execvp)
{
	char dir[] = "/tmp/coldbpf-which-XXXXXX", exe[300], link[300], plain[300], out[PATH_MAX], want[PATH_MAX];
	char path[700], cwd[PATH_MAX];
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(exe, sizeof(exe), "%s/cbtool", dir);
	snprintf(link, sizeof(link), "%s/cblink", dir);
	snprintf(plain, sizeof(plain), "%s/cbplain", dir);
	f = fopen(exe, "w");
	fclose(f);
	chmod(exe, 0755);
	f = fopen(plain, "w");	/* not executable: skipped, as execvp() does */
	fclose(f);
	cr_assert_eq(symlink("cbtool", link), 0);
	cr_assert_not_null(realpath(exe, want));
	snprintf(path, sizeof(path), "/nonexistent:%s", dir);
	cr_assert_eq(file__which("cbtool", path, out, sizeof(out)), 0);
	cr_assert_str_eq(out, want);
	cr_assert_eq(file__which("cblink", path, out, sizeof(out)), 0);	/* resolved */
	cr_assert_str_eq(out, want);
	cr_assert_eq(file__which(link, NULL, out, sizeof(out)), 0);	/* a path: as it is */
	cr_assert_str_eq(out, want);
	cr_assert_eq(file__which("cbplain", path, out, sizeof(out)), -1);
	cr_assert_eq(file__which("cbnone", path, out, sizeof(out)), -1);
	cr_assert_eq(file__which("", path, out, sizeof(out)), -1);
	cr_assert_eq(file__which("cbtool", path, out, 4), -1);	/* does not fit */
	cr_assert_eq(file__which("sh", NULL, out, sizeof(out)), 0);	/* execvp()'s default PATH */
	/* an empty entry is the current directory, wherever it is */
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(file__which("cbtool", "/nonexistent:", out, sizeof(out)), 0);
	cr_assert_str_eq(out, want);
	cr_assert_eq(file__which("cbtool", "::/nonexistent", out, sizeof(out)), 0);
	cr_assert_eq(chdir(cwd), 0);
	unlink(link);
	unlink(exe);
	unlink(plain);
	rmdir(dir);
}

/* The BPF program's ns buckets: a quarter octave each from 256 ns, and the
 * median read back from them within its bucket's width. */
Test(lib, ns_buckets_and_median)
{
	uint64_t h[CB_NS_BUCKETS] = {0};

	cr_assert_eq(cb_ns_bucket(0), 0);
	cr_assert_eq(cb_ns_bucket(255), 0);
	cr_assert_eq(cb_ns_bucket(256), 0);
	cr_assert_eq(cb_ns_bucket(319), 0);
	cr_assert_eq(cb_ns_bucket(320), 1);	/* 256 * 1.25 */
	cr_assert_eq(cb_ns_bucket(511), 3);
	cr_assert_eq(cb_ns_bucket(512), 4);
	cr_assert_eq(cb_ns_bucket(1500), 4 * 2 + 1);	/* 1024 * 1.25 = 1280 <= 1500 < 1536 */
	cr_assert_eq(cb_ns_bucket(65535), 31);
	cr_assert_eq(cb_ns_bucket(1ULL << 40), 31);
	for (uint64_t ns = 256; ns < 65536; ns += 7)	/* monotonic */
		cr_assert_leq(cb_ns_bucket(ns), cb_ns_bucket(ns + 7));
	cr_assert_eq(counter__ns_median(h), 0);
	/* 100 samples at 1500 ns, 40 far out at 50 us (preempted): the mean
	 * is 15.4 us, the median stays in 1500's bucket [1280, 1536) */
	h[cb_ns_bucket(1500)] = 100;
	h[cb_ns_bucket(50000)] = 40;
	double m = counter__ns_median(h);

	cr_assert(m >= 1280 && m < 1536, "median %f", m);
}
