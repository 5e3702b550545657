# vmxfer-ctl.  Included from the top-level Makefile.

TOOLS_DIR    := $(BUILD)/tools
TOOLS_SRCS   := $(TOP)/tools/vmxfer-ctl.c $(TOP)/tools/status.c $(TOP)/tools/diag.c \
		$(TOP)/tools/dump.c $(TOP)/tools/dumpfmt.c $(TOP)/tools/peek.c \
		$(TOP)/tools/ctlutil.c $(TOP)/tools/gcore.c $(TOP)/tools/gcore_elf.c \
		$(TOP)/tools/mergediag.c
TOOLS_OBJS   := $(patsubst $(TOP)/tools/%.c,$(TOOLS_DIR)/%.o,$(TOOLS_SRCS))
KMOD_CFLAGS  := $(shell pkg-config --cflags libkmod 2>/dev/null)
KMOD_LIBS    := $(or $(shell pkg-config --libs libkmod 2>/dev/null),-lkmod)
TOOLS_CFLAGS  = -std=c11 $(CPPFLAGS) $(KMOD_CFLAGS) $(CFLAGS) $(WARN) -MMD -MP

.PHONY: tools

tools: $(TOOLS_DIR)/vmxfer-ctl $(TOOLS_DIR)/vmxfer-demo-target $(TOOLS_DIR)/vmxfer-demo-clone \
       $(TOOLS_DIR)/vmxfer-demo-postcopy $(TOOLS_DIR)/vmxfer-gcore-target

$(TOOLS_DIR)/%.o: $(TOP)/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -c $< -o $@

$(TOOLS_DIR)/vmxfer-ctl: $(TOOLS_OBJS) $(LIB_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TOOLS_OBJS) $(LIB_A) $(KMOD_LIBS)

# The demo's target process (tests/demo-splice.sh); not installed.
$(TOOLS_DIR)/vmxfer-demo-target: $(TOP)/tests/demo/vmxfer-demo-target.c
	@mkdir -p $(@D)
	$(CC) -std=c11 $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $<

# gcore's target (tests/gcore, bench/run-gcore.sh, the demo); not installed.
$(TOOLS_DIR)/vmxfer-gcore-target: $(TOP)/tests/demo/vmxfer-gcore-target.c
	@mkdir -p $(@D)
	$(CC) -std=c11 $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -pthread -o $@ $<

# The clone demo's program (tests/demo-clone.sh); not installed.
$(TOOLS_DIR)/vmxfer-demo-clone: $(TOP)/tests/demo/vmxfer-demo-clone.c $(LIB_A) \
		$(TOP)/lib/vmxfer.h $(TOP)/include/uapi/linux/vmxfer.h
	@mkdir -p $(@D)
	$(CC) -std=c11 $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $< $(LIB_A)

# The postcopy demo (tests/demo-postcopy.sh); not installed.
$(TOOLS_DIR)/vmxfer-demo-postcopy: $(TOP)/tests/demo/vmxfer-demo-postcopy.c \
		$(TOP)/tests/demo/postcopy.c $(TOP)/tests/demo/postcopy.h $(LIB_A) \
		$(TOP)/lib/vmxfer.h $(TOP)/include/uapi/linux/vmxfer.h
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) \
		-I$(TOP)/tests/demo -o $@ $< $(TOP)/tests/demo/postcopy.c $(LIB_A) \
		-pthread

-include $(TOOLS_OBJS:.o=.d)
