/* consumer: jobs topic -> slots -> results topic (see consumer.h).
 * Threads: the main thread polls the consumer and the producer (so delivery
 * reports, and with them offset stores, happen there); each slot thread runs
 * one job at a time. */
#include "consumer.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "answered.h"
#include "cancels.h"
#include "job.h"
#include "kq.h"
#include "live.h"
#include "lookback.h"
#include "session.h"
#include "suspended.h"
#include "log.h"
#include "metrics.h"
#include "offsets.h"
#include "scrape.h"
#include "util.h"

#define PREFETCH_PER_SLOT 32
/* How long after an assignment an expired job waits before the executor
 * reads the results topic for another executor's outcome of it. */
#define ASSIGN_SETTLE_MS 5000
/* Times an executor makes a new consumer after a fence before it stops. */
#define MAX_REJOINS 16
/* Jobs whose outcome is remembered (answered.c): far more than can be
 * fetched again after a lost commit (the prefetch of every slot, and the
 * jobs finished since the last acknowledged commit). 4 MiB. */
#define ANSWERED_REMEMBERED 65536

struct slot {
    int index;
    pthread_t thread;
    struct exec_ctx *x;
    rd_kafka_message_t *msg;   /* owned by the slot while busy; NULL when free */
    uint64_t gen;
    struct live live;          /* the running job's streamed output, when it asked for it */
    int cancel_fd;             /* eventfd: written when the running job is cancelled (run.h) */
    int cancel_written;        /* cancel_fd holds a count not read yet (x->mu) */
    char job_id[37];           /* the job running now, "" when none (x->mu) */
};

struct exec_ctx {
    const struct cfg *cfg;
    struct sbx *sb;
    struct envs *envs;
    rd_kafka_t *consumer, *producer;
    struct offsets *offsets;
    pthread_mutex_t mu;
    pthread_cond_t cond;       /* signalled when a slot gets work or frees up */
    struct slot *slots;
    int nslots, nfree, stopping;
    volatile int broken;       /* no sandbox can be made: stop, leave jobs to others */
    /* Every assigned partition's messages are forwarded to one of two
     * queues, away from the consumer queue: sync jobs (the jobs topic) to
     * sync_q, async and batch jobs (the batch topic) to batch_q. The main
     * loop takes a job only when a slot is free, from sync_q first, while
     * consumer_poll keeps serving rebalances. */
    rd_kafka_queue_t *sync_q, *batch_q;
    /* Offset commits: one in flight at a time (the main thread sends them,
     * commit_q brings their answers). A commit per finished job, as it
     * was, queued hundreds of OffsetCommits on the coordinator connection
     * under load, and the heartbeats behind them: the session timed out
     * and the member was fenced. */
    rd_kafka_queue_t *commit_q;
    atomic_int commit_wanted;   /* an offset was stored since the last commit was sent */
    int commit_inflight;        /* main thread only */
    /* Consumers given up after a fence, and their queues: slots may still
     * hold their messages; destroyed at the end. */
    struct retired {
        rd_kafka_t *consumer;
        rd_kafka_queue_t *sync_q, *batch_q, *commit_q;
    } retired[MAX_REJOINS + 1];   /* and the last consumer, at the end */
    int nretired;
    int64_t last_rejoin_ms;
    atomic_llong assigned_ms;   /* util_mono_ms of the last assignment */
    struct suspended *suspended;
    struct cancels *cancels;       /* jobs cancelled (the control topic, read by suspended's reader) */   /* accounts whose jobs fail unrun */
    struct answered *answered;     /* jobs whose outcome was queued or published */
    struct lookback *lookback;     /* reads the results topic for an expired job's outcome */
    struct sessions *sessions;     /* the sessions this executor holds (session.h) */
    char executor_id[64];
    /* Metrics (docs/operations.md lists them); registered at start. */
    struct metric *m_outcome[6], *m_queue_wait, *m_run, *m_prepare, *m_sbx_failures, *m_rejoins;
    struct metric *m_chunks, *m_chunks_dropped;
};

/* Outcomes of a job as the executor saw it, for execq_executor_jobs_total. */
enum { OUT_COMPLETED, OUT_TIMED_OUT, OUT_MEMORY, OUT_FAILED, OUT_EXPIRED, OUT_CANCELLED };
static const char *const outcome_names[] = {"completed", "timed_out", "memory_exceeded", "failed", "expired",
                                            "cancelled"};

/* Travels with a result message as its opaque; freed in the delivery report. */
struct ticket {
    int32_t partition;
    int64_t offset;
    uint64_t gen;
    char topic[128];           /* the jobs topic, for the offset store */
    char id[37];               /* the job's, for x->answered */
    int passed_on;             /* a create passed on to another executor, not an answer */
};

/* offsets.c's key of a partition: the batch topic's partitions after the
 * jobs topic's (each has at most 1000, cfg). */
static int32_t okey(const struct exec_ctx *x, const char *topic, int32_t partition)
{
    return strcmp(topic, x->cfg->batch_topic) == 0 ? 100000 + partition : partition;
}

/* Stores the offset past a finished job when everything before it is done. */
static void mark_done(struct exec_ctx *x, const char *topic, int32_t partition, int64_t offset, uint64_t gen)
{
    int64_t store = offsets_done(x->offsets, okey(x, topic, partition), offset, gen);
    rd_kafka_topic_partition_list_t *l;

    if (store < 0)
        return;
    l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition)->offset = store;
    /* Fails with __STATE if the partition was revoked meanwhile: the next
     * owner runs the job again, which at-least-once allows. */
    if (rd_kafka_offsets_store(x->consumer, l) == RD_KAFKA_RESP_ERR_NO_ERROR)
        /* Committed now (send_commit), not at the next auto-commit tick: an
         * executor killed later re-runs only the jobs it was running (at
         * most its slots) and those finished during one commit's round
         * trip, not a second's worth. */
        atomic_store(&x->commit_wanted, 1);
    rd_kafka_topic_partition_list_destroy(l);
}

static int too_large(rd_kafka_resp_err_t err)
{
    return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || err == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE;
}

/* f: a failure result of r's job saying why (small: no output). */
static void failure_of(const struct result *r, const char *why, struct result *f)
{
    result_init(f);
    memcpy(f->id, r->id, sizeof(f->id));
    memcpy(f->account, r->account, sizeof(f->account));
    memcpy(f->batch_id, r->batch_id, sizeof(f->batch_id));
    f->status = RESULT_FAILED;
    snprintf(f->executor, sizeof(f->executor), "%s", r->executor);
    snprintf(f->error, sizeof(f->error), "%s", why);
    f->finished_at_ms = r->finished_at_ms;
}

/* The broker refused m (a result) as too large: publishes a small failure
 * of the same job in its place, with the same ticket, so the job still gets
 * its one outcome and its offset is stored once that is acknowledged.
 * Returns 0, or -1 if even that could not be queued. */
static int publish_failure_instead(rd_kafka_t *rk, const rd_kafka_message_t *m, struct ticket *t)
{
    struct result r, f;
    char errstr[200], kind[16] = "sync", why[256], *json;
    int ret = -1;

    if (result_from_json(&r, m->payload, m->len, errstr, sizeof(errstr)) < 0)
        return -1;
    kq_header(m, KQ_H_KIND, kind, sizeof(kind));
    snprintf(why, sizeof(why), "the result is larger than the results topic accepts: %s", rd_kafka_err2str(m->err));
    failure_of(&r, why, &f);
    json = result_to_json(&f);
    if (json && kq_produce_to(rk, rd_kafka_topic_name(m->rkt), m->partition, f.id, json, kind, "result", NULL, -1, t) == 0)
        ret = 0;
    else
        free(json);
    result_release(&f);
    result_release(&r);
    return ret;
}

static void result_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct exec_ctx *x = opaque;
    struct ticket *t = m->_private;

    if (!t)
        return;   /* a started event: best effort */
    if (m->err) {
        /* Not acknowledged: send it again rather than lose it (F_COPY: m's
         * payload belongs to librdkafka). The ticket moves to the retry. */
        log_msg(LOG_WARNING, "result of offset %s[%d]@%lld not delivered (%s); retrying",
                t->topic, t->partition, (long long)t->offset, rd_kafka_err2str(m->err));
        if (too_large(m->err)) {
            /* Permanent: the broker will never take it. Its caller gets a
             * failure instead of nothing; and should even that fail, the
             * offset moves on rather than pinning the partition. */
            log_msg(LOG_ERR, "result of %s[%d]@%lld too large for the broker: publishing a failure instead",
                    t->topic, t->partition, (long long)t->offset);
            if (publish_failure_instead(rk, m, t) == 0)
                return;
            mark_done(x, t->topic, t->partition, t->offset, t->gen);
            free(t);
            return;
        }
        if (m->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE) {
            rd_kafka_headers_t *h = NULL;
            rd_kafka_message_headers(m, &h);
            /* The same partition: a sync result must reach its API's. */
            if (rd_kafka_producev(rk, RD_KAFKA_V_RKT(m->rkt), RD_KAFKA_V_PARTITION(m->partition),
                                  RD_KAFKA_V_KEY(m->key, m->key_len),
                                  RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_HEADERS(rd_kafka_headers_copy(h)), RD_KAFKA_V_OPAQUE(t),
                                  RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR)
                return;
        }
        free(t);
        return;
    }
    kq_note_up();
    if (!t->passed_on)
        answered_delivered(x->answered, t->id);
    mark_done(x, t->topic, t->partition, t->offset, t->gen);
    free(t);
}

/* The topic the job in m wants its result on (its reply-to header). */
static void reply_topic(const struct exec_ctx *x, const rd_kafka_message_t *m, char out[128])
{
    if (kq_header(m, KQ_H_REPLY_TO, out, 128) < 0)
        snprintf(out, 128, "%s", x->cfg->results_topic);
}

/* Publishes r for the job in msg. Takes nothing; the JSON is freed by librdkafka (F_FREE). */
static void publish(struct exec_ctx *x, struct slot *s, const struct result *r, const char *kind)
{
    const rd_kafka_message_t *m = s->msg;
    char reply_to[128];
    struct ticket *t = calloc(1, sizeof(*t));
    char *json = result_to_json(r);
    rd_kafka_resp_err_t err;
    struct result fit = *r;   /* shallow: only its counts of images and files go down */

    if (!t || !json)
        abort();
    /* Figures, then files, leave room for the output streams: the message
     * must fit the topic whatever the job printed (an escaped stdout can
     * take six times its bytes). The last ones go first, as many as the
     * excess needs (each costs its base64 and a little), then the message
     * is made again once. */
    for (size_t len = strlen(json), max = KQ_MAX_MESSAGE - KQ_MAX_MESSAGE / 64;
         len > max && (fit.nimages > 0 || fit.nfiles > 0); len = strlen(json)) {
        size_t excess = len - max;
        while (excess > 0 && (fit.nimages > 0 || fit.nfiles > 0)) {
            const struct job_file *f;
            size_t cost;
            if (fit.nimages > 0) {
                f = &fit.images[--fit.nimages];
                fit.images_truncated = 1;
            } else {
                f = &fit.files[--fit.nfiles];
                fit.files_truncated = 1;
            }
            cost = (f->len + 2) / 3 * 4 + strlen(f->name) + 64;
            excess = cost < excess ? excess - cost : 0;
        }
        free(json);
        if (!(json = result_to_json(&fit)))
            abort();
    }
    reply_topic(x, m, reply_to);
    t->partition = m->partition;
    t->offset = m->offset;
    t->gen = s->gen;
    snprintf(t->topic, sizeof(t->topic), "%s", rd_kafka_topic_name(m->rkt));
    snprintf(t->id, sizeof(t->id), "%s", r->id);
    /* A sync job names the partition its API reads (reply-partition); one
     * the topic does not have (it was made smaller) falls back to the key.
     * A full local queue (the brokers slow or gone) is waited out: a result
     * never queued would pin its partition's commits until a restart. */
    for (int32_t part = kq_reply_partition(m);;) {
        err = kq_produce_to(x->producer, reply_to, part, r->id, json, kind, "result", NULL, -1, t);
        if (err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION && part != RD_KAFKA_PARTITION_UA) {
            log_msg(LOG_WARNING, "job=%s reply partition %d is not in %s: result sent by key", r->id, (int)part,
                    reply_to);
            part = RD_KAFKA_PARTITION_UA;
            continue;
        }
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
            answered_queued(x->answered, r->id);   /* its report may come first: the state never steps back */
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || x->stopping)
            break;
        util_sleep_ms(100);
    }
    if (err) {
        free(json);
        free(t);
        if (too_large(err) && r->status == RESULT_COMPLETED) {
            /* The output made the message too big for the topic: tell the
             * caller so rather than never answering. */
            struct result f;
            char why[256];
            log_msg(LOG_ERR, "job=%s result too large to publish; publishing a failure", r->id);
            snprintf(why, sizeof(why), "the result is larger than the results topic accepts: %s",
                     rd_kafka_err2str(err));
            failure_of(r, why, &f);
            publish(x, s, &f, kind);
            result_release(&f);
            return;
        }
        /* Queue full or unknown topic: the offset is never stored, so the
         * job is redelivered after a restart or rebalance. */
        log_msg(LOG_ERR, "job=%s result not queued: %s", r->id, rd_kafka_err2str(err));
    }
}

/* A session's create this executor has no room for: sent again, to a
 * partition of the jobs topic drawn at random (likely another
 * executor's), its offset stored once Kafka has it. Returns 0, or -1 (then
 * the create is answered "not made"). */
static int pass_on(struct exec_ctx *x, struct slot *s, struct job *j)
{
    const rd_kafka_message_t *m = s->msg;
    const char *topic = rd_kafka_topic_name(m->rkt);
    char reply_to[128], errstr[160], *json;
    int n = kq_partition_count(x->producer, topic, 2000, errstr, sizeof(errstr));
    struct ticket *t;

    if (n <= 1 || j->session_hops >= SESSION_MAX_HOPS || util_wall_ms() >= j->expires_at_ms)
        return -1;
    j->session_hops++;
    if (!(json = job_to_json(j)) || !(t = calloc(1, sizeof(*t)))) {
        free(json);
        return -1;
    }
    *t = (struct ticket){.partition = m->partition, .offset = m->offset, .gen = s->gen, .passed_on = 1};
    snprintf(t->topic, sizeof(t->topic), "%s", topic);
    snprintf(t->id, sizeof(t->id), "%s", j->id);
    reply_topic(x, m, reply_to);
    if (kq_produce_to(x->producer, topic, (int32_t)(util_fnv1a(x->executor_id) + (uint32_t)rand()) % n, j->id, json,
                      "sync", "job", reply_to, kq_reply_partition(m), t) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        free(json);
        free(t);
        return -1;
    }
    log_msg(LOG_INFO, "job=%s session=%s no room here: passed on (hop %d)", j->id, j->session_id, j->session_hops);
    return 0;
}

/* Tells the job's reply topic that an async job started (the API then
 * reports it running). Best effort: no ticket, no retry. */
static void announce(struct exec_ctx *x, struct slot *s, const struct job *j)
{
    char reply_to[128], *json;

    if (strcmp(j->kind, "async") != 0)
        return;
    reply_topic(x, s->msg, reply_to);
    json = job_started_json(j->id, x->executor_id, util_wall_ms());
    if (kq_produce(x->producer, reply_to, j->id, json, j->kind, "started", NULL, NULL))
        free(json);
}

/* Takes job j for slot s, unless this executor runs it or answered it
 * already. Two copies of one job can reach one executor: its offset
 * commit was lost (the broker went away while the result waited) and the
 * partition is fetched again, or the API sent it again (Kafka had not
 * acknowledged it, or the API restarted), while the first copy still runs
 * in another slot. A second run would take a slot for nothing and put a
 * second outcome on the results topic (an "expired" after the
 * "completed", say): this copy waits for the first outcome instead, and
 * its offset moves on once Kafka acknowledged that. Returns 0 when s now
 * runs j (s->job_id set), 1 when there is nothing more to do. */
static int claim_job(struct exec_ctx *x, struct slot *s, const struct job *j)
{
    const rd_kafka_message_t *m = s->msg;
    int64_t until = 0;
    int state, running, said = 0;

    for (;;) {
        pthread_mutex_lock(&x->mu);
        running = 0;
        for (int i = 0; i < x->nslots; i++)
            running |= &x->slots[i] != s && strcmp(x->slots[i].job_id, j->id) == 0;
        /* Read under x->mu: a slot queues its outcome before it lets go of
         * the job's id, so an id no slot holds is answered or not yet run. */
        state = answered_state(x->answered, j->id);
        if (!running && state == ANSWERED_NO) {
            /* Its descriptor emptied of an earlier job's cancel first (only
             * then: no system call per job). */
            if (s->cancel_written) {
                uint64_t stale;
                while (read(s->cancel_fd, &stale, sizeof(stale)) > 0)
                    ;
                s->cancel_written = 0;
            }
            memcpy(s->job_id, j->id, sizeof(s->job_id));
            pthread_mutex_unlock(&x->mu);
            if (said)
                log_msg(LOG_WARNING, "job=%s: its other copy ended without an outcome; running it here", j->id);
            return 0;
        }
        pthread_mutex_unlock(&x->mu);
        if (!said++)
            log_msg(LOG_INFO, "job=%s fetched again while its first copy %s; not run again", j->id,
                    running ? "runs here"
                    : state == ANSWERED_DELIVERED ? "was answered (an offset commit was lost)"
                                                  : "is answered (an offset commit was lost)");
        if (state == ANSWERED_DELIVERED) {
            mark_done(x, rd_kafka_topic_name(m->rkt), m->partition, m->offset, s->gen);
            return 1;
        }
        /* Queued: result_dr sends it until Kafka takes it. Should that take
         * minutes (or the executor stop), this message stays uncommitted,
         * and is the next owner's after a restart or rebalance. A copy
         * still running is bounded by its own timeout. */
        if (running || !until)
            until = util_mono_ms() + 120000;
        if (x->stopping || x->broken || util_mono_ms() > until) {
            log_msg(LOG_WARNING, "job=%s: its first outcome is still not acknowledged by Kafka; its offset stays "
                    "uncommitted", j->id);
            return 1;
        }
        util_sleep_ms(50);
    }
}

/* An expired job whose outcome another executor published: it ran the job
 * but lost its offset commit (the broker went away while the result
 * waited), and the job came here after the broker returned. Returns 1 if
 * so (the offset moves on, nothing is published). Kafka unable to say:
 * 0, and the job is called expired (the API keeps the first completed). */
static int answered_elsewhere(struct exec_ctx *x, struct slot *s, const struct job *j)
{
    const rd_kafka_message_t *m = s->msg;
    char topic[128];

    reply_topic(x, m, topic);
    /* Fetched soon after this executor got its partitions (a broker came
     * back, a rebalance): the executor that ran the job may still be
     * sending its result (its producer reconnects too). Wait for that once
     * per assignment, not per job: later ones read what this one read. */
    for (int64_t settled = atomic_load(&x->assigned_ms) + ASSIGN_SETTLE_MS; util_mono_ms() < settled && !x->stopping;)
        util_sleep_ms(50);
    if (lookback_find(x->lookback, topic, kq_reply_partition(m), j->id, j->submitted_at_ms, 5000) != 1)
        return 0;
    log_msg(LOG_INFO, "job=%s expired here, but its outcome is on %s already (its runner lost an offset commit); "
            "nothing published", j->id, topic);
    mark_done(x, rd_kafka_topic_name(m->rkt), m->partition, m->offset, s->gen);
    return 1;
}

/* A cancel notice (cancels.h, on the control topic reader's thread): the
 * slot running that job, if any, kills it (run.h). */
static void on_cancel(const char *id, void *arg)
{
    struct exec_ctx *x = arg;
    uint64_t one = 1;

    pthread_mutex_lock(&x->mu);
    for (int i = 0; i < x->nslots; i++)
        if (strcmp(x->slots[i].job_id, id) == 0 && write(x->slots[i].cancel_fd, &one, sizeof(one)) == sizeof(one)) {
            x->slots[i].cancel_written = 1;
            log_msg(LOG_INFO, "job=%s slot=%d cancelled while it runs: killed", id, i);
        }
    pthread_mutex_unlock(&x->mu);
    if (x->sessions)
        sessions_cancel(x->sessions, id);   /* a session's exec: interrupted */
}

/* A sync call that asked for its output as it comes (stream) gets it on
 * the output topic, on its API's partition: the one its result goes to.
 * An async or batch job's goes by its id, for the store (GET
 * /v1/jobs/{id}/events): from its start if it asked (stream), else once
 * it has run --live-after-ms (-1: never). */
static struct live *start_live(struct exec_ctx *x, struct slot *s, const struct job *j)
{
    int32_t part = kq_reply_partition(s->msg);
    long after = j->stream ? 0 : x->cfg->live_after_ms;

    if (strcmp(j->kind, "sync") == 0) {
        if (!j->stream || part == RD_KAFKA_PARTITION_UA)
            return NULL;
    } else if (after < 0) {
        return NULL;
    } else {
        part = RD_KAFKA_PARTITION_UA;
    }
    live_begin(&s->live, x->producer, x->cfg->output_topic, part, j->id, j->kind, after);
    return &s->live;
}

/* Runs the job in s->msg and publishes its result. Slot thread. */
static void handle(struct exec_ctx *x, struct slot *s)
{
    const rd_kafka_message_t *m = s->msg;
    char errstr[200];
    struct job j;
    struct result r;
    long long queued_ms;
    int ran = 0, outcome, published = 0;
    int64_t t_run = 0;

    errstr[0] = '\0';
    result_init(&r);
    snprintf(r.executor, sizeof(r.executor), "%s", x->executor_id);
    if (job_from_json(&j, m->payload, m->len, errstr, sizeof(errstr)) < 0) {
        /* A poison message: answer its caller if we can tell who, then skip it. */
        log_msg(LOG_ERR, "bad job at %s[%d]@%lld: %s", rd_kafka_topic_name(m->rkt), m->partition,
                (long long)m->offset, errstr);
        if (kq_header(m, KQ_H_CORRELATION, r.id, sizeof(r.id)) == 0 && util_id_valid(r.id)) {
            r.status = RESULT_FAILED;
            snprintf(r.error, sizeof(r.error), "invalid job message: %s", errstr);
            r.finished_at_ms = util_wall_ms();
            publish(x, s, &r, "sync");
        } else {
            mark_done(x, rd_kafka_topic_name(m->rkt), m->partition, m->offset, s->gen);
        }
        return;
    }
    /* The slot's job (for a cancel that comes while it runs), unless a
     * copy of it runs or was answered here. */
    if (claim_job(x, s, &j)) {
        job_release(&j);
        result_release(&r);
        return;
    }
    if (util_wall_ms() > j.expires_at_ms && answered_elsewhere(x, s, &j))
        goto out;
    memcpy(r.id, j.id, sizeof(r.id));
    r.credits = j.credits;
    snprintf(r.account, sizeof(r.account), "%s", j.account);
    snprintf(r.batch_id, sizeof(r.batch_id), "%s", j.batch_id);
    queued_ms = (long long)(util_wall_ms() - j.submitted_at_ms);
    if (util_wall_ms() > j.expires_at_ms) {
        r.status = RESULT_EXPIRED;
        r.credits = 0;   /* never ran: the API refunds it */
        snprintf(r.error, sizeof(r.error), "expired %lld ms before it reached an executor",
                 (long long)(util_wall_ms() - j.expires_at_ms));
        log_msg(LOG_INFO, "job=%s expired; not run", j.id);
    } else if (cancels_has(x->cancels, j.id)) {
        r.status = RESULT_FAILED;
        r.credits = 0;   /* never ran: the API refunds it */
        r.cancelled = 1;
        snprintf(r.error, sizeof(r.error), "cancelled before it ran");
        log_msg(LOG_INFO, "job=%s cancelled; not run", j.id);
    } else if (suspended_has(x->suspended, j.account)) {
        /* The operator suspended the account after this job was queued. */
        r.status = RESULT_FAILED;
        r.credits = 0;   /* never ran: the API refunds it */
        snprintf(r.error, sizeof(r.error), "the account is suspended: not run");
        log_msg(LOG_INFO, "job=%s of suspended account %s; not run", j.id, j.account);
    } else if (strcmp(j.session_op, "create") == 0) {
        /* A session to make (session.h): it lives on in a session slot;
         * this slot is free again at once. */
        sessions_create(x->sessions, &j, &r);   /* NULL (no session slots): no room */
        if (r.session_full && pass_on(x, s, &j) == 0)
            goto out;
        if (r.status != RESULT_COMPLETED)
            log_msg(LOG_WARNING, "job=%s session=%s not made: %s", j.id, j.session_id, r.error);
    } else if (j.session_id[0]) {
        /* Execs and ends go to the sessions topic, never here. */
        r.status = RESULT_FAILED;
        r.credits = 0;
        snprintf(r.error, sizeof(r.error), "a session's %s on the jobs topic: not run", j.session_op);
    } else if (announce(x, s, &j), t_run = util_mono_us(),
               (ran = sbx_run(x->sb, s->index, &j, &r, &(struct sbx_watch){start_live(x, s, &j), s->cancel_fd}, errstr,
                              sizeof(errstr))) < 0 &&
                   sbx_broken(x->sb)) {
        /* Not the job's fault and not its result: publish nothing and store
         * no offset, so the job is redelivered to a working executor once
         * this one has left the group. */
        log_msg(LOG_ERR, "job=%s not run to its end: %s; stopping", j.id, errstr);
        x->broken = 1;
        goto out;
    } else if (ran < 0) {
        r.status = RESULT_FAILED;
        r.credits = 0;
        snprintf(r.error, sizeof(r.error), "%s", errstr);
        log_msg(LOG_ERR, "job=%s could not run: %s", j.id, errstr);
    }
    /* One line and one count per job, whatever became of it. */
    outcome = r.cancelled ? OUT_CANCELLED
              : r.status == RESULT_EXPIRED ? OUT_EXPIRED
              : r.status != RESULT_COMPLETED ? OUT_FAILED
              : r.timed_out ? OUT_TIMED_OUT
              : r.memory_exceeded ? OUT_MEMORY : OUT_COMPLETED;
    metrics_add(x->m_outcome[outcome], 1);
    metrics_observe(x->m_queue_wait, queued_ms / 1000.0);
    if (s->live.id[0]) {
        metrics_add(x->m_chunks, (double)s->live.chunks);
        metrics_add(x->m_chunks_dropped, (double)s->live.dropped);
        s->live.id[0] = '\0';
    }
    if (ran < 0) {
        metrics_add(x->m_sbx_failures, 1);
    } else if (r.status == RESULT_COMPLETED) {
        /* Preparation: the whole sbx_run but the code's own run time. */
        double total = (util_mono_us() - t_run) / 1e6, run = r.execution_time_ms / 1000.0;
        metrics_observe(x->m_run, run);
        metrics_observe(x->m_prepare, total > run ? total - run : 0);
        log_msg(LOG_INFO, "job=%s slot=%d outcome=%s exit=%d ran_ms=%ld queued_ms=%lld", j.id, s->index,
                outcome_names[outcome], r.exit_code, r.execution_time_ms, queued_ms);
    }
    r.finished_at_ms = util_wall_ms();
    publish(x, s, &r, j.kind);
    published = 1;
out:
    /* The job let go of after publish queued its outcome (answered.h): a
     * copy fetched from now on sees it answered, never free to run; and
     * before the clean-up, which no cancel or copy need wait for. */
    pthread_mutex_lock(&x->mu);
    s->job_id[0] = '\0';
    pthread_mutex_unlock(&x->mu);
    if (published) {
        int64_t t0 = util_mono_ms(), took;
        sbx_cleanup(x->sb, s->index);    /* off the answer's path */
        /* Off the answer's path, and a busy host stretches it to 100s of
         * ms: only a clean-up that holds the slot for seconds is news. */
        if ((took = util_mono_ms() - t0) > 100)
            log_msg(took > 2000 ? LOG_WARNING : LOG_DEBUG, "job=%s slot=%d clean-up took %lld ms%s", j.id, s->index,
                    (long long)took, took > 2000 ? "; the slot took no job meanwhile" : "");
    }
    job_release(&j);
    result_release(&r);
}

static void *slot_main(void *arg)
{
    struct slot *s = arg;
    struct exec_ctx *x = s->x;

    pthread_mutex_lock(&x->mu);
    for (;;) {
        while (!s->msg && !x->stopping)
            pthread_cond_wait(&x->cond, &x->mu);
        if (!s->msg)
            break;   /* stopping and idle */
        pthread_mutex_unlock(&x->mu);
        handle(x, s);
        pthread_mutex_lock(&x->mu);
        rd_kafka_message_destroy(s->msg);
        s->msg = NULL;
        x->nfree++;
        pthread_cond_broadcast(&x->cond);
    }
    pthread_mutex_unlock(&x->mu);
    return NULL;
}

/* Sends (or stops sending) each partition's messages to its lane's queue. */
static void forward(struct exec_ctx *x, rd_kafka_topic_partition_list_t *parts, int on)
{
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_queue_t *q = rd_kafka_queue_get_partition(x->consumer, parts->elems[i].topic,
                                                           parts->elems[i].partition);
        if (q) {
            rd_kafka_queue_t *to = strcmp(parts->elems[i].topic, x->cfg->batch_topic) == 0 ? x->batch_q : x->sync_q;
            rd_kafka_queue_forward(q, on ? to : NULL);
            rd_kafka_queue_destroy(q);
        }
    }
}

static void commit_done(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *offsets,
                        void *opaque)
{
    struct exec_ctx *x = opaque;

    x->commit_inflight = 0;
    kq_commit_report(rk, err, offsets);
}

/* Sends the stored offsets if some were stored and no commit is in flight
 * (the broker's answer comes to commit_done). Main thread. */
static void send_commit(struct exec_ctx *x)
{
    rd_kafka_queue_poll_callback(x->commit_q, 0);
    if (x->commit_inflight || !atomic_exchange(&x->commit_wanted, 0))
        return;
    x->commit_inflight = 1;
    if (rd_kafka_commit_queue(x->consumer, NULL, x->commit_q, commit_done, x) != RD_KAFKA_RESP_ERR_NO_ERROR)
        x->commit_inflight = 0;
}

/* Eager rebalancing: offsets of revoked partitions are forgotten, so a job
 * finishing after its partition moved never stores an offset there. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque)
{
    struct exec_ctx *x = opaque;

    offsets_reset(x->offsets);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        log_msg(LOG_INFO, "assigned %d partition(s)", parts->cnt);
        atomic_store(&x->assigned_ms, util_mono_ms());
        rd_kafka_assign(rk, parts);
        forward(x, parts, 1);
    } else {
        log_msg(LOG_INFO, "revoked %d partition(s)", parts->cnt);
        forward(x, parts, 0);
        /* What finished is committed before the partitions move on, so
         * their next owner does not run it again. */
        rd_kafka_commit(rk, NULL, 0);
        rd_kafka_assign(rk, NULL);
    }
}

/* Gives m to a free slot. Caller holds x->mu and knows one is free. */
static void dispatch(struct exec_ctx *x, rd_kafka_message_t *m)
{
    for (int i = 0; i < x->nslots; i++) {
        struct slot *s = &x->slots[i];
        if (s->msg)
            continue;
        s->gen = offsets_begin(x->offsets, okey(x, rd_kafka_topic_name(m->rkt), m->partition), m->offset);
        s->msg = m;
        x->nfree--;
        pthread_cond_broadcast(&x->cond);
        return;
    }
}

/* Scrape-time gauges. */
static double busy_slots(void *arg)
{
    struct exec_ctx *x = arg;
    int busy;
    pthread_mutex_lock(&x->mu);
    busy = x->nslots - x->nfree;
    pthread_mutex_unlock(&x->mu);
    return busy;
}

static double zygote_stat(void *arg, int which)
{
    struct exec_ctx *x = arg;
    long jobs, renewals;
    double age;
    sbx_zygote_stats(x->sb, &jobs, &age, &renewals);
    return which == 0 ? (double)jobs : which == 1 ? age : (double)renewals;
}
static double zygote_jobs(void *arg) { return zygote_stat(arg, 0); }
static double zygote_age(void *arg) { return zygote_stat(arg, 1); }
static double zygote_renewals(void *arg) { return zygote_stat(arg, 2); }

static double env_stat(void *arg, int which)
{
    struct exec_ctx *x = arg;
    long v[8];

    sbx_env_stats(x->sb, &v[0], &v[1], &v[2], &v[3]);
    envs_counts(x->envs, &v[4], &v[5], &v[6]);
    v[7] = envs_requirement_sets(x->envs);
    return (double)v[which];
}
static double env_zygotes(void *arg) { return env_stat(arg, 0); }
static double env_zygotes_mb(void *arg) { return env_stat(arg, 1); }
static double env_cold_starts(void *arg) { return env_stat(arg, 2); }
static double env_evictions(void *arg) { return env_stat(arg, 3); }
static double envs_ready(void *arg) { return env_stat(arg, 4); }
static double envs_building(void *arg) { return env_stat(arg, 5); }
static double envs_failed(void *arg) { return env_stat(arg, 6); }
static double requirement_sets(void *arg) { return env_stat(arg, 7); }

static double producer_queue(void *arg)
{
    struct exec_ctx *x = arg;
    return x->producer ? rd_kafka_outq_len(x->producer) : 0;
}

/* Messages of the assigned partitions not fetched yet: each partition's
 * high watermark (as of its last fetch) less the fetch position. The few
 * prefetched jobs waiting for a slot are not counted. */
static double consumer_lag(void *arg)
{
    struct exec_ctx *x = arg;
    rd_kafka_topic_partition_list_t *parts = NULL;
    double lag = 0;

    if (!x->consumer || rd_kafka_assignment(x->consumer, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0;
    if (rd_kafka_position(x->consumer, parts) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < parts->cnt; i++) {
            int64_t lo, hi;
            if (parts->elems[i].offset < 0 ||
                rd_kafka_get_watermark_offsets(x->consumer, parts->elems[i].topic, parts->elems[i].partition, &lo,
                                               &hi) != RD_KAFKA_RESP_ERR_NO_ERROR || hi < parts->elems[i].offset)
                continue;
            lag += (double)(hi - parts->elems[i].offset);
        }
    }
    rd_kafka_topic_partition_list_destroy(parts);
    return lag;
}

static double suspended_accounts(void *arg)
{
    return (double)suspended_count(arg);
}

static void register_metrics(struct exec_ctx *x)
{
    metrics_gauge_fn("execq_executor_suspended_accounts",
                     "Accounts suspended as the accounts topic says (their jobs fail unrun).", NULL,
                     suspended_accounts, x->suspended);
    static const double prepare_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
    char labels[64];

    for (int i = 0; i < 6; i++) {
        snprintf(labels, sizeof(labels), "outcome=\"%s\"", outcome_names[i]);
        x->m_outcome[i] = metrics_counter("execq_executor_jobs_total", "Jobs this executor finished, by outcome.", labels);
    }
    x->m_queue_wait = metrics_histogram("execq_executor_queue_wait_seconds",
                                        "Time from submission to a slot taking the job.", NULL,
                                        metrics_latency_bounds, metrics_latency_nbounds);
    x->m_run = metrics_histogram("execq_executor_run_seconds", "The code's own run time (execution_time_ms).", NULL,
                                 metrics_latency_bounds, metrics_latency_nbounds);
    x->m_prepare = metrics_histogram("execq_executor_sandbox_prepare_seconds",
                                     "Sandbox time around the code: preparation, start and collection.", NULL,
                                     prepare_bounds, (int)(sizeof(prepare_bounds) / sizeof(prepare_bounds[0])));
    x->m_chunks = metrics_counter("execq_executor_output_chunks_total",
                                  "Output chunks of streamed jobs handed to Kafka.", NULL);
    x->m_chunks_dropped = metrics_counter("execq_executor_output_chunks_dropped_total",
                                          "Output chunks of streamed jobs dropped (Kafka's queue was full).", NULL);
    x->m_sbx_failures = metrics_counter("execq_executor_sandbox_failures_total",
                                        "Jobs for which no sandbox could be made (not run).", NULL);
    x->m_rejoins = metrics_counter("execq_executor_group_rejoins_total",
                                   "Times the jobs consumer was fenced and a new one rejoined the group.", NULL);
    metrics_set(metrics_gauge("execq_executor_slots", "Jobs this executor runs at once.", NULL), x->nslots);
    metrics_gauge_fn("execq_executor_busy_slots", "Slots running a job now.", NULL, busy_slots, x);
    metrics_gauge_fn("execq_executor_zygote_jobs", "Jobs run by sandboxes of the current zygote (warm mode).", NULL,
                     zygote_jobs, x);
    metrics_gauge_fn("execq_executor_zygote_age_seconds", "Age of the current zygote (warm mode).", NULL, zygote_age,
                     x);
    metrics_gauge_fn("execq_executor_zygote_renewals", "Times the zygote was made again since the executor started "
                     "(--zygote-max-jobs, --zygote-max-age-s).", NULL, zygote_renewals, x);
    metrics_gauge_fn("execq_executor_env_zygotes", "Environments' warm interpreters (zygotes) running now.", NULL,
                     env_zygotes, x);
    metrics_gauge_fn("execq_executor_env_zygotes_mb", "Their resident memory together, in MiB (--env-zygotes-mb).",
                     NULL, env_zygotes_mb, x);
    metrics_gauge_fn("execq_executor_env_cold_starts", "Env zygotes started for a job since the executor started.",
                     NULL, env_cold_starts, x);
    metrics_gauge_fn("execq_executor_env_evictions", "Idle env zygotes stopped to fit --env-zygotes-mb so far.", NULL,
                     env_evictions, x);
    metrics_gauge_fn("execq_executor_envs", "Environments declared on this executor, by state.", "state=\"ready\"",
                     envs_ready, x);
    metrics_gauge_fn("execq_executor_envs", "Environments declared on this executor, by state.", "state=\"building\"",
                     envs_building, x);
    metrics_gauge_fn("execq_executor_envs", "Environments declared on this executor, by state.", "state=\"failed\"",
                     envs_failed, x);
    metrics_gauge_fn("execq_executor_requirement_sets", "Sets of jobs' own requirements built and held here "
                     "(--allow-requirements, at most --requirements-max-envs).", NULL, requirement_sets, x);
    metrics_gauge_fn("execq_kafka_producer_queue_messages",
                     "Messages in the Kafka producer's queue, not yet acknowledged.", NULL, producer_queue, x);
    metrics_gauge_fn("execq_executor_consumer_lag_messages",
                     "Jobs in the assigned partitions not fetched yet.", NULL, consumer_lag, x);
}

/* Makes x's group consumer (static member instance), its queues, and
 * subscribes it to topics. Returns 0, or -1 with the reason in errstr. */
static int join(struct exec_ctx *x, const char *instance, const rd_kafka_topic_partition_list_t *topics, char *errstr,
                size_t errstr_size)
{
    const struct cfg *c = x->cfg;

    x->consumer = kq_consumer_new(c, c->group_id, instance, rebalance_cb, x, x->nslots * PREFETCH_PER_SLOT, errstr,
                                  errstr_size);
    if (!x->consumer)
        return -1;
    x->sync_q = rd_kafka_queue_new(x->consumer);
    x->batch_q = rd_kafka_queue_new(x->consumer);
    x->commit_q = rd_kafka_queue_new(x->consumer);
    x->commit_inflight = 0;
    if (rd_kafka_subscribe(x->consumer, topics)) {
        snprintf(errstr, errstr_size, "subscribe to %s and %s failed", c->jobs_topic, c->batch_topic);
        return -1;
    }
    return 0;
}

/* The consumer failed for good (reason). Fenced as a static member (a
 * rejoin raced its own stale session, the broker restarted...): it is put
 * aside and a new one joins under the same instance id, in this process;
 * running jobs finish and publish, their offsets are the group's to settle
 * (a job fetched again is not answered twice: claim_job). Returns
 * 0 once rejoined, or -1 (errstr) if the executor should stop instead:
 * another fatal error, or fenced again within 10 s (two executors sharing
 * one instance id would fence each other for ever). */
static int rejoin(struct exec_ctx *x, const char *instance, const rd_kafka_topic_partition_list_t *topics,
                  const char *reason, char *errstr, size_t errstr_size)
{
    struct retired *r;

    if (!strstr(reason, "fenced") || x->nretired == MAX_REJOINS ||
        (x->last_rejoin_ms && util_mono_ms() - x->last_rejoin_ms < 10000)) {
        snprintf(errstr, errstr_size, "the Kafka consumer failed for good (%s)%s; stopping so that a fresh executor "
                 "can take over", reason, strstr(reason, "fenced") ? ", again: does another executor use the "
                 "instance id?" : "");
        return -1;
    }
    r = &x->retired[x->nretired++];
    r->consumer = x->consumer;
    r->sync_q = x->sync_q;
    r->batch_q = x->batch_q;
    r->commit_q = x->commit_q;
    x->consumer = NULL;
    offsets_reset(x->offsets);   /* what the old consumer's slots finish stores nothing */
    x->last_rejoin_ms = util_mono_ms();
    if (join(x, instance, topics, errstr, errstr_size) < 0)
        return -1;
    metrics_add(x->m_rejoins, 1);
    log_msg(LOG_WARNING, "the Kafka consumer was fenced (%s): rejoined group %s as %s with a new one; the jobs "
            "running finish and publish", reason, x->cfg->group_id, instance);
    return 0;
}

int consumer_run(const struct cfg *c, struct sbx *sb, struct envs *envs, volatile sig_atomic_t *stop, char *errstr,
                 size_t errstr_size)
{
    struct exec_ctx x;
    rd_kafka_topic_partition_list_t *topics = NULL;
    char host[48] = "host", instance[160];
    int ret = -1, started = 0, fatal = 0;
    int64_t next_health = 0;
    struct scrape *scrape = NULL;
    sigset_t stop_signals, old_mask;

    /* Every thread made here (librdkafka's, the slots') starts with SIGINT
     * and SIGTERM blocked, so only this thread ever takes them. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
    memset(&x, 0, sizeof(x));
    x.cfg = c;
    x.sb = sb;
    x.envs = envs;
    x.nslots = c->slots ? (int)c->slots : (int)sysconf(_SC_NPROCESSORS_ONLN);
    x.nfree = x.nslots;
    pthread_mutex_init(&x.mu, NULL);
    pthread_cond_init(&x.cond, NULL);
    gethostname(host, sizeof(host) - 1);
    snprintf(x.executor_id, sizeof(x.executor_id), "%s:%d", host, (int)getpid());
    x.offsets = offsets_new();
    x.answered = answered_new(ANSWERED_REMEMBERED);
    x.slots = calloc((size_t)x.nslots, sizeof(*x.slots));
    for (int i = 0; x.slots && i < x.nslots; i++)
        x.slots[i].cancel_fd = -1;   /* before any way out: the clean-up closes those >= 0 */
    x.cancels = cancels_new(on_cancel, &x);
    if (!x.offsets || !x.answered || !x.slots || !x.cancels) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    for (int i = 0; i < x.nslots; i++)
        if ((x.slots[i].cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
            snprintf(errstr, errstr_size, "eventfd: %s", strerror(errno));
            goto out;
        }
    kq_set_outage_note("results of the jobs running wait in memory and are sent once a broker answers; no new job "
                       "arrives until then");
    x.producer = kq_producer_new(c, result_dr, &x, 30000, errstr, errstr_size);   /* failures are re-sent */
    if (!x.producer)
        goto out;
    if (kq_ensure_topics(x.producer, c, 10000, errstr, errstr_size) < 0 ||
        !(x.suspended = suspended_start(c, cancels_apply, x.cancels, errstr, errstr_size)) ||
        !(x.lookback = lookback_new(c, x.answered, errstr, errstr_size)))
        goto out;
    register_metrics(&x);
    /* Every partition forwards to sync_q or batch_q, so librdkafka's queue thresholds
     * count all of them together: prefetch stops at PREFETCH_PER_SLOT jobs
     * per slot (and 1 MiB). Not fewer: librdkafka 2.0.2 then pauses
     * fetching for a fixed second (no fetch.queue.backoff.ms before 2.1),
     * and the buffer must outlast that second (measured here: ~0.7 s stalls
     * at 8 per slot, none at 32). */
    /* The static member id: this host and its uid range, which no other
     * executor on the host can hold at once (claim.c), and the same after a
     * restart with the same flags. */
    if (c->instance_id[0])
        snprintf(instance, sizeof(instance), "%s", c->instance_id);
    else
        snprintf(instance, sizeof(instance), "%s-%ld", host, c->uid_base);
    /* Sessions' execs come on the partition the instance id hashes to:
     * read from before the first create job can be taken. */
    if (c->session_slots > 0 &&
        !(x.sessions = sessions_new(c, sb, x.producer, x.lookback, instance, x.executor_id, errstr, errstr_size)))
        goto out;
    topics = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(topics, c->jobs_topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_topic_partition_list_add(topics, c->batch_topic, RD_KAFKA_PARTITION_UA);
    if (join(&x, instance, topics, errstr, errstr_size) < 0 ||
        envs_announce_start(envs, x.producer, instance, errstr, errstr_size) < 0)
        goto out;
    if (c->metrics_addr[0] && !(scrape = scrape_start(c->metrics_addr, errstr, errstr_size)))
        goto out;
    for (int i = 0; i < x.nslots; i++) {
        x.slots[i].index = i;
        x.slots[i].x = &x;
        if (pthread_create(&x.slots[i].thread, NULL, slot_main, &x.slots[i]) != 0) {
            snprintf(errstr, errstr_size, "cannot start slot threads");
            goto out;
        }
        started++;
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    log_msg(LOG_INFO, "executor %s: %d slot(s) on %s (first) and %s, group %s", x.executor_id, x.nslots,
            c->jobs_topic, c->batch_topic, c->group_id);

    while (!*stop && !x.broken) {
        rd_kafka_message_t *m;
        int free_slot;

        /* An idle executor must notice a dead launcher too, or it would
         * keep taking jobs it cannot run. */
        if (util_mono_ms() >= next_health) {
            next_health = util_mono_ms() + 200;
            if (sbx_broken(sb)) {
                log_msg(LOG_ERR, "the sandbox launcher is gone; stopping");
                x.broken = 1;
                break;
            }
            sbx_maintain(sb);   /* a new zygote when the current one is due */
        }

        /* Rebalances and errors; job messages arrive on sync_q and batch_q instead. */
        m = rd_kafka_consumer_poll(x.consumer, 0);
        if ((m && m->err == RD_KAFKA_RESP_ERR__FATAL) || rd_kafka_fatal_error(x.consumer, NULL, 0)) {
            /* The consumer is unusable for good: rejoin with a new one
             * (fenced), or stop, leaving running jobs to finish and the
             * rest to the group; a supervisor (make run, a container's
             * restart policy) starts a fresh executor. */
            char reason[256];
            rd_kafka_fatal_error(x.consumer, reason, sizeof(reason));
            if (m)
                rd_kafka_message_destroy(m);
            if (rejoin(&x, instance, topics, reason, errstr, errstr_size) == 0)
                continue;
            fatal = 1;
            break;
        }
        if (m) {
            if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                log_msg(LOG_WARNING, "jobs consumer: %s", rd_kafka_message_errstr(m));
            if (!m->err)
                log_msg(LOG_ERR, "job message outside the jobs queue at %s[%d]@%lld; left for redelivery",
                        rd_kafka_topic_name(m->rkt), m->partition, (long long)m->offset);
            rd_kafka_message_destroy(m);
        }
        rd_kafka_poll(x.producer, 0);   /* delivery reports -> offset stores */
        send_commit(&x);
        pthread_mutex_lock(&x.mu);
        free_slot = x.nfree > 0;
        pthread_mutex_unlock(&x.mu);
        if (!free_slot) {
            /* Full: take nothing. What librdkafka prefetched stays in its
             * bounded local queue (queued.min.messages per partition). */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 10 * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_mutex_lock(&x.mu);
            if (x.nfree == 0)
                pthread_cond_timedwait(&x.cond, &x.mu, &ts);
            pthread_mutex_unlock(&x.mu);
            continue;
        }
        /* Sync first: a batch never queues ahead of a waiting caller; at
         * worst a sync job waits for one running job to end. The short
         * wait on sync_q bounds how late a batch job is noticed. */
        m = rd_kafka_consume_queue(x.sync_q, 0);
        if (!m)
            m = rd_kafka_consume_queue(x.batch_q, 0);
        if (!m)
            m = rd_kafka_consume_queue(x.sync_q, 5);
        if (!m)
            continue;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                log_msg(LOG_WARNING, "jobs queue: %s", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        pthread_mutex_lock(&x.mu);
        dispatch(&x, m);   /* the slot owns m now */
        pthread_mutex_unlock(&x.mu);
    }
    if (fatal)
        goto out;
    if (x.broken) {
        snprintf(errstr, errstr_size, "the sandbox launcher died: no sandbox can be made; stopped, leaving "
                                      "unfinished jobs to the other executors of the group");
        goto out;
    }
    ret = 0;
out:
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    /* Running jobs take at most their own timeout (run.c enforces it, up
     * to the executor's bound of an hour): wait for them whatever it is.
     * Then flush and leave; if that hangs (librdkafka's destroy can, with
     * the brokers gone), exit after 30 s. */
    pthread_mutex_lock(&x.mu);
    x.stopping = 1;
    pthread_cond_broadcast(&x.cond);
    pthread_mutex_unlock(&x.mu);
    for (int i = 0; i < started; i++)
        pthread_join(x.slots[i].thread, NULL);
    util_shutdown_watchdog(30);
    scrape_stop(scrape);   /* before what its gauges read goes away */
    sessions_free(x.sessions);   /* ends them; their last results go out with the flush below */
    envs_announce_stop(envs);    /* tombstones, flushed below */
    if (x.producer) {
        rd_kafka_flush(x.producer, 10000);   /* results out, delivery reports in */
    }
    if (x.consumer) {
        rd_kafka_consumer_close(x.consumer);   /* commits stored offsets, leaves the group */
        x.retired[x.nretired++] = (struct retired){x.consumer, x.sync_q, x.batch_q, x.commit_q};
    }
    for (int i = 0; i < x.nretired; i++) {
        struct retired *r = &x.retired[i];
        if (i < x.nretired - 1 || !x.consumer)
            rd_kafka_consumer_close(r->consumer);   /* fenced: returns at once */
        rd_kafka_queue_t *qs[3] = {r->sync_q, r->batch_q, r->commit_q};
        for (int k = 0; k < 3; k++)
            if (qs[k])
                rd_kafka_queue_destroy(qs[k]);
        rd_kafka_destroy(r->consumer);
    }
    if (x.producer)
        rd_kafka_destroy(x.producer);
    suspended_stop(x.suspended);
    cancels_free(x.cancels);
    for (int i = 0; x.slots && i < x.nslots; i++)
        if (x.slots[i].cancel_fd >= 0)
            close(x.slots[i].cancel_fd);
    lookback_free(x.lookback);
    if (topics)
        rd_kafka_topic_partition_list_destroy(topics);
    offsets_free(x.offsets);
    answered_free(x.answered);
    free(x.slots);
    pthread_cond_destroy(&x.cond);
    pthread_mutex_destroy(&x.mu);
    return ret;
}
