/* atspace: ISC licence, see README.md. */
/*
 * atspace-fcgi: options, configuration, the root check, the listening
 * socket, and the one-time schema migration; then the supervisor in
 * pool.c takes over. The socket is opened here, before any fork, so
 * every worker accepts on the same descriptor.
 *
 * Where the socket comes from: the configured socket (a Unix path, or
 * host:port through libfcgi), else one passed by systemd socket
 * activation (LISTEN_FDS=1: descriptor 3), else descriptor 0 when it
 * is a listening socket, as spawn-fcgi and systemd's
 * StandardInput=socket leave it.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "config.h"
#include "log.h"
#include "pool.h"
#include "xrpc.h"

#define MAIN_BACKLOG	1024

static void
main_usage(FILE *f)
{
	fprintf(f, "usage: atspace-fcgi [-c file] [--check-config]\n"
	    "  -c file         read the configuration from file\n"
	    "  --check-config  check the configuration, print \"config ok\","
	    " exit\n"
	    "  -h              show this help\n"
	    "Settings may also come from ATSPACE_<KEY> variables.\n");
}

/* Whether fd is a socket in the listening state. */
static int
main_is_listener(int fd)
{
	int		 type, on;
	socklen_t	 len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_STREAM)
		return 0;
	len = sizeof(on);
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
	    on != 0;
}

/*
 * Removes a socket file left by a process that is gone, refusing to
 * touch one a live server still answers on or a file that is not a
 * socket. Exits on refusal.
 */
static void
main_clear_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat	 st;
	int		 fd;

	if (lstat(path, &st) == -1) {
		if (errno != ENOENT)
			fatal("stat %s", path);
		return;
	}
	if (!S_ISSOCK(st.st_mode))
		fatalx("%s exists and is not a socket", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		fatalx("%s is in use by another server", path);
	close(fd);
	if (unlink(path) == -1)
		fatal("unlink stale socket %s", path);
	log_info("removed stale socket path=%s", path);
}

/* Binds and listens on a Unix socket, mode 0660. Exits on failure. */
static int
main_listen_unix(const char *path)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		fatalx("socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	main_clear_stale(path, &sun);

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	/* The umask makes the file 0660 from its first moment. */
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("bind %s", path);
	umask(old);
	if (chmod(path, 0660) == -1)
		fatal("chmod %s", path);
	if (listen(fd, MAIN_BACKLOG) == -1)
		fatal("listen %s", path);
	return fd;
}

/*
 * Opens or finds the listening socket. *unix_path is set to the path
 * to remove at exit, or NULL when the socket is not ours to remove.
 * Exits on failure.
 */
static int
main_listen(const struct config *cfg, const char **unix_path)
{
	const char	*fds, *pid;
	int		 fd;

	*unix_path = NULL;
	if (cfg->socket != NULL && (strchr(cfg->socket, '/') != NULL ||
	    strchr(cfg->socket, ':') == NULL)) {
		*unix_path = cfg->socket;
		return main_listen_unix(cfg->socket);
	}
	if (cfg->socket != NULL) {
		if ((fd = FCGX_OpenSocket(cfg->socket, MAIN_BACKLOG)) == -1)
			fatal("listen %s", cfg->socket);
		return fd;
	}
	fds = getenv("LISTEN_FDS");
	pid = getenv("LISTEN_PID");
	if (fds != NULL && (pid == NULL || atol(pid) == (long)getpid())) {
		if (strcmp(fds, "1") != 0)
			fatalx("LISTEN_FDS=%s: expected exactly one socket",
			    fds);
		/* Not for anything we might start. */
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDNAMES");
		if (!main_is_listener(3))
			fatalx("LISTEN_FDS=1 but descriptor 3 is not a "
			    "listening socket");
		return 3;
	}
	if (main_is_listener(STDIN_FILENO))
		return STDIN_FILENO;
	fatalx("no socket: set socket in the configuration, or start me "
	    "with a listening socket on descriptor 0 (spawn-fcgi, systemd)");
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	 cfg;
	struct sigaction sa;
	const char	*path = NULL, *unix_path;
	char		 err[512], sock[512], db[512];
	int		 ch, check = 0, fd, rc;

	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1)
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = 1;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		default:
			main_usage(stderr);
			return 1;
		}
	if (optind != argc) {
		main_usage(stderr);
		return 1;
	}

	config_init(&cfg);
	if (config_load(&cfg, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "atspace-fcgi: %s\n", err);
		config_release(&cfg);
		return 1;
	}
	if (check) {
		printf("config ok\n");
		config_release(&cfg);
		return 0;
	}
	log_init((enum log_level)cfg.log_level);
	if (geteuid() == 0 && !cfg.allow_root)
		fatalx("refusing to run as root: use an unprivileged user, "
		    "or set allow_root = yes");

	/* A closed stderr pipe must not kill the supervisor. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	fd = main_listen(&cfg, &unix_path);
	if (app_migrate(&cfg, err, sizeof(err)) == -1)
		fatalx("%s", err);
	log_escape(sock, sizeof(sock), cfg.socket == NULL ?
	    (fd == 3 ? "LISTEN_FDS" : "stdin") : cfg.socket);
	log_escape(db, sizeof(db), cfg.db_path);
	log_info("starting workers=%d socket=%s db=%s", cfg.workers, sock,
	    db);

	rc = pool_run(&cfg, fd);

	if (unix_path != NULL && unlink(unix_path) == -1 && errno != ENOENT)
		log_warn("unlink %s", unix_path);
	log_info("stopped");
	config_release(&cfg);
	return rc;
}
