# Benchmarks: built on request only (never by `all`, `userspace` or
# `make check`).  Included from the top-level Makefile if the lead wires it:
#   include bench/bench.mk
#   bench: bench-build ; bench/run-splice.sh $(LINE); bench/run-clone.sh $(LINE)
BENCH_DIR    := $(BUILD)/bench
BENCH_CFLAGS  = -std=c11 $(CPPFLAGS) $(CFLAGS) $(WARN)

.PHONY: bench-build

bench-build: $(BENCH_DIR)/splice $(BENCH_DIR)/clone

$(BENCH_DIR)/splice: $(TOP)/bench/splice.c $(LIB_A) $(TOP)/lib/vmxfer.h \
		$(TOP)/include/uapi/linux/vmxfer.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_A)

$(BENCH_DIR)/clone: $(TOP)/bench/clone.c $(LIB_A) $(TOP)/lib/vmxfer.h \
		$(TOP)/include/uapi/linux/vmxfer.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_A)
