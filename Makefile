# pumpd, pumpctl and plcsim: plain GNU make, object lists per binary.
#   make            build everything
#   make deps       install the Debian packages the project needs (once)
#   make test       unit and integration tests
#   make run        the running demonstration (see README.md)
#   make asan       build and test with AddressSanitizer and UBSan

CC	?= cc
PKGS	 = libmodbus libevent libcurl libconfig libsystemd zlib jansson
CPPFLAGS += -D_GNU_SOURCE -Idaemon -Iplc -Itests/unit
CFLAGS	?= -O2 -g
WARN	 = -std=c11 -Wall -Wextra -Wshadow -Wmissing-prototypes \
	   -Wstrict-prototypes -Wpointer-arith -Wformat=2 -Wvla \
	   -Wundef -Wcast-align -Wnull-dereference
SAN	?=
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
ALL_CFLAGS = $(CFLAGS) $(WARN) $(SAN) $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SAN)
LDLIBS	+= $(PKG_LIBS) -lm -lpthread

B	 = build

# The version: git describe when the tree has a tag (v0.9.0-3-gabc1234 gives
# 0.9.0-3-gabc1234), else VERSION.  The three mains get it as PUMPD_VERSION;
# $(B)/version changes only when it does, so they rebuild only then.
VERSION	 = 0.9.0
GIT_VERSION := $(shell git describe --tags --dirty 2>/dev/null | sed 's/^v//')
ifneq ($(GIT_VERSION),)
VERSION	:= $(GIT_VERSION)
endif

PUMPD_OBJS  = $(B)/daemon/pumpd.o $(B)/daemon/cfg.o $(B)/daemon/core.o \
	      $(B)/daemon/estim.o $(B)/daemon/plan.o \
	      $(B)/plc/codec.o $(B)/plc/map_v1.o $(B)/plc/map_l1.o \
	      $(B)/daemon/plc.o $(B)/daemon/mbtcp.o $(B)/daemon/lp.o \
	      $(B)/daemon/mtr.o \
	      $(B)/daemon/spool.o $(B)/daemon/schema.o $(B)/daemon/state.o \
	      $(B)/daemon/log.o $(B)/daemon/util.o $(B)/daemon/station.o \
	      $(B)/daemon/view.o $(B)/daemon/ctl.o $(B)/daemon/proto.o \
	      $(B)/daemon/notify.o $(B)/daemon/reload.o $(B)/daemon/alarm.o
PUMPCTL_OBJS = $(B)/daemon/pumpctl.o $(B)/daemon/proto.o $(B)/daemon/watch.o
PLCSIM_OBJS = $(B)/plc/plcsim.o $(B)/plc/model.o $(B)/plc/model_l1.o \
	      $(B)/plc/rain.o $(B)/plc/hydro.o $(B)/plc/district.o \
	      $(B)/daemon/cfg.o $(B)/daemon/util.o
BINS	= $(B)/pumpd $(B)/plcsim $(B)/pumpctl

UNIT_TESTS = $(B)/tests/test_cfg $(B)/tests/test_rain $(B)/tests/test_model \
	     $(B)/tests/test_hydro \
	     $(B)/tests/test_core $(B)/tests/test_lp $(B)/tests/test_spool \
	     $(B)/tests/test_schema $(B)/tests/test_mbtcp $(B)/tests/test_plc \
	     $(B)/tests/test_map_v1 $(B)/tests/test_map_l1 \
	     $(B)/tests/test_log $(B)/tests/test_state $(B)/tests/test_view \
	     $(B)/tests/test_mtr $(B)/tests/test_ctl $(B)/tests/test_alarm \
	     $(B)/tests/test_estim

.PHONY: all deps test unit integration run asan clean check-config install fuzz \
	bench bench-micro bench-control uninstall units FORCE
all: $(BINS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

MAINS_OBJS = $(B)/daemon/pumpd.o $(B)/daemon/pumpctl.o $(B)/plc/plcsim.o
$(MAINS_OBJS): CPPFLAGS += -DPUMPD_VERSION='"$(VERSION)"'
$(MAINS_OBJS): $(B)/version
$(B)/version: FORCE
	@mkdir -p $(B)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' >$@
FORCE:

$(B)/pumpd: $(PUMPD_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/plcsim: $(PLCSIM_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/pumpctl: $(PUMPCTL_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/test_cfg: $(B)/tests/unit/test_cfg.o $(B)/daemon/cfg.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_core: $(B)/tests/unit/test_core.o $(B)/daemon/core.o \
		$(B)/daemon/estim.o $(B)/daemon/plan.o \
		$(B)/daemon/cfg.o $(B)/tests/unit/fixture.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_estim: $(B)/tests/unit/test_estim.o $(B)/daemon/estim.o \
		$(B)/daemon/plan.o $(B)/daemon/cfg.o $(B)/tests/unit/fixture.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_lp: $(B)/tests/unit/test_lp.o $(B)/daemon/lp.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_spool: $(B)/tests/unit/test_spool.o $(B)/daemon/spool.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_mtr: $(B)/tests/unit/test_mtr.o $(B)/daemon/mtr.o \
		$(B)/daemon/spool.o $(B)/daemon/lp.o $(B)/daemon/log.o \
		$(B)/daemon/util.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_schema: $(B)/tests/unit/test_schema.o $(B)/daemon/schema.o \
		$(B)/daemon/alarm.o $(B)/daemon/lp.o $(B)/daemon/cfg.o $(B)/daemon/core.o \
		$(B)/daemon/estim.o $(B)/daemon/plan.o $(B)/tests/unit/fixture.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_view: $(B)/tests/unit/test_view.o $(B)/daemon/view.o \
		$(B)/daemon/alarm.o $(B)/daemon/util.o $(B)/daemon/cfg.o $(B)/daemon/core.o \
		$(B)/daemon/estim.o $(B)/daemon/plan.o $(B)/tests/unit/fixture.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_ctl: $(B)/tests/unit/test_ctl.o \
		$(filter-out $(B)/daemon/pumpd.o,$(PUMPD_OBJS)) \
		$(B)/tests/unit/fixture.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_alarm: $(B)/tests/unit/test_alarm.o $(B)/daemon/alarm.o \
		$(B)/daemon/core.o $(B)/daemon/estim.o $(B)/daemon/plan.o $(B)/daemon/cfg.o $(B)/tests/unit/fixture.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_mbtcp: $(B)/tests/unit/test_mbtcp.o $(B)/daemon/mbtcp.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_plc: $(B)/tests/unit/test_plc.o $(B)/daemon/plc.o \
		$(B)/daemon/util.o \
		$(B)/plc/codec.o $(B)/plc/map_v1.o $(B)/plc/map_l1.o \
		$(B)/daemon/mbtcp.o $(B)/daemon/cfg.o \
		$(B)/tests/unit/fixture.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_map_v1: $(B)/tests/unit/test_map_v1.o $(B)/plc/map_v1.o \
		$(B)/plc/map_l1.o \
		$(B)/plc/codec.o $(B)/daemon/mbtcp.o $(B)/daemon/cfg.o \
		$(B)/tests/unit/fixture.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_map_l1: $(B)/tests/unit/test_map_l1.o $(B)/plc/map_l1.o \
		$(B)/plc/codec.o $(B)/plc/map_v1.o $(B)/daemon/cfg.o \
		$(B)/tests/unit/fixture.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_log: $(B)/tests/unit/test_log.o $(B)/daemon/log.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_state: $(B)/tests/unit/test_state.o $(B)/daemon/state.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_rain: $(B)/tests/unit/test_rain.o $(B)/plc/rain.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_model: $(B)/tests/unit/test_model.o $(B)/plc/model.o \
		$(B)/plc/model_l1.o $(B)/plc/hydro.o \
		$(B)/plc/rain.o $(B)/daemon/cfg.o $(B)/tests/unit/fixture.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_hydro: $(B)/tests/unit/test_hydro.o $(B)/plc/model.o \
		$(B)/plc/model_l1.o $(B)/plc/hydro.o $(B)/plc/district.o \
		$(B)/plc/rain.o $(B)/daemon/cfg.o $(B)/tests/unit/fixture.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)

deps:
	@sh scripts/deps.sh

# Every shipped configuration must pass --check-config.
check-config: $(B)/pumpd
	@for f in config/*.conf; do $(B)/pumpd --check-config $$f || exit 1; done

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; \
	    (cd tests/unit && ../../$$t); done

integration: $(BINS) $(B)/bench $(B)/bench-bare $(B)/bench-metrics
	@B=$(B) sh tests/integration/run.sh

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS)
	@$(MAKE) --no-print-directory check-config unit integration
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5

run: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/run-demo.sh

asan: deps
	@$(MAKE) --no-print-directory B=build-asan CFLAGS="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	    all unit integration

# Benchmarks: side by side in one run, as ratios.
$(B)/bench: $(B)/tests/bench/bench.o $(B)/daemon/core.o \
		$(B)/daemon/estim.o $(B)/daemon/plan.o $(B)/daemon/lp.o \
		$(B)/daemon/spool.o $(B)/daemon/cfg.o $(B)/tests/unit/fixture.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/bench-bare: $(B)/tests/bench/bare.o $(B)/daemon/cfg.o $(B)/plc/codec.o \
		$(B)/plc/map_v1.o $(B)/plc/map_l1.o $(B)/daemon/mbtcp.o \
		$(B)/daemon/util.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/bench-metrics: $(B)/tests/bench/metrics.o $(B)/daemon/mtr.o \
		$(B)/daemon/spool.o $(B)/daemon/lp.o $(B)/daemon/log.o \
		$(B)/daemon/util.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
bench-micro: $(B)/bench
	@$(B)/bench
# the whole benchmark (scripts/bench/run.sh): BENCH_QUICK=1 for a smoke run
bench: all $(B)/bench $(B)/bench-bare $(B)/bench-metrics
	@B=$(B) scripts/bench/run.sh

# How well control keeps the simulated district dry: baseline, pumpd and
# bound on the storms of issue 10 (README "Control quality"); BENCH_ARGS
# passes options (e.g. --storms P50-2h --variant NAME=OPTIONS).
bench-control: $(BINS)
	@python3 scripts/bench/bench_control.py $(BENCH_ARGS)

# Fuzz targets (libFuzzer, clang): every parser of outside input.
FUZZ_SECONDS ?= 20
FUZZ	 = cfg map_v1 spool rain modbus mbtcp l1 l1_req state ctl
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
	      -Idaemon -Iplc -Itests/unit $(PKG_CFLAGS)
build-fuzz/fuzz_cfg: tests/fuzz/fuzz_cfg.c daemon/cfg.c
build-fuzz/fuzz_map_v1: tests/fuzz/fuzz_map_v1.c plc/map_v1.c plc/map_l1.c \
		plc/codec.c \
		daemon/core.c daemon/estim.c daemon/plan.c daemon/cfg.c \
		tests/unit/fixture.c
build-fuzz/fuzz_mbtcp: tests/fuzz/fuzz_mbtcp.c daemon/mbtcp.c
build-fuzz/fuzz_spool: tests/fuzz/fuzz_spool.c daemon/spool.c
build-fuzz/fuzz_l1: tests/fuzz/fuzz_l1.c plc/map_l1.c plc/map_v1.c plc/codec.c \
		daemon/cfg.c \
		tests/unit/fixture.c
build-fuzz/fuzz_l1_req: tests/fuzz/fuzz_l1_req.c plc/model.c plc/model_l1.c \
		plc/rain.c plc/hydro.c tests/unit/fixture.c
build-fuzz/fuzz_ctl: tests/fuzz/fuzz_ctl.c daemon/proto.c
build-fuzz/fuzz_rain: tests/fuzz/fuzz_rain.c plc/rain.c
build-fuzz/fuzz_state: tests/fuzz/fuzz_state.c daemon/state.c
build-fuzz/fuzz_modbus: tests/fuzz/fuzz_modbus.c plc/model.c plc/model_l1.c \
		plc/rain.c plc/hydro.c \
		tests/unit/fixture.c
build-fuzz/fuzz_%:
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)
fuzz: $(addprefix build-fuzz/fuzz_,$(FUZZ))
	@set -e; for f in $(FUZZ); do mkdir -p build-fuzz/corpus-$$f; \
	    echo "== fuzz $$f ($(FUZZ_SECONDS) s)"; \
	    if LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp \
	        build-fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
	        -artifact_prefix=build-fuzz/ build-fuzz/corpus-$$f \
	        tests/fuzz/seeds-$$f >build-fuzz/$$f.log 2>&1; then \
	        grep -E "DONE" build-fuzz/$$f.log; \
	    else tail -40 build-fuzz/$$f.log; exit 1; fi; done

# Install: make install [PREFIX=/usr/local] [DESTDIR=...]; make uninstall
# with the same removes what it put (scripts/install.sh keeps a manifest)
# and leaves $(SYSCONFDIR)/pumpd and the state.  Units go to
# $(PREFIX)/lib/systemd/system, or /lib/systemd/system when PREFIX=/usr
# (Debian's place); sysusers.d and tmpfiles.d under $(PREFIX)/lib; all of
# them are searched by systemd in both prefixes.  README.md, "Install as a
# service", lists every file.
PREFIX	?= /usr/local
SYSCONFDIR ?= /etc
BINDIR	 = $(PREFIX)/bin
SBINDIR	 = $(PREFIX)/sbin
DATADIR	 = $(PREFIX)/share
MANDIR	 = $(DATADIR)/man
DOCDIR	 = $(DATADIR)/doc/pumpd
COMPLETIONDIR = $(DATADIR)/bash-completion/completions
PKGLIBDIR = $(PREFIX)/lib/pumpd
UNITDIR	 = $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
SYSUSERSDIR = $(PREFIX)/lib/sysusers.d
TMPFILESDIR = $(PREFIX)/lib/tmpfiles.d
INSTALL_ENV = DESTDIR='$(DESTDIR)' B='$(B)' BINDIR='$(BINDIR)' \
	  SBINDIR='$(SBINDIR)' SYSCONFDIR='$(SYSCONFDIR)' MANDIR='$(MANDIR)' \
	  DOCDIR='$(DOCDIR)' PKGLIBDIR='$(PKGLIBDIR)' UNITDIR='$(UNITDIR)' \
	  SYSUSERSDIR='$(SYSUSERSDIR)' TMPFILESDIR='$(TMPFILESDIR)' \
	  COMPLETIONDIR='$(COMPLETIONDIR)'

# The units and the tmpfiles.d file, with this PREFIX's paths.
UNITS	 = $(B)/systemd/pumpd.service $(B)/systemd/plcsim.service \
	   $(B)/systemd/pumpd.tmpfiles
$(B)/systemd/%: systemd/%.in FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	    -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	    -e 's|@PKGLIBDIR@|$(PKGLIBDIR)|g' $< >$@.tmp && mv $@.tmp $@
units: $(UNITS)

install: all units
	@$(INSTALL_ENV) sh scripts/install.sh install
uninstall:
	@$(INSTALL_ENV) sh scripts/install.sh uninstall

clean:
	rm -rf build build-asan

-include $(shell find $(B) -name '*.d' 2>/dev/null)
