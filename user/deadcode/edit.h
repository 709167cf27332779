/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef COLDBPF_DEADCODE_EDIT_H
#define COLDBPF_DEADCODE_EDIT_H
#include <sys/stat.h>

/* Delete lines first..last (1-based) of path and the blank lines after them
 * beyond the rhythm kept before them, through a temporary file renamed over
 * path. Refuses (-1 after a message, nothing written) when path changed
 * since was (mtime or size). 0 on success. */
int edit__delete_lines(const char *path, int first, int last, const struct stat *was);
#endif
