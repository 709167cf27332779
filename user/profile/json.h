/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The saved profile (schema: docs/profile-format.md). */
#ifndef COLDBPF_PROFILE_JSON_H
#define COLDBPF_PROFILE_JSON_H
#include <stdio.h>
#include "profile/profile.h"

/* The profile as JSON on f; 0, or -1 on a write error. */
int profile__dump_json(const struct profile *p, FILE *f);
/* 0 on success; -1 with a one-line reason in err. */
int profile__save_json(const struct profile *p, const char *path, char *err, size_t errsz);
/* NULL with a one-line reason in err when the file is missing, not JSON,
 * of another format version, or inconsistent (indices out of range). */
struct profile *profile__load_json(const char *path, char *err, size_t errsz);
#endif
