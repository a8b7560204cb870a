# Plain GNU make. Public targets install missing Debian packages first
# (scripts/deps.sh is quick when nothing is missing), then build with the
# package flags known.

BUILD ?= build
SAN ?=
CC ?= cc

PKGS := libsodium sqlcipher libqrencode libcurl jansson inih pangocairo libseccomp \
	espeak-ng
MBEDTLS_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wundef
HARDEN := -fPIE -fstack-protector-strong -fstack-clash-protection
ifeq ($(SAN),)
OPT := -O2 -g -D_FORTIFY_SOURCE=2
SANFLAGS :=
else
OPT := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS := -std=c11 $(OPT) $(WARN) $(HARDEN) $(SANFLAGS) -D_GNU_SOURCE \
	-DSQLITE_HAS_CODEC -I. $(EXTRA_CFLAGS)
LDFLAGS := -pie -Wl,-z,relro,-z,now,-z,noexecstack $(SANFLAGS) \
	$(EXTRA_LDFLAGS)
LDLIBS = $(PKG_LIBS) $(MBEDTLS_LIBS) -lpthread -lm

# Program NAME in folder DIR is built from DIR/NAME_main.c and DIR/NAME_*.c
# into $(BUILD)/bin/NAME.
PROG_DIRS := hub sms kiosk
PROG_MAINS := $(sort $(wildcard $(addsuffix /*_main.c,$(PROG_DIRS))))
PROG_FILES := $(foreach m,$(PROG_MAINS),$(wildcard $(dir $(m))$(patsubst %_main.c,%,$(notdir $(m)))_*.c))
PROG_BINS := $(foreach m,$(PROG_MAINS),$(BUILD)/bin/$(patsubst %_main,%,$(basename $(notdir $(m)))))

# Every other .c file in these folders is a library module in librj.a.
LIBDIRS := util crypto store net receipt sms hub kiosk
LIB_SRCS := $(filter-out $(PROG_FILES),$(sort $(wildcard $(addsuffix /*.c,$(LIBDIRS)))))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/librj.a

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
# man/NAME.N.scd (scdoc) builds to $(BUILD)/man/NAME.N.
MAN_SRCS := $(sort $(wildcard man/*.scd))
MAN_PAGES := $(MAN_SRCS:man/%.scd=$(BUILD)/man/%)
# The bench load generators' TLS client (scripts/bench-deps.sh).
BENCH_LIBS := -lssl -lcrypto


.PHONY: all build deps test asan demo bench fuzz fuzz-smoke clean fmt fmt-check \
	install uninstall man progs
# Keep test and tool objects: they are not throw-away intermediates.
.SECONDARY:

all: deps
	@$(MAKE) --no-print-directory build

deps:
	@./scripts/deps.sh

build: $(LIB) $(PROG_BINS) $(UNIT_BINS) $(TOOL_BINS) $(MAN_PAGES)

test: deps
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory fmt-check
	@BUILD=$(BUILD) ./tests/run.sh

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 build
	@BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		./tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory build
	@BUILD=$(BUILD) ./scripts/demo.sh

bench: deps
	@./scripts/bench-deps.sh
	@$(MAKE) --no-print-directory build $(BENCH_BINS)
	@BUILD=$(BUILD) ./bench/run.sh

fuzz: deps
	@$(MAKE) --no-print-directory -f fuzz/fuzz.mk

fuzz-smoke: deps
	@$(MAKE) --no-print-directory -f fuzz/fuzz.mk fuzz-smoke

# make install: FHS paths under PREFIX (/usr/local, or /usr for the
# packages), DESTDIR for staging. It installs what is built and never runs
# apt-get (the programs and man pages are built if missing). Configuration
# goes to /etc/rj (the commented samples, only where absent: an operator's
# file is never overwritten), systemd units to /lib/systemd/system, the
# sysusers.d and tmpfiles.d entries that make the system users and state
# folders under PREFIX/lib. Installed files name final paths, never
# DESTDIR. docs/install.md says what to run next.
PREFIX ?= /usr/local
DESTDIR ?=
UNITDIR ?= /lib/systemd/system
SCDOC ?= scdoc
SAMPLE_CONFS := hubd.conf smsd.conf kioskd.conf
# docs/CONVENTIONS.md is for developers only.
OPERATOR_DOCS := $(filter-out docs/CONVENTIONS.md,$(wildcard docs/*.md))
ROLES := hub sms kiosk
# Paths inside installed files follow PREFIX (the samples and units are
# written for PREFIX=/usr).
PREFIX_SED := -e 's|/usr/sbin/|$(PREFIX)/sbin/|g' \
	-e 's|/usr/bin/|$(PREFIX)/bin/|g' -e 's|/usr/share/rj/|$(PREFIX)/share/rj/|g' \
	-e 's|/usr/share/rj$$|$(PREFIX)/share/rj|g'

man: $(MAN_PAGES)

# What install needs, without deps (the Debian build uses it).
progs: $(PROG_BINS) $(MAN_PAGES)

$(BUILD)/man/%: man/%.scd
	@mkdir -p $(dir $@)
	@echo "  MAN $<"
	@$(SCDOC) <$< >$@.tmp && mv $@.tmp $@

install: $(PROG_BINS) $(MAN_PAGES)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/rj/kiosk/templates \
		$(DESTDIR)$(PREFIX)/share/rj/kiosk/static \
		$(DESTDIR)$(PREFIX)/share/doc/rj/examples \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/lib/sysusers.d $(DESTDIR)$(PREFIX)/lib/tmpfiles.d \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)/etc/rj
	install -m 0755 $(BUILD)/bin/hubd $(BUILD)/bin/smsd $(BUILD)/bin/kioskd \
		$(DESTDIR)$(PREFIX)/sbin/
	install -m 0755 $(BUILD)/bin/hubctl $(DESTDIR)$(PREFIX)/bin/
	rm -rf $(DESTDIR)$(PREFIX)/share/rj/content
	cp -R content $(DESTDIR)$(PREFIX)/share/rj/content
	rm -f $(DESTDIR)$(PREFIX)/share/rj/content/README.md
	chmod -R u=rwX,go=rX $(DESTDIR)$(PREFIX)/share/rj/content
	install -m 0644 kiosk/templates/*.html \
		$(DESTDIR)$(PREFIX)/share/rj/kiosk/templates/
	install -m 0644 kiosk/static/* $(DESTDIR)$(PREFIX)/share/rj/kiosk/static/
	install -m 0755 kiosk/run-kiosk.sh $(DESTDIR)$(PREFIX)/share/rj/kiosk/
	install -m 0644 README.md SECURITY.md $(OPERATOR_DOCS) \
		$(DESTDIR)$(PREFIX)/share/doc/rj/
	for f in $(SAMPLE_CONFS); do \
		sed $(PREFIX_SED) contrib/conf/$$f \
			>$(DESTDIR)$(PREFIX)/share/doc/rj/examples/$$f && \
		chmod 0644 $(DESTDIR)$(PREFIX)/share/doc/rj/examples/$$f && \
		if [ ! -e $(DESTDIR)/etc/rj/$$f ]; then \
			install -m 0640 $(DESTDIR)$(PREFIX)/share/doc/rj/examples/$$f \
				$(DESTDIR)/etc/rj/$$f || exit 1; \
		else echo "keeping $(DESTDIR)/etc/rj/$$f"; fi || exit 1; \
	done
	for p in $(MAN_PAGES); do \
		n=$$(basename $$p); \
		install -m 0644 $$p $(DESTDIR)$(PREFIX)/share/man/man$${n##*.}/$$n || exit 1; \
	done
	for u in contrib/systemd/*.service; do \
		sed $(PREFIX_SED) $$u >$(DESTDIR)$(UNITDIR)/$$(basename $$u) && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u) || exit 1; \
	done
	for r in $(ROLES); do \
		install -m 0644 contrib/sysusers/rj-$$r.conf $(DESTDIR)$(PREFIX)/lib/sysusers.d/ && \
		install -m 0644 contrib/tmpfiles/rj-$$r.conf $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/ || exit 1; \
	done

# Removes what install put there, except /etc/rj (an operator's
# configuration) and /var/lib/rj (keys and referrals): those are removed
# by hand, on purpose.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/hubd $(DESTDIR)$(PREFIX)/sbin/smsd \
		$(DESTDIR)$(PREFIX)/sbin/kioskd $(DESTDIR)$(PREFIX)/bin/hubctl
	rm -rf $(DESTDIR)$(PREFIX)/share/rj $(DESTDIR)$(PREFIX)/share/doc/rj
	for p in $(MAN_PAGES); do \
		n=$$(basename $$p); rm -f $(DESTDIR)$(PREFIX)/share/man/man$${n##*.}/$$n; \
	done
	for u in contrib/systemd/*.service; do \
		rm -f $(DESTDIR)$(UNITDIR)/$$(basename $$u); \
	done
	for r in $(ROLES); do \
		rm -f $(DESTDIR)$(PREFIX)/lib/sysusers.d/rj-$$r.conf \
			$(DESTDIR)$(PREFIX)/lib/tmpfiles.d/rj-$$r.conf; \
	done

clean:
	rm -rf build build-asan build-fuzz

FMT_SRCS = $(shell git ls-files -co --exclude-standard '*.c' '*.h' 2>/dev/null)
fmt:
	clang-format -i $(FMT_SRCS)
fmt-check:
	@clang-format --dry-run -Werror $(FMT_SRCS) && echo "  FMT ok (clang-format)"

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	@echo "  AR  $@"
	@ar rcs $@ $^

# $(1) = program name, $(2) = its folder
define PROG_RULE
$(BUILD)/bin/$(1): $(patsubst %.c,$(BUILD)/%.o,$(wildcard $(2)/$(1)_*.c)) $(LIB)
	@mkdir -p $$(dir $$@)
	@echo "  LD  $$@"
	@$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(LIB) $$(LDLIBS)
endef
$(foreach m,$(PROG_MAINS),$(eval $(call PROG_RULE,$(patsubst %_main,%,$(basename $(notdir $(m)))),$(patsubst %/,%,$(dir $(m))))))

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) $$(pkg-config --libs cmocka)

$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(BENCH_LIBS)

-include $(LIB_OBJS:.o=.d) $(wildcard $(BUILD)/*/*.d $(BUILD)/tests/*/*.d)
