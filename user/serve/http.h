/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * coldbpf serve's HTTP side, on libmicrohttpd (a thread per connection,
 * bounded: connections, per-client connections, header memory, idle
 * time): GET /metrics (Prometheus text or OpenMetrics), GET
 * /debug/pprof/profile?seconds=N (as Go's net/http/pprof), an index at /.
 * Optional HTTP basic authentication and TLS.
 */
#ifndef COLDBPF_SERVE_HTTP_H
#define COLDBPF_SERVE_HTTP_H
#include <stdbool.h>
#include "serve/serve.h"

#define HTTP_CONNECTIONS 32	/* at once, in all */
#define HTTP_PER_CLIENT 16	/* at once, from one address */
#define HTTP_IDLE_S 15		/* a connection silent this long is closed */
#define HTTP_HEADER_BYTES 16384	/* request line and headers: more gets 431 */

struct http_opts {
	const char *listen;	/* "ADDR:PORT" or "[ADDR6]:PORT" */
	const char *auth_file;	/* "user:password", one line; NULL: none */
	const char *tls_cert, *tls_key;	/* PEM files; NULL: plain HTTP */
};

struct http;

/* Listen and answer until http__stop. NULL after a one-line message. */
struct http *http__start(struct serve *s, const struct http_opts *o);
void http__stop(struct http *h);
/* Parse "ADDR:PORT" / "[ADDR6]:PORT" (numeric); true for a loopback
 * address. -1 when malformed. */
int http__loopback(const char *listen);
#endif
