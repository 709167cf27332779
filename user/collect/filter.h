/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which processes --all-python and serve profile: include and exclude
 * patterns by program (fnmatch glob over the executable, the script, or
 * both as profile__program gives them), by user (name or uid), and by
 * cgroup (a glob over the process's cgroup paths: a container or a systemd
 * unit). A process is profiled when, for every kind with include patterns,
 * one matches, and no exclude pattern matches. Read from /proc before the
 * process is classified (an excluded process costs no ELF read).
 */
#ifndef COLDBPF_COLLECT_FILTER_H
#define COLDBPF_COLLECT_FILTER_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum filter_kind { FILTER_PROGRAM, FILTER_USER, FILTER_CGROUP, FILTER_KINDS };

struct target_filter {
	struct filter_list {
		char **pat;	/* FILTER_USER: decimal uids */
		size_t n;
	} inc[FILTER_KINDS], exc[FILTER_KINDS];
};

/* Add a pattern ("user": a name or a uid). 0, or -1 after a message. */
int filter__add(struct target_filter *f, enum filter_kind k, bool include, const char *pattern);
bool filter__empty(const struct target_filter *f);
/* Whether pid passes (a process gone meanwhile does not). */
bool filter__wants(const struct target_filter *f, int pid);
void filter__free(struct target_filter *f);
#endif
