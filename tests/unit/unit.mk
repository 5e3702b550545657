# Host unit tests (cmocka); no kernel module needed.  Included from the
# top-level Makefile.
#
#   unit-build  builds every test into $(BUILD)/tests/unit/
#   unit        runs them all, fails if any fails

UNIT_DIR      := $(BUILD)/tests/unit
UNIT_SRC      := $(TOP)/tests/unit
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(or $(shell pkg-config --libs cmocka 2>/dev/null),-lcmocka)
UNIT_CFLAGS    = -std=c11 $(CPPFLAGS) -I$(TOP)/tools -I$(UNIT_SRC) $(CMOCKA_CFLAGS) \
		 $(CFLAGS) $(WARN) -MMD -MP

UNIT_TESTS    := test_lib test_native test_uapi test_diag test_status test_ctl test_dumpfmt test_peek test_mergediag
UNIT_BINS     := $(addprefix $(UNIT_DIR)/,$(UNIT_TESTS))
UNIT_DUMP32   := $(UNIT_DIR)/uapi_dump32

.PHONY: unit-build unit

unit-build: $(UNIT_BINS) $(UNIT_DUMP32)

unit: unit-build
	@fail=""; \
	for t in $(UNIT_TESTS); do \
		echo "=== $$t"; \
		$(UNIT_DIR)/$$t || fail="$$fail $$t"; \
	done; \
	sh $(UNIT_SRC)/check-exports.sh $(LIB_SO) || fail="$$fail check-exports"; \
	sh $(UNIT_SRC)/check-install.sh || fail="$$fail check-install"; \
	if [ -n "$$fail" ]; then echo "unit: FAILED:$$fail"; exit 1; fi; \
	echo "unit: all passed"

$(UNIT_DIR)/%.o: $(UNIT_SRC)/%.c
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -c $< -o $@

$(UNIT_DIR)/test_ctl.o: UNIT_CFLAGS += -DVMXFER_CTL='"$(TOOLS_DIR)/vmxfer-ctl"'
$(UNIT_DIR)/test_uapi.o: UNIT_CFLAGS += -DUAPI_DUMP32='"$(UNIT_DUMP32)"'

# The library's system calls are diverted into fakes with ld --wrap.
$(UNIT_DIR)/test_lib: $(UNIT_DIR)/test_lib.o $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -Wl,--wrap=open,--wrap=ioctl,--wrap=syscall \
		-o $@ $^ $(CMOCKA_LIBS)

# The native fallback on the host's own kernel: the real library, no fakes.
$(UNIT_DIR)/test_native: $(UNIT_DIR)/test_native.o $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

$(UNIT_DIR)/test_uapi: $(UNIT_DIR)/test_uapi.o $(UNIT_DIR)/uapi_dump.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

$(UNIT_DIR)/test_diag: $(UNIT_DIR)/test_diag.o $(TOOLS_DIR)/diag.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

$(UNIT_DIR)/test_status: $(UNIT_DIR)/test_status.o $(TOOLS_DIR)/status.o $(LIB_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

$(UNIT_DIR)/test_dumpfmt: $(UNIT_DIR)/test_dumpfmt.o $(TOOLS_DIR)/dumpfmt.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

$(UNIT_DIR)/test_peek: $(UNIT_DIR)/test_peek.o $(TOOLS_DIR)/peek.o $(TOOLS_DIR)/ctlutil.o $(LIB_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

$(UNIT_DIR)/test_mergediag: $(UNIT_DIR)/test_mergediag.o $(TOOLS_DIR)/mergediag.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

$(UNIT_DIR)/test_ctl: $(UNIT_DIR)/test_ctl.o | $(TOOLS_DIR)/vmxfer-ctl
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

# The same layout dump, compiled -m32, for test_uapi to compare against.
$(UNIT_DUMP32): $(UNIT_SRC)/uapi_dump.c $(UNIT_SRC)/uapi_dump.h \
		$(TOP)/lib/uapi_layout.h $(TOP)/include/uapi/linux/vmxfer.h
	@mkdir -p $(@D)
	$(CC) -m32 -std=c11 -DUAPI_DUMP_MAIN -I$(TOP)/include/uapi -I$(TOP)/lib \
		-I$(UNIT_SRC) $(CFLAGS) $(WARN) -o $@ $<

-include $(wildcard $(UNIT_DIR)/*.d)
