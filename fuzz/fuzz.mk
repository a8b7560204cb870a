# libFuzzer targets, run by the top-level `make fuzz`:
#   make -f fuzz/fuzz.mk [FUZZ_TIME=seconds]   build, then fuzz each target
#   make -f fuzz/fuzz.mk fuzz-build             build only
# Built with clang, ASan and UBSan into build-fuzz/. New inputs go to
# build-fuzz/corpus/NAME (the committed seeds in fuzz/corpus/NAME are only
# read); crashes are written to build-fuzz/ as crash-* files.

FUZZ_CC ?= clang
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 60
# Long enough to cross HTTP_MAX_HEADER (8 KiB) and reach the 431 paths.
FUZZ_MAX_LEN ?= 12000
# A little over HTTP_MAX_FORM, to reach the form decoder's refusal.
HTTP_FORM_MAX_LEN ?= 17000

FUZZ_CFLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wundef \
	-D_GNU_SOURCE -I.

HTTP_SRCS := fuzz/fuzz_http.c net/http.c util/log.c
KIOSK_FORM_SRCS := fuzz/fuzz_kiosk_form.c kiosk/answers.c net/http.c \
	util/utf8.c util/log.c

.PHONY: fuzz-all fuzz-build fuzz-http fuzz-kiosk-form

fuzz-all: fuzz-http fuzz-kiosk-form

fuzz-build: $(FUZZ_BUILD)/fuzz_http $(FUZZ_BUILD)/fuzz_kiosk_form

$(FUZZ_BUILD)/fuzz_kiosk_form: $(KIOSK_FORM_SRCS) kiosk/answers.h net/http.h
	@mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(KIOSK_FORM_SRCS)

fuzz-kiosk-form: $(FUZZ_BUILD)/fuzz_kiosk_form
	@mkdir -p $(FUZZ_BUILD)/corpus/kiosk_form
	$(FUZZ_BUILD)/fuzz_kiosk_form -max_total_time=$(FUZZ_TIME) \
		-max_len=$(HTTP_FORM_MAX_LEN) -timeout=10 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_BUILD)/ \
		$(FUZZ_BUILD)/corpus/kiosk_form fuzz/corpus/kiosk_form

$(FUZZ_BUILD)/fuzz_http: $(HTTP_SRCS) net/http.h util/log.h
	@mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(HTTP_SRCS)

fuzz-http: $(FUZZ_BUILD)/fuzz_http
	@mkdir -p $(FUZZ_BUILD)/corpus/http
	$(FUZZ_BUILD)/fuzz_http -max_total_time=$(FUZZ_TIME) \
		-max_len=$(FUZZ_MAX_LEN) -timeout=10 -print_final_stats=1 \
		-dict=fuzz/http.dict -artifact_prefix=$(FUZZ_BUILD)/ \
		$(FUZZ_BUILD)/corpus/http fuzz/corpus/http
