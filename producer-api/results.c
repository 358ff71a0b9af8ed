/* results: results topic -> store (see results.h); and the output topic's
 * chunks of async and batch jobs -> store, for GET /v1/jobs/{id}/events. At-least-once from the
 * topic's side (commit after store), exactly-once in the store: a second
 * copy of a result finds the job completed and changes nothing. */
#include "results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "follow.h"
#include "job.h"
#include "kq.h"
#include "log.h"
#include "metrics.h"
#include "produce.h"
#include "req.h"
#include "util.h"

#define REPUBLISH_EVERY_MS 30000

static void republish_one(const char *id, const char *kind, const char *json, void *arg)
{
    struct api *a = arg;
    char *copy = util_strdup(json);

    if (produce_job(a, id, kind, copy)) {
        free(copy);
        log_msg(LOG_WARNING, "job=%s still not accepted by Kafka; will retry", id);
    }
}

/* Hands Kafka every stored job accepted before before_ms that it has not
 * acknowledged. At-least-once: a job may reach executors twice; the store
 * keeps its first result. */
static void republish(struct api *a, int64_t before_ms)
{
    long n = store_unproduced(a->store, before_ms, republish_one, a);
    if (n > 0)
        log_msg(LOG_INFO, "republished %ld job(s) Kafka had not acknowledged", n);
}

/* Hands Kafka the held jobs of account (NULL: of every account) that its
 * limit now allows. */
static void release_held(struct api *a, const char *account)
{
    long n = store_release(a->store, account, &a->limits, republish_one, a);
    if (n > 0)
        log_msg(LOG_DEBUG, "released %ld held job(s)%s%s", n, account ? " of " : "", account ? account : "");
}

void results_note_produced(struct api *a, const char *id)
{
    pthread_mutex_lock(&a->produced_mu);
    if (a->nproduced == a->produced_cap) {
        size_t cap = a->produced_cap ? 2 * a->produced_cap : 256;
        char (*more)[37] = cap <= 1000000 ? realloc(a->produced, cap * sizeof(*more)) : NULL;
        if (more) {
            a->produced = more;
            a->produced_cap = cap;
        }
    }
    /* Full (the store away for long): the job stays marked unproduced and
     * is sent again after a period: at-least-once, the store keeps one result. */
    if (a->nproduced < a->produced_cap)
        memcpy(a->produced[a->nproduced++], id, 37);
    pthread_mutex_unlock(&a->produced_mu);
}

void results_flush_produced(struct api *a)
{
    char (*ids)[37];
    size_t n;

    pthread_mutex_lock(&a->produced_mu);
    ids = a->produced;
    n = a->nproduced;
    a->produced = NULL;
    a->nproduced = a->produced_cap = 0;
    pthread_mutex_unlock(&a->produced_mu);
    if (n == 0) {
        free(ids);
        return;
    }
    if (store_jobs_produced(a->store, ids, n) < 0)
        for (size_t i = 0; i < n; i++)
            results_note_produced(a, ids[i]);
    free(ids);
}

/* Stores one message. Returns 0 when it may be committed, -1 to retry. */
/* execq_jobs_total: each job once, when its outcome is stored. */
static void count_outcome_by(const char *outcome, double n)
{
    char labels[64];
    snprintf(labels, sizeof(labels), "outcome=\"%s\"", outcome);
    metrics_add(metrics_counter("execq_jobs_total", "Jobs whose outcome the API stored, by outcome.", labels), n);
}

void results_count_outcome(const char *outcome)
{
    count_outcome_by(outcome, 1);
}

/* Results are stored in batches: what the consumer has at hand, up to
 * this many, in one store transaction (on a shared store, one round trip
 * per ordinary result plus one commit: a store across a network keeps up
 * with a backlog). */
#define STORE_BATCH 64

/* One result message, decoded for the store. */
struct pending_result {
    struct store_outcome o;
    char id[37], kind[16];
    char *body;              /* the HTTP result object (malloc'd) */
    const char *outcome;     /* for execq_jobs_total */
    /* A session's create or exec: what the store's sessions row learns. */
    char session_id[37], session_executor[160];
    int session_partition, session_ran, session_gone, session_create;
    long memory_kb;
};

/* Decodes m into r. Returns 1 if m is a result to store, 0 if not (a
 * started event, stored here at once; junk, logged and skipped). */
static int decode(struct api *a, const rd_kafka_message_t *m, struct pending_result *r)
{
    char type[16] = "result", errstr[200];
    struct result res;
    unsigned status;

    if (m->key_len != 36)
        return 0;
    memset(r, 0, sizeof(*r));
    memcpy(r->id, m->key, 36);
    kq_header(m, KQ_H_MSGTYPE, type, sizeof(type));
    if (strcmp(type, "started") == 0) {
        store_job_running(a->store, r->id);
        return 0;
    }
    if (strcmp(type, "result") != 0)
        return 0;
    if (result_from_json(&res, m->payload, m->len, errstr, sizeof(errstr)) < 0) {
        log_msg(LOG_ERR, "job=%s unreadable result skipped: %s", r->id, errstr);
        return 0;
    }
    snprintf(r->kind, sizeof(r->kind), "async");
    kq_header(m, KQ_H_KIND, r->kind, sizeof(r->kind));
    r->body = req_result_body(&res, &status);
    r->outcome = res.cancelled ? "cancelled"
                 : res.status == RESULT_EXPIRED ? "expired"
                 : res.status != RESULT_COMPLETED ? "failed"
                 : res.timed_out ? "timed_out"
                 : res.memory_exceeded ? "memory_exceeded" : "completed";
    r->o.id = r->id;
    r->o.http_json = r->body;
    r->o.outcome = r->outcome;
    r->o.refund = status != 200;   /* it never ran */
    r->o.finished_ms = res.finished_at_ms ? res.finished_at_ms : util_wall_ms();
    memcpy(r->session_id, res.session_id, sizeof(r->session_id));
    memcpy(r->session_executor, res.session_executor, sizeof(r->session_executor));
    r->session_partition = res.session_partition;
    r->session_create = strcmp(res.session_op, "create") == 0 || strcmp(res.session_op, "fork") == 0;
    r->session_ran = res.status == RESULT_COMPLETED;
    r->session_gone = res.session_lost ? 2 : res.session_ended ? 1 : 0;
    r->memory_kb = res.peak_memory_kb;
    result_release(&res);
    return 1;
}

/* A message of the output topic: a chunk of an async or batch job's
 * output, decoded into o (1), or not one to store (0: a sync call's, which
 * its API streams itself; junk, logged and skipped). */
static int decode_chunk(const rd_kafka_message_t *m, struct job_output *o)
{
    char kind[16] = "", errstr[200];

    kq_header(m, KQ_H_KIND, kind, sizeof(kind));
    if (strcmp(kind, "sync") == 0)
        return 0;
    if (job_output_from_json(o, m->payload, m->len, errstr, sizeof(errstr)) < 0) {
        log_msg(LOG_WARNING, "bad output chunk at %s[%d]@%lld skipped: %s", rd_kafka_topic_name(m->rkt),
                m->partition, (long long)m->offset, errstr);
        return 0;
    }
    return 1;
}

/* Stores n chunks, then wakes their followers. A chunk is worth less than
 * a result: when the store fails they are given up (the result will
 * have every byte; a follower sees a gap, said as a dropped event). */
static void store_chunks(struct api *a, struct job_output *o, size_t n)
{
    if (n == 0)
        return;
    if (store_output_add(a->store, o, n) > 0)
        for (size_t i = 0; i < n; i++)
            if (i + 1 == n || strcmp(o[i + 1].id, o[i].id) != 0)
                follow_wake(a, o[i].id);
    for (size_t i = 0; i < n; i++)
        job_output_release(&o[i]);
}

/* What a session's create or exec result tells its sessions row. */
static void session_note(struct api *a, const struct pending_result *r)
{
    if (!r->session_id[0])
        return;
    if (r->session_create) {   /* a create or a fork */
        if (r->session_ran && r->session_partition >= 0)
            store_session_placed(a->store, r->session_id, r->session_executor, r->session_partition);
        else
            store_session_end(a->store, r->session_id, "failed", "not_made", 0);
        return;
    }
    if (r->session_ran)
        store_session_exec(a->store, r->session_id, r->o.finished_ms, 1, r->memory_kb);
    if (r->session_gone)
        store_session_end(a->store, r->session_id, "ended", r->session_gone == 2 ? "lost" : "died", 0);
}

/* Stores n decoded results (retrying while the store fails), then counts
 * them, wakes their waiters and releases held jobs of their accounts. */
static void store_batch(struct api *a, struct pending_result *r, size_t n)
{
    struct store_outcome o[STORE_BATCH];

    for (size_t i = 0; i < n; i++)
        o[i] = r[i].o;
    while (store_results(a->store, o, n) < 0 && !atomic_load(&a->stopping))
        usleep(500000);   /* the store failed: keep the offsets, try again */
    for (size_t i = 0; i < n; i++) {
        if (!o[i].stored)
            continue;
        session_note(a, &r[i]);
        results_count_outcome(r[i].outcome);
        req_wake(a, r[i].id);
        follow_wake(a, r[i].id);
        if (o[i].batch_id[0])
            req_wake(a, o[i].batch_id);
    }
    /* An async or batch job's place in Kafka is free (sync jobs hold
     * none): the held jobs of each account, once per batch. */
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        if (!o[i].stored || strcmp(r[i].kind, "sync") == 0)
            continue;
        for (size_t k = 0; k < i && !seen; k++)
            seen = o[k].stored && strcmp(r[k].kind, "sync") != 0 && strcmp(o[k].account, o[i].account) == 0;
        if (!seen)
            release_held(a, o[i].account);
    }
    for (size_t i = 0; i < n; i++)
        free(r[i].body);
}

/* Whether this consumer has stored every result its partitions held at
 * the last fetch: Kafka answers, and on each assigned partition what was
 * stored (the position, or the committed offset) reaches the high
 * watermark. Reconciliation must not call a job lost while its result
 * waits in the topic (Kafka down, or this consumer behind). */
static int caught_up(struct api *a)
{
    rd_kafka_topic_partition_list_t *all = NULL, *parts = NULL, *done = NULL;
    int ok = 0;

    if (!produce_kafka_up(a) || rd_kafka_assignment(a->results, &all) != RD_KAFKA_RESP_ERR_NO_ERROR)
        goto out;
    /* The results topic's: no job's end hangs on an output chunk. */
    parts = rd_kafka_topic_partition_list_new(all->cnt ? all->cnt : 1);
    for (int i = 0; i < all->cnt; i++)
        if (strcmp(all->elems[i].topic, a->cfg->results_topic) == 0)
            rd_kafka_topic_partition_list_add(parts, all->elems[i].topic, all->elems[i].partition);
    if (parts->cnt == 0)
        goto out;   /* no partition here: the APIs that have them judge */
    done = rd_kafka_topic_partition_list_copy(parts);
    if (rd_kafka_position(a->results, parts) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_committed(a->results, done, 2000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        goto out;
    ok = 1;
    for (int i = 0; i < parts->cnt && ok; i++) {
        int64_t lo = -1, hi = -1, at = parts->elems[i].offset;
        if (done->elems[i].offset > at)
            at = done->elems[i].offset;
        if (rd_kafka_get_watermark_offsets(a->results, parts->elems[i].topic, parts->elems[i].partition, &lo, &hi) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            hi < 0 || (at < hi && hi > lo))
            ok = 0;
    }
out:
    if (all)
        rd_kafka_topic_partition_list_destroy(all);
    if (parts)
        rd_kafka_topic_partition_list_destroy(parts);
    if (done)
        rd_kafka_topic_partition_list_destroy(done);
    return ok;
}

/* Reconciliation: a job whose message or result was lost (deleted from a
 * topic, refused, never published) would stay queued or running for ever.
 * Once its deadline plus lost-after-ms has passed, no executor can still
 * be running it (a job starts before its deadline and runs at most its
 * timeout): it ends failed ("lost") and refunded. Only while this API's
 * results consumer is caught up (caught_up), and a run's result that
 * still comes later replaces "lost" and is charged (store_results). */
static void reconcile(struct api *a)
{
    char (*ids)[37];
    long n;

    if (!caught_up(a) || !(ids = malloc(256 * sizeof(*ids))))
        return;
    n = store_overdue(a->store, util_wall_ms(), a->cfg->lost_after_ms, ids, 256);
    for (long i = 0; i < n; i++) {
        char batch[37], msg[200], *body;
        snprintf(msg, sizeof(msg), "no result came within the job's deadline plus %ld ms: the job or its result "
                 "was lost; refunded", a->cfg->lost_after_ms);
        body = req_job_error_body("lost", msg, ids[i]);
        if (store_result(a->store, ids[i], body, "lost", 1, util_wall_ms(), batch) == 1) {
            log_msg(LOG_WARNING, "job=%s lost (no result within its deadline plus %ld ms); refunded", ids[i],
                    a->cfg->lost_after_ms);
            results_count_outcome("lost");
            req_wake(a, ids[i]);
            if (batch[0])
                req_wake(a, batch);
        }
        free(body);
    }
    free(ids);
}

/* Retention, off the request path: rounds of at most 500 rows per table,
 * until a round deletes little or 200 ms have gone (the next second goes
 * on). Keeps the store, and with journal_size_limit its WAL, bounded. */
static void prune(struct api *a)
{
    int64_t now = util_wall_ms(), t0 = util_mono_ms();
    long n;

    do {
        n = store_prune(a->store, now - a->cfg->retention_s * 1000, now - a->cfg->idempotency_ttl_s * 1000,
                        now - 24LL * 3600 * 1000, 500);
        if (n > 0)
            log_msg(LOG_DEBUG, "store: %ld row(s) past retention deleted", n);
    } while (n >= 500 && util_mono_ms() - t0 < 200 && !atomic_load(&a->stopping));
}

/* Commits the offsets past msgs, once the store has them: one commit
 * request for the batch, the next offset of each partition. */
static void commit_after(struct api *a, rd_kafka_message_t **msgs, size_t n)
{
    rd_kafka_topic_partition_list_t *offs;
    rd_kafka_resp_err_t err;

    if (n == 0 || atomic_load(&a->stopping))
        return;
    offs = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < n; i++) {
        const char *topic = rd_kafka_topic_name(msgs[i]->rkt);
        rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(offs, topic, msgs[i]->partition);
        if (!p)
            p = rd_kafka_topic_partition_list_add(offs, topic, msgs[i]->partition);
        if (msgs[i]->offset + 1 > p->offset)
            p->offset = msgs[i]->offset + 1;
    }
    if ((err = rd_kafka_commit(a->results, offs, 1)) != RD_KAFKA_RESP_ERR_NO_ERROR)
        log_msg(LOG_WARNING, "results store consumer: commit: %s", rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(offs);
}

static void *results_main(void *arg)
{
    struct api *a = arg;
    int64_t next_republish = util_mono_ms() + REPUBLISH_EVERY_MS, next_reconcile = 0;

    struct pending_result *batch = calloc(STORE_BATCH, sizeof(*batch));
    struct job_output *chunks = calloc(STORE_BATCH, sizeof(*chunks));
    rd_kafka_message_t *msgs[STORE_BATCH];

    if (!batch || !chunks) {
        free(batch);
        free(chunks);
        log_msg(LOG_ERR, "results thread: out of memory");
        return NULL;
    }
    while (!atomic_load(&a->stopping)) {
        /* What is at hand, up to STORE_BATCH messages: waits for the first only. */
        size_t nm = 0, nr = 0, nc = 0;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(a->results, 100);
        while (m) {
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                msgs[nm++] = m;
                if (strcmp(rd_kafka_topic_name(m->rkt), a->cfg->output_topic) == 0)
                    nc += decode_chunk(m, &chunks[nc]);
                else if (decode(a, m, &batch[nr]))
                    nr++;
            } else {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    log_msg(LOG_WARNING, "results store consumer: %s", rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
            }
            m = nm < STORE_BATCH ? rd_kafka_consumer_poll(a->results, 0) : NULL;
        }
        results_flush_produced(a);
        store_chunks(a, chunks, nc);
        if (nr > 0)
            store_batch(a, batch, nr);
        commit_after(a, msgs, nm);
        for (size_t i = 0; i < nm; i++)
            rd_kafka_message_destroy(msgs[i]);
        if (util_mono_ms() >= next_republish) {
            /* Only jobs older than a period: younger ones may still be in
             * librdkafka's queue, waiting for their delivery report. */
            republish(a, util_wall_ms() - REPUBLISH_EVERY_MS);
            next_republish = util_mono_ms() + REPUBLISH_EVERY_MS;
        }
        if (util_mono_ms() >= next_reconcile) {
            reconcile(a);
            prune(a);
            /* A sweep: held jobs whose release was missed (a restart, a
             * result stored by another path) go on within a second. */
            release_held(a, NULL);
            next_reconcile = util_mono_ms() + 1000;
        }
    }
    free(batch);
    free(chunks);
    return NULL;
}

int results_start(struct api *a, char *errstr, size_t errstr_size)
{
    static const char *const outcomes[] = {"completed", "timed_out", "memory_exceeded", "failed",
                                           "expired", "lost", "queue_unavailable", "cancelled"};
    rd_kafka_topic_partition_list_t *topics;
    rd_kafka_resp_err_t err;

    for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
        count_outcome_by(outcomes[i], 0);   /* every series from the start, at 0 */

    /* Manual commits: kq_consumer_new auto-commits stored offsets, and this
     * consumer never stores one; it commits each message itself. */
    a->results = kq_consumer_new(a->cfg, a->cfg->api_group_id, NULL, NULL, NULL, 0, errstr, errstr_size);
    if (!a->results)
        return -1;
    /* The results, and the output chunks of async and batch jobs (the
     * sync calls' chunks on that topic are skipped: their APIs stream them). */
    topics = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(topics, a->cfg->results_topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_topic_partition_list_add(topics, a->cfg->output_topic, RD_KAFKA_PARTITION_UA);
    err = rd_kafka_subscribe(a->results, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        snprintf(errstr, errstr_size, "subscribe to %s and %s: %s", a->cfg->results_topic, a->cfg->output_topic,
                 rd_kafka_err2str(err));
        return -1;
    }
    /* Everything from before this start; on a shared store only what is a
     * period old: younger jobs may be other live APIs', their delivery
     * reports on the way (sent again now, they would run twice). */
    republish(a, store_shared(a->store) ? util_wall_ms() - REPUBLISH_EVERY_MS : INT64_MAX);
    if (pthread_create(&a->results_thread, NULL, results_main, a) != 0) {
        snprintf(errstr, errstr_size, "cannot start the results thread");
        return -1;
    }
    return 0;
}

void results_stop(struct api *a)
{
    atomic_store(&a->stopping, 1);
    if (a->results_thread)
        pthread_join(a->results_thread, NULL);
    if (a->results) {
        rd_kafka_consumer_close(a->results);
        rd_kafka_destroy(a->results);
    }
    a->results = NULL;
}
