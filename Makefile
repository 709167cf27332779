# coldbpf — see README.md. `make` builds build/coldbpf; `make test` runs every test.
OUT        ?= build
CC         ?= cc
CLANG      ?= clang
BPFTOOL    ?= bpftool
ARCH       := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH  := $(shell $(CC) -dumpmachine)
VERSION    := 0.1.0

CFLAGS     ?= -O2 -g
WARN       := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror
CPPFLAGS   += -Iinclude -Iuser -I$(OUT)/gen -D_GNU_SOURCE -DCOLDBPF_VERSION='"$(VERSION)"' -MMD -MP
LDLIBS     += -lbpf -lelf -lz -ljansson -lmicrohttpd -lm -pthread
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux -Iinclude \
              -I/usr/include/$(MULTIARCH) -Wall -Werror -MMD -MP

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# user/<stage>/<unit>.c (docs/design.md, "Pipeline"); cli/main.c is the entry point
LIB_SRCS   := $(filter-out user/cli/main.c,$(wildcard user/*/*.c))
LIB_OBJS   := $(patsubst user/%.c,$(OUT)/user/%.o,$(LIB_SRCS))
GEN        := $(OUT)/gen/sampler.skel.h $(OUT)/gen/exitread.skel.h $(OUT)/gen/usdt.skel.h $(OUT)/gen/inventory_py.h $(OUT)/gen/html_css.h
# unit tests run the same sources under AddressSanitizer and UBSan
SAN        := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_OBJS   := $(patsubst user/%.c,$(OUT)/san/%.o,$(LIB_SRCS))
MAIN_OBJ   := $(OUT)/user/cli/main.o
UNIT_SRCS  := $(wildcard tests/unit/*.c)
UNIT_OBJS  := $(patsubst tests/unit/%.c,$(OUT)/tests/%.o,$(UNIT_SRCS))
PY311      ?= /usr/bin/python3.11

.PHONY: all deps demo test test-full unit integration bench clean insn-count images fuzz soak roots install
all: $(OUT)/coldbpf

deps:
	$(Q)bash scripts/install-deps.sh

# `make install [PREFIX=/usr/local] [DESTDIR=]`: the binary, the man page and
# the systemd unit of `coldbpf serve` (deploy/coldbpf.service, docs/serve.md)
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
install: $(OUT)/coldbpf
	install -D -m 0755 $(OUT)/coldbpf $(DESTDIR)$(BINDIR)/coldbpf
	install -D -m 0644 docs/coldbpf.1 $(DESTDIR)$(MANDIR)/man1/coldbpf.1
	sed 's|@BINDIR@|$(BINDIR)|' deploy/coldbpf.service > $(OUT)/coldbpf.service
	install -D -m 0644 $(OUT)/coldbpf.service $(DESTDIR)$(UNITDIR)/coldbpf.service

.PRECIOUS: $(OUT)/bpf/%.bpf.o $(OUT)/gen/%.skel.h
$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c bpf/*.h include/*.h | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/gen/%.skel.h: $(OUT)/bpf/%.bpf.o | $(OUT)/gen
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(if $(filter sampler,$*),sampler,$*_skel) > $@.tmp && mv $@.tmp $@

# files embedded as C strings: the inventory helper, the HTML stylesheet
EMBED = python3 -c 'import json, sys; print("static const char %s[] = %s;" % (sys.argv[2], json.dumps(open(sys.argv[1]).read())))'
$(OUT)/gen/inventory_py.h: user/deadcode/inventory.py | $(OUT)/gen
	$(call msg,GEN,$@)
	$(Q)$(EMBED) $< inventory_py > $@.tmp && mv $@.tmp $@
$(OUT)/gen/html_css.h: user/output/html.css | $(OUT)/gen
	$(call msg,GEN,$@)
	$(Q)$(EMBED) $< html_css > $@.tmp && mv $@.tmp $@

# every userspace object may include a generated header: generate them first
$(OUT)/user/%.o: user/%.c $(GEN)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

$(OUT)/coldbpf: $(MAIN_OBJ) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/san/%.o: user/%.c $(GEN)
	@mkdir -p $(@D)
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) $(WARN) -c $< -o $@

$(OUT)/tests/%.o: tests/unit/%.c $(GEN) | $(OUT)/tests
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) $(WARN) -c $< -o $@

$(OUT)/unit-tests: $(UNIT_OBJS) $(SAN_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ $(LDLIBS) -lcriterion -o $@

$(OUT)/record-image: tests/tools/record_image.c $(LIB_OBJS) | $(OUT)/tests
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $^ $(LDLIBS) -o $@

# libFuzzer targets (tests/fuzz/fuzz_*.c) over every decoder of outside input;
# `make fuzz` runs each for FUZZ_SECONDS from its committed seeds
FUZZ_SECONDS ?= 60
FUZZ_CC     := clang
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRCS   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS   := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_OBJS   := $(patsubst user/%.c,$(OUT)/fuzz/obj/%.o,$(LIB_SRCS))

$(OUT)/fuzz/obj/%.o: user/%.c $(GEN)
	@mkdir -p $(@D)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Wall -Werror -Wno-unused-parameter -c $< -o $@

.SECONDARY: $(FUZZ_OBJS)
$(OUT)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(FUZZ_CC) $(filter-out -MMD -MP,$(CPPFLAGS)) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -Wall -Werror $(filter %.c %.o,$^) $(LDLIBS) -o $@

fuzz: $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_BINS); do \
		t=$$(basename $$f); mkdir -p $(OUT)/fuzz/corpus/$$t tests/fuzz/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$(OUT)/fuzz/$$t- \
		    -timeout=10 -rss_limit_mb=2048 $(OUT)/fuzz/corpus/$$t tests/fuzz/corpus/$$t \
		    > $(OUT)/fuzz/$$t.log 2>&1 || { tail -40 $(OUT)/fuzz/$$t.log; exit 1; }; \
		grep -E "stat::number_of_executed_units|stat::new_units_added" $(OUT)/fuzz/$$t.log | tr '\n' ' '; echo; \
	done

# re-record tests/data/memimage-*.txt from every installed CPython (root)
images: $(OUT)/record-image
	/usr/bin/python3 tests/tools/record_images.py

$(OUT)/bpf $(OUT)/gen $(OUT)/tests:
	$(Q)mkdir -p $@

# BPF instruction count, so verifier-budget regressions show up in review
insn-count: $(OUT)/bpf/sampler.bpf.o
	@llvm-objdump -d $< | awk '/^Disassembly of section/{sec=$$4; sub(":$$","",sec)} /^ *[0-9]+:/{n[sec]++} END{for (k in n) printf "  %-28s %d insns\n", k, n[k]}' | sort

unit: $(OUT)/unit-tests $(OUT)/coldbpf
	python3 scripts/check-tree.py
	ASAN_OPTIONS=detect_leaks=1 $(OUT)/unit-tests --jobs 2

integration: $(OUT)/coldbpf
	/usr/bin/python3 tests/integration/run.py

# The one test command (README.md, .ci/run): dependencies, build, unit,
# integration, every fuzzer for 20 s (CI's time: 11 interpreters' integration
# takes about 33 minutes; `make fuzz` alone runs 60 s, `make test-full` 600 s),
# then a 2-minute churn soak (the full one is `make soak`, 10 minutes)
test: deps
	$(MAKE) --no-print-directory all $(OUT)/unit-tests
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory roots
	$(MAKE) --no-print-directory integration
	FUZZ_SECONDS=20 $(MAKE) --no-print-directory fuzz
	SOAK_SECONDS=120 SOAK_SHORT=200 SOAK_WARMUP=30 $(MAKE) --no-print-directory soak

# The long versions (root, about an hour): integration with 1000 churning
# scripts under serve and 2000 short-lived processes under --usdt (t_usdt_leaks), every fuzzer for 10 minutes, the 10-minute soak
test-full: deps
	$(MAKE) --no-print-directory all $(OUT)/unit-tests
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory roots
	SERVE_CHURN_SCRIPTS=1000 USDT_CHURN_PROCS=2000 $(MAKE) --no-print-directory integration
	FUZZ_SECONDS=600 $(MAKE) --no-print-directory fuzz
	SOAK_SECONDS=600 SOAK_SHORT=1000 SOAK_LONG=20 $(MAKE) --no-print-directory soak

demo: deps
	$(MAKE) --no-print-directory all
	$(OUT)/coldbpf -F 499 -d 5 --top 10 --evidence -o $(OUT)/demo.json -- $(PY311) demo/shop.py 60
	@echo; echo "== dead code in demo/ (coldbpf cold, from the saved profile)"
	$(OUT)/coldbpf cold --src demo $(OUT)/demo.json
	$(OUT)/coldbpf html --src demo -o $(OUT)/demo-html $(OUT)/demo.json

# Debian roots with interpreters the host lacks (debootstrap, cached outside
# the clone in /var/cache/coldbpf/roots: made once per machine), and the
# free-threaded 3.13t built from Debian's python3.13 source (cached in
# /var/cache/coldbpf/ft; about 4 minutes on 2 CPUs, once per machine).
# 3.14t builds the same way (tests/tools/build-ft.sh 3.14) but is refused by
# coldbpf for now (docs/free-threaded.md), so no test needs it.
# bullseye: python3.9 with every marker, for the USDT tests (debootstrap took
# 32 s here).
roots:
	bash tests/tools/mkroot.sh sid
	bash tests/tools/mkroot.sh bullseye
	bash tests/tools/build-ft.sh 3.13

# churn soak (root; not part of `make test`): SOAK_SECONDS=600 SOAK_SHORT=1000 SOAK_LONG=20
soak: deps
	$(MAKE) --no-print-directory all
	/usr/bin/python3 tests/soak/churn.py

bench: deps
	$(MAKE) --no-print-directory all
	/usr/bin/python3 tests/bench/overhead.py
	/usr/bin/python3 tests/bench/toggle.py
	/usr/bin/python3 tests/bench/peers.py
	/usr/bin/python3 tests/bench/evidence.py
	/usr/bin/python3 tests/bench/evidence_heaps.py
	/usr/bin/python3 tests/bench/evidence_app.py
	/usr/bin/python3 tests/bench/lines.py
	/usr/bin/python3 tests/bench/serve.py
	/usr/bin/python3 tests/bench/usdt.py
	/usr/bin/python3 tests/bench/calls.py
	/usr/bin/python3 tests/bench/audit.py

clean:
	rm -rf $(OUT)

-include $(wildcard $(OUT)/*/*.d $(OUT)/*/*/*.d $(OUT)/*/*/*/*.d)
