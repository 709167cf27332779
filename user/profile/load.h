/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A saved profile in any format coldbpf reads, told by its content, never
 * by its name: coldbpf's JSON (profile/json.c) or pprof, gzip-compressed
 * or not (profile/pprofread.c, docs/pprof.md). */
#ifndef COLDBPF_PROFILE_LOAD_H
#define COLDBPF_PROFILE_LOAD_H
#include <stddef.h>
#include "profile/profile.h"

/* NULL with a one-line reason in err. */
struct profile *profile__load(const char *path, char *err, size_t errsz);
#endif
