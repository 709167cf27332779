/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef COLDBPF_OUTPUT_HTML_H
#define COLDBPF_OUTPUT_HTML_H
#include <stddef.h>
#include "deadcode/deadcode.h"

/* index.html and one page per inventory file into outdir (which exists);
 * the source text is read from d->root. 0 with *pages, or -1 after a message. */
int html__write(const struct deadcode *d, const char *outdir, size_t *pages);
#endif
