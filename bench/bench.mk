# Benchmarks: built on request only (never by `all`, `userspace` or
# `make check`): `make bench LINE=...` builds them and runs bench/run-*.sh.
BENCH_DIR    := $(BUILD)/bench
BENCH_CFLAGS  = -std=c11 $(CPPFLAGS) $(CFLAGS) $(WARN)

.PHONY: bench-build

bench-build: $(BENCH_DIR)/splice $(BENCH_DIR)/clone $(BENCH_DIR)/remap $(BENCH_DIR)/move \
	     $(BENCH_DIR)/merge

$(BENCH_DIR)/%: $(TOP)/bench/%.c $(TOP)/bench/benchlib.c $(TOP)/bench/benchlib.h \
		$(LIB_A) $(TOP)/lib/vmxfer.h $(TOP)/include/uapi/linux/vmxfer.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $< $(TOP)/bench/benchlib.c $(LIB_A)
