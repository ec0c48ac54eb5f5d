/* hello: the smallest program, built every way diet must tell apart. */
#include <stdio.h>

int main(void)
{
	puts("hello");
	return 0;
}
