/* atspace: ISC licence, see README.md. */
/*
 * The supervisor. It forks cfg->workers workers on the listening
 * socket main.c opened, gives each a slot, replaces any that dies, and
 * on SIGTERM or SIGINT stops them all. It never touches a request or
 * the database; workers open their own state after fork (worker.c).
 *
 * Signal handlers only set flags. The signals stay blocked except
 * inside ppoll(), which unblocks them and sleeps in one step, so a
 * signal cannot slip in between testing a flag and going to sleep.
 *
 * Respawn backoff, per slot: a worker that dies within POOL_QUICK_MS
 * of its start doubles the slot's delay (POOL_DELAY_MIN_MS, capped at
 * POOL_DELAY_MAX_MS) before the next start; one that lived longer than
 * POOL_STEADY_MS resets it to nothing. A worker that cannot start (bad
 * database path, say) therefore costs a start every ten seconds, not
 * a spinning CPU and a flooded log.
 *
 * Stopping: TERM goes to every worker, and again each second in case
 * one was lost (a worker still starting, say), then KILL after
 * POOL_GRACE_MS, so a worker stuck in a request cannot hold up the
 * stop forever.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "worker.h"

#define POOL_DELAY_MIN_MS	100
#define POOL_DELAY_MAX_MS	10000
#define POOL_QUICK_MS		1000
#define POOL_STEADY_MS		10000
#define POOL_RESEND_MS		1000
#define POOL_GRACE_MS		30000

struct pool_slot {
	pid_t		 pid;		/* 0 when empty */
	long long	 started;	/* ms, monotonic */
	long long	 respawn;	/* ms: earliest next start */
	long long	 delay;		/* ms: current backoff */
};

static volatile sig_atomic_t	 pool_got_chld;
static volatile sig_atomic_t	 pool_got_term;
static volatile sig_atomic_t	 pool_got_hup;

static void
pool_on_signal(int sig)
{
	if (sig == SIGCHLD)
		pool_got_chld = 1;
	else if (sig == SIGHUP)
		pool_got_hup = 1;
	else
		pool_got_term = 1;
}

static long long
pool_now(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Installs the flag handlers and blocks their signals; *wait gets the
 * mask for ppoll and *orig the mask to give workers.
 */
static void
pool_signals(sigset_t *wait, sigset_t *orig)
{
	struct sigaction	 sa;
	sigset_t		 set;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = pool_on_signal;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, orig);
	*wait = *orig;
	sigdelset(wait, SIGCHLD);
	sigdelset(wait, SIGTERM);
	sigdelset(wait, SIGINT);
	sigdelset(wait, SIGHUP);
}

/*
 * Forks the worker for slot i. The child never returns. On fork
 * failure the slot is retried after the maximum delay.
 */
static void
pool_spawn(const struct config *cfg, int listen_fd, struct pool_slot *s,
    int i, const sigset_t *orig)
{
	sigset_t	 mask;
	pid_t		 master = getpid(), pid;

	if ((pid = fork()) == -1) {
		log_warn("fork for worker slot=%d", i);
		s->respawn = pool_now() + POOL_DELAY_MAX_MS;
		return;
	}
	if (pid == 0) {
		/*
		 * TERM and INT stay blocked until worker.c has its own
		 * handlers; one sent now waits for the worker's first
		 * idle moment.
		 */
		mask = *orig;
		sigaddset(&mask, SIGTERM);
		sigaddset(&mask, SIGINT);
		sigprocmask(SIG_SETMASK, &mask, NULL);
		/* Do not outlive a supervisor killed with SIGKILL. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
			log_warn("prctl");
		if (getppid() != master)
			exit(0);
		worker_run(cfg, listen_fd, i);
	}
	s->pid = pid;
	s->started = pool_now();
	log_info("worker started slot=%d worker=%ld", i, (long)pid);
}

/*
 * Logs how a worker ended and sets when its slot may start again.
 * stopping: the exit was asked for, so a clean one is not news.
 */
static void
pool_ended(struct pool_slot *s, int i, int status, int stopping)
{
	long long	 now = pool_now(), lived = now - s->started;
	long		 pid = (long)s->pid;

	if (lived < POOL_QUICK_MS)
		s->delay = s->delay == 0 ? POOL_DELAY_MIN_MS :
		    s->delay * 2 > POOL_DELAY_MAX_MS ? POOL_DELAY_MAX_MS :
		    s->delay * 2;
	else if (lived > POOL_STEADY_MS)
		s->delay = 0;
	s->pid = 0;
	s->respawn = now + s->delay;

	if (!stopping)
		metrics_worker_restart();
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && stopping)
		log_info("worker exited slot=%d worker=%ld", i, pid);
	else if (WIFEXITED(status))
		log_error("worker exited slot=%d worker=%ld status=%d "
		    "lived_ms=%lld respawn_ms=%lld", i, pid,
		    WEXITSTATUS(status), lived, stopping ? -1 : s->delay);
	else if (WIFSIGNALED(status))
		log_error("worker killed slot=%d worker=%ld signal=%d%s "
		    "lived_ms=%lld respawn_ms=%lld", i, pid, WTERMSIG(status),
		    WCOREDUMP(status) ? " core=yes" : "", lived,
		    stopping ? -1 : s->delay);
}

static int
pool_live(const struct pool_slot *slots, int n)
{
	int	 i, live = 0;

	for (i = 0; i < n; i++)
		if (slots[i].pid != 0)
			live++;
	return live;
}

/* Reaps every exited child. */
static void
pool_reap(struct pool_slot *slots, int n, int stopping)
{
	pid_t	 pid;
	int	 status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < n; i++)
			if (slots[i].pid == pid) {
				pool_ended(&slots[i], i, status, stopping);
				break;
			}
	}
}

static void
pool_signal_all(struct pool_slot *slots, int n, int sig)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (slots[i].pid != 0 && kill(slots[i].pid, sig) == -1 &&
		    errno != ESRCH)
			log_warn("kill worker=%ld", (long)slots[i].pid);
}

/*
 * Starts the slots that are due and returns the time until the next
 * one is, in ms, or -1 when none is waiting.
 */
static long long
pool_fill(const struct config *cfg, int listen_fd, struct pool_slot *slots,
    int n, const sigset_t *orig)
{
	long long	 now = pool_now(), next = -1, wait;
	int		 i;

	for (i = 0; i < n; i++) {
		if (slots[i].pid != 0)
			continue;
		if (slots[i].respawn <= now)
			pool_spawn(cfg, listen_fd, &slots[i], i, orig);
		if (slots[i].pid == 0) {
			wait = slots[i].respawn - now;
			if (next == -1 || wait < next)
				next = wait < 0 ? 0 : wait;
		}
	}
	return next;
}

int
pool_run(const struct config *cfg, int listen_fd)
{
	struct pool_slot	*slots;
	struct timespec		 ts;
	sigset_t		 wait, orig;
	long long		 next, stop_at = 0, sent_at = 0, now;
	int			 i, n = cfg->workers, live, stopping = 0;
	int			 killed = 0;

	if ((slots = calloc((size_t)n, sizeof(*slots))) == NULL)
		fatal("pool_run: calloc");
	/* Before the first fork, so every worker shares the counters. */
	if (metrics_init() == -1)
		fatal("pool_run: metrics_init");
	pool_signals(&wait, &orig);
	for (i = 0; i < n; i++)
		slots[i].respawn = pool_now();

	for (;;) {
		if (pool_got_chld) {
			pool_got_chld = 0;
			pool_reap(slots, n, stopping);
		}
		if (pool_got_hup) {
			pool_got_hup = 0;
			log_info("ignoring SIGHUP: restart to reload");
		}
		live = pool_live(slots, n);
		now = pool_now();
		if (pool_got_term && !stopping) {
			stopping = 1;
			stop_at = sent_at = now;
			log_info("stopping workers=%d", live);
			pool_signal_all(slots, n, SIGTERM);
			/*
			 * With the workers' copies closed too, the socket
			 * goes: new connections are refused at once rather
			 * than queued and reset when we exit.
			 */
			close(listen_fd);
		}
		if (stopping) {
			if (live == 0)
				break;
			if (!killed && now - stop_at >= POOL_GRACE_MS) {
				log_error("workers did not stop in %d ms: "
				    "killing", POOL_GRACE_MS);
				pool_signal_all(slots, n, SIGKILL);
				killed = 1;
			} else if (now - sent_at >= POOL_RESEND_MS) {
				pool_signal_all(slots, n, SIGTERM);
				sent_at = now;
			}
			next = POOL_RESEND_MS;
		} else {
			next = pool_fill(cfg, listen_fd, slots, n, &orig);
		}
		ts.tv_sec = next / 1000;
		ts.tv_nsec = (next % 1000) * 1000000;
		if (ppoll(NULL, 0, next == -1 ? NULL : &ts, &wait) == -1 &&
		    errno != EINTR)
			fatal("pool_run: ppoll");
	}
	free(slots);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	log_info("all workers stopped");
	return 0;
}
