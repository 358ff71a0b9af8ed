/* kq: the thin layer over librdkafka both programs use: low-latency client
 * settings in one place, topic creation, header access and the API's
 * "assign every partition at its end" reply consumer. */
#ifndef EXECQ_KQ_H
#define EXECQ_KQ_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "cfg.h"

/* Header names on job and result messages. */
#define KQ_H_CORRELATION "correlation-id"   /* the job id */
#define KQ_H_REPLY_TO    "reply-to"         /* topic the result goes to */
#define KQ_H_REPLY_PART  "reply-partition"  /* its partition there (sync jobs: the API that waits reads it) */
#define KQ_H_SCHEMA      "schema-version"
#define KQ_H_CTYPE       "content-type"
#define KQ_H_KIND        "job-kind"         /* sync or async */
#define KQ_H_MSGTYPE     "message-type"     /* job, result, started or output */

/* The largest job or result message (topic max.message.bytes and producer
 * message.max.bytes). cfg bounds max-output-bytes so a result always fits. */
#define KQ_MAX_MESSAGE 16777216
#define KQ_STR_(x) #x
#define KQ_STR(x) KQ_STR_(x)
#define KQ_MAX_MESSAGE_STR KQ_STR(KQ_MAX_MESSAGE)   /* as librdkafka's settings take it */

/* Produces one execq message: key and correlation-id = id, value = json
 * (taken: librdkafka frees it with free(), RD_KAFKA_MSG_F_FREE, on success
 * only), and the headers every message carries: schema-version,
 * content-type, job-kind = kind, message-type = type, and reply-to when
 * reply_to is not NULL. opaque reaches the delivery report. Returns the
 * librdkafka error; on error json is still the caller's. */
rd_kafka_resp_err_t kq_produce(rd_kafka_t *rk, const char *topic, const char *id, char *json, const char *kind,
                               const char *type, const char *reply_to, void *opaque);
/* The same into a given partition (RD_KAFKA_PARTITION_UA: by key), with a
 * reply-partition header when reply_partition >= 0. */
rd_kafka_resp_err_t kq_produce_to(rd_kafka_t *rk, const char *topic, int32_t partition, const char *id, char *json,
                                  const char *kind, const char *type, const char *reply_to, int32_t reply_partition,
                                  void *opaque);
/* The reply-partition header of m: its value, or RD_KAFKA_PARTITION_UA
 * when absent or not a partition number. */
int32_t kq_reply_partition(const rd_kafka_message_t *m);

/* Makes a producer tuned for latency (no linger, Nagle off, acks=all,
 * idempotent). A message not acknowledged within message_timeout_ms fails
 * with its delivery report. dr_cb may be NULL; opaque is passed to it. Returns the handle,
 * or NULL with the reason in errstr. The caller frees it with rd_kafka_destroy(). */
rd_kafka_t *kq_producer_new(const struct cfg *c, void (*dr_cb)(rd_kafka_t *, const rd_kafka_message_t *, void *),
                            void *opaque, long message_timeout_ms, char *errstr, size_t errstr_size);

typedef void (*kq_rebalance_fn)(rd_kafka_t *, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t *, void *);

/* Makes a consumer. With group_id, a group member with offsets stored by the
 * application (enable.auto.offset.store=false) and auto-committed, a static
 * member (group.instance.id) when instance_id is not NULL, whose
 * rebalance_cb (may be NULL) gets opaque, prefetching at most prefetch_msgs
 * messages (0: librdkafka's default); without, a group-less consumer for
 * assign(). Returns NULL with the reason on error. */
rd_kafka_t *kq_consumer_new(const struct cfg *c, const char *group_id, const char *instance_id, kq_rebalance_fn rebalance_cb,
                            void *opaque, int prefetch_msgs, char *errstr, size_t errstr_size);

/* Creates the jobs, batch, results, accounts, output, control, sessions and envs topics if they do not exist. Returns 0, or -1
 * with the reason in errstr. */
int kq_ensure_topics(rd_kafka_t *rk, const struct cfg *c, int timeout_ms, char *errstr, size_t errstr_size);

/* Assigns partition (-1: every partition) of each of the ntopics topics
 * at its current end offset, in one assignment, so the consumer has a
 * position at once and sees only what is produced later. Returns 0, or -1
 * with the reason in errstr (a partition a topic does not have is one). */
int kq_assign_at_end(rd_kafka_t *rk, const char *const *topics, int ntopics, int32_t partition, int timeout_ms,
                     char *errstr, size_t errstr_size);

/* The partition count of topic (its metadata within timeout_ms), or -1
 * with the reason in errstr. */
int kq_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms, char *errstr, size_t errstr_size);

/* Returns 0 if the cluster answers a metadata request within timeout_ms.
 * From the same answer, partitions[i] is set to the partition count of
 * topics[i] where the client knows that topic (n may be 0). */
int kq_ping(rd_kafka_t *rk, int timeout_ms, const char *const *topics, int *partitions, int n);
/* When a producer of this process saw every broker connection down
 * (librdkafka's _ALL_BROKERS_DOWN; util_mono_ms), or 0 when a broker has
 * answered a kq_ping since. Kafka's loss, known within milliseconds rather
 * than after failed pings; with several brokers, only when all are gone. */
int64_t kq_all_brokers_down_since(void);

/* What this process does while every broker is down, said in the one line
 * logged when that happens (a string that outlives the clients). */
void kq_set_outage_note(const char *note);

/* A broker answered (a delivery, a commit, a metadata request): the next
 * loss of a connection is logged again. Cheap; any thread. */
void kq_note_up(void);

/* Logs an offset commit's outcome as every consumer does (one line per
 * failure cause; successes at debug), for commits with their own callback. */
void kq_commit_report(rd_kafka_t *rk, rd_kafka_resp_err_t err, const rd_kafka_topic_partition_list_t *offsets);

/* Copies header name's last value into out (NUL-terminated). Returns 0, or -1
 * if absent or longer than out_size-1. */
int kq_header(const rd_kafka_message_t *m, const char *name, char *out, size_t out_size);

#endif
