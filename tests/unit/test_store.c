/* Unit tests of producer-api/store.c over both backends (db.c): the same
 * checks against a SQLite file and against PostgreSQL (EXECQ_TEST_PG_URL,
 * a scratch server `make unit` starts; each run empties its schema).
 * Accounts and keys, charging and refunds exactly once, batches, held jobs
 * and their release, idempotency, usage, audit, retention, migrations; and
 * what several APIs sharing one store need: two store handles (as two API
 * processes) charging one account from 100 threads accept exactly what the
 * credits pay for, and a result stored through one wakes the other
 * (LISTEN/NOTIFY on PostgreSQL). */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store.h"
#include "util.h"
#include "webhook.h"

/* A signup through store_signup with a fresh key hash: 1, 0 or -1. */
static int signup(struct store *st, const char *addr, int64_t now, int64_t window, int max)
{
    static int n;
    char hash[65], id[40];
    snprintf(hash, sizeof(hash), "signup-hash-%d-%lld", ++n, (long long)util_wall_ms());
    return store_signup(st, addr, now, window, max, hash, 10, id);
}

static struct job mkjob(const char *id, long credits, const char *kind)
{
    struct job j;
    memset(&j, 0, sizeof(j));
    snprintf(j.id, sizeof(j.id), "%s", id);
    snprintf(j.kind, sizeof(j.kind), "%s", kind);
    j.credits = credits;
    return j;
}

/* A 36-character job id from a number. */
static void job_id(char out[37], const char *prefix, int n)
{
    snprintf(out, 37, "%s-0000-4000-8000-%012d", prefix, n);
}

static void count_row(const struct store_account *a, const char *suspended, void *arg)
{
    (void)a;
    (void)suspended;
    (*(int *)arg)++;
}

static void day_row(const char *day, long runs, long charged, long refunded, long cpu_ms, void *arg)
{
    long *t = arg;
    (void)cpu_ms;
    t[0] += strlen(day) == 10;
    t[1] += runs;
    t[2] += charged;
    t[3] += refunded;
}

static void audit_row(int64_t at_ms, const char *actor, const char *action, const char *detail, const char *reason,
                      void *arg)
{
    char *first = arg;
    (void)at_ms;
    (void)actor;
    (void)detail;
    (void)reason;
    if (!first[0])
        snprintf(first, 32, "%s", action);
}

static void key_row(const char *hash, int64_t created_ms, int64_t expires_ms, void *arg)
{
    (void)hash;
    (void)created_ms;
    if (expires_ms)
        (*(int *)arg)++;
}

struct released {
    int n;
    char first[37];
};

static void on_release(const char *id, const char *kind, const char *json, void *arg)
{
    struct released *r = arg;
    (void)kind;
    if (r->n++ == 0)
        snprintf(r->first, sizeof(r->first), "%s", id);
    CHECK(json && strstr(json, "code") != NULL);
}

static void on_job(const char *id, const char *kind, const char *json, void *arg)
{
    (void)id;
    (void)kind;
    (void)json;
    (*(int *)arg)++;
}

/* Accounts, keys, suspension, limits, audit. */
static void test_accounts(struct store *s)
{
    char id[40], got[40], why[64], first[32] = "";
    struct store_account a;
    long v[STORE_NLIMITS] = {3, 7, -1, 50}, w[STORE_NLIMITS];
    int n = 0, expiring = 0;

    CHECK(store_account_create(s, "hash-one", 100, id, why, sizeof(why)) == 0);
    CHECK(strncmp(id, "acct_", 5) == 0);
    CHECK(store_account_by_key(s, "hash-one", got, why, sizeof(why)) == 0 && strcmp(got, id) == 0);
    CHECK(store_account_by_key(s, "hash-none", got, why, sizeof(why)) == 1);
    CHECK(store_account_get(s, id, &a) == 0 && a.balance == 100 && a.granted == 100 && a.runs == 0);
    CHECK(store_account_get(s, "acct_none", &a) == 1);
    /* ensure keeps the balance, replaces the key */
    CHECK(store_account_ensure(s, "demo", "demo-1", 1000, why, sizeof(why)) == 0);
    CHECK(store_grant(s, "demo", 5, "op", "test", NULL, NULL) == 0);
    CHECK(store_account_ensure(s, "demo", "demo-2", 1000, why, sizeof(why)) == 0);
    CHECK(store_account_get(s, "demo", &a) == 0 && a.balance == 1005);   /* as test_accounts left it */
    CHECK(store_account_by_key(s, "demo-1", got, why, sizeof(why)) == 1);
    CHECK(store_account_by_key(s, "demo-2", got, why, sizeof(why)) == 0);
    CHECK(store_grant(s, "acct_none", 5, "op", "test", NULL, NULL) == 1);
    /* a second key, then every key but it expires */
    CHECK(store_key_add(s, id, "hash-two", NULL, "op", "rotate") == 0);
    CHECK(store_keys_expire(s, id, "hash-two", NULL, util_wall_ms() - 1, "op", "rotate") == 0);
    CHECK(store_account_by_key(s, "hash-one", got, why, sizeof(why)) == 1);
    CHECK(store_account_by_key(s, "hash-two", got, why, sizeof(why)) == 0);
    CHECK(store_keys_list(s, id, key_row, &expiring) == 2 && expiring == 1);
    /* an earlier expiry is kept, a later one does not replace it */
    CHECK(store_keys_expire(s, id, NULL, "hash-one", util_wall_ms() + 100000, "op", "again") == 0);
    CHECK(store_account_by_key(s, "hash-one", got, why, sizeof(why)) == 1);
    CHECK(store_suspend(s, id, 1, "op", "abuse") == 0);
    CHECK(store_account_by_key(s, "hash-two", got, why, sizeof(why)) == 2 && strcmp(why, "abuse") == 0);
    CHECK(store_suspend(s, id, 0, "op", "ok now") == 0);
    CHECK(store_account_by_key(s, "hash-two", got, why, sizeof(why)) == 0);
    CHECK(store_set_limits(s, id, v, "op", "tier") == 0);
    CHECK(store_get_limits(s, id, w) == 0 && w[0] == 3 && w[1] == 7 && w[2] == -1 && w[3] == 50);
    CHECK(store_set_limits(s, "acct_none", v, "op", "tier") == 1);
    CHECK(store_audit_list(s, id, 100, audit_row, first) == 6 && strcmp(first, "limits") == 0);
    CHECK(store_accounts_list(s, "", 0, 100, count_row, &n) == 2 && n == 2);
    n = 0;
    CHECK(store_accounts_list(s, id + 5, 0, 100, count_row, &n) == 1 && n == 1);
    n = 0;
    CHECK(store_accounts_list(s, "no-such", 0, 100, count_row, &n) == 0 && n == 0);
}

/* Charging, results, refunds: each exactly once. */
static void test_charging(struct store *s)
{
    char id[40], why[64], batch[37], j1[37], j2[37];
    struct job jobs[2];
    char *json[2] = {"{\"code\":\"print(1)\"}", "{\"code\":\"print(2)\"}"};
    struct store_account a;
    struct store_job sj;
    long bal = 0, t[4] = {0, 0, 0, 0};
    size_t rel = 0;

    CHECK(store_account_create(s, "hash-charge", 12, id, why, sizeof(why)) == 0);
    job_id(j1, "c0000001", 1);
    job_id(j2, "c0000001", 2);
    jobs[0] = mkjob(j1, 5, "sync");
    jobs[1] = mkjob(j2, 5, "sync");
    CHECK(store_jobs_accept(s, id, NULL, jobs, json, 2, NULL, NULL, NULL, &bal, &rel) == STORE_ACCEPTED && bal == 2 && rel == 2);
    CHECK(store_jobs_accept(s, id, NULL, jobs, json, 1, NULL, NULL, NULL, &bal, &rel) == STORE_NO_CREDITS && bal == 2);
    /* the same job id twice: refused whole, nothing charged */
    CHECK(store_grant(s, id, 100, "op", "more", NULL, NULL) == 0);
    CHECK(store_jobs_accept(s, id, NULL, jobs, json, 1, NULL, NULL, NULL, &bal, &rel) == STORE_ERROR);
    CHECK(store_account_get(s, id, &a) == 0 && a.balance == 102 && a.charged == 10 && a.runs == 2);
    CHECK(store_job_get(s, j1, id, &sj) == 0 && strcmp(sj.status, "queued") == 0 && !sj.result);
    store_job_release(&sj);
    CHECK(store_job_get(s, j1, "acct_other", &sj) == 1);
    store_job_running(s, j1);
    CHECK(store_job_get(s, j1, id, &sj) == 0 && strcmp(sj.status, "running") == 0);
    store_job_release(&sj);
    CHECK(store_result(s, j1, "{\"exit_code\":0,\"cpu_time_ms\":7}", "completed", 0, util_wall_ms(), batch) == 1 && !batch[0]);
    CHECK(store_result(s, j1, "{\"exit_code\":1}", "completed", 0, util_wall_ms(), batch) == 0);   /* duplicate */
    CHECK(store_job_get(s, j1, id, &sj) == 0 && strcmp(sj.status, "completed") == 0 &&
          strstr(sj.result, "\"exit_code\":0") && sj.finished_ms > 0);
    store_job_release(&sj);
    /* refunded once, however often the refunding result comes */
    CHECK(store_result(s, j2, "{\"error\":\"expired\"}", "failed", 1, util_wall_ms(), batch) == 1);
    CHECK(store_result(s, j2, "{\"error\":\"expired\"}", "failed", 1, util_wall_ms(), batch) == 0);
    CHECK(store_account_get(s, id, &a) == 0 && a.balance == 107 && a.refunded == 5 && a.runs == 1);
    CHECK(store_result(s, "00000000-0000-4000-8000-000000000000", "{}", "completed", 0, util_wall_ms(), batch) == 0);
    CHECK(store_usage(s, id, 0, day_row, t) == 1 && t[0] == 1 && t[1] == 1 && t[2] == 10 && t[3] == 5);
}

/* Batches, limits, held jobs and their release; unproduced and overdue jobs. */
static void test_batches(struct store *s)
{
    char id[40], why[64], bid[37] = "b0000000-0000-4000-8000-000000000001", batch[37];
    char ids[5][37], *json[5], over[8][37];
    struct job jobs[5];
    struct store_limits lim = {2, 5};
    struct store_job page[5];
    struct released r = {0, ""};
    long bal, size, counts[3], nj;
    size_t rel;
    int unproduced = 0;

    CHECK(store_account_create(s, "hash-batch", 1000, id, why, sizeof(why)) == 0);
    for (int i = 0; i < 5; i++) {
        job_id(ids[i], "b0000001", i);
        jobs[i] = mkjob(ids[i], 5, "async");
        json[i] = "{\"code\":\"pass\",\"expires_at_ms\":1000}";
    }
    /* max_open 5: six is refused whole; max_queued 2: three of five held */
    CHECK(store_jobs_accept(s, id, bid, jobs, json, 5, &lim, NULL, NULL, &bal, &rel) == STORE_ACCEPTED && rel == 2 && bal == 975);
    CHECK(store_held_count(s) == 3);
    CHECK(store_jobs_accept(s, id, NULL, jobs, json, 1, &lim, NULL, NULL, &bal, &rel) == STORE_TOO_MANY && bal == 5 && rel == 5);
    CHECK(store_release(s, id, &lim, on_release, &r) == 0 && r.n == 0);   /* two queued already */
    CHECK(store_result(s, ids[0], "{\"exit_code\":0}", "completed", 0, util_wall_ms(), batch) == 1 && !batch[0]);
    CHECK(store_release(s, id, &lim, on_release, &r) == 1 && strcmp(r.first, ids[2]) == 0);   /* oldest first */
    CHECK(store_release(s, NULL, &lim, on_release, &r) == 0 && r.n == 1);
    CHECK(store_held_count(s) == 2);
    CHECK(store_batch_get(s, bid, id, 0, 5, 1 << 20, &size, counts, page, &nj) == 0 && size == 5 && nj == 5 &&
          counts[0] == 4 && counts[2] == 1 && strcmp(page[0].id, ids[0]) == 0 && page[0].result);
    for (long k = 0; k < nj; k++)
        store_job_release(&page[k]);
    /* a page bounded in bytes still holds one job */
    CHECK(store_batch_get(s, bid, id, 0, 5, 1, &size, counts, page, &nj) == 0 && nj == 1);
    store_job_release(&page[0]);
    CHECK(store_batch_get(s, bid, "acct_other", 0, 5, 1 << 20, &size, counts, page, &nj) == 1);
    /* unproduced: the queued ones never acknowledged (held ones are not sent) */
    CHECK(store_unproduced(s, util_wall_ms() + 1, on_job, &unproduced) == 2 && unproduced == 2);
    CHECK(store_jobs_produced(s, &ids[1], 1) == 0);
    unproduced = 0;
    CHECK(store_unproduced(s, util_wall_ms() + 1, on_job, &unproduced) == 1 && unproduced == 1);
    /* expires_at_ms 1000: every open job is long overdue */
    CHECK(store_overdue(s, util_wall_ms() + 10, 5, over, 8) == 4);
    /* the result completing the batch names it, once */
    for (int i = 1; i < 4; i++)
        CHECK(store_result(s, ids[i], "{}", "completed", 0, util_wall_ms(), batch) == 1 && !batch[0]);
    CHECK(store_result(s, ids[4], "{}", "failed", 1, util_wall_ms(), batch) == 1 && strcmp(batch, bid) == 0);
    CHECK(store_result(s, ids[4], "{}", "failed", 1, util_wall_ms(), batch) == 0 && !batch[0]);
    /* ids[3] and ids[4] ended while still held (as a lost job does): no
     * longer held, nothing left to release */
    CHECK(store_held_count(s) == 0);
    CHECK(store_release(s, NULL, &lim, on_release, &r) == 0 && r.n == 1);
    /* retention: everything finished before now goes, with its batch */
    CHECK(store_prune(s, util_wall_ms() + 1000, 0, 0, 500) >= 5);
    CHECK(store_batch_get(s, bid, id, 0, 5, 1 << 20, &size, counts, page, &nj) == 1);
}

/* Idempotency keys: first answer kept, expired ones replaced, deletable. */
static char *grant_answer(long balance, void *arg)
{
    char *out = malloc(64);
    (void)arg;
    if (out)
        snprintf(out, 64, "{\"balance\":%ld}", balance);
    return out;
}

/* Idempotency-Keys, written in the transaction of the change they name:
 * a repeat finds the first answer and changes nothing; an expired key is
 * replaced; keys are per route; a grant keeps its key the same way. */
static void test_idempotency(struct store *s)
{
    char hash[65], why[64], id[40], jid[3][37], *resp = NULL, *json = "{}";
    struct job j;
    struct store_account acc;
    int status = 0;
    int64_t now = util_wall_ms();
    long bal = 0;
    size_t rel = 0;
    struct store_idem k = {.route = "jobs", .key = "k1", .body_hash = "h1", .since_ms = now - 1000, .status = 202,
                           .response = "{\"a\":1}"};

    CHECK(store_account_create(s, "hash-idem", 100, id, why, sizeof(why)) == 0);
    k.scope = id;
    for (int i = 0; i < 3; i++)
        job_id(jid[i], "d1000000", i);
    CHECK(store_idem_get(s, id, "jobs", "k1", now - 1000, hash, &status, &resp) == 1);
    j = mkjob(jid[0], 5, "async");
    CHECK(store_jobs_accept(s, id, NULL, &j, &json, 1, NULL, NULL, &k, &bal, &rel) == STORE_ACCEPTED && bal == 95);
    /* the same key again, another body: the first answer, nothing charged */
    k.body_hash = "h2";
    k.response = "{\"a\":2}";
    j = mkjob(jid[1], 5, "async");
    CHECK(store_jobs_accept(s, id, NULL, &j, &json, 1, NULL, NULL, &k, &bal, &rel) == STORE_REPEAT);
    CHECK(strcmp(k.found_hash, "h1") == 0 && k.found_status == 202 && strcmp(k.found_response, "{\"a\":1}") == 0);
    free(k.found_response);
    CHECK(store_account_get(s, id, &acc) == 0 && acc.balance == 95 && acc.runs == 1);
    CHECK(store_job_get(s, jid[1], id, &(struct store_job){0}) == 1);
    CHECK(store_idem_get(s, id, "jobs", "k1", now - 1000, hash, &status, &resp) == 0 && status == 202 &&
          strcmp(hash, "h1") == 0 && strcmp(resp, "{\"a\":1}") == 0);
    free(resp);
    resp = NULL;
    CHECK(store_idem_get(s, id, "batches", "k1", now - 1000, hash, &status, &resp) == 1);
    /* older than since: expired, replaced */
    k.since_ms = now + 1000;
    k.body_hash = "h3";
    j = mkjob(jid[2], 5, "async");
    CHECK(store_jobs_accept(s, id, NULL, &j, &json, 1, NULL, NULL, &k, &bal, &rel) == STORE_ACCEPTED && bal == 90);
    CHECK(store_idem_get(s, id, "jobs", "k1", now - 1000, hash, &status, &resp) == 0 && strcmp(hash, "h3") == 0);
    free(resp);
    CHECK(store_idem_delete(s, id, "jobs", "k1") == 0);
    CHECK(store_idem_get(s, id, "jobs", "k1", 0, hash, &status, &resp) == 1);
    /* a grant: granted once, the answer made in its transaction */
    k = (struct store_idem){.scope = "admin", .route = "admin-credits", .key = "g1", .body_hash = "hg",
                            .since_ms = now - 1000, .status = 200, .answer = grant_answer};
    CHECK(store_grant(s, id, 10, "op", "invoice", &k, &bal) == 0 && bal == 100);
    CHECK(store_grant(s, id, 10, "op", "invoice", &k, &bal) == 2 && strcmp(k.found_response, "{\"balance\":100}") == 0);
    free(k.found_response);
    CHECK(store_account_get(s, id, &acc) == 0 && acc.balance == 100 && acc.granted == 110);
    CHECK(signup(s, "10.0.0.1", now, 3600000, 2) == 1);
    CHECK(signup(s, "10.0.0.1", now, 3600000, 2) == 1);
    CHECK(signup(s, "10.0.0.1", now, 3600000, 2) == 0);
    CHECK(signup(s, "10.0.0.2", now, 3600000, 2) == 1);
}

/* Reply partitions leased to APIs: distinct while they live, an API's own
 * back after its restart, taken over once expired, free when released. */
static void test_reply_leases(struct store *s1, struct store *s2)
{
    int64_t now = util_wall_ms(), until = now + 30000, later = until + 1;

    CHECK(store_reply_claim(s1, "api-a", 3, -1, now, until) == 0);
    CHECK(store_reply_claim(s2, "api-b", 3, -1, now, until) == 1);
    CHECK(store_reply_claim(s1, "api-a", 3, -1, now, until) == 0);   /* restarted: its own */
    CHECK(store_reply_claim(s2, "api-c", 3, -1, now, until) == 2);
    CHECK(store_reply_claim(s1, "api-d", 3, -1, now, until) == -1);  /* all held */
    CHECK(store_reply_renew(s1, "api-a", 0, now, until + 5000) == 1);
    CHECK(store_reply_renew(s2, "api-c", 0, now, until) == 0);   /* not its lease */
    /* api-b and api-c stopped renewing: after their leases, 1 is free */
    CHECK(store_reply_claim(s1, "api-d", 3, -1, later, later + 30000) == 1);
    CHECK(store_reply_renew(s2, "api-b", 1, later, later + 30000) == 0);   /* lost */
    store_reply_release(s1, "api-a", 0);
    CHECK(store_reply_claim(s2, "api-e", 3, -1, now, later + 60000) == 0);
    CHECK(store_reply_claim(s2, "api-f", 1, -1, later, later + 1) == -1);   /* only 0, held */
    /* a configured partition is leased too: taken if free, refused if held */
    CHECK(store_reply_claim(s1, "api-g", 8, 5, now, until) == 5);
    CHECK(store_reply_claim(s2, "api-h", 8, 5, now, until) == -1);
    CHECK(store_reply_claim(s2, "api-h", 8, -1, now, until) == 3);   /* 0-2 and 5 held */
}

/* Two API processes (two handles) charging one account at once. */
struct racer {
    struct store *s;
    const char *account;
    int n;
    atomic_int *accepted, *refused, *failed;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    char jid[37], *json = "{\"code\":\"pass\"}";
    struct job j;
    long bal;
    size_t rel;

    job_id(jid, "d0000000", r->n);
    j = mkjob(jid, 5, "sync");
    switch (store_jobs_accept(r->s, r->account, NULL, &j, &json, 1, NULL, NULL, NULL, &bal, &rel)) {
    case STORE_ACCEPTED:
        atomic_fetch_add(r->accepted, 1);
        break;
    case STORE_NO_CREDITS:
        atomic_fetch_add(r->refused, 1);
        break;
    default:
        atomic_fetch_add(r->failed, 1);
    }
    return NULL;
}

static void test_two_apis_charge(struct store *s1, struct store *s2)
{
    char why[64];
    pthread_t t[100];
    struct racer r[100];
    atomic_int accepted = 0, refused = 0, failed = 0;
    struct store_account a;

    CHECK(store_account_ensure(s1, "acct_race", "hash-race", 100, why, sizeof(why)) == 0);
    for (int i = 0; i < 100; i++) {
        r[i] = (struct racer){i % 2 ? s2 : s1, "acct_race", i, &accepted, &refused, &failed};
        CHECK(pthread_create(&t[i], NULL, race, &r[i]) == 0);
    }
    for (int i = 0; i < 100; i++)
        pthread_join(t[i], NULL);
    printf("  two handles, 100 calls on 100 credits at 5: %d accepted, %d refused, %d failed\n", accepted, refused,
           failed);
    CHECK(accepted == 20 && refused == 80 && failed == 0);
    CHECK(store_account_get(s2, "acct_race", &a) == 0 && a.balance == 0 && a.charged == 100 && a.runs == 20);
}

struct heard {
    pthread_mutex_t mu;
    char ids[8][37];
    int n, missed;
};

static void on_stored(const char *id, void *arg)
{
    struct heard *h = arg;
    pthread_mutex_lock(&h->mu);
    if (!id)
        h->missed++;
    else if (h->n < 8)
        snprintf(h->ids[h->n++], 37, "%s", id);
    pthread_mutex_unlock(&h->mu);
}

/* A result stored through one handle is heard by the other (shared only). */
static void test_two_apis_wake(struct store *s1, struct store *s2)
{
    struct heard h = {PTHREAD_MUTEX_INITIALIZER, {{0}}, 0, 0};
    char why[160], jid[37], bid[37] = "e0000000-0000-4000-8000-000000000001", batch[37];
    char *json = "{\"code\":\"pass\"}";
    struct job j;
    long bal;
    size_t rel;
    int64_t t0;

    CHECK(store_listen(s2, on_stored, &h, why, sizeof(why)) == 0);
    for (int i = 0; i < 50 && h.missed == 0; i++)
        usleep(20000);   /* listening (it says so with a first "look again") */
    CHECK(h.missed == 1);
    job_id(jid, "e0000001", 1);
    j = mkjob(jid, 5, "async");
    CHECK(store_jobs_accept(s1, "acct_race", bid, &j, &json, 1, NULL, NULL, NULL, &bal, &rel) == STORE_NO_CREDITS);
    CHECK(store_grant(s1, "acct_race", 5, "op", "wake", NULL, NULL) == 0);
    CHECK(store_jobs_accept(s1, "acct_race", bid, &j, &json, 1, NULL, NULL, NULL, &bal, &rel) == STORE_ACCEPTED);
    t0 = util_mono_ms();
    CHECK(store_result(s1, jid, "{}", "completed", 0, util_wall_ms(), batch) == 1 && strcmp(batch, bid) == 0);
    while (util_mono_ms() - t0 < 3000) {
        pthread_mutex_lock(&h.mu);
        int n = h.n;
        pthread_mutex_unlock(&h.mu);
        if (n >= 2)
            break;
        usleep(5000);
    }
    printf("  a result stored through one handle heard by the other in %lld ms\n", (long long)(util_mono_ms() - t0));
    CHECK(h.n == 2 && strcmp(h.ids[0], jid) == 0 && strcmp(h.ids[1], bid) == 0);
    store_close(s2);   /* stops the listener */
}

static int pg_exec(const char *url, const char *sql)
{
    PGconn *c = PQconnectdb(url);
    PGresult *res = PQexec(c, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    PQclear(res);
    PQfinish(c);
    return ok ? 0 : -1;
}

/* Empties a PostgreSQL database's schema: each run starts from nothing. */
static int pg_reset(const char *url)
{
    return pg_exec(url, "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
}

/* The server dropped every connection (as a restart does): the next call
 * outside a transaction, and the next transaction, work on a new one. */
static void test_reconnect(struct store *s, const char *url)
{
    struct store_account a;
    char batch[37];

    CHECK(store_account_get(s, "demo", &a) == 0);
    CHECK(pg_exec(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()") == 0);
    usleep(100000);
    CHECK(store_account_get(s, "demo", &a) == 0 && a.balance == 1005);   /* as test_accounts left it */
    CHECK(pg_exec(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()") == 0);
    usleep(100000);
    CHECK(store_result(s, "00000000-0000-4000-8000-00000000000f", "{}", "completed", 0, util_wall_ms(), batch) == 0);
}

/* Issue 21 point 5: a run's result that comes after the job was called
 * lost (or an executor answered a second copy "expired") replaces that
 * outcome and is charged again; the audit says both. Before, the first
 * outcome stayed and the run was free. A second late copy changes nothing;
 * a refund-less outcome never replaces a run's. */
static void test_late_results(struct store *s)
{
    char id[40], why[64], batch[37], j1[37], j2[37], j3[37], first[32] = "";
    char *json[3] = {"{}", "{}", "{}"};
    struct job jobs[3];
    struct store_account a;
    struct store_job sj;
    long bal = 0;
    size_t rel = 0;

    CHECK(store_account_create(s, "hash-late", 15, id, why, sizeof(why)) == 0);
    job_id(j1, "e0000001", 1);
    job_id(j2, "e0000001", 2);
    job_id(j3, "e0000001", 3);
    jobs[0] = mkjob(j1, 5, "sync");
    jobs[1] = mkjob(j2, 5, "async");
    jobs[2] = mkjob(j3, 5, "async");
    CHECK(store_jobs_accept(s, id, NULL, jobs, json, 3, NULL, NULL, NULL, &bal, &rel) == STORE_ACCEPTED && bal == 0);
    CHECK(store_result(s, j1, "{\"error\":\"lost\"}", "lost", 1, util_wall_ms(), batch) == 1);
    CHECK(store_result(s, j2, "{\"error\":\"expired\"}", "expired", 1, util_wall_ms(), batch) == 1);
    CHECK(store_account_get(s, id, &a) == 0 && a.balance == 10 && a.refunded == 10 && a.runs == 1);
    /* the real results come */
    CHECK(store_result(s, j1, "{\"stdout\":\"ran\"}", "completed", 0, util_wall_ms(), batch) == 1);
    CHECK(store_result(s, j2, "{\"stdout\":\"ran\"}", "completed", 0, util_wall_ms(), batch) == 1);
    CHECK(store_job_get(s, j1, id, &sj) == 0 && strstr(sj.result, "ran") != NULL);
    store_job_release(&sj);
    CHECK(store_account_get(s, id, &a) == 0 && a.balance == 0 && a.refunded == 0 && a.charged == 15 && a.runs == 3);
    CHECK(store_audit_list(s, id, 1, audit_row, first) == 1 && strcmp(first, "late result") == 0);
    /* duplicates of the run change nothing; a late "expired" never replaces a run */
    CHECK(store_result(s, j1, "{\"stdout\":\"again\"}", "completed", 0, util_wall_ms(), batch) == 0);
    CHECK(store_result(s, j1, "{\"error\":\"expired\"}", "expired", 1, util_wall_ms(), batch) == 0);
    CHECK(store_account_get(s, id, &a) == 0 && a.balance == 0 && a.runs == 3);
    /* lost, the credits spent meanwhile, then the run: stays refunded, said in the audit */
    CHECK(store_result(s, j3, "{\"error\":\"lost\"}", "lost", 1, util_wall_ms(), batch) == 1);
    CHECK(store_account_get(s, id, &a) == 0 && a.balance == 5);
    job_id(j1, "e0000001", 4);
    jobs[0] = mkjob(j1, 5, "sync");
    CHECK(store_jobs_accept(s, id, NULL, jobs, json, 1, NULL, NULL, NULL, &bal, &rel) == STORE_ACCEPTED && bal == 0);
    CHECK(store_result(s, j3, "{\"stdout\":\"ran\"}", "completed", 0, util_wall_ms(), batch) == 1);
    CHECK(store_account_get(s, id, &a) == 0 && a.balance == 0 && a.refunded == 5);
}

/* Output chunks (GET /v1/jobs/{id}/events): stored once, read past a
 * position in order, any bytes; another run's replace the old run's; none
 * after the result; deleted by retention once the result is stored. */
struct chunks_read {
    char text[256];
    char run[17];
    char last[8];    /* the last chunk's first bytes, and its length */
    size_t last_len;
    int n;
};

static void on_chunk(const struct job_output *o, void *arg)
{
    struct chunks_read *r = arg;
    size_t at = strlen(r->text);

    snprintf(r->run, sizeof(r->run), "%s", o->run);
    memcpy(r->last, o->data, o->len < sizeof(r->last) ? o->len : sizeof(r->last));
    r->last_len = o->len;
    snprintf(r->text + at, sizeof(r->text) - at, "%c%zu:%.*s|", o->stream == JOB_STDERR ? 'e' : 'o', o->offset,
             (int)o->len, o->data);
    r->n++;
}

static struct job_output chunk_of(const char *id, const char *run, enum job_stream k, size_t off, const char *text)
{
    struct job_output o;

    memset(&o, 0, sizeof(o));
    snprintf(o.id, sizeof(o.id), "%s", id);
    snprintf(o.run, sizeof(o.run), "%s", run);
    o.stream = k;
    o.offset = off;
    o.data = (char *)text;
    o.len = strlen(text);
    return o;
}

static void test_output_chunks(struct store *s)
{
    char id[40], why[64], batch[37], j1[37], j2[37];
    char *json[1] = {"{}"};
    struct job jobs[1];
    long bal = 0;
    size_t rel = 0, pos[2] = {0, 0};
    struct chunks_read r;
    struct job_output o[4];
    const char raw[] = {'\xff', '\x00', 'z', 0};

    CHECK(store_account_create(s, "hash-output", 50, id, why, sizeof(why)) == 0);
    job_id(j1, "f0000001", 1);
    job_id(j2, "f0000001", 2);
    jobs[0] = mkjob(j1, 5, "async");
    CHECK(store_jobs_accept(s, id, NULL, jobs, json, 1, NULL, NULL, NULL, &bal, &rel) == STORE_ACCEPTED);
    o[0] = chunk_of(j1, "aaaa", JOB_STDOUT, 0, "one\n");
    o[1] = chunk_of(j1, "aaaa", JOB_STDERR, 0, "err\n");
    o[2] = chunk_of(j1, "aaaa", JOB_STDOUT, 4, "two\n");
    o[3] = chunk_of(j2, "aaaa", JOB_STDOUT, 0, "no such job\n");
    CHECK(store_output_add(s, o, 4) == 3);
    CHECK(store_output_add(s, o, 3) == 0);   /* again: nothing new */
    memset(&r, 0, sizeof(r));
    CHECK(store_output_since(s, j1, pos, 64, on_chunk, &r) == 3);
    CHECK(strcmp(r.text, "o0:one\n|o4:two\n|e0:err\n|") == 0);
    /* past a position: the chunk that ends after it, and what follows */
    pos[0] = 6;
    pos[1] = 4;
    memset(&r, 0, sizeof(r));
    CHECK(store_output_since(s, j1, pos, 64, on_chunk, &r) == 1 && strcmp(r.text, "o4:two\n|") == 0);
    pos[0] = 8;
    memset(&r, 0, sizeof(r));
    CHECK(store_output_since(s, j1, pos, 64, on_chunk, &r) == 0);
    /* at most max */
    pos[0] = pos[1] = 0;
    memset(&r, 0, sizeof(r));
    CHECK(store_output_since(s, j1, pos, 2, on_chunk, &r) == 2);
    /* any bytes, NUL included */
    o[0] = chunk_of(j1, "aaaa", JOB_STDOUT, 8, raw);
    o[0].len = 3;
    CHECK(store_output_add(s, o, 1) == 1);
    pos[0] = 8;
    pos[1] = 4;
    memset(&r, 0, sizeof(r));
    CHECK(store_output_since(s, j1, pos, 64, on_chunk, &r) == 1 && r.last_len == 3 &&
          memcmp(r.last, raw, 3) == 0);
    /* the job starts over elsewhere: the old run's chunks go */
    o[0] = chunk_of(j1, "bbbb", JOB_STDOUT, 0, "new\n");
    CHECK(store_output_add(s, o, 1) == 1);
    pos[0] = pos[1] = 0;
    memset(&r, 0, sizeof(r));
    CHECK(store_output_since(s, j1, pos, 64, on_chunk, &r) == 1 && strcmp(r.text, "o0:new\n|") == 0 &&
          strcmp(r.run, "bbbb") == 0);
    /* its result is stored: later chunks are not, and retention deletes
     * the ones there */
    CHECK(store_result(s, j1, "{\"stdout\":\"new\\n\"}", "completed", 0, util_wall_ms(), batch) == 1);
    o[0] = chunk_of(j1, "bbbb", JOB_STDOUT, 4, "late\n");
    CHECK(store_output_add(s, o, 1) == 0);
    CHECK(store_prune(s, 0, 0, 0, 500) >= 1);
    memset(&r, 0, sizeof(r));
    CHECK(store_output_since(s, j1, pos, 64, on_chunk, &r) == 0);
}

/* Issue 21 point 14: a batch is pruned whole, once every job of it is past
 * retention; before, its jobs went one by one and the batch read
 * completed: false for ever. */
static void test_prune_whole_batches(struct store *s)
{
    char id[40], why[64], batch[37], bid[37] = "b0000000-0000-4000-8000-0000000000aa", ids[2][37], *json[2] = {"{}", "{}"};
    struct job jobs[2];
    struct store_job page[2];
    long bal = 0, size = 0, counts[3], n = 0;
    size_t rel = 0;
    int64_t now = util_wall_ms();

    CHECK(store_account_create(s, "hash-prune", 10, id, why, sizeof(why)) == 0);
    for (int i = 0; i < 2; i++) {
        job_id(ids[i], "f0000001", i + 1);
        jobs[i] = mkjob(ids[i], 5, "async");
    }
    CHECK(store_jobs_accept(s, id, bid, jobs, json, 2, NULL, NULL, NULL, &bal, &rel) == STORE_ACCEPTED);
    CHECK(store_result(s, ids[0], "{}", "completed", 0, now - 100000, batch) == 1);   /* long ago */
    CHECK(store_result(s, ids[1], "{}", "completed", 0, now, batch) == 1 && strcmp(batch, bid) == 0);
    store_prune(s, now - 50000, 0, 0, 500);   /* the first job is past retention, the batch is not */
    CHECK(store_batch_get(s, bid, id, 0, 2, 1 << 20, &size, counts, page, &n) == 0 && size == 2 && counts[2] == 2 &&
          n == 2);
    for (long k = 0; k < n; k++)
        store_job_release(&page[k]);
    store_prune(s, now + 100000, 0, 0, 500);    /* now all of it: gone together */
    CHECK(store_batch_get(s, bid, id, 0, 2, 1 << 20, &size, counts, page, &n) == 1);
    CHECK(store_job_get(s, ids[1], id, &page[0]) == 1);
}

/* Issue 21 point 6: two APIs storing results of the same accounts in
 * opposite orders (each refunding, so each locks the accounts). Before,
 * each held a row the other waited for and PostgreSQL killed one
 * transaction (a deadlock) now and then; now rows are locked in one order. */
struct storer {
    struct store *s;
    char (*ids)[37];
    int n, reverse;
    atomic_int *failed;
};

static void *store_many(void *arg)
{
    struct storer *w = arg;
    for (int i = 0; i < w->n; i += 2) {
        struct store_outcome o[2];
        for (int k = 0; k < 2; k++) {
            int at = i + (w->reverse ? 1 - k : k);
            o[k] = (struct store_outcome){.id = w->ids[at], .http_json = "{}", .outcome = "failed", .refund = 1,
                                          .finished_ms = util_wall_ms()};
        }
        if (store_results(w->s, o, 2) < 0)
            atomic_fetch_add(w->failed, 1);
    }
    return NULL;
}

static void test_results_lock_in_one_order(struct store *s1, struct store *s2)
{
    enum { N = 400 };
    static char ids_a[N][37], ids_b[N][37];
    static struct job jobs[N];
    static char *json[N];
    char why[64];
    long bal;
    size_t rel;
    atomic_int failed = 0;
    pthread_t t[2];
    struct storer w[2];
    struct store_account a;

    CHECK(store_account_ensure(s1, "acct_lock_p", "hash-lock-p", 100000, why, sizeof(why)) == 0);
    CHECK(store_account_ensure(s1, "acct_lock_q", "hash-lock-q", 100000, why, sizeof(why)) == 0);
    /* pairs (P's job, Q's job) for one API, (Q's, P's) for the other */
    for (int i = 0; i < N; i++) {
        job_id(ids_a[i], i % 2 ? "a1000000" : "a0000000", i);
        job_id(ids_b[i], i % 2 ? "b1000000" : "b0000000", i);
    }
    for (int k = 0; k < 2; k++)
        for (int parity = 0; parity < 2; parity++) {
            int n = 0;
            for (int i = parity; i < N; i += 2) {
                jobs[n] = mkjob(k ? ids_b[i] : ids_a[i], 1, "sync");
                json[n++] = "{}";
            }
            CHECK(store_jobs_accept(s1, parity ? "acct_lock_q" : "acct_lock_p", NULL, jobs, json, (size_t)n, NULL,
                                    NULL, NULL, &bal, &rel) == STORE_ACCEPTED);
        }
    w[0] = (struct storer){s1, ids_a, N, 0, &failed};
    w[1] = (struct storer){s2, ids_b, N, 1, &failed};
    for (int k = 0; k < 2; k++)
        CHECK(pthread_create(&t[k], NULL, store_many, &w[k]) == 0);
    for (int k = 0; k < 2; k++)
        pthread_join(t[k], NULL);
    printf("# results stored in opposite orders by two handles: %d transactions failed\n", (int)failed);
    CHECK(failed == 0);
    CHECK(store_account_get(s1, "acct_lock_p", &a) == 0 && a.balance == 100000 && a.refunded == N);
}

static void count_session(const struct store_session *x, void *arg)
{
    (void)x;
    (*(int *)arg)++;
}

/* Sessions: the open-session limit (the configured one, then the
 * account's own), placing, execs, ending, and the view of idle and
 * lifetime ends. */
static void test_sessions(struct store *s)
{
    char id[40], why[64];
    long lim[STORE_NLIMITS];
    struct store_session x, y;
    int n = 0;
    int64_t t0 = 1000000;

    CHECK(store_account_create(s, "hash-sessions", 50, id, why, sizeof(why)) == 0);
    memset(&x, 0, sizeof(x));
    snprintf(x.account, sizeof(x.account), "%s", id);
    x.memory_mb = 256;
    x.idle_s = 60;
    x.lifetime_s = 3600;
    for (int i = 0; i < 3; i++) {
        snprintf(x.id, sizeof(x.id), "5e55a000-0000-4000-8000-00000000000%d", i);
        CHECK(store_session_add(s, &x, NULL, NULL, 2, t0) == (i < 2 ? 0 : 1));   /* two open at most */
    }
    CHECK(store_session_get(s, "5e55a000-0000-4000-8000-000000000000", id, &y) == 0);
    CHECK(strcmp(y.state, "starting") == 0 && y.part == -1 && y.memory_mb == 256 && y.created_ms == t0);
    CHECK(store_session_get(s, "5e55a000-0000-4000-8000-000000000000", "someone-else", &y) == 1);
    CHECK(store_session_get(s, "5e55a000-0000-4000-8000-000000000002", id, &y) == 1);   /* refused: not stored */
    CHECK(store_session_placed(s, "5e55a000-0000-4000-8000-000000000000", "host-1", 7) == 0);
    CHECK(store_session_exec(s, "5e55a000-0000-4000-8000-000000000000", t0 + 5000, 1, 1234) == 0);
    CHECK(store_session_exec(s, "5e55a000-0000-4000-8000-000000000000", t0 + 4000, 0, 0) == 0);   /* older: kept */
    CHECK(store_session_get(s, "5e55a000-0000-4000-8000-000000000000", id, &y) == 0);
    CHECK(strcmp(y.state, "open") == 0 && strcmp(y.executor, "host-1") == 0 && y.part == 7 && y.execs == 1 &&
          y.memory_kb == 1234 && y.last_ms == t0 + 5000);
    /* As of a time past its idle timeout it shows ended (idle_timeout); past its lifetime, max_lifetime. */
    store_session_view(&y, t0 + 5000 + 60000);
    CHECK(strcmp(y.state, "ended") == 0 && strcmp(y.reason, "idle_timeout") == 0);
    CHECK(store_session_get(s, "5e55a000-0000-4000-8000-000000000000", id, &y) == 0);
    store_session_view(&y, t0 + 3600 * 1000);
    CHECK(strcmp(y.reason, "max_lifetime") == 0);
    /* Idle ones do not count against the limit. */
    snprintf(x.id, sizeof(x.id), "5e55a000-0000-4000-8000-000000000003");
    CHECK(store_session_add(s, &x, NULL, NULL, 2, t0 + 120000) == 0);
    /* Ended ones neither; an end is final. */
    CHECK(store_session_end(s, "5e55a000-0000-4000-8000-000000000003", "ended", "lost", 0) == 0);
    CHECK(store_session_end(s, "5e55a000-0000-4000-8000-000000000003", "ended", "died", 0) == 0);   /* kept */
    CHECK(store_session_get(s, "5e55a000-0000-4000-8000-000000000003", id, &y) == 0 && strcmp(y.reason, "lost") == 0);
    CHECK(store_session_end(s, "5e55a000-0000-4000-8000-000000000003", "ended", "deleted", 1) == 0);   /* always */
    CHECK(store_session_get(s, "5e55a000-0000-4000-8000-000000000003", id, &y) == 0 &&
          strcmp(y.reason, "deleted") == 0);
    CHECK(store_session_placed(s, "5e55a000-0000-4000-8000-000000000003", "host-2", 1) == 0);
    CHECK(store_session_get(s, "5e55a000-0000-4000-8000-000000000003", id, &y) == 0 && strcmp(y.state, "ended") == 0);
    /* The account's own limit wins over the configured one. */
    CHECK(store_get_limits(s, id, lim) == 0 && lim[4] == -1);
    lim[4] = 1;
    CHECK(store_set_limits(s, id, lim, "test", "one session") == 0);
    snprintf(x.id, sizeof(x.id), "5e55a000-0000-4000-8000-000000000004");
    CHECK(store_session_add(s, &x, NULL, NULL, 5, t0) == 1);   /* 2 open in the window at t0 */
    CHECK(store_session_list(s, id, 100, count_session, &n) == 3 && n == 3);
    /* Retention: sessions last used before it and ended go; the rest stay. */
    store_prune(s, t0 + 100000, 0, 0, 100);
    n = 0;
    CHECK(store_session_list(s, id, 100, count_session, &n) == 1 && n == 1);
    CHECK(store_session_get(s, "5e55a000-0000-4000-8000-000000000003", id, &y) == 0);
}

static char replaced_seen[37];   /* the last event a made one replaces (make_body) */

static char *make_body(const struct store_hook_subject *x, const char *event_id, void *arg)
{
    char *b = malloc(256);
    (*(int *)arg)++;
    if (x->replaces)
        snprintf(replaced_seen, sizeof(replaced_seen), "%s", x->replaces);
    snprintf(b, 256, "{\"id\":\"%s\",\"type\":\"%s\",\"subject\":\"%s\",\"size\":%ld}", event_id, x->type,
             x->id, x->size);
    return b;
}

/* One attempt recorded: 0, 1 (not owner's lease any more) or -1. */
static int record1(struct store *s, const char *id, const char *owner, const struct store_hook_attempt *a,
                   const char *state, int64_t next_ms)
{
    struct store_hook_record r = {id, *a, state, next_ms, 0};
    return store_hook_claim(s, owner, &r, 1, 0, 0, 1, NULL, 0) < 0 ? -1 : r.lost;
}

static void count_event(const struct store_hook_event *e, void *arg)
{
    (void)e;
    (*(long *)arg)++;
}

/* Copies the (last) event's id. */
static void first_id(const struct store_hook_event *e, void *arg)
{
    memcpy(arg, e->id, 37);
}

/* Counts events sent to https://hooks.example.com/s. */
static void count_own_url(const struct store_hook_event *e, void *arg)
{
    (*(long *)arg) += strcmp(e->url, "https://hooks.example.com/s") == 0;
}

/* Webhooks: a callback kept with its job and batch when accepted (or the
 * account's default), events made once when they end, claimed with a
 * lease, recorded, replayed, pruned. */
static void test_hooks(struct store *s)
{
    char id[40], why[64], batch[37], bid[37], j[3][37];
    struct job jobs[3];
    char *json[3] = {"{}", "{}", "{}"};
    struct store_webhook w, w2;
    struct store_hook_event ev[8];
    struct store_hook_attempt at = {0, 0, 12, 500, "HTTP 500"};
    struct store_callback cb = {"https://hooks.example.com/a", WEBHOOK_JOB_COMPLETED | WEBHOOK_BATCH_COMPLETED};
    long bal, pending, dead, n;
    int64_t oldest, now = util_wall_ms();
    size_t rel;
    int made = 0;

    CHECK(store_account_create(s, "hash-hooks", 1000, id, why, sizeof(why)) == 0);
    CHECK(store_webhook_get(s, id, &w) == 0 && !w.url[0] && strncmp(w.secret, "whsec_", 6) == 0);
    CHECK(store_webhook_get(s, id, &w2) == 0 && strcmp(w.secret, w2.secret) == 0);   /* made once */
    /* A batch of two with its own callback; a job with none (no default yet). */
    snprintf(bid, sizeof(bid), "b0000009-0000-4000-8000-000000000001");
    for (int i = 0; i < 3; i++) {
        job_id(j[i], "h0000001", i);
        jobs[i] = mkjob(j[i], 5, "async");
    }
    CHECK(store_jobs_accept(s, id, bid, jobs, json, 2, NULL, &cb, NULL, &bal, &rel) == STORE_ACCEPTED);
    CHECK(store_jobs_accept(s, id, NULL, jobs + 2, json, 1, NULL, &(struct store_callback){NULL, 0}, NULL, &bal,
                            &rel) == STORE_ACCEPTED);
    CHECK(store_hook_make(s, now, 60000, 100, make_body, &made) == 0 && made == 0);   /* nothing ended yet */
    for (int i = 0; i < 3; i++)
        CHECK(store_result(s, j[i], "{\"exit_code\":0}", "completed", 0, now, batch) == 1);
    /* Two job events and the batch's; the job without a callback has none. */
    CHECK(store_hook_make(s, now, 60000, 100, make_body, &made) == 3 && made == 3);
    CHECK(store_hook_make(s, now, 60000, 100, make_body, &made) == 0 && made == 3);   /* once */
    /* Claimed: at most per_dest of the one destination, less what any
     * daemon holds leased there. */
    CHECK(store_hook_claim(s, "d1", NULL, 0, now, now + 5000, 1, ev, 8) == 1);
    CHECK(strcmp(ev[0].secret, w.secret) == 0 && !ev[0].prev_secret && ev[0].attempts == 0 &&
          strcmp(ev[0].dest, "https://hooks.example.com") == 0 && strstr(ev[0].body, ev[0].id));
    CHECK(store_hook_claim(s, "d2", NULL, 0, now, now + 5000, 1, ev + 1, 7) == 0);   /* d1 holds the one */
    CHECK(store_hook_claim(s, "d2", NULL, 0, now, now + 5000, 2, ev + 1, 7) == 1);
    CHECK(store_hook_claim(s, "d2", NULL, 0, now, now + 5000, 4, ev + 2, 6) == 1);
    CHECK(store_hook_claim(s, "d2", NULL, 0, now, now + 5000, 4, ev + 3, 5) == 0);   /* all leased */
    CHECK(strcmp(ev[1].id, ev[0].id) != 0 && strcmp(ev[2].id, ev[1].id) != 0 && strcmp(ev[2].id, ev[0].id) != 0);
    /* A failure: pending again later; not another daemon's to record. */
    at.at_ms = now;
    CHECK(record1(s, ev[0].id, "d2", &at, "pending", now + 100) == 1);
    CHECK(record1(s, ev[0].id, "d1", &at, "pending", now + 100) == 0);
    CHECK(store_hook_claim(s, "d1", NULL, 0, now, now + 5000, 4, ev + 3, 5) == 0);   /* not due yet */
    CHECK(store_hook_claim(s, "d1", NULL, 0, now + 100, now + 5000, 4, ev + 3, 5) == 1 &&
          ev[3].attempts == 1 && strcmp(ev[3].id, ev[0].id) == 0);
    at = (struct store_hook_attempt){0, now + 100, 8, 200, ""};
    CHECK(record1(s, ev[3].id, "d1", &at, "delivered", 0) == 0);
    at = (struct store_hook_attempt){0, now, 8, 0, "timed out"};
    CHECK(record1(s, ev[1].id, "d2", &at, "dead", 0) == 0);
    CHECK(store_hook_stats(s, &pending, &oldest, &dead) == 0 && pending == 1 && dead == 1 && oldest == now);
    n = 0;
    CHECK(store_hook_events_list(s, id, j[0], NULL, 10, count_event, &n) == 1 && n == 1);
    CHECK(store_hook_events_list(s, id, NULL, "dead", 10, count_event, &n) == 1 && n == 2);
    CHECK(store_hook_events_list(s, "acct_other", NULL, NULL, 10, count_event, &n) == 0);
    CHECK(store_hook_attempts(s, ev[3].id, (void (*)(const struct store_hook_attempt *, void *))count_event, &n) == 2);
    /* Replayed: pending again, the same id; a pending one is not. */
    CHECK(store_hook_replay(s, id, ev[1].id, now, now + 60000) == 0);
    CHECK(store_hook_replay(s, id, ev[1].id, now, now + 60000) == 2);
    CHECK(store_hook_replay(s, "acct_other", ev[1].id, now, now + 60000) == 1);
    /* A restart takes its leases back at once. */
    CHECK(store_hook_unclaim(s, "d2") == 1);
    /* The account's default, then a rotation: the old secret signs until its grace ends. */
    CHECK(store_webhook_set(s, id, "https://default.example.com/h", WEBHOOK_JOB_COMPLETED, &w2) == 0 &&
          strcmp(w2.url, "https://default.example.com/h") == 0);
    CHECK(store_webhook_rotate(s, id, now, 60000, &w2) == 0 && strcmp(w2.prev_secret, w.secret) == 0 &&
          strcmp(w2.secret, w.secret) != 0 && w2.prev_until_ms == now + 60000);
    job_id(j[0], "h0000002", 1);
    jobs[0] = mkjob(j[0], 5, "async");
    CHECK(store_jobs_accept(s, id, NULL, jobs, json, 1, NULL, &(struct store_callback){NULL, 0}, NULL, &bal, &rel) ==
          STORE_ACCEPTED);
    CHECK(store_result(s, j[0], "{}", "completed", 0, now, batch) == 1);
    CHECK(store_hook_make(s, now, 60000, 100, make_body, &made) == 1);
    n = store_hook_claim(s, "d3", NULL, 0, now + 1000, now + 5000, 4, ev + 4, 4);
    CHECK(n >= 1);
    for (long i = 4; i < 4 + n; i++) {
        if (strcmp(ev[i].subject, j[0]) == 0)
            CHECK(strcmp(ev[i].url, "https://default.example.com/h") == 0 && ev[i].prev_secret &&
                  strcmp(ev[i].prev_secret, w.secret) == 0);
        store_hook_event_release(&ev[i]);
    }
    for (int i = 0; i < 4; i++)
        store_hook_event_release(&ev[i]);
    /* A job reported lost (its event made), then its run's result came:
     * a second event, an id of its own, naming the first. */
    {
        char lj[37], first[37] = "";
        struct store_callback lcb = {"https://hooks.example.com/l", WEBHOOK_JOB_COMPLETED};
        job_id(lj, "h0000003", 1);
        jobs[0] = mkjob(lj, 5, "async");
        CHECK(store_jobs_accept(s, id, NULL, jobs, json, 1, NULL, &lcb, NULL, &bal, &rel) == STORE_ACCEPTED);
        CHECK(store_result(s, lj, "{\"ok\":false}", "lost", 1, now, batch) == 1);
        made = 0;
        replaced_seen[0] = '\0';
        CHECK(store_hook_make(s, now, 60000, 100, make_body, &made) == 1 && !replaced_seen[0]);
        CHECK(store_hook_events_list(s, id, lj, NULL, 10, first_id, first) == 1 && first[0]);
        CHECK(store_result(s, lj, "{\"exit_code\":0}", "completed", 0, now + 10, batch) == 1);   /* replaces it */
        CHECK(store_hook_make(s, now, 60000, 100, make_body, &made) == 1 && strcmp(replaced_seen, first) == 0);
        CHECK(store_hook_make(s, now, 60000, 100, make_body, &made) == 0 && made == 2);   /* once */
        CHECK(store_hook_events_list(s, id, lj, NULL, 10, count_event, &(long){0}) == 2);
    }
    /* A session's own callback; its fork's ends go there too; one that
     * names none has the default's, which does not take session.ended. */
    {
        struct store_session x;
        struct store_callback own = {"https://hooks.example.com/s", WEBHOOK_SESSION_ENDED};
        const char *sid[3] = {"5e55b000-0000-4000-8000-000000000001", "5e55b000-0000-4000-8000-000000000002",
                              "5e55b000-0000-4000-8000-000000000003"};
        memset(&x, 0, sizeof(x));
        snprintf(x.account, sizeof(x.account), "%s", id);
        x.memory_mb = 256;
        x.idle_s = 60;
        x.lifetime_s = 3600;
        snprintf(x.id, sizeof(x.id), "%s", sid[0]);
        CHECK(store_session_add(s, &x, &own, NULL, 0, now) == 0);
        snprintf(x.id, sizeof(x.id), "%s", sid[1]);
        CHECK(store_session_add(s, &x, NULL, sid[0], 0, now) == 0);
        snprintf(x.id, sizeof(x.id), "%s", sid[2]);
        CHECK(store_session_add(s, &x, &(struct store_callback){NULL, 0}, NULL, 0, now) == 0);
        for (int i = 0; i < 3; i++)
            CHECK(store_session_end(s, sid[i], "ended", "deleted", 1) == 0);
        made = 0;
        CHECK(store_hook_make(s, now, 60000, 100, make_body, &made) == 2 && made == 2);
        for (int i = 0; i < 3; i++) {
            n = 0;
            CHECK(store_hook_events_list(s, id, sid[i], NULL, 10, count_own_url, &n) == (i < 2) && n == (i < 2));
        }
    }
    CHECK(store_webhook_set(s, id, NULL, WEBHOOK_ALL_EVENTS, &w2) == 0 && !w2.url[0]);
}

static void suite(const char *name, const char *target, int shared)
{
    struct store *s = NULL, *s2 = NULL;
    char err[256];

    printf("# store over %s\n", name);
    CHECK(store_open(&s, target, err, sizeof(err)) == 0);
    if (!s) {
        fprintf(stderr, "test_store: %s: %s\n", name, err);
        return;
    }
    CHECK(store_shared(s) == shared);
    /* a second open (a second API, or a restart) finds the schema current */
    CHECK(store_open(&s2, target, err, sizeof(err)) == 0);
    test_accounts(s);
    test_charging(s);
    test_batches(s);
    test_idempotency(s);
    test_late_results(s);
    test_prune_whole_batches(s);
    test_output_chunks(s);
    test_sessions(s);
    test_hooks(s);
    if (s2) {
        test_results_lock_in_one_order(s, s2);
        test_reply_leases(s, s2);
        test_two_apis_charge(s, s2);
        if (shared)
            test_two_apis_wake(s, s2);
        else
            store_close(s2);
    }
    if (shared)
        test_reconnect(s, target);
    store_close(s);
}


int main(void)
{
    char dir[] = "/tmp/execq-storetest-XXXXXX", path[128], err[256];
    const char *pg = getenv("EXECQ_TEST_PG_URL");
    struct store *s = NULL;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/store.db", dir);
    suite("SQLite", path, 0);
    unlink(path);
    if (pg && *pg) {
        CHECK(pg_reset(pg) == 0);
        suite("PostgreSQL", pg, 1);
        /* a store made by a newer execq is refused, not changed */
        CHECK(pg_exec(pg, "UPDATE execq_schema SET version = 99") == 0);
        CHECK(store_open(&s, pg, err, sizeof(err)) == -1 && strstr(err, "newer") != NULL);
        CHECK(pg_reset(pg) == 0);
    } else {
        printf("# PostgreSQL skipped: EXECQ_TEST_PG_URL is not set (make unit sets it)\n");
    }
    snprintf(path, sizeof(path), "%s/store.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/store.db-shm", dir);
    unlink(path);
    rmdir(dir);
    CHECK_DONE();
}
