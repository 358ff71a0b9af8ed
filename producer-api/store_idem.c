/* store_idem: Idempotency-Keys (see store.h): taken in the transaction of
 * the change they name, read back for a repeated request, deleted when
 * the change they name did not happen. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

/* The request's Idempotency-Key, inside the transaction that makes its
 * change (the account's row locked, so a request with the same key waits
 * here for the first to commit). balance: the account's balance after the
 * change. Returns 1 when the key is live already (k's found_* filled), 0
 * when written now with its answer, -1 on error. */
int st_idem_take(struct store *s, struct store_idem *k, long balance)
{
    struct db_q *q;
    char *made = NULL;
    const char *resp = k->response;
    long n;
    int rc;

    q = st_first_row(s,
                     "SELECT body_hash, status, response FROM idempotency WHERE account = $1 AND route = $2 AND key = $3 "
                     "AND created_ms >= $4",
                     DB_ARGS(DB_T(k->scope), DB_T(k->route), DB_T(k->key), DB_I(k->since_ms)), &rc);
    if (rc < 0)
        return -1;
    if (q) {
        st_copy_col(q, 0, k->found_hash, sizeof(k->found_hash));
        k->found_status = (int)db_int(q, 1);
        k->found_response = st_dup_col(q, 2);
        db_end(q);
        return k->found_response ? 1 : -1;
    }
    if (!resp && !(resp = made = k->answer(balance, k->arg)))
        return -1;
    /* An expired key (older than since_ms) is replaced. */
    n = db_do(s->db,
              "INSERT INTO idempotency(account, route, key, body_hash, status, response, created_ms) "
              "VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(account, route, key) DO UPDATE SET "
              "body_hash = excluded.body_hash, status = excluded.status, response = excluded.response, "
              "created_ms = excluded.created_ms WHERE idempotency.created_ms < $8",
              DB_ARGS(DB_T(k->scope), DB_T(k->route), DB_T(k->key), DB_T(k->body_hash), DB_I(k->status), DB_T(resp),
                      DB_I(util_wall_ms()), DB_I(k->since_ms)));
    free(made);
    return n == 1 ? 0 : -1;
}

int store_idem_get(struct store *s, const char *account, const char *route, const char *key, int64_t since_ms,
                   char body_hash[65], int *status, char **response)
{
    struct db_q *q;
    int ret;

    q = st_row(s,
               "SELECT body_hash, status, response FROM idempotency WHERE account = $1 AND route = $2 AND key = $3 "
               "AND created_ms >= $4",
               DB_ARGS(DB_T(account), DB_T(route), DB_T(key), DB_I(since_ms)), &ret);
    if (q) {
        st_copy_col(q, 0, body_hash, 65);
        *status = (int)db_int(q, 1);
        *response = st_dup_col(q, 2);
    }
    return st_row_end(s, q, ret);
}

int store_idem_delete(struct store *s, const char *account, const char *route, const char *key)
{
    long n;

    pthread_mutex_lock(&s->mu);
    n = db_do(s->db, "DELETE FROM idempotency WHERE account = $1 AND route = $2 AND key = $3",
              DB_ARGS(DB_T(account), DB_T(route), DB_T(key)));
    pthread_mutex_unlock(&s->mu);
    return n < 0 ? -1 : 0;
}
