/* Small helpers shared by the unit tests that read files from the source tree. */
#ifndef MSW_TEST_UTIL_H
#define MSW_TEST_UTIL_H
#include <stdlib.h>

/* The source tree: $MSW_SOURCE_DIR (set by ctest), else the path compiled in, else ".". */
static inline const char *src_dir(void)
{
	const char *d = getenv("MSW_SOURCE_DIR");
#ifdef MSW_SOURCE_DIR
	if (!d)
		d = MSW_SOURCE_DIR;
#endif
	return d ? d : ".";
}

/* One lowercase hex digit's value (the vector files hold lowercase hex only). */
static inline int hexval(int c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

#endif
