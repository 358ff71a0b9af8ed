/* pending: a chained hash table of job ids under one mutex (see
 * pending.h). The deadline sweep walks the table; at the default 10,000
 * entries and 20 sweeps a second that is cheap beside the JSON work. */
#include "pending.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 4096

struct entry {
    char id[37];
    void *data;
    int64_t deadline_ms;
    struct entry *next;
};

struct pending {
    pthread_mutex_t mu;
    size_t count, max;
    int unique;
    struct entry *buckets[NBUCKETS];
};

static unsigned bucket_of(const char *id)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return h % NBUCKETS;
}

struct pending *pending_new(size_t max, int unique)
{
    struct pending *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    pthread_mutex_init(&p->mu, NULL);
    p->max = max;
    p->unique = unique;
    return p;
}

void pending_free(struct pending *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < NBUCKETS; i++)
        for (struct entry *e = p->buckets[i], *n; e; e = n) {
            n = e->next;
            free(e);
        }
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int pending_add(struct pending *p, const char *id, void *data, int64_t deadline_ms)
{
    unsigned b = bucket_of(id);
    struct entry *e;
    int ret = -1;

    if (strlen(id) >= sizeof(e->id))
        return -1;
    pthread_mutex_lock(&p->mu);
    if (p->count >= p->max)
        goto out;
    for (e = p->buckets[b]; p->unique && e; e = e->next)
        if (strcmp(e->id, id) == 0)
            goto out;
    e = calloc(1, sizeof(*e));
    if (!e)
        goto out;
    memcpy(e->id, id, strlen(id) + 1);
    e->data = data;
    e->deadline_ms = deadline_ms;
    e->next = p->buckets[b];
    p->buckets[b] = e;
    p->count++;
    ret = 0;
out:
    pthread_mutex_unlock(&p->mu);
    return ret;
}

void *pending_take(struct pending *p, const char *id)
{
    unsigned b = bucket_of(id);
    void *data = NULL;

    pthread_mutex_lock(&p->mu);
    for (struct entry **pe = &p->buckets[b]; *pe; pe = &(*pe)->next) {
        if (strcmp((*pe)->id, id) == 0) {
            struct entry *e = *pe;
            *pe = e->next;
            data = e->data;
            free(e);
            p->count--;
            break;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return data;
}

int pending_remove(struct pending *p, const char *id, void *data)
{
    unsigned b = bucket_of(id);
    int found = 0;

    pthread_mutex_lock(&p->mu);
    for (struct entry **pe = &p->buckets[b]; *pe; pe = &(*pe)->next) {
        if (strcmp((*pe)->id, id) == 0 && (*pe)->data == data) {
            struct entry *e = *pe;
            *pe = e->next;
            free(e);
            p->count--;
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return found;
}

size_t pending_expire(struct pending *p, int64_t now_ms, void (*fn)(void *data, void *arg), void *arg)
{
    struct entry *due = NULL;
    size_t n = 0;

    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < NBUCKETS && p->count; i++) {
        for (struct entry **pe = &p->buckets[i]; *pe;) {
            struct entry *e = *pe;
            if (e->deadline_ms <= now_ms) {
                *pe = e->next;
                e->next = due;
                due = e;
                p->count--;
            } else {
                pe = &e->next;
            }
        }
    }
    pthread_mutex_unlock(&p->mu);
    while (due) {
        struct entry *e = due;
        due = e->next;
        fn(e->data, arg);
        free(e);
        n++;
    }
    return n;
}

int pending_find(struct pending *p, const char *id, void (*fn)(void *data, void *arg), void *arg)
{
    struct entry *e;

    pthread_mutex_lock(&p->mu);
    for (e = p->buckets[bucket_of(id)]; e && strcmp(e->id, id) != 0; e = e->next)
        ;
    if (e)
        fn(e->data, arg);
    pthread_mutex_unlock(&p->mu);
    return e != NULL;
}

void pending_each(struct pending *p, void (*fn)(void *data, void *arg), void *arg)
{
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < NBUCKETS && p->count; i++)
        for (struct entry *e = p->buckets[i]; e; e = e->next)
            fn(e->data, arg);
    pthread_mutex_unlock(&p->mu);
}

size_t pending_count(struct pending *p)
{
    size_t n;
    pthread_mutex_lock(&p->mu);
    n = p->count;
    pthread_mutex_unlock(&p->mu);
    return n;
}
