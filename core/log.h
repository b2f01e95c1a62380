/* atspace: ISC licence, see README.md. */
/*
 * Logging: one line per event on stderr, as STYLE.md describes:
 *   2026-12-04T04:30:00.123Z INFO pid=123 req=abc message key=value ...
 * Text from the network must pass through log_escape() first.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_MAX
};

/* Set-up. */
void	log_init(enum log_level level);
int	log_level_parse(const char *name, enum log_level *out);
extern enum log_level log_verbosity;

/* The request id printed on every line until cleared with NULL. */
void	log_set_request_id(const char *id);

/* Events. log_warn adds strerror(errno); the others do not. */
void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define log_debug(...) do {						\
	if (log_verbosity >= LOG_LEVEL_DEBUG)				\
		log_debug_(__VA_ARGS__);				\
} while (0)

/* Start-up and supervisor only: log and exit(1). */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Copies src into dst (size dstsz, always NUL-terminated), escaping
 * bytes outside printable ASCII, quotes, backslashes and spaces so a
 * network string cannot forge fields or lines. Returns dst.
 */
char	*log_escape(char *dst, size_t dstsz, const char *src);

#endif
