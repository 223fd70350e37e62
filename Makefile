# geoembed — build, test, benchmark, install.
#
#   make                  build ./geoembed
#   make test             unit tests, conformance cases, end-to-end tests
#   make conformance CASES="a.case b.case"
#   make test-sanitize    the test suite under AddressSanitizer + UBSan
#   make test-valgrind    end-to-end tests under valgrind memcheck
#   make bench            side-by-side benchmarks against PyTorch and gdal_grid
#   make bench-accuracy   held-out accuracy against gdal_grid
#   make bench-fit        fit time and memory against the previous version and gdal_grid
#   make bench-grid       predict --grid up to 100,000 x 50,000 pixels: time, memory, threads
#   make fuzz             each fuzzer for FUZZ_SECONDS (default 60)
#   make PETSC=1          build/petsc/geoembed: fit on a cluster (MPI + PETSc, petsc-dev)
#   make test-mpi         mpirun -n 1/2/4 fits against the local solver (skipped without PETSc)
#   make bench-mpi        scaling of the distributed solve, predict --grid on processes (bench/mpi)
#   make install PREFIX=/usr/local DESTDIR=   /  make uninstall

PREFIX  ?= /usr/local
DESTDIR ?=
INSTALL ?= install
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man/man1
BASHDIR  = $(PREFIX)/share/bash-completion/completions
ZSHDIR   = $(PREFIX)/share/zsh/site-functions
FISHDIR  = $(PREFIX)/share/fish/vendor_completions.d

# The PETSc build has objects and binary of its own: the default build never
# links MPI.
ifeq ($(PETSC),1)
BUILD   ?= build/petsc
endif
BUILD   ?= build
CC      ?= gcc
OPT     ?= -O2
PKGS     = gdal proj zlib cairo fontconfig
ifeq ($(PETSC),1)
PKGS    += PETSc mpi-c
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# GDAL is not linked: it is opened at its first use by the name it would have
# been linked by (include/geoembed/lazy_lib.h), so runs that need no GDAL do
# not load its 130 libraries; cairo (and fontconfig) likewise, for `plot`.
# PROJ is used through GDAL only.
PKG_LIBS   := $(shell pkg-config --libs $(filter-out gdal proj cairo fontconfig,$(PKGS)) 2>/dev/null)
soname = $(shell objdump -p "$$($(CC) -print-file-name=lib$(1).so)" 2>/dev/null | awk '/SONAME/ {print $$2}')
GDAL_SONAME := $(call soname,gdal)
CAIRO_SONAME := $(call soname,cairo)
CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -fopenmp -Iinclude $(SANFLAGS)
LDFLAGS += -fopenmp $(SANFLAGS)
LDLIBS   = -lcsv -lcholmod -lsuitesparseconfig -llapack -lblas $(PKG_LIBS) -lm

CORE_SRC = $(wildcard src/core/*.c)
IO_SRC   = $(wildcard src/io/*.c)
CLI_SRC  = $(wildcard src/cli/*.c)
ifeq ($(PETSC),1)
CLI_SRC := $(filter-out src/cli/cluster_local.c,$(CLI_SRC)) $(wildcard src/petsc/*.c)
CFLAGS  += -Isrc/cli -Isrc/petsc
endif
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o)
IO_OBJ   = $(IO_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  = $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB      = $(BUILD)/libgeoembed.a

UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_OBJ = $(UNIT_SRC:%.c=$(BUILD)/%.o)
CONF_OBJ = $(BUILD)/tests/conformance/runner.o $(BUILD)/tests/conformance/case.o
CASES   ?= $(wildcard tests/conformance/*.case)

.PHONY: all test unit conformance e2e test-sanitize test-valgrind bench bench-covariates clean install uninstall \
  docs docs-check test-docs bench-accuracy bench-fit bench-grid test-mpi bench-mpi

all: geoembed

$(BUILD)/%.o: %.c $(wildcard include/geoembed/*.h src/*/*.h tests/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/src/io/gdal_stubs.o: CFLAGS += -DGE_GDAL_SONAME='"$(GDAL_SONAME)"'
$(BUILD)/src/cli/cairo_stubs.o: CFLAGS += -DGE_CAIRO_SONAME='"$(CAIRO_SONAME)"'

# Adam's square root as a vector instruction (src/core/optim.c).
$(BUILD)/src/core/optim.o: CFLAGS += -fno-math-errno

# The multigrid kernels of a unit with fused multiply-add use it (mg_kernels.h):
# each lane's arithmetic is the same whatever the block width.
$(BUILD)/src/core/mg_avx2.o $(BUILD)/src/core/mg_avx512.o: CFLAGS += -ffp-contract=fast

$(LIB): $(CORE_OBJ) $(IO_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/geoembed: $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

geoembed: $(BUILD)/geoembed
	@if [ "$(BUILD)" = build ]; then cp $< $@; fi

# The figure of `geoembed plot` (src/cli/plot_*.c) and the chunks of grids
# (grid_chunks.c) are tested on their own: the unit tests link them beside
# the library.
PLOT_OBJ = $(filter $(BUILD)/src/cli/plot_%.o $(BUILD)/src/cli/cairo_stubs.o $(BUILD)/src/cli/grid_chunks.o,$(CLI_OBJ))

# The tests read back what they wrote with functions geoembed has no stubs for.
$(BUILD)/unit-tests: $(UNIT_OBJ) $(PLOT_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs gdal cairo 2>/dev/null) -lcriterion

$(BUILD)/geoembed-conformance: $(CONF_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests --jobs 2

conformance: $(BUILD)/geoembed-conformance
	$(BUILD)/geoembed-conformance $(CASES)

$(BUILD)/case2model: $(BUILD)/tests/tools/case2model.o $(BUILD)/tests/conformance/case.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

e2e: $(BUILD)/geoembed $(BUILD)/case2model
	GEOEMBED=$(BUILD)/geoembed CASE2MODEL=$(BUILD)/case2model tests/e2e/run.sh

test: unit conformance e2e test-docs

# Man page option lists and shell completions are generated from the option
# table (geoembed --list-options); docs-check fails when they are out of date.
docs: $(BUILD)/geoembed
	scripts/gen-docs.sh $(BUILD)/geoembed
docs-check: $(BUILD)/geoembed
	scripts/gen-docs.sh --check $(BUILD)/geoembed
test-docs: $(BUILD)/geoembed
	tests/docs/run.sh $(BUILD)/geoembed

bench-accuracy: $(BUILD)/geoembed
	bench/accuracy/run.sh $(BUILD)/geoembed

# Issue 10's benchmark (20-30 minutes on 2 cores); writes bench/fit/RESULTS.md.
bench-fit: $(BUILD)/geoembed
	bench/fit/run.sh $(BUILD)/geoembed

# Issue 12's large grids: predict --grid up to 100,000 x 50,000 pixels on 1
# and 2 threads (about an hour on 2 cores); writes bench/grid/RESULTS.md.
bench-grid: $(BUILD)/geoembed
	bench/grid/run.sh --scale $(BUILD)/geoembed

# The distributed solver (issue 14): only where PETSc is installed.
HAVE_PETSC := $(shell pkg-config --exists PETSc mpi-c 2>/dev/null && echo 1)
test-mpi: $(BUILD)/geoembed
ifeq ($(HAVE_PETSC),1)
	$(MAKE) PETSC=1 build/petsc/geoembed
	tests/mpi/run.sh build/petsc/geoembed $(BUILD)/geoembed
else
	@echo "test-mpi: skipped: PETSc is not installed (apt-get install petsc-dev)"
endif

bench-mpi: $(BUILD)/geoembed
ifeq ($(HAVE_PETSC),1)
	$(MAKE) PETSC=1 build/petsc/geoembed-scaling build/petsc/geoembed
	bench/mpi/run.sh build/petsc/geoembed-scaling
	bench/mpi/predict.sh build/petsc/geoembed $(BUILD)/geoembed
	bench/mpi/parts.sh build/petsc/geoembed $(BUILD)/geoembed
	bench/mpi/fit_memory.sh build/petsc/geoembed
else
	@echo "bench-mpi: skipped: PETSc is not installed (apt-get install petsc-dev)"
endif

$(BUILD)/geoembed-scaling: $(BUILD)/bench/mpi/scaling.o $(filter $(BUILD)/src/petsc/dsolve.o,$(CLI_OBJ)) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bench-covariates: $(BUILD)/geoembed
	bench/covariates/run.sh $(BUILD)/geoembed

test-sanitize:
	$(MAKE) BUILD=build/sanitize OPT=-O1 \
	  SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

test-valgrind: $(BUILD)/geoembed $(BUILD)/case2model
	GEOEMBED=$(BUILD)/geoembed CASE2MODEL=$(BUILD)/case2model GEOEMBED_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" tests/e2e/run.sh

# Engine against PyTorch (a few minutes), then grids against gdal_grid (about
# 15 minutes: one gdal_grid invdist run of 8192x4096 takes ten).
bench: $(BUILD)/geoembed-bench $(BUILD)/geoembed
	bench/run.sh $(BUILD)/geoembed-bench
	bench/grid/run.sh $(BUILD)/geoembed

$(BUILD)/geoembed-bench: $(BUILD)/bench/engine_bench.o $(BUILD)/bench/fma_peak.o $(BUILD)/src/cli/wait_policy.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

install: $(BUILD)/geoembed
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(BASHDIR) $(DESTDIR)$(ZSHDIR) $(DESTDIR)$(FISHDIR)
	$(INSTALL) -m 755 $(BUILD)/geoembed $(DESTDIR)$(BINDIR)/geoembed
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

# ---- fuzzing (clang's libFuzzer): make fuzz FUZZ_SECONDS=600 ----
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=c11 \
  -D_POSIX_C_SOURCE=200809L -Iinclude
FUZZ_DIR ?= build/fuzz
FUZZ_NAMES = csv modelfile options structured targets
FUZZERS = $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZERS)
$(FUZZ_DIR)/fuzz_csv: fuzz/fuzz_csv.c src/io/csv.c src/core/error.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -lcsv
$(FUZZ_DIR)/fuzz_modelfile: fuzz/fuzz_modelfile.c src/io/modelfile.c src/io/checkpoint.c src/io/bytes.c src/io/memory.c src/io/outfile.c $(CORE_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -lcholmod -llapack -lblas -lz -lm
$(FUZZ_DIR)/fuzz_structured: fuzz/fuzz_structured.c src/io/modelfile.c src/io/checkpoint.c src/io/bytes.c src/io/memory.c src/io/outfile.c $(CORE_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -lcholmod -llapack -lblas -lz -lm
$(FUZZ_DIR)/fuzz_targets: fuzz/fuzz_targets.c src/io/targets.c src/io/samples_csv.c src/io/sample_groups.c src/io/csv.c src/io/memory.c $(wildcard src/io/where.c) src/io/target_guess.c src/io/covariate_values.c src/core/covariates.c src/core/error.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -lcsv -lm
$(FUZZ_DIR)/fuzz_options: fuzz/fuzz_options.c src/cli/options.c src/cli/display.c src/core/error.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^
# Each fuzzer runs FUZZ_SECONDS on a scratch copy of its committed seed corpus;
# crashes land in build/fuzz/ as crash-* files and fail the target.
fuzz: $(FUZZERS)
	@set -e; for f in $(FUZZ_NAMES); do \
	  rm -rf $(FUZZ_DIR)/corpus-$$f; mkdir -p $(FUZZ_DIR)/corpus-$$f; cp fuzz/corpus/$$f/* $(FUZZ_DIR)/corpus-$$f/; \
	  echo "== fuzz_$$f for $(FUZZ_SECONDS)s"; \
	  UBSAN_OPTIONS=halt_on_error=1 $(FUZZ_DIR)/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    -rss_limit_mb=4096 -artifact_prefix=$(FUZZ_DIR)/ -print_final_stats=1 $(FUZZ_DIR)/corpus-$$f 2>&1 \
	    | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|.*ERROR)' || true; \
	done; \
	if ls $(FUZZ_DIR)/crash-* $(FUZZ_DIR)/leak-* $(FUZZ_DIR)/timeout-* >/dev/null 2>&1; then echo "fuzz: crashes found"; exit 1; fi; \
	echo "fuzz: no crashes"
