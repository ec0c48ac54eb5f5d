/* usedemo: needs libdemo.so.1, found through DT_RUNPATH or DT_RPATH. */
#include <stdio.h>

int demo_value(void);

int main(void)
{
	printf("%d\n", demo_value());
	return 0;
}
