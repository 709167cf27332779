// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/format.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "lib/file.h"
#include "lib/msg.h"
#include "output/coldlist.h"
#include "output/folded.h"
#include "output/html.h"
#include "output/pprof.h"
#include "output/text.h"
#include "profile/json.h"

static int profile_json(const struct profile *p, const struct output_opts *o, FILE *f)
{
	return profile__dump_json(p, f);
}

static int profile_folded(const struct profile *p, const struct output_opts *o, FILE *f)
{
	return folded__write(p, f);
}

static const struct output_format formats[] = {
	{ "text", OUT_PROFILE, false, .profile = text__write, .what = "the heatmap tables" },
	{ "folded", OUT_PROFILE, false, .profile = profile_folded,
	  .what = "collapsed stacks for flamegraph.pl / speedscope" },
	{ "json", OUT_PROFILE, false, .profile = profile_json,
	  .what = "the coldbpf profile (docs/profile-format.md)" },
	{ "pprof", OUT_PROFILE, false, .binary = true, .profile = pprof__write,
	  .what = "gzipped pprof, with the dead-code evidence (docs/pprof.md)" },
	{ "text", OUT_DEADCODE, false, .deadcode = coldlist__text, .what = "the dead-code list" },
	{ "tsv", OUT_DEADCODE, false, .deadcode = coldlist__tsv, .what = "the list as tab-separated values" },
	{ "json", OUT_DEADCODE, false, .deadcode = coldlist__json, .what = "the list as JSON" },
	{ "html", OUT_DEADCODE, true, .deadcode_dir = html__write,
	  .what = "a heatmap of the source tree, one page per file" },
};

const struct output_format *format__find(enum output_input in, const char *name)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].input == in && !strcmp(formats[i].name, name))
			return &formats[i];
	return NULL;
}

void format__names(enum output_input in, bool directories, char *buf, size_t sz)
{
	size_t n = 0, k = 0, o = 0;

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		n += formats[i].input == in && formats[i].directory == directories;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]) && o < sz; i++) {
		if (formats[i].input != in || formats[i].directory != directories)
			continue;
		k++;
		o += snprintf(buf + o, sz - o, "%s%s", k == 1 ? "" : k == n ? " or " : ", ", formats[i].name);
	}
}

int format__write(const struct output_format *f, const void *data, const struct output_opts *o,
		  const char *dest)
{
	static const struct output_opts none;
	bool to_stdout = !dest || !strcmp(dest, "-");
	struct outfile *of = NULL;
	FILE *out;
	int err;

	if (!o)
		o = &none;
	if (f->directory) {
		size_t files = 0;

		if (to_stdout) {
			msg__err("the %s format writes a directory: give its name", f->name);
			return -1;
		}
		if (file__make_dir(dest))
			return -1;
		return f->deadcode_dir(data, dest, &files);
	}
	if (to_stdout && f->binary && isatty(STDOUT_FILENO)) {
		msg__err("the %s format is binary: give -o FILE, or redirect standard output", f->name);
		return -1;
	}
	if (to_stdout) {
		out = stdout;
	} else {
		if (!(of = file__create(dest)))
			return -1;
		out = of->f;
	}
	err = f->input == OUT_PROFILE ? f->profile(data, o, out) : f->deadcode(data, out);
	if (to_stdout) {
		if (fflush(stdout) || err) {
			msg__err("cannot write to standard output");
			return -1;
		}
		return 0;
	}
	if (err) {
		msg__err("cannot write %s", dest);
		file__abort(of);
		return -1;
	}
	return file__commit(of);
}
