/* atspace: ISC licence, see README.md. */
/*
 * Logging: formats one line per event and hands it to stderr with a
 * single write(2), so lines from the supervisor and every worker,
 * which share the descriptor, never interleave (writes of up to
 * PIPE_BUF bytes to a pipe are atomic; journald and process managers
 * read stderr through a pipe). Escaping network text is the caller's
 * job, through log_escape(); this file only frames the line.
 */

#include <sys/time.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/*
 * A line longer than this is cut; PIPE_BUF (4096 on Linux) is the
 * size up to which a pipe write is atomic, so staying under it keeps
 * the no-interleaving promise.
 */
#define LOG_LINE_MAX	4096
#define LOG_REQID_MAX	64

static void	 log_emit(enum log_level, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static const char *const log_names[LOG_LEVEL_MAX] = {
	"ERROR",		/* LOG_LEVEL_ERROR */
	"WARN",			/* LOG_LEVEL_WARN */
	"INFO",			/* LOG_LEVEL_INFO */
	"DEBUG",		/* LOG_LEVEL_DEBUG */
};

static const char *const log_parse_names[LOG_LEVEL_MAX] = {
	"error", "warn", "info", "debug",
};

enum log_level	 log_verbosity = LOG_LEVEL_INFO;
static char	 log_reqid[LOG_REQID_MAX] = "-";

/*
 * Formats and writes one line: time, level, pid, request id, the
 * message, and, when errnum is not -1, ": " and its strerror text.
 * Keeps errno as the caller left it.
 */
static void
log_emit(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char		 line[LOG_LINE_MAX];
	struct timeval	 tv;
	struct tm	 tm;
	size_t		 len;
	int		 n, saved = errno;

	if (level > log_verbosity) {
		errno = saved;
		return;
	}
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s pid=%ld req=%s ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000),
	    log_names[level], (long)getpid(), log_reqid);
	len = n < 0 ? 0 : (size_t)n;
	if (len < sizeof(line)) {
		n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
		len += n < 0 ? 0 : (size_t)n;
	}
	if (errnum != -1 && len < sizeof(line)) {
		n = snprintf(line + len, sizeof(line) - len, ": %s",
		    strerror(errnum));
		len += n < 0 ? 0 : (size_t)n;
	}
	/* Cut over-long lines, keeping room for the newline. */
	if (len > sizeof(line) - 1)
		len = sizeof(line) - 1;
	line[len++] = '\n';
	/* One write per line; nothing sensible to do if stderr is gone. */
	while (write(STDERR_FILENO, line, len) < 0 && errno == EINTR)
		continue;
	errno = saved;
}

void
log_init(enum log_level level)
{
	if (level < LOG_LEVEL_MAX)
		log_verbosity = level;
	tzset();
}

/*
 * Maps "error", "warn", "info", "debug" to the level. Returns 0, or
 * -1 leaving *out untouched when the name is unknown.
 */
int
log_level_parse(const char *name, enum log_level *out)
{
	int	 i;

	for (i = 0; i < LOG_LEVEL_MAX; i++)
		if (strcmp(name, log_parse_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

/*
 * Copies id, escaped and cut to fit, for the lines that follow; NULL
 * or "" puts back "-". The id normally comes from X-Request-Id, which
 * the worker has already checked, but escaping costs nothing.
 */
void
log_set_request_id(const char *id)
{
	if (id == NULL || *id == '\0')
		strcpy(log_reqid, "-");
	else
		log_escape(log_reqid, sizeof(log_reqid), id);
}

void
log_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, -1, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_WARN, saved, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_WARN, -1, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_INFO, -1, fmt, ap);
	va_end(ap);
}

/* Called through the log_debug macro, which skips it when off. */
void
log_debug_(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_DEBUG, -1, fmt, ap);
	va_end(ap);
}

/* Logs at ERROR with the errno text and exits 1. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Logs at ERROR and exits 1. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, -1, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * Each byte outside '!'..'~', and '"' and '\\', becomes \xNN, so the
 * result holds no space, quote or control character and can neither
 * end a key=value field nor start a new line. An escape that does not
 * fit whole is dropped rather than cut. NULL src is written "-".
 */
char *
log_escape(char *dst, size_t dstsz, const char *src)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*s;
	size_t			 i = 0;

	if (dstsz == 0)
		return dst;
	if (src == NULL)
		src = "-";
	for (s = (const unsigned char *)src; *s != '\0'; s++) {
		if (*s > ' ' && *s < 0x7f && *s != '"' && *s != '\\') {
			if (i + 1 >= dstsz)
				break;
			dst[i++] = (char)*s;
			continue;
		}
		if (i + 4 >= dstsz)
			break;
		dst[i++] = '\\';
		dst[i++] = 'x';
		dst[i++] = hex[*s >> 4];
		dst[i++] = hex[*s & 0xf];
	}
	dst[i] = '\0';
	return dst;
}
