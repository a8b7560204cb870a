# libFuzzer targets, one for every parser of untrusted or operator input
# (docs/fuzzing.md has the list, how to run them and what they found):
#   make -f fuzz/fuzz.mk [FUZZ_TIME=seconds]   build, then fuzz each target
#   make -f fuzz/fuzz.mk fuzz-build             build only
#   make -f fuzz/fuzz.mk fuzz-smoke             build, then each target over
#                                               its seeds and a few seconds
#   make -f fuzz/fuzz.mk fuzz-NAME              one target
# Built with clang, ASan and UBSan into build-fuzz/: librj.a is built once
# with the same instrumentation (by the top-level Makefile's own rules, in
# build-fuzz/lib) and each target, fuzz/fuzz_NAME.c, is linked with it.
# New inputs go to build-fuzz/corpus/NAME (the committed seeds in
# fuzz/corpus/NAME are only read); crashes are written to build-fuzz/ as
# crash-* files.

FUZZ_CC ?= clang
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 60
# Per target in fuzz-smoke, after its seeds.
FUZZ_SMOKE_TIME ?= 1
FUZZ_LIB := $(FUZZ_BUILD)/lib/librj.a

PKGS := libsodium sqlcipher libqrencode libcurl jansson inih pangocairo \
	libseccomp espeak-ng
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
FUZZ_LIBS = $(PKG_LIBS) -lmbedtls -lmbedx509 -lmbedcrypto -lpthread -lm

FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer $(FUZZ_SAN) \
	-Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wundef \
	-D_GNU_SOURCE -DSQLITE_HAS_CODEC -I.

# name: the target's source is fuzz/fuzz_$(name).c, seeds fuzz/corpus/$(name),
# and a dictionary fuzz/$(name).dict when there is one.
FUZZ_TARGETS := http kiosk_form envelope refcode twilio kannel jsonhook \
	conf smsd_conf hubd_conf secrets tmpl content dialog keys \
	bundle receipt payload

# Longest input per target (-max_len): a little over each parser's limit,
# so the refusal of an input one byte too long is reached too.
MAXLEN_http := 12000
MAXLEN_kiosk_form := 17000
MAXLEN_envelope := 1024
MAXLEN_refcode := 80
MAXLEN_twilio := 4096
MAXLEN_kannel := 4096
MAXLEN_jsonhook := 4096
MAXLEN_conf := 2048
MAXLEN_smsd_conf := 2048
MAXLEN_hubd_conf := 2048
MAXLEN_kconf := 2048
MAXLEN_secrets := 2048
MAXLEN_content := 20000
MAXLEN_tmpl := 8192
MAXLEN_keys := 300
MAXLEN_bundle := 8192
MAXLEN_receipt := 1024
MAXLEN_dialog := 512
MAXLEN_payload := 4096

# The daemons' config targets include their program's main file; the
# program's other files are linked as they are.
EXTRA_smsd_conf := $(filter-out sms/smsd_main.c sms/smsd_conf.c,$(wildcard sms/smsd_*.c))
EXTRA_hubd_conf := $(filter-out hub/hubd_main.c,$(wildcard hub/hubd_*.c))
EXTRA_payload := $(filter-out hub/hubctl_ingest.c,$(wildcard hub/hubctl_*.c))
# hubctl's main is one of those files: renamed out of libFuzzer's way.
DEFS_payload := -Dmain=hubctl_main_unused

FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz-all fuzz-list fuzz-build fuzz-smoke FORCE $(FUZZ_TARGETS:%=fuzz-%) \
	$(FUZZ_TARGETS:%=smoke-%)

fuzz-all: $(FUZZ_TARGETS:%=fuzz-%)

fuzz-list:
	@echo $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BINS)

# The top-level Makefile knows librj's sources; it rebuilds only what
# changed. Clang warns where gcc does not: those stay warnings here.
$(FUZZ_LIB): FORCE
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD)/lib SAN=1 \
		CC=$(FUZZ_CC) \
		EXTRA_CFLAGS="-fsanitize=fuzzer-no-link -Wno-error" \
		$(FUZZ_LIB)

FORCE:

.SECONDEXPANSION:
$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(wildcard fuzz/*.h) $$(EXTRA_$$*) \
	$(FUZZ_LIB)
	@mkdir -p $(FUZZ_BUILD)
	@echo "  FUZZ $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEFS_$*) $(PKG_CFLAGS) -o $@ $< $(EXTRA_$*) \
		$(FUZZ_LIB) $(FUZZ_LIBS)

fuzz_dict = $(if $(wildcard fuzz/$(1).dict),-dict=fuzz/$(1).dict)
fuzz_opts = -max_len=$(MAXLEN_$(1)) -timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 \
	$(call fuzz_dict,$(1)) -artifact_prefix=$(FUZZ_BUILD)/

$(FUZZ_TARGETS:%=fuzz-%): fuzz-%: $(FUZZ_BUILD)/fuzz_%
	@mkdir -p $(FUZZ_BUILD)/corpus/$*
	$(FUZZ_BUILD)/fuzz_$* -max_total_time=$(FUZZ_TIME) \
		-print_final_stats=1 $(call fuzz_opts,$*) \
		$(FUZZ_BUILD)/corpus/$* fuzz/corpus/$*

# Each target over its committed seeds (every one must pass), then a few
# seconds of fuzzing from them into a throw-away corpus. Any crash, leak,
# time-out or sanitizer report fails it.
fuzz-smoke: $(FUZZ_TARGETS:%=smoke-%)

$(FUZZ_TARGETS:%=smoke-%): smoke-%: $(FUZZ_BUILD)/fuzz_%
	@d=$$(mktemp -d "$${TMPDIR:-/tmp}/rj-fuzz.XXXXXX"); \
	if $(FUZZ_BUILD)/fuzz_$* -max_total_time=$(FUZZ_SMOKE_TIME) \
		-print_final_stats=1 $(call fuzz_opts,$*) "$$d" \
		fuzz/corpus/$* >"$$d.log" 2>&1; then \
		echo "ok - fuzz_$*: seeds and $(FUZZ_SMOKE_TIME) s," \
			"$$(grep -o 'stat::number_of_executed_units: [0-9]*' \
			"$$d.log" | grep -o '[0-9]*$$') runs"; \
		rm -rf "$$d" "$$d.log"; \
	else \
		echo "not ok - fuzz_$* (log follows)"; tail -n 40 "$$d.log"; \
		rm -rf "$$d" "$$d.log"; exit 1; \
	fi
