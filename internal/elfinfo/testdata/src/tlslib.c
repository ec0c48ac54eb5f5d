/*
 * tlslib: stands for a TLS library. Built twice, as libssl.so.3 and as
 * libtlsuser.so.1 (a library using one, like libcurl): it holds the
 * default trust store's paths, imports the function that loads them
 * (left undefined: a shared library may) and resolves host names.
 */
#include <netdb.h>
#include <stdlib.h>

extern int X509_STORE_set_default_paths(void *store);

const char *tls_default_cert_file(void)
{
	const char *f = getenv("SSL_CERT_FILE");

	return f != NULL ? f : "/etc/ssl/certs/ca-certificates.crt";
}

int tls_connect(const char *host, void *store)
{
	struct addrinfo *ai;

	if (store != NULL && X509_STORE_set_default_paths(store) != 1)
		return -1;
	if (getaddrinfo(host, "443", NULL, &ai) != 0)
		return -1;
	freeaddrinfo(ai);
	return 0;
}
