/* offsets: per-partition queues of in-flight offsets (see offsets.h). A
 * queue is at most as long as the executor has slots, so linear scans do. */
#include "offsets.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct inflight {
    int64_t offset;
    int done;
};

struct part {
    int32_t id;
    struct inflight *q;
    size_t len, cap;
};

struct offsets {
    pthread_mutex_t mu;
    uint64_t gen;
    struct part *parts;
    size_t nparts;
};

struct offsets *offsets_new(void)
{
    struct offsets *o = calloc(1, sizeof(*o));
    if (!o)
        return NULL;
    pthread_mutex_init(&o->mu, NULL);
    o->gen = 1;
    return o;
}

static void clear(struct offsets *o)
{
    for (size_t i = 0; i < o->nparts; i++)
        free(o->parts[i].q);
    free(o->parts);
    o->parts = NULL;
    o->nparts = 0;
}

void offsets_free(struct offsets *o)
{
    if (!o)
        return;
    clear(o);
    pthread_mutex_destroy(&o->mu);
    free(o);
}

uint64_t offsets_reset(struct offsets *o)
{
    uint64_t g;
    pthread_mutex_lock(&o->mu);
    clear(o);
    g = ++o->gen;
    pthread_mutex_unlock(&o->mu);
    return g;
}

static struct part *find(struct offsets *o, int32_t id, int create)
{
    struct part *p;
    for (size_t i = 0; i < o->nparts; i++)
        if (o->parts[i].id == id)
            return &o->parts[i];
    if (!create)
        return NULL;
    p = realloc(o->parts, (o->nparts + 1) * sizeof(*p));
    if (!p)
        return NULL;
    o->parts = p;
    p = &o->parts[o->nparts++];
    memset(p, 0, sizeof(*p));
    p->id = id;
    return p;
}

uint64_t offsets_begin(struct offsets *o, int32_t partition, int64_t offset)
{
    uint64_t g = 0;
    struct part *p;

    pthread_mutex_lock(&o->mu);
    p = find(o, partition, 1);
    if (!p)
        goto out;
    if (p->len == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        struct inflight *q = realloc(p->q, cap * sizeof(*q));
        if (!q)
            goto out;
        p->q = q;
        p->cap = cap;
    }
    p->q[p->len++] = (struct inflight){offset, 0};
    g = o->gen;
out:
    pthread_mutex_unlock(&o->mu);
    return g;
}

int64_t offsets_done(struct offsets *o, int32_t partition, int64_t offset, uint64_t gen)
{
    int64_t store = -1;
    struct part *p;
    size_t i, k = 0;

    pthread_mutex_lock(&o->mu);
    if (gen != o->gen || !(p = find(o, partition, 0)))
        goto out;
    for (i = 0; i < p->len; i++)
        if (p->q[i].offset == offset)
            p->q[i].done = 1;
    while (k < p->len && p->q[k].done)
        k++;
    if (k) {
        store = p->q[k - 1].offset + 1;
        memmove(p->q, p->q + k, (p->len - k) * sizeof(*p->q));
        p->len -= k;
    }
out:
    pthread_mutex_unlock(&o->mu);
    return store;
}
