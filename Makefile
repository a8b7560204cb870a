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


.PHONY: all build deps test asan demo bench fuzz fuzz-smoke clean fmt fmt-check install
# Keep test and tool objects: they are not throw-away intermediates.
.SECONDARY:

all: deps
	@$(MAKE) --no-print-directory build

deps:
	@./scripts/deps.sh

build: $(LIB) $(PROG_BINS) $(UNIT_BINS) $(TOOL_BINS)

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
	@$(MAKE) --no-print-directory build $(BENCH_BINS)
	@BUILD=$(BUILD) ./bench/run.sh

fuzz: deps
	@$(MAKE) --no-print-directory -f fuzz/fuzz.mk

fuzz-smoke: deps
	@$(MAKE) --no-print-directory -f fuzz/fuzz.mk fuzz-smoke

# Programs to PREFIX/bin, content to PREFIX/share/rj/content, the kiosk's
# templates, static files and run-kiosk.sh to PREFIX/share/rj/kiosk, docs
# and example service files to PREFIX/share/doc/rj (see docs/install.md).
PREFIX ?= /usr/local
DESTDIR ?=
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/rj \
		$(DESTDIR)$(PREFIX)/share/doc/rj/systemd
	install -m 0755 $(PROG_BINS) $(DESTDIR)$(PREFIX)/bin/
	cp -R content $(DESTDIR)$(PREFIX)/share/rj/
	install -m 0644 README.md SECURITY.md docs/*.md \
		$(DESTDIR)$(PREFIX)/share/doc/rj/
	install -m 0644 contrib/systemd/*.service \
		$(DESTDIR)$(PREFIX)/share/doc/rj/systemd/
	install -d $(DESTDIR)$(PREFIX)/share/rj/kiosk/templates \
		$(DESTDIR)$(PREFIX)/share/rj/kiosk/static
	install -m 0644 kiosk/templates/*.html \
		$(DESTDIR)$(PREFIX)/share/rj/kiosk/templates/
	install -m 0644 kiosk/static/* $(DESTDIR)$(PREFIX)/share/rj/kiosk/static/
	install -m 0755 kiosk/run-kiosk.sh $(DESTDIR)$(PREFIX)/share/rj/kiosk/

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
	@$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

-include $(LIB_OBJS:.o=.d) $(wildcard $(BUILD)/*/*.d $(BUILD)/tests/*/*.d)
