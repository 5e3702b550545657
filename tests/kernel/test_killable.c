// SPDX-License-Identifier: GPL-2.0
/*
 * Every wait of clone, splice and remap ends when the caller is killed,
 * even when what it waits for depends on the caller itself.
 *
 * The lock holder: a process reading /proc/PID/mem at a page of PID that
 * is backed by our FUSE file (fuse.c), whose READ the server -- a thread
 * of this test process -- never answers.  access_remote_vm() faults the
 * page with GUP and no fault retry, so the reader holds PID's mmap_lock
 * (read) for as long as the READ is unanswered.  The callers are CLONE_VM
 * children of this process: separate processes to kill, sharing the mm of
 * the process that serves the FUSE file.  Before the fix a clone caller
 * took the lower-addressed mm's lock killably and the other one
 * uninterruptibly: so both sides are made busy in turn (the target's lock,
 * then the caller's own), one of the two is the second lock whatever the
 * addresses.  A caller still there 2 s after SIGKILL fails the test (its
 * state and wchan are printed); then the connection is aborted, which
 * releases everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "common.h"
#include "fuse.h"

#define PAGE		4096UL
#define NPAGES		16
#define KILL_MS		2000	/* a killed caller must be gone by then */
#define STACK		(64 * 1024)

static int vfd = -1;

static int setup(void **state)
{
	(void)state;
	vfd = test_open_for(VMXFER_FEAT_CLONE);
	return vfd < 0;
}

static int teardown(void **state)
{
	(void)state;
	close(vfd);
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Read /proc/@pid/@file into @buf (NUL-terminated, newline cut); 0 if gone. */
static int proc_read(pid_t pid, const char *file, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 1;
}

/* The state letter of @pid (R, S, D, Z...), 0 if it is gone. */
static char proc_state(pid_t pid)
{
	char buf[512], *p;

	if (!proc_read(pid, "stat", buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : 0;
}

/* Wait (up to 2 s) until @pid sleeps in D (killable waits show as D). */
static int wait_blocked(pid_t pid)
{
	for (int i = 0; i < 200; i++) {
		if (proc_state(pid) == 'D') {
			sleep_ms(100);	/* settled in its wait */
			return proc_state(pid) == 'D';
		}
		sleep_ms(10);
	}
	return 0;
}

/* Reap @pid if it exits within @ms; 1 if it did. */
static int reaped_within(pid_t pid, int ms, int *status)
{
	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 1;
		sleep_ms(10);
	}
	return 0;
}

/* --- the processes ------------------------------------------------------ */

/* A target: NPAGES anonymous pages, and (@fpath) a page of that file. */
struct ktarget {
	pid_t pid;
	int pidfd;
	char *anon;
	char *fpage;
};

static void ktarget_start(struct ktarget *t, const char *fpath)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	t->pid = fork();
	assert_true(t->pid >= 0);
	if (t->pid == 0) {
		char *addr[2] = { NULL, NULL };
		int fd = fpath ? open(fpath, O_RDONLY) : -1;

		addr[0] = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (addr[0] == MAP_FAILED)
			_exit(1);
		memset(addr[0], 'T', NPAGES * PAGE);
		if (fd >= 0) {	/* mapped, never touched */
			addr[1] = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd,
				       0);
			if (addr[1] == MAP_FAILED)
				_exit(1);
		}
		if (write(p[1], addr, sizeof(addr)) != sizeof(addr))
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	{
		char *addr[2];

		assert_int_equal(read(p[0], addr, sizeof(addr)), sizeof(addr));
		t->anon = addr[0];
		t->fpage = addr[1];
	}
	close(p[0]);
	t->pidfd = vmxfer_pidfd_open(t->pid);
	assert_true(t->pidfd >= 0);
}

static void ktarget_stop(struct ktarget *t)
{
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	close(t->pidfd);
}

/*
 * A process reading /proc/@pid/mem at @addr, a page of our stalled FUSE
 * file: it holds @pid's mmap_lock until the connection is aborted.
 */
static pid_t hold_mmap_lock(pid_t pid, void *addr)
{
	pid_t r = fork();

	assert_true(r >= 0);
	if (r == 0) {
		char path[64], c;
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			_exit(1);
		_exit(pread(fd, &c, 1, (off_t)(unsigned long)addr) == 1 ? 0 : 2);
	}
	return r;
}

/* A caller: a CLONE_VM child running one vmxfer operation. */
enum { OP_CLONE, OP_SPLICE, OP_REMAP, OP_MOVE };

struct caller {
	int op;
	int pidfd;
	void *src;
	size_t len;
	int pipe;	/* OP_SPLICE: the write end */
	void *dst;	/* OP_MOVE: the destination */
	pid_t pid;
	char *stack;
	volatile int err;	/* set by the caller if it returns */
};

static int caller_fn(void *arg)
{
	struct caller *c = arg;

	if (c->op == OP_CLONE) {
		if (vmxfer_clone(vfd, c->pidfd, c->src, c->len, NULL, 0) ==
		    MAP_FAILED)
			c->err = errno;
	} else if (c->op == OP_REMAP) {
		if (vmxfer_remap(vfd, c->src, c->len, c->len, NULL, 0) ==
		    MAP_FAILED)
			c->err = errno;
	} else if (c->op == OP_MOVE) {
		if (vmxfer_move(vfd, c->dst, c->src, c->len, 0) < 0)
			c->err = errno;
	} else {
		struct iovec iov = { .iov_base = c->src, .iov_len = c->len };

		if (vmxfer_splice(vfd, c->pidfd, c->pipe, &iov, 1, 0) < 0)
			c->err = errno;
	}
	return 0;
}

/*
 * Its stack is mapped and touched before any caller runs: while one waits
 * for our mm's lock, this process must not need it (an mmap, a fault).
 */
static void caller_prepare(struct caller *c)
{
	c->stack = mmap(NULL, STACK, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(c->stack != MAP_FAILED);
	memset(c->stack, 0, STACK);
	c->pid = 0;
	c->err = 0;
}

static void caller_start(struct caller *c)
{
	c->pid = clone(caller_fn, c->stack + STACK, CLONE_VM | SIGCHLD, c);
	assert_true(c->pid > 0);
}

/*
 * @c must be asleep in its operation; SIGKILL it and see it gone within
 * KILL_MS.  0, or 1 (said) if it is not.  A caller left behind is reaped
 * by caller_reap() once the holder let go.
 */
static int caller_kill(struct caller *c, const char *what)
{
	char wchan[128] = "?";
	int status;

	if (!wait_blocked(c->pid)) {
		printf("# %s: the caller did not block (state %c, %s)\n",
		       what, proc_state(c->pid) ? proc_state(c->pid) : '-',
		       c->err ? strerror(c->err) : "succeeded");
		kill(c->pid, SIGKILL);
		return 1;
	}
	kill(c->pid, SIGKILL);
	if (reaped_within(c->pid, KILL_MS, &status)) {
		c->pid = 0;
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
			printf("# %s: the caller ended, status %#x\n", what,
			       status);
			return 1;
		}
		printf("# %s: killed caller gone\n", what);
		return 0;
	}
	proc_read(c->pid, "wchan", wchan, sizeof(wchan));
	printf("# %s: the caller is still in state %c (wchan %s) %d ms after SIGKILL\n",
	       what, proc_state(c->pid), wchan, KILL_MS);
	return 1;
}

/*
 * As caller_kill(), for a wait that may not happen: 5.10 at times lets a
 * reader take a reader-held rwsem past a queued writer, and the splice
 * then just succeeds (seen once in many runs).  A caller that ended
 * without waiting is reaped and started again (the pipe @rd drained), up
 * to 4 more times; killing it once it waits is the check.
 */
static int caller_kill_waiting(struct caller *c, int rd, const char *what)
{
	static char buf[16 * PAGE];

	for (int i = 0; i < 4 && !wait_blocked(c->pid); i++) {
		int n;

		if (waitpid(c->pid, NULL, WNOHANG) != c->pid)
			break;		/* neither waiting nor ended: say so */
		printf("# %s: did not wait (try %d of 5), again\n", what, i + 1);
		n = test_pipe_bytes(rd);
		if (n > 0 && n <= (int)sizeof(buf))
			assert_int_equal(read(rd, buf, n), n);
		caller_start(c);
	}
	return caller_kill(c, what);
}

static void caller_reap(struct caller *c)
{
	if (c->pid > 0)
		waitpid(c->pid, NULL, 0);
	munmap(c->stack, STACK);
}

static void start_fuse(struct tfuse *f)
{
	int err = tfuse_start(f, NPAGES * PAGE);

	/* Only a kernel built without FUSE (older debug kernels): the stock
	 * lines' guests (release "*-amd64") always load fuse.ko
	 * (tests/vm/run), so there it is a failure. */
	if (err == ENODEV) {
		struct utsname u;

		assert_int_equal(uname(&u), 0);
		if (strlen(u.release) > 6 &&
		    !strcmp(u.release + strlen(u.release) - 6, "-amd64"))
			fail_msg("no /dev/fuse on the stock kernel %s", u.release);
		printf("# no /dev/fuse: this kernel (%s) has no FUSE\n",
		       u.release);
		skip();
	}
	if (err)
		fail_msg("FUSE: %s", strerror(err));
	f->stall = 1;
}

/* Wait for the holder's READ: from then on it holds the mmap_lock. */
static void wait_holder(struct tfuse *f, pid_t holder)
{
	if (tfuse_wait_stalled(f, 1, 5000))
		fail_msg("no READ from the /proc/%d/mem reader (state %c)",
			 holder, proc_state(holder));
}

static void reap_holder(pid_t holder)
{
	int status;

	waitpid(holder, &status, 0);
	/* The aborted READ failed the read, it did not block forever. */
	assert_true(WIFEXITED(status));
}

/* --- clone ---------------------------------------------------------------- */

/*
 * Clone from a target whose mmap_lock is held, then with the caller's own
 * mmap_lock held (by a reader of our own mm, waiting for our own FUSE
 * server); the same two mms both times.
 */
static void test_clone_killable(void **state)
{
	struct caller c = { .op = OP_CLONE, .len = NPAGES * PAGE };
	struct ktarget t;
	struct tfuse f;
	pid_t holder;
	int failed = 0, fd;
	char *mine;

	(void)state;
	/* The target's lock. */
	start_fuse(&f);
	ktarget_start(&t, f.path);
	c.pidfd = t.pidfd;
	c.src = t.anon;
	caller_prepare(&c);
	holder = hold_mmap_lock(t.pid, t.fpage);
	wait_holder(&f, holder);
	caller_start(&c);
	failed |= caller_kill(&c, "clone, target's mmap_lock held");
	tfuse_stop(&f);
	reap_holder(holder);
	caller_reap(&c);

	/* The caller's own lock, same target. */
	start_fuse(&f);
	fd = open(f.path, O_RDONLY);
	assert_true(fd >= 0);
	mine = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(mine != MAP_FAILED);
	caller_prepare(&c);
	holder = hold_mmap_lock(getpid(), mine);
	wait_holder(&f, holder);
	caller_start(&c);
	failed |= caller_kill(&c, "clone, caller's mmap_lock held");
	tfuse_stop(&f);
	reap_holder(holder);
	caller_reap(&c);
	munmap(mine, PAGE);
	close(fd);

	if (failed) {	/* and it may have mapped the range here since */
		ktarget_stop(&t);
		fail_msg("a killed caller stayed (see above)");
	}
	/* With nothing held the same clone works. */
	mine = vmxfer_clone(vfd, t.pidfd, t.anon, NPAGES * PAGE, NULL, 0);
	assert_true(mine != MAP_FAILED);
	assert_int_equal(mine[NPAGES * PAGE - 1], 'T');
	munmap(mine, NPAGES * PAGE);
	ktarget_stop(&t);
}

/* --- splice --------------------------------------------------------------- */

/*
 * Splice from a target whose mmap_lock is read-held with a writer (a clone
 * caller) queued: the splice waits behind the writer.  Then, writer gone,
 * splice the page whose READ is outstanding: the fault waits for the page
 * lock the reader's read holds.
 */
static void test_splice_killable(void **state)
{
	struct caller w = { .op = OP_CLONE, .len = NPAGES * PAGE };
	struct caller s1 = { .op = OP_SPLICE, .len = PAGE };
	struct caller s2 = { .op = OP_SPLICE, .len = PAGE };
	struct ktarget t;
	struct tfuse f;
	pid_t holder;
	int failed = 0, p[2], sfd;

	(void)state;
	sfd = test_open_for(VMXFER_FEAT_SPLICE);
	assert_true(sfd >= 0);
	close(sfd);
	assert_int_equal(pipe(p), 0);
	start_fuse(&f);
	ktarget_start(&t, f.path);
	w.pidfd = s1.pidfd = s2.pidfd = t.pidfd;
	w.src = s1.src = t.anon;
	s2.src = t.fpage;
	s1.pipe = s2.pipe = p[1];
	caller_prepare(&w);
	caller_prepare(&s1);
	caller_prepare(&s2);
	holder = hold_mmap_lock(t.pid, t.fpage);
	wait_holder(&f, holder);

	caller_start(&w);
	if (!wait_blocked(w.pid))
		printf("# the clone did not wait for the target's mmap_lock\n");
	caller_start(&s1);
	failed |= caller_kill_waiting(&s1, p[0], "splice behind a queued writer");
	failed |= caller_kill(&w, "clone, target's mmap_lock held");

	caller_start(&s2);
	failed |= caller_kill(&s2, "splice of a page under FUSE read");

	tfuse_stop(&f);
	reap_holder(holder);
	caller_reap(&w);
	caller_reap(&s1);
	caller_reap(&s2);
	close(p[0]);
	close(p[1]);
	ktarget_stop(&t);
	if (failed)
		fail_msg("a killed caller stayed (see above)");
}

/*
 * Splice a missing page of a userfaultfd-registered range whose handler
 * never answers (the handler could be a thread of the caller): the fault
 * waits for it -- as process_vm_readv(2) does -- killably, and without
 * holding the target's mmap_lock.
 */
static void test_splice_uffd_killable(void **state)
{
	struct caller s = { .op = OP_SPLICE, .len = PAGE };
	struct target t;
	int failed, p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	target_start(&t, 4 * PAGE, TGT_NOFILL);
	target_uffd(&t);
	s.pidfd = t.pidfd;
	s.src = t.base + PAGE;
	s.pipe = p[1];
	caller_prepare(&s);
	caller_start(&s);
	failed = caller_kill(&s, "splice of a userfaultfd page nobody serves");
	target_stop(&t);	/* ends the fault if the caller is still in it */
	caller_reap(&s);
	close(p[0]);
	close(p[1]);
	if (failed)
		fail_msg("the splice did not wait, or a killed caller stayed");
}

/* --- remap ----------------------------------------------------------------- */

/*
 * Remap in our own mm while its mmap_lock is held (by a reader of our own
 * mm waiting for our own FUSE server): the remap waits for the lock
 * killably (its EINTR, which the killed caller never sees), and the
 * source is left as it was.
 */
static void test_remap_killable(void **state)
{
	struct caller c = { .op = OP_REMAP, .len = NPAGES * PAGE };
	struct tfuse f;
	pid_t holder;
	int failed, fd, rfd;
	char *mine, *src, *dst;

	(void)state;
	rfd = test_open_for(VMXFER_FEAT_REMAP);
	assert_true(rfd >= 0);
	close(rfd);
	src = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(src != MAP_FAILED);
	memset(src, 'R', NPAGES * PAGE);
	c.src = src;
	start_fuse(&f);
	fd = open(f.path, O_RDONLY);
	assert_true(fd >= 0);
	mine = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(mine != MAP_FAILED);
	caller_prepare(&c);
	holder = hold_mmap_lock(getpid(), mine);
	wait_holder(&f, holder);
	caller_start(&c);
	failed = caller_kill(&c, "remap, caller's mmap_lock held");
	tfuse_stop(&f);
	reap_holder(holder);
	caller_reap(&c);
	munmap(mine, PAGE);
	close(fd);
	if (failed)
		fail_msg("a killed caller stayed (see above)");
	for (size_t i = 0; i < NPAGES * PAGE; i += PAGE / 4)
		assert_int_equal(src[i], 'R');
	/* With nothing held the same remap works. */
	dst = vmxfer_remap(vfd, src, NPAGES * PAGE, NPAGES * PAGE, NULL, 0);
	assert_true(dst != MAP_FAILED);
	assert_int_equal(dst[NPAGES * PAGE - 1], 'R');
	munmap(dst, NPAGES * PAGE);
	munmap(src, NPAGES * PAGE);
}

/* move waits for the caller's own mmap_lock killably, as remap does. */
static void test_move_killable(void **state)
{
	struct caller c = { .op = OP_MOVE, .len = NPAGES * PAGE };
	struct tfuse f;
	pid_t holder;
	int failed, fd, mfd;
	char *mine, *src, *dst;

	(void)state;
	mfd = test_open_for(VMXFER_FEAT_MOVE);
	assert_true(mfd >= 0);
	close(mfd);
	src = mmap(NULL, 2 * NPAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(src != MAP_FAILED);
	dst = src + NPAGES * PAGE;
	memset(src, 'M', NPAGES * PAGE);
	c.src = src;
	c.dst = dst;
	start_fuse(&f);
	fd = open(f.path, O_RDONLY);
	assert_true(fd >= 0);
	mine = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(mine != MAP_FAILED);
	caller_prepare(&c);
	holder = hold_mmap_lock(getpid(), mine);
	wait_holder(&f, holder);
	caller_start(&c);
	failed = caller_kill(&c, "move, caller's mmap_lock held");
	tfuse_stop(&f);
	reap_holder(holder);
	caller_reap(&c);
	munmap(mine, PAGE);
	close(fd);
	if (failed)
		fail_msg("a killed caller stayed (see above)");
	for (size_t i = 0; i < NPAGES * PAGE; i += PAGE / 4)
		assert_int_equal(src[i], 'M');
	/*
	 * With nothing held the same move works, once the pages are the
	 * caller's alone again: the holder was a fork (a write reuses them).
	 */
	memset(src, 'M', NPAGES * PAGE);
	assert_int_equal(vmxfer_move(vfd, dst, src, NPAGES * PAGE, 0),
			 (ssize_t)(NPAGES * PAGE));
	assert_int_equal(dst[NPAGES * PAGE - 1], 'M');
	munmap(src, 2 * NPAGES * PAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clone_killable),
		cmocka_unit_test(test_splice_killable),
		cmocka_unit_test(test_splice_uffd_killable),
		cmocka_unit_test(test_remap_killable),
		cmocka_unit_test(test_move_killable),
	};

	test_filter_from_env();
	return cmocka_run_group_tests_name("killable", tests, setup, teardown);
}
