/* lookback: one plain consumer, assigned a partition per question (see
 * lookback.h). What it has read of a partition is remembered (up to which
 * offset), and the keys of results on the way go to the answered set. */
#include "lookback.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kq.h"
#include "log.h"
#include "util.h"

#define LOOKBACK_PARTS 64   /* partitions whose read position is kept */

struct read_to {
    char topic[128];
    int32_t partition;
    int64_t from, to;      /* offsets read, [from, to) */
};

struct lookback {
    pthread_mutex_t mu;
    rd_kafka_t *rk;
    struct answered *seen;   /* not owned */
    struct read_to parts[LOOKBACK_PARTS];
    int nparts;
};

struct lookback *lookback_new(const struct cfg *c, struct answered *seen, char *errstr, size_t errstr_size)
{
    struct lookback *l = calloc(1, sizeof(*l));

    if (!l) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    if (!(l->rk = kq_consumer_new(c, NULL, NULL, NULL, NULL, 0, errstr, errstr_size))) {
        free(l);
        return NULL;
    }
    pthread_mutex_init(&l->mu, NULL);
    l->seen = seen;
    return l;
}

void lookback_free(struct lookback *l)
{
    if (!l)
        return;
    rd_kafka_consumer_close(l->rk);
    rd_kafka_destroy(l->rk);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

/* The remembered stretch of topic's partition (made if new). Caller holds l->mu. */
static struct read_to *read_to(struct lookback *l, const char *topic, int32_t partition)
{
    struct read_to *r;

    for (int i = 0; i < l->nparts; i++)
        if (l->parts[i].partition == partition && strcmp(l->parts[i].topic, topic) == 0)
            return &l->parts[i];
    r = &l->parts[l->nparts < LOOKBACK_PARTS ? l->nparts++ : partition % LOOKBACK_PARTS];
    snprintf(r->topic, sizeof(r->topic), "%s", topic);
    r->partition = partition;
    r->from = r->to = -1;
    return r;
}

/* Reads [from, hi) of topic's partition; every result key goes to l->seen.
 * Returns the offset reached. Caller holds l->mu. */
static int64_t scan(struct lookback *l, const char *topic, int32_t partition, int64_t from, int64_t hi,
                    int64_t deadline)
{
    rd_kafka_topic_partition_list_t *at = rd_kafka_topic_partition_list_new(1);
    int64_t reached = from;

    rd_kafka_topic_partition_list_add(at, topic, partition)->offset = from;
    if (rd_kafka_assign(l->rk, at) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_topic_partition_list_destroy(at);
        return from;
    }
    while (reached < hi && util_mono_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(l->rk, 100);
        char type[16] = "result", id[37];
        if (!m)
            continue;
        if (!m->err && m->partition == partition) {
            reached = m->offset + 1;
            if (m->key_len == 36 && (kq_header(m, KQ_H_MSGTYPE, type, sizeof(type)), strcmp(type, "result") == 0)) {
                memcpy(id, m->key, 36);
                id[36] = '\0';
                answered_delivered(l->seen, id);
            }
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_assign(l->rk, NULL);
    rd_kafka_topic_partition_list_destroy(at);
    return reached;
}

int lookback_find(struct lookback *l, const char *topic, int32_t partition, const char *id, int64_t since_ms,
                  int timeout_ms)
{
    int64_t deadline = util_mono_ms() + timeout_ms, lo, hi, from;
    rd_kafka_topic_partition_list_t *when;
    struct read_to *r;
    int ret = -1;

    if (answered_state(l->seen, id) != ANSWERED_NO)
        return 1;
    pthread_mutex_lock(&l->mu);
    if (partition == RD_KAFKA_PARTITION_UA) {
        /* Where the results producer put a keyed message (librdkafka's
         * default partitioner, consistent_random: the key's CRC32). */
        char errstr[200];
        int n = kq_partition_count(l->rk, topic, timeout_ms, errstr, sizeof(errstr));
        rd_kafka_topic_t *t = rd_kafka_topic_new(l->rk, topic, NULL);
        if (n <= 0 || !t) {
            if (t)
                rd_kafka_topic_destroy(t);
            goto out;
        }
        partition = rd_kafka_msg_partitioner_consistent_random(t, id, 36, n, NULL, NULL);
        rd_kafka_topic_destroy(t);
    }
    when = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(when, topic, partition)->offset = since_ms;
    if (rd_kafka_offsets_for_times(l->rk, when, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR || when->elems[0].err ||
        rd_kafka_query_watermark_offsets(l->rk, topic, partition, &lo, &hi, timeout_ms) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_topic_partition_list_destroy(when);
        goto out;
    }
    from = when->elems[0].offset < 0 ? hi : when->elems[0].offset;   /* -1: nothing written since */
    rd_kafka_topic_partition_list_destroy(when);
    r = read_to(l, topic, partition);
    if (r->from >= 0 && from >= r->from && from <= r->to)
        from = r->to;   /* read already: its keys are in l->seen */
    if (from < hi) {
        int64_t reached = scan(l, topic, partition, from, hi, deadline);
        /* One contiguous stretch is remembered: the old one extended, or
         * the new one in its place. */
        if (r->from >= 0 && from == r->to) {
            r->to = reached;
        } else if (r->from >= 0 && from < r->from && reached >= r->from) {
            r->from = from;
            r->to = reached > r->to ? reached : r->to;
        } else {
            r->from = from;
            r->to = reached;
        }
        if (reached < hi)
            goto out;   /* the deadline passed */
    }
    ret = answered_state(l->seen, id) != ANSWERED_NO;
out:
    pthread_mutex_unlock(&l->mu);
    return ret;
}
