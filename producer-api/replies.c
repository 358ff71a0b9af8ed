/* replies: results topic -> waiting HTTP calls (see replies.h). Late or
 * duplicate results find no pending entry and are dropped; a sync call whose
 * result does not come by timeout + grace is answered 504 by the sweep. */
#include "replies.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "job.h"
#include "kq.h"
#include "log.h"
#include "produce.h"
#include "req.h"
#include "results.h"
#include "routes.h"
#include "util.h"

/* A reply partition lease lasts this long; the health thread renews it
 * every REPLY_RENEW_MS. An API that died frees its partition then (one
 * restarted under the same name takes its own back at once). */
#define REPLY_LEASE_MS 30000
#define REPLY_RENEW_MS 5000

/* Answers a waiting sync call taken from a->pending (r) or a streamed one
 * taken from a->streams (x, whose table reference goes with it). Takes body. */
static void answer(struct api_req *r, struct sse *x, unsigned status, char *body)
{
    if (x) {
        sse_end(x, status, body);
        sse_unref(x);
    } else {
        req_finish(r, status, body);
    }
}

/* Delivery report of a job message: on success the store notes it (no
 * republishing after a restart); on failure its caller is answered now. */
static void job_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct api *a = opaque;
    char id[37], msg[200];
    struct api_req *r;
    struct sse *x;

    (void)rk;
    if (m->key_len != 36)
        return;
    memcpy(id, m->key, 36);
    id[36] = '\0';
    if (strcmp(rd_kafka_topic_name(m->rkt), a->cfg->control_topic) == 0) {
        /* A cancel notice (produce_cancel), not a job. */
        if (m->err)
            log_msg(LOG_ERR, "job=%s cancel notice not delivered: %s", id, rd_kafka_err2str(m->err));
        return;
    }
    if (!m->err) {
        kq_note_up();
        results_note_produced(a, id);
        return;
    }
    log_msg(LOG_WARNING, "job=%s not delivered to Kafka: %s", id, rd_kafka_err2str(m->err));
    r = pending_take(a->pending, id);
    x = r ? NULL : pending_take(a->streams, id);
    if (!r && !x)
        return;   /* async: still stored as not produced, results.c sends it again */
    if (rd_kafka_message_status(m) == RD_KAFKA_MSG_STATUS_NOT_PERSISTED) {
        /* Never written: it can never run. Fail and refund it in the store
         * first, so it is never sent again, then tell the caller. */
        submit_fail_unqueued(a, id, rd_kafka_err2str(m->err));
        snprintf(msg, sizeof(msg), "could not queue the job: %s (not charged)", rd_kafka_err2str(m->err));
        answer(r, x, MHD_HTTP_SERVICE_UNAVAILABLE, req_job_error_body("queue_unavailable", msg, id));
        return;
    }
    /* Possibly written: it may still run. Say so; the store decides. */
    snprintf(msg, sizeof(msg), "Kafka did not confirm the job (%s); it may still run: see GET /v1/jobs/%s",
             rd_kafka_err2str(m->err), id);
    answer(r, x, MHD_HTTP_GATEWAY_TIMEOUT, req_job_error_body("unconfirmed", msg, id));
}

#define NO_RESULT "no executor returned a result within the timeout plus grace; if the job never runs it is " \
                  "refunded (see GET /v1/jobs/{job_id})"

static void finish_timeout(void *data, void *arg)
{
    struct api_req *r = data;
    (void)arg;
    req_finish(r, MHD_HTTP_GATEWAY_TIMEOUT, req_job_error_body("no_result", NO_RESULT, r->job_id));
}

static void end_timeout(void *data, void *arg)
{
    struct sse *x = data;
    (void)arg;
    answer(NULL, x, MHD_HTTP_GATEWAY_TIMEOUT, req_job_error_body("no_result", NO_RESULT, sse_id(x)));
}

static void keepalive(void *data, void *arg)
{
    const struct api *a = arg;
    sse_keepalive(data, util_mono_ms(), a->cfg->stream_keepalive_s * 1000);
}

/* Callers gone while their sync call waits, that asked for their job to be
 * cancelled then (cancel_on_disconnect): found by polling their sockets
 * (libmicrohttpd does not watch a suspended connection), a few per round. */
struct gone {
    char ids[32][37];
    int n;
};

static void find_gone_call(void *data, void *arg)
{
    struct api_req *r = data;   /* suspended: it lives while listed */
    struct gone *g = arg;

    if (g->n < 32 && r->cancel_on_disconnect && req_conn_gone(r->conn))
        snprintf(g->ids[g->n++], 37, "%s", r->job_id);
}

static void find_gone_stream(void *data, void *arg)
{
    struct gone *g = arg;

    if (g->n < 32 && sse_peer_gone(data))
        snprintf(g->ids[g->n++], 37, "%s", sse_id(data));
}

#define GONE_NOTE "the caller went away before the result, and asked for its job to be cancelled then"

static void cancel_gone(struct api *a)
{
    struct gone g = {.n = 0};

    pending_each(a->pending, find_gone_call, &g);
    for (int i = 0; i < g.n; i++) {
        struct api_req *r = pending_take(a->pending, g.ids[i]);
        if (!r)
            continue;   /* answered meanwhile */
        replies_cancel_job(a, g.ids[i]);
        req_finish(r, MHD_HTTP_CONFLICT, req_job_error_body("cancelled", GONE_NOTE, g.ids[i]));
    }
    g.n = 0;
    pending_each(a->streams, find_gone_stream, &g);
    for (int i = 0; i < g.n; i++) {
        struct sse *x = pending_take(a->streams, g.ids[i]);
        if (!x)
            continue;
        replies_cancel_job(a, g.ids[i]);
        answer(NULL, x, MHD_HTTP_CONFLICT, req_job_error_body("cancelled", GONE_NOTE, g.ids[i]));
    }
}

void replies_cancel_job(struct api *a, const char *id)
{
    /* A sync job's deadline is at most this far off. */
    int64_t until = util_wall_ms() + a->cfg->max_timeout_ms + a->cfg->sync_grace_ms + 60000;
    rd_kafka_resp_err_t err = produce_cancel(a, id, until);

    if (err)
        log_msg(LOG_ERR, "job=%s caller gone: its cancel could not be published: %s", id, rd_kafka_err2str(err));
    else
        log_msg(LOG_INFO, "job=%s caller gone: cancelled", id);
}

/* One chunk for a stream (pending_find's callback: the table is locked). */
static void put_chunk(void *data, void *arg)
{
    sse_chunk(data, arg);
}

/* One message from the output topic: a chunk of a streamed job's output. */
static void on_output(struct api *a, const rd_kafka_message_t *m)
{
    struct job_output o;
    char errstr[200];

    if (job_output_from_json(&o, m->payload, m->len, errstr, sizeof(errstr)) < 0) {
        log_msg(LOG_WARNING, "bad output chunk at %s[%d]@%lld: %s", rd_kafka_topic_name(m->rkt), m->partition,
                (long long)m->offset, errstr);
        return;
    }
    if (!pending_find(a->streams, o.id, put_chunk, &o))
        log_msg(LOG_DEBUG, "job=%s output chunk not awaited here (stream closed or another API's)", o.id);
    job_output_release(&o);
}

/* One message from the results topic. */
static void on_result(struct api *a, const rd_kafka_message_t *m)
{
    char id[37], errstr[320];
    struct api_req *r;
    struct sse *x;
    struct result res;

    char type[16] = "result";

    kq_header(m, KQ_H_MSGTYPE, type, sizeof(type));
    if (m->key_len != 36 || strcmp(type, "result") != 0)
        return;   /* started events are for results.c */
    memcpy(id, m->key, 36);
    id[36] = '\0';
    r = pending_take(a->pending, id);
    x = r ? NULL : pending_take(a->streams, id);
    if (!r && !x) {
        log_msg(LOG_DEBUG, "job=%s result not awaited here (late, duplicate or another API's)", id);
        return;
    }
    if (result_from_json(&res, m->payload, m->len, errstr, sizeof(errstr)) < 0) {
        log_msg(LOG_ERR, "job=%s bad result message: %s", id, errstr);
        answer(r, x, MHD_HTTP_BAD_GATEWAY, req_error_body("bad_result", errstr));
        return;
    }
    if (x) {
        sse_result(x, &res);   /* the output not streamed yet, then the result */
        sse_unref(x);
    } else if (r->session_create) {
        /* A session made (or not): the one answer on this thread that
         * writes the store, so that its first exec finds where it lives. */
        sessions_created(a, r, &res);
    } else {
        unsigned status;
        char *body = req_result_body(&res, &status);
        req_finish(r, status, body);
    }
    result_release(&res);
}

/* A GET's wait ran out: resume it; it answers with what there is. */
static void wake_waiter(void *data, void *arg)
{
    (void)arg;
    req_resume(data);
}

static void *reply_main(void *arg)
{
    struct api *a = arg;
    int64_t next_sweep = 0, next_keepalive = 0;

    while (!atomic_load(&a->stopping)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(a->replies, 20);
        if (m) {
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && strcmp(rd_kafka_topic_name(m->rkt), a->cfg->output_topic) == 0)
                on_output(a, m);
            else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
                on_result(a, m);
            else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                log_msg(LOG_WARNING, "results consumer: %s", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
        }
        rd_kafka_poll(a->producer, 0);   /* delivery reports */
        if (util_mono_ms() >= next_sweep) {
            pending_expire(a->pending, util_mono_ms(), finish_timeout, NULL);
            pending_expire(a->waiters, util_mono_ms(), wake_waiter, NULL);
            pending_expire(a->streams, util_mono_ms(), end_timeout, NULL);
            next_sweep = util_mono_ms() + 50;
        }
        if (util_mono_ms() >= next_keepalive) {
            pending_each(a->streams, keepalive, a);
            cancel_gone(a);
            next_keepalive = util_mono_ms() + 500;
        }
    }
    return NULL;
}

static void *health_main(void *arg)
{
    struct api *a = arg;
    int failed_rounds = 0;
    int64_t next_renew = util_mono_ms() + REPLY_RENEW_MS;

    while (!atomic_load(&a->stopping)) {
        /* Up to three metadata requests, each to a broker librdkafka
         * picks among those it has up: one broker of a cluster dying under
         * a request (it timed out, or its connection just dropped) is not
         * the cluster down. And two such rounds in a row: while a dead
         * broker's partitions move, the others can be slow to answer for
         * a moment (the cluster test saw every sync call refused for 1 s).
         * One broker alone: down after ~4 s. */
        /* The same answer says how many partitions each lane has (they can
         * be added while we run): produce_job spreads jobs over them. */
        const char *topics[2] = {a->cfg->jobs_topic, a->cfg->batch_topic};
        int parts[2] = {0, 0}, ok = 0;
        for (int t = 0; t < 3 && !ok && !atomic_load(&a->stopping); t++)
            ok = kq_ping(a->producer, 700, topics, parts, 2) == 0;
        failed_rounds = ok ? 0 : failed_rounds + 1;
        ok = failed_rounds < 2;
        /* Every connection lost is logged by kq.c when it happens (and
         * produce_kafka_up says down from that moment): only the slow case,
         * two failed rounds, is said here. */
        if (ok != atomic_load(&a->kafka_ok) && (ok || !kq_all_brokers_down_since()))
            log_msg(ok ? LOG_INFO : LOG_WARNING, "kafka %s", ok ? "reachable" : "unreachable");
        if ((parts[0] > 0 && parts[0] != atomic_load(&a->jobs_partitions)) ||
            (parts[1] > 0 && parts[1] != atomic_load(&a->batch_partitions)))
            log_msg(LOG_INFO, "jobs spread round robin over %d partition(s) of %s and %d of %s", parts[0], topics[0],
                    parts[1], topics[1]);
        if (parts[0] > 0)
            atomic_store(&a->jobs_partitions, parts[0]);
        if (parts[1] > 0)
            atomic_store(&a->batch_partitions, parts[1]);
        atomic_store(&a->kafka_ok, ok);
        if (a->reply_owner[0] && util_mono_ms() >= next_renew) {
            /* Lost (the store was away past the lease, and another API
             * took it): replies still arrive, both APIs read them and each
             * takes its own; say so. */
            if (store_reply_renew(a->store, a->reply_owner, a->reply_partition, util_wall_ms(),
                                  util_wall_ms() + REPLY_LEASE_MS) == 0)
                log_msg(LOG_WARNING, "reply partition %d is leased to another API now: both read its replies",
                        a->reply_partition);
            next_renew = util_mono_ms() + REPLY_RENEW_MS;
        }
        for (int i = 0; i < 20 && !atomic_load(&a->stopping); i++)
            usleep(50000);
    }
    return NULL;
}

/* Sets a->reply_partition: the configured one, or one claimed in the
 * store. Returns 0, or -1 with the reason in errstr. */
static int reply_partition(struct api *a, char *errstr, size_t errstr_size)
{
    const struct cfg *c = a->cfg;
    char host[256] = "localhost";
    int n;

    if ((n = kq_partition_count(a->producer, c->results_topic, 10000, errstr, errstr_size)) < 0)
        return -1;
    gethostname(host, sizeof(host) - 1);
    /* The same name after a restart: the API takes its own lease back. */
    snprintf(a->reply_owner, sizeof(a->reply_owner), "%s %s:%ld", host, c->listen_addr, c->port);
    if (c->reply_partition >= 0) {
        /* Configured: leased too, so APIs that claim one keep off it. */
        a->reply_partition = (int)c->reply_partition;
        if (store_reply_claim(a->store, a->reply_owner, n, a->reply_partition, util_wall_ms(),
                              util_wall_ms() + REPLY_LEASE_MS) < 0) {
            log_msg(LOG_WARNING, "reply partition %d is leased to another API: both read its replies",
                    a->reply_partition);
            a->reply_owner[0] = '\0';   /* not ours to renew or release */
        }
        return 0;
    }
    a->reply_partition = store_reply_claim(a->store, a->reply_owner, n, -1, util_wall_ms(),
                                           util_wall_ms() + REPLY_LEASE_MS);
    if (a->reply_partition < 0) {
        snprintf(errstr, errstr_size, "no free reply partition: all %d of %s are leased to running APIs (add "
                 "partitions, or set --reply-partition)", n, c->results_topic);
        a->reply_owner[0] = '\0';
        return -1;
    }
    log_msg(LOG_INFO, "sync replies on partition %d of %s (leased as \"%s\")", a->reply_partition, c->results_topic,
            a->reply_owner);
    return 0;
}

int replies_start(struct api *a, char *errstr, size_t errstr_size)
{
    const struct cfg *c = a->cfg;

    /* A job Kafka has not confirmed within the sync grace is reported to
     * its caller while the call still waits (job_dr), never after. */
    kq_set_outage_note("submissions get an uncharged 503 until a broker answers; jobs already queued wait in Kafka");
    a->producer = kq_producer_new(c, job_dr, a, c->sync_grace_ms, errstr, errstr_size);
    if (!a->producer)
        return -1;
    a->replies = kq_consumer_new(c, NULL, NULL, NULL, NULL, 0, errstr, errstr_size);
    if (!a->replies)
        return -1;
    if (kq_ensure_topics(a->producer, c, 10000, errstr, errstr_size) < 0 || reply_partition(a, errstr, errstr_size) < 0)
        return -1;
    /* Retry briefly: a just-created topic may not have leaders yet. */
    for (int tries = 0;; tries++) {
        /* The results and the output of this API's sync calls, both on
         * its reply partition. */
        const char *const topics[2] = {c->results_topic, c->output_topic};
        if (kq_assign_at_end(a->replies, topics, 2, (int32_t)a->reply_partition, 5000, errstr, errstr_size) == 0)
            break;
        if (tries == 20)
            return -1;
        usleep(250000);
    }
    atomic_store(&a->reply_ready, 1);
    atomic_store(&a->kafka_ok, 1);
    if (pthread_create(&a->reply_thread, NULL, reply_main, a) != 0 ||
        pthread_create(&a->health_thread, NULL, health_main, a) != 0) {
        snprintf(errstr, errstr_size, "cannot start threads");
        return -1;
    }
    return 0;
}

void replies_stop(struct api *a)
{
    atomic_store(&a->stopping, 1);
    if (a->reply_thread)
        pthread_join(a->reply_thread, NULL);
    if (a->health_thread)
        pthread_join(a->health_thread, NULL);
    if (a->reply_owner[0] && a->store)
        store_reply_release(a->store, a->reply_owner, a->reply_partition);   /* free for the next API at once */
    if (a->producer) {
        rd_kafka_flush(a->producer, 5000);
        rd_kafka_destroy(a->producer);
    }
    if (a->replies) {
        rd_kafka_consumer_close(a->replies);
        rd_kafka_destroy(a->replies);
    }
    a->producer = a->replies = NULL;
}
