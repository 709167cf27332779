/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ignore file at a source root, `.coldbpf-ignore` (like coldmod's
 * rootmarker): lines `file GLOB` (paths relative to the root, fnmatch) and
 * `key PATH:QUALNAME`; `#` starts a comment.
 */
#ifndef COLDBPF_DEADCODE_IGNOREFILE_H
#define COLDBPF_DEADCODE_IGNOREFILE_H
#include <stdbool.h>

#define IGNORE_FILE ".coldbpf-ignore"

struct ignorefile;

/* NULL after a one-line message when the file exists but is malformed;
 * an empty set when there is none. */
struct ignorefile *ignorefile__load(const char *root);
void ignorefile__free(struct ignorefile *ig);
bool ignorefile__ignores_key(const struct ignorefile *ig, const char *path, const char *qualname);
/* A bare co_name (3.8-3.10 when the source no longer shows the definition)
 * that is the last component of an ignored key of that path. */
bool ignorefile__ignores_name(const struct ignorefile *ig, const char *path, const char *name);
/* The file globs as a JSON array (for the inventory helper). Caller frees. */
char *ignorefile__globs_json(const struct ignorefile *ig);
/* Append `key KEY` to root's ignore file unless present; 0, 1 if it was
 * already there, -1 after a message. */
int ignorefile__add_key(const char *root, const char *key);
#endif
