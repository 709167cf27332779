// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "deadcode/ignorefile.h"
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"
#include "lib/msg.h"
#include "lib/file.h"

struct ignorefile {
	char **globs;
	size_t nglobs;
	char **keys;
	size_t nkeys;
};

static void push(char ***arr, size_t *n, const char *s)
{
	*arr = xrealloc(*arr, *n + 1, sizeof(char *));
	(*arr)[(*n)++] = xstrdup(s);
}

struct ignorefile *ignorefile__load(const char *root)
{
	struct ignorefile *ig = xcalloc(1, sizeof(*ig));
	char path[4200], *data, *line, *save = NULL;
	int lineno = 0;

	snprintf(path, sizeof(path), "%s/%s", root, IGNORE_FILE);
	data = file__read(path, 1 << 20, NULL);
	if (!data)
		return ig;	/* none: nothing ignored */
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *end;

		lineno++;
		if (hash)
			*hash = 0;
		while (*line == ' ' || *line == '\t')
			line++;
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = 0;
		if (!*line)
			continue;
		if (!strncmp(line, "file ", 5))
			push(&ig->globs, &ig->nglobs, line + 5);
		else if (!strncmp(line, "key ", 4) && strchr(line + 4, ':'))
			push(&ig->keys, &ig->nkeys, line + 4);
		else {
			msg__err("%s:%d: expected 'file GLOB' or 'key PATH:QUALNAME'", path, lineno);
			free(data);
			ignorefile__free(ig);
			return NULL;
		}
	}
	free(data);
	return ig;
}

void ignorefile__free(struct ignorefile *ig)
{
	if (!ig)
		return;
	for (size_t i = 0; i < ig->nglobs; i++)
		free(ig->globs[i]);
	for (size_t i = 0; i < ig->nkeys; i++)
		free(ig->keys[i]);
	free(ig->globs);
	free(ig->keys);
	free(ig);
}

bool ignorefile__ignores_key(const struct ignorefile *ig, const char *path, const char *qualname)
{
	size_t pl;

	if (!path || !qualname)
		return false;
	pl = strlen(path);
	for (size_t i = 0; i < ig->nkeys; i++) {
		const char *k = ig->keys[i];

		/* a key names a definition and everything nested in it */
		if (!strncmp(k, path, pl) && k[pl] == ':') {
			size_t ql = strlen(k + pl + 1);

			if (!strncmp(qualname, k + pl + 1, ql) && (qualname[ql] == 0 || qualname[ql] == '.'))
				return true;
		}
	}
	return false;
}

bool ignorefile__ignores_name(const struct ignorefile *ig, const char *path, const char *name)
{
	size_t pl = strlen(path), nl = strlen(name);

	for (size_t i = 0; i < ig->nkeys; i++) {
		const char *k = ig->keys[i], *q, *last;

		if (strncmp(k, path, pl) || k[pl] != ':')
			continue;
		q = k + pl + 1;
		last = strrchr(q, '.');
		last = last ? last + 1 : q;
		if (strlen(last) == nl && !strcmp(last, name))
			return true;
	}
	return false;
}

char *ignorefile__globs_json(const struct ignorefile *ig)
{
	json_t *a = json_array();
	char *s;

	for (size_t i = 0; i < ig->nglobs; i++)
		json_array_append_new(a, json_string(ig->globs[i]));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

int ignorefile__add_key(const char *root, const char *key)
{
	struct ignorefile *ig = ignorefile__load(root);
	char path[4200];
	FILE *f;

	if (!ig)
		return -1;
	for (size_t i = 0; i < ig->nkeys; i++)
		if (!strcmp(ig->keys[i], key)) {
			ignorefile__free(ig);
			return 1;
		}
	ignorefile__free(ig);
	snprintf(path, sizeof(path), "%s/%s", root, IGNORE_FILE);
	f = fopen(path, "a");
	if (!f || fprintf(f, "key %s\n", key) < 0 || fclose(f)) {
		msg__err("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
