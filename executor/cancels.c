/* cancels: a hash set of cancelled job ids with their deadlines (see
 * cancels.h). Expired ones are dropped as new ones come. */
#include "cancels.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "log.h"
#include "util.h"

#define CANCELS_BUCKETS 4096

struct cancel {
    char id[37];
    int64_t expires_at_ms;
    struct cancel *next;
};

struct cancels {
    pthread_mutex_t mu;
    struct cancel *b[CANCELS_BUCKETS];
    size_t n, since_sweep;
    void (*on_new)(const char *id, void *arg);
    void *arg;
};

static unsigned bucket(const char *id)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return h % CANCELS_BUCKETS;
}

struct cancels *cancels_new(void (*on_new)(const char *id, void *arg), void *arg)
{
    struct cancels *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->on_new = on_new;
    c->arg = arg;
    return c;
}

void cancels_free(struct cancels *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < CANCELS_BUCKETS; i++)
        for (struct cancel *e = c->b[i], *next; e; e = next) {
            next = e->next;
            free(e);
        }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* Drops cancels past their deadline (c->mu held). */
static void sweep(struct cancels *c, int64_t now_ms)
{
    for (size_t i = 0; i < CANCELS_BUCKETS; i++)
        for (struct cancel **pe = &c->b[i]; *pe;) {
            struct cancel *e = *pe;
            if (e->expires_at_ms < now_ms) {
                *pe = e->next;
                free(e);
                c->n--;
            } else {
                pe = &e->next;
            }
        }
    c->since_sweep = 0;
}

void cancels_apply(void *arg, const rd_kafka_message_t *m)
{
    struct cancels *c = arg;
    char id[37], errstr[160];
    int64_t expires, now = util_wall_ms();
    struct cancel *e;
    int fresh = 0;

    if (job_cancel_from_json(m->payload, m->len, id, &expires, errstr, sizeof(errstr)) < 0) {
        log_msg(LOG_WARNING, "control topic: an unreadable notice at offset %lld skipped: %s", (long long)m->offset,
                errstr);
        return;
    }
    if (expires < now)
        return;   /* its job would not run any more anyway */
    pthread_mutex_lock(&c->mu);
    for (e = c->b[bucket(id)]; e && strcmp(e->id, id) != 0; e = e->next)
        ;
    if (!e && (e = calloc(1, sizeof(*e)))) {
        snprintf(e->id, sizeof(e->id), "%s", id);
        e->expires_at_ms = expires;
        e->next = c->b[bucket(id)];
        c->b[bucket(id)] = e;
        c->n++;
        fresh = 1;
    }
    if (++c->since_sweep >= 1024)
        sweep(c, now);
    pthread_mutex_unlock(&c->mu);
    if (fresh) {
        log_msg(LOG_INFO, "job=%s cancelled", id);
        c->on_new(id, c->arg);
    }
}

int cancels_has(struct cancels *c, const char *id)
{
    struct cancel *e;
    int yes;

    if (!c)
        return 0;
    pthread_mutex_lock(&c->mu);
    for (e = c->b[bucket(id)]; e && strcmp(e->id, id) != 0; e = e->next)
        ;
    yes = e && e->expires_at_ms >= util_wall_ms();
    pthread_mutex_unlock(&c->mu);
    return yes;
}
