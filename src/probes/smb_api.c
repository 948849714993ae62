/* See smb_api.h. */
#include "probes/smb_api.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static struct smb_api api;
static const struct smb_api *loaded;
static char why[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	/* MQTTSWEEP_LIBSMBCLIENT: another file name (tests use it to check the missing-library
	 * path; a packager may point it elsewhere) */
	const char *name = getenv("MQTTSWEEP_LIBSMBCLIENT");
	void *h = dlopen(name && *name ? name : "libsmbclient.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, sizeof(why), "cannot load libsmbclient: %s", dlerror());
		return;
	}
#define SMB_API_LOAD(f)                                                                  \
	if (!(*(void **)&api.f = dlsym(h, #f))) {                                         \
		snprintf(why, sizeof(why), "libsmbclient lacks %s", #f);                  \
		return;                                                                   \
	}
	SMB_API_FUNCTIONS(SMB_API_LOAD)
#undef SMB_API_LOAD
	loaded = &api; /* never unloaded: its threads and atexit handlers stay valid */
}

const struct smb_api *smb_api(void)
{
	pthread_once(&once, load);
	return loaded;
}

const char *smb_api_error(void)
{
	pthread_once(&once, load);
	return loaded ? "" : why;
}
