# In-guest kernel tests: every tests/kernel/test_*.c becomes
# $(BUILD)/tests/kernel/test_<name>, with the other tests/kernel/*.c (helpers:
# common.c, fuse.c) linked in, against $(BUILD)/lib/libvmxfer.a and cmocka (dynamic).
# Included from the top-level Makefile.  Works with no test sources at all.

KTEST_DIR     := $(BUILD)/tests/kernel
KTEST_SRC     := $(TOP)/tests/kernel
KTEST_SRCS    := $(sort $(wildcard $(KTEST_SRC)/test_*.c))
KTEST_BINS    := $(patsubst $(KTEST_SRC)/%.c,$(KTEST_DIR)/%,$(KTEST_SRCS))
KTEST_COMMON  := $(filter-out $(KTEST_SRCS),$(sort $(wildcard $(KTEST_SRC)/*.c)))
KTEST_COMMON_O := $(patsubst $(KTEST_SRC)/%.c,$(KTEST_DIR)/%.o,$(KTEST_COMMON))
KTEST_HDRS    := $(wildcard $(KTEST_SRC)/*.h)
KTEST_CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
KTEST_CMOCKA_LIBS   := $(or $(shell pkg-config --libs cmocka 2>/dev/null),-lcmocka)
KTEST_CFLAGS   = -std=c11 $(CPPFLAGS) -I$(KTEST_SRC) $(KTEST_CMOCKA_CFLAGS) \
		 $(CFLAGS) $(WARN) -pthread -MMD -MP

# test_compat32: a static -m32 caller (compat ioctls, 32-bit placement,
# compat iovecs), comparing its uapi layout with the native one, which is
# dumped here on the host and embedded. Needs gcc-multilib (tests/deps.sh).
KTEST_M32      := $(KTEST_DIR)/test_compat32
KTEST_DUMP_SRC := $(TOP)/tests/unit/uapi_dump.c
KTEST_DUMP_DEPS := $(KTEST_DUMP_SRC) $(TOP)/tests/unit/uapi_dump.h \
		   $(TOP)/lib/uapi_layout.h $(TOP)/include/uapi/linux/vmxfer.h
KTEST_DUMP_CFLAGS = -std=c11 -DUAPI_DUMP_MAIN -I$(TOP)/include/uapi -I$(TOP)/lib \
		    -I$(TOP)/tests/unit $(CFLAGS) $(WARN)

.PHONY: kernel-tests-build

kernel-tests-build: $(KTEST_BINS) $(KTEST_M32)
	@echo "kernel-tests-build: $(words $(KTEST_BINS) $(KTEST_M32)) test program(s) in $(KTEST_DIR)"

$(KTEST_DIR)/%.o: $(KTEST_SRC)/%.c $(KTEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(KTEST_CFLAGS) -c $< -o $@

$(KTEST_DIR)/test_%: $(KTEST_DIR)/test_%.o $(KTEST_COMMON_O) $(LIB_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $< $(KTEST_EXTRA_O) \
		$(KTEST_COMMON_O) $(LIB_A) $(KTEST_CMOCKA_LIBS)

# test_postcopy runs the postcopy engine of the demo (tests/demo/postcopy.c).
KTEST_DEMO := $(TOP)/tests/demo
$(KTEST_DIR)/postcopy.o: $(KTEST_DEMO)/postcopy.c $(KTEST_DEMO)/postcopy.h \
		$(TOP)/lib/vmxfer.h
	@mkdir -p $(@D)
	$(CC) $(KTEST_CFLAGS) -I$(KTEST_DEMO) -c $< -o $@
$(KTEST_DIR)/test_postcopy.o: KTEST_CFLAGS += -I$(KTEST_DEMO)
$(KTEST_DIR)/test_postcopy: $(KTEST_DIR)/postcopy.o
$(KTEST_DIR)/test_postcopy: KTEST_EXTRA_O = $(KTEST_DIR)/postcopy.o

$(KTEST_DIR)/uapi_dump64.txt: $(KTEST_DUMP_DEPS)
	@mkdir -p $(@D)
	$(CC) $(KTEST_DUMP_CFLAGS) -o $(KTEST_DIR)/uapi_dump64 $<
	$(KTEST_DIR)/uapi_dump64 > $@.tmp && mv $@.tmp $@

$(KTEST_M32): $(KTEST_SRC)/m32/test_compat32.c $(KTEST_DIR)/uapi_dump64.txt \
		$(KTEST_DUMP_DEPS)
	$(CC) -m32 -static $(KTEST_DUMP_CFLAGS) -UUAPI_DUMP_MAIN \
		-DNATIVE_DUMP='"$(KTEST_DIR)/uapi_dump64.txt"' -o $@ $< $(KTEST_DUMP_SRC)

# test_policy's AppArmor profile, compiled here and loaded in the guest (the
# guest has no apparmor_parser); empty when this host has none (tests/deps.sh
# installs it), and then the LSM test skips saying so.
KTEST_AA_SRC := $(KTEST_SRC)/aa-nomap.profile
KTEST_AA_BIN := $(KTEST_DIR)/aa-nomap.bin
KTEST_AA_FEATURES := /usr/share/apparmor-features/features

$(KTEST_AA_BIN): $(KTEST_AA_SRC)
	@mkdir -p $(@D)
	@if command -v apparmor_parser >/dev/null 2>&1; then \
		apparmor_parser -Q -S $(if $(wildcard $(KTEST_AA_FEATURES)),-M $(KTEST_AA_FEATURES)) \
			$< > $@.tmp && mv $@.tmp $@; \
	else \
		echo "kernel-tests: no apparmor_parser: test_policy's LSM test will skip"; \
		: > $@; \
	fi

$(KTEST_DIR)/test_policy.o: $(KTEST_AA_BIN)
$(KTEST_DIR)/test_policy.o: KTEST_CFLAGS += -DAA_PROFILE_BIN='"$(KTEST_AA_BIN)"'

.SECONDARY: $(patsubst %,%.o,$(KTEST_BINS)) $(KTEST_COMMON_O)

-include $(wildcard $(KTEST_DIR)/*.d)
