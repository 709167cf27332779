// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "lib/procfs.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/file.h"
#include "lib/str.h"

int procfs__stat(int pid, uint64_t *starttime, uint64_t *vsize)
{
	char path[64], *buf, *p;
	unsigned long long st, vs;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	buf = file__read(path, 8192, NULL);
	if (!buf)
		return -1;
	/* comm may contain spaces and parentheses: fields restart after the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			 "%*d %*d %llu %llu", &st, &vs) != 2) {
		free(buf);
		return -1;
	}
	*starttime = st;
	if (vsize)
		*vsize = vs;
	free(buf);
	return 0;
}

int procfs__starttime(int pid, uint64_t *out)
{
	return procfs__stat(pid, out, NULL);
}

int procfs__ppid(int pid)
{
	char path[64], *buf, *p;
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	buf = file__read(path, 8192, NULL);
	if (!buf)
		return -1;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1)
		ppid = -1;
	free(buf);
	return ppid;
}

int procfs__nspid(int pid)
{
	char path[64], *buf, *line, *end;
	int ns = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	buf = file__read(path, 16384, NULL);
	if (!buf)
		return -1;
	line = strstr(buf, "\nNSpid:");
	if (line) {
		line += 7;
		for (;;) {	/* outermost first: keep the last */
			long v = strtol(line, &end, 10);

			if (end == line || v <= 0 || v > INT32_MAX)
				break;
			ns = (int)v;
			line = end;
		}
	}
	free(buf);
	return ns;
}

void procfs__comm(int pid, char *buf, size_t sz)
{
	char path[64], *s;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	s = file__read(path, 256, NULL);
	if (!s) {
		snprintf(buf, sz, "?");
		return;
	}
	s[strcspn(s, "\n")] = 0;
	str__sanitize(s, buf, sz);
	free(s);
}

void procfs__cmdline(int pid, char *buf, size_t sz)
{
	char path[64], *s;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	s = file__read(path, 65536, &n);
	if (!s || !n) {
		free(s);
		procfs__comm(pid, buf, sz);
		return;
	}
	for (size_t i = 0; i + 1 < n; i++)
		if (!s[i])
			s[i] = ' ';
	str__sanitize(s, buf, sz);
	free(s);
}

bool procfs__alive(int pid, uint64_t starttime)
{
	char path[64], *buf, *p, state = 0;
	unsigned long long st = 0;
	bool alive;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	buf = file__read(path, 8192, NULL);
	if (!buf)
		return false;
	p = strrchr(buf, ')');
	alive = p && sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			    "%*d %*d %*d %llu", &state, &st) == 2 &&
		st == starttime && state != 'Z' && state != 'X';	/* a zombie has exited */
	free(buf);
	return alive;
}


void procfs__link(int pid, const char *which, char *buf, size_t sz)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, which);
	n = readlink(path, buf, sz - 1);
	if (n <= 0 || memchr(buf, '\n', n)) {
		buf[0] = 0;
		return;
	}
	buf[n] = 0;
	if (n >= 10 && !strcmp(buf + n - 10, " (deleted)"))
		buf[0] = 0;	/* the directory is gone: no place to resolve in */
}

double procfs__age(uint64_t starttime)
{
	char *s = file__read("/proc/uptime", 256, NULL);
	double up = -1;
	long hz = sysconf(_SC_CLK_TCK);

	if (!s)
		return -1;
	if (sscanf(s, "%lf", &up) != 1 || hz <= 0)
		up = -1;
	free(s);
	if (up < 0)
		return -1;
	up -= (double)starttime / hz;
	return up < 0 ? 0 : up;
}
