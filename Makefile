# geoembed — build, test, benchmark, install.
#
#   make                  build ./geoembed
#   make test             unit tests, conformance cases, end-to-end tests
#   make conformance CASES="a.case b.case"
#   make test-sanitize    the test suite under AddressSanitizer + UBSan
#   make test-valgrind    end-to-end tests under valgrind memcheck
#   make bench            side-by-side benchmark against PyTorch
#   make install PREFIX=/usr/local DESTDIR=   /  make uninstall

PREFIX  ?= /usr/local
DESTDIR ?=
INSTALL ?= install
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man/man1
BASHDIR  = $(PREFIX)/share/bash-completion/completions
ZSHDIR   = $(PREFIX)/share/zsh/site-functions
FISHDIR  = $(PREFIX)/share/fish/vendor_completions.d

BUILD   ?= build
CC      ?= gcc
OPT     ?= -O2
PKGS     = gdal proj zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -fopenmp -Iinclude $(SANFLAGS)
LDFLAGS += -fopenmp $(SANFLAGS)
LDLIBS   = -lcsv $(PKG_LIBS) -lm

CORE_SRC = $(wildcard src/core/*.c)
IO_SRC   = $(wildcard src/io/*.c)
CLI_SRC  = $(wildcard src/cli/*.c)
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o)
IO_OBJ   = $(IO_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  = $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB      = $(BUILD)/libgeoembed.a

UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_OBJ = $(UNIT_SRC:%.c=$(BUILD)/%.o)
CONF_OBJ = $(BUILD)/tests/conformance/runner.o $(BUILD)/tests/conformance/case.o
CASES   ?= $(wildcard tests/conformance/*.case)

.PHONY: all test unit conformance e2e test-sanitize test-valgrind bench clean install uninstall

all: geoembed

$(BUILD)/%.o: %.c $(wildcard include/geoembed/*.h src/*/*.h tests/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(LIB): $(CORE_OBJ) $(IO_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/geoembed: $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

geoembed: $(BUILD)/geoembed
	@if [ "$(BUILD)" = build ]; then cp $< $@; fi

$(BUILD)/unit-tests: $(UNIT_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion

$(BUILD)/geoembed-conformance: $(CONF_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests --jobs 2

conformance: $(BUILD)/geoembed-conformance
	$(BUILD)/geoembed-conformance $(CASES)

e2e: $(BUILD)/geoembed
	GEOEMBED=$(BUILD)/geoembed tests/e2e/run.sh

test: unit conformance e2e

test-sanitize:
	$(MAKE) BUILD=build/sanitize OPT=-O1 \
	  SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

test-valgrind: $(BUILD)/geoembed
	GEOEMBED=$(BUILD)/geoembed GEOEMBED_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" tests/e2e/run.sh

bench: $(BUILD)/geoembed-bench
	bench/run.sh $(BUILD)/geoembed-bench

$(BUILD)/geoembed-bench: $(BUILD)/bench/engine_bench.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

install: geoembed
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(BASHDIR) $(DESTDIR)$(ZSHDIR) $(DESTDIR)$(FISHDIR)
	$(INSTALL) -m 755 geoembed $(DESTDIR)$(BINDIR)/geoembed
	$(INSTALL) -m 644 man/*.1 $(DESTDIR)$(MANDIR)/
	$(INSTALL) -m 644 completions/geoembed.bash $(DESTDIR)$(BASHDIR)/geoembed
	$(INSTALL) -m 644 completions/_geoembed $(DESTDIR)$(ZSHDIR)/_geoembed
	$(INSTALL) -m 644 completions/geoembed.fish $(DESTDIR)$(FISHDIR)/geoembed.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/geoembed $(DESTDIR)$(BASHDIR)/geoembed \
	  $(DESTDIR)$(ZSHDIR)/_geoembed $(DESTDIR)$(FISHDIR)/geoembed.fish
	for f in man/*.1; do rm -f $(DESTDIR)$(MANDIR)/$${f#man/}; done

clean:
	rm -rf build geoembed
