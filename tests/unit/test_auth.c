/* Unit tests of producer-api/auth.c and the account parts of store.c,
 * against a real SQLite file in a temporary directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "check.h"
#include "job.h"
#include "store.h"
#include "util.h"

struct released {
    char json[8][16];
    int n;
};

/* A signup through store_signup with a fresh key hash: 1, 0 or -1. */
static int signup(struct store *st, const char *addr, int64_t now, int64_t window, int max)
{
    static int n;
    char hash[65], id[40];
    snprintf(hash, sizeof(hash), "signup-hash-%d-%lld", ++n, (long long)util_wall_ms());
    return store_signup(st, addr, now, window, max, hash, 10, id);
}

static void collect(const char *id, const char *kind, const char *json, void *arg)
{
    struct released *r = arg;
    (void)id;
    (void)kind;
    if (r->n < 8)
        snprintf(r->json[r->n++], sizeof(r->json[0]), "%s", json);
}

int main(void)
{
    char dir[] = "/tmp/execq-authtest-XXXXXX", path[128], acct[40], err[160], key[AUTH_KEY_LEN + 1], hash[65],
         hdr[128], id[40], batch[37];
    struct store *st = NULL;
    struct store_account a;
    struct job j[3];
    char *json[3] = {"{}", "{}", "{}"};
    long bal = 0;
    size_t rel = 0;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/t.db", dir);
    CHECK(store_open(&st, path, err, sizeof(err)) == 0);
    auth_hash("demo_key_slopshop", hash);
    CHECK(store_account_ensure(st, "demo", hash, 100, err, sizeof(err)) == 0);
    CHECK(auth_check(st, "Bearer demo_key_slopshop", acct, err, sizeof(err)) == 0 && strcmp(acct, "demo") == 0);
    CHECK(auth_check(st, "bearer demo_key_slopshop", acct, err, sizeof(err)) == 0);
    CHECK(auth_check(st, NULL, acct, err, sizeof(err)) == 1 && strstr(err, "missing"));
    CHECK(auth_check(st, "Basic abc", acct, err, sizeof(err)) == 1);
    CHECK(auth_check(st, "Bearer demo_key_slopsho", acct, err, sizeof(err)) == 1);
    CHECK(auth_check(st, "Bearer ", acct, err, sizeof(err)) == 1);

    auth_new_key(key, hash);
    CHECK(strlen(key) == AUTH_KEY_LEN && strncmp(key, "eq_", 3) == 0);
    CHECK(store_account_create(st, hash, 4, id, err, sizeof(err)) == 0);
    snprintf(hdr, sizeof(hdr), "Bearer %s", key);
    CHECK(auth_check(st, hdr, acct, err, sizeof(err)) == 0 && strcmp(acct, id) == 0);

    /* Charging: all or nothing; one charge row per job. */
    for (int i = 0; i < 3; i++) {
        job_init(&j[i]);
        util_uuid(j[i].id);
        strcpy(j[i].kind, "async");
        j[i].credits = 2;
    }
    CHECK(store_jobs_accept(st, id, NULL, j, json, 3, NULL, NULL, NULL, &bal, &rel) == STORE_NO_CREDITS && bal == 4);
    CHECK(store_account_get(st, id, &a) == 0 && a.balance == 4 && a.charged == 0);
    CHECK(store_jobs_accept(st, id, NULL, j, json, 2, NULL, NULL, NULL, &bal, &rel) == STORE_ACCEPTED && bal == 0);
    CHECK(store_jobs_accept(st, id, NULL, j, json, 1, NULL, NULL, NULL, &bal, &rel) != STORE_ACCEPTED);   /* no credits, and a dup id */
    CHECK(store_account_get(st, id, &a) == 0 && a.balance == 0 && a.charged == 4 && a.runs == 2);
    /* A refund happens once, however often the result comes. */
    CHECK(store_result(st, j[0].id, "{\"ok\":false}", "failed", 1, 1, batch) == 1);
    CHECK(store_result(st, j[0].id, "{\"ok\":false}", "failed", 1, 1, batch) == 0);
    CHECK(store_account_get(st, id, &a) == 0 && a.balance == 2 && a.refunded == 2 && a.runs == 1);
    CHECK(a.granted - a.charged + a.refunded == a.balance);
    /* Limits on async work: at most max_queued handed to Kafka, the rest
     * held and released oldest first as jobs finish; max_open refuses. */
    {
        struct job q[5];
        char *qj[5] = {"{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}"};
        struct store_limits lim = {.max_queued = 2, .max_open = 6};
        struct released got = {0};
        CHECK(store_account_ensure(st, "tenant", "h-tenant", 1000, err, sizeof(err)) == 0);
        for (int i = 0; i < 5; i++) {
            job_init(&q[i]);
            util_uuid(q[i].id);
            strcpy(q[i].kind, "batch");
            q[i].credits = 1;
        }
        CHECK(store_jobs_accept(st, "tenant", NULL, q, qj, 5, &lim, NULL, NULL, &bal, &rel) == STORE_ACCEPTED && rel == 2);
        CHECK(store_release(st, "tenant", &lim, collect, &got) == 0);   /* still 2 in Kafka */
        CHECK(store_result(st, q[0].id, "{\"ok\":true}", "completed", 0, 1, batch) == 1);
        CHECK(store_release(st, "tenant", &lim, collect, &got) == 1 && strcmp(got.json[0], "{\"n\":2}") == 0);
        CHECK(store_result(st, q[1].id, "{\"ok\":true}", "completed", 0, 1, batch) == 1);
        CHECK(store_result(st, q[2].id, "{\"ok\":true}", "completed", 0, 1, batch) == 1);
        CHECK(store_release(st, NULL, &lim, collect, &got) == 2 && strcmp(got.json[1], "{\"n\":3}") == 0 &&
              strcmp(got.json[2], "{\"n\":4}") == 0);
        CHECK(store_release(st, NULL, &lim, collect, &got) == 0);
        /* 2 open now: 5 more would make 7 > 6; nothing charged. */
        for (int i = 0; i < 5; i++)
            util_uuid(q[i].id);
        CHECK(store_account_get(st, "tenant", &a) == 0 && a.balance == 995);
        CHECK(store_jobs_accept(st, "tenant", NULL, q, qj, 5, &lim, NULL, NULL, &bal, &rel) == STORE_TOO_MANY && bal == 2);
        CHECK(store_account_get(st, "tenant", &a) == 0 && a.balance == 995);
        CHECK(store_jobs_accept(st, "tenant", NULL, q, qj, 4, &lim, NULL, NULL, &bal, &rel) == STORE_ACCEPTED && rel == 0);
    }
    CHECK(signup(st, "1.2.3.4", 1000, 3600000, 2) == 1);
    CHECK(signup(st, "1.2.3.4", 1001, 3600000, 2) == 1);
    CHECK(signup(st, "1.2.3.4", 1002, 3600000, 2) == 0);
    CHECK(signup(st, "5.6.7.8", 1002, 3600000, 2) == 1);
    CHECK(signup(st, "1.2.3.4", 1000 + 3600001, 3600000, 2) == 1);
    store_close(st);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    CHECK(system(path) == 0);
    CHECK_DONE();
}
