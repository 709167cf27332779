/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef COLDBPF_DEADCODE_EDIT_H
#define COLDBPF_DEADCODE_EDIT_H
#include <sys/stat.h>

/* Delete lines first..last (1-based) of path and the blank lines after them
 * beyond the rhythm kept before them (a lone definition in its block becomes
 * `pass`), through a temporary file renamed over path, keeping its owner and
 * mode; under sudo, with the invoking user's filesystem credentials. Refuses
 * (-1 after a message, nothing written) symlinks, files over 64 MiB and files
 * that changed since was (inode, mtime or size). 0 on success. */
int edit__delete_lines(const char *path, int first, int last, const struct stat *was);
#endif
