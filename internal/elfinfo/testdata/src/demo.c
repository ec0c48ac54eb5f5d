/* libdemo: a shared library with a soname, for RUNPATH/RPATH fixtures. */
#include <stdlib.h>

int demo_value(void)
{
	return getenv("DEMO") != NULL ? 1 : 42;
}
