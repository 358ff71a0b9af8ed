/* envlist: see envlist.h. The notices are few (executors x environments):
 * an array behind a mutex, each entry the latest notice under its key. */
#include "envlist.h"

#include <cjson/cJSON.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "job.h"
#include "kq.h"
#include "log.h"
#include "util.h"

struct notice {
    char key[200];          /* <executor>/<env> */
    cJSON *o;               /* the notice */
};

struct envlist {
    const struct cfg *c;
    rd_kafka_t *rk;
    pthread_t thread;
    atomic_int stop, caught_up;
    int64_t start_hi;
    pthread_mutex_t mu;
    struct notice *v;
    size_t n, cap;
};

/* Takes one message: a notice, or a tombstone (empty value) that drops its key. */
static void apply(struct envlist *l, const rd_kafka_message_t *m)
{
    char key[200];
    cJSON *o = NULL;
    const cJSON *env, *st, *at;
    size_t i;

    if (!m->key || m->key_len == 0 || m->key_len >= sizeof(key))
        return;
    memcpy(key, m->key, m->key_len);
    key[m->key_len] = '\0';
    if (m->len > 0) {
        o = cJSON_ParseWithLength(m->payload, m->len);
        env = cJSON_GetObjectItemCaseSensitive(o, "env");
        st = cJSON_GetObjectItemCaseSensitive(o, "state");
        at = cJSON_GetObjectItemCaseSensitive(o, "at_ms");
        if (!cJSON_IsString(env) || !job_env_name_ok(env->valuestring) || !cJSON_IsString(st) ||
            !cJSON_IsNumber(at)) {
            log_msg(LOG_WARNING, "envs topic: an unreadable notice at offset %lld skipped", (long long)m->offset);
            cJSON_Delete(o);
            return;
        }
    }
    pthread_mutex_lock(&l->mu);
    for (i = 0; i < l->n && strcmp(l->v[i].key, key) != 0; i++) {
    }
    if (i < l->n) {
        cJSON_Delete(l->v[i].o);
        if (o) {
            l->v[i].o = o;
        } else {
            l->v[i] = l->v[--l->n];
        }
    } else if (o) {
        if (l->n == l->cap) {
            size_t cap = l->cap ? 2 * l->cap : 16;
            struct notice *more = realloc(l->v, cap * sizeof(*more));
            if (!more) {
                pthread_mutex_unlock(&l->mu);
                cJSON_Delete(o);
                return;
            }
            l->v = more;
            l->cap = cap;
        }
        snprintf(l->v[l->n].key, sizeof(l->v[l->n].key), "%s", key);
        l->v[l->n++].o = o;
    }
    pthread_mutex_unlock(&l->mu);
}

static void *reader_main(void *arg)
{
    struct envlist *l = arg;

    while (!atomic_load(&l->stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(l->rk, 200);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            atomic_store(&l->caught_up, 1);
        else if (m->err)
            log_msg(LOG_WARNING, "envs topic: %s", rd_kafka_message_errstr(m));
        else
            apply(l, m);
        if (!m->err && m->offset + 1 >= l->start_hi)
            atomic_store(&l->caught_up, 1);
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

struct envlist *envlist_start(const struct cfg *c, char *errstr, size_t errstr_size)
{
    struct envlist *l = calloc(1, sizeof(*l));
    rd_kafka_topic_partition_list_t *parts = NULL;
    rd_kafka_resp_err_t err;
    int64_t lo = 0, hi = 0;

    if (!l) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    l->c = c;
    pthread_mutex_init(&l->mu, NULL);
    if (!(l->rk = kq_consumer_new(c, NULL, NULL, NULL, NULL, 0, errstr, errstr_size)) ||
        kq_partition_count(l->rk, c->envs_topic, 60000, errstr, errstr_size) < 0)
        goto fail;
    for (int tries = 0; (err = rd_kafka_query_watermark_offsets(l->rk, c->envs_topic, 0, &lo, &hi, 10000)) &&
                        tries < 5; tries++) {
        log_msg(LOG_WARNING, "topic %s: %s; asking again", c->envs_topic, rd_kafka_err2str(err));
        util_sleep_ms(1000);
    }
    if (err) {
        snprintf(errstr, errstr_size, "topic %s: %s", c->envs_topic, rd_kafka_err2str(err));
        goto fail;
    }
    l->start_hi = hi;
    if (hi <= lo)
        atomic_store(&l->caught_up, 1);
    parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, c->envs_topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    err = rd_kafka_assign(l->rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    if (err) {
        snprintf(errstr, errstr_size, "assign %s: %s", c->envs_topic, rd_kafka_err2str(err));
        goto fail;
    }
    if (pthread_create(&l->thread, NULL, reader_main, l) != 0) {
        snprintf(errstr, errstr_size, "cannot start the envs topic reader");
        goto fail;
    }
    for (int i = 0; i < 100 && !atomic_load(&l->caught_up); i++)
        usleep(100000);
    if (!atomic_load(&l->caught_up))
        log_msg(LOG_WARNING, "envs topic: not read to its end within 10 s; reading on");
    return l;
fail:
    if (l->rk)
        rd_kafka_destroy(l->rk);
    pthread_mutex_destroy(&l->mu);
    free(l);
    return NULL;
}

void envlist_stop(struct envlist *l)
{
    if (!l)
        return;
    atomic_store(&l->stop, 1);
    pthread_join(l->thread, NULL);
    rd_kafka_consumer_close(l->rk);
    rd_kafka_destroy(l->rk);
    for (size_t i = 0; i < l->n; i++)
        cJSON_Delete(l->v[i].o);
    free(l->v);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static const char *str_of(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* One environment as the executors see it, built from every fresh notice
 * of its name: ready if ready on one, else building if building on one,
 * else failed. */
struct agg {
    char name[JOB_ENV_MAX];
    int ready, building, failed;
    const cJSON *best;      /* a ready notice (its python, packages), else the first seen */
    const cJSON *failure;   /* a failed notice (its error) */
};

/* With mu held: the environments, by name (sorted, "default" first). */
static size_t aggregate(struct envlist *l, struct agg *out, size_t max)
{
    int64_t now = util_wall_ms();
    size_t n = 0;

    for (size_t i = 0; i < l->n; i++) {
        const cJSON *o = l->v[i].o, *at = cJSON_GetObjectItemCaseSensitive(o, "at_ms");
        const char *name = str_of(o, "env"), *st = str_of(o, "state");
        size_t k;
        if (!name || !st || !cJSON_IsNumber(at) || now - (int64_t)at->valuedouble > ENVLIST_STALE_MS)
            continue;
        for (k = 0; k < n && strcmp(out[k].name, name) != 0; k++) {
        }
        if (k == n) {
            if (n == max)
                continue;
            memset(&out[n], 0, sizeof(out[n]));
            snprintf(out[n].name, sizeof(out[n].name), "%s", name);
            out[n].best = o;
            n++;
        }
        if (strcmp(st, "ready") == 0) {
            if (!out[k].ready)
                out[k].best = o;
            out[k].ready++;
        } else if (strcmp(st, "building") == 0) {
            out[k].building++;
        } else {
            out[k].failed++;
            out[k].failure = o;
        }
    }
    for (size_t a = 1; a < n; a++)   /* a few dozen at most */
        for (size_t b = a; b > 0; b--) {
            int before = strcmp(out[b].name, "default") == 0 ||
                         (strcmp(out[b - 1].name, "default") != 0 && strcmp(out[b].name, out[b - 1].name) < 0);
            if (!before)
                break;
            struct agg t = out[b];
            out[b] = out[b - 1];
            out[b - 1] = t;
        }
    return n;
}

#define ENVLIST_MAX 256

int envlist_check(struct envlist *l, const char *env, unsigned *status, const char **code, char *msg,
                  size_t msg_size)
{
    static __thread struct agg v[ENVLIST_MAX];
    size_t n, k, used = 0;

    if (!env[0] || strcmp(env, "default") == 0)
        return 0;
    pthread_mutex_lock(&l->mu);
    n = aggregate(l, v, ENVLIST_MAX);
    for (k = 0; k < n && strcmp(v[k].name, env) != 0; k++) {
    }
    if (k < n && v[k].ready) {
        pthread_mutex_unlock(&l->mu);
        return 0;
    }
    if (k < n) {
        const char *why = v[k].failure ? str_of(v[k].failure, "error") : NULL;
        *status = 409;
        *code = "env_unavailable";
        if (v[k].building)
            snprintf(msg, msg_size, "environment \"%s\" is still being built; try again shortly (GET /v1/envs shows "
                     "its state)", env);
        else
            snprintf(msg, msg_size, "environment \"%s\" failed to build: %.300s", env, why ? why : "(no reason given)");
    } else {
        *status = 400;
        *code = "unknown_env";
        used = (size_t)snprintf(msg, msg_size, "no environment \"%s\"; known: default", env);
        for (size_t i = 0; i < n && used < msg_size; i++)
            if (strcmp(v[i].name, "default") != 0)
                used += (size_t)snprintf(msg + used, msg_size - used, ", %s", v[i].name);
    }
    pthread_mutex_unlock(&l->mu);
    return -1;
}

char *envlist_json(struct envlist *l)
{
    static __thread struct agg v[ENVLIST_MAX];
    cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "envs");
    size_t n;
    int have_default = 0;
    char *s;

    pthread_mutex_lock(&l->mu);
    n = aggregate(l, v, ENVLIST_MAX);
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject(), *x;
        const cJSON *p;
        const char *state = v[i].ready ? "ready" : v[i].building ? "building" : "failed";
        cJSON_AddStringToObject(e, "name", v[i].name);
        cJSON_AddStringToObject(e, "state", state);
        have_default |= strcmp(v[i].name, "default") == 0;
        if (!v[i].ready && !v[i].building && v[i].failure && str_of(v[i].failure, "error"))
            cJSON_AddStringToObject(e, "error", str_of(v[i].failure, "error"));
        if (v[i].ready && str_of(v[i].best, "python"))
            cJSON_AddStringToObject(e, "python", str_of(v[i].best, "python"));
        if (str_of(v[i].best, "hash"))
            cJSON_AddStringToObject(e, "hash", str_of(v[i].best, "hash"));
        if ((p = cJSON_GetObjectItemCaseSensitive(v[i].best, "warm_imports")) && cJSON_IsArray(p))
            cJSON_AddItemToObject(e, "warm_imports", cJSON_Duplicate(p, 1));
        if (v[i].ready && (p = cJSON_GetObjectItemCaseSensitive(v[i].best, "packages")) && cJSON_IsArray(p))
            cJSON_AddItemToObject(e, "packages", cJSON_Duplicate(p, 1));
        x = cJSON_AddObjectToObject(e, "executors");   /* last: name and state read first */
        cJSON_AddNumberToObject(x, "ready", v[i].ready);
        cJSON_AddNumberToObject(x, "building", v[i].building);
        cJSON_AddNumberToObject(x, "failed", v[i].failed);
        cJSON_AddItemToArray(list, e);
    }
    pthread_mutex_unlock(&l->mu);
    if (!have_default) {
        /* No executor has spoken for a while: jobs in it still queue. */
        cJSON *e = cJSON_CreateObject(), *x;
        cJSON_AddStringToObject(e, "name", "default");
        cJSON_AddStringToObject(e, "state", "unknown");
        x = cJSON_AddObjectToObject(e, "executors");
        cJSON_AddNumberToObject(x, "ready", 0);
        cJSON_AddNumberToObject(x, "building", 0);
        cJSON_AddNumberToObject(x, "failed", 0);
        cJSON_InsertItemInArray(list, 0, e);
    }
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

long envlist_count(struct envlist *l, int ready_only)
{
    static __thread struct agg v[ENVLIST_MAX];
    long k = 0;
    size_t n;

    pthread_mutex_lock(&l->mu);
    n = aggregate(l, v, ENVLIST_MAX);
    for (size_t i = 0; i < n; i++)
        k += !ready_only || v[i].ready;
    pthread_mutex_unlock(&l->mu);
    return k;
}
