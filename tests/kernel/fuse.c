// SPDX-License-Identifier: GPL-2.0
/*
 * The tests' FUSE file system (fuse.h): the raw protocol over /dev/fuse,
 * just what mounting, looking up "file", mapping and reading or writing it
 * needs.  Anything else is answered ENOSYS.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/fuse.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include "fuse.h"

#define TF_FILE_INO	2
#define TF_MAX_WRITE	(64 * 1024)
/* Room for the largest request: headers and a WRITE of TF_MAX_WRITE. */
#define TF_BUF		(FUSE_MIN_READ_BUFFER + TF_MAX_WRITE)
#define TF_CONNS	"/sys/fs/fuse/connections"

/* Answer @unique: an error (@err > 0) or @len bytes of @data. */
static void tf_reply(struct tfuse *f, uint64_t unique, int err,
		     const void *data, size_t len)
{
	struct fuse_out_header h = {
		.len = sizeof(h) + (err ? 0 : len),
		.error = -err,
		.unique = unique,
	};
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)data, .iov_len = err ? 0 : len },
	};

	/* ENOENT: the request was interrupted meanwhile; nothing to do. */
	if (writev(f->fd, iov, 2) < 0 && errno != ENOENT)
		fprintf(stderr, "# tfuse: reply %llu: %s\n",
			(unsigned long long)unique, strerror(errno));
}

static void tf_attr(const struct tfuse *f, uint64_t node, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = node;
	a->blksize = 4096;
	if (node == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
	} else {
		a->mode = S_IFREG | 0666;
		a->nlink = 1;
		a->size = f->size;
		a->blocks = f->size / 512;
	}
}

static void tf_init(struct tfuse *f, uint64_t unique,
		    const struct fuse_init_in *in)
{
	struct fuse_init_out o;

	memset(&o, 0, sizeof(o));
	o.major = FUSE_KERNEL_VERSION;
	o.minor = in->minor < FUSE_KERNEL_MINOR_VERSION ?
		  in->minor : FUSE_KERNEL_MINOR_VERSION;
	o.max_readahead = in->max_readahead;
	o.max_write = TF_MAX_WRITE;
	o.max_background = 16;
	o.congestion_threshold = 12;
	o.time_gran = 1;
	tf_reply(f, unique, 0, &o, sizeof(o));
	f->up = 1;
}

static void tf_lookup(struct tfuse *f, const struct fuse_in_header *in,
		      const char *name)
{
	struct fuse_entry_out e;

	if (in->nodeid != FUSE_ROOT_ID || strcmp(name, "file")) {
		tf_reply(f, in->unique, ENOENT, NULL, 0);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.nodeid = TF_FILE_INO;
	e.generation = 1;
	e.entry_valid = 3600;
	e.attr_valid = 3600;
	tf_attr(f, TF_FILE_INO, &e.attr);
	tf_reply(f, in->unique, 0, &e, sizeof(e));
}

/* READ: page i of the file reads 'a' + i % 26. */
static void tf_read(struct tfuse *f, uint64_t unique,
		    const struct fuse_read_in *r, char *data)
{
	size_t n = 0;

	if (r->offset < f->size)
		n = f->size - r->offset;
	if (n > r->size)
		n = r->size;
	if (n > TF_MAX_WRITE)
		n = TF_MAX_WRITE;
	for (size_t i = 0; i < n; i++)
		data[i] = 'a' + ((r->offset + i) / 4096) % 26;
	tf_reply(f, unique, 0, data, n);
}

static void tf_serve_one(struct tfuse *f, char *buf, char *data)
{
	const struct fuse_in_header *in = (const void *)buf;
	const void *arg = buf + sizeof(*in);

	switch (in->opcode) {
	case FUSE_INIT:
		tf_init(f, in->unique, arg);
		break;
	case FUSE_LOOKUP:
		tf_lookup(f, in, arg);
		break;
	case FUSE_GETATTR:
	case FUSE_SETATTR: {	/* the file stays as it is */
		struct fuse_attr_out a;

		memset(&a, 0, sizeof(a));
		a.attr_valid = 3600;
		tf_attr(f, in->nodeid, &a.attr);
		tf_reply(f, in->unique, 0, &a, sizeof(a));
		break;
	}
	case FUSE_OPEN: {
		struct fuse_open_out o;

		memset(&o, 0, sizeof(o));
		o.fh = 1;
		tf_reply(f, in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_READ:
	case FUSE_WRITE:
		if (f->stall) {
			__atomic_add_fetch(&f->stalled, 1, __ATOMIC_SEQ_CST);
			break;	/* never answered: tfuse_stop() aborts it */
		}
		if (in->opcode == FUSE_READ) {
			tf_read(f, in->unique, arg, data);
		} else {
			const struct fuse_write_in *w = arg;
			struct fuse_write_out o = { .size = w->size };

			tf_reply(f, in->unique, 0, &o, sizeof(o));
		}
		break;
	case FUSE_FLUSH:
	case FUSE_RELEASE:
	case FUSE_FSYNC:
	case FUSE_DESTROY:
		tf_reply(f, in->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:	/* the request goes on waiting */
		break;
	default:		/* GETXATTR, ACCESS, STATFS, ... */
		tf_reply(f, in->unique, ENOSYS, NULL, 0);
	}
}

static void *tf_thread(void *arg)
{
	struct tfuse *f = arg;
	char *buf = malloc(TF_BUF), *data = malloc(TF_MAX_WRITE);

	if (!buf || !data)
		abort();
	/* Touched now: serving must never fault (a test may hold our mm). */
	memset(buf, 0, TF_BUF);
	memset(data, 0, TF_MAX_WRITE);
	for (;;) {
		ssize_t n = read(f->fd, buf, TF_BUF);

		if (n < 0 && (errno == EINTR || errno == ENOENT ||
			      errno == EAGAIN))
			continue;
		if (n < 0)
			break;	/* ENODEV: aborted or unmounted */
		if ((size_t)n >= sizeof(struct fuse_in_header))
			tf_serve_one(f, buf, data);
	}
	free(buf);
	free(data);
	return NULL;
}

int tfuse_start(struct tfuse *f, size_t size)
{
	static int seq;
	char opts[128];
	struct stat st;
	int err;

	memset(f, 0, sizeof(*f));
	f->size = size;
	f->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (f->fd < 0)
		return errno == ENOENT ? ENODEV : errno;
	if (mount("fusectl", TF_CONNS, "fusectl", 0, NULL) && errno != EBUSY) {
		err = errno;
		close(f->fd);
		return err;
	}
	snprintf(f->mnt, sizeof(f->mnt), "/tmp/vmxfer-fuse.%d.%d", getpid(),
		 seq++);
	snprintf(f->path, sizeof(f->path), "%s/file", f->mnt);
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other",
		 f->fd);
	if (mkdir(f->mnt, 0755) ||
	    mount("vmxfer-test", f->mnt, "fuse", MS_NOSUID | MS_NODEV, opts)) {
		err = errno;
		rmdir(f->mnt);
		close(f->fd);
		return err;
	}
	err = pthread_create(&f->thread, NULL, tf_thread, f);
	if (err) {
		umount2(f->mnt, MNT_DETACH);
		rmdir(f->mnt);
		close(f->fd);
		return err;
	}
	/* stat() asks the server (GETATTR), so only now. */
	if (stat(f->mnt, &st)) {
		err = errno;
		pthread_cancel(f->thread);
		pthread_join(f->thread, NULL);
		umount2(f->mnt, MNT_DETACH);
		rmdir(f->mnt);
		close(f->fd);
		return err;
	}
	/* fusectl names a connection by the kernel's dev_t (major << 20). */
	f->conn = major(st.st_dev) << 20 | minor(st.st_dev);
	return 0;
}

int tfuse_wait_stalled(struct tfuse *f, int n, int ms)
{
	const struct timespec tick = { .tv_nsec = 1000000 };

	for (int i = 0; i < ms; i++) {
		if (__atomic_load_n(&f->stalled, __ATOMIC_SEQ_CST) >= n)
			return 0;
		nanosleep(&tick, NULL);
	}
	return -1;
}

void tfuse_stop(struct tfuse *f)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), TF_CONNS "/%u/abort", f->conn);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		fprintf(stderr, "# tfuse: abort %s: %s\n", path,
			strerror(errno));
	if (fd >= 0)
		close(fd);
	pthread_join(f->thread, NULL);
	umount2(f->mnt, MNT_DETACH);
	rmdir(f->mnt);
	close(f->fd);
}
