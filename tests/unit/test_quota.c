/* Unit tests of producer-api/quota.c: the token bucket (bursts, refill,
 * Retry-After), per-account buckets, overrides read from the store and
 * forgotten on change; the exact count of waiting sync calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "quota.h"
#include "store.h"

/* Waiting sync calls: counted per account exactly (two accounts whose names
 * share a bucket slot still have their own counts), refused past max, the
 * entry gone at zero; 0 means no limit. */
static void test_sync_waiting(void)
{
    struct quota *q = quota_new(0, 0);
    char name[40];
    int over = 0;

    for (int i = 0; i < 3; i++)
        CHECK(quota_enter(q, QUOTA_SYNC, "acct_a", 3, 0) == 0);
    CHECK(quota_enter(q, QUOTA_SYNC, "acct_a", 3, 0) == 1);    /* the fourth waits for one to end */
    CHECK(quota_enter(q, QUOTA_SYNC, "acct_b", 3, 0) == 0);    /* another account is not held up */
    CHECK(quota_count(q, QUOTA_SYNC, "acct_a") == 3 && quota_count(q, QUOTA_SYNC, "acct_b") == 1);
    quota_leave(q, QUOTA_SYNC, "acct_a");
    CHECK(quota_enter(q, QUOTA_SYNC, "acct_a", 3, 0) == 0);
    for (int i = 0; i < 3; i++)
        quota_leave(q, QUOTA_SYNC, "acct_a");
    quota_leave(q, QUOTA_SYNC, "acct_b");
    CHECK(quota_count(q, QUOTA_SYNC, "acct_a") == 0 && quota_count(q, QUOTA_SYNC, "acct_b") == 0);
    quota_leave(q, QUOTA_SYNC, "acct_c");                   /* never entered: no-op, never negative */
    CHECK(quota_count(q, QUOTA_SYNC, "acct_c") == 0 && quota_enter(q, QUOTA_SYNC, "acct_c", 1, 0) == 0);
    CHECK(quota_enter(q, QUOTA_SYNC, "acct_c", 1, 0) == 1);
    /* 10,000 accounts, so names share slots: every count stays its own. */
    for (int i = 0; i < 10000; i++) {
        snprintf(name, sizeof(name), "acct_%d", i);
        over += quota_enter(q, QUOTA_SYNC, name, 1, 0);
    }
    CHECK(over == 0);   /* each is its first */
    for (int i = 0; i < 10000; i++) {
        snprintf(name, sizeof(name), "acct_%d", i);
        over += quota_count(q, QUOTA_SYNC, name) != 1;
    }
    CHECK(over == 0);
    for (int i = 0; i < 100; i++)
        CHECK(quota_enter(q, QUOTA_SYNC, "unlimited", 0, 0) == 0);
    CHECK(quota_count(q, QUOTA_SYNC, "unlimited") == 100);
    quota_free(q);   /* frees what is still counted */
}

/* quota.c's hash (FNV-1a over 4096 slots), to find names that share one. */
static unsigned slot_like_quota(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % 4096;
}

/* Issue 21 point 10: two accounts whose names hash to one slot. Before,
 * the newcomer took over the slot's bucket and the other's came back
 * full: draining A, one request of B, and A had a full burst again. Each
 * has its own bucket now; an idle one is freed after a minute (and, being
 * full again by then, comes back the same). */
static void test_colliding_accounts_keep_their_own_buckets(struct store *st)
{
    struct quota *q = quota_new(2, 1000);
    char a[40] = "", b[40] = "", name[40];
    unsigned first[4096];
    int retry = 0, ok = 0;

    memset(first, 0xff, sizeof(first));
    for (unsigned i = 0; !b[0]; i++) {
        unsigned k;
        snprintf(name, sizeof(name), "acct_collide_%u", i);
        k = slot_like_quota(name);
        if (first[k] != 0xffffffffu) {
            snprintf(a, sizeof(a), "acct_collide_%u", first[k]);
            snprintf(b, sizeof(b), "%s", name);
        }
        first[k] = i;
    }
    for (int i = 0; i < 4; i++)
        ok += quota_take(q, st, a, 5000, &retry) == 0;
    CHECK(ok == 4);                                      /* A's burst, spent */
    CHECK(quota_take(q, st, b, 5000, &retry) == 0);      /* B, on the same slot */
    CHECK(quota_take(q, st, a, 5000, &retry) == 1);      /* A is still out of tokens */
    CHECK(quota_entries(q) == 2);
    CHECK(quota_take(q, st, "acct_other", 5000 + 61000, &retry) == 0);
    for (int i = 0; i < 4096; i++)                       /* a sweep visits every chain */
        quota_take(q, st, "acct_other", 5000 + 61000, &retry);
    CHECK(quota_entries(q) == 1);                        /* A and B idle a minute: freed */
    quota_free(q);
}

int main(void)
{
    char dir[] = "/tmp/execq-quotatest-XXXXXX", path[128], err[160];
    struct store *st = NULL;
    struct quota *q = quota_new(2, 1000);
    long v[STORE_NLIMITS] = {-1, -1, 10, 5};
    int retry = 0, ok = 0;

    test_sync_waiting();
    CHECK(q != NULL && mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/t.db", dir);
    CHECK(store_open(&st, path, err, sizeof(err)) == 0);
    CHECK(store_account_ensure(st, "a", "ha", 10, err, sizeof(err)) == 0);
    CHECK(store_account_ensure(st, "b", "hb", 10, err, sizeof(err)) == 0);
    /* 2 per second: a burst of 4, then nothing until tokens come back. */
    for (int i = 0; i < 6; i++)
        ok += quota_take(q, st, "a", 1000, &retry) == 0;
    CHECK(ok == 4 && retry == 1);
    CHECK(quota_take(q, st, "b", 1000, &retry) == 0);   /* b has its own */
    CHECK(quota_take(q, st, "a", 1499, &retry) == 1);    /* 0.998 tokens */
    CHECK(quota_take(q, st, "a", 1500, &retry) == 0);    /* one back after 0.5 s */
    CHECK(quota_max_batch(q, st, "a", 1500) == 1000);
    /* An operator's override, read once the cache is forgotten. */
    CHECK(store_set_limits(st, "a", v, "test", "why") == 0);
    CHECK(quota_max_batch(q, st, "a", 1600) == 1000);    /* cached */
    quota_forget(q, "a");
    CHECK(quota_max_batch(q, st, "a", 1700) == 5);
    ok = 0;
    for (int i = 0; i < 30; i++)
        ok += quota_take(q, st, "a", 100000, &retry) == 0;
    CHECK(ok == 20);   /* a burst of twice 10 */
    CHECK(quota_max_batch(q, st, "nobody", 1700) == 1000);   /* no such account: defaults */
    test_colliding_accounts_keep_their_own_buckets(st);
    quota_free(q);
    store_close(st);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    CHECK(system(path) == 0);
    CHECK_DONE();
}
