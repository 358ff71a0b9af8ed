/* quota: see quota.h. One chained hash table of per-account entries, one
 * mutex: every account has its own bucket and counts, whatever its name
 * hashes to (a fixed table of buckets let two accounts on one slot reset
 * each other to a full burst). An entry idle for QUOTA_IDLE_MS (its
 * bucket full again, nothing waiting) is freed by a sweep that visits one
 * chain per call, so the table holds the accounts seen lately. */
#include "quota.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define QUOTA_SLOTS 4096
/* A bucket refills to its burst (2 s of its rate) long before this. */
#define QUOTA_IDLE_MS 60000

struct entry {
    char account[40];
    double tokens;            /* < 0: full, once the rate is known */
    int64_t last_ms, loaded_ms, used_ms;
    long rps, max_batch;
    long n[QUOTA_NKINDS];     /* calls of each kind waiting now */
    struct entry *next;
};

struct quota {
    pthread_mutex_t mu;
    long default_rps, default_max_batch;
    struct entry *slot[QUOTA_SLOTS];
    unsigned sweep;           /* the next chain the sweep visits */
    long entries;
};

struct quota *quota_new(long default_rps, long default_max_batch)
{
    struct quota *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    pthread_mutex_init(&l->mu, NULL);
    l->default_rps = default_rps;
    l->default_max_batch = default_max_batch;
    return l;
}

void quota_free(struct quota *l)
{
    if (!l)
        return;
    for (int i = 0; i < QUOTA_SLOTS; i++)
        while (l->slot[i]) {
            struct entry *e = l->slot[i];
            l->slot[i] = e->next;
            free(e);
        }
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static unsigned slot_of(const char *account)
{
    unsigned h = 2166136261u;   /* FNV-1a */
    for (const char *p = account; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h % QUOTA_SLOTS;
}

static int idle(const struct entry *e, int64_t now)
{
    for (int k = 0; k < QUOTA_NKINDS; k++)
        if (e->n[k] > 0)
            return 0;
    return now - e->used_ms > QUOTA_IDLE_MS;
}

/* Frees the idle entries of one chain. Caller holds l->mu. */
static void sweep_one(struct quota *l, int64_t now)
{
    struct entry **p = &l->slot[l->sweep++ % QUOTA_SLOTS];

    while (*p) {
        struct entry *e = *p;
        if (idle(e, now)) {
            *p = e->next;
            free(e);
            l->entries--;
        } else {
            p = &e->next;
        }
    }
}

/* account's entry, made if new (NULL when out of memory). Caller holds l->mu. */
static struct entry *entry_of(struct quota *l, const char *account, int64_t now)
{
    struct entry **p = &l->slot[slot_of(account)], *e;

    sweep_one(l, now);
    while (*p && strcmp((*p)->account, account) != 0)
        p = &(*p)->next;
    if (!*p) {
        if (!(e = calloc(1, sizeof(*e))))
            return NULL;
        snprintf(e->account, sizeof(e->account), "%s", account);
        e->loaded_ms = now - QUOTA_CACHE_MS - 1;
        e->tokens = -1;
        e->last_ms = now;
        *p = e;
        l->entries++;
    }
    (*p)->used_ms = now;
    return *p;
}

/* account's entry with its limits (re)loaded from the store when new or
 * stale. Caller holds l->mu. */
static struct entry *limits_of(struct quota *l, struct store *s, const char *account, int64_t now)
{
    struct entry *e = entry_of(l, account, now);
    long v[STORE_NLIMITS];

    if (!e)
        return NULL;
    if (now - e->loaded_ms > QUOTA_CACHE_MS) {
        if (store_get_limits(s, account, v) != 0)
            v[2] = v[3] = -1;
        e->rps = v[2] >= 0 ? v[2] : l->default_rps;
        e->max_batch = v[3] >= 0 ? v[3] : l->default_max_batch;
        e->loaded_ms = now;
    }
    if (e->tokens < 0)
        e->tokens = 2.0 * (double)e->rps;
    return e;
}

int quota_take(struct quota *l, struct store *s, const char *account, int64_t now_ms, int *retry_after_s)
{
    struct entry *e;
    int ret = 0;

    pthread_mutex_lock(&l->mu);
    e = limits_of(l, s, account, now_ms);
    if (e && e->rps > 0) {
        double burst = 2.0 * (double)e->rps;
        e->tokens += (double)(now_ms - e->last_ms) * (double)e->rps / 1000.0;
        if (e->tokens > burst)
            e->tokens = burst;
        e->last_ms = now_ms;
        if (e->tokens >= 1.0) {
            e->tokens -= 1.0;
        } else {
            *retry_after_s = 1 + (int)((1.0 - e->tokens) / (double)e->rps);
            ret = 1;
        }
    }
    /* else out of memory: the request goes through rather than refused */
    pthread_mutex_unlock(&l->mu);
    return ret;
}

long quota_max_batch(struct quota *l, struct store *s, const char *account, int64_t now_ms)
{
    struct entry *e;
    long n;

    pthread_mutex_lock(&l->mu);
    e = limits_of(l, s, account, now_ms);
    n = e ? e->max_batch : l->default_max_batch;
    pthread_mutex_unlock(&l->mu);
    return n;
}

void quota_forget(struct quota *l, const char *account)
{
    struct entry *e;

    pthread_mutex_lock(&l->mu);
    for (e = l->slot[slot_of(account)]; e; e = e->next)
        if (strcmp(e->account, account) == 0)
            e->loaded_ms = e->used_ms - QUOTA_CACHE_MS - 1;
    pthread_mutex_unlock(&l->mu);
}

int quota_enter(struct quota *l, enum quota_kind kind, const char *account, long max, int64_t now_ms)
{
    struct entry *e;
    int over = 0;

    pthread_mutex_lock(&l->mu);
    e = entry_of(l, account, now_ms);
    if (e && max > 0 && e->n[kind] >= max)
        over = 1;
    else if (e)
        e->n[kind]++;
    /* else out of memory: the call goes through uncounted rather than refused */
    pthread_mutex_unlock(&l->mu);
    return over;
}

void quota_leave(struct quota *l, enum quota_kind kind, const char *account)
{
    struct entry *e;

    pthread_mutex_lock(&l->mu);
    for (e = l->slot[slot_of(account)]; e; e = e->next)
        if (strcmp(e->account, account) == 0 && e->n[kind] > 0)
            e->n[kind]--;
    pthread_mutex_unlock(&l->mu);
}

long quota_count(struct quota *l, enum quota_kind kind, const char *account)
{
    struct entry *e;
    long n = 0;

    pthread_mutex_lock(&l->mu);
    for (e = l->slot[slot_of(account)]; e; e = e->next)
        if (strcmp(e->account, account) == 0)
            n = e->n[kind];
    pthread_mutex_unlock(&l->mu);
    return n;
}

long quota_entries(struct quota *l)
{
    long n;

    pthread_mutex_lock(&l->mu);
    n = l->entries;
    pthread_mutex_unlock(&l->mu);
    return n;
}
