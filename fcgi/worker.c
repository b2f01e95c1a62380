/* atspace: ISC licence, see README.md. */
/*
 * One worker process. It owns the FastCGI side of a request: waiting
 * for work, copying CGI parameters into a struct xrpc_request, reading
 * the body within the limit the core gives, writing the response and
 * the access log line. What a request means is the core's business
 * (core/xrpc.c); the supervisor that forks us is fcgi/pool.c.
 *
 * Signals. TERM and INT are blocked while a request is being handled,
 * so a stop never cuts a response short, and are deliverable only
 * while the worker is idle: in FCGX_Accept_r's accept() and in our
 * own ppoll() on a kept-alive connection. Their handler sets a flag
 * and calls FCGX_ShutdownPending(), which makes libfcgi give up an
 * accept() interrupted by the signal instead of restarting it. The
 * handler is installed without SA_RESTART for the same reason. A
 * signal that lands between our flag check and the accept() system
 * call would be missed; the supervisor repeats TERM every second
 * while it waits, which closes that gap.
 */

#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
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

#include "config.h"
#include "log.h"
#include "proc.h"
#include "xrpc.h"
#include "worker.h"

#define WORKER_REQID_MAX	64	/* longest X-Request-Id we echo */
#define WORKER_YIELD_MS		20	/* see worker_idle() */
#define WORKER_CHUNK		65536	/* body read size */
#define WORKER_HEAD_MAX		512	/* response header block */

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
	FCGX_ShutdownPending();
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
	/* No SA_RESTART: an idle accept() or ppoll() must return. */
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
 * the end of input but no more than limit. Returns 0, or -1 with the
 * error response in res.
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
	if (cl < 0 && (unsigned long long)got > limit) {
		xrpc_error(res, 413, "PayloadTooLarge",
		    "request body is too large");
		return -1;
	}
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

/* Writes the CGI response header block and body. */
static void
worker_respond(FCGX_Request *fr, const struct worker_req *wr,
    const struct xrpc_response *res)
{
	static const char fallback[] =
	    "{\"error\":\"InternalServerError\",\"message\":\"internal error\"}";
	char		 head[WORKER_HEAD_MAX];
	const char	*body = res->body, *type = res->content_type;
	size_t		 len = res->body_len, off;
	int		 status = res->status, n;

	/* xrpc_error could not allocate: still answer, in the same form. */
	if (status == 0 || (body == NULL && status >= 400)) {
		status = 500;
		body = fallback;
		len = sizeof(fallback) - 1;
		type = NULL;
	}
	n = snprintf(head, sizeof(head), "Status: %d\r\n"
	    "Content-Type: %s\r\n"
	    "X-Request-Id: %s\r\n"
	    "Cache-Control: no-store\r\n"
	    "Content-Length: %zu\r\n\r\n", status,
	    type == NULL ? "application/json" : type, wr->request_id, len);
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    FCGX_PutStr(head, n, fr->out) != n)
		return;
	for (off = 0; off < len; off += (size_t)n) {
		n = len - off > INT_MAX ? INT_MAX : (int)(len - off);
		if (FCGX_PutStr(body + off, n, fr->out) != n)
			return;
	}
}

/* One INFO line per request; every field from the network escaped. */
static void
worker_access_log(const struct worker_req *wr,
    const struct xrpc_response *res, const struct timespec *t0)
{
	char	 method[64], nsid[4 * sizeof(res->nsid)];
	char	 caller[4 * sizeof(res->caller)];

	log_escape(method, sizeof(method), wr->method);
	log_escape(nsid, sizeof(nsid), res->nsid[0] == '\0' ? "-" :
	    res->nsid);
	log_escape(caller, sizeof(caller), res->caller[0] == '\0' ? "-" :
	    res->caller);
	log_info("request method=%s nsid=%s status=%d ms=%.1f caller=%s",
	    method, nsid, res->status == 0 ? 500 : res->status,
	    worker_elapsed_ms(t0), caller);
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
	int			 keep;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&wr, 0, sizeof(wr));
	memset(&res, 0, sizeof(res));
	wr.x.content_length = -1;
	worker_request_id(fr, wr.request_id, sizeof(wr.request_id));
	log_set_request_id(wr.request_id);

	if (worker_params_or_err(fr, &wr, &res) == 0 &&
	    xrpc_precheck(app, &wr.x, &limit, &res) == 0 &&
	    worker_body_or_err(fr, &wr, limit, &res) == 0)
		xrpc_serve(app, &wr.x, &res);
	/* Before answering, so the web server is not left mid-send. */
	keep = worker_drain(fr, worker_cfg->body_limit) == 0;
	worker_respond(fr, &wr, &res);
	worker_access_log(&wr, &res, &t0);

	xrpc_response_release(&res);
	worker_req_release(&wr);
	FCGX_Finish_r(fr);
	if (!keep)
		FCGX_Free(fr, 1);
	log_set_request_id(NULL);
}

/*
 * Waits with TERM and INT deliverable until FCGX_Accept_r has work.
 * With no connection open, returns at once: FCGX_Accept_r blocks in
 * accept(), which wakes one worker per connection. With a kept-alive
 * connection (nginx fastcgi_keep_conn), FCGX_Accept_r would block
 * reading it, where no signal could reach us in time and no other
 * connection could be served; so we poll it together with the
 * listening socket. A request on it, or its close, hands over to
 * FCGX_Accept_r (or to accept, once closed here). A new connection
 * while ours sits idle means the web server opened more connections
 * than there are free workers; we give workers already in accept()
 * WORKER_YIELD_MS to take it, then drop our idle one and go to
 * accept, so a pool of kept-alive connections larger than the worker
 * count cannot stall requests. Returns 0 to accept, -1 to stop.
 *
 * libfcgi documents ipcFd as private; we only read it, to poll.
 */
static int
worker_idle(FCGX_Request *fr, int listen_fd, const sigset_t *idle)
{
	struct pollfd	 pfd[2];
	struct timespec	 ts = { 0, WORKER_YIELD_MS * 1000000L };
	char		 c;
	int		 n;

	while (!worker_stop && fr->ipcFd >= 0) {
		pfd[0].fd = fr->ipcFd;
		pfd[0].events = POLLIN;
		pfd[1].fd = listen_fd;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if ((n = ppoll(pfd, 2, NULL, idle)) == -1) {
			if (errno != EINTR)
				FCGX_Free(fr, 1);
			continue;
		}
		if (pfd[0].revents != 0) {
			if (recv(fr->ipcFd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
				return 0;
			/* The web server closed it, or it failed. */
			FCGX_Free(fr, 1);
			continue;
		}
		if ((n = ppoll(pfd, 1, &ts, idle)) != 0)
			continue;
		pfd[1].revents = 0;
		if (poll(&pfd[1], 1, 0) == 1) {
			log_debug("dropping an idle kept-alive connection");
			FCGX_Free(fr, 1);
		}
	}
	return worker_stop ? -1 : 0;
}

void
worker_run(const struct config *cfg, int listen_fd, int slot)
{
	FCGX_Request	 fr;
	struct app	*app;
	sigset_t	 idle, busy;
	char		 err[512];
	int		 rc;

	proc_slot = slot;
	worker_cfg = cfg;
	worker_signals(&idle);
	sigprocmask(SIG_BLOCK, NULL, &busy);
	if (FCGX_Init() != 0)
		fatalx("worker: FCGX_Init failed");
	if (FCGX_InitRequest(&fr, listen_fd, 0) != 0)
		fatalx("worker: FCGX_InitRequest failed");
	/* One SQLite connection per worker, opened after fork. */
	if ((app = app_open(cfg, err, sizeof(err))) == NULL)
		fatalx("worker: %s", err);
	log_debug("worker ready slot=%d", slot);

	for (;;) {
		if (worker_idle(&fr, listen_fd, &idle) == -1)
			break;
		if (fr.ipcFd < 0)
			sigprocmask(SIG_SETMASK, &idle, NULL);
		rc = worker_stop ? -1 : FCGX_Accept_r(&fr);
		sigprocmask(SIG_SETMASK, &busy, NULL);
		if (rc < 0) {
			if (worker_stop)
				break;
			/* Accept failed for a reason other than a stop. */
			errno = -rc;
			fatal("worker: FCGX_Accept_r");
		}
		worker_serve(app, &fr);
	}
	log_debug("worker stopping slot=%d", slot);
	FCGX_Free(&fr, 1);
	app_close(app);
	exit(0);
}
