/* suspended: see suspended.h. The set is small (accounts suspended at
 * once): a sorted array behind a mutex, searched by bsearch. */
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
    atomic_int stop, caught_up;
    int64_t start_hi;            /* the topic's end at start: read so far before the first job */
    pthread_mutex_t mu;
    char (*ids)[40];             /* sorted */
    size_t n, cap;
};

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Sets account's state. Caller holds s->mu. */
static void set_state(struct suspended *s, const char *account, int on)
{
    char (*at)[40] = s->n ? bsearch(account, s->ids, s->n, sizeof(*s->ids), cmp_id) : NULL;

    if (on && !at) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 16;
            char (*more)[40] = realloc(s->ids, cap * sizeof(*more));
            if (!more)
                return;
            s->ids = more;
            s->cap = cap;
        }
        snprintf(s->ids[s->n++], 40, "%s", account);
        qsort(s->ids, s->n, sizeof(*s->ids), cmp_id);
    } else if (!on && at) {
        size_t i = (size_t)(at - s->ids);
        memmove(&s->ids[i], &s->ids[i + 1], (s->n - i - 1) * sizeof(*s->ids));
        s->n--;
    }
}

/* One notice: {"account": id, "suspended": bool, ...} (schemas/account.schema.json). */
static void apply(struct suspended *s, const rd_kafka_message_t *m)
{
    cJSON *o = cJSON_ParseWithLength(m->payload, m->len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "account");
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(o, "suspended");

    if (cJSON_IsString(id) && strlen(id->valuestring) < 40 && cJSON_IsBool(on)) {
        pthread_mutex_lock(&s->mu);
        set_state(s, id->valuestring, cJSON_IsTrue(on));
        pthread_mutex_unlock(&s->mu);
        log_msg(LOG_INFO, "account %s %s", id->valuestring, cJSON_IsTrue(on) ? "suspended: its jobs fail unrun"
                                                                              : "reinstated");
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
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            atomic_store(&s->caught_up, 1);
        else if (m->err)
            log_msg(LOG_WARNING, "accounts topic: %s", rd_kafka_message_errstr(m));
        else
            apply(s, m);
        if (!m->err && m->offset + 1 >= s->start_hi)
            atomic_store(&s->caught_up, 1);
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

struct suspended *suspended_start(const struct cfg *c, char *errstr, size_t errstr_size)
{
    struct suspended *s = calloc(1, sizeof(*s));
    rd_kafka_topic_partition_list_t *parts = NULL;
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t err;

    if (!s) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    s->rk = kq_consumer_new(c, NULL, NULL, NULL, NULL, 0, errstr, errstr_size);
    if (!s->rk)
        goto fail;
    err = rd_kafka_query_watermark_offsets(s->rk, c->accounts_topic, 0, &lo, &hi, 10000);
    if (err) {
        snprintf(errstr, errstr_size, "accounts topic %s: %s", c->accounts_topic, rd_kafka_err2str(err));
        goto fail;
    }
    s->start_hi = hi;
    if (hi <= lo)
        atomic_store(&s->caught_up, 1);   /* nothing to read */
    parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, c->accounts_topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    err = rd_kafka_assign(s->rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    if (err) {
        snprintf(errstr, errstr_size, "assign %s: %s", c->accounts_topic, rd_kafka_err2str(err));
        goto fail;
    }
    if (pthread_create(&s->thread, NULL, reader_main, s) != 0) {
        snprintf(errstr, errstr_size, "cannot start the accounts topic reader");
        goto fail;
    }
    for (int i = 0; i < 100 && !atomic_load(&s->caught_up); i++)
        usleep(100000);
    if (!atomic_load(&s->caught_up))
        log_msg(LOG_WARNING, "accounts topic: not read to its end within 10 s; reading on");
    log_msg(LOG_INFO, "accounts topic %s: %ld account(s) suspended", c->accounts_topic, suspended_count(s));
    return s;
fail:
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
    yes = s->n && bsearch(account, s->ids, s->n, sizeof(*s->ids), cmp_id) != NULL;
    pthread_mutex_unlock(&s->mu);
    return yes;
}

long suspended_count(struct suspended *s)
{
    long n;

    pthread_mutex_lock(&s->mu);
    n = (long)s->n;
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
    free(s->ids);
    free(s);
}
