// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/usdtopt.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "collect/filter.h"
#include "lib/msg.h"

static const char key[] = USDTOPT_ENV "=";

void envscan__init(struct envscan *s)
{
	memset(s, 0, sizeof(*s));
}

bool usdtopt__env_off(const char *v)
{
	return v && (!strcmp(v, "off") || !strcmp(v, "none"));
}

/* One entry ended: the first COLDBPF_USDT= one decides. */
static void entry_end(struct envscan *s)
{
	if (!s->decided && s->m == (int)sizeof(key) - 1) {
		s->decided = true;
		if (s->nval < sizeof(s->val)) {
			s->val[s->nval] = 0;
			s->off = usdtopt__env_off(s->val);
		}
	}
	s->m = 0;
	s->nval = 0;
}

void envscan__feed(struct envscan *s, const char *buf, size_t n)
{
	for (size_t i = 0; i < n && !s->decided; i++) {
		char c = buf[i];

		if (!c)
			entry_end(s);
		else if (s->m < 0)
			continue;	/* another variable: skip to its end */
		else if (s->m < (int)sizeof(key) - 1)
			s->m = c == key[s->m] ? s->m + 1 : -1;
		else if (s->nval < sizeof(s->val))
			s->val[s->nval++] = c;
		else
			s->nval = sizeof(s->val);	/* too long for off/none */
	}
}

bool envscan__end(struct envscan *s)
{
	if (!s->decided && s->m > 0)
		entry_end(s);	/* the last entry without its NUL */
	return s->decided && s->off;
}

/* The environment the process was started with (the kernel reads it from
 * the target's memory between env_start and env_end: hostile, so only
 * compared byte by byte, at most ENV_SCAN_MAX bytes, and wiped after). */
static bool env_says_off(int pid)
{
	char path[64], buf[4096];
	struct envscan s;
	size_t total = 0;
	ssize_t r = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;	/* gone (its attach fails too), or not ours to read */
	envscan__init(&s);
	while (total < ENV_SCAN_MAX && !s.decided) {
		size_t want = ENV_SCAN_MAX - total < sizeof(buf) ? ENV_SCAN_MAX - total : sizeof(buf);

		r = read(fd, buf, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		envscan__feed(&s, buf, r);
		total += r;
	}
	if (total >= ENV_SCAN_MAX && !s.decided)
		msg__dbg("usdt: PID %d: environment longer than %u bytes, the rest not looked at for %s",
			 pid, ENV_SCAN_MAX, USDTOPT_ENV);
	close(fd);
	explicit_bzero(buf, sizeof(buf));	/* it may hold secrets */
	return envscan__end(&s);
}

enum usdt_off usdtopt__check(const struct target_filter *exclude, bool env, int pid)
{
	/* filter__wants() is false for an exclude pattern that matches (and
	 * for a process gone meanwhile, whose attach would fail anyway) */
	if (exclude && !filter__wants(exclude, pid))
		return USDT_OFF_FILTER;
	if (env && env_says_off(pid))
		return USDT_OFF_ENV;
	return USDT_ON;
}

const char *usdtopt__why(enum usdt_off off)
{
	switch (off) {
	case USDT_OFF_FILTER: return "--usdt-exclude";
	case USDT_OFF_ENV: return USDTOPT_ENV "=off in its environment";
	default: return NULL;
	}
}
