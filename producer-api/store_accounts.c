/* store_accounts: accounts, their keys (SHA-256 hashes only), credits
 * granted, suspension, per-account limits, the signup log, the operator's
 * audit rows and the usage report (see store.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

int store_account_create(struct store *s, const char *key_hash, long credits, char id[40], char *errstr,
                         size_t errstr_size)
{
    char uuid[37];

    util_uuid(uuid);
    snprintf(id, 40, "acct_%.8s%.4s%.4s", uuid, uuid + 9, uuid + 14);
    return store_account_ensure(s, id, key_hash, credits, errstr, errstr_size);
}

/* In the caller's transaction: account id with its key key_hash, made
 * with credits, or (it exists) given key_hash as its configured key, its
 * balance left alone. Returns 0 or -1. */
static int put_account(struct store *s, const char *id, const char *key_hash, long credits, int64_t now)
{
    return db_do(s->db,
                 "INSERT INTO accounts(id, key_hash, balance, granted, created_ms) VALUES($1, $2, $3, $3, $4) "
                 "ON CONFLICT(id) DO UPDATE SET key_hash = excluded.key_hash",
                 DB_ARGS(DB_T(id), DB_T(key_hash), DB_I(credits), DB_I(now))) < 0 ||
                   db_do(s->db, "INSERT INTO api_keys(hash, account, created_ms) VALUES($1, $2, $3) ON CONFLICT DO NOTHING",
                         DB_ARGS(DB_T(key_hash), DB_T(id), DB_I(now))) < 0
               ? -1
               : 0;
}

int store_account_ensure(struct store *s, const char *id, const char *key_hash, long credits, char *errstr,
                         size_t errstr_size)
{
    int64_t now = util_wall_ms();
    int ret = -1;

    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0)
        goto unlock;
    /* An existing account keeps its balance. accounts.key_hash is its
     * configured key: when that changed (the demo key configured anew),
     * the old configured key goes, and only it: keys an operator added to
     * the account stay. */
    if (db_do(s->db,
              "DELETE FROM api_keys WHERE hash = (SELECT key_hash FROM accounts WHERE id = $1) AND hash != $2 "
              "AND account = $1",
              DB_ARGS(DB_T(id), DB_T(key_hash))) < 0 ||
        put_account(s, id, key_hash, credits, now) < 0 || db_commit(s->db) < 0)
        goto rollback;
    ret = 0;
    goto unlock;
rollback:
    snprintf(errstr, errstr_size, "create account: %s", db_error(s->db));
    db_rollback(s->db);
unlock:
    pthread_mutex_unlock(&s->mu);
    return ret;
}

int store_account_by_key(struct store *s, const char *key_hash, char id[40], char *suspended, size_t suspended_size)
{
    struct db_q *q;
    int ret;

    q = st_row(s,
               "SELECT k.account, a.suspended FROM api_keys k JOIN accounts a ON a.id = k.account "
               "WHERE k.hash = $1 AND (k.expires_ms IS NULL OR k.expires_ms > $2)",
               DB_ARGS(DB_T(key_hash), DB_I(util_wall_ms())), &ret);
    if (q) {
        st_copy_col(q, 0, id, 40);
        if (!db_null(q, 1)) {
            st_copy_col(q, 1, suspended, suspended_size);
            ret = 2;
        }
    }
    return st_row_end(s, q, ret);
}

int store_grant(struct store *s, const char *account, long credits, const char *actor, const char *reason,
                struct store_idem *idem, long *balance)
{
    char detail[64];
    long before = 0;
    int ret = -1, rc;

    snprintf(detail, sizeof(detail), "credits=%ld", credits);
    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0)
        goto unlock;
    if ((rc = st_lock_account(s, account, &before, NULL)) != 0) {
        ret = rc;
        goto rollback;
    }
    if (idem && (rc = st_idem_take(s, idem, before + credits)) != 0) {
        ret = rc == 1 ? 2 : -1;
        goto rollback;
    }
    if (db_do(s->db, "UPDATE accounts SET balance = balance + $2, granted = granted + $2 WHERE id = $1",
              DB_ARGS(DB_T(account), DB_I(credits))) != 1 ||
        st_audit(s, actor, "grant", account, detail, reason) < 0)
        goto rollback;
    if (db_commit(s->db) < 0) {
        /* Lost during COMMIT: with a key, its row tells whether it landed. */
        rc = idem ? st_commit_landed(s, "SELECT 1 FROM idempotency WHERE account = $1 AND route = $2 AND key = $3 "
                                     "AND created_ms >= $4",
                                     DB_ARGS(DB_T(idem->scope), DB_T(idem->route), DB_T(idem->key), DB_I(idem->since_ms)))
                  : st_commit_landed(s, NULL, NULL, 0);
        if (rc != 1)
            goto unlock;
    }
    if (balance)
        *balance = before + credits;
    ret = 0;
    goto unlock;
rollback:
    if (ret < 0)
        log_msg(LOG_ERR, "store: grant %s: %s", account, db_error(s->db));
    db_rollback(s->db);
unlock:
    pthread_mutex_unlock(&s->mu);
    return ret;
}

int store_suspend(struct store *s, const char *account, int on, const char *actor, const char *reason)
{
    return st_change(s, "UPDATE accounts SET suspended = $2 WHERE id = $1",
                     DB_ARGS(DB_T(account), DB_T(on ? reason : NULL)), actor, on ? "suspend" : "reinstate", "", reason);
}

int store_keys_expire(struct store *s, const char *account, const char *except_hash, const char *only_hash,
                      int64_t at_ms, const char *actor, const char *reason)
{
    char detail[64];
    snprintf(detail, sizeof(detail), "expires_ms=%lld", (long long)at_ms);
    /* $3 names the key to keep (rotation: the new one) or the only one to
     * expire (a user's own rotation: the key it called with). */
    return st_change(s,
                     only_hash ? "UPDATE api_keys SET expires_ms = CASE WHEN expires_ms < $2 THEN expires_ms ELSE $2 END "
                     "WHERE account = $1 AND hash = $3"
                     : "UPDATE api_keys SET expires_ms = CASE WHEN expires_ms < $2 THEN expires_ms ELSE $2 END "
                     "WHERE account = $1 AND hash IS DISTINCT FROM $3",
                     DB_ARGS(DB_T(account), DB_I(at_ms), DB_T(only_hash ? only_hash : except_hash)), actor,
                     "expire keys", detail, reason);
}

int store_key_add(struct store *s, const char *account, const char *key_hash, const char *like_hash,
                  const char *actor, const char *reason)
{
    /* The expiry is read from like_hash's row in the same statement. */
    return st_change(s,
                     "INSERT INTO api_keys(hash, account, created_ms, expires_ms) SELECT $3, id, $2, "
                     "(SELECT expires_ms FROM api_keys WHERE account = $1 AND hash = $4) FROM accounts WHERE id = $1",
                     DB_ARGS(DB_T(account), DB_I(util_wall_ms()), DB_T(key_hash), DB_T(like_hash)), actor, "new key",
                     key_hash, reason);
}

long store_suspended_each(struct store *s, void (*fn)(const char *id, int64_t at_ms, void *arg), void *arg)
{
    struct db_q *q;
    long n;
    int rc = -1;

    q = st_rows(s,
                "SELECT id, COALESCE((SELECT MAX(at_ms) FROM audit WHERE account = accounts.id AND action = 'suspend'), 0) "
                "FROM accounts WHERE suspended IS NOT NULL ORDER BY id",
                NULL, 0);
    for (n = 0; q && (rc = db_next(q)) == 1; n++)
        fn(db_text(q, 0), db_int(q, 1), arg);
    return st_rows_end(s, q, rc, n);
}

long store_accounts_list(struct store *s, const char *search, long offset, long limit,
                         void (*fn)(const struct store_account *a, const char *suspended, void *arg), void *arg)
{
    struct db_q *q;
    long n;
    int rc = -1;

    q = st_rows(s,
                db_is_pg(s->db) ? "SELECT id, balance, granted, created_ms, charged, refunded, runs, suspended FROM accounts "
                                  "WHERE strpos(id, $1) > 0 ORDER BY created_ms, id LIMIT $2 OFFSET $3"
                                : "SELECT id, balance, granted, created_ms, charged, refunded, runs, suspended FROM accounts "
                                  "WHERE instr(id, $1) > 0 ORDER BY created_ms, id LIMIT $2 OFFSET $3",
                DB_ARGS(DB_T(search ? search : ""), DB_I(limit), DB_I(offset)));
    for (n = 0; q && (rc = db_next(q)) == 1; n++) {
        struct store_account a;
        memset(&a, 0, sizeof(a));
        st_copy_col(q, 0, a.id, sizeof(a.id));
        a.balance = (long)db_int(q, 1);
        a.granted = (long)db_int(q, 2);
        a.created_ms = db_int(q, 3);
        a.charged = (long)db_int(q, 4);
        a.refunded = (long)db_int(q, 5);
        a.runs = (long)db_int(q, 6);
        fn(&a, db_text(q, 7), arg);
    }
    return st_rows_end(s, q, rc, n);
}

long store_usage(struct store *s, const char *account, int64_t since_ms,
                 void (*fn)(const char *day, long runs, long charged, long refunded, long cpu_ms, void *arg), void *arg)
{
    char sql[1200];
    int pg = db_is_pg(s->db), rc = -1;
    struct db_q *q;
    long n = 0;

    /* Charges and refunds from the ledger, CPU time from the stored
     * results; both as long as retention keeps them. A UTC day from a
     * millisecond time, and a number from the result's JSON, are the
     * dialects' own. */
#define DAY(col) (pg ? "to_char(to_timestamp(" col " / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')" \
                     : "date(" col " / 1000, 'unixepoch')")
    snprintf(sql, sizeof(sql),
             "SELECT day, SUM(charges) - SUM(refunds), SUM(charged), SUM(refunded), SUM(cpu) FROM ("
             " SELECT %s AS day, CASE WHEN kind = 'charge' THEN 1 ELSE 0 END AS charges,"
             "  CASE WHEN kind = 'refund' THEN 1 ELSE 0 END AS refunds,"
             "  CASE WHEN kind = 'charge' THEN amount ELSE 0 END AS charged,"
             "  CASE WHEN kind = 'refund' THEN amount ELSE 0 END AS refunded, 0 AS cpu"
             "  FROM ledger WHERE account = $1 AND at_ms >= $2"
             " UNION ALL"
             " SELECT %s, 0, 0, 0, 0, %s"
             "  FROM jobs WHERE account = $1 AND status = 'completed' AND finished_ms >= $2"
             ") AS u GROUP BY day ORDER BY day",
             DAY("at_ms"), DAY("finished_ms"),
             pg ? "COALESCE((result::json->>'cpu_time_ms')::numeric::bigint, 0)"
                : "COALESCE(json_extract(result, '$.cpu_time_ms'), 0)");
#undef DAY
    q = st_rows(s, sql, DB_ARGS(DB_T(account), DB_I(since_ms)));
    for (n = 0; q && (rc = db_next(q)) == 1; n++)
        fn(db_text(q, 0), (long)db_int(q, 1), (long)db_int(q, 2), (long)db_int(q, 3), (long)db_int(q, 4), arg);
    return st_rows_end(s, q, rc, n);
}

long store_audit_list(struct store *s, const char *account, long limit,
                      void (*fn)(int64_t at_ms, const char *actor, const char *action, const char *detail,
                                 const char *reason, void *arg),
                      void *arg)
{
    struct db_q *q;
    long n;
    int rc = -1;

    q = st_rows(s,
                "SELECT at_ms, actor, action, detail, reason FROM audit WHERE account = $1 "
                "ORDER BY at_ms DESC, rowid DESC LIMIT $2",
                DB_ARGS(DB_T(account), DB_I(limit)));
    for (n = 0; q && (rc = db_next(q)) == 1; n++)
        fn(db_int(q, 0), db_text(q, 1), db_text(q, 2), db_text(q, 3), db_text(q, 4), arg);
    return st_rows_end(s, q, rc, n);
}

long store_keys_list(struct store *s, const char *account,
                     void (*fn)(const char *hash, int64_t created_ms, int64_t expires_ms, void *arg), void *arg)
{
    struct db_q *q;
    long n;
    int rc = -1;

    q = st_rows(s,
                "SELECT hash, created_ms, COALESCE(expires_ms, 0) FROM api_keys WHERE account = $1 "
                "ORDER BY created_ms, hash",
                DB_ARGS(DB_T(account)));
    for (n = 0; q && (rc = db_next(q)) == 1; n++)
        fn(db_text(q, 0), db_int(q, 1), db_int(q, 2), arg);
    return st_rows_end(s, q, rc, n);
}

int store_account_get(struct store *s, const char *id, struct store_account *a)
{
    struct db_q *q;
    int ret;

    memset(a, 0, sizeof(*a));
    pthread_mutex_lock(&s->mu);
    /* The totals are kept as charges and refunds happen: one row read. */
    q = st_first_row(s, "SELECT balance, granted, created_ms, charged, refunded, runs FROM accounts WHERE id = $1",
                     DB_ARGS(DB_T(id)), &ret);
    if (q) {
        snprintf(a->id, sizeof(a->id), "%s", id);
        a->balance = (long)db_int(q, 0);
        a->granted = (long)db_int(q, 1);
        a->created_ms = db_int(q, 2);
        a->charged = (long)db_int(q, 3);
        a->refunded = (long)db_int(q, 4);
        a->runs = (long)db_int(q, 5);
    }
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

int store_signup(struct store *s, const char *addr, int64_t now_ms, int64_t window_ms, int max, const char *key_hash,
                 long credits, char id[40])
{
    struct db_q *q;
    char uuid[37];
    int ret = -1, rc;

    util_uuid(uuid);
    snprintf(id, 40, "acct_%.8s%.4s%.4s", uuid, uuid + 9, uuid + 14);
    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0)
        goto unlock;
    /* Signups from one address take turns across APIs (PostgreSQL: a
     * transaction lock on the address; SQLite: the write lock), so the
     * count and the insert see each other. */
    if (db_is_pg(s->db) && db_do(s->db, "SELECT pg_advisory_xact_lock(7463302, hashtext($1))", DB_ARGS(DB_T(addr))) < 0)
        goto rollback;
    q = st_first_row(s, "SELECT COUNT(*) FROM signups WHERE addr = $1 AND at_ms > $2",
                     DB_ARGS(DB_T(addr), DB_I(now_ms - window_ms)), &rc);
    if (!q)
        goto rollback;
    ret = db_int(q, 0) < max;
    db_end(q);
    if (ret == 0)
        goto rollback;
    ret = -1;
    if (db_do(s->db, "INSERT INTO signups(addr, at_ms) VALUES($1, $2)", DB_ARGS(DB_T(addr), DB_I(now_ms))) < 0 ||
        put_account(s, id, key_hash, credits, now_ms) < 0 || db_commit(s->db) < 0)
        goto rollback;
    ret = 1;
    goto unlock;
rollback:
    if (ret < 0)
        log_msg(LOG_ERR, "store: signup: %s", db_error(s->db));
    db_rollback(s->db);
unlock:
    pthread_mutex_unlock(&s->mu);
    return ret;
}

static struct db_arg limit_arg(long v)
{
    return v < 0 ? DB_NULL : DB_I(v);
}

int store_set_limits(struct store *s, const char *account, const long v[STORE_NLIMITS], const char *actor,
                     const char *reason)
{
    char detail[160];
    long changed;
    int ret = -1;

    snprintf(detail, sizeof(detail), "max_queued=%ld max_open=%ld requests_per_s=%ld max_batch_jobs=%ld "
             "max_sessions=%ld (-1: default)", v[0], v[1], v[2], v[3], v[4]);
    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0)
        goto unlock;
    changed = db_do(s->db,
                    "UPDATE accounts SET max_queued = $2, max_open = $3, requests_per_s = $4, max_batch_jobs = $5, "
                    "max_sessions = $6 WHERE id = $1",
                    DB_ARGS(DB_T(account), limit_arg(v[0]), limit_arg(v[1]), limit_arg(v[2]), limit_arg(v[3]),
                            limit_arg(v[4])));
    if (changed < 0)
        goto rollback;
    if (changed == 0) {
        ret = 1;
        goto rollback;
    }
    if (st_audit(s, actor, "limits", account, detail, reason) < 0 || db_commit(s->db) < 0)
        goto rollback;
    ret = 0;
    goto unlock;
rollback:
    db_rollback(s->db);
unlock:
    pthread_mutex_unlock(&s->mu);
    return ret;
}

int store_get_limits(struct store *s, const char *account, long v[STORE_NLIMITS])
{
    struct db_q *q;
    int ret;

    q = st_row(s, "SELECT max_queued, max_open, requests_per_s, max_batch_jobs, max_sessions FROM accounts WHERE id = $1",
               DB_ARGS(DB_T(account)), &ret);
    for (int i = 0; q && i < STORE_NLIMITS; i++)
        v[i] = db_null(q, i) ? -1 : (long)db_int(q, i);
    return st_row_end(s, q, ret);
}
