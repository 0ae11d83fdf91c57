# pumpd, pumpctl and plcsim: plain GNU make, object lists per binary.
#   make            build everything
#   make deps       install the Debian packages the project needs (once)
#   make test       unit and integration tests
#   make run        the running demonstration (see README.md)
#   make asan       build and test with AddressSanitizer and UBSan

CC	?= cc
PKGS	 = libmodbus libevent libcurl libconfig libsystemd zlib
CPPFLAGS += -D_GNU_SOURCE -Idaemon -Iplc
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -Wall -Wextra -Wshadow -Wmissing-prototypes \
	   -Wstrict-prototypes -Wpointer-arith -Wformat=2 -Wvla \
	   -Wundef -Wcast-align -Wnull-dereference
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
CFLAGS	+= $(PKG_CFLAGS)
LDLIBS	+= $(PKG_LIBS) -lm -lpthread

B	 = build

PUMPD_OBJS  = $(B)/daemon/pumpd.o $(B)/daemon/cfg.o $(B)/daemon/core.o \
	      $(B)/daemon/plc.o $(B)/daemon/lp.o $(B)/daemon/mtr.o \
	      $(B)/daemon/spool.o
PLCSIM_OBJS = $(B)/plc/plcsim.o $(B)/plc/model.o $(B)/plc/rain.o \
	      $(B)/daemon/cfg.o
BINS	= $(B)/pumpd $(B)/plcsim

UNIT_TESTS = $(B)/tests/test_cfg $(B)/tests/test_rain $(B)/tests/test_model \
	     $(B)/tests/test_core $(B)/tests/test_lp $(B)/tests/test_spool

.PHONY: all deps test unit integration run asan clean check-config install
all: $(BINS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/pumpd: $(PUMPD_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/plcsim: $(PLCSIM_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/test_cfg: $(B)/tests/unit/test_cfg.o $(B)/daemon/cfg.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_core: $(B)/tests/unit/test_core.o $(B)/daemon/core.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_lp: $(B)/tests/unit/test_lp.o $(B)/daemon/lp.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_spool: $(B)/tests/unit/test_spool.o $(B)/daemon/spool.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_rain: $(B)/tests/unit/test_rain.o $(B)/plc/rain.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)
$(B)/tests/test_model: $(B)/tests/unit/test_model.o $(B)/plc/model.o \
		$(B)/plc/rain.o $(B)/daemon/cfg.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)

deps:
	@sh scripts/deps.sh

# Every shipped configuration must pass --check-config.
check-config: $(B)/pumpd
	@for f in config/*.conf; do $(B)/pumpd --check-config $$f || exit 1; done

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; \
	    (cd tests/unit && ../../$$t); done

integration: $(BINS)
	@sh tests/integration/run.sh

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS)
	@$(MAKE) --no-print-directory check-config unit integration

run: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/run-demo.sh

asan: deps
	@$(MAKE) --no-print-directory B=build-asan \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
	    LDFLAGS="-fsanitize=address,undefined" all unit integration

PREFIX	?= /usr/local
install: all
	install -D -m 755 $(B)/pumpd $(DESTDIR)$(PREFIX)/sbin/pumpd
	install -D -m 755 $(B)/plcsim $(DESTDIR)$(PREFIX)/bin/plcsim
	install -D -m 644 config/jinnan.conf $(DESTDIR)/etc/pumpd/jinnan.conf
	install -D -m 644 systemd/pumpd.service \
	    $(DESTDIR)/lib/systemd/system/pumpd.service

clean:
	rm -rf build build-asan

-include $(shell find $(B) -name '*.d' 2>/dev/null)
