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

int main(void)
{
    char dir[] = "/tmp/execq-authtest-XXXXXX", path[128], acct[40], err[160], key[AUTH_KEY_LEN + 1], hash[65],
         hdr[128], id[40], batch[37];
    struct store *st = NULL;
    struct store_account a;
    struct job j[3];
    char *json[3] = {"{}", "{}", "{}"};
    long bal = 0;

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
    CHECK(store_jobs_accept(st, id, NULL, j, json, 3, &bal) == STORE_NO_CREDITS && bal == 4);
    CHECK(store_account_get(st, id, &a) == 0 && a.balance == 4 && a.charged == 0);
    CHECK(store_jobs_accept(st, id, NULL, j, json, 2, &bal) == STORE_ACCEPTED && bal == 0);
    CHECK(store_jobs_accept(st, id, NULL, j, json, 1, &bal) != STORE_ACCEPTED);   /* no credits, and a dup id */
    CHECK(store_account_get(st, id, &a) == 0 && a.balance == 0 && a.charged == 4 && a.runs == 2);
    /* A refund happens once, however often the result comes. */
    CHECK(store_result(st, j[0].id, "{\"ok\":false}", 1, 1, batch) == 1);
    CHECK(store_result(st, j[0].id, "{\"ok\":false}", 1, 1, batch) == 0);
    CHECK(store_account_get(st, id, &a) == 0 && a.balance == 2 && a.refunded == 2 && a.runs == 1);
    CHECK(a.granted - a.charged + a.refunded == a.balance);
    CHECK(store_signup_allowed(st, "1.2.3.4", 1000, 3600000, 2) == 1);
    CHECK(store_signup_allowed(st, "1.2.3.4", 1001, 3600000, 2) == 1);
    CHECK(store_signup_allowed(st, "1.2.3.4", 1002, 3600000, 2) == 0);
    CHECK(store_signup_allowed(st, "5.6.7.8", 1002, 3600000, 2) == 1);
    CHECK(store_signup_allowed(st, "1.2.3.4", 1000 + 3600001, 3600000, 2) == 1);
    store_close(st);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    CHECK(system(path) == 0);
    CHECK_DONE();
}
