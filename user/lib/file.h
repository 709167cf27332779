/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * coldbpf's own files: /proc entries, profiles and source trees the user
 * named, outputs. Never a file that a target names: those go through
 * lib/tfile.h, the one reader of target files.
 */
#ifndef COLDBPF_LIB_FILE_H
#define COLDBPF_LIB_FILE_H
#include <stddef.h>
#include <stdio.h>

/* A whole file (at most max bytes) as a NUL-terminated buffer; NULL with
 * errno on error. *len (may be NULL) gets the length. Caller frees. */
char *file__read(const char *path, size_t max, size_t *len);

/* Split a buffer into lines in place ('\n' becomes NUL); returns the array
 * of line starts (caller frees it, not the lines) and *n. */
char **file__split_lines(char *data, size_t *n);

/* Outputs go through these two, so that how a file is created (and later
 * replaced atomically) is decided in one place. NULL/-1 after a message. */
FILE *file__create(const char *path);
int file__commit(FILE *f, const char *path);
#endif
