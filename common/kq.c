/* kq: librdkafka set-up shared by the API and the executor (see kq.h).
 * librdkafka here is 2.0.2: no KIP-848 consumer protocol, so the executors use
 * the classic group protocol with the default eager assignors. */
#include "kq.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"

/* Returns 0, or -1 with librdkafka's reason in errstr. */
static int set(rd_kafka_conf_t *conf, const char *k, const char *v, char *errstr, size_t errstr_size)
{
    if (rd_kafka_conf_set(conf, k, v, errstr, errstr_size) != RD_KAFKA_CONF_OK)
        return -1;
    return 0;
}

/* Kafka's connection events, logged once each, saying what execq does.
 * librdkafka reports a lost connection twice (a FAIL log line and an error
 * callback), once per client (the API has four), and again at every failed
 * reconnection; the error callback is the one kept, and a line already
 * logged in the last KQ_REPEAT_MS goes to debug. */
#define KQ_REPEAT_MS 30000

static atomic_int ever_up;            /* a broker has answered this process */
static const char *outage_note = "librdkafka reconnects by itself";
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char key[160];
    int64_t at_ms;
} seen[16];

static atomic_int logged_since_up;   /* a line went through repeated() */

void kq_set_outage_note(const char *note)
{
    outage_note = note;
}

void kq_note_up(void)
{
    /* Called for every delivery: reads only, unless something changes. */
    if (!atomic_load(&ever_up))
        atomic_store(&ever_up, 1);
    if (atomic_load(&logged_since_up) && atomic_exchange(&logged_since_up, 0)) {
        /* The next loss is a new event: logged again. */
        pthread_mutex_lock(&seen_mu);
        memset(seen, 0, sizeof(seen));
        pthread_mutex_unlock(&seen_mu);
    }
}

/* Whether a line like this one was logged in the last KQ_REPEAT_MS (if
 * not, it is recorded). Digits are left out of the comparison: timings and
 * counts change from one retry to the next. */
static int repeated(const char *line)
{
    char key[160];
    size_t n = 0;
    int64_t now = util_mono_ms(), oldest = INT64_MAX;
    int slot = 0, rep = 0;

    for (const char *p = line; *p && n < sizeof(key) - 1; p++)
        if (*p < '0' || *p > '9')
            key[n++] = *p;
    key[n] = '\0';
    atomic_store(&logged_since_up, 1);
    pthread_mutex_lock(&seen_mu);
    for (int i = 0; i < 16; i++) {
        if (seen[i].at_ms && strcmp(seen[i].key, key) == 0 && now - seen[i].at_ms < KQ_REPEAT_MS) {
            rep = 1;
            break;
        }
        if (seen[i].at_ms < oldest) {
            oldest = seen[i].at_ms;
            slot = i;
        }
    }
    if (!rep) {
        snprintf(seen[slot].key, sizeof(seen[slot].key), "%s", key);
        seen[slot].at_ms = now;
    }
    pthread_mutex_unlock(&seen_mu);
    return rep;
}

/* Removes from a librdkafka reason the guesses it adds to every early
 * disconnection (a TLS or SASL listener, an old broker): once a broker has
 * answered this process they are not the cause, and they alarm. */
static void strip_hints(char *s)
{
    static const char *const hints[] = {
        ": might be caused by incorrect security.protocol configuration (connecting to a SSL listener?) or broker "
        "version is < 0.10 (see api.version.request)",
        ": verify that security.protocol is correctly configured, broker might require SASL authentication",
    };
    for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
        char *at = strstr(s, hints[i]);
        if (at)
            memmove(at, at + strlen(hints[i]), strlen(at + strlen(hints[i])) + 1);
    }
}

static void kq_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    /* FAIL: the same event comes to kq_error_cb. GETPID: a producer's id
     * is retried while a (re)started broker loads its coordinator state. */
    if (strcmp(fac, "FAIL") == 0 || strcmp(fac, "GETPID") == 0)
        level = LOG_DEBUG;
    /* A fatal error is the client's end, not the host's (librdkafka says
     * "emerg"); a consumer's comes to its owner's poll, which says what it
     * does about it (a fenced executor rejoins). */
    if (strcmp(fac, "FATAL") == 0)
        level = rd_kafka_type(rk) == RD_KAFKA_CONSUMER ? LOG_DEBUG : LOG_ERR;
    log_msg(level, "kafka %s: %s", fac, buf);
}

/* When a producer of this process last saw every broker connection down
 * (util_mono_ms; 0: not since the brokers last answered a kq_ping). */
static atomic_llong all_down_ms;

int64_t kq_all_brokers_down_since(void)
{
    return atomic_load(&all_down_ms);
}

static void kq_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    char line[512];
    int level;

    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && rd_kafka_type(rk) == RD_KAFKA_PRODUCER) {
        long long none = 0;
        atomic_compare_exchange_strong(&all_down_ms, &none, (long long)util_mono_ms());
    }
    snprintf(line, sizeof(line), "%s", reason);
    if (atomic_load(&ever_up))
        strip_hints(line);
    /* log_msg evaluates its level twice: repeated() is asked once. */
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        level = repeated("all brokers down") ? LOG_DEBUG : LOG_WARNING;
        log_msg(level, "kafka: every broker connection is down (%s); %s", line, outage_note);
    } else if (err == RD_KAFKA_RESP_ERR__TRANSPORT) {
        /* One connection: librdkafka reconnects, every few hundred ms, each
         * failure reported again. One line per broker (the text before
         * ": ", "host:port/id"), none for the coordinator connection (the
         * same broker); the loss of every broker is the event (above). */
        char who[160];
        size_t n = strcspn(line, " ");
        snprintf(who, sizeof(who), "lost %.*s", (int)(n && line[n - 1] == ':' ? n - 1 : n), line);
        level = strncmp(line, "GroupCoordinator", 16) == 0 || repeated(who) ? LOG_DEBUG : LOG_INFO;
        log_msg(level, "kafka: connection %s; reconnecting", line);
    } else {
        level = repeated(line) ? LOG_DEBUG : LOG_WARNING;
        log_msg(level, "kafka error %s: %s", rd_kafka_err2name(err), line);
    }
}

/* Settings both kinds of client get. Returns a conf or NULL with the reason. */
static rd_kafka_conf_t *base_conf(const struct cfg *c, char *errstr, size_t errstr_size)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();

    if (set(conf, "bootstrap.servers", c->brokers, errstr, errstr_size) < 0 ||
        set(conf, "socket.nagle.disable", "true", errstr, errstr_size) < 0 ||
        set(conf, "reconnect.backoff.ms", "50", errstr, errstr_size) < 0 ||
        set(conf, "reconnect.backoff.max.ms", "1000", errstr, errstr_size) < 0 ||
        set(conf, "topic.metadata.refresh.interval.ms", "10000", errstr, errstr_size) < 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    /* The operator's own properties (TLS, SASL, client.id, timeouts...),
     * after execq's, so they win. librdkafka names a wrong one. */
    for (const char *p = c->kafka_props; *p;) {
        char kv[1200], reason[256], *eq;
        size_t n = strcspn(p, "\n");
        snprintf(kv, sizeof(kv), "%.*s", (int)n, p);
        p += n + (p[n] == '\n');
        if (!(eq = strchr(kv, '=')))
            continue;
        *eq = '\0';
        if (rd_kafka_conf_set(conf, kv, eq + 1, reason, sizeof(reason)) != RD_KAFKA_CONF_OK) {
            snprintf(errstr, errstr_size, "Kafka property %s: %s", kv, reason);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    rd_kafka_conf_set_log_cb(conf, kq_log_cb);
    rd_kafka_conf_set_error_cb(conf, kq_error_cb);
    return conf;
}

rd_kafka_t *kq_producer_new(const struct cfg *c, void (*dr_cb)(rd_kafka_t *, const rd_kafka_message_t *, void *),
                            void *opaque, long message_timeout_ms, char *errstr, size_t errstr_size)
{
    rd_kafka_conf_t *conf = base_conf(c, errstr, errstr_size);
    rd_kafka_t *rk;
    char timeout[24];

    snprintf(timeout, sizeof(timeout), "%ld", message_timeout_ms);
    if (!conf)
        return NULL;
    /* linger 0: a job is one message and someone is waiting for it. */
    if (set(conf, "linger.ms", "0", errstr, errstr_size) < 0 ||
        set(conf, "acks", "all", errstr, errstr_size) < 0 ||
        set(conf, "enable.idempotence", "true", errstr, errstr_size) < 0 ||
        set(conf, "message.timeout.ms", timeout, errstr, errstr_size) < 0 ||
        set(conf, "compression.type", "lz4", errstr, errstr_size) < 0 ||
        set(conf, "message.max.bytes", KQ_MAX_MESSAGE_STR, errstr, errstr_size) < 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (dr_cb)
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, opaque);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size);   /* owns conf on success */
    if (!rk)
        rd_kafka_conf_destroy(conf);
    return rk;
}

/* One line per failed commit (not per partition), and the same failure
 * once in KQ_REPEAT_MS: while the coordinator is away every commit fails
 * alike, and the offsets are committed again once it is back. */
void kq_commit_report(rd_kafka_t *rk, rd_kafka_resp_err_t err, const rd_kafka_topic_partition_list_t *offsets)
{
    rd_kafka_resp_err_t first = err;
    char line[200];
    int level;

    if (err == RD_KAFKA_RESP_ERR__NO_OFFSET || err == RD_KAFKA_RESP_ERR__FATAL || rd_kafka_fatal_error(rk, NULL, 0))
        return;   /* nothing to commit; or the consumer is done for, which its owner reports */
    for (int i = 0; offsets && i < offsets->cnt && !first; i++)
        first = offsets->elems[i].err;
    if (!first) {
        kq_note_up();
        for (int i = 0; offsets && i < offsets->cnt; i++)
            log_msg(LOG_DEBUG, "commit %s[%d]@%lld", offsets->elems[i].topic, (int)offsets->elems[i].partition,
                    (long long)offsets->elems[i].offset);
        return;
    }
    snprintf(line, sizeof(line), "offset commit failed: %s", rd_kafka_err2str(first));
    level = repeated(line) ? LOG_DEBUG : LOG_WARNING;
    log_msg(level, "kafka: %s (%d partition(s)); they are committed again each second until the coordinator "
            "takes them", line, offsets ? offsets->cnt : 0);
}

static void kq_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    (void)opaque;
    kq_commit_report(rk, err, offsets);
}

rd_kafka_t *kq_consumer_new(const struct cfg *c, const char *group_id, const char *instance_id, kq_rebalance_fn rebalance_cb,
                            void *opaque, int prefetch_msgs, char *errstr, size_t errstr_size)
{
    rd_kafka_conf_t *conf = base_conf(c, errstr, errstr_size);
    rd_kafka_t *rk;
    char prefetch[24];

    snprintf(prefetch, sizeof(prefetch), "%d", prefetch_msgs > 0 ? prefetch_msgs : 100000);

    if (!conf)
        return NULL;
    /* A fetch is long-polled: the broker answers it as soon as a message
     * is there, and holds it up to fetch.wait.max.ms when none is. At 10
     * ms every idle consumer sent each broker 100 fetches a second (the
     * cluster test's three brokers spent a CPU on them). But a partition
     * that becomes fetchable (assigned, or its queue drained) waits for
     * the fetch in flight to that broker: at 500 ms a restarted executor's
     * jobs flowed 1.0 s after it instead of 0.2. 100 ms: sync p50 14.4 ->
     * 13.5 ms (tests/bench/store.py), the 1,000-job failover batch 35.6 ->
     * 25.4 s, jobs flowing 0.2 s after a restart (docs/scaling.md). */
    if (set(conf, "fetch.wait.max.ms", "100", errstr, errstr_size) < 0 ||
        set(conf, "fetch.error.backoff.ms", "50", errstr, errstr_size) < 0 ||
        set(conf, "group.id", group_id ? group_id : "execq-unused", errstr, errstr_size) < 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (group_id) {
        if (set(conf, "enable.auto.commit", "true", errstr, errstr_size) < 0 ||
            set(conf, "auto.commit.interval.ms", "1000", errstr, errstr_size) < 0 ||
            set(conf, "enable.auto.offset.store", "false", errstr, errstr_size) < 0 ||
            set(conf, "auto.offset.reset", "earliest", errstr, errstr_size) < 0 ||
            set(conf, "queued.min.messages", prefetch, errstr, errstr_size) < 0 ||
            set(conf, "queued.max.messages.kbytes", "1024", errstr, errstr_size) < 0 ||
            /* A member gone for good (its host died) holds its partitions
             * this long: the failover time of an executor host. */
            set(conf, "session.timeout.ms", "6000", errstr, errstr_size) < 0 ||
            set(conf, "heartbeat.interval.ms", "1000", errstr, errstr_size) < 0 ||
            set(conf, "max.poll.interval.ms", "300000", errstr, errstr_size) < 0 ||
            /* Static membership (KIP-345): a member that restarts within
             * the session timeout takes its partitions back with no
             * rebalance, so the rest of the group never stops for it. */
            (instance_id && set(conf, "group.instance.id", instance_id, errstr, errstr_size) < 0)) {
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    } else {
        if (set(conf, "enable.auto.commit", "false", errstr, errstr_size) < 0) {
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    if (rebalance_cb)
        rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_offset_commit_cb(conf, kq_commit_cb);
    rd_kafka_conf_set_opaque(conf, opaque);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* Fetches topic's metadata into rk's cache, retrying while a new topic has
 * no partition leaders yet. A producer otherwise learns a topic only when
 * its first message waits for librdkafka's one-second topic scan: an
 * executor's first second of results would then be neither delivered nor
 * committed. On success *md (the caller's, freed with
 * rd_kafka_metadata_destroy) holds the topic alone. */
static int topic_metadata(rd_kafka_t *rk, rd_kafka_topic_t *t, const struct rd_kafka_metadata **md, int timeout_ms,
                          char *errstr, size_t errstr_size)
{
    const char *topic = rd_kafka_topic_name(t);
    int64_t deadline = util_mono_ms() + timeout_ms;

    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, t, md, timeout_ms);
        int ready = 0;

        if (err) {
            snprintf(errstr, errstr_size, "metadata of %s: %s", topic, rd_kafka_err2str(err));
            return -1;
        }
        if ((*md)->topic_cnt == 1 && !(*md)->topics[0].err && (*md)->topics[0].partition_cnt > 0) {
            ready = 1;
            for (int i = 0; i < (*md)->topics[0].partition_cnt; i++)
                if ((*md)->topics[0].partitions[i].leader < 0)
                    ready = 0;
        }
        if (ready)
            return 0;
        if (util_mono_ms() >= deadline) {
            snprintf(errstr, errstr_size, "topic %s: %s", topic,
                     (*md)->topic_cnt && (*md)->topics[0].err ? rd_kafka_err2str((*md)->topics[0].err)
                                                              : "no partition leaders");
            rd_kafka_metadata_destroy(*md);
            *md = NULL;
            return -1;
        }
        rd_kafka_metadata_destroy(*md);
        *md = NULL;
        util_sleep_ms(50);
    }
}

#define KQ_NTOPICS 8

int kq_ensure_topics(rd_kafka_t *rk, const struct cfg *c, int timeout_ms, char *errstr, size_t errstr_size)
{
    /* The output topic has a partition for each of the results topic's:
     * an API streams from the one it reads its replies from. */
    const char *names[KQ_NTOPICS] = {c->jobs_topic, c->batch_topic, c->results_topic, c->accounts_topic,
                                     c->output_topic, c->control_topic, c->sessions_topic, c->envs_topic};
    int parts[KQ_NTOPICS] = {(int)c->jobs_partitions, (int)c->jobs_partitions, (int)c->results_partitions, 1,
                             (int)c->results_partitions, 1, (int)c->sessions_partitions, 1};
    rd_kafka_NewTopic_t *nt[KQ_NTOPICS] = {NULL};
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_event_t *ev = NULL;
    int ret = -1;

    rd_kafka_AdminOptions_set_request_timeout(opt, timeout_ms, NULL, 0);
    for (int i = 0; i < KQ_NTOPICS; i++) {
        nt[i] = rd_kafka_NewTopic_new(names[i], parts[i], -1, errstr, errstr_size);
        if (!nt[i])
            goto out;
        /* Results carry up to two capped output streams, possibly twice
         * (text and base64): allow messages that large. */
        if (rd_kafka_NewTopic_set_config(nt[i], "max.message.bytes", KQ_MAX_MESSAGE_STR) ||
            /* Account notices: the latest per account is all that counts. */
            (i == 3 && rd_kafka_NewTopic_set_config(nt[i], "cleanup.policy", "compact")) ||
            /* Output chunks matter while their job runs; the result keeps
             * the output for good. */
            (i == 4 && rd_kafka_NewTopic_set_config(nt[i], "retention.ms", "3600000")) ||
            /* Cancel notices matter until their job's deadline: a day at most. */
            (i == 5 && rd_kafka_NewTopic_set_config(nt[i], "retention.ms", "172800000")) ||
            /* Session execs matter until their deadline (an hour at most):
             * a restarted executor reads back ten minutes to answer the
             * ones sent to its sessions while it was away. */
            (i == 6 && rd_kafka_NewTopic_set_config(nt[i], "retention.ms", "7200000")) ||
            /* Environment notices: the latest per executor and name. */
            (i == 7 && rd_kafka_NewTopic_set_config(nt[i], "cleanup.policy", "compact"))) {
            snprintf(errstr, errstr_size, "topic config rejected");
            goto out;
        }
    }
    rd_kafka_CreateTopics(rk, nt, KQ_NTOPICS, opt, q);
    ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
    if (!ev) {
        snprintf(errstr, errstr_size, "create topics: no answer from %s", c->brokers);
        goto out;
    }
    if (rd_kafka_event_error(ev)) {
        snprintf(errstr, errstr_size, "create topics: %s", rd_kafka_event_error_string(ev));
        goto out;
    }
    const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[i]);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            log_msg(LOG_INFO, "created topic %s", rd_kafka_topic_result_name(tr[i]));
        else if (e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            snprintf(errstr, errstr_size, "create topic %s: %s", rd_kafka_topic_result_name(tr[i]),
                     rd_kafka_topic_result_error_string(tr[i]));
            goto out;
        }
    }
    /* Known to this client before the first job or result is produced. */
    for (int i = 0; i < KQ_NTOPICS; i++) {
        rd_kafka_topic_t *t = rd_kafka_topic_new(rk, names[i], NULL);
        const struct rd_kafka_metadata *md = NULL;
        int rc = t ? topic_metadata(rk, t, &md, timeout_ms, errstr, errstr_size) : -1;
        if (md)
            rd_kafka_metadata_destroy(md);
        if (t)
            rd_kafka_topic_destroy(t);
        if (rc < 0) {
            if (!t)
                snprintf(errstr, errstr_size, "topic %s: %s", names[i], rd_kafka_err2str(rd_kafka_last_error()));
            goto out;
        }
    }
    ret = 0;
    kq_note_up();
out:
    if (ev)
        rd_kafka_event_destroy(ev);
    for (int i = 0; i < KQ_NTOPICS; i++)
        if (nt[i])
            rd_kafka_NewTopic_destroy(nt[i]);
    rd_kafka_AdminOptions_destroy(opt);
    rd_kafka_queue_destroy(q);
    return ret;
}

int kq_assign_at_end(rd_kafka_t *rk, const char *const *topics, int ntopics, int32_t partition, int timeout_ms,
                     char *errstr, size_t errstr_size)
{
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(8);
    rd_kafka_resp_err_t err;
    int ret = -1;

    for (int k = 0; k < ntopics; k++) {
        const char *topic = topics[k];
        rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
        const struct rd_kafka_metadata *md = NULL;
        int rc = topic_metadata(rk, t, &md, timeout_ms, errstr, errstr_size);

        if (rc == 0 && partition >= md->topics[0].partition_cnt) {
            snprintf(errstr, errstr_size, "%s has %d partition(s): partition %d does not exist", topic,
                     md->topics[0].partition_cnt, (int)partition);
            rc = -1;
        }
        for (int i = 0; rc == 0 && i < md->topics[0].partition_cnt; i++) {
            int32_t p = md->topics[0].partitions[i].id;
            int64_t lo, hi;
            if (partition >= 0 && p != partition)
                continue;
            err = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, timeout_ms);
            if (err) {
                snprintf(errstr, errstr_size, "watermarks of %s[%d]: %s", topic, p, rd_kafka_err2str(err));
                rc = -1;
            } else {
                rd_kafka_topic_partition_list_add(parts, topic, p)->offset = hi;
            }
        }
        if (md)
            rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(t);
        if (rc < 0)
            goto out;
    }
    err = rd_kafka_assign(rk, parts);
    if (err) {
        snprintf(errstr, errstr_size, "assign %s: %s", topics[0], rd_kafka_err2str(err));
        goto out;
    }
    ret = 0;
out:
    rd_kafka_topic_partition_list_destroy(parts);
    return ret;
}

int kq_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms, char *errstr, size_t errstr_size)
{
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    int n = -1;

    if (topic_metadata(rk, t, &md, timeout_ms, errstr, errstr_size) == 0)
        n = md->topics[0].partition_cnt;
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    return n;
}

int kq_ping(rd_kafka_t *rk, int timeout_ms, const char *const *topics, int *partitions, int n)
{
    const struct rd_kafka_metadata *md = NULL;
    /* all_topics 0: the brokers, and the topics this client knows (a
     * producer: those it produces to), in one request. */
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, NULL, &md, timeout_ms);

    for (int t = 0; !err && md && t < md->topic_cnt; t++)
        for (int i = 0; i < n; i++)
            if (!md->topics[t].err && md->topics[t].partition_cnt > 0 && strcmp(md->topics[t].topic, topics[i]) == 0)
                partitions[i] = md->topics[t].partition_cnt;
    if (md)
        rd_kafka_metadata_destroy(md);
    if (!err) {
        atomic_store(&all_down_ms, 0);   /* a broker answered */
        kq_note_up();
    }
    return err ? -1 : 0;
}

rd_kafka_resp_err_t kq_produce(rd_kafka_t *rk, const char *topic, const char *id, char *json, const char *kind,
                               const char *type, const char *reply_to, void *opaque)
{
    return kq_produce_to(rk, topic, RD_KAFKA_PARTITION_UA, id, json, kind, type, reply_to, -1, opaque);
}

rd_kafka_resp_err_t kq_produce_to(rd_kafka_t *rk, const char *topic, int32_t partition, const char *id, char *json,
                                  const char *kind, const char *type, const char *reply_to, int32_t reply_partition,
                                  void *opaque)
{
    rd_kafka_headers_t *h = rd_kafka_headers_new(7);
    rd_kafka_resp_err_t err;
    char num[16];

    rd_kafka_header_add(h, KQ_H_CORRELATION, -1, id, -1);
    if (reply_to)
        rd_kafka_header_add(h, KQ_H_REPLY_TO, -1, reply_to, -1);
    if (reply_partition >= 0) {
        snprintf(num, sizeof(num), "%d", (int)reply_partition);
        rd_kafka_header_add(h, KQ_H_REPLY_PART, -1, num, -1);
    }
    rd_kafka_header_add(h, KQ_H_SCHEMA, -1, "1", -1);
    rd_kafka_header_add(h, KQ_H_CTYPE, -1, "application/json", -1);
    rd_kafka_header_add(h, KQ_H_KIND, -1, kind, -1);
    rd_kafka_header_add(h, KQ_H_MSGTYPE, -1, type, -1);
    err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_KEY(id, strlen(id)),
                            RD_KAFKA_V_VALUE(json, strlen(json)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                            RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    if (err)
        rd_kafka_headers_destroy(h);   /* librdkafka owns them only on success */
    return err;
}

int32_t kq_reply_partition(const rd_kafka_message_t *m)
{
    char v[16], *end;
    long p;

    if (kq_header(m, KQ_H_REPLY_PART, v, sizeof(v)) < 0)
        return RD_KAFKA_PARTITION_UA;
    p = strtol(v, &end, 10);
    return end != v && !*end && p >= 0 && p < 100000 ? (int32_t)p : RD_KAFKA_PARTITION_UA;
}

int kq_header(const rd_kafka_message_t *m, const char *name, char *out, size_t out_size)
{
    rd_kafka_headers_t *h = NULL;
    const void *v;
    size_t n;

    if (rd_kafka_message_headers(m, &h) || rd_kafka_header_get_last(h, name, &v, &n) || !v ||
        n >= out_size)
        return -1;
    memcpy(out, v, n);
    out[n] = '\0';
    return 0;
}
