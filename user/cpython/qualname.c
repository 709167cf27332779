// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cpython/qualname.h"
#include <ctype.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCOPES 64
#define HEADER_SEARCH 64	/* lines between a decorator and its def */

struct line {
	const char *s;
	size_t n;
};

struct scope {
	bool is_class;
	const char *name;
	size_t n;
};

static int indent_of(const struct line *l, bool *blank)
{
	int col = 0;
	size_t i;

	for (i = 0; i < l->n && (l->s[i] == ' ' || l->s[i] == '\t' || l->s[i] == '\f'); i++)
		col = l->s[i] == '\t' ? (col / 8 + 1) * 8 : col + 1;
	*blank = i == l->n || l->s[i] == '#' || l->s[i] == '\r';
	return col;
}

/* "def NAME", "async def NAME" or "class NAME" at the start of the stripped line */
static bool def_header(const struct line *l, bool *is_class, const char **name, size_t *nlen)
{
	const char *p = l->s, *end = l->s + l->n;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (end - p > 6 && !strncmp(p, "async", 5) && isspace((unsigned char)p[5])) {
		p += 5;
		while (p < end && isspace((unsigned char)*p))
			p++;
	}
	if (end - p > 4 && !strncmp(p, "def", 3) && isspace((unsigned char)p[3])) {
		*is_class = false;
		p += 3;
	} else if (end - p > 6 && !strncmp(p, "class", 5) && isspace((unsigned char)p[5])) {
		*is_class = true;
		p += 5;
	} else {
		return false;
	}
	while (p < end && isspace((unsigned char)*p))
		p++;
	*name = p;
	while (p < end && (isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80))
		p++;
	*nlen = p - *name;
	return *nlen > 0;
}

/* a block statement (if/for/with/try/else...) ends with ':' before any comment */
static bool ends_block(const struct line *l)
{
	size_t n = l->n;
	const char *hash = memchr(l->s, '#', n);

	if (hash)
		n = hash - l->s;
	while (n && isspace((unsigned char)l->s[n - 1]))
		n--;
	return n && l->s[n - 1] == ':';
}

int qualname__from_source(const char *src, size_t len, int firstlineno, const char *co_name,
			 char *out, size_t outsz)
{
	struct line *lines;
	struct scope scopes[MAX_SCOPES];
	size_t nlines = 0, cap = 1024, nscopes = 0, o = 0;
	int anchor, bound, ret = -1;
	bool blank, is_class;
	const char *name;
	size_t nlen;

	if (!strcmp(co_name, "<module>")) {
		snprintf(out, outsz, "<module>");
		return 0;
	}
	if (firstlineno < 1)
		return -1;
	lines = malloc(cap * sizeof(*lines));
	if (!lines)
		return -1;
	for (const char *p = src, *end = src + len; p < end;) {
		const char *nl = memchr(p, '\n', end - p);

		if (nlines == cap) {
			struct line *t = realloc(lines, (cap *= 2) * sizeof(*lines));

			if (!t)
				goto out;
			lines = t;
		}
		lines[nlines].s = p;
		lines[nlines].n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		nlines++;
		p = nl ? nl + 1 : end;
	}
	if ((size_t)firstlineno > nlines)
		goto out;

	anchor = firstlineno - 1;
	if (co_name[0] != '<') {
		/* a def or class: skip decorators to its header, which must name co_name */
		int i;

		for (i = anchor; i < (int)nlines && i < anchor + HEADER_SEARCH; i++)
			if (def_header(&lines[i], &is_class, &name, &nlen))
				break;
		if (i >= (int)nlines || i >= anchor + HEADER_SEARCH || nlen != strlen(co_name) ||
		    strncmp(name, co_name, nlen))
			goto out;
		anchor = i;
	}
	/* lambdas and comprehensions live in the scope around their line */
	bound = indent_of(&lines[anchor], &blank);
	for (int i = anchor - 1; i >= 0 && bound > 0; i--) {
		int ind = indent_of(&lines[i], &blank);

		if (blank || ind >= bound)
			continue;
		if (def_header(&lines[i], &is_class, &name, &nlen)) {
			if (nscopes == MAX_SCOPES)
				goto out;
			scopes[nscopes].is_class = is_class;
			scopes[nscopes].name = name;
			scopes[nscopes].n = nlen;
			nscopes++;
			bound = ind;
		} else if (ends_block(&lines[i])) {
			bound = ind;	/* if/for/with/try: not a scope */
		}
		/* else a continuation line or string: no structure */
	}
	for (size_t k = nscopes; k-- > 0;) {
		int w = snprintf(out + o, outsz - o, "%.*s%s", (int)scopes[k].n, scopes[k].name,
				 scopes[k].is_class ? "." : ".<locals>.");

		if (w < 0 || (size_t)w >= outsz - o)
			goto out;
		o += w;
	}
	if ((size_t)snprintf(out + o, outsz - o, "%s", co_name) >= outsz - o)
		goto out;
	ret = 0;
out:
	free(lines);
	return ret;
}
