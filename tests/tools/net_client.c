/*
 * Drives net/client for end-to-end tests.
 *
 *   net_client pin CERT.pem
 *       print the certificate's "sha256//..." pin
 *   net_client post URL CA|pem:CA|- PIN PATH BODYFILE CONNECT_MS TOTAL_MS
 *                   COUNT [RESP_CAP]
 *       POST the file's bytes COUNT times on one client (CA a file path,
 *       pem:PATH to pass the file's text to client_new_pem, - for the
 *       system's); print
 *       "status N len N" per post and the last response body; exit 0
 *       when every post got a response
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/tlscert.h"
#include "net/client.h"
#include "util/file.h"
#include "util/log.h"

#define MAX_BODY (1024 * 1024)
#define DEF_RESP_CAP (64 * 1024)

static int
do_pin(const char *cert)
{
	char pin[CLIENT_PIN_LEN + 1];

	if (tlscert_pin_file(cert, pin, sizeof(pin)) != 0)
		return 1;
	printf("%s\n", pin);
	return 0;
}

static int
do_post(char **argv, int argc)
{
	struct client *c = NULL;
	uint8_t *body = NULL, *resp = NULL, *pem = NULL;
	size_t len, pem_len, resp_len = 0, cap = DEF_RESP_CAP;
	long status;
	int i, count, rc = 1;

	if (argc > 9)
		cap = (size_t)strtoul(argv[9], NULL, 10);
	count = atoi(argv[8]);
	if (file_read_alloc(argv[5], MAX_BODY, &body, &len) != 0)
		goto out;
	if ((resp = malloc(cap + 1)) == NULL)
		goto out;
	if (strncmp(argv[2], "pem:", 4) == 0) {
		if (file_read_alloc(
			argv[2] + 4, CLIENT_MAX_CERT_PEM, &pem, &pem_len) != 0)
			goto out;
		c = client_new_pem(argv[1], (const char *)pem, argv[3],
		    atol(argv[6]), atol(argv[7]));
	} else {
		c = client_new(argv[1],
		    strcmp(argv[2], "-") == 0 ? NULL : argv[2], argv[3],
		    atol(argv[6]), atol(argv[7]));
	}
	if (c == NULL)
		goto out;
	for (i = 0; i < count; i++) {
		if (client_post(c, argv[4], body, len,
			"application/octet-stream", &status, resp, cap,
			&resp_len) != 0)
			goto out;
		printf("status %ld len %zu\n", status, resp_len);
	}
	fwrite(resp, 1, resp_len, stdout);
	rc = 0;
out:
	client_free(c);
	free(body);
	free(resp);
	free(pem);
	return rc;
}

int
main(int argc, char **argv)
{
	log_init("net_client");
	if (argc == 3 && strcmp(argv[1], "pin") == 0)
		return do_pin(argv[2]);
	if ((argc == 10 || argc == 11) && strcmp(argv[1], "post") == 0)
		return do_post(argv + 1, argc - 1);
	fprintf(stderr, "usage: net_client pin CERT | net_client post URL "
			"CA|- PIN PATH BODYFILE CONNECT_MS TOTAL_MS COUNT "
			"[RESP_CAP]\n");
	return 2;
}
