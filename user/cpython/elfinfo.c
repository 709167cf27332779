// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cpython/elfinfo.h"
#include <ctype.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <libelf.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copy len bytes at link-time address vaddr out of the file (not .bss). */
static int read_vaddr(Elf *e, uint64_t vaddr, void *dst, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS || !(sh.sh_flags & SHF_ALLOC))
			continue;
		if (vaddr < sh.sh_addr || vaddr >= sh.sh_addr + sh.sh_size)
			continue;
		if (vaddr + len > sh.sh_addr + sh.sh_size)
			len = sh.sh_addr + sh.sh_size - vaddr;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || vaddr - sh.sh_addr + len > d->d_size)
			return -1;
		memcpy(dst, (char *)d->d_buf + (vaddr - sh.sh_addr), len);
		return (int)len;
	}
	return -1;
}

static bool is_version_string(const char *s, size_t n)
{
	size_t i = 0, dots = 0;

	/* "3.11.2", "3.13.0rc1", "2.7.18+": digits and dots, then an optional tag */
	if (n < 5 || n > 20 || (s[0] != '2' && s[0] != '3') || s[1] != '.')
		return false;
	for (i = 2; i < n && (isdigit((unsigned char)s[i]) || s[i] == '.'); i++)
		dots += s[i] == '.';
	if (dots != 1 || s[i - 1] == '.')
		return false;
	for (; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '+')
			return false;
	return true;
}

static void scan_version_string(Elf *e, size_t shstrndx, struct elfinfo *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e, scn))) {
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".rodata"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			return;
		const char *p = d->d_buf, *end = p + d->d_size;
		while (p < end) {
			size_t n = strnlen(p, end - p);

			/* PY_VERSION may be tail-merged by the linker into a longer
			 * string ("/build/Python-3.8.18"): try every suffix that starts
			 * after a non-version character */
			for (size_t k = 0; k + 5 <= n; k++) {
				if (k && (isdigit((unsigned char)p[k - 1]) || p[k - 1] == '.'))
					continue;
				if (is_version_string(p + k, n - k)) {
					memcpy(out->version_string, p + k, n - k);
					out->version_string[n - k] = 0;
					return;
				}
			}
			p += n + 1;
		}
	}
}

static const char *const marker_names[PYM_NR] = {
	[PYM_FUNCTION_ENTRY] = "function__entry",
	[PYM_FUNCTION_RETURN] = "function__return",
	[PYM_LINE] = "line",
	[PYM_GC_START] = "gc__start",
	[PYM_GC_DONE] = "gc__done",
	[PYM_IMPORT_START] = "import__find__load__start",
	[PYM_IMPORT_DONE] = "import__find__load__done",
	[PYM_AUDIT] = "audit",
};

const char *elfinfo__marker_name(int m)
{
	return m >= 0 && m < PYM_NR ? marker_names[m] : NULL;
}

void elfinfo__marker_list(uint32_t mask, char *buf, size_t sz)
{
	size_t o = 0;

	if (sz)
		buf[0] = 0;
	for (int m = 0; m < PYM_NR && sz; m++)
		if (mask & (1u << m)) {
			int n = snprintf(buf + o, sz - o, "%s%s", o ? "," : "", marker_names[m]);

			if (n < 0 || (size_t)n >= sz - o)
				break;
			o += n;
		}
}

/* SDT notes (type 3, owner "stapsdt"): three addresses (the call site, the
 * .stapsdt.base address, the semaphore), then provider, name and argument
 * strings. Only "python" markers are noted; everything is bounded by the
 * note's own size. */
static void scan_markers(Elf *e, size_t shstrndx, struct elfinfo *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e, scn))) {
		const char *secname;
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off, next;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		secname = elf_strptr(e, shstrndx, sh.sh_name);
		if (!secname || strcmp(secname, ".note.stapsdt"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			return;
		while ((next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			const char *desc = (const char *)d->d_buf + desc_off, *prov, *name;
			size_t len = nh.n_descsz, skip = 3 * sizeof(uint64_t), pl;

			off = next;
			if (nh.n_type != 3 || nh.n_namesz != 8 || memcmp((char *)d->d_buf + name_off, "stapsdt", 8) ||
			    desc_off + len > d->d_size || len <= skip)
				continue;
			prov = desc + skip;
			pl = strnlen(prov, len - skip);
			if (pl >= len - skip - 1 || strcmp(prov, "python"))
				continue;
			name = prov + pl + 1;
			if (!memchr(name, 0, len - skip - pl - 1))
				continue;
			for (int m = 0; m < PYM_NR; m++)
				if (!strcmp(name, marker_names[m]))
					out->markers |= 1u << m;
		}
	}
}

static void scan_symbols(Elf *e, Elf_Scn *scn, GElf_Shdr *sh, struct elfinfo *out)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n;

	if (!d || !sh->sh_entsize)
		return;
	n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(d, i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(e, sh->sh_link, sym.st_name);
		if (!name || (name[0] != '_' && name[0] != 'P'))
			continue;
		if (!strcmp(name, "_PyRuntime"))
			out->runtime = sym.st_value;
		else if (!strcmp(name, "PyCode_Type"))
			out->code_type = sym.st_value;
		else if (!strcmp(name, "PyUnicode_Type"))
			out->unicode_type = sym.st_value;
		else if (!strcmp(name, "PyFunction_Type"))
			out->function_type = sym.st_value;
		else if (!strcmp(name, "PyType_Type"))
			out->type_type = sym.st_value;
		else if (!strcmp(name, "PyBytes_Type"))
			out->bytes_type = sym.st_value;
		else if (!strcmp(name, "PyLong_Type"))
			out->long_type = sym.st_value;
		else if (!strcmp(name, "PyBool_Type"))
			out->bool_type = sym.st_value;
		else if (!strcmp(name, "PyTuple_Type"))
			out->tuple_type = sym.st_value;
		else if (!strcmp(name, "PyList_Type"))
			out->list_type = sym.st_value;
		else if (!strcmp(name, "_Py_NoneStruct"))
			out->none = sym.st_value;
		else if (!strcmp(name, "Py_Initialize"))
			out->is_python = true;
		else if (!strcmp(name, "Py_Version")) {
			uint64_t v = 0;

			if (read_vaddr(e, sym.st_value, &v, sym.st_size == 4 ? 4 : 8) > 0) {
				out->has_py_version = true;
				out->py_version = v & 0xffffffffULL;
			}
		}
	}
}

int elfinfo__read(const char *path, struct elfinfo *out)
{
	int fd, ret = -2;
	struct stat st;
	Elf *e = NULL;
	size_t phnum, shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	/* a target can map a device executable: look before opening anything */
	if (stat(path, &st))
		return -1;
	if (!S_ISREG(st.st_mode))
		return -2;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	/* read, not mmap: a target that truncates its own file under us would
	 * turn a mapped read into SIGBUS */
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &phnum) ||
	    elf_getshdrstrndx(e, &shstrndx))
		goto out;

	out->first_load = UINT64_MAX;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, i, &ph) && ph.p_type == PT_LOAD && ph.p_vaddr < out->first_load)
			out->first_load = ph.p_vaddr & ~0xfffULL;
	}
	if (out->first_load == UINT64_MAX)
		goto out;

	/* .symtab first (unstripped builds), then .dynsym; both give the same values */
	while ((scn = elf_nextscn(e, scn))) {
		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM))
			scan_symbols(e, scn, &sh, out);
	}
	if (out->runtime) {
		int n;

		out->is_python = true;
		n = read_vaddr(e, out->runtime, out->runtime_head, sizeof(out->runtime_head));
		out->runtime_head_len = n > 0 ? (size_t)n : 0;
	}
	if (out->is_python) {
		scan_version_string(e, shstrndx, out);
		scan_markers(e, shstrndx, out);
	}
	ret = 0;
out:
	if (e)
		elf_end(e);
	close(fd);
	return ret;
}
