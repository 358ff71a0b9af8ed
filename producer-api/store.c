/* store: the API's persistence (see store.h), one set of queries over
 * SQLite or PostgreSQL (db.h). SQLite: WAL with synchronous=NORMAL, a
 * commit survives a crash of the API (the SIGKILL test), a power loss may
 * lose the last commits. PostgreSQL: shared by every API; whatever two
 * APIs could do at once to one account or job is serialized by locking
 * its row (SELECT ... FOR UPDATE) at the start of the transaction.
 *
 * The store's files, by concern (store.h lists the calls the same way):
 *   store.c           opening, the listener, the reply-partition leases and
 *                     the helpers the others share (store_int.h)
 *   store_schema.c    the schema and its migrations (SQLite, PostgreSQL)
 *   store_accounts.c  accounts, keys, limits, signups, audit and usage
 *   store_jobs.c      jobs, batches and results: accept and charge, settle
 *                     and refund, held jobs and their release
 *   store_idem.c      Idempotency-Keys
 *   store_output.c    running jobs' output as it comes (GET .../events)
 *   store_prune.c     retention: what is deleted when */
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "store_int.h"
#include "util.h"

int store_open(struct store **out, const char *target, char *errstr, size_t errstr_size)
{
    struct store *s = calloc(1, sizeof(*s));
    struct db *d = NULL;
    int ret = -1;

    if (!s || !(s->target = util_strdup(target))) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    st_jobs_metrics();
    if (db_open(&d, target, errstr, errstr_size) < 0)
        goto out;
    if (st_migrate(d, errstr, errstr_size) < 0)
        goto out;
    pthread_mutex_init(&s->mu, NULL);
    s->db = d;
    d = NULL;   /* s owns it now */
    *out = s;
    s = NULL;
    ret = 0;
out:
    db_close(d);   /* no-op on NULL */
    if (s)
        free(s->target);
    free(s);
    return ret;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    db_listen_stop(s->listener);
    db_close(s->db);
    pthread_mutex_destroy(&s->mu);
    free(s->target);
    free(s);
}

int store_shared(const struct store *s)
{
    return db_is_pg(s->db);
}

int store_listen(struct store *s, void (*fn)(const char *id, void *arg), void *arg, char *errstr, size_t errstr_size)
{
    if (!db_is_pg(s->db))
        return 0;   /* one process: its own wake-ups are all there are */
    s->listener = db_listen_start(s->target, STORE_CHANNEL, fn, arg, errstr, errstr_size);
    return s->listener ? 0 : -1;
}

/* Runs a SELECT and moves to its first row. Returns the cursor on it, or
 * NULL with *rc 1 (no row) or -1 (error). Call with the lock held. */
struct db_q *st_first_row(struct store *s, const char *sql, const struct db_arg *args, int nargs, int *rc)
{
    struct db_q *q = db_run(s->db, sql, args, nargs);
    int r = q ? db_next(q) : -1;

    *rc = r == 1 ? 0 : r == 0 ? 1 : -1;
    if (*rc != 0) {
        db_end(q);
        return NULL;
    }
    return q;
}

void st_copy_col(struct db_q *q, int col, char *dst, size_t size)
{
    const char *t = db_text(q, col);
    snprintf(dst, size, "%s", t ? t : "");
}

char *st_dup_col(struct db_q *q, int col)
{
    const char *t = db_text(q, col);
    return t ? util_strdup(t) : NULL;
}

struct db_q *st_row(struct store *s, const char *sql, const struct db_arg *args, int nargs, int *rc)
{
    pthread_mutex_lock(&s->mu);
    return st_first_row(s, sql, args, nargs, rc);
}

long st_row_end(struct store *s, struct db_q *q, long ret)
{
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

struct db_q *st_rows(struct store *s, const char *sql, const struct db_arg *args, int nargs)
{
    pthread_mutex_lock(&s->mu);
    return db_run(s->db, sql, args, nargs);
}

long st_rows_end(struct store *s, struct db_q *q, int rc, long n)
{
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return rc == 0 ? n : -1;
}

/* Locks account's row until the transaction ends (PostgreSQL: another
 * API's accept, refund or release of this account waits; SQLite holds
 * the one write lock already). Caller holds s->mu in a transaction.
 * Returns 0 with *balance and *suspended (each when not NULL), 1 (no such
 * account) or -1. */
int st_lock_account(struct store *s, const char *account, long *balance, int *suspended)
{
    int rc;
    struct db_q *q = st_first_row(s, "SELECT balance, CASE WHEN suspended IS NULL THEN 0 ELSE 1 END FROM accounts "
                                  "WHERE id = $1 FOR UPDATE",
                               DB_ARGS(DB_T(account)), &rc);

    if (q && balance)
        *balance = (long)db_int(q, 0);
    if (q && suspended)
        *suspended = (int)db_int(q, 1);
    db_end(q);
    return rc;
}

/* After a COMMIT failed: whether it landed all the same. When the
 * connection was lost during it, the server may have committed before the
 * answer was lost: a row the transaction made (sql finds it; NULL: none
 * can tell) is read back on a new connection. Rolls back. Returns 1 (it
 * landed), 0 (it did not) or -1 (unknown). */
int st_commit_landed(struct store *s, const char *sql, const struct db_arg *args, int nargs)
{
    int lost = db_lost(s->db), rc;
    struct db_q *q;

    db_rollback(s->db);
    if (!lost)
        return 0;   /* the server refused it: nothing was committed */
    if (!sql)
        return -1;
    q = st_first_row(s, sql, args, nargs, &rc);
    db_end(q);
    log_msg(rc < 0 ? LOG_ERR : LOG_WARNING, "store: the connection was lost during a COMMIT; read back: %s",
            rc == 0 ? "it landed" : rc == 1 ? "it did not land" : "unknown (the store is unreachable)");
    return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

/* One audit row; caller holds s->mu inside a transaction. Returns 0 or -1. */
int st_audit(struct store *s, const char *actor, const char *action, const char *account, const char *detail,
             const char *reason)
{
    return db_do(s->db, "INSERT INTO audit(at_ms, actor, action, account, detail, reason) VALUES($1,$2,$3,$4,$5,$6)",
                 DB_ARGS(DB_I(util_wall_ms()), DB_T(actor), DB_T(action), DB_T(account), DB_T(detail), DB_T(reason))) < 0
               ? -1
               : 0;
}

/* Runs sql (args: $1 is the account) and an audit row in one
 * transaction. Returns 0, 1 (no such account) or -1. */
int st_change(struct store *s, const char *sql, const struct db_arg *args, int nargs, const char *actor,
              const char *action, const char *detail, const char *reason)
{
    const char *account = args[0].t;
    long changed;
    int ret = -1;

    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0)
        goto unlock;
    changed = db_do(s->db, sql, args, nargs);
    if (changed < 0)
        goto rollback;
    if (changed == 0) {
        ret = 1;
        goto rollback;
    }
    if (st_audit(s, actor, action, account, detail, reason) < 0 || db_commit(s->db) < 0)
        goto rollback;
    ret = 0;
    goto unlock;
rollback:
    if (ret < 0)
        log_msg(LOG_ERR, "store: %s %s: %s", action, account, db_error(s->db));
    db_rollback(s->db);
unlock:
    pthread_mutex_unlock(&s->mu);
    return ret;
}

/* One lease of part for owner until until_ms, taken if free, expired by
 * now_ms or owner's own (take) or only if owner's (renew). Returns the rows
 * changed (1 or 0) or -1. Caller does not hold the lock. */
static long lease(struct store *s, const char *owner, int part, int64_t now_ms, int64_t until_ms, int take)
{
    long n;

    pthread_mutex_lock(&s->mu);
    n = db_do(s->db,
              take ? "INSERT INTO reply_leases(part, owner, until_ms) VALUES($1, $2, $3) ON CONFLICT(part) DO UPDATE "
                     "SET owner = excluded.owner, until_ms = excluded.until_ms "
                     "WHERE reply_leases.until_ms < $4 OR reply_leases.owner = excluded.owner"
                   : "UPDATE reply_leases SET until_ms = $3 WHERE part = $1 AND owner = $2",
              DB_ARGS(DB_I(part), DB_T(owner), DB_I(until_ms), DB_I(now_ms)));
    pthread_mutex_unlock(&s->mu);
    return n;
}

int store_reply_claim(struct store *s, const char *owner, int nparts, int want, int64_t now_ms, int64_t until_ms)
{
    /* Its own first (a restart keeps its partition), then the lowest free. */
    struct db_q *q;
    int rc, mine = -1;

    if (want >= 0) {
        long n = lease(s, owner, want, now_ms, until_ms, 1);
        return n == 1 ? want : -1;
    }
    pthread_mutex_lock(&s->mu);
    q = st_first_row(s, "SELECT part FROM reply_leases WHERE owner = $1 ORDER BY part", DB_ARGS(DB_T(owner)), &rc);
    if (q)
        mine = (int)db_int(q, 0);
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    if (mine >= 0 && mine < nparts && lease(s, owner, mine, now_ms, until_ms, 1) == 1)
        return mine;
    for (int p = 0; p < nparts; p++) {
        long n = lease(s, owner, p, now_ms, until_ms, 1);
        if (n < 0)
            return -1;
        if (n == 1)
            return p;
    }
    return -1;
}

int store_reply_renew(struct store *s, const char *owner, int part, int64_t now_ms, int64_t until_ms)
{
    long n = lease(s, owner, part, now_ms, until_ms, 0);
    return n < 0 ? -1 : n > 0;
}

void store_reply_release(struct store *s, const char *owner, int part)
{
    pthread_mutex_lock(&s->mu);
    db_do(s->db, "DELETE FROM reply_leases WHERE part = $1 AND owner = $2", DB_ARGS(DB_I(part), DB_T(owner)));
    pthread_mutex_unlock(&s->mu);
}
