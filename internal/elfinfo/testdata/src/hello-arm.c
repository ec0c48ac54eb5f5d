/* A static ARMv7 hard-float program without libc: it writes one line and
   exits, through the Linux system calls (r7 is the call number). Its
   build attributes (Tag_CPU_arch v7) give diet build's linux/arm/v7. */
static const char msg[] = "hello from arm\n";

void _start(void)
{
	register long r0 __asm__("r0") = 1;
	register const char *r1 __asm__("r1") = msg;
	register long r2 __asm__("r2") = sizeof msg - 1;
	register long r7 __asm__("r7") = 4; /* write */
	__asm__ volatile("svc 0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
	register long code __asm__("r0") = 0;
	register long nr __asm__("r7") = 1; /* exit */
	__asm__ volatile("svc 0" : : "r"(code), "r"(nr));
	for (;;)
		;
}
