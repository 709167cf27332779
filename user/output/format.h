/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one table of output formats (as bcc's tools keep stacktrace_formats[]):
 * a new format is one entry here and one file in output/. Two kinds of
 * input: a profile (samples) and a dead-code list. Writers never open
 * files themselves: format__write creates the destination (lib/file.h), so
 * how outputs are created is decided in one place.
 */
#ifndef COLDBPF_OUTPUT_FORMAT_H
#define COLDBPF_OUTPUT_FORMAT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct profile;
struct deadcode;

enum output_input {
	OUT_PROFILE,	/* struct profile */
	OUT_DEADCODE,	/* struct deadcode, statuses decided and sorted */
};

struct output_opts {
	int top;	/* rows per table (text) */
	bool lines;	/* per-function line breakdown (text) */
	bool stats;	/* sampler statistics (text) */
};

struct output_format {
	const char *name;	/* as --format takes it */
	enum output_input input;
	bool directory;		/* writes a directory of files (dest must be given) */
	bool binary;		/* never written to a terminal */
	int (*profile)(const struct profile *p, const struct output_opts *o, FILE *f);
	int (*deadcode)(const struct deadcode *d, FILE *f);
	int (*deadcode_dir)(const struct deadcode *d, const char *dir, size_t *files);
	const char *what;	/* one line for --help */
};

/* The format of that input called name, or NULL. */
const struct output_format *format__find(enum output_input in, const char *name);
/* "text, tsv or json": the names of one input's file formats, for messages. */
void format__names(enum output_input in, bool directories, char *buf, size_t sz);
/* Write data in format f to dest (NULL or "-": stdout). 0, or -1 after a
 * one-line message. */
int format__write(const struct output_format *f, const void *data, const struct output_opts *o,
		  const char *dest);
#endif
