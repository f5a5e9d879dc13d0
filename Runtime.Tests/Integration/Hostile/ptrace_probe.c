/*
 * Tries PTRACE_ATTACH on a pid and detaches at once. Run as root without CAP_SYS_PTRACE, it
 * attaches to a dumpable root process and is refused by a non-dumpable one.
 * Prints "attached" (exit 0) or "refused ERRNO" (exit 1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	pid_t pid = argc > 1 ? atoi(argv[1]) : 0;
	if (ptrace(PTRACE_ATTACH, pid, 0, 0) != 0) {
		printf("refused %d\n", errno);
		return 1;
	}
	waitpid(pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, pid, 0, 0);
	puts("attached");
	return 0;
}
