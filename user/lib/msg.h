/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Messages to the user: one line on stderr, "coldbpf: " first. */
#ifndef COLDBPF_LIB_MSG_H
#define COLDBPF_LIB_MSG_H

/* -v count: 1 says what is found and how, 2 adds libbpf's debug output */
extern int msg_verbose;

/* "coldbpf: <msg>\n" on stderr. */
void msg__err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, only with -v. */
void msg__dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
