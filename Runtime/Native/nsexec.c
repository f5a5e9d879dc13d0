/*
 * nsexec.c - the only C in runcs.
 *
 * The .NET runtime is multi-threaded from its first instruction, so a child of a raw
 * clone() must never run managed code again (a GC poll would wait for threads that do
 * not exist), unshare(CLONE_NEWUSER) fails in it, and setns into a mount namespace
 * cannot work. runcs_spawn() is therefore the one place where the container's init is
 * born. The child only makes raw syscalls and never returns; first of all it resets every
 * signal handler, closes every fd it does not need (the parent's end of the sync socket and
 * the container's lock among them: a kill -9 of runcs must give the init EOF) and arms
 * PR_SET_PDEATHSIG.
 *
 * One stage (a new pid namespace, nothing joined): the child is cloned into the new pid and
 * user namespaces, waits for the id maps, becomes root, unshares the rest, joins its cgroup
 * and execs the sealed runcs binary as `runcs init`. Until that exec it is a copy of the
 * host's runcs, but it is pid 1 of an empty pid namespace: no container process exists yet.
 *
 * Two stages (joining namespaces: `exec`, or a create that joins one by path, or a new time
 * namespace): the child execs the sealed binary at once, still in the host's namespaces, so
 * that no copy of the host's binary ever enters a container (CVE-2019-5736: a process of the
 * container with CAP_SYS_PTRACE could open its /proc/PID/exe and, once runcs is gone, write
 * to the host's binary). runcs_nsexec(), a constructor of that binary, runs before the .NET
 * runtime exists (single-threaded, as runc's nsexec in `runc init`): non-dumpable first, it
 * joins the namespaces, forks the init with CLONE_PARENT and exits; the init returns from the
 * constructor into `runcs init`'s main.
 *
 * Protocol on sync_fd (child -> parent, 8-byte records {char tag; pad; int32 value}):
 *   'U' 0      the user namespace exists: write uid_map/gid_map, then answer 1 byte
 *   'P' pid    the final init's pid (two-stage path)
 *   'E' errno  a step failed; the record is followed by a second one {'S', step}
 * and, before it runs `runcs init`, the init joins its cgroups, which runcs makes while the
 * kernel creates the namespaces: it waits for one byte from the parent (parent -> child),
 * which either carries the v1 hierarchies' tasks files runcs opened (SCM_RIGHTS; the init
 * writes "0" to each) or says runcs has written the init's pid to cgroup.procs itself.
 * With a cgroup2 directory fd (a hybrid host's unified cgroup), the first child is cloned
 * straight into it (clone3 CLONE_INTO_CGROUP), and everything it forks starts there too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
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
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

enum { MAX_JOIN = 8, MAX_KEEP = 8, MAX_CGROUP = 16, MAX_ENV = 16, KERNEL_NSIG = 64 };

/* Names the two-stage init's instructions in the environment of the sealed binary's exec. */
static const char STAGE_ENV[] = "_RUNCS_NSEXEC=";
static const char TIMENS_ENV[] = "_RUNCS_TIMENS=";

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
	STEP_CLOSE_FDS,
	STEP_SETSID,
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
	int32_t maps_by_owner;        /* runcs is not root: its maps are written as the child's owner */
	int32_t cgroup_fd;            /* cgroup2 directory the first child starts in, or -1 */
	int32_t in_cgroup;            /* out: 1 cloned into cgroup_fd; -1 the kernel refused that
	                                 cgroup (left out: runc ignores a unified hierarchy it cannot
	                                 join); 0 no clone3 or CLONE_INTO_CGROUP (kernel before 5.7) */
	int32_t preserve_fds;         /* fds 3 .. 3+preserve_fds-1 pass to the init as they are */
	const char *timens_offsets;   /* "monotonic S NS\nboottime S NS\n" or NULL */
	char *const *argv;
	char *const *envp;
};

struct sync_record {
	char tag;
	char pad[3];
	int32_t value;
};

/* glibc's description of struct pthread for debuggers: {bits, count, offset} of its tid. */
extern const uint32_t _thread_db_pthread_tid[3];

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

/*
 * The two-stage init's fork, before the .NET runtime exists. It must leave glibc's idea of
 * the main thread's tid right (the runtime signals its threads with pthread_kill, which uses
 * it), as glibc's own fork does: the kernel writes the child's tid there (CLONE_CHILD_SETTID).
 */
static pid_t clone_keeping_tid(unsigned long flags)
{
	pid_t *tid = (pid_t *)((char *)pthread_self() + _thread_db_pthread_tid[2]);
	return (pid_t)syscall(SYS_clone, flags | CLONE_CHILD_SETTID | SIGCHLD, 0, NULL, tid, 0);
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

/*
 * SIGKILL when runcs dies, then a check that it has not died already: its end of the sync
 * socket (held by runcs alone) is closed, or this process was reparented. The parent pid
 * reads 0 where runcs is outside this process's pid namespace. Re-armed after every fork and
 * credential change, which clear it. `runcs init` disarms it once it is ready; EOF on the
 * sync socket then tells it that runcs is gone.
 */
static void arm_parent_death(const struct runcs_spawn *s, pid_t parent)
{
	struct pollfd p = { .fd = s->sync_fd, .events = 0 };
	pid_t now;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	now = getppid();
	if ((now != 0 && now != parent) || (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLNVAL))))
		_exit(1);
}

/* The child inherits the runtime's handlers: every one back to SIG_DFL, then nothing blocked. */
static void reset_signals(void)
{
	struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; } dfl = { 0 };
	sigset_t none;

	for (int sig = 1; sig <= KERNEL_NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	sigemptyset(&none);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(uint64_t));
}

static void sort_fds(int *fds, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];
			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
}

static void close_fds(const struct runcs_spawn *s, unsigned first, unsigned last)
{
	if (first > last)
		return;
	if (syscall(SYS_close_range, first, last, 0) == 0)
		return;
	if (errno != ENOSYS)
		fail(s, STEP_CLOSE_FDS);
	for (unsigned fd = first; fd <= last && fd < 65536; fd++)
		close((int)fd);
}

/*
 * Everything runcs holds that the init does not need goes first: the parent's end of the
 * sync socket (with it, a kill -9 of runcs reaches the init as EOF), the container's lock,
 * the other containers' files. Kept: 0-2, the preserved fds, and the plan's own.
 */
static void close_unneeded_fds(const struct runcs_spawn *s)
{
	int keep[MAX_JOIN + MAX_KEEP + 5], n = 0;
	unsigned next = 3 + (unsigned)(s->preserve_fds > 0 ? s->preserve_fds : 0);

	keep[n++] = s->sync_fd;
	keep[n++] = s->exe_fd;
	for (int i = 0; i < s->join_count; i++)
		keep[n++] = s->join_fds[i];
	for (int i = 0; i < s->keep_count; i++)
		keep[n++] = s->keep_fds[i];
	for (int i = 0; i < 3; i++)
		keep[n++] = s->stdio_fds[i];
	sort_fds(keep, n);
	for (int i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < next)
			continue;
		close_fds(s, next, (unsigned)keep[i] - 1);
		next = (unsigned)keep[i] + 1;
	}
	close_fds(s, next, ~0U);
}

/*
 * The init's fds 0-2. Each source is first copied above 2, so that one dup2 cannot
 * overwrite a source another still needs (runcs's own pipes may be 0-2 when it was started
 * with them closed). The copies and the sources are close-on-exec.
 */
static void place_stdio(const struct runcs_spawn *s)
{
	int moved[3];
	for (int i = 0; i < 3; i++) {
		moved[i] = -1;
		if (s->stdio_fds[i] >= 0 && (moved[i] = fcntl(s->stdio_fds[i], F_DUPFD_CLOEXEC, 3)) < 0)
			fail(s, STEP_KEEP_FD);
	}
	for (int i = 0; i < 3; i++) {
		if (moved[i] < 0)
			continue;
		if (dup2(moved[i], i) < 0)
			fail(s, STEP_KEEP_FD);
		close(moved[i]);
	}
}

static void clear_cloexec(const struct runcs_spawn *s, const int32_t *fds, int count)
{
	for (int i = 0; i < count; i++)
		if (fcntl(fds[i], F_SETFD, 0) < 0)
			fail(s, STEP_KEEP_FD);
}

/* First thing in runcs's child, before anything else can go wrong or be inherited. */
static void child_prologue(const struct runcs_spawn *s, pid_t parent)
{
	/* It is about to hold runcs's fds in the container's namespaces. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	reset_signals();
	close_unneeded_fds(s);
	arm_parent_death(s, parent);
	place_stdio(s);
	clear_cloexec(s, s->keep_fds, s->keep_count);
}

/*
 * A non-dumpable process's /proc files belong to root: an unprivileged runcs (or the
 * newuidmap it runs, which checks the target's owner) could not write the maps. As runc,
 * the child is dumpable only while it waits for them; it owns nothing of the host's yet.
 */
static void wait_for_maps(const struct runcs_spawn *s)
{
	if (s->maps_by_owner && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		fail(s, STEP_WAIT_MAPS);
	send_record(s->sync_fd, 'U', 0);
	wait_for_parent(s, STEP_WAIT_MAPS);
	if (s->maps_by_owner && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(s, STEP_WAIT_MAPS);
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

/* The init's last steps before `runcs init` runs: its cgroup, its cgroup namespace, its session. */
static void finish_init(const struct runcs_spawn *s)
{
	/* Everything the init's runtime touches from its first page on is the container's cost. */
	join_cgroups(s);
	/* Only now: a cgroup namespace is rooted where its creator's cgroup is. */
	if ((s->clone_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		fail(s, STEP_UNSHARE);
	/* As runc: every container process leads its own session, terminal or not. */
	if (setsid() < 0)
		fail(s, STEP_SETSID);
}

static __attribute__((noreturn)) void exec_init(const struct runcs_spawn *s)
{
	finish_init(s);
	syscall(SYS_execveat, s->exe_fd, "", s->argv, s->envp, AT_EMPTY_PATH);
	fail(s, STEP_EXEC);
}

/*
 * Stage 1 of the two-stage path, in the sealed binary (see runcs_nsexec): join, create,
 * then fork the real init, which returns to become `runcs init`.
 */
static void stage1(const struct runcs_spawn *s, pid_t parent)
{
	int flags = s->clone_flags;
	pid_t child;

	for (int i = 0; i < s->join_count; i++) {
		if (setns(s->join_fds[i], s->join_types[i]) < 0)
			fail(s, STEP_SETNS);
		close(s->join_fds[i]);
	}
	if (flags & CLONE_NEWUSER) {
		if (unshare(CLONE_NEWUSER) < 0)
			fail(s, STEP_UNSHARE_USER);
		wait_for_maps(s);
		flags &= ~CLONE_NEWUSER;
	}
	become_root(s);
	arm_parent_death(s, parent); /* the credential changes cleared it */
	flags &= ~CLONE_NEWCGROUP; /* made in finish_init, once in the container's cgroup */
	if (flags && unshare(flags) < 0)
		fail(s, STEP_UNSHARE);
	if (s->timens_offsets)
		write_timens_offsets(s);
	/* CLONE_PARENT: the init becomes runcs's own child, so runcs can wait for it. */
	child = clone_keeping_tid(CLONE_PARENT);
	if (child < 0)
		fail(s, STEP_FORK);
	if (child == 0) {
		arm_parent_death(s, parent);
		finish_init(s);
		return;
	}
	send_record(s->sync_fd, 'P', child);
	_exit(0);
}

/* Appends ",N" to the stage environment. */
static char *put_int(char *at, const char *end, long v)
{
	char digits[24];
	int n = 0;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
	do {
		digits[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (at + n + 2 >= end)
		return at;
	*at++ = ',';
	if (v < 0)
		*at++ = '-';
	while (n)
		*at++ = digits[--n];
	*at = '\0';
	return at;
}

/*
 * What stage 1 needs, as ",ppid,flags,setgroups,owner,sync,preserve,n,(fd,type)*n,k,fd*k,in,out,err"
 * after STAGE_ENV; written by the parent before the clone (no allocation in the child).
 */
static void encode_stage(const struct runcs_spawn *s, pid_t parent, char *buf, size_t size)
{
	char *at = buf + sizeof(STAGE_ENV) - 1, *end = buf + size;
	memcpy(buf, STAGE_ENV, sizeof(STAGE_ENV));
	at = put_int(at, end, parent);
	at = put_int(at, end, s->clone_flags);
	at = put_int(at, end, s->setgroups_allowed);
	at = put_int(at, end, s->maps_by_owner);
	at = put_int(at, end, s->sync_fd);
	at = put_int(at, end, s->preserve_fds);
	at = put_int(at, end, s->join_count);
	for (int i = 0; i < s->join_count; i++) {
		at = put_int(at, end, s->join_fds[i]);
		at = put_int(at, end, s->join_types[i]);
	}
	at = put_int(at, end, s->keep_count);
	for (int i = 0; i < s->keep_count; i++)
		at = put_int(at, end, s->keep_fds[i]);
	for (int i = 0; i < 3; i++)
		at = put_int(at, end, s->stdio_fds[i]);
}

static int next_int(const char **at, int32_t *out)
{
	char *end;
	long v;
	if (**at != ',')
		return -1;
	errno = 0;
	v = strtol(*at + 1, &end, 10);
	if (errno || end == *at + 1 || v < INT32_MIN || v > INT32_MAX)
		return -1;
	*out = (int32_t)v;
	*at = end;
	return 0;
}

static int decode_stage(const char *text, struct runcs_spawn *s, int32_t *parent)
{
	const char *at = text;
	memset(s, 0, sizeof(*s));
	s->exe_fd = -1;
	if (next_int(&at, parent) || next_int(&at, &s->clone_flags) || next_int(&at, &s->setgroups_allowed) ||
	    next_int(&at, &s->maps_by_owner) ||
	    next_int(&at, &s->sync_fd) || next_int(&at, &s->preserve_fds) || next_int(&at, &s->join_count) ||
	    s->join_count < 0 || s->join_count > MAX_JOIN)
		return -1;
	for (int i = 0; i < s->join_count; i++)
		if (next_int(&at, &s->join_fds[i]) || next_int(&at, &s->join_types[i]))
			return -1;
	if (next_int(&at, &s->keep_count) || s->keep_count < 0 || s->keep_count > MAX_KEEP)
		return -1;
	for (int i = 0; i < s->keep_count; i++)
		if (next_int(&at, &s->keep_fds[i]))
			return -1;
	for (int i = 0; i < 3; i++)
		if (next_int(&at, &s->stdio_fds[i]))
			return -1;
	return *at == '\0' ? 0 : -1;
}

static const char *find_env(char **envp, const char *prefix, size_t len)
{
	for (; envp && *envp; envp++)
		if (strncmp(*envp, prefix, len) == 0)
			return *envp + len;
	return NULL;
}

/*
 * Runs in every `runcs init` before the .NET runtime starts. Non-dumpable from its first
 * instruction on, until the container's process is exec'd (CVE-2016-9962: a container
 * process attaching to the init while it is root in the container's namespaces and holds
 * runcs's fds). In the two-stage init, stage 1 and the fork happen here.
 */
__attribute__((constructor(101))) static void runcs_nsexec(int argc, char **argv, char **envp)
{
	struct runcs_spawn s;
	int32_t parent;
	const char *stage;

	if (argc != 2 || strcmp(argv[1], "init") != 0)
		return;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	stage = find_env(envp, STAGE_ENV, sizeof(STAGE_ENV) - 1);
	if (!stage)
		return;
	if (decode_stage(stage, &s, &parent) < 0)
		_exit(1);
	s.timens_offsets = find_env(envp, TIMENS_ENV, sizeof(TIMENS_ENV) - 1);
	arm_parent_death(&s, parent);
	stage1(&s, parent);
}

/* The child of the two-stage path: straight into the sealed binary, which runs stage 1. */
static __attribute__((noreturn)) void exec_stage1(const struct runcs_spawn *s, char *const *envp)
{
	clear_cloexec(s, s->join_fds, s->join_count);
	syscall(SYS_execveat, s->exe_fd, "", s->argv, envp, AT_EMPTY_PATH);
	fail(s, STEP_EXEC);
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
	pid_t parent = getpid(), pid;
	char stage_env[sizeof(STAGE_ENV) + 12 * (7 + 2 * MAX_JOIN + 1 + MAX_KEEP + 3)];
	char timens_env[256];
	char *stage_envp[MAX_ENV + 3];
	sigset_t all, old;
	int n = 0;

	if (two_stage) {
		/* Made here: the child of a multi-threaded process must not allocate. */
		encode_stage(s, parent, stage_env, sizeof(stage_env));
		for (; s->envp[n] && n < MAX_ENV; n++)
			stage_envp[n] = s->envp[n];
		stage_envp[n++] = stage_env;
		if (s->timens_offsets) {
			size_t len = strlen(s->timens_offsets);
			if (len + sizeof(TIMENS_ENV) > sizeof(timens_env))
				return -E2BIG;
			memcpy(timens_env, TIMENS_ENV, sizeof(TIMENS_ENV) - 1);
			memcpy(timens_env + sizeof(TIMENS_ENV) - 1, s->timens_offsets, len + 1);
			stage_envp[n++] = timens_env;
		}
		stage_envp[n] = NULL;
	}
	/* No runtime signal handler may run in the child before it has reset them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = -1;
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
	if (pid != 0) {
		int err = errno;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return pid < 0 ? -err : pid;
	}
	child_prologue(s, parent);
	if (two_stage)
		exec_stage1(s, stage_envp);
	if (s->clone_flags & CLONE_NEWUSER)
		wait_for_maps(s);
	become_root(s);
	arm_parent_death(s, parent);
	if (in_child && unshare(in_child) < 0)
		fail(s, STEP_UNSHARE);
	exec_init(s);
}
