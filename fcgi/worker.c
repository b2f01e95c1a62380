/* atspace: ISC licence, see README.md. */
/*
 * One worker process. It owns the FastCGI side of a request: waiting
 * for work, copying CGI parameters into a struct xrpc_request, reading
 * the body within the limit the core gives, writing the response and
 * the access log line. What a request means is the core's business
 * (core/xrpc.c); the supervisor that forks us is fcgi/pool.c.
 *
 * Connections. nginx with fastcgi_keep_conn keeps upstream connections
 * open between requests and may hold more of them than there are
 * workers. A worker that served one connection at a time would sit
 * reading its idle one while requests queued on others, and closing
 * an idle one is no cure: nginx may be sending on it at that moment,
 * and a POST it has sent is not retried (502). So each worker holds
 * up to WORKER_CONNS connections, one FCGX_Request each, polls them
 * all together with the listening socket, and serves every one that
 * has a request, in turn. It closes a connection only when the web
 * server has closed it, or when stopping. The listening socket is
 * non-blocking, so a worker that loses the race for a new connection
 * gets EAGAIN back instead of sleeping in accept().
 *
 * Signals. TERM and INT are blocked except inside that ppoll(), which
 * unblocks them and sleeps in one step; their handler only sets a
 * flag. A stop therefore never cuts a request short, and an idle
 * worker, kept-alive connections or not, exits as soon as it is told.
 */

#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "blob.h"
#include "config.h"
#include "health.h"
#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "xrpc.h"
#include "worker.h"

#define WORKER_REQID_MAX	64	/* longest X-Request-Id we echo */
#define WORKER_CONNS		64	/* connections held per worker */
#define WORKER_CHUNK		65536	/* body read size */
#define WORKER_LINGER_QUIET_MS	200	/* see worker_linger */
#define WORKER_LINGER_MAX_MS	5000
#define WORKER_HEAD_MAX		1280	/* response header block */

/* Our copy of one request; FCGX_GetParam strings die at Finish. */
struct worker_req {
	char			*method;
	char			*path;
	char			*query;
	char			*content_type;
	char			*authorization;
	char			*body;
	char			 request_id[WORKER_REQID_MAX + 1];
	struct xrpc_request	 x;
};

static volatile sig_atomic_t	 worker_stop;
static const struct config	*worker_cfg;

static void
worker_on_signal(int sig)
{
	(void)sig;
	worker_stop = 1;
}

/*
 * Installs the handlers and blocks TERM and INT; *idle receives the
 * mask to wait with, in which they are deliverable.
 */
static void
worker_signals(sigset_t *idle)
{
	struct sigaction	 sa;
	sigset_t		 term;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	/* Delivered only inside ppoll(), which then returns EINTR. */
	sa.sa_handler = worker_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigprocmask(SIG_BLOCK, &term, idle);
	sigdelset(idle, SIGTERM);
	sigdelset(idle, SIGINT);
}

/* Milliseconds since t0 on the monotonic clock. */
static double
worker_elapsed_ms(const struct timespec *t0)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1000.0 +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * Uses the web server's X-Request-Id when it is 1 to 64 characters of
 * [A-Za-z0-9-], so it can go into logs and headers unescaped;
 * otherwise makes 16 hex digits.
 */
static void
worker_request_id(FCGX_Request *fr, char *dst, size_t dstsz)
{
	static uint64_t	 counter;
	const char	*s, *p;
	uint64_t	 r;

	s = FCGX_GetParam("HTTP_X_REQUEST_ID", fr->envp);
	if (s != NULL && *s != '\0' && strlen(s) <= WORKER_REQID_MAX &&
	    strlen(s) < dstsz) {
		for (p = s; *p != '\0'; p++)
			if (!(*p >= 'a' && *p <= 'z') &&
			    !(*p >= 'A' && *p <= 'Z') &&
			    !(*p >= '0' && *p <= '9') && *p != '-')
				break;
		if (*p == '\0') {
			memcpy(dst, s, strlen(s) + 1);
			return;
		}
	}
	/* Ids only need to be unlikely to repeat, not secret. */
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = ((uint64_t)getpid() << 40) ^ (uint64_t)time(NULL) ^
		    ++counter;
	snprintf(dst, dstsz, "%016llx", (unsigned long long)r);
}

/*
 * Parses CONTENT_LENGTH: NULL or "" (nginx sends it empty when there
 * is no body) is -1; otherwise only decimal digits, at most 18 of
 * them so the value fits. Returns 0, or -1 when malformed.
 */
static int
worker_content_length(const char *s, long long *out)
{
	long long	 v = 0;
	size_t		 n;

	*out = -1;
	if (s == NULL || *s == '\0')
		return 0;
	for (n = 0; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 18)
			return -1;
		v = v * 10 + (s[n] - '0');
	}
	*out = v;
	return 0;
}

/* Copies a parameter (NULL stays NULL). Returns 0, or -1 on ENOMEM. */
static int
worker_copy(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	return (*dst = strdup(src)) == NULL ? -1 : 0;
}

/*
 * The request path without its query: REQUEST_URI (nginx, lighttpd),
 * else DOCUMENT_URI, else SCRIPT_NAME and PATH_INFO joined. Returns 0,
 * or -1 on ENOMEM; *dst may be NULL when the server sent none.
 */
static int
worker_path(FCGX_Request *fr, char **dst)
{
	const char	*uri, *script, *info;
	size_t		 len;

	*dst = NULL;
	uri = FCGX_GetParam("REQUEST_URI", fr->envp);
	if (uri == NULL || *uri == '\0')
		uri = FCGX_GetParam("DOCUMENT_URI", fr->envp);
	if (uri != NULL && *uri != '\0') {
		len = strcspn(uri, "?");
		if ((*dst = strndup(uri, len)) == NULL)
			return -1;
		return 0;
	}
	script = FCGX_GetParam("SCRIPT_NAME", fr->envp);
	info = FCGX_GetParam("PATH_INFO", fr->envp);
	if (script == NULL && info == NULL)
		return 0;
	if (asprintf(dst, "%s%s", script == NULL ? "" : script,
	    info == NULL ? "" : info) == -1) {
		*dst = NULL;
		return -1;
	}
	return 0;
}

/*
 * Fills wr from the CGI parameters. Returns 0, or -1 with the error
 * response in res (which must be zeroed).
 */
static int
worker_params_or_err(FCGX_Request *fr, struct worker_req *wr,
    struct xrpc_response *res)
{
	const char	*ct, *cl;
	char		**envp = fr->envp;

	ct = FCGX_GetParam("CONTENT_TYPE", envp);
	if (ct != NULL && *ct == '\0')
		ct = NULL;
	if (worker_copy(&wr->method, FCGX_GetParam("REQUEST_METHOD",
	    envp)) == -1 ||
	    worker_path(fr, &wr->path) == -1 ||
	    worker_copy(&wr->query, FCGX_GetParam("QUERY_STRING",
	    envp)) == -1 ||
	    worker_copy(&wr->content_type, ct) == -1 ||
	    worker_copy(&wr->authorization, FCGX_GetParam(
	    "HTTP_AUTHORIZATION", envp)) == -1) {
		log_error("worker_params_or_err: out of memory");
		xrpc_error(res, 500, "InternalServerError", "internal error");
		return -1;
	}
	wr->x.method = wr->method;
	wr->x.path = wr->path == NULL ? "" : wr->path;
	wr->x.query = wr->query == NULL ? "" : wr->query;
	wr->x.content_type = wr->content_type;
	wr->x.authorization = wr->authorization;
	wr->x.request_id = wr->request_id;
	if (wr->method == NULL || *wr->method == '\0') {
		xrpc_error(res, 400, "InvalidRequest",
		    "missing request method");
		return -1;
	}
	cl = FCGX_GetParam("CONTENT_LENGTH", envp);
	if (worker_content_length(cl, &wr->x.content_length) == -1) {
		log_warnx("bad content length");
		xrpc_error(res, 400, "InvalidRequest",
		    "invalid Content-Length");
		return -1;
	}
	return 0;
}

/*
 * Reads up to want bytes of body into wr->body, grown as data comes
 * (so a false Content-Length costs nothing) and NUL-terminated.
 * Returns how many bytes arrived, fewer than want meaning the input
 * ended, or -1 on ENOMEM or a stream error.
 */
static long long
worker_read(FCGX_Request *fr, struct worker_req *wr, size_t want)
{
	size_t	 got = 0, cap = 0, ask;
	char	*nb;
	int	 n;

	for (;;) {
		if (got == cap) {
			if (cap == want)
				break;
			cap = cap == 0 ? WORKER_CHUNK : cap * 2;
			if (cap > want)
				cap = want;
			if ((nb = realloc(wr->body, cap + 1)) == NULL)
				return -1;
			wr->body = nb;
		}
		ask = cap - got > INT_MAX ? INT_MAX : cap - got;
		/* FCGX_GetStr returns less than asked only at the end. */
		if ((n = FCGX_GetStr(wr->body + got, (int)ask, fr->in)) <= 0)
			break;
		got += (size_t)n;
		if ((size_t)n < ask)
			break;
	}
	if (FCGX_GetError(fr->in) != 0)
		return -1;
	if (wr->body == NULL && (wr->body = malloc(1)) == NULL)
		return -1;
	wr->body[got] = '\0';
	return (long long)got;
}

/*
 * Reads the body: exactly Content-Length bytes when given, else up to
 * the end of input but no more than limit + 1 bytes. Returns 0, or -1
 * with the error response in res.
 */
static int
worker_body_or_err(FCGX_Request *fr, struct worker_req *wr, size_t limit,
    struct xrpc_response *res)
{
	long long	 cl = wr->x.content_length, got;

	if (cl >= 0 && (unsigned long long)cl > limit) {
		xrpc_error(res, 413, "PayloadTooLarge",
		    "request body is too large");
		return -1;
	}
	got = worker_read(fr, wr, cl >= 0 ? (size_t)cl : limit + 1);
	if (got < 0) {
		log_warnx("body read failed");
		xrpc_error(res, 400, "InvalidRequest",
		    "could not read the request body");
		return -1;
	}
	if (cl >= 0 && got < cl) {
		log_warnx("body shorter than content length");
		xrpc_error(res, 400, "InvalidRequest",
		    "body shorter than Content-Length");
		return -1;
	}
	/*
	 * Without a Content-Length we read one byte past limit; the core
	 * sees body_len > limit and answers with the method's own 413.
	 */
	wr->x.body = wr->body;
	wr->x.body_len = (size_t)got;
	return 0;
}

/*
 * Reads and drops what is left of the input so a kept-alive
 * connection starts the next request cleanly; an unread FCGI_STDIN
 * tail would otherwise precede it. Returns 0 at end of input, -1 when
 * more than cap bytes remain or the stream failed, in which case the
 * connection should be closed.
 */
static int
worker_drain(FCGX_Request *fr, size_t cap)
{
	char	 buf[8192];
	size_t	 total = 0;
	int	 n;

	while ((n = FCGX_GetStr(buf, sizeof(buf), fr->in)) > 0) {
		total += (size_t)n;
		if (total > cap)
			return -1;
	}
	return FCGX_GetError(fr->in) != 0 ? -1 : 0;
}

/*
 * The reason phrase for the Status header: nginx copies our line as
 * it stands, so without one clients would see a bare "HTTP/1.1 501".
 */
static const char *
worker_reason(int status)
{
	static const struct {
		int		 status;
		const char	*text;
	} reasons[] = {
		{ 200, "OK" }, { 400, "Bad Request" },
		{ 401, "Unauthorized" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 409, "Conflict" }, { 413, "Payload Too Large" },
		{ 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].text;
	return "Unknown";
}

/*
 * Writes the CGI response header block, with the core's extra header
 * lines (already "Name: value\r\n" each), and the body.
 */
static void
worker_respond(FCGX_Request *fr, const struct worker_req *wr,
    const struct xrpc_response *res)
{
	static const char fallback[] =
	    "{\"error\":\"InternalServerError\",\"message\":\"internal error\"}";
	char		 head[WORKER_HEAD_MAX];
	const char	*body = res->body, *type = res->content_type;
	const char	*extra = res->headers;
	size_t		 len = res->body_len, off;
	int		 status = res->status, n;

	/* xrpc_error could not allocate: still answer, in the same form. */
	if (status == 0 || (body == NULL && status >= 400)) {
		status = 500;
		body = fallback;
		len = sizeof(fallback) - 1;
		type = NULL;
		extra = "";
	}
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "X-Request-Id: %s\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s"
	    "Content-Length: %zu\r\n\r\n", status, worker_reason(status),
	    type == NULL ? "application/json" : type, wr->request_id,
	    extra, len);
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    FCGX_PutStr(head, n, fr->out) != n)
		return;
	for (off = 0; off < len; off += (size_t)n) {
		n = len - off > INT_MAX ? INT_MAX : (int)(len - off);
		if (FCGX_PutStr(body + off, n, fr->out) != n)
			return;
	}
}

/*
 * The endpoints that are not XRPC methods, answered before the core
 * routes (it would refuse their names as NSIDs): /xrpc/_health, and
 * /xrpc/_metrics, which the shipped web server configurations expose
 * on loopback only. Returns 1 with res filled when wr was one of them,
 * else 0.
 */
static int
worker_builtin(struct app *app, const struct worker_req *wr,
    struct xrpc_response *res)
{
	int	 health;

	health = strcmp(wr->x.path, "/xrpc/_health") == 0;
	if (!health && strcmp(wr->x.path, "/xrpc/_metrics") != 0)
		return 0;
	if (strcmp(wr->method, "GET") != 0 &&
	    strcmp(wr->method, "HEAD") != 0) {
		xrpc_error(res, 400, "InvalidRequest",
		    "this endpoint takes GET");
		return 1;
	}
	if (health) {
		health_serve(app, res);
		return 1;
	}
	if (metrics_render(&res->body, &res->body_len) == -1) {
		log_error("worker_builtin: metrics_render: out of memory");
		xrpc_error(res, 500, "InternalServerError", "internal error");
		return 1;
	}
	res->status = 200;
	res->content_type = "text/plain; version=0.0.4; charset=utf-8";
	snprintf(res->nsid, sizeof(res->nsid), "_metrics");
	return 1;
}

/*
 * Counts the answered request. A 503 ServiceUnavailable is what db.c
 * answers when the lock stayed taken past busy_timeout, so it stands
 * for one busy retry the client must make.
 */
static void
worker_count(const struct xrpc_response *res, double ms)
{
	static const char busy[] = "\"ServiceUnavailable\"";
	int		 status = res->status == 0 ? 500 : res->status;

	metrics_request(res->nsid, status, ms);
	if (status == 503 && res->body != NULL &&
	    memmem(res->body, res->body_len, busy, sizeof(busy) - 1) != NULL)
		metrics_db_busy();
}

/* One INFO line per request; every field from the network escaped. */
static void
worker_access_log(const struct worker_req *wr,
    const struct xrpc_response *res, double ms)
{
	char	 method[64], nsid[4 * sizeof(res->nsid)];
	char	 caller[4 * sizeof(res->caller)];

	log_escape(method, sizeof(method), wr->method);
	log_escape(nsid, sizeof(nsid), res->nsid[0] == '\0' ? "-" :
	    res->nsid);
	log_escape(caller, sizeof(caller), res->caller[0] == '\0' ? "-" :
	    res->caller);
	log_info("request method=%s nsid=%s status=%d ms=%.1f caller=%s",
	    method, nsid, res->status == 0 ? 500 : res->status, ms, caller);
}

static void
worker_req_release(struct worker_req *wr)
{
	free(wr->method);
	free(wr->path);
	free(wr->query);
	free(wr->content_type);
	free(wr->authorization);
	free(wr->body);
	memset(wr, 0, sizeof(*wr));
}

/* The most a client may legitimately send: the larger body limit. */
static size_t
worker_drain_cap(void)
{
	return worker_cfg->blob_limit > worker_cfg->body_limit ?
	    worker_cfg->blob_limit : worker_cfg->body_limit;
}

/*
 * Handles the request FCGX_Accept_r just returned, up to and
 * including FCGX_Finish_r. Never fails: problems become responses.
 */
static void
worker_serve(struct app *app, FCGX_Request *fr)
{
	struct worker_req	 wr;
	struct xrpc_response	 res;
	struct timespec		 t0;
	size_t			 limit = 0;
	double			 ms;
	int			 keep;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&wr, 0, sizeof(wr));
	memset(&res, 0, sizeof(res));
	wr.x.content_length = -1;
	worker_request_id(fr, wr.request_id, sizeof(wr.request_id));
	log_set_request_id(wr.request_id);

	if (worker_params_or_err(fr, &wr, &res) == 0 &&
	    !worker_builtin(app, &wr, &res) &&
	    xrpc_precheck(app, &wr.x, &limit, &res) == 0 &&
	    worker_body_or_err(fr, &wr, limit, &res) == 0)
		xrpc_serve(app, &wr.x, &res);
	/* Before answering, so the web server is not left mid-send. */
	keep = worker_drain(fr, worker_drain_cap()) == 0;
	worker_respond(fr, &wr, &res);
	ms = worker_elapsed_ms(&t0);
	worker_count(&res, ms);
	worker_access_log(&wr, &res, ms);

	xrpc_response_release(&res);
	worker_req_release(&wr);
	FCGX_Finish_r(fr);
	if (!keep)
		FCGX_Free(fr, 1);
	log_set_request_id(NULL);
}

/*
 * Closes a connection at once. FCGX_Free alone would linger up to two
 * seconds for the peer's close, a guard for unsent response data that
 * a connection between requests does not have; shutting both
 * directions first ends that wait immediately.
 *
 * libfcgi documents ipcFd as private; this file only reads it, to
 * poll and to shut a connection down.
 */
static void
worker_drop(FCGX_Request *fr)
{
	if (fr->ipcFd >= 0)
		shutdown(fr->ipcFd, SHUT_RDWR);
	FCGX_Free(fr, 1);
}

/*
 * Serves the next request on kept-alive connection fr, which poll
 * found readable: a request, or the web server closing it.
 */
static void
worker_next(struct app *app, FCGX_Request *fr)
{
	char	 c;

	if (recv(fr->ipcFd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) {
		worker_drop(fr);
		return;
	}
	/*
	 * On a broken request libfcgi closes the connection and tries
	 * the (non-blocking) listening socket instead; either way a
	 * failure leaves nothing to serve.
	 */
	if (FCGX_Accept_r(fr) == 0)
		worker_serve(app, fr);
}

/*
 * Accepts a new connection into the free request fr and serves its
 * first request. Losing the race to another worker is not an error.
 */
static void
worker_accept(struct app *app, FCGX_Request *fr)
{
	struct timespec	 pause = { 0, 100 * 1000000L };
	int		 rc;

	if ((rc = FCGX_Accept_r(fr)) == 0) {
		worker_serve(app, fr);
		return;
	}
	if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -ECONNABORTED)
		return;
	/* EMFILE and friends: the socket stays readable, so do not spin. */
	errno = -rc;
	log_warn("accept");
	nanosleep(&pause, NULL);
}

/*
 * One pass: waits, with TERM and INT deliverable, until a connection
 * has a request or a new one arrives, then serves each ready
 * connection once, starting after the one served first last time so
 * none is always last. Returns -1 when told to stop, else 0.
 */
static int
worker_pass(struct app *app, FCGX_Request *conns, int listen_fd,
    const sigset_t *idle)
{
	static int	 start;
	struct timespec	 tick = { 0, 0 };
	struct pollfd	 pfd[WORKER_CONNS + 1];
	int		 map[WORKER_CONNS + 1];
	int		 i, k, n = 0, free_slot = -1;

	for (k = 0; k < WORKER_CONNS; k++) {
		i = (start + k) % WORKER_CONNS;
		if (conns[i].ipcFd < 0) {
			if (free_slot == -1)
				free_slot = i;
			continue;
		}
		pfd[n].fd = conns[i].ipcFd;
		pfd[n].events = POLLIN;
		map[n++] = i;
	}
	/* With every slot taken, new connections are for other workers. */
	if (free_slot != -1) {
		pfd[n].fd = listen_fd;
		pfd[n].events = POLLIN;
		map[n++] = -1;
	}
	for (k = 0; k < n; k++)
		pfd[k].revents = 0;
	/* Wake at least once per maint_interval for blob_maintain. */
	tick.tv_sec = worker_cfg->maint_interval;
	if (ppoll(pfd, (nfds_t)n, &tick, idle) == -1) {
		if (errno != EINTR)
			fatal("worker: ppoll");
		return worker_stop ? -1 : 0;
	}
	if (worker_stop)
		return -1;
	start = (start + 1) % WORKER_CONNS;
	for (k = 0; k < n; k++) {
		if (pfd[k].revents == 0)
			continue;
		if (map[k] >= 0)
			worker_next(app, &conns[map[k]]);
		else
			worker_accept(app, &conns[free_slot]);
	}
	return 0;
}

/*
 * Whether connection fr has bytes waiting: the next request, or EOF.
 */
static int
worker_has_input(const FCGX_Request *fr)
{
	struct pollfd	 p = { fr->ipcFd, POLLIN, 0 };

	return poll(&p, 1, 0) > 0;
}

/*
 * After a stop, before closing: nginx may have written a request into
 * a kept-alive connection just before it could know we are going, and
 * closing that connection would drop the request unread (a 502 for its
 * client). So the worker, accepting no new connections, serves what
 * arrives on those it holds and closes each right after its response
 * (and whatever was queued behind it): nginx reads the response, then
 * the end of the connection, and sends it nothing more. A connection
 * quiet for WORKER_LINGER_QUIET_MS is closed as it is; the whole
 * linger lasts at most WORKER_LINGER_MAX_MS. TERM and INT stay blocked
 * here: a second stop changes nothing.
 */
static void
worker_linger(struct app *app, FCGX_Request *conns)
{
	struct pollfd	 pfd[WORKER_CONNS];
	struct timespec	 t0, now;
	int		 map[WORKER_CONNS];
	int		 i, k, n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		for (i = n = 0; i < WORKER_CONNS; i++) {
			if (conns[i].ipcFd < 0)
				continue;
			pfd[n].fd = conns[i].ipcFd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			map[n++] = i;
		}
		if (n == 0 || poll(pfd, (nfds_t)n, WORKER_LINGER_QUIET_MS) <= 0)
			return;
		for (k = 0; k < n; k++) {
			if (pfd[k].revents == 0)
				continue;
			i = map[k];
			do
				worker_next(app, &conns[i]);
			while (conns[i].ipcFd >= 0 &&
			    worker_has_input(&conns[i]));
			worker_drop(&conns[i]);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000 > WORKER_LINGER_MAX_MS)
			return;
	}
}

void
worker_run(const struct config *cfg, int listen_fd, int slot)
{
	static FCGX_Request	 conns[WORKER_CONNS];
	struct app		*app;
	sigset_t		 idle;
	char			 err[512];
	int			 i, fl;

	proc_slot = slot;
	worker_cfg = cfg;
	worker_signals(&idle);
	if (FCGX_Init() != 0)
		fatalx("worker: FCGX_Init failed");
	/* See "Connections" above; the flag is shared by every worker. */
	if ((fl = fcntl(listen_fd, F_GETFL)) == -1 ||
	    fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) == -1)
		fatal("worker: fcntl O_NONBLOCK");
	for (i = 0; i < WORKER_CONNS; i++)
		if (FCGX_InitRequest(&conns[i], listen_fd, 0) != 0)
			fatalx("worker: FCGX_InitRequest failed");
	/* One SQLite connection per worker, opened after fork. */
	if ((app = app_open(cfg, err, sizeof(err))) == NULL)
		fatalx("worker: %s", err);
	log_debug("worker ready slot=%d", slot);

	/* Between requests, never under one: the core's own upkeep. */
	while (worker_pass(app, conns, listen_fd, &idle) == 0)
		blob_maintain(app, (int64_t)time(NULL) * 1000);

	log_debug("worker stopping slot=%d", slot);
	close(listen_fd);
	worker_linger(app, conns);
	for (i = 0; i < WORKER_CONNS; i++)
		worker_drop(&conns[i]);
	app_close(app);
	exit(0);
}
