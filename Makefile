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

all: atspace-fcgi $(TOOL_BIN)

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
