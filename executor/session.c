/* session: see session.h. One mutex over the table and every session's
 * queue; each session's thread waits on its own condition (monotonic
 * clock) for an exec, an end, or its idle or lifetime deadline. */
#include "session.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "kq.h"
#include "live.h"
#include "lookback.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

/* Execs waiting in one session at most; beyond, one fails (not charged). */
#define SESSION_QUEUE 16
#define SESSION_QUEUE_STR "16"
/* A restarted executor reads its partition back this far: execs sent to
 * its sessions while it was away are answered "lost" (their callers wait
 * at most timeout + grace, well under this). */
#define SESSION_READ_BACK_MS (10 * 60 * 1000)

struct queued {
    rd_kafka_message_t *m;   /* owned: its headers name the reply partition */
    struct job j;
};

struct session {
    char id[37], account[64];
    int index;               /* its session slot */
    long memory_mb;
    struct sbx_session *box;
    struct sessions *owner;
    pthread_t thread;
    pthread_cond_t cond;
    int64_t idle_ms, idle_at_ms, dies_at_ms;   /* monotonic */
    struct queued q[SESSION_QUEUE];
    int qhead, qn;
    int end;                 /* an "end" message came */
    char running[37];        /* the exec running now ("": none) */
    int cancel_fd;           /* eventfd: written when it is cancelled (run.h) */
    int cancel_written;      /* cancel_fd holds a count not read yet */
    char cancelled[SESSION_QUEUE][37];   /* queued execs cancelled before their turn */
    int ncancelled;
};

struct sessions {
    const struct cfg *cfg;
    struct sbx *sb;
    rd_kafka_t *producer, *rk;
    char instance[160], executor_id[64];
    int32_t partition;
    int64_t read_back_end;   /* the partition's end at start: messages before it were read back */
    struct lookback *lookback;   /* the results topic, for read-back execs answered before a crash */
    pthread_t reader;
    int reader_started;
    atomic_int stop;
    pthread_mutex_t mu;
    struct session **v;      /* [session_slots]: NULL free, else the session (reserved while being made) */
    long memory_used, open;
    struct metric *m_ended[SESSION_END_N];
};

static const char *const end_names[SESSION_END_N] = {"idle_timeout", "max_lifetime", "deleted", "died"};

/* Publishes r to the reply topic and partition m's headers name, as a
 * sync job's result (no offset to store: the partition is not a group's). */
static void publish(struct sessions *ss, const rd_kafka_message_t *m, const struct result *r)
{
    char reply_to[128], *json = result_to_json(r);
    rd_kafka_resp_err_t err;
    int32_t part = kq_reply_partition(m);

    if (!json)
        return;
    if (kq_header(m, KQ_H_REPLY_TO, reply_to, sizeof(reply_to)) < 0)
        snprintf(reply_to, sizeof(reply_to), "%s", ss->cfg->results_topic);
    for (;;) {
        err = kq_produce_to(ss->producer, reply_to, part, r->id, json, "sync", "result", NULL, -1, NULL);
        if (err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION && part != RD_KAFKA_PARTITION_UA) {
            part = RD_KAFKA_PARTITION_UA;
            continue;
        }
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || atomic_load(&ss->stop))
            break;
        util_sleep_ms(100);
    }
    if (err) {
        log_msg(LOG_ERR, "job=%s session=%s result not queued: %s", r->id, r->session_id, rd_kafka_err2str(err));
        free(json);
    }
}

/* A result for j, answering op of session sid (init'd: the caller
 * releases it), charged j's credits until said otherwise. */
static void result_for(struct sessions *ss, struct result *r, const struct job *j, const char *sid, const char *op)
{
    result_init(r);
    memcpy(r->id, j->id, sizeof(r->id));
    snprintf(r->executor, sizeof(r->executor), "%s", ss->executor_id);
    snprintf(r->account, sizeof(r->account), "%s", j->account);
    memcpy(r->session_id, sid, sizeof(r->session_id));
    snprintf(r->session_op, sizeof(r->session_op), "%s", op);
    r->credits = j->credits;
}

/* The result of j that never ran: not charged (the API refunds it). */
static void answer_unrun(struct sessions *ss, const rd_kafka_message_t *m, const struct job *j, int lost,
                         const char *why)
{
    struct result r;

    result_for(ss, &r, j, j->session_id, j->session_op);
    r.credits = 0;
    r.status = util_wall_ms() > j->expires_at_ms ? RESULT_EXPIRED : RESULT_FAILED;
    r.session_lost = lost;
    r.session_ended = lost;
    r.exit_code = -1;
    snprintf(r.error, sizeof(r.error), "%s", why);
    r.finished_at_ms = util_wall_ms();
    publish(ss, m, &r);
    result_release(&r);
}

/* Runs one exec of se and publishes its result. Session thread, unlocked. */
static void run_exec(struct sessions *ss, struct session *se, struct queued *e)
{
    struct job *j = &e->j;
    struct result r;
    struct live live;
    struct sbx_watch w = {NULL, -1};
    char errstr[256] = "";
    int32_t part = kq_reply_partition(e->m);
    int rc;

    if (util_wall_ms() > j->expires_at_ms) {
        answer_unrun(ss, e->m, j, 0, "the exec waited past its deadline behind the session's others; not run");
        return;
    }
    pthread_mutex_lock(&ss->mu);
    {
        int was_cancelled = 0;
        for (int i = 0; i < se->ncancelled; i++)
            if (strcmp(se->cancelled[i], j->id) == 0) {
                was_cancelled = 1;
                memcpy(se->cancelled[i], se->cancelled[--se->ncancelled], 37);   /* its turn came: done with */
                break;
            }
        if (was_cancelled) {
            pthread_mutex_unlock(&ss->mu);
            answer_unrun(ss, e->m, j, 0, "cancelled before it ran");
            return;
        }
        if (se->cancel_written) {
            uint64_t stale;
            while (read(se->cancel_fd, &stale, sizeof(stale)) > 0)
                ;
            se->cancel_written = 0;
        }
        memcpy(se->running, j->id, sizeof(se->running));
    }
    pthread_mutex_unlock(&ss->mu);
    w.cancel_fd = se->cancel_fd;
    result_for(ss, &r, j, se->id, "exec");
    if (j->stream && part != RD_KAFKA_PARTITION_UA) {
        live_begin(&live, ss->producer, ss->cfg->output_topic, part, j->id, "sync", 0);
        w.live = &live;
    }
    rc = sbx_session_exec(ss->sb, se->box, j, &r, &w, errstr, sizeof(errstr));
    pthread_mutex_lock(&ss->mu);
    se->running[0] = '\0';
    pthread_mutex_unlock(&ss->mu);
    if (rc < 0) {
        result_release(&r);
        log_msg(LOG_WARNING, "job=%s session=%s exec not run: %s", j->id, se->id, errstr);
        answer_unrun(ss, e->m, j, 1, errstr);
        return;
    }
    r.status = RESULT_COMPLETED;
    r.session_ended = sbx_session_dead(se->box);
    r.finished_at_ms = util_wall_ms();
    log_msg(LOG_INFO, "job=%s session=%s exit=%d ran_ms=%ld%s", j->id, se->id, r.exit_code, r.execution_time_ms,
            r.session_ended ? " (the session ended)" : "");
    publish(ss, e->m, &r);
    result_release(&r);
}

static void fork_session(struct sessions *ss, struct session *se, struct queued *e);
static void *session_main(void *arg);
static void unreserve(struct sessions *ss, long index, long mem);

static void queued_release(struct queued *e)
{
    job_release(&e->j);
    rd_kafka_message_destroy(e->m);
}

static void *session_main(void *arg)
{
    struct session *se = arg;
    struct sessions *ss = se->owner;
    int why = SESSION_END_DIED;

    pthread_mutex_lock(&ss->mu);
    for (;;) {
        struct queued e;
        while (!se->qn && !se->end && !atomic_load(&ss->stop)) {
            int64_t now = util_mono_ms(), wake = se->idle_at_ms < se->dies_at_ms ? se->idle_at_ms : se->dies_at_ms;
            struct timespec ts;
            if (now >= wake)
                break;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += (time_t)((wake - now) / 1000);
            ts.tv_nsec += (long)((wake - now) % 1000) * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&se->cond, &ss->mu, &ts);
        }
        if (se->end || atomic_load(&ss->stop)) {
            why = SESSION_END_DELETED;
            break;
        }
        if (!se->qn) {
            why = util_mono_ms() >= se->dies_at_ms ? SESSION_END_LIFETIME : SESSION_END_IDLE;
            break;
        }
        e = se->q[se->qhead];
        se->qhead = (se->qhead + 1) % SESSION_QUEUE;
        se->qn--;
        pthread_mutex_unlock(&ss->mu);
        if (strcmp(e.j.session_op, "fork") == 0)
            fork_session(ss, se, &e);
        else
            run_exec(ss, se, &e);
        queued_release(&e);
        pthread_mutex_lock(&ss->mu);
        se->idle_at_ms = util_mono_ms() + se->idle_ms;
        if (sbx_session_dead(se->box)) {
            why = SESSION_END_DIED;
            break;
        }
    }
    /* Off the table first: what comes for it from now on is "lost". Its
     * place stays taken (reserved) until its sandbox is gone, so a new
     * session always finds a sandbox slot free. */
    ss->v[se->index] = (struct session *)&ss->v[se->index];
    pthread_mutex_unlock(&ss->mu);
    metrics_add(ss->m_ended[why], 1);
    log_msg(LOG_INFO, "session=%s ended: %s", se->id, end_names[why]);
    sbx_session_end(ss->sb, se->box);
    unreserve(ss, se->index, se->memory_mb);
    while (se->qn) {
        struct queued *e = &se->q[se->qhead];
        answer_unrun(ss, e->m, &e->j, 1, "the session ended before this exec ran");
        queued_release(e);
        se->qhead = (se->qhead + 1) % SESSION_QUEUE;
        se->qn--;
    }
    pthread_cond_destroy(&se->cond);
    close(se->cancel_fd);
    free(se);
    return NULL;
}

/* With ss->mu held: the session id, held by this executor, or NULL. */
static struct session *find(struct sessions *ss, const char *id)
{
    for (long i = 0; i < ss->cfg->session_slots; i++)
        if (ss->v[i] && ss->v[i] != (struct session *)&ss->v[i] && strcmp(ss->v[i]->id, id) == 0)
            return ss->v[i];
    return NULL;
}

/* One message of the partition: an exec or an end for one of ours. */
static void on_message(struct sessions *ss, rd_kafka_message_t *m)
{
    struct job j;
    char errstr[200];
    struct session *se;

    if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            log_msg(LOG_WARNING, "sessions topic: %s", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        return;
    }
    if (job_from_json(&j, m->payload, m->len, errstr, sizeof(errstr)) < 0) {
        log_msg(LOG_WARNING, "bad session message at %s[%d]@%lld: %s", rd_kafka_topic_name(m->rkt), m->partition,
                (long long)m->offset, errstr);
        rd_kafka_message_destroy(m);
        return;
    }
    /* Another executor's (its id hashes to this partition too), or one
     * nobody waits for any more. */
    if (strcmp(j.session_executor, ss->instance) != 0 || util_wall_ms() > j.expires_at_ms) {
        job_release(&j);
        rd_kafka_message_destroy(m);
        return;
    }
    pthread_mutex_lock(&ss->mu);
    se = find(ss, j.session_id);
    if (se && strcmp(se->account, j.account) != 0)
        se = NULL;   /* the API checks the key; never trust a message alone */
    if (se && strcmp(j.session_op, "end") == 0) {
        se->end = 1;
        pthread_cond_signal(&se->cond);
    } else if (se && (strcmp(j.session_op, "exec") == 0 || strcmp(j.session_op, "fork") == 0) &&
               se->qn < SESSION_QUEUE) {
        se->q[(se->qhead + se->qn) % SESSION_QUEUE] = (struct queued){m, j};
        se->qn++;
        pthread_cond_signal(&se->cond);
        pthread_mutex_unlock(&ss->mu);
        return;   /* the session's thread owns m and j now */
    }
    pthread_mutex_unlock(&ss->mu);
    if (!se && m->offset < ss->read_back_end && ss->lookback) {
        /* Read back at start: the executor's previous run may have
         * answered it before it died. Once is the rule: skip it then. */
        char topic[128];
        if (kq_header(m, KQ_H_REPLY_TO, topic, sizeof(topic)) < 0)
            snprintf(topic, sizeof(topic), "%s", ss->cfg->results_topic);
        if (lookback_find(ss->lookback, topic, kq_reply_partition(m), j.id, j.submitted_at_ms, 5000) == 1) {
            job_release(&j);
            rd_kafka_message_destroy(m);
            return;
        }
    }
    if (strcmp(j.session_op, "exec") == 0 || strcmp(j.session_op, "fork") == 0)
        answer_unrun(ss, m, &j, !se,
                     se ? "the session has " SESSION_QUEUE_STR " execs waiting already; not run"
                        : "the session is gone (it ended: idle timeout, lifetime, deleted, or its executor "
                          "restarted); not run");
    job_release(&j);
    rd_kafka_message_destroy(m);
}

static void *reader_main(void *arg)
{
    struct sessions *ss = arg;

    while (!atomic_load(&ss->stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(ss->rk, 200);
        if (m)
            on_message(ss, m);
    }
    return NULL;
}

static double open_sessions(void *arg)
{
    return (double)sessions_open(arg);
}


struct sessions *sessions_new(const struct cfg *c, struct sbx *sb, rd_kafka_t *producer, struct lookback *lb,
                              const char *instance, const char *executor_id, char *errstr, size_t errstr_size)
{
    struct sessions *ss = calloc(1, sizeof(*ss));
    rd_kafka_topic_partition_list_t *at = NULL;
    int n;

    if (!ss || !(ss->v = calloc((size_t)c->session_slots + 1, sizeof(*ss->v)))) {
        snprintf(errstr, errstr_size, "out of memory");
        free(ss);
        return NULL;
    }
    ss->cfg = c;
    ss->sb = sb;
    ss->producer = producer;
    ss->lookback = lb;
    snprintf(ss->instance, sizeof(ss->instance), "%s", instance);
    snprintf(ss->executor_id, sizeof(ss->executor_id), "%s", executor_id);
    pthread_mutex_init(&ss->mu, NULL);
    if (!(ss->rk = kq_consumer_new(c, NULL, NULL, NULL, NULL, 0, errstr, errstr_size)))
        goto fail;
    if ((n = kq_partition_count(ss->rk, c->sessions_topic, 30000, errstr, errstr_size)) <= 0)
        goto fail;
    ss->partition = (int32_t)(util_fnv1a(instance) % (uint32_t)n);
    at = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(at, c->sessions_topic, ss->partition)->offset =
        util_wall_ms() - SESSION_READ_BACK_MS;
    if (rd_kafka_offsets_for_times(ss->rk, at, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR || at->elems[0].err) {
        snprintf(errstr, errstr_size, "sessions topic %s[%d]: no offset for the last ten minutes",
                 c->sessions_topic, (int)ss->partition);
        goto fail;
    }
    if (at->elems[0].offset < 0)
        at->elems[0].offset = RD_KAFKA_OFFSET_END;   /* nothing written since */
    {
        int64_t lo = 0, hi = 0;
        if (rd_kafka_query_watermark_offsets(ss->rk, c->sessions_topic, ss->partition, &lo, &hi, 30000) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
            snprintf(errstr, errstr_size, "sessions topic %s[%d]: no end offset", c->sessions_topic,
                     (int)ss->partition);
            goto fail;
        }
        ss->read_back_end = hi;
    }
    if (rd_kafka_assign(ss->rk, at) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(errstr, errstr_size, "assign %s[%d]", c->sessions_topic, (int)ss->partition);
        goto fail;
    }
    rd_kafka_topic_partition_list_destroy(at);
    at = NULL;
    if (pthread_create(&ss->reader, NULL, reader_main, ss) != 0) {
        snprintf(errstr, errstr_size, "cannot start the sessions reader");
        goto fail;
    }
    ss->reader_started = 1;
    metrics_gauge_fn("execq_executor_sessions_open", "Sessions this executor holds now.", NULL, open_sessions, ss);
    for (int i = 0; i < SESSION_END_N; i++) {
        char labels[48];
        snprintf(labels, sizeof(labels), "why=\"%s\"", end_names[i]);
        ss->m_ended[i] = metrics_counter("execq_executor_sessions_ended_total", "Sessions ended, by why.", labels);
    }
    log_msg(LOG_INFO, "sessions: up to %ld (%ld MiB together), execs on %s[%d]", c->session_slots,
            c->session_memory_mb, c->sessions_topic, (int)ss->partition);
    return ss;
fail:
    if (at)
        rd_kafka_topic_partition_list_destroy(at);
    sessions_free(ss);
    return NULL;
}

/* Takes a place for a session of mem MiB within the budget: returns its
 * index (the table's), or -1 when sessions-slots or session-memory-mb
 * would be passed. */
static long reserve(struct sessions *ss, long mem)
{
    const struct cfg *c = ss->cfg;
    long index = -1;

    pthread_mutex_lock(&ss->mu);
    if (ss->open < c->session_slots && ss->memory_used + mem <= c->session_memory_mb)
        for (long i = 0; i < c->session_slots && index < 0; i++)
            if (!ss->v[i])
                index = i;
    if (index >= 0) {
        ss->v[index] = (struct session *)&ss->v[index];   /* reserved: find() skips it until it is made */
        ss->open++;
        ss->memory_used += mem;
    }
    pthread_mutex_unlock(&ss->mu);
    return index;
}

static void unreserve(struct sessions *ss, long index, long mem)
{
    pthread_mutex_lock(&ss->mu);
    ss->v[index] = NULL;
    ss->open--;
    ss->memory_used -= mem;
    pthread_mutex_unlock(&ss->mu);
}

/* Fills the result of a create or fork (r: its id and credits set) that
 * failed for why. */
static void not_made(struct result *r, const char *why)
{
    r->status = RESULT_FAILED;
    r->credits = 0;
    r->exit_code = -1;
    snprintf(r->error, sizeof(r->error), "%.200s", why);
}

/* Starts session id in box (owned from now on) at index: its thread runs
 * its execs. Fills r (completed). Returns 0, or -1 with box ended and the
 * place given back. */
static int start(struct sessions *ss, const struct job *j, const char *id, long index, long mem,
                 struct sbx_session *box, struct result *r)
{
    struct session *se = calloc(1, sizeof(*se));
    pthread_condattr_t ca;

    if (!se) {
        sbx_session_end(ss->sb, box);
        unreserve(ss, index, mem);
        not_made(r, "out of memory");
        return -1;
    }
    se->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (se->cancel_fd < 0) {
        free(se);
        sbx_session_end(ss->sb, box);
        unreserve(ss, index, mem);
        not_made(r, "no eventfd for the session");
        return -1;
    }
    memcpy(se->id, id, sizeof(se->id));
    snprintf(se->account, sizeof(se->account), "%s", j->account);
    se->index = (int)index;
    se->memory_mb = mem;
    se->owner = ss;
    se->box = box;
    se->idle_ms = (int64_t)j->session_idle_s * 1000;
    se->idle_at_ms = util_mono_ms() + se->idle_ms;
    se->dies_at_ms = util_mono_ms() + (int64_t)j->session_lifetime_s * 1000;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&se->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_lock(&ss->mu);
    if (pthread_create(&se->thread, NULL, session_main, se) != 0) {
        ss->v[index] = NULL;
        ss->open--;
        ss->memory_used -= mem;
        pthread_mutex_unlock(&ss->mu);
        sbx_session_end(ss->sb, box);
        pthread_cond_destroy(&se->cond);
        close(se->cancel_fd);
        free(se);
        not_made(r, "no thread for the session");
        return -1;
    }
    ss->v[index] = se;
    pthread_detach(se->thread);
    pthread_mutex_unlock(&ss->mu);
    memcpy(r->session_id, id, sizeof(r->session_id));
    r->status = RESULT_COMPLETED;
    r->exit_code = 0;
    r->credits = j->credits;
    r->session_partition = (int)ss->partition;
    snprintf(r->session_executor, sizeof(r->session_executor), "%s", ss->instance);
    return 0;
}

void sessions_create(struct sessions *ss, const struct job *j, struct result *r)
{
    const struct cfg *c = ss ? ss->cfg : NULL;
    long mem = c && j->memory_mb > c->max_memory_mb ? c->max_memory_mb : j->memory_mb;
    char errstr[256], why[256];
    struct sbx_session *box;
    long index;

    memcpy(r->session_id, j->session_id, sizeof(r->session_id));
    snprintf(r->session_op, sizeof(r->session_op), "create");
    if (!ss || (index = reserve(ss, mem)) < 0) {
        snprintf(why, sizeof(why), "no executor had room for another session (this one holds at most %ld, %ld MiB "
                 "together)", c ? c->session_slots : 0, c ? c->session_memory_mb : 0);
        not_made(r, why);
        r->session_full = 1;
        return;
    }
    if (!(box = sbx_session_new(ss->sb, j, j->session_lifetime_s, errstr, sizeof(errstr)))) {
        unreserve(ss, index, mem);
        snprintf(why, sizeof(why), "could not make the session's sandbox: %.200s", errstr);
        not_made(r, why);
        return;
    }
    if (start(ss, j, j->session_id, index, mem, box, r) == 0)
        log_msg(LOG_INFO, "session=%s made (%ld MiB, idle %ld s, lifetime %ld s)", j->session_id, mem,
                j->session_idle_s, j->session_lifetime_s);
}

/* A fork of se (its thread, between its execs): publishes the new
 * session's create result. */
static void fork_session(struct sessions *ss, struct session *se, struct queued *e)
{
    const struct job *j = &e->j;
    struct sbx_session *box;
    struct result r;
    char errstr[256], why[256];
    long index;
    int64_t t0 = util_mono_us();

    result_for(ss, &r, j, j->session_new_id, "fork");
    if (util_wall_ms() > j->expires_at_ms) {
        not_made(&r, "the fork waited past its deadline behind the session's execs");
        r.status = RESULT_EXPIRED;
    } else if ((index = reserve(ss, se->memory_mb)) < 0) {
        snprintf(why, sizeof(why), "no room for another session on this executor (at most %ld, %ld MiB together)",
                 ss->cfg->session_slots, ss->cfg->session_memory_mb);
        not_made(&r, why);
    } else if (!(box = sbx_session_fork(ss->sb, se->box, errstr, sizeof(errstr)))) {
        unreserve(ss, index, se->memory_mb);
        snprintf(why, sizeof(why), "the session could not fork: %.200s", errstr);
        not_made(&r, why);
    } else if (start(ss, j, j->session_new_id, index, se->memory_mb, box, &r) == 0) {
        r.execution_time_ms = (long)((util_mono_us() - t0) / 1000);
        log_msg(LOG_INFO, "session=%s forked from %s in %lld us", j->session_new_id, se->id,
                (long long)(util_mono_us() - t0));
    }
    r.finished_at_ms = util_wall_ms();
    publish(ss, e->m, &r);
    result_release(&r);
}

void sessions_cancel(struct sessions *ss, const char *id)
{
    uint64_t one = 1;

    pthread_mutex_lock(&ss->mu);
    for (long i = 0; i < ss->cfg->session_slots; i++) {
        struct session *se = ss->v[i];
        if (!se || se == (struct session *)&ss->v[i])
            continue;
        if (strcmp(se->running, id) == 0) {
            if (write(se->cancel_fd, &one, sizeof(one)) == sizeof(one))
                se->cancel_written = 1;
            log_msg(LOG_INFO, "job=%s session=%s cancelled while it runs: interrupted", id, se->id);
        }
        for (int k = 0; k < se->qn; k++)
            if (strcmp(se->q[(se->qhead + k) % SESSION_QUEUE].j.id, id) == 0 && se->ncancelled < SESSION_QUEUE)
                memcpy(se->cancelled[se->ncancelled++], id, 37);
    }
    pthread_mutex_unlock(&ss->mu);
}

long sessions_open(struct sessions *ss)
{
    long n;
    pthread_mutex_lock(&ss->mu);
    n = ss->open;
    pthread_mutex_unlock(&ss->mu);
    return n;
}

void sessions_free(struct sessions *ss)
{
    if (!ss)
        return;
    atomic_store(&ss->stop, 1);
    if (ss->reader_started)
        pthread_join(ss->reader, NULL);
    /* Every session's thread ends it and leaves (they are detached). */
    for (;;) {
        long open;
        pthread_mutex_lock(&ss->mu);
        for (long i = 0; i < ss->cfg->session_slots; i++)
            if (ss->v[i] && ss->v[i] != (struct session *)&ss->v[i])
                pthread_cond_signal(&ss->v[i]->cond);
        open = ss->open;
        pthread_mutex_unlock(&ss->mu);
        if (!open)
            break;
        util_sleep_ms(20);
    }
    if (ss->rk) {
        rd_kafka_consumer_close(ss->rk);
        rd_kafka_destroy(ss->rk);
    }
    pthread_mutex_destroy(&ss->mu);
    free(ss->v);
    free(ss);
}
