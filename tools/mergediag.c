// SPDX-License-Identifier: GPL-2.0-only
/*
 * "vmxfer-ctl merge --pid PID": a diagnosis, read from /proc/PID/smaps, of
 * the process's private anonymous mappings that sit next to one another
 * with the same protections, flags (VmFlags, soft-dirty aside) and name,
 * and are kept apart only because their page offsets do not continue
 * each other -- mappings mremap(2) moved.  VMXFER_IOC_MERGE (vmxfer_merge())
 * can merge such pairs when their pages are the process's own and they
 * share an anon_vma (memory first faulted as one mapping); smaps does not
 * show either, so the count is an upper bound.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mergediag.h"

struct vma {
	uint64_t start, end, pgoff, inode;
	char perms[8];
	char name[256];
	char flags[256];	/* VmFlags without "sd" */
	int have;
};

/* A header line ("start-end perms pgoff dev inode [name]"): 1, 0 not one. */
static int header(const char *line, struct vma *v)
{
	unsigned int dmaj, dmin;
	int n = 0;

	memset(v, 0, sizeof(*v));
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
		   &v->start, &v->end, v->perms, &v->pgoff, &dmaj, &dmin,
		   &v->inode, &n) < 7)
		return 0;
	snprintf(v->name, sizeof(v->name), "%.255s", line + n);
	v->name[strcspn(v->name, "\n")] = '\0';
	v->have = 1;
	return 1;
}

static void vmflags(const char *line, struct vma *v)
{
	char buf[1024], *tok, *save = NULL;
	size_t used = 0;

	snprintf(buf, sizeof(buf), "%.1000s", line + strlen("VmFlags:"));
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (strcmp(tok, "sd"))
			used += (size_t)snprintf(v->flags + used, sizeof(v->flags) - used,
						 "%s ", tok);
}

/* Private anonymous: no file, private, and no special name but [anon:...]. */
static int anon(const struct vma *v)
{
	return v->inode == 0 && v->perms[3] == 'p' &&
	       (v->name[0] == '\0' || !strncmp(v->name, "[anon:", 6));
}

static void pair(const struct vma *a, const struct vma *b, int list, FILE *out,
		 struct vx_mergediag *d)
{
	if (!anon(a) || !anon(b) || a->end != b->start ||
	    strcmp(a->perms, b->perms) || strcmp(a->name, b->name) ||
	    strcmp(a->flags, b->flags))
		return;
	d->adjacent++;
	if (a->pgoff + (a->end - a->start) / 4096 == b->pgoff)
		return;	/* offsets continue: apart for a reason smaps hides */
	d->offset_only++;
	if (list)
		fprintf(out, "%" PRIx64 "-%" PRIx64 " pgoff %" PRIx64
			" | %" PRIx64 "-%" PRIx64 " pgoff %" PRIx64 "\n",
			a->start, a->end, a->pgoff, b->start, b->end, b->pgoff);
}

int vx_mergediag_scan(FILE *f, int list, FILE *out, struct vx_mergediag *d)
{
	struct vma prev, cur;
	char line[1024];

	memset(d, 0, sizeof(*d));
	memset(&prev, 0, sizeof(prev));
	memset(&cur, 0, sizeof(cur));
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmFlags:", 8)) {
			if (cur.have)
				vmflags(line, &cur);
			continue;
		}
		/* Key lines ("Rss:   4 kB") have a colon in their first word. */
		if (strchr(line, ':') && strchr(line, ':') < strchr(line, ' '))
			continue;
		if (cur.have) {
			if (prev.have)
				pair(&prev, &cur, list, out, d);
			prev = cur;
		}
		if (!header(line, &cur))
			return -1;
		d->vmas++;
		d->anon += (unsigned long)anon(&cur);
	}
	if (cur.have && prev.have)
		pair(&prev, &cur, list, out, d);
	return 0;
}

int vx_mergediag_main(const char *prog, int argc, char **argv)
{
	struct vx_mergediag d;
	char path[64];
	long pid = -1;
	int list = 0, ret;
	FILE *f;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pid") && i + 1 < argc)
			pid = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--list"))
			list = 1;
		else
			return 2;
	}
	if (pid <= 0)
		return 2;
	snprintf(path, sizeof(path), "/proc/%ld/smaps", pid);
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return 1;
	}
	ret = vx_mergediag_scan(f, list, stdout, &d);
	fclose(f);
	if (ret) {
		fprintf(stderr, "%s: %s: unreadable format\n", prog, path);
		return 1;
	}
	printf("mappings: %lu (private anonymous: %lu)\n"
	       "adjacent anonymous pairs alike but for the page offsets: %lu\n"
	       "  (vmxfer merge can merge each whose pages are the process's own\n"
	       "   and that share an anon_vma; at most %lu fewer mappings)\n",
	       d.vmas, d.anon, d.offset_only, d.offset_only);
	return 0;
}
