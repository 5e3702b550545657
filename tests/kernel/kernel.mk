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

.PHONY: kernel-tests-build

kernel-tests-build: $(KTEST_BINS)
	@echo "kernel-tests-build: $(words $(KTEST_BINS)) test program(s) in $(KTEST_DIR)"

$(KTEST_DIR)/%.o: $(KTEST_SRC)/%.c $(KTEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(KTEST_CFLAGS) -c $< -o $@

$(KTEST_DIR)/test_%: $(KTEST_DIR)/test_%.o $(KTEST_COMMON_O) $(LIB_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $< $(KTEST_COMMON_O) $(LIB_A) \
		$(KTEST_CMOCKA_LIBS)

.SECONDARY: $(patsubst %,%.o,$(KTEST_BINS)) $(KTEST_COMMON_O)

-include $(wildcard $(KTEST_DIR)/*.d)
