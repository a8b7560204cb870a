/*
 * A small server on net/server for end-to-end tests. Prints "port N" once
 * listening, serves until SIGTERM or SIGINT.
 *
 *   GET|HEAD /      200 "hello\n"
 *   POST /echo      200, the request body back (application/octet-stream)
 *   GET /form?...   200 {"pairs":N} for a valid query, 400 otherwise
 *   POST /form      the same for an urlencoded body
 *   anything else   404, or 405 for a known path and another method
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/server.h"
#include "util/log.h"

/* A signal handler has no other way to reach the server. */
static struct server *the_server;

static void
on_signal(int sig)
{
	(void)sig;
	if (the_server != NULL)
		server_stop(the_server);
}

static int
form_answer(const char *data, size_t len, struct http_resp *resp)
{
	struct http_form *form;
	char out[64];
	int n, rc = -1;

	if ((form = malloc(sizeof(*form))) == NULL)
		return -1;
	if (http_form_parse(form, data, len) != 0) {
		rc = http_error_json(resp, 400, "bad_form");
		goto out;
	}
	n = snprintf(out, sizeof(out), "{\"pairs\":%zu}", form->npairs);
	if (n < 0 || (size_t)n >= sizeof(out))
		goto out;
	rc = http_resp_body(resp, 200, "application/json", out, (size_t)n);
out:
	free(form);
	return rc;
}

static int
handle(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	const char *q;

	(void)ctx;
	if (strcmp(req->path, "/") == 0) {
		if (req->method == HTTP_POST)
			goto not_allowed;
		return http_resp_body(
		    resp, 200, "text/plain; charset=utf-8", "hello\n", 6);
	}
	if (strcmp(req->path, "/echo") == 0) {
		if (req->method != HTTP_POST)
			goto not_allowed;
		return http_resp_body(resp, 200, "application/octet-stream",
		    req->body, req->body_len);
	}
	if (strcmp(req->path, "/form") == 0) {
		if (req->method == HTTP_POST)
			return form_answer(
			    (const char *)req->body, req->body_len, resp);
		q = req->query != NULL ? req->query : "";
		return form_answer(q, strlen(q), resp);
	}
	return http_error_json(resp, 404, "not_found");
not_allowed:
	if (http_error_json(resp, 405, "method_not_allowed") != 0)
		return -1;
	return http_resp_header(resp, "Allow",
	    strcmp(req->path, "/echo") == 0 ? "POST" : "GET, HEAD");
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: echo_server [-a addr] [-p port] [-c cert -k key] "
	    "[-w workers] [-q queue] [-i idle_ms] [-r request_ms] "
	    "[-m max_requests] [-b max_body] [-C max_conns] "
	    "[-A max_per_addr] [-H handshake_ms] [-L lifetime_ms] "
	    "[-T ticket_s] [-W tls_workers]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct server_config cfg;
	struct sigaction sa;
	int ch, rc;

	log_init("echo_server");
	memset(&cfg, 0, sizeof(cfg));
	cfg.addr = "127.0.0.1";
	cfg.handler = handle;
	while ((ch = getopt(argc, argv, "A:C:H:L:T:W:a:b:c:i:k:m:p:q:r:w:")) !=
	       -1) {
		switch (ch) {
		case 'A':
			cfg.max_per_addr = atoi(optarg);
			break;
		case 'C':
			cfg.max_conns = atoi(optarg);
			break;
		case 'H':
			cfg.handshake_ms = atoi(optarg);
			break;
		case 'L':
			cfg.lifetime_ms = atoi(optarg);
			break;
		case 'T':
			cfg.ticket_s = atoi(optarg);
			break;
		case 'W':
			cfg.tls_workers = atoi(optarg);
			break;
		case 'a':
			cfg.addr = optarg;
			break;
		case 'b':
			cfg.max_body = (size_t)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			cfg.cert_path = optarg;
			break;
		case 'i':
			cfg.idle_ms = atoi(optarg);
			break;
		case 'k':
			cfg.key_path = optarg;
			break;
		case 'm':
			cfg.max_requests = atoi(optarg);
			break;
		case 'p':
			cfg.port = (uint16_t)atoi(optarg);
			break;
		case 'q':
			cfg.queue_len = atoi(optarg);
			break;
		case 'r':
			cfg.request_ms = atoi(optarg);
			break;
		case 'w':
			cfg.workers = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if ((the_server = server_new(&cfg)) == NULL)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("port %u\n", (unsigned)server_port(the_server));
	fflush(stdout);
	rc = server_run(the_server);
	server_free(the_server);
	the_server = NULL;
	return rc == 0 ? 0 : 1;
}
