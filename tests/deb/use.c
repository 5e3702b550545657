// SPDX-License-Identifier: GPL-2.0-only
/*
 * A user's program, built in tests/deb-check.sh's chroot against the
 * installed libvmxfer-dev (cc $(pkg-config --cflags --libs vmxfer)) and run
 * in a guest with the DKMS-built module: the module answers (no native
 * fallback), its version is the package's (argv[1]), and a remap that grows
 * -- which only the module does -- moves the pages and keeps the source.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <vmxfer.h>

static int fail(const char *what)
{
	fprintf(stderr, "deb-use: FAIL: %s (%s)\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	const unsigned long need = VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE |
				   VMXFER_FEAT_REMAP | VMXFER_FEAT_SPLICE;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), i;
	struct vmxfer_info info;
	char *src, *dst;
	int vfd;

	if (argc != 2)
		return fail("usage: deb-use VERSION");
	vfd = vmxfer_open();
	if (vfd < 0)
		return fail("vmxfer_open");
	if (vmxfer_info(vfd, &info))
		return fail("vmxfer_info");
	if (info.flags & VMXFER_INFO_NATIVE_FALLBACK)
		return fail("the native fallback answered, not the module");
	if (strcmp(info.module_version, argv[1])) {
		fprintf(stderr, "deb-use: FAIL: module version %s, package %s\n",
			info.module_version, argv[1]);
		return 1;
	}
	if ((info.features & need) != need)
		return fail("clone, move, remap and splice are not all available");
	src = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED)
		return fail("mmap");
	memset(src, 0x5a, 2 * pg);
	dst = vmxfer_remap(vfd, src, 2 * pg, 4 * pg, NULL, 0);
	if (dst == MAP_FAILED)
		return fail("vmxfer_remap growing 2 -> 4 pages");
	for (i = 0; i < 4 * pg; i++)
		if (dst[i] != (i < 2 * pg ? 0x5a : 0))
			return fail("remapped bytes");
	for (i = 0; i < 2 * pg; i++)
		if (src[i])
			return fail("source not fresh after the remap");
	printf("deb-use: ok: module %s, features 0x%llx, remap grew 2 -> 4 pages\n",
	       info.module_version, (unsigned long long)info.features);
	return 0;
}
