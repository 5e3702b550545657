# vmxfer top-level Makefile.
#
#   make               library, tools and tests (userspace); the module too when
#                      kernel headers for KDIR exist
#   make module KDIR=  the kernel module against a given build tree
#   make check         everything the project tests (see README.md)
#   make demo          boots a stock Debian kernel in QEMU and shows vmxfer
#   make lint          checkpatch --strict and sparse on the kernel side
#   make install       library, header, pkg-config, tool, man pages, udev rule
#   make dkms-install  registers and builds the module with DKMS
#   make deb           Debian packages (debian/, debhelper + dh-dkms) in build/deb
#   make bench LINE=   benchmarks in a guest (not part of check)
#   make check-debug   the guest suite on a KASAN/lockdep/DEBUG_VM kernel
#   make fuzz LINE= N= SEED=  the ioctl fuzzer (tests/kernel/test_fuzz) on one line
#   make stress LINE= SECONDS=  the race stress (test_stress) for longer

VERSION   := $(shell sed -n 's/.*VMXFER_MODULE_VERSION "\(.*\)"/\1/p' module/version.h)
TOP       := $(abspath .)
BUILD     := $(TOP)/build
PREFIX    ?= /usr/local
LIBDIR    ?= $(PREFIX)/lib
UDEVDIR   ?= /etc/udev/rules.d
DESTDIR   ?=
KVER      ?= $(shell uname -r)
KDIR      ?= /lib/modules/$(KVER)/build

CC        ?= cc
CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Werror
CPPFLAGS  += -I$(TOP)/include/uapi -I$(TOP)/lib -DVMXFER_VERSION='"$(VERSION)"' -D_GNU_SOURCE

export VERSION TOP BUILD

.PHONY: all userspace module module-clean clean check demo lint install uninstall \
	dkms-install dkms-source dkms-check unit kernel-tests deps help bench check-debug fuzz stress \
	dist-build deb deb-check

all: userspace
	@if [ -e "$(KDIR)/Makefile" ]; then \
		$(MAKE) module; \
	else \
		echo "vmxfer: no kernel headers at $(KDIR) (kernel $(KVER)):" \
		     "built userspace only; 'make module KDIR=<tree>' builds the module"; \
	fi

include lib/lib.mk
include tools/tools.mk
include tests/unit/unit.mk
include tests/kernel/kernel.mk
include bench/bench.mk

userspace: lib tools unit-build kernel-tests-build

module:
	$(MAKE) -C $(KDIR) M=$(TOP)/module modules

module-clean:
	-$(MAKE) -C $(KDIR) M=$(TOP)/module clean

clean:
	rm -rf $(BUILD)
	rm -f module/*.o module/*.ko module/*.mod module/*.mod.c module/.*.cmd \
	      module/modules.order module/Module.symvers
	rm -rf module/.tmp_versions

help:
	@sed -n '3,15p' Makefile

# --- entry points ---------------------------------------------------------

deps:
	@tests/deps.sh

check: deps
	@tests/check.sh

demo: deps
	@tests/demo.sh

lint: deps
	@tests/lint.sh

dkms-check:
	@tests/dkms-check.sh

# The Debian packages (debian/): vmxfer-dkms, libvmxfer1, libvmxfer-dev,
# vmxfer-utils, built with dpkg-buildpackage (debhelper, dh-dkms) and
# checked with lintian; the .debs land in build/deb.  deb-check installs,
# uses, upgrades and purges them in a fresh bookworm chroot.
DEB_OUT := $(BUILD)/deb
deb: deps
	@dv=$$(dpkg-parsechangelog -S Version); [ "$$dv" = "$(VERSION)" ] || \
		{ echo "deb: debian/changelog says $$dv, module/version.h $(VERSION)" >&2; exit 1; }
	dpkg-buildpackage -b -us -uc -j$$(nproc)
	@mkdir -p $(DEB_OUT)
	@for f in $$(awk '/^Files:/ { f = 1; next } /^[^ ]/ { f = 0 } f { print $$5 }' \
			../vmxfer_$(VERSION)_*.changes) vmxfer_$(VERSION)_*.changes; do \
		mv ../$$f $(DEB_OUT)/; done
	lintian --fail-on error,warning --suppress-tags bad-distribution-in-changes-file \
		$(DEB_OUT)/vmxfer_$(VERSION)_*.changes
	@ls $(DEB_OUT)/*.deb

deb-check:
	@tests/deb-check.sh

# The guest suite on a locally built kernel of DEBUG_LINE (6.12 or 7.2) with
# KASAN, lockdep, DEBUG_VM and PAGE_TABLE_CHECK (built once, ~1 hour; not
# part of check).
DEBUG_LINE ?= 6.12
check-debug: deps userspace
	@[ -f $${VMXFER_CACHE:-$$HOME/.cache/vmxfer}/debug-$(DEBUG_LINE)/arch/x86/boot/bzImage ] || \
		tests/vm/debug-kernel $(DEBUG_LINE)
	@VMXFER_LINES=tests/vm/lines.debug VMXFER_TEST_TIMEOUT=3000 \
		tests/vm/suite --timeout 3600 debug-$(DEBUG_LINE)

# The ioctl fuzzer alone on one line, longer than check's 80000 + 20000
# calls: N calls as root (default 1000000), N/4 as uid 1000, seed SEED (a
# number, or "random"; default: check's fixed seed).  A violation prints
# the call and the seed.  ~1400 calls/s on 6.12 under TCG.
fuzz: userspace
	@n=$(or $(N),1000000); \
	tests/vm/run --kernel $(or $(LINE),6.12) --timeout $$((300 + n / 500)) \
		--file $(BUILD)/tests/kernel/test_fuzz -- \
		sh -c "VMXFER_FUZZ_N=$$n VMXFER_FUZZ_SEED=$(SEED) test_fuzz"

# The race stress alone, longer than the suite's 60 s: one guest of LINE
# (default 6.12) running test_stress for SECONDS (default 600).
STRESS_SECONDS = $(or $(SECONDS),600)
stress: deps userspace
	@tests/vm/run --kernel $(or $(LINE),6.12) --timeout $$(($(STRESS_SECONDS) + 600)) \
		--file $(BUILD)/tests/kernel/test_stress -- \
		env VMXFER_STRESS_SECONDS=$(STRESS_SECONDS) test_stress

# Benchmarks: ratios measured side by side in one guest boot (LINE=6.1|6.12).
bench: bench-build
	@bench/run-splice.sh $(or $(LINE),6.12)
	@bench/run-clone.sh $(or $(LINE),6.12)
	@bench/run-remap.sh $(or $(LINE),6.12)
	@bench/run-move.sh $(or $(LINE),6.12)

# --- install --------------------------------------------------------------

# What is installed: the library and vmxfer-ctl (no tests, no module).
dist-build: $(LIB_SO) $(LIB_A) $(LIB_DIR)/libvmxfer.so.$(LIB_SOVER) $(LIB_DIR)/libvmxfer.so \
	$(TOOLS_DIR)/vmxfer-ctl

install: dist-build
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PREFIX)/include/linux \
		$(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(UDEVDIR)
	install -m 0644 $(BUILD)/lib/libvmxfer.a $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(BUILD)/lib/libvmxfer.so.$(LIB_FULLVER) $(DESTDIR)$(LIBDIR)/
	ln -sf libvmxfer.so.$(LIB_FULLVER) $(DESTDIR)$(LIBDIR)/libvmxfer.so.1
	ln -sf libvmxfer.so.1 $(DESTDIR)$(LIBDIR)/libvmxfer.so
	install -m 0644 lib/vmxfer.h $(DESTDIR)$(PREFIX)/include/vmxfer.h
	install -m 0644 include/uapi/linux/vmxfer.h $(DESTDIR)$(PREFIX)/include/linux/vmxfer.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		-e 's|@VERSION@|$(VERSION)|g' lib/vmxfer.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/vmxfer.pc
	install -m 0755 $(BUILD)/tools/vmxfer-ctl $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 lib/libvmxfer.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -m 0644 tools/vmxfer-ctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 tools/60-vmxfer.rules $(DESTDIR)$(UDEVDIR)/
	@echo "installed; create the group with 'groupadd -r vmxfer' and add users to it"

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libvmxfer.* $(DESTDIR)$(PREFIX)/include/vmxfer.h \
	      $(DESTDIR)$(PREFIX)/include/linux/vmxfer.h \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/vmxfer.pc $(DESTDIR)$(PREFIX)/bin/vmxfer-ctl \
	      $(DESTDIR)$(PREFIX)/share/man/man3/libvmxfer.3 \
	      $(DESTDIR)$(PREFIX)/share/man/man8/vmxfer-ctl.8 \
	      $(DESTDIR)$(UDEVDIR)/60-vmxfer.rules

DKMS_SRC := /usr/src/vmxfer-$(VERSION)

# The module's sources as DKMS wants them, under $(DESTDIR)/usr/src.
dkms-source:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	install -d $(DESTDIR)$(DKMS_SRC)/module $(DESTDIR)$(DKMS_SRC)/include/uapi/linux
	install -m 0644 dkms.conf $(DESTDIR)$(DKMS_SRC)/
	install -m 0644 module/Kbuild module/*.c module/*.h $(DESTDIR)$(DKMS_SRC)/module/
	install -m 0644 include/uapi/linux/vmxfer.h $(DESTDIR)$(DKMS_SRC)/include/uapi/linux/

dkms-install: dkms-source
	dkms add -m vmxfer -v $(VERSION) || true
	dkms build -m vmxfer -v $(VERSION) -k $(KVER)
	dkms install -m vmxfer -v $(VERSION) -k $(KVER)

print-version:
	@echo $(VERSION)
