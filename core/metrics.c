/* atspace: ISC licence, see README.md. */
/*
 * The shared counters behind /xrpc/_metrics. The supervisor maps one
 * anonymous MAP_SHARED segment before it forks, so every worker, and
 * every replacement worker, adds into the same memory and a scrape of
 * any worker sees the sum. Adds are __atomic builtins; nothing locks.
 *
 * Requests are counted per (NSID, status) series in a small open
 * addressing table. The NSID is the routed one, from the method table,
 * so the series are bounded by methods times statuses and a client
 * cannot grow them by inventing paths (those count as nsid "-"). A
 * slot is claimed by moving its state from free to busy with a
 * compare-and-swap, filled, then published as ready; readers skip
 * slots that are not ready. Should the table ever fill, requests are
 * counted in atspace_metrics_dropped_total instead.
 */

#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"

#define METRICS_SERIES		256	/* (nsid, status) pairs */
#define METRICS_NSID_MAX	128	/* as xrpc_response.nsid */

enum metrics_state {
	METRICS_FREE,
	METRICS_CLAIMED,
	METRICS_READY
};

/* Upper bounds of the latency buckets, ms; +Inf is implied. */
static const double metrics_le[] = {
	1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};
#define METRICS_BUCKETS	(sizeof(metrics_le) / sizeof(metrics_le[0]))

struct metrics_series {
	uint32_t	 state;		/* enum metrics_state */
	int		 status;
	char		 nsid[METRICS_NSID_MAX];
	uint64_t	 count;
};

struct metrics_shm {
	int64_t			 started;	/* seconds since the epoch */
	uint64_t		 did_hit;
	uint64_t		 did_miss;
	uint64_t		 db_busy;
	uint64_t		 restarts;
	uint64_t		 dropped;
	uint64_t		 bucket[METRICS_BUCKETS + 1];	/* last: +Inf */
	uint64_t		 latency_us;	/* sum */
	uint64_t		 requests;
	struct metrics_series	 series[METRICS_SERIES];
};

static struct metrics_shm	*metrics_shm;

static void
metrics_add(uint64_t *p, uint64_t n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

static uint64_t
metrics_get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* FNV-1a over the NSID and the status. */
static size_t
metrics_hash(const char *nsid, int status)
{
	uint32_t	 h = 2166136261u;

	for (; *nsid != '\0'; nsid++)
		h = (h ^ (unsigned char)*nsid) * 16777619u;
	h = (h ^ (uint32_t)status) * 16777619u;
	return h % METRICS_SERIES;
}

/*
 * Finds or claims the series for (nsid, status); NULL when the table
 * is full. A slot another process is still filling is passed over: in
 * the worst case (that process died mid-claim) the pair gets a second
 * slot, which costs a duplicate line, not a wrong sum.
 */
static struct metrics_series *
metrics_series(const char *nsid, int status)
{
	struct metrics_series	*s;
	uint32_t		 st, want;
	size_t			 i, h = metrics_hash(nsid, status);

	for (i = 0; i < METRICS_SERIES; i++) {
		s = &metrics_shm->series[(h + i) % METRICS_SERIES];
		st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		if (st == METRICS_READY && s->status == status &&
		    strcmp(s->nsid, nsid) == 0)
			return s;
		if (st != METRICS_FREE)
			continue;
		want = METRICS_FREE;
		if (!__atomic_compare_exchange_n(&s->state, &want,
		    METRICS_CLAIMED, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			/* Lost the race: it may be ours after all. */
			i--;
			continue;
		}
		s->status = status;
		snprintf(s->nsid, sizeof(s->nsid), "%s", nsid);
		__atomic_store_n(&s->state, METRICS_READY, __ATOMIC_RELEASE);
		return s;
	}
	return NULL;
}

int
metrics_init(void)
{
	void	*p;

	if (metrics_shm != NULL)
		return 0;
	p = mmap(NULL, sizeof(*metrics_shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	/* Anonymous mappings start zeroed. */
	metrics_shm = p;
	metrics_shm->started = (int64_t)time(NULL);
	return 0;
}

void
metrics_request(const char *nsid, int status, double ms)
{
	struct metrics_series	*s;
	size_t			 b;

	if (metrics_shm == NULL)
		return;
	if (nsid == NULL || *nsid == '\0')
		nsid = "-";
	if ((s = metrics_series(nsid, status)) != NULL)
		metrics_add(&s->count, 1);
	else
		metrics_add(&metrics_shm->dropped, 1);
	for (b = 0; b < METRICS_BUCKETS && ms > metrics_le[b]; b++)
		continue;
	metrics_add(&metrics_shm->bucket[b], 1);
	metrics_add(&metrics_shm->latency_us, ms < 0 ? 0 :
	    (uint64_t)(ms * 1000.0));
	metrics_add(&metrics_shm->requests, 1);
}

void
metrics_did_cache(int hit)
{
	if (metrics_shm != NULL)
		metrics_add(hit ? &metrics_shm->did_hit :
		    &metrics_shm->did_miss, 1);
}

void
metrics_db_busy(void)
{
	if (metrics_shm != NULL)
		metrics_add(&metrics_shm->db_busy, 1);
}

void
metrics_worker_restart(void)
{
	if (metrics_shm != NULL)
		metrics_add(&metrics_shm->restarts, 1);
}

/* One counter with its HELP and TYPE lines. */
static void
metrics_counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help,
	    name, name, (unsigned long long)v);
}

/* The latency histogram; buckets are cumulative in the format. */
static void
metrics_histogram(FILE *f, const struct metrics_shm *m)
{
	const char	*name = "atspace_request_duration_seconds";
	uint64_t	 cum = 0;
	size_t		 b;

	fprintf(f, "# HELP %s Time from accept to response written.\n"
	    "# TYPE %s histogram\n", name, name);
	for (b = 0; b < METRICS_BUCKETS; b++) {
		cum += metrics_get(&m->bucket[b]);
		fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", name,
		    metrics_le[b] / 1000.0, (unsigned long long)cum);
	}
	cum += metrics_get(&m->bucket[METRICS_BUCKETS]);
	fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", name,
	    (unsigned long long)cum);
	fprintf(f, "%s_sum %.6f\n%s_count %llu\n", name,
	    (double)metrics_get(&m->latency_us) / 1e6, name,
	    (unsigned long long)metrics_get(&m->requests));
}

/*
 * The per-series request counts. NSIDs from the method table hold no
 * quote or backslash, but a label value must never break the format.
 */
static void
metrics_requests(FILE *f, const struct metrics_shm *m)
{
	const struct metrics_series	*s;
	const char			*p;
	size_t				 i;

	fprintf(f, "# HELP atspace_requests_total Requests answered, by "
	    "method and HTTP status.\n# TYPE atspace_requests_total "
	    "counter\n");
	for (i = 0; i < METRICS_SERIES; i++) {
		s = &m->series[i];
		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) !=
		    METRICS_READY)
			continue;
		fputs("atspace_requests_total{nsid=\"", f);
		for (p = s->nsid; *p != '\0'; p++)
			if (*p != '"' && *p != '\\' && *p != '\n')
				fputc(*p, f);
		fprintf(f, "\",status=\"%d\"} %llu\n", s->status,
		    (unsigned long long)metrics_get(&s->count));
	}
}

int
metrics_render(char **out, size_t *len)
{
	static struct metrics_shm	 empty;
	const struct metrics_shm	*m = metrics_shm;
	FILE				*f;

	*out = NULL;
	*len = 0;
	if (m == NULL)
		m = &empty;
	if ((f = open_memstream(out, len)) == NULL)
		return -1;
	metrics_requests(f, m);
	metrics_histogram(f, m);
	metrics_counter(f, "atspace_did_cache_hits_total",
	    "DID key lookups answered from the cache.",
	    metrics_get(&m->did_hit));
	metrics_counter(f, "atspace_did_cache_misses_total",
	    "DID key lookups that fetched the document.",
	    metrics_get(&m->did_miss));
	metrics_counter(f, "atspace_db_busy_total",
	    "Requests answered 503 because the database stayed locked.",
	    metrics_get(&m->db_busy));
	metrics_counter(f, "atspace_worker_restarts_total",
	    "Workers that died and were replaced.",
	    metrics_get(&m->restarts));
	metrics_counter(f, "atspace_metrics_dropped_total",
	    "Requests not counted by series: the series table was full.",
	    metrics_get(&m->dropped));
	fprintf(f, "# HELP atspace_start_time_seconds When the supervisor "
	    "started, seconds since the epoch.\n"
	    "# TYPE atspace_start_time_seconds gauge\n"
	    "atspace_start_time_seconds %lld\n", (long long)m->started);
	if (fclose(f) != 0 || *out == NULL) {
		free(*out);
		*out = NULL;
		*len = 0;
		return -1;
	}
	return 0;
}
