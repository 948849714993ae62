/* libsmbclient, loaded when the first SMB probe runs (dlopen) instead of at start-up.
 *
 * Why: libsmbclient pulls in about a hundred Samba libraries; loading and relocating them
 * cost every mqttsweep run ~20 ms and several MiB before the first packet, although only
 * depth `host` scans use SMB. The API is the library's own (the header's declarations
 * give each pointer its type); smb.c calls it through smb_api(). */
#ifndef MSW_SMB_API_H
#define MSW_SMB_API_H
#include <libsmbclient.h>

#define SMB_API_FUNCTIONS(X)                                                              \
	X(smbc_new_context) X(smbc_free_context) X(smbc_init_context) X(smbc_setDebug)    \
	X(smbc_setOptionUseKerberos) X(smbc_setOptionFallbackAfterKerberos)               \
	X(smbc_setOptionUseCCache) X(smbc_setOptionNoAutoAnonymousLogin)                  \
	X(smbc_setOptionUserData) X(smbc_getOptionUserData)                               \
	X(smbc_setFunctionAuthDataWithContext) X(smbc_setTimeout) X(smbc_setPort)         \
	X(smbc_urlencode) X(smbc_getFunctionOpendir) X(smbc_getFunctionReaddir)           \
	X(smbc_getFunctionReaddirPlus) X(smbc_getFunctionClosedir) X(smbc_getFunctionOpen) \
	X(smbc_getFunctionRead) X(smbc_getFunctionClose)

struct smb_api {
#define SMB_API_MEMBER(f) __typeof__(f) *f;
	SMB_API_FUNCTIONS(SMB_API_MEMBER)
#undef SMB_API_MEMBER
};

/* The loaded API, or NULL when libsmbclient (libsmbclient.so.0) cannot be loaded or lacks
 * a function (the reason is in smb_api_error()). Thread-safe; loads once. */
const struct smb_api *smb_api(void);
const char *smb_api_error(void);

#endif
