/* The test C program of diet build. */
#include <stdio.h>

int main(int argc, char **argv) {
	printf("hello from C:");
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	return 0;
}
