/* suspended: see suspended.h. The set is small (accounts suspended at
 * once): a sorted array behind a mutex, searched by bsearch. The same
 * reader hands the control topic's notices to its callback. */
#include "suspended.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kq.h"
#include "log.h"
#include "util.h"

struct suspended {
    rd_kafka_t *rk;
    pthread_t thread;
    atomic_int stop, caught_up[2];
    int64_t start_hi[2];         /* each topic's end at start: read so far before the first job */
    const char *control_topic;
    void (*on_control)(void *arg, const rd_kafka_message_t *m);
    void *control_arg;
    pthread_mutex_t mu;
    struct notice *v;            /* every account a notice named, sorted by id */
    size_t n, cap, on;           /* on: how many are suspended */
};

/* The newest notice of one account. */
struct notice {
    char id[40];
    int64_t at_ms;
    int suspended;
};

static int cmp_id(const void *a, const void *b)
{
    return strcmp(((const struct notice *)a)->id, ((const struct notice *)b)->id);
}

static struct notice *find(struct suspended *s, const char *account)
{
    struct notice key;
    snprintf(key.id, sizeof(key.id), "%s", account);
    return s->n ? bsearch(&key, s->v, s->n, sizeof(*s->v), cmp_id) : NULL;
}

/* Takes a notice unless one as new or newer is known (the API re-sends
 * every suspension at its start, maybe after a later reinstatement).
 * Returns 1 if taken. Caller holds s->mu. */
static int take(struct suspended *s, const char *account, int on, int64_t at_ms)
{
    struct notice *e = find(s, account);

    if (e && e->at_ms > at_ms)
        return 0;
    if (!e) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 16;
            struct notice *more = realloc(s->v, cap * sizeof(*more));
            if (!more)
                return 0;
            s->v = more;
            s->cap = cap;
        }
        e = &s->v[s->n++];
        snprintf(e->id, sizeof(e->id), "%s", account);
        e->at_ms = at_ms;
        e->suspended = on;
        s->on += on ? 1 : 0;
        qsort(s->v, s->n, sizeof(*s->v), cmp_id);
        return 1;
    }
    if (on && !e->suspended)
        s->on++;
    else if (!on && e->suspended)
        s->on--;
    e->suspended = on;
    e->at_ms = at_ms;
    return 1;
}

/* One notice: {"account": id, "suspended": bool, ...} (schemas/account.schema.json). */
static void apply(struct suspended *s, const rd_kafka_message_t *m)
{
    cJSON *o = cJSON_ParseWithLength(m->payload, m->len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "account");
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(o, "suspended");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(o, "at_ms");

    if (cJSON_IsString(id) && strlen(id->valuestring) < 40 && cJSON_IsBool(on) && cJSON_IsNumber(at)) {
        int taken;
        pthread_mutex_lock(&s->mu);
        taken = take(s, id->valuestring, cJSON_IsTrue(on), (int64_t)at->valuedouble);
        pthread_mutex_unlock(&s->mu);
        log_msg(LOG_INFO, "account %s %s%s", id->valuestring,
                cJSON_IsTrue(on) ? "suspended: its jobs fail unrun" : "reinstated", taken ? "" : " (an older notice: ignored)");
    } else if (m->len > 0) {
        log_msg(LOG_WARNING, "accounts topic: an unreadable notice at offset %lld skipped", (long long)m->offset);
    }
    cJSON_Delete(o);
}

static void *reader_main(void *arg)
{
    struct suspended *s = arg;

    while (!atomic_load(&s->stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(s->rk, 200);
        int k;
        if (!m)
            continue;
        k = m->rkt && strcmp(rd_kafka_topic_name(m->rkt), s->control_topic) == 0;   /* 1: the control topic */
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            atomic_store(&s->caught_up[k], 1);
        else if (m->err)
            log_msg(LOG_WARNING, "%s topic: %s", k ? "control" : "accounts", rd_kafka_message_errstr(m));
        else if (k)
            s->on_control(s->control_arg, m);
        else
            apply(s, m);
        if (!m->err && m->offset + 1 >= s->start_hi[k])
            atomic_store(&s->caught_up[k], 1);
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

struct suspended *suspended_start(const struct cfg *c, void (*on_control)(void *arg, const rd_kafka_message_t *m),
                                  void *control_arg, char *errstr, size_t errstr_size)
{
    struct suspended *s = calloc(1, sizeof(*s));
    const char *topics[2] = {c->accounts_topic, c->control_topic};
    rd_kafka_topic_partition_list_t *parts = NULL;
    rd_kafka_resp_err_t err;

    if (!s) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    s->control_topic = c->control_topic;
    s->on_control = on_control;
    s->control_arg = control_arg;
    s->rk = kq_consumer_new(c, NULL, NULL, NULL, NULL, 0, errstr, errstr_size);
    if (!s->rk)
        goto fail;
    parts = rd_kafka_topic_partition_list_new(2);
    for (int k = 0; k < 2; k++) {
        int64_t lo = 0, hi = 0;
        /* A topic just made, or a broker just back, may have no leader
         * yet: waited for (a minute at most), not a reason to exit. */
        if (kq_partition_count(s->rk, topics[k], 60000, errstr, errstr_size) < 0)
            goto fail;
        for (int tries = 0; (err = rd_kafka_query_watermark_offsets(s->rk, topics[k], 0, &lo, &hi, 10000)) &&
                            tries < 5; tries++) {
            log_msg(LOG_WARNING, "topic %s: %s; asking again", topics[k], rd_kafka_err2str(err));
            util_sleep_ms(1000);
        }
        if (err) {
            snprintf(errstr, errstr_size, "topic %s: %s", topics[k], rd_kafka_err2str(err));
            goto fail;
        }
        s->start_hi[k] = hi;
        if (hi <= lo)
            atomic_store(&s->caught_up[k], 1);   /* nothing to read */
        rd_kafka_topic_partition_list_add(parts, topics[k], 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    err = rd_kafka_assign(s->rk, parts);
    if (err) {
        snprintf(errstr, errstr_size, "assign %s and %s: %s", topics[0], topics[1], rd_kafka_err2str(err));
        goto fail;
    }
    rd_kafka_topic_partition_list_destroy(parts);
    parts = NULL;
    if (pthread_create(&s->thread, NULL, reader_main, s) != 0) {
        snprintf(errstr, errstr_size, "cannot start the accounts topic reader");
        goto fail;
    }
    for (int i = 0; i < 100 && !(atomic_load(&s->caught_up[0]) && atomic_load(&s->caught_up[1])); i++)
        usleep(100000);
    if (!(atomic_load(&s->caught_up[0]) && atomic_load(&s->caught_up[1])))
        log_msg(LOG_WARNING, "accounts and control topics: not read to their end within 10 s; reading on");
    log_msg(LOG_INFO, "accounts topic %s: %ld account(s) suspended", c->accounts_topic, suspended_count(s));
    return s;
fail:
    if (parts)
        rd_kafka_topic_partition_list_destroy(parts);
    if (s->rk)
        rd_kafka_destroy(s->rk);
    pthread_mutex_destroy(&s->mu);
    free(s);
    return NULL;
}

int suspended_has(struct suspended *s, const char *account)
{
    int yes;

    if (!s || !account[0])
        return 0;
    pthread_mutex_lock(&s->mu);
    {
        const struct notice *e = find(s, account);
        yes = e && e->suspended;
    }
    pthread_mutex_unlock(&s->mu);
    return yes;
}

long suspended_count(struct suspended *s)
{
    long n;

    pthread_mutex_lock(&s->mu);
    n = (long)s->on;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void suspended_stop(struct suspended *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    rd_kafka_consumer_close(s->rk);
    rd_kafka_destroy(s->rk);
    pthread_mutex_destroy(&s->mu);
    free(s->v);
    free(s);
}
