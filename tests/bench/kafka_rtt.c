/* kafka_rtt: the floor of one Kafka hop on this machine (issue 26). Against
 * a running broker: produce one message (linger 0, acks=all, idempotent,
 * lz4: the settings of common/kq.c) and take it on a consumer assigned to
 * its partition (fetch.wait.max.ms as given), N times, one at a time, 5 ms
 * apart. What execq adds to a hop is the rest of bench.py's per-hop time.
 * Prints one line per setting: median, p90 and p99 in ms. Usage:
 *   kafka_rtt BROKERS TOPIC N [ACKS IDEMPOTENCE FETCH_WAIT_MS]...
 * (tests/bench/kafka_rtt.py makes the broker and runs it.) */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kafka_topic.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "kafka_rtt: %s: %s\n", k, err);
        exit(2);
    }
}

/* One setting: n round trips; prints its line. Returns 0 or -1. */
static int run(const char *brokers, const char *topic, int n, const char *acks, const char *idem, const char *wait)
{
    char err[512], key[32];
    rd_kafka_conf_t *pc = rd_kafka_conf_new(), *cc = rd_kafka_conf_new();
    rd_kafka_t *p, *c;
    rd_kafka_topic_partition_list_t *l;
    double *v = calloc((size_t)n, sizeof(double));
    int got = 0;

    set(pc, "bootstrap.servers", brokers);
    set(pc, "linger.ms", "0");
    set(pc, "acks", acks);
    set(pc, "enable.idempotence", idem);
    set(pc, "compression.type", "lz4");
    set(pc, "socket.nagle.disable", "true");
    set(cc, "bootstrap.servers", brokers);
    set(cc, "group.id", "kafka-rtt");
    set(cc, "enable.auto.commit", "false");
    set(cc, "fetch.wait.max.ms", wait);
    set(cc, "socket.nagle.disable", "true");
    if (!v || !(p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof(err))) ||
        !(c = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof(err)))) {
        fprintf(stderr, "kafka_rtt: %s\n", err);
        return -1;
    }
    create_topic(p, topic);
    rd_kafka_poll_set_consumer(c);
    l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, 0)->offset = RD_KAFKA_OFFSET_END;
    rd_kafka_assign(c, l);
    rd_kafka_topic_partition_list_destroy(l);
    for (int i = 0; i < 20; i++) {   /* connections, the assignment */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 100);
        if (m)
            rd_kafka_message_destroy(m);
    }
    for (int i = -10; i < n; i++) {   /* ten warm-up trips */
        double t0 = now_ms(), deadline = t0 + 10000;
        int ok = 0;
        snprintf(key, sizeof(key), "%d", i);
        if (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(key, strlen(key)),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) != RD_KAFKA_RESP_ERR_NO_ERROR)
            break;
        while (!ok && now_ms() < deadline) {
            rd_kafka_message_t *m;
            rd_kafka_poll(p, 0);
            if (!(m = rd_kafka_consumer_poll(c, 1)))
                continue;
            ok = !m->err && m->len == strlen(key) && memcmp(m->payload, key, m->len) == 0;
            rd_kafka_message_destroy(m);
        }
        if (!ok) {
            fprintf(stderr, "kafka_rtt: message %d never came back\n", i);
            break;
        }
        if (i >= 0)
            v[got++] = now_ms() - t0;
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    }
    if (got)
        qsort(v, (size_t)got, sizeof(double), cmp);
    printf("  acks=%-3s idempotence=%-5s fetch.wait.max.ms=%-4s %5d trips  p50 %6.2f  p90 %6.2f  p99 %6.2f ms\n",
           acks, idem, wait, got, got ? v[got / 2] : 0, got ? v[got * 9 / 10] : 0, got ? v[got * 99 / 100] : 0);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    rd_kafka_flush(p, 1000);
    rd_kafka_destroy(p);
    free(v);
    return got == n ? 0 : -1;
}

int main(int argc, char **argv)
{
    int n, rc = 0;

    if (argc < 4 || (argc - 4) % 3 != 0 || (n = atoi(argv[3])) < 1)
        return fprintf(stderr, "usage: kafka_rtt BROKERS TOPIC N [ACKS IDEMPOTENCE FETCH_WAIT_MS]...\n"), 2;
    printf("Kafka round trip (produce, then the message at an assigned consumer), one at a time, this host\n");
    if (argc == 4)
        return run(argv[1], argv[2], n, "all", "true", "100") < 0;
    for (int i = 4; i + 2 < argc; i += 3)
        rc |= run(argv[1], argv[2], n, argv[i], argv[i + 1], argv[i + 2]) < 0;
    return rc;
}
