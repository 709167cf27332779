/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The per-target opt-out of CPython's static markers (docs/usdt.md "Keeping
 * the probes off a process"): a process is sampled as usual, but no uprobe
 * and no semaphore is written into it, when
 *  - the operator's --usdt-exclude filters match it (the --exclude syntax:
 *    program glob, user, cgroup glob; collect/filter.h), or
 *  - it says so itself: COLDBPF_USDT=off (or =none) in the environment it
 *    was started with (/proc/PID/environ, read bounded: ENV_SCAN_MAX bytes).
 * Decided once, when the process is registered. `coldbpf audit` honours
 * only the operator's filters (a process must not silence the audit stream).
 */
#ifndef COLDBPF_COLLECT_USDTOPT_H
#define COLDBPF_COLLECT_USDTOPT_H
#include <stdbool.h>
#include <stddef.h>

struct target_filter;

enum usdt_off {
	USDT_ON = 0,
	USDT_OFF_FILTER,	/* --usdt-exclude */
	USDT_OFF_ENV,		/* COLDBPF_USDT=off in its environment */
};

/* Environments longer than this are scanned only this far (said by -v). */
#define ENV_SCAN_MAX (1u << 20)
#define USDTOPT_ENV "COLDBPF_USDT"

/* A scan of a NUL-separated environment fed in pieces: like getenv(), the
 * first COLDBPF_USDT= entry decides. */
struct envscan {
	int m;			/* bytes of "COLDBPF_USDT=" matched in this entry, -1: not it */
	char val[8];		/* the value so far, NUL-terminated at its end (longer values do not match) */
	size_t nval;
	bool decided, off;
};
void envscan__init(struct envscan *s);
void envscan__feed(struct envscan *s, const char *buf, size_t n);
/* The end of the data: true when the first COLDBPF_USDT entry is off/none. */
bool envscan__end(struct envscan *s);

/* Whether a COLDBPF_USDT value says off ("off", "none"; NULL: no). */
bool usdtopt__env_off(const char *value);
/* Whether pid's markers stay off, and why (USDT_*): exclude may be NULL;
 * env: honour the process's own COLDBPF_USDT=off. */
enum usdt_off usdtopt__check(const struct target_filter *exclude, bool env, int pid);
/* "--usdt-exclude", "COLDBPF_USDT=off in its environment" */
const char *usdtopt__why(enum usdt_off off);
#endif
