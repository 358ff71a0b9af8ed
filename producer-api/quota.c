/* quota: see quota.h. A fixed table of buckets (hashed by account; a
 * collision just restarts the newcomer's bucket full), one mutex: a
 * lookup is a hash and a compare. */
#include "quota.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUOTA_SLOTS 4096

struct bucket {
    char account[40];
    double tokens;
    int64_t last_ms, loaded_ms;
    long rps, max_batch;
};

/* An account with sync calls waiting; gone when it has none. */
struct waiting {
    char account[40];
    long n;
    struct waiting *next;
};

struct quota {
    pthread_mutex_t mu;
    long default_rps, default_max_batch;
    struct bucket b[QUOTA_SLOTS];
    struct waiting *sync[QUOTA_SLOTS];   /* chained: exact per account */
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
        while (l->sync[i]) {
            struct waiting *w = l->sync[i];
            l->sync[i] = w->next;
            free(w);
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

/* The account's bucket, (re)loaded from the store when new or stale.
 * Caller holds l->mu. */
static struct bucket *bucket_of(struct quota *l, struct store *s, const char *account, int64_t now)
{
    struct bucket *b = &l->b[slot_of(account)];
    long v[STORE_NLIMITS];

    if (strcmp(b->account, account) != 0) {
        memset(b, 0, sizeof(*b));
        snprintf(b->account, sizeof(b->account), "%s", account);
        b->loaded_ms = -QUOTA_CACHE_MS - 1;
        b->tokens = -1;   /* full, once the rate is known */
        b->last_ms = now;
    }
    if (now - b->loaded_ms > QUOTA_CACHE_MS) {
        if (store_get_limits(s, account, v) != 0)
            v[2] = v[3] = -1;
        b->rps = v[2] >= 0 ? v[2] : l->default_rps;
        b->max_batch = v[3] >= 0 ? v[3] : l->default_max_batch;
        b->loaded_ms = now;
    }
    if (b->tokens < 0)
        b->tokens = 2.0 * (double)b->rps;
    return b;
}

int quota_take(struct quota *l, struct store *s, const char *account, int64_t now_ms, int *retry_after_s)
{
    struct bucket *b;
    int ret = 0;

    pthread_mutex_lock(&l->mu);
    b = bucket_of(l, s, account, now_ms);
    if (b->rps > 0) {
        double burst = 2.0 * (double)b->rps;
        b->tokens += (double)(now_ms - b->last_ms) * (double)b->rps / 1000.0;
        if (b->tokens > burst)
            b->tokens = burst;
        b->last_ms = now_ms;
        if (b->tokens >= 1.0) {
            b->tokens -= 1.0;
        } else {
            *retry_after_s = 1 + (int)((1.0 - b->tokens) / (double)b->rps);
            ret = 1;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return ret;
}

long quota_max_batch(struct quota *l, struct store *s, const char *account, int64_t now_ms)
{
    long n;

    pthread_mutex_lock(&l->mu);
    n = bucket_of(l, s, account, now_ms)->max_batch;
    pthread_mutex_unlock(&l->mu);
    return n;
}

void quota_forget(struct quota *l, const char *account)
{
    struct bucket *b;

    pthread_mutex_lock(&l->mu);
    b = &l->b[slot_of(account)];
    if (strcmp(b->account, account) == 0)
        b->loaded_ms = -QUOTA_CACHE_MS - 1;
    pthread_mutex_unlock(&l->mu);
}

/* The link in l->sync that points at account's entry (at NULL when it has
 * none). Caller holds l->mu. */
static struct waiting **waiting_of(struct quota *l, const char *account)
{
    struct waiting **p = &l->sync[slot_of(account)];
    while (*p && strcmp((*p)->account, account) != 0)
        p = &(*p)->next;
    return p;
}

int quota_sync_enter(struct quota *l, const char *account, long max)
{
    struct waiting **p;
    int over = 0;

    pthread_mutex_lock(&l->mu);
    p = waiting_of(l, account);
    if (!*p && (*p = calloc(1, sizeof(**p))))
        snprintf((*p)->account, sizeof((*p)->account), "%s", account);
    if (*p && max > 0 && (*p)->n >= max)
        over = 1;
    else if (*p)
        (*p)->n++;
    /* else out of memory: the call goes through uncounted rather than refused */
    pthread_mutex_unlock(&l->mu);
    return over;
}

void quota_sync_leave(struct quota *l, const char *account)
{
    struct waiting **p, *w;

    pthread_mutex_lock(&l->mu);
    p = waiting_of(l, account);
    if ((w = *p) && --w->n <= 0) {
        *p = w->next;
        free(w);
    }
    pthread_mutex_unlock(&l->mu);
}

long quota_sync_count(struct quota *l, const char *account)
{
    struct waiting *w;
    long n;

    pthread_mutex_lock(&l->mu);
    w = *waiting_of(l, account);
    n = w ? w->n : 0;
    pthread_mutex_unlock(&l->mu);
    return n;
}
