/* LD_PRELOAD shim for tests: socket() calls number FROM (1-based) up to TO fail with
 * EMFILE, as if the process had run out of files for a moment (SHORTAGE_FROM and
 * SHORTAGE_TO in the environment). Built by the test that uses it, without sanitizers. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

int socket(int domain, int type, int protocol)
{
	static int (*real)(int, int, int);
	static long n, from = -1, to = -1;
	if (!real)
		real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	if (from < 0) {
		const char *f = getenv("SHORTAGE_FROM"), *t = getenv("SHORTAGE_TO");
		from = f ? strtol(f, NULL, 10) : 0;
		to = t ? strtol(t, NULL, 10) : 0;
	}
	if ((type & 0xf) == SOCK_STREAM && ++n >= from && n <= to) {
		errno = EMFILE;
		return -1;
	}
	return real(domain, type, protocol);
}
