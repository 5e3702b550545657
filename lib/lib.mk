# libvmxfer: shared + static library, and the uapi header compile checks.
# Included from the top-level Makefile (BUILD, TOP, CC, CFLAGS, WARN, CPPFLAGS).

LIB_SOVER   := 1
LIB_FULLVER := 1.0.0

LIB_DIR     := $(BUILD)/lib
LIB_SRCS    := $(TOP)/lib/vmxfer.c $(TOP)/lib/native.c
LIB_OBJS    := $(patsubst $(TOP)/lib/%.c,$(LIB_DIR)/%.o,$(LIB_SRCS))
LIB_SO      := $(LIB_DIR)/libvmxfer.so.$(LIB_FULLVER)
LIB_A       := $(LIB_DIR)/libvmxfer.a
LIB_MAP     := $(TOP)/lib/libvmxfer.map
LIB_CFLAGS   = -std=c11 $(CPPFLAGS) $(CFLAGS) $(WARN) -fPIC -fvisibility=hidden -MMD -MP

CXX         ?= c++
HAVE_CXX    := $(shell command -v $(CXX) >/dev/null 2>&1 && echo y)
UAPI_CHECK_SRC := $(TOP)/lib/uapi-check.c
# Deliberately strict ISO C/C++ (no _GNU_SOURCE, -Wpedantic): the headers must
# not depend on the project's own build flags.
UAPI_CHECK_FLAGS = -I$(TOP)/include/uapi -I$(TOP)/lib -Wall -Wextra -Werror -Wpedantic
UAPI_CHECKS := $(LIB_DIR)/uapi-check-m64.o $(LIB_DIR)/uapi-check-m32.o
ifeq ($(HAVE_CXX),y)
UAPI_CHECKS += $(LIB_DIR)/uapi-check-cxx.o $(LIB_DIR)/uapi-check-cxx32.o
endif
UAPI_DEPS   := $(UAPI_CHECK_SRC) $(TOP)/include/uapi/linux/vmxfer.h $(TOP)/lib/vmxfer.h \
	       $(TOP)/lib/uapi_layout.h

.PHONY: lib uapi-check

lib: $(LIB_SO) $(LIB_A) $(LIB_DIR)/libvmxfer.so.$(LIB_SOVER) $(LIB_DIR)/libvmxfer.so uapi-check

uapi-check: $(UAPI_CHECKS)

$(LIB_DIR)/%.o: $(TOP)/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -c $< -o $@

$(LIB_SO): $(LIB_OBJS) $(LIB_MAP)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libvmxfer.so.$(LIB_SOVER) \
		-Wl,--version-script=$(LIB_MAP) -Wl,-z,defs -o $@ $(LIB_OBJS)

$(LIB_DIR)/libvmxfer.so.$(LIB_SOVER): $(LIB_SO)
	ln -sf libvmxfer.so.$(LIB_FULLVER) $@

$(LIB_DIR)/libvmxfer.so: $(LIB_DIR)/libvmxfer.so.$(LIB_SOVER)
	ln -sf libvmxfer.so.$(LIB_SOVER) $@

$(LIB_A): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# The uapi header (and our public header) must compile, with the same
# layout, for -m64, -m32 and C++ (layout asserted in lib/uapi_layout.h).
$(LIB_DIR)/uapi-check-m64.o: $(UAPI_DEPS)
	@mkdir -p $(@D)
	$(CC) -m64 -std=c11 $(UAPI_CHECK_FLAGS) -c $< -o $@

$(LIB_DIR)/uapi-check-m32.o: $(UAPI_DEPS)
	@mkdir -p $(@D)
	$(CC) -m32 -std=c11 $(UAPI_CHECK_FLAGS) -c $< -o $@

$(LIB_DIR)/uapi-check-cxx.o: $(UAPI_DEPS)
	@mkdir -p $(@D)
	$(CXX) -m64 -std=c++11 -x c++ $(UAPI_CHECK_FLAGS) -c $< -o $@

$(LIB_DIR)/uapi-check-cxx32.o: $(UAPI_DEPS)
	@mkdir -p $(@D)
	$(CXX) -m32 -std=c++11 -x c++ $(UAPI_CHECK_FLAGS) -c $< -o $@

-include $(LIB_OBJS:.o=.d)
