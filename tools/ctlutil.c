// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <vmxfer.h>

#include "ctlutil.h"

int vx_open_for(const char *who, uint64_t feat, const char *op)
{
	struct vmxfer_info info;
	int vfd = vmxfer_open();

	if (vfd < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			fprintf(stderr, "%s: %s: the vmxfer module is not loaded "
				"(load it with 'vmxfer-ctl load')\n", who,
				VMXFER_DEVICE_PATH);
		else if (errno == EACCES)
			fprintf(stderr, "%s: %s: permission denied (add yourself "
				"to group vmxfer, or run as root)\n", who,
				VMXFER_DEVICE_PATH);
		else
			fprintf(stderr, "%s: %s: %s\n", who, VMXFER_DEVICE_PATH,
				strerror(errno));
		return -1;
	}
	if (vmxfer_info(vfd, &info)) {
		fprintf(stderr, "%s: VMXFER_IOC_INFO: %s\n", who, strerror(errno));
		close(vfd);
		return -1;
	}
	if (!(info.features & feat)) {
		fprintf(stderr, "%s: %s is not available with this module on this "
			"kernel (%s); 'vmxfer-ctl status' says why\n", who, op,
			info.kernel_release);
		close(vfd);
		return -1;
	}
	return vfd;
}

int vx_parse_pid(const char *s, pid_t *pid)
{
	char *e;
	long v;

	errno = 0;
	v = strtol(s, &e, 10);
	if (e == s || *e || errno || v <= 0 || v > INT32_MAX)
		return -1;
	*pid = (pid_t)v;
	return 0;
}
