/* follow: a job's output and result, followed from the store (see follow.h). */
#include "follow.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "req.h"
#include "routes.h"
#include "util.h"

/* Chunks read from the store per look at one follower; more: it looks
 * again at once. */
#define LOOK_CHUNKS 64
/* Every follower is looked at this often, woken or not (a wake missed, a
 * keep-alive due, a client gone). */
#define SWEEP_MS 1000
/* Woken ids kept between two rounds; beyond, the next round looks at all. */
#define MAX_WOKEN 1024
/* A follow lasts this long at most: a job ends well before (its deadline,
 * then reconciliation's "lost"). */
#define FOLLOW_MAX_MS (24LL * 3600 * 1000)

/* One follower: a->follows holds it by job id. */
struct follower {
    struct sse *x;        /* a reference */
    char account[40];     /* whose job (store_job_get checks it again) */
};

struct follow {
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    char (*woken)[37];    /* ids to look at now */
    size_t nwoken;
    int all;              /* look at every follower */
};

static void follower_free(struct follower *f)
{
    sse_unref(f->x);
    free(f);
}

void follow_wake(struct api *a, const char *id)
{
    struct follow *w = a->follow;

    if (!w || !a->follows || pending_count(a->follows) == 0)
        return;
    pthread_mutex_lock(&w->mu);
    if (!id || w->nwoken == MAX_WOKEN)
        w->all = 1;
    else
        snprintf(w->woken[w->nwoken++], 37, "%s", id);   /* a notice's payload: any length */
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mu);
}

/* The followers listed at the start of a round. Only the follow thread
 * takes entries out of a->follows (and follow_stop, once it has stopped),
 * so the pointers stay good through the round. */
struct round {
    struct follower **f;
    size_t n, cap;
};

static void collect(void *data, void *arg)
{
    struct round *r = arg;

    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        struct follower **more = realloc(r->f, cap * sizeof(*more));
        if (!more)
            return;   /* out of memory: the next sweep looks at it */
        r->f = more;
        r->cap = cap;
    }
    r->f[r->n++] = data;
}

static void chunk(const struct job_output *o, void *arg)
{
    sse_chunk(arg, o);
}

/* Looks at f's job: ends its stream with the result when the job has
 * ended, else sends the output stored past what the client has. Returns
 * 1 when f is done with (ended, or its client gone), 2 when more output
 * waits in the store, else 0. */
static int look(struct api *a, struct follower *f)
{
    const char *id = sse_id(f->x);
    struct store_job j;
    size_t pos[2];
    long n;
    int rc;

    if (sse_gone(f->x))
        return 1;
    rc = store_job_get(a->store, id, f->account, &j);
    if (rc == 1) {
        /* Deleted meanwhile (retention): nothing more will come. */
        sse_end(f->x, MHD_HTTP_NOT_FOUND, req_job_error_body("not_found", "no such job for this key", id));
        return 1;
    }
    if (rc < 0)
        return 0;   /* the store is away: the next sweep tries again */
    if (strcmp(j.status, "completed") == 0) {
        sse_result_stored(f->x, j.result ? j.result : "{}");
        store_job_release(&j);
        return 1;
    }
    store_job_release(&j);
    sse_pos(f->x, pos);
    n = store_output_since(a->store, id, pos, LOOK_CHUNKS, chunk, f->x);
    return n == LOOK_CHUNKS ? 2 : 0;
}

static int in_woken(char (*ids)[37], size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0)
            return 1;
    return 0;
}

static void end_overdue(void *data, void *arg)
{
    struct follower *f = data;

    (void)arg;
    sse_end(f->x, MHD_HTTP_GATEWAY_TIMEOUT,
            req_job_error_body("no_result", "the job has not ended in a day; GET /v1/jobs/{job_id} says where it is",
                               sse_id(f->x)));
    follower_free(f);
}

static void *follow_main(void *arg)
{
    struct api *a = arg;
    struct follow *w = a->follow;
    char (*ids)[37] = malloc(MAX_WOKEN * sizeof(*ids));
    int64_t next_sweep = util_mono_ms() + SWEEP_MS;
    struct round r = {0};

    if (!ids) {
        log_msg(LOG_ERR, "follow thread: out of memory");
        return NULL;
    }
    while (!atomic_load(&a->stopping)) {
        size_t nids;
        int all, again = 0;
        int64_t now = util_mono_ms();

        pthread_mutex_lock(&w->mu);
        if (!w->nwoken && !w->all && now < next_sweep) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += (long)(next_sweep - now) * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&w->cond, &w->mu, &ts);
        }
        nids = w->nwoken;
        memcpy(ids, w->woken, nids * sizeof(*ids));
        all = w->all;
        w->nwoken = 0;
        w->all = 0;
        pthread_mutex_unlock(&w->mu);

        now = util_mono_ms();
        if (now >= next_sweep) {
            all = 1;
            next_sweep = now + SWEEP_MS;
            pending_expire(a->follows, now, end_overdue, NULL);
        }
        if (!all && nids == 0)
            continue;
        r.n = 0;
        pending_each(a->follows, collect, &r);
        for (size_t i = 0; i < r.n; i++) {
            struct follower *f = r.f[i];
            int rc;
            if (!all && !in_woken(ids, nids, sse_id(f->x)))
                continue;
            rc = look(a, f);
            if (rc == 1 && pending_remove(a->follows, sse_id(f->x), f))
                follower_free(f);
            else if (rc == 2)
                again = 1;
            else if (all)
                sse_keepalive(f->x, now, a->cfg->stream_keepalive_s * 1000);
        }
        if (again)
            follow_wake(a, NULL);
    }
    free(r.f);
    free(ids);
    return NULL;
}

void follow_job(struct api *a, struct api_req *r)
{
    const char *last = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Last-Event-ID");
    size_t pos[2] = {0, 0};
    struct store_job j;
    struct follower *f;
    int rc, completed;

    if (last && last[0]) {
        unsigned long long p0, p1;
        int used = 0;
        if (sscanf(last, "%llu.%llu%n", &p0, &p1, &used) != 2 || last[used] || last[0] < '0' || last[0] > '9' ||
            p0 > (1ULL << 40) || p1 > (1ULL << 40)) {
            req_error(r, 400, "invalid_request",
                      "Last-Event-ID must be an event's id: \"<stdout bytes>.<stderr bytes>\", as in \"120.0\"");
            return;
        }
        pos[0] = (size_t)p0;
        pos[1] = (size_t)p1;
    }
    rc = store_job_get(a->store, r->path_id, r->account, &j);
    if (rc != 0) {
        if (rc == 1)
            req_error(r, 404, "not_found", "no such job for this key");
        else
            req_store_down(r);
        return;
    }
    memcpy(r->job_id, r->path_id, sizeof(r->job_id));   /* X-Job-Id */
    completed = strcmp(j.status, "completed") == 0;
    if (!completed) {
        /* Counted with the account's waiting GETs until the stream ends
         * (api.c api_completed): one account cannot hold every connection. */
        char msg[200];
        snprintf(msg, sizeof(msg), "this account already has %ld GETs waiting or following (the most one "
                 "account may have); retry later", a->cfg->account_max_waits);
        if (submit_count_waiting(a, r, 1, msg))
            goto out;
    }
    r->sse = sse_new(r->path_id, (size_t)a->cfg->stream_buffer_kb * 1024, r->conn);
    if (!r->sse) {
        req_error(r, 500, "internal", "out of memory");
        goto out;
    }
    sse_start_at(r->sse, pos);
    if (completed) {
        sse_result_stored(r->sse, j.result ? j.result : "{}");
    } else if (atomic_load(&a->stopping) || !(f = calloc(1, sizeof(*f)))) {
        sse_unref(r->sse);
        r->sse = NULL;
        req_error(r, 503, "overloaded", "the API cannot follow more jobs now; try again shortly");
        goto out;
    } else {
        f->x = sse_ref(r->sse);
        snprintf(f->account, sizeof(f->account), "%s", r->account);
        if (pending_add(a->follows, r->path_id, f, util_mono_ms() + FOLLOW_MAX_MS) < 0) {
            follower_free(f);
            sse_unref(r->sse);
            r->sse = NULL;
            req_error(r, 503, "overloaded", "too many calls are waiting; try again shortly");
            goto out;
        }
        follow_wake(a, r->path_id);   /* the output so far, at once */
    }
    req_set(r, 200, NULL);
out:
    store_job_release(&j);
}

static double follows_open(void *arg)
{
    return (double)pending_count(((struct api *)arg)->follows);
}

void follow_metrics(struct api *a)
{
    metrics_gauge_fn("execq_follows_open", "Streams following a job (GET /v1/jobs/{id}/events).", NULL, follows_open,
                     a);
}

int follow_start(struct api *a, char *errstr, size_t errstr_size)
{
    struct follow *w = calloc(1, sizeof(*w));

    a->follows = pending_new((size_t)a->cfg->max_pending, 0);
    if (!w || !a->follows || !(w->woken = malloc(MAX_WOKEN * sizeof(*w->woken)))) {
        free(w);
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cond, NULL);
    a->follow = w;
    if (pthread_create(&w->thread, NULL, follow_main, a) != 0) {
        snprintf(errstr, errstr_size, "cannot start the follow thread");
        return -1;
    }
    w->started = 1;
    return 0;
}

static void end_stopping(void *data, void *arg)
{
    struct follower *f = data;

    (void)arg;
    sse_end(f->x, MHD_HTTP_SERVICE_UNAVAILABLE,
            req_job_error_body("shutting_down", "the API is stopping; follow the job again on another: "
                               "GET /v1/jobs/{job_id}/events with Last-Event-ID", sse_id(f->x)));
    follower_free(f);
}

size_t follow_stop(struct api *a)
{
    struct follow *w = a->follow;

    if (w && w->started) {
        atomic_store(&a->stopping, 1);
        pthread_mutex_lock(&w->mu);
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
        w->started = 0;
    }
    return a->follows ? pending_expire(a->follows, INT64_MAX, end_stopping, NULL) : 0;
}

void follow_free(struct api *a)
{
    struct follow *w = a->follow;

    pending_free(a->follows);
    a->follows = NULL;
    if (w) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cond);
        free(w->woken);
        free(w);
    }
    a->follow = NULL;
}
