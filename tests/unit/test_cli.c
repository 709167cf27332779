// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Command-line errors: one line on stderr, exit 1, nothing on stdout. These
 * need no privileges: arguments are checked before anything is loaded. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int run_cli(const char *args, char *err, size_t errsz, char *out, size_t outsz)
{
	char cmd[512], ep[64], op[64];
	FILE *f;
	int st;
	size_t n;

	/* tests run in parallel processes: each run gets its own files */
	snprintf(ep, sizeof(ep), "/tmp/coldbpf-cli-%d.err", getpid());
	snprintf(op, sizeof(op), "/tmp/coldbpf-cli-%d.out", getpid());
	snprintf(cmd, sizeof(cmd), "./build/coldbpf %s 2>%s >%s", args, ep, op);
	st = system(cmd);
	f = fopen(ep, "r");
	n = f ? fread(err, 1, errsz - 1, f) : 0;
	err[n] = 0;
	if (f)
		fclose(f);
	f = fopen(op, "r");
	n = f ? fread(out, 1, outsz - 1, f) : 0;
	out[n] = 0;
	if (f)
		fclose(f);
	unlink(ep);
	unlink(op);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void bad(const char *args, const char *needle)
{
	char err[4096], out[4096];
	int rc = run_cli(args, err, sizeof(err), out, sizeof(out));

	cr_expect_eq(rc, 1, "'%s' exited %d", args, rc);
	cr_expect(strstr(err, needle), "'%s': stderr '%s' lacks '%s'", args, err, needle);
	cr_expect(strchr(err, '\n') == err + strlen(err) - 1 || strstr(err, "Try 'coldbpf --help'"),
		  "'%s': not one line: '%s'", args, err);
	cr_expect_str_eq(out, "", "'%s' printed to stdout", args);
}

Test(cli, bad_arguments)
{
	bad("", "nothing to profile");
	bad("-p 0", "invalid PID '0'");
	bad("-p 12,x", "invalid PID 'x'");
	bad("-p ,", "-p needs at least one PID");
	bad("-a -- python3", "choose one");
	bad("-a -F 20000", "-F needs a frequency from 1 to 10000 Hz");
	bad("-a -F 9x", "-F needs");
	bad("-a -d 0", "-d needs a positive number");
	bad("-a -d nan", "-d needs a positive number");
	bad("-a --max-depth 0", "--max-depth needs a number from 1 to 1024");
	bad("-a --max-depth 1025", "--max-depth needs");
	bad("-a --max-overhead 0", "--max-overhead needs a percentage");
	bad("-a --max-overhead 101", "--max-overhead needs");
	bad("-a --max-overhead 1x", "--max-overhead needs");
	bad("-a --bench-stage walk", "--bench-stage takes no-walk or no-maps");
	bad("-a --bench-toggle 10", "--bench-toggle takes 50 to 10000 ms");
	bad("-a --test-stack-max-age 0", "--test-stack-max-age takes 1 to 3600 seconds");
	bad("-a --top 0", "--top needs");
	bad("-a --usdt-exclude '*x*'", "--usdt-exclude keeps markers off some processes: give --usdt or --calls too");
	bad("-a --usdt gc --usdt-exclude ''", "an empty filter pattern");
	bad("-a --usdt gc --usdt-exclude-user cbnosuchuser", "no user 'cbnosuchuser'");
	bad("serve --usdt none --usdt-exclude '*x*'", "--usdt-exclude keeps markers off some processes, but --usdt is none");
	bad("--bogus", "unrecognized option");
	bad("report", "report needs exactly one profile file");
	bad("report a.json b.json", "report needs exactly one profile file");
	bad("report /nonexistent/p.json", "/nonexistent/p.json");
	bad("report /nonexistent/p.json --format svg", "--format is text, folded, json or pprof, not 'svg'");
}

Test(cli, help_and_version)
{
	char err[4096], out[8192];

	cr_assert_eq(run_cli("--help", err, sizeof(err), out, sizeof(out)), 0);
	cr_assert(strstr(out, "--all-python") && strstr(out, "Examples:") && strstr(out, "coldbpf report"));
	cr_assert_eq(run_cli("--version", err, sizeof(err), out, sizeof(out)), 0);
	cr_assert(!strncmp(out, "coldbpf ", 8));
}
