/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The subcommands, one file each (cli/<name>.c), and the option parsing
 * they share (cli/options.c). A subcommand parses, calls the stages below
 * it and returns the exit status; nothing below cli/ parses argv.
 */
#ifndef COLDBPF_CLI_CMD_H
#define COLDBPF_CLI_CMD_H
#include <stdbool.h>
#include <stddef.h>
#include "deadcode/deadcode.h"
#include "output/format.h"

struct profile;

/* Each returns the process exit status (0, or 1 after a one-line message). */
int cmd__record(int argc, char **argv);	/* coldbpf [OPTIONS] TARGETS: sample */
int cmd__report(int argc, char **argv);	/* coldbpf report FILE */
int cmd__cold(int argc, char **argv);
int cmd__rm(int argc, char **argv);
int cmd__ignore(int argc, char **argv);
int cmd__html(int argc, char **argv);
int cmd__serve(int argc, char **argv);	/* coldbpf serve: until stopped, over HTTP */
int cmd__audit(int argc, char **argv);	/* coldbpf audit: CPython's audit events, streamed */

/* Output options shared by sampling and report. */
enum {
	OPT_FOLDED = 256,
	OPT_TOP,
	OPT_LINES,
	OPT_STATS,
	OPT_OUTPUT_MODE,
	OPT_INCLUDE,
	OPT_EXCLUDE,
	OPT_INCLUDE_USER,
	OPT_EXCLUDE_USER,
	OPT_INCLUDE_CGROUP,
	OPT_EXCLUDE_CGROUP,
	OPT_USDT_EXCLUDE,
	OPT_USDT_EXCLUDE_USER,
	OPT_USDT_EXCLUDE_CGROUP,
	OPT_FIRST_FREE,	/* a subcommand's own long-only options start here */
};

/* their long options, for a subcommand's option table */
#define PROFILE_OUTPUT_OPTIONS                                         \
	{ "output", required_argument, NULL, 'o' },                    \
	{ "folded", required_argument, NULL, OPT_FOLDED },             \
	{ "top", required_argument, NULL, OPT_TOP },                   \
	{ "lines", no_argument, NULL, OPT_LINES },                     \
	{ "stats", no_argument, NULL, OPT_STATS },                     \
	{ "output-mode", required_argument, NULL, OPT_OUTPUT_MODE }

/* --all-python's filters (collect/filter.h), for a subcommand's option table */
#define FILTER_OPTIONS                                                          \
	{ "include", required_argument, NULL, OPT_INCLUDE },                    \
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },                    \
	{ "include-user", required_argument, NULL, OPT_INCLUDE_USER },          \
	{ "exclude-user", required_argument, NULL, OPT_EXCLUDE_USER },          \
	{ "include-cgroup", required_argument, NULL, OPT_INCLUDE_CGROUP },      \
	{ "exclude-cgroup", required_argument, NULL, OPT_EXCLUDE_CGROUP }
#define FILTER_HELP                                                                          \
"      --include GLOB       only programs whose executable or script (or both, as\n"      \
"                           \"EXE SCRIPT\") match; --exclude GLOB leaves them out\n"      \
"      --include-user U     only processes of user U (name or uid); --exclude-user U\n"   \
"      --include-cgroup G   only processes in a cgroup matching G (a container, a systemd\n" \
"                           unit: e.g. '*docker-*'); --exclude-cgroup G\n"               \
"                           (each may repeat; with --all-python only)\n"

/* --usdt-exclude*: processes sampled without their static markers
 * (collect/usdtopt.h), for record and serve */
#define USDT_EXCLUDE_OPTIONS                                                            \
	{ "usdt-exclude", required_argument, NULL, OPT_USDT_EXCLUDE },                  \
	{ "usdt-exclude-user", required_argument, NULL, OPT_USDT_EXCLUDE_USER },        \
	{ "usdt-exclude-cgroup", required_argument, NULL, OPT_USDT_EXCLUDE_CGROUP }
#define USDT_EXCLUDE_HELP                                                                      \
"      --usdt-exclude GLOB  sample these programs (--exclude's syntax) without attaching\n"   \
"                           their markers: no breakpoint or semaphore is written into\n"    \
"                           them; --usdt-exclude-user U, --usdt-exclude-cgroup G alike\n"   \
"                           (each may repeat; any target mode). A process also keeps\n"    \
"                           them off itself with COLDBPF_USDT=off in its environment\n"

struct target_filter;
/* One filter option (c is the getopt result): 1 when c is one, 0 when it is
 * not, -1 after a message. */
int options__filter(int c, const char *arg, struct target_filter *f);
/* One --usdt-exclude* option into f (exclude patterns only): the same. */
int options__usdt_exclude(int c, const char *arg, struct target_filter *f);

struct profile_outputs {
	struct output_opts opts;	/* the text report on stdout */
	const char *json;		/* -o FILE */
	const char *folded;		/* --folded FILE */
};

/* --output-mode MODE: octal, at most 0666 (outputs are 0600 by default). 0, or
 * -1 after a message. */
int options__output_mode(const char *arg);
/* One output option (c is the getopt result): 0, or -1 after a message. */
int options__profile_output(int c, const char *arg, struct profile_outputs *po);
/* The text report on stdout, then the files asked for. Exit status. */
int options__emit_profile(const struct profile *p, const struct profile_outputs *po);

/* The options of cold, rm and html. */
struct deadcode_args {
	struct dc_sources s;	/* --src, --python and the evidence sources */
	const char *format, *output, *key;
	bool not_loaded;	/* rm --not-loaded: also remove not-loaded definitions */
	double min_window;	/* rm --min-window SECS: the shortest evidence window accepted */
};

/* Parse cold/rm/html options (want_key: rm's PATH:QUALNAME). 0, 1 when
 * --help was printed (exit 0), or -1 after a message (exit 1); on 0 the
 * caller frees da->s.pids. */
int options__deadcode(int argc, char **argv, struct deadcode_args *da, const char *cmd, const char *usage,
		      bool want_key);
#endif
