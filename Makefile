# atspace: plain make, no configure step. See README.md.

PREFIX	?= /usr/local
DESTDIR	?=
CC	?= cc
PKGS	 = fcgi json-c sqlite3 libjwt libsecp256k1 libcurl openssl

WARN	 = -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
	   -Wmissing-declarations -Wshadow -Wpointer-arith -Wsign-compare \
	   -Wcast-qual -Wformat=2 -Wno-format-nonliteral
CFLAGS	?= -O2 -g
CFLAGS	+= $(WARN) -std=c11 -D_GNU_SOURCE -Icore -Ibuild
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Debian's libfcgi-dev ships no .pc file.
ifeq ($(PKG_LIBS),)
PKG_LIBS   := -lfcgi -ljson-c -lsqlite3 -ljwt -lsecp256k1 -lcurl -lssl -lcrypto
endif
LIBS	 = $(filter-out -lfcgi,$(PKG_LIBS)) -lfcgi

CORE_SRC := $(wildcard core/*.c)
FCGI_SRC := $(wildcard fcgi/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
TOOL_SRC := $(wildcard tests/tools/*.c)
SCHEMA   := $(sort $(wildcard schema/[0-9]*.sql))

CORE_OBJ := $(CORE_SRC:%.c=build/%.o) build/schema_sql.o
FCGI_OBJ := $(FCGI_SRC:%.c=build/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=build/tools/%)

all: atspace-fcgi $(TOOL_BIN) build/tools/libjwt-mint

atspace-fcgi: $(FCGI_OBJ) build/libcore.a
	$(CC) $(LDFLAGS) -o $@ $(FCGI_OBJ) build/libcore.a $(LIBS)

build/libcore.a: $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $(CORE_OBJ)

build/%.o: %.c $(wildcard core/*.h fcgi/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# The migrations are compiled in, so the binary needs no schema/ at run time.
build/schema_sql.c: $(SCHEMA) tests/tools/embed.sh
	@mkdir -p build
	sh tests/tools/embed.sh $(SCHEMA) > $@

build/schema_sql.o: build/schema_sql.c
	$(CC) $(CFLAGS) -c -o $@ $<

build/tests/%: tests/unit/%.c tests/unit/unit.h build/libcore.a
	@mkdir -p build/tests
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/unit -o $@ $< build/libcore.a $(LIBS)

build/tools/%: tests/tools/%.c build/libcore.a
	@mkdir -p build/tools
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< build/libcore.a $(LIBS)

# Without -Icore, so that <jwt.h> is libjwt's and not core/jwt.h.
build/tools/libjwt-mint: tests/tools/libjwt/libjwt-mint.c
	@mkdir -p build/tools
	$(CC) -O2 -g $(WARN) -std=c11 -D_GNU_SOURCE -o $@ $< -ljwt -lcrypto

unit: $(UNIT_BIN)

# The test command README promises: unit tests, then the integration
# suite through nginx; ends with "N passed, N failed".
check: all unit
	sh tests/run.sh

run: all
	sh deploy/run-local.sh

clean:
	rm -rf build atspace-fcgi

.PHONY: all unit check run clean

# The benchmark (issue 5): not part of check. BENCH_ARGS passes options
# to bench/bench.py, e.g. BENCH_ARGS="--seconds 5 --repeat 1".
BENCH_BIN := build/bench/empty-fcgi build/bench/stub-fcgi \
	     build/bench/verify-rate build/bench/commit-rate build/bench/load-db

build/bench/empty-fcgi: bench/empty-fcgi.c
	@mkdir -p build/bench
	$(CC) $(CFLAGS) -o $@ $< -lfcgi

build/bench/stub-fcgi: bench/stub-core.c $(FCGI_OBJ) build/libcore.a
	@mkdir -p build/bench
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ bench/stub-core.c $(FCGI_OBJ) \
	    build/libcore.a $(LIBS)

build/bench/%: bench/%.c build/libcore.a
	@mkdir -p build/bench
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< build/libcore.a $(LIBS)

bench: all $(BENCH_BIN)
	python3 bench/bench.py $(BENCH_ARGS)

.PHONY: bench

# Reliability (README "Reliability"). fuzz and fuzz-smoke build the
# libFuzzer targets in tests/fuzz with clang, ASan and UBSan into
# build/fuzz; check-asan runs the whole suite from a sanitizer build in
# build/asan; valgrind runs one worker under valgrind on a mixed
# request set. None of them is part of "all".
FUZZ_CC		?= clang
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer -g -O1
FUZZ_SECONDS	?= 600
FUZZ_SMOKE_SECONDS ?= 8
FUZZ_SRC	:= $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN	:= $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_OBJ	:= $(CORE_SRC:%.c=build/fuzz/%.o) build/fuzz/schema_sql.o

build/fuzz/core/%.o: core/%.c $(wildcard core/*.h)
	@mkdir -p build/fuzz/core
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(WARN) -std=c11 \
	    -D_GNU_SOURCE -Icore $(PKG_CFLAGS) -c -o $@ $<

build/fuzz/schema_sql.o: build/schema_sql.c
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_SAN) -c -o $@ $<

# An archive, so fuzz_xrpc.c (which includes core/xrpc.c) leaves the
# archive's copy of it out.
build/fuzz/libcore.a: $(FUZZ_OBJ)
	rm -f $@
	ar rcs $@ $(FUZZ_OBJ)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libcore.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(WARN) -std=c11 \
	    -D_GNU_SOURCE -Icore $(PKG_CFLAGS) -o $@ $< build/fuzz/libcore.a \
	    $(filter-out -lfcgi,$(PKG_LIBS))

fuzz-build: $(FUZZ_BIN)

# make fuzz FUZZ_SECONDS=600 [FUZZ_TARGETS="json jwt"]
fuzz: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

# The same sources built with clang's sanitizers in a copy of the tree
# under build/asan, then "make check" there: every unit and integration
# case runs against the sanitized service and tools.
ASAN_FLAGS	 = -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer -g -O1
check-asan:
	sh tests/fuzz/asan.sh "$(FUZZ_CC)" "$(ASAN_FLAGS)"

valgrind: all
	python3 tests/fuzz/valgrind.py

.PHONY: fuzz-build fuzz fuzz-smoke check-asan valgrind

# The administration tool (issue 7): ctl/, linked against the core for
# the configuration, syntax checks, TIDs, strict JSON and CIDs.
CTL_SRC := $(wildcard ctl/*.c)
CTL_OBJ := $(CTL_SRC:%.c=build/%.o)

all: atspacectl

build/ctl/%.o: ctl/%.c $(wildcard ctl/*.h core/*.h)
	@mkdir -p build/ctl
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Ictl -c -o $@ $<

atspacectl: $(CTL_OBJ) build/libcore.a
	$(CC) $(LDFLAGS) -o $@ $(CTL_OBJ) build/libcore.a $(LIBS)

clean: clean-atspacectl
clean-atspacectl:
	rm -f atspacectl

# make install [PREFIX=/usr/local] [DESTDIR=]: the two programs, their
# manual pages, and the deploy/ examples under share/atspace, with the
# example units pointing at PREFIX's binaries. make uninstall removes
# exactly those files.
BINDIR	 = $(PREFIX)/bin
MANDIR	 = $(PREFIX)/share/man
SHAREDIR = $(PREFIX)/share/atspace
DOCDIR	 = $(PREFIX)/share/doc/atspace
SHARE_FILES = atspace.conf.example nginx.conf lighttpd.conf \
	      atspace.service atspace.socket spawn-fcgi.sh

install: atspace-fcgi atspacectl
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 atspace-fcgi atspacectl $(DESTDIR)$(BINDIR)
	install -m 0644 man/atspace-fcgi.8 man/atspacectl.8 \
	    $(DESTDIR)$(MANDIR)/man8
	install -m 0644 man/atspace.conf.5 $(DESTDIR)$(MANDIR)/man5
	for f in $(SHARE_FILES); do \
		sed 's|/usr/local|$(PREFIX)|g' deploy/$$f \
		    >$(DESTDIR)$(SHAREDIR)/$$f || exit 1; \
		chmod 0644 $(DESTDIR)$(SHAREDIR)/$$f; \
	done
	chmod 0755 $(DESTDIR)$(SHAREDIR)/spawn-fcgi.sh
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/atspace-fcgi $(DESTDIR)$(BINDIR)/atspacectl
	rm -f $(DESTDIR)$(MANDIR)/man8/atspace-fcgi.8 \
	    $(DESTDIR)$(MANDIR)/man8/atspacectl.8 \
	    $(DESTDIR)$(MANDIR)/man5/atspace.conf.5
	for f in $(SHARE_FILES); do rm -f $(DESTDIR)$(SHAREDIR)/$$f; done
	rm -f $(DESTDIR)$(DOCDIR)/README.md
	-rmdir $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(DOCDIR) 2>/dev/null

.PHONY: install uninstall clean-atspacectl
