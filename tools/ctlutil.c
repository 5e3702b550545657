// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <time.h>
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
	if (!(info.features & feat) &&
	    (info.flags & VMXFER_INFO_NATIVE_FALLBACK)) {
		fprintf(stderr, "%s: %s needs the vmxfer module, which is not "
			"loaded (load it with 'vmxfer-ctl load'; install it with "
			"'apt install vmxfer-dkms')\n", who, op);
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

double vx_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void vx_bar_start(struct vx_bar *b, const char *name, int on, int rate)
{
	b->name = name;
	b->on = on;
	b->rate = rate;
	b->drawn = 0;
	b->t0 = b->last = vx_now();
}

void vx_bar_draw(struct vx_bar *b, uint64_t done, uint64_t total)
{
	static const char hashes[] = "##############################";
	const int width = (int)sizeof(hashes) - 1;
	double t = vx_now(), mib = 1048576.0;
	int fill = total ? (int)(width * (double)done / (double)total) : width;

	if (!b->on || t - b->last < 0.2)
		return;
	b->last = t;
	b->drawn = 1;
	fprintf(stderr, "\r%s [%-*.*s] %3d%% %.1f/%.1f MiB ", b->name, width,
		fill, hashes,
		total ? (int)(100.0 * (double)done / (double)total) : 100,
		(double)done / mib, (double)total / mib);
	if (b->rate && t > b->t0)
		fprintf(stderr, "%.0f MiB/s ", (double)done / (t - b->t0) / mib);
}

void vx_bar_done(struct vx_bar *b)
{
	if (b->drawn)
		fprintf(stderr, "\r%*s\r", 72, "");
	b->drawn = 0;
}
