// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "lib/msg.h"
#include <stdarg.h>
#include <stdio.h>

int msg_verbose;

static void vsay(const char *fmt, va_list ap)
{
	fputs("coldbpf: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void msg__err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

void msg__dbg(const char *fmt, ...)
{
	va_list ap;

	if (!msg_verbose)
		return;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}
