/*
 * nsexec.c - the only C in runcs.
 *
 * The .NET runtime is multi-threaded from its first instruction, so a child of a raw
 * clone() must never run managed code again (a GC poll would wait for threads that do
 * not exist), unshare(CLONE_NEWUSER) fails in it, and setns into a mount namespace
 * cannot work. runcs_spawn() is therefore the one place where the container's init is
 * born: it clones, joins namespaces, waits for the id maps, switches to uid/gid 0 and
 * execs the sealed runcs binary as `runcs init`. The child only makes raw syscalls and
 * never returns.
 *
 * Protocol on sync_fd (child -> parent, 8-byte records {char tag; pad; int32 value}):
 *   'U' 0      the user namespace exists: write uid_map/gid_map, then answer 1 byte
 *   'P' pid    the final init's pid (two-stage path: a joined pid or a new time namespace)
 *   'E' errno  a step failed; the record is followed by a second one {'S', step}
 * and, before the exec, the init joins its cgroups, which runcs makes while the kernel
 * creates the namespaces: it waits for one byte from the parent (parent -> child), which
 * either carries the v1 hierarchies' tasks files runcs opened (SCM_RIGHTS; the init writes
 * "0" to each) or says runcs has written the init's pid to cgroup.procs itself.
 * With a cgroup2 directory fd (a hybrid host's unified cgroup), the first child is cloned
 * straight into it (clone3 CLONE_INTO_CGROUP), and everything it forks starts there too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

enum { MAX_JOIN = 8, MAX_KEEP = 8, MAX_CGROUP = 16 };

/* Steps named in an 'S' record; mirrored by NsexecStep in C#. */
enum nsexec_step {
	STEP_SETNS = 1,
	STEP_UNSHARE_USER,
	STEP_WAIT_MAPS,
	STEP_SETGROUPS,
	STEP_SETUID,
	STEP_UNSHARE,
	STEP_TIMENS_OFFSETS,
	STEP_FORK,
	STEP_KEEP_FD,
	STEP_EXEC,
	STEP_WAIT_CGROUP,
	STEP_JOIN_CGROUP,
};

struct runcs_spawn {
	int32_t clone_flags;          /* namespaces to create (CLONE_NEW*) */
	int32_t join_count;
	int32_t join_fds[MAX_JOIN];   /* namespaces to join, user namespace first */
	int32_t join_types[MAX_JOIN];
	int32_t keep_count;
	int32_t keep_fds[MAX_KEEP];   /* fds the init inherits (CLOEXEC cleared in the child) */
	int32_t stdio_fds[3];         /* become the init's fds 0-2; -1 keeps runcs's own */
	int32_t sync_fd;
	int32_t exe_fd;               /* the sealed runcs binary */
	int32_t setgroups_allowed;    /* with a new user namespace: may setgroups() run */
	int32_t cgroup_fd;            /* cgroup2 directory the first child starts in, or -1 */
	int32_t in_cgroup;            /* out: 1 cloned into cgroup_fd; -1 the kernel refused that
	                                 cgroup (left out: runc ignores a unified hierarchy it cannot
	                                 join); 0 no clone3 or CLONE_INTO_CGROUP (kernel before 5.7) */
	const char *timens_offsets;   /* "monotonic S NS\nboottime S NS\n" or NULL */
	char *const *argv;
	char *const *envp;
};

struct sync_record {
	char tag;
	char pad[3];
	int32_t value;
};

static void send_record(int fd, char tag, int32_t value)
{
	struct sync_record r = { .tag = tag, .value = value };
	ssize_t n;
	do {
		n = write(fd, &r, sizeof(r));
	} while (n < 0 && errno == EINTR);
}

static __attribute__((noreturn)) void fail(const struct runcs_spawn *s, int step)
{
	int err = errno;
	send_record(s->sync_fd, 'E', err);
	send_record(s->sync_fd, 'S', step);
	_exit(1);
}

/* fork() without glibc's atfork handlers: the parent is a multi-threaded runtime. */
static pid_t raw_clone(unsigned long flags)
{
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}

/* struct clone_args up to its cgroup field (CLONE_ARGS_SIZE_VER2). */
struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/*
 * raw_clone, the child born in a cgroup2 directory. Moving a process later (a write to
 * cgroup.procs) takes the global threadgroup lock and waits for an RCU grace period, 8-15 ms
 * here; a clone into the cgroup takes neither. -1 with errno when the kernel cannot (clone3
 * or CLONE_INTO_CGROUP missing, before 5.7): the caller falls back to a plain clone.
 */
static pid_t raw_clone_into(unsigned long flags, int cgroup_fd)
{
	struct clone_args_v2 args;

	memset(&args, 0, sizeof(args));
	args.flags = flags | CLONE_INTO_CGROUP;
	args.exit_signal = SIGCHLD;
	args.cgroup = (uint64_t)cgroup_fd;
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* Blocks until the parent answers with one byte. */
static void wait_for_parent(const struct runcs_spawn *s, int step)
{
	char go;
	ssize_t n;
	do {
		n = read(s->sync_fd, &go, 1);
	} while (n < 0 && errno == EINTR);
	if (n != 1) {
		if (n == 0)
			errno = EPIPE;
		fail(s, step);
	}
}

static void wait_for_maps(const struct runcs_spawn *s)
{
	send_record(s->sync_fd, 'U', 0);
	wait_for_parent(s, STEP_WAIT_MAPS);
}

static void become_root(const struct runcs_spawn *s)
{
	if (s->setgroups_allowed && syscall(SYS_setgroups, 0, NULL) < 0)
		fail(s, STEP_SETGROUPS);
	if (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setresuid, 0, 0, 0) < 0)
		fail(s, STEP_SETUID);
}

static void write_timens_offsets(const struct runcs_spawn *s)
{
	int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	size_t len = strlen(s->timens_offsets);
	if (fd < 0 || write(fd, s->timens_offsets, len) != (ssize_t)len)
		fail(s, STEP_TIMENS_OFFSETS);
	close(fd);
}

/*
 * Waits for runcs's go-ahead, which carries the v1 tasks files when the init is to move
 * itself. A single-threaded process moving itself ("0" in a v1 tasks file) skips the
 * global threadgroup lock that a write to cgroup.procs takes, and with it an RCU grace
 * period: about 6 ms on this kind of host, paid by every runc and crun start. The kernel
 * checks the credentials of the file's opener (runcs), so this works in any namespace.
 * Without files, runcs has already written the init's pid to cgroup.procs.
 */
static void join_cgroups(const struct runcs_spawn *s)
{
	char go;
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_CGROUP)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = &go, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	do {
		n = recvmsg(s->sync_fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n != 1) {
		if (n == 0)
			errno = EPIPE;
		fail(s, STEP_WAIT_CGROUP);
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		errno = EMSGSIZE;
		fail(s, STEP_WAIT_CGROUP);
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (write(fd, "0", 1) != 1)
				fail(s, STEP_JOIN_CGROUP);
			close(fd);
		}
	}
}

static __attribute__((noreturn)) void exec_init(const struct runcs_spawn *s)
{
	sigset_t none;
	/* Everything the init's runtime touches from its first page on is the container's cost. */
	join_cgroups(s);
	/* Only now: a cgroup namespace is rooted where its creator's cgroup is. */
	if ((s->clone_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		fail(s, STEP_UNSHARE);
	for (int i = 0; i < s->keep_count; i++)
		if (fcntl(s->keep_fds[i], F_SETFD, 0) < 0)
			fail(s, STEP_KEEP_FD);
	for (int i = 0; i < 3; i++)
		if (s->stdio_fds[i] >= 0 && dup2(s->stdio_fds[i], i) < 0)
			fail(s, STEP_KEEP_FD);
	/* The caller's thread may block signals; the init must start with none blocked. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	syscall(SYS_execveat, s->exe_fd, "", s->argv, s->envp, AT_EMPTY_PATH);
	fail(s, STEP_EXEC);
}

/* Stage 1 of the two-stage path: join, create, then fork the real init. */
static __attribute__((noreturn)) void stage1(const struct runcs_spawn *s)
{
	int flags = s->clone_flags;
	pid_t child;

	for (int i = 0; i < s->join_count; i++)
		if (setns(s->join_fds[i], s->join_types[i]) < 0)
			fail(s, STEP_SETNS);
	if (flags & CLONE_NEWUSER) {
		if (unshare(CLONE_NEWUSER) < 0)
			fail(s, STEP_UNSHARE_USER);
		wait_for_maps(s);
		flags &= ~CLONE_NEWUSER;
	}
	become_root(s);
	flags &= ~CLONE_NEWCGROUP; /* made in exec_init, once in the container's cgroup */
	if (flags && unshare(flags) < 0)
		fail(s, STEP_UNSHARE);
	if (s->timens_offsets)
		write_timens_offsets(s);
	/* CLONE_PARENT: the init becomes runcs's own child, so runcs can wait for it. */
	child = raw_clone(CLONE_PARENT);
	if (child < 0)
		fail(s, STEP_FORK);
	if (child == 0)
		exec_init(s);
	send_record(s->sync_fd, 'P', child);
	_exit(0);
}

/*
 * Returns the pid of the first child (the init itself on the one-stage path), or
 * -errno when clone fails. Errors after the clone arrive on sync_fd.
 */
int32_t runcs_spawn(struct runcs_spawn *s)
{
	int two_stage = s->join_count > 0 || (s->clone_flags & CLONE_NEWTIME);
	/*
	 * Only the pid namespace (unshare would apply it to children only) and the user
	 * namespace (it owns the others) come with the clone; the child unshares the rest
	 * while runcs makes the cgroup, rather than clone() making runcs wait for them
	 * (a network namespace alone takes 0.3-0.6 ms).
	 */
	int at_clone = two_stage ? 0 : s->clone_flags & (CLONE_NEWPID | CLONE_NEWUSER);
	int in_child = s->clone_flags & ~(CLONE_NEWPID | CLONE_NEWUSER | CLONE_NEWCGROUP);
	pid_t pid = -1;

	s->in_cgroup = 0;
	if (s->cgroup_fd >= 0) {
		pid = raw_clone_into((unsigned long)at_clone, s->cgroup_fd);
		if (pid > 0)
			s->in_cgroup = 1;
		else if (pid < 0 && errno != ENOSYS && errno != E2BIG && errno != EINVAL)
			s->in_cgroup = -1;
	}
	if (pid < 0)
		pid = raw_clone((unsigned long)at_clone);
	if (pid < 0)
		return -errno;
	if (pid > 0)
		return pid;
	/*
	 * Joining a container's namespaces while holding runcs's fds (the cgroup tasks files
	 * among them): its processes must not be able to ptrace us or open /proc/<pid>/fd.
	 */
	if (s->join_count > 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(s, STEP_SETNS);
	if (two_stage)
		stage1(s);
	if (s->clone_flags & CLONE_NEWUSER)
		wait_for_maps(s);
	become_root(s);
	if (in_child && unshare(in_child) < 0)
		fail(s, STEP_UNSHARE);
	exec_init(s);
}
