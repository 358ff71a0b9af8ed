/* results: results topic -> store (see results.h). At-least-once from the
 * topic's side (commit after store), exactly-once in the store: a second
 * copy of a result finds the job completed and changes nothing. */
#include "results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "job.h"
#include "kq.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#define REPUBLISH_EVERY_MS 30000

static void republish_one(const char *id, const char *kind, const char *json, void *arg)
{
    struct api *a = arg;
    char *copy = util_strdup(json);

    if (api_produce_job(a, id, kind, copy)) {
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

static int store_message(struct api *a, const rd_kafka_message_t *m)
{
    char type[16] = "result", id[37], batch[37], errstr[200];
    struct result res;
    char *body;
    const char *res_status;
    int refund, rc;

    if (m->key_len != 36)
        return 0;
    memcpy(id, m->key, 36);
    id[36] = '\0';
    kq_header(m, KQ_H_MSGTYPE, type, sizeof(type));
    if (strcmp(type, "started") == 0) {
        store_job_running(a->store, id);
        return 0;
    }
    if (strcmp(type, "result") != 0)
        return 0;
    if (result_from_json(&res, m->payload, m->len, errstr, sizeof(errstr)) < 0) {
        log_msg(LOG_ERR, "job=%s unreadable result skipped: %s", id, errstr);
        return 0;
    }
    {
        unsigned status;
        body = api_result_body(&res, &status);
        refund = status != 200;   /* it never ran */
        res_status = res.status == RESULT_EXPIRED ? "expired"
                     : res.status != RESULT_COMPLETED ? "failed"
                     : res.timed_out ? "timed_out"
                     : res.memory_exceeded ? "memory_exceeded" : "completed";
    }
    rc = store_result(a->store, id, body, refund, res.finished_at_ms ? res.finished_at_ms : util_wall_ms(), batch);
    free(body);
    result_release(&res);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        results_count_outcome(res_status);
        if (res.account[0])
            release_held(a, res.account);   /* its place in Kafka is free (a cheap no-op when none is held) */
        api_wake(a, id);
        if (batch[0])
            api_wake(a, batch);
    }
    return 0;
}

/* Reconciliation: a job whose message or result was lost (deleted from a
 * topic, refused, never published) would stay queued or running for ever.
 * Once its deadline plus lost-after-ms has passed, no executor can still
 * be running it (a job starts before its deadline and runs at most its
 * timeout): it ends failed ("lost") and refunded. A result that still
 * comes later finds it completed and changes nothing. */
static void reconcile(struct api *a)
{
    char (*ids)[37] = malloc(256 * sizeof(*ids));
    long n;

    if (!ids)
        return;
    n = store_overdue(a->store, util_wall_ms(), a->cfg->lost_after_ms, ids, 256);
    for (long i = 0; i < n; i++) {
        char batch[37], msg[200], *body;
        snprintf(msg, sizeof(msg), "no result came within the job's deadline plus %ld ms: the job or its result "
                 "was lost; refunded", a->cfg->lost_after_ms);
        body = api_job_error_json("lost", msg, ids[i]);
        if (store_result(a->store, ids[i], body, 1, util_wall_ms(), batch) == 1) {
            log_msg(LOG_WARNING, "job=%s lost (no result within its deadline plus %ld ms); refunded", ids[i],
                    a->cfg->lost_after_ms);
            results_count_outcome("lost");
            api_wake(a, ids[i]);
            if (batch[0])
                api_wake(a, batch);
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

static void *results_main(void *arg)
{
    struct api *a = arg;
    int64_t next_republish = util_mono_ms() + REPUBLISH_EVERY_MS, next_reconcile = 0;

    while (!atomic_load(&a->stopping)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(a->results, 100);
        if (m) {
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                while (store_message(a, m) < 0 && !atomic_load(&a->stopping))
                    usleep(500000);   /* the store failed: keep the offset, try again */
                if (!atomic_load(&a->stopping))
                    rd_kafka_commit_message(a->results, m, 1);   /* after the store has it */
            } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                log_msg(LOG_WARNING, "results store consumer: %s", rd_kafka_message_errstr(m));
            }
            rd_kafka_message_destroy(m);
        }
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
    return NULL;
}

int results_start(struct api *a, char *errstr, size_t errstr_size)
{
    static const char *const outcomes[] = {"completed", "timed_out", "memory_exceeded", "failed",
                                           "expired", "lost", "queue_unavailable"};
    rd_kafka_topic_partition_list_t *topics;
    rd_kafka_resp_err_t err;

    for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
        count_outcome_by(outcomes[i], 0);   /* every series from the start, at 0 */

    /* Manual commits: kq_consumer_new auto-commits stored offsets, and this
     * consumer never stores one; it commits each message itself. */
    a->results = kq_consumer_new(a->cfg, a->cfg->api_group_id, NULL, NULL, NULL, 0, errstr, errstr_size);
    if (!a->results)
        return -1;
    topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, a->cfg->results_topic, RD_KAFKA_PARTITION_UA);
    err = rd_kafka_subscribe(a->results, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        snprintf(errstr, errstr_size, "subscribe to %s: %s", a->cfg->results_topic, rd_kafka_err2str(err));
        return -1;
    }
    republish(a, INT64_MAX);   /* everything from before this start */
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
