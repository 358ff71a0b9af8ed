/* kafka_topic: one helper the Kafka benches share (txn_bench, kafka_rtt). */
#ifndef EXECQ_BENCH_KAFKA_TOPIC_H
#define EXECQ_BENCH_KAFKA_TOPIC_H

#include <librdkafka/rdkafka.h>
#include <unistd.h>

/* Makes topic (one partition) if it is not there; the broker refuses
 * automatic creation. */
static inline void create_topic(rd_kafka_t *rk, const char *topic)
{
    char err[256];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, 1, 1, err, sizeof(err));
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_event_t *ev;

    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    ev = rd_kafka_queue_poll(q, 30000);
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    sleep(1);   /* a leader for it */
}

#endif
