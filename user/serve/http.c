// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "serve/http.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "lib/alloc.h"
#include "lib/file.h"
#include "lib/msg.h"

struct http {
	struct MHD_Daemon *d;
	struct serve *s;
	char *user, *pass;	/* basic authentication, or NULL */
	char *cert, *key;
	struct sockaddr_storage addr;
};

static const char INDEX[] =
	"coldbpf serve\n\n"
	"/metrics                          Prometheus metrics (text 0.0.4, or OpenMetrics when asked)\n"
	"/debug/pprof/profile?seconds=N    a pprof profile of the next N seconds (default 30, at most 300)\n";

/* Parse listen into addr; -1 when malformed. */
static int parse_listen(const char *listen, struct sockaddr_storage *addr)
{
	char host[128];
	const char *port;
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM }, *ai;
	size_t n;
	char *end;
	long p;

	if (!listen)
		return -1;
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');

		if (!close || close[1] != ':')
			return -1;
		n = close - listen - 1;
		port = close + 2;
		listen++;
	} else {
		const char *colon = strrchr(listen, ':');

		if (!colon || strchr(listen, ':') != colon)
			return -1;
		n = colon - listen;
		port = colon + 1;
	}
	p = strtol(port, &end, 10);
	if (!n || n >= sizeof(host) || *end || end == port || p < 1 || p > 65535)
		return -1;
	memcpy(host, listen, n);
	host[n] = 0;
	if (getaddrinfo(host, port, &hints, &ai))
		return -1;
	memset(addr, 0, sizeof(*addr));
	memcpy(addr, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return 0;
}

int http__loopback(const char *listen)
{
	struct sockaddr_storage a;

	if (parse_listen(listen, &a))
		return -1;
	if (a.ss_family == AF_INET)
		return (ntohl(((struct sockaddr_in *)&a)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&a)->sin6_addr);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, void *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return reply(c, status, "text/plain; charset=utf-8", (void *)msg, strlen(msg), MHD_RESPMEM_PERSISTENT);
}

/* Constant time: a wrong password takes as long as a right one. */
static bool same(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;

	for (size_t i = 0; i < na; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i % (nb ? nb : 1)];
	return !d;
}

static bool authorized(struct http *h, struct MHD_Connection *c)
{
	char *pass = NULL, *user;
	bool ok;

	if (!h->user)
		return true;
	user = MHD_basic_auth_get_username_password(c, &pass);
	ok = user && pass && ((int)same(user, h->user) & (int)same(pass, h->pass));	/* both compared, always */
	MHD_free(user);
	MHD_free(pass);
	return ok;
}

static enum MHD_Result on_metrics(struct http *h, struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	bool om = accept && strstr(accept, "application/openmetrics-text");
	size_t len = 0;
	char *body = serve__metrics(h->s, om, 10.0, &len);

	if (!body)
		return text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "coldbpf: the agent did not answer in time\n");
	return reply(c, MHD_HTTP_OK,
		     om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
			: "text/plain; version=0.0.4; charset=utf-8",
		     body, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result on_profile(struct http *h, struct MHD_Connection *c)
{
	const char *sec = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "seconds");
	long seconds = 30;
	char *end = NULL;
	size_t len = 0;
	uint8_t *body;
	int why = 0;

	if (sec) {
		seconds = strtol(sec, &end, 10);
		if (!*sec || *end || seconds < 1 || seconds > SERVE_PROFILE_MAX_S)
			return text(c, MHD_HTTP_BAD_REQUEST, "coldbpf: seconds must be a whole number from 1 to 300\n");
	}
	body = serve__profile(h->s, (double)seconds, &len, &why);
	if (!body)
		return text(c, why == 500 ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_SERVICE_UNAVAILABLE,
			    why == 500 ? "coldbpf: the profile could not be encoded\n"
				       : "coldbpf: too many profile requests at once, or the agent is stopping\n");
	return reply(c, MHD_HTTP_OK, "application/octet-stream", body, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct http *h = cls;

	(void)version;
	(void)upload;
	if (!*state) {	/* headers only so far: answer once they are all in */
		*state = (void *)1;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;	/* a body is not read: it is discarded */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "coldbpf: only GET and HEAD\n");
	if (!authorized(h, c)) {
		struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		enum MHD_Result ret = MHD_queue_basic_auth_fail_response(c, "coldbpf", r);

		MHD_destroy_response(r);
		return ret;
	}
	if (!strcmp(url, "/metrics"))
		return on_metrics(h, c);
	if (!strcmp(url, "/debug/pprof/profile"))
		return on_profile(h, c);
	if (!strcmp(url, "/") || !strcmp(url, "/debug/pprof/") || !strcmp(url, "/debug/pprof"))
		return text(c, MHD_HTTP_OK, INDEX);
	return text(c, MHD_HTTP_NOT_FOUND, "coldbpf: no such page (see /)\n");
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = 0;
	msg__dbg("http: %s", buf);
}

static int auth_load(struct http *h, const char *path)
{
	char *data = file__read(path, 4096, NULL), *colon;

	if (!data) {
		msg__err("cannot read the basic authentication file %s", path);
		return -1;
	}
	data[strcspn(data, "\r\n")] = 0;
	colon = strchr(data, ':');
	if (!colon || colon == data || !colon[1]) {
		msg__err("%s: expected one line \"user:password\"", path);
		free(data);
		return -1;
	}
	*colon = 0;
	h->user = xstrdup(data);
	h->pass = xstrdup(colon + 1);
	free(data);
	return 0;
}

struct http *http__start(struct serve *s, const struct http_opts *o)
{
	struct http *h = xcalloc(1, sizeof(*h));
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	h->s = s;
	if (parse_listen(o->listen, &h->addr)) {
		msg__err("--listen %s: expected ADDR:PORT or [ADDR6]:PORT with a numeric address", o->listen);
		goto fail;
	}
	if (h->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (o->auth_file && auth_load(h, o->auth_file))
		goto fail;
	if (!!o->tls_cert != !!o->tls_key) {
		msg__err("TLS needs both --tls-cert and --tls-key");
		goto fail;
	}
	if (o->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			msg__err("this libmicrohttpd has no TLS support");
			goto fail;
		}
		h->cert = file__read(o->tls_cert, 1 << 20, NULL);
		h->key = file__read(o->tls_key, 1 << 20, NULL);
		if (!h->cert || !h->key) {
			msg__err("cannot read %s", !h->cert ? o->tls_cert : o->tls_key);
			goto fail;
		}
		flags |= MHD_USE_TLS;
	}
	if (o->tls_cert)
		h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &h->addr,
					MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTIONS,
					MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTP_PER_CLIENT,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_S,
					MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_HEADER_BYTES,
					MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL, MHD_OPTION_HTTPS_MEM_CERT, h->cert,
					MHD_OPTION_HTTPS_MEM_KEY, h->key, MHD_OPTION_END);
	else
		h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &h->addr,
					MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTIONS,
					MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTP_PER_CLIENT,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_S,
					MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_HEADER_BYTES,
					MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL, MHD_OPTION_END);
	if (!h->d) {
		msg__err("cannot listen on %s (in use, or not an address of this host?)", o->listen);
		goto fail;
	}
	return h;
fail:
	http__stop(h);
	return NULL;
}

void http__stop(struct http *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d);
	free(h->user);
	free(h->pass);
	free(h->cert);
	free(h->key);
	free(h);
}
