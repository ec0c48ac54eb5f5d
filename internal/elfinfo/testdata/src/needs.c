/*
 * needs: uses the system files that are not libraries: the DNS resolver,
 * the user database, the time zone, and CA certificates (by path).
 */
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct addrinfo *ai;
	const char *certs = getenv("SSL_CERT_FILE");
	time_t now = time(NULL);

	if (certs == NULL)
		certs = "/etc/ssl/certs/ca-certificates.crt";
	if (getaddrinfo(argc > 1 ? argv[1] : "localhost", NULL, NULL, &ai) == 0)
		freeaddrinfo(ai);
	if (getpwnam("root") != NULL)
		puts("root");
	printf("%s %d\n", certs, localtime(&now)->tm_hour);
	return 0;
}
