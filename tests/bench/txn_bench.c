/* txn_bench: what Kafka transactions would cost the results path (issue 22,
 * point 2). Against a running broker, one topic, concurrency 1:
 *   plain       an idempotent produce (acks=all), waited for: what an
 *               executor does for each result today;
 *   txn 1       begin, produce one result, send the consumer's offset to
 *               the transaction, commit: one transaction per result;
 *   txn 8       the same with 8 results per transaction (a slot batch).
 * Prints one table: per result, median and p99 in ms. Usage:
 *   txn_bench BROKERS TOPIC GROUP [N]   (tests/bench/txn.py runs it) */
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

static int delivered;

static void dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err)
        fprintf(stderr, "delivery: %s\n", rd_kafka_err2str(m->err));
    delivered++;
}

static rd_kafka_t *producer(const char *brokers, const char *txn_id)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;

    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "acks", "all", err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "linger.ms", "0", err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "socket.nagle.disable", "true", err, sizeof(err)) ||
        (txn_id && rd_kafka_conf_set(conf, "transactional.id", txn_id, err, sizeof(err)))) {
        fprintf(stderr, "conf: %s\n", err);
        exit(2);
    }
    rd_kafka_conf_set_dr_msg_cb(conf, dr);
    if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err)))) {
        fprintf(stderr, "producer: %s\n", err);
        exit(2);
    }
    return rk;
}

static void check(rd_kafka_error_t *e, const char *what)
{
    if (e) {
        fprintf(stderr, "%s: %s\n", what, rd_kafka_error_string(e));
        exit(2);
    }
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void row(const char *name, double *t, int n)
{
    qsort(t, (size_t)n, sizeof(*t), cmp);
    printf("| %-6s | %7.2f | %7.2f |\n", name, t[n / 2], t[n * 99 / 100]);
}

static void produce(rd_kafka_t *rk, const char *topic, int i)
{
    char v[256];
    int len = snprintf(v, sizeof(v), "{\"job_id\":\"%036d\",\"status\":\"completed\",\"stdout\":\"hello\\n\"}", i);
    if (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(v, (size_t)len),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) {
        fprintf(stderr, "produce failed\n");
        exit(2);
    }
}

int main(int argc, char **argv)
{
    const char *brokers, *topic, *group;
    int n;
    double *plain, *txn1, *txn8;
    rd_kafka_t *rk;
    rd_kafka_consumer_group_metadata_t *cgmd;

    if (argc < 4) {
        fprintf(stderr, "usage: txn_bench BROKERS TOPIC GROUP [N]\n");
        return 2;
    }
    brokers = argv[1];
    topic = argv[2];
    group = argv[3];
    n = argc > 4 ? atoi(argv[4]) : 200;
    plain = calloc((size_t)n, sizeof(double));
    txn1 = calloc((size_t)n, sizeof(double));
    txn8 = calloc((size_t)n, sizeof(double));

    rk = producer(brokers, NULL);
    create_topic(rk, topic);
    for (int i = -20; i < n; i++) {   /* 20 to warm up */
        double t0 = now_ms();
        int want = delivered + 1;
        produce(rk, topic, i);
        while (delivered < want)
            rd_kafka_poll(rk, 1);
        if (i >= 0)
            plain[i] = now_ms() - t0;
    }
    rd_kafka_destroy(rk);

    rk = producer(brokers, "execq-txn-bench");
    check(rd_kafka_init_transactions(rk, 30000), "init_transactions");
    cgmd = rd_kafka_consumer_group_metadata_new(group);
    for (int batch = 1; batch <= 8; batch += 7) {
        double *t = batch == 1 ? txn1 : txn8;
        for (int i = -20; i < n; i++) {
            rd_kafka_topic_partition_list_t *offs = rd_kafka_topic_partition_list_new(1);
            double t0 = now_ms();
            check(rd_kafka_begin_transaction(rk), "begin");
            for (int k = 0; k < batch; k++)
                produce(rk, topic, i);
            rd_kafka_topic_partition_list_add(offs, topic, 0)->offset = i + 1000;
            check(rd_kafka_send_offsets_to_transaction(rk, offs, cgmd, 30000), "send_offsets");
            check(rd_kafka_commit_transaction(rk, 30000), "commit");
            rd_kafka_topic_partition_list_destroy(offs);
            if (i >= 0)
                t[i] = (now_ms() - t0) / batch;
        }
    }
    rd_kafka_consumer_group_metadata_destroy(cgmd);
    rd_kafka_destroy(rk);
    printf("| per result, ms | median | p99 |\n|---|---|---|\n");
    row("plain", plain, n);
    row("txn 1", txn1, n);
    row("txn 8", txn8, n);
    free(plain);
    free(txn1);
    free(txn8);
    return 0;
}
