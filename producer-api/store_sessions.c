/* store_sessions: sessions (see store.h): which executor holds each and
 * what it did. Charging is the jobs': a create and every exec is a job of
 * store_jobs.c, charged and refunded there. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#define COLS "id, account, state, COALESCE(reason, ''), COALESCE(executor, ''), COALESCE(part, -1), memory_mb, " \
             "scratch_mb, idle_s, lifetime_s, execs, memory_kb, created_ms, last_ms"

static void read_row(struct db_q *q, struct store_session *x)
{
    memset(x, 0, sizeof(*x));
    st_copy_col(q, 0, x->id, sizeof(x->id));
    st_copy_col(q, 1, x->account, sizeof(x->account));
    st_copy_col(q, 2, x->state, sizeof(x->state));
    st_copy_col(q, 3, x->reason, sizeof(x->reason));
    st_copy_col(q, 4, x->executor, sizeof(x->executor));
    x->part = (int)db_int(q, 5);
    x->memory_mb = (long)db_int(q, 6);
    x->scratch_mb = (long)db_int(q, 7);
    x->idle_s = (long)db_int(q, 8);
    x->lifetime_s = (long)db_int(q, 9);
    x->execs = (long)db_int(q, 10);
    x->memory_kb = (long)db_int(q, 11);
    x->created_ms = db_int(q, 12);
    x->last_ms = db_int(q, 13);
}

int store_session_add(struct store *s, const struct store_session *x, const struct store_callback *cb,
                      const char *parent, long max_open, int64_t now_ms)
{
    char *url[3] = {NULL, NULL, NULL};
    struct db_q *q;
    int rc, ret = -1;

    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0)
        goto out;
    /* The account's row locked: two creates of one account take turns. */
    if (st_lock_account(s, x->account, NULL, NULL) != 0)
        goto rollback;
    q = st_first_row(s, "SELECT max_sessions FROM accounts WHERE id = $1", DB_ARGS(DB_T(x->account)), &rc);
    if (rc < 0)
        goto rollback;
    if (q && !db_null(q, 0))
        max_open = (long)db_int(q, 0);   /* the operator's own for it */
    db_end(q);
    q = st_first_row(s,
                     "SELECT COUNT(*) FROM sessions WHERE account = $1 AND state IN ('starting', 'open') "
                     "AND last_ms + idle_s * 1000 > $2 AND created_ms + lifetime_s * 1000 > $2",
                     DB_ARGS(DB_T(x->account), DB_I(now_ms)), &rc);
    if (rc < 0)
        goto rollback;
    if (max_open > 0 && q && db_int(q, 0) >= max_open) {
        db_end(q);
        db_rollback(s->db);
        ret = 1;
        goto out;
    }
    db_end(q);
    /* session.ended goes to the session's own callback, else the
     * account's default webhook if it has one for it (store_hooks.c); a
     * fork's to its parent's. */
    if (parent) {
        q = st_first_row(s, "SELECT callback FROM sessions WHERE id = $1 AND account = $2",
                         DB_ARGS(DB_T(parent), DB_T(x->account)), &rc);
        if (rc < 0)
            goto rollback;
        if (q && !db_null(q, 0))
            url[2] = util_strdup(db_text(q, 0));
        db_end(q);
    } else if (st_hook_urls(s, x->account, cb, url) < 0) {
        goto rollback;
    }
    if (db_do(s->db,
              "INSERT INTO sessions(id, account, state, memory_mb, scratch_mb, idle_s, lifetime_s, created_ms, "
              "last_ms, callback, hook) VALUES ($1, $2, 'starting', $3, $4, $5, $6, $7, $7, $8, $9)",
              DB_ARGS(DB_T(x->id), DB_T(x->account), DB_I(x->memory_mb), DB_I(x->scratch_mb), DB_I(x->idle_s),
                      DB_I(x->lifetime_s), DB_I(now_ms), DB_T(url[2]), DB_I(url[2] != NULL))) != 1 ||
        db_commit(s->db) < 0)
        goto rollback;
    ret = 0;
    goto out;
rollback:
    log_msg(LOG_WARNING, "store session add: %s", db_error(s->db));
    db_rollback(s->db);
out:
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < 3; i++)
        free(url[i]);
    return ret;
}

int store_session_get(struct store *s, const char *id, const char *account, struct store_session *x)
{
    int rc;
    struct db_q *q = st_row(s, "SELECT " COLS " FROM sessions WHERE id = $1 AND account = $2",
                            DB_ARGS(DB_T(id), DB_T(account)), &rc);

    if (q)
        read_row(q, x);
    return (int)st_row_end(s, q, rc < 0 ? -1 : q ? 0 : 1);
}

long store_session_list(struct store *s, const char *account, long max,
                        void (*fn)(const struct store_session *x, void *arg), void *arg)
{
    struct db_q *q = st_rows(s, "SELECT " COLS " FROM sessions WHERE account = $1 ORDER BY created_ms DESC LIMIT $2",
                             DB_ARGS(DB_T(account), DB_I(max)));
    long n = 0;
    int rc = -1;

    while (q && (rc = db_next(q)) == 1) {
        struct store_session x;
        read_row(q, &x);
        fn(&x, arg);
        n++;
    }
    return st_rows_end(s, q, rc, n);
}

/* One UPDATE outside any transaction. Returns the rows changed or -1. */
static long update(struct store *s, const char *sql, const struct db_arg *args, int nargs)
{
    long n;

    pthread_mutex_lock(&s->mu);
    n = db_do(s->db, sql, args, nargs);
    if (n < 0)
        log_msg(LOG_WARNING, "store session update: %s", db_error(s->db));
    pthread_mutex_unlock(&s->mu);
    return n;
}

int store_session_placed(struct store *s, const char *id, const char *executor, int part)
{
    return update(s, "UPDATE sessions SET state = 'open', executor = $2, part = $3 WHERE id = $1 AND state = "
                     "'starting'",
                  DB_ARGS(DB_T(id), DB_T(executor), DB_I(part))) < 0 ? -1 : 0;
}

int store_session_end(struct store *s, const char *id, const char *state, const char *reason, int always)
{
    return update(s, always ? "UPDATE sessions SET state = $2, reason = $3 WHERE id = $1"
                            : "UPDATE sessions SET state = $2, reason = $3 WHERE id = $1 AND state IN ('starting', "
                              "'open')",
                  DB_ARGS(DB_T(id), DB_T(state), DB_T(reason))) < 0 ? -1 : 0;
}

int store_session_exec(struct store *s, const char *id, int64_t at_ms, int ran, long memory_kb)
{
    if (!ran)
        return update(s, "UPDATE sessions SET last_ms = $2 WHERE id = $1 AND last_ms < $2",
                      DB_ARGS(DB_T(id), DB_I(at_ms))) < 0 ? -1 : 0;
    return update(s, "UPDATE sessions SET execs = execs + 1, memory_kb = $3, "
                     "last_ms = CASE WHEN last_ms < $2 THEN $2 ELSE last_ms END WHERE id = $1",
                  DB_ARGS(DB_T(id), DB_I(at_ms), DB_I(memory_kb))) < 0 ? -1 : 0;
}

void store_session_view(struct store_session *x, int64_t now_ms)
{
    if (strcmp(x->state, "open") != 0 && strcmp(x->state, "starting") != 0)
        return;
    if (now_ms >= x->created_ms + (int64_t)x->lifetime_s * 1000) {
        snprintf(x->state, sizeof(x->state), "ended");
        snprintf(x->reason, sizeof(x->reason), "max_lifetime");
    } else if (now_ms >= x->last_ms + (int64_t)x->idle_s * 1000) {
        snprintf(x->state, sizeof(x->state), "ended");
        snprintf(x->reason, sizeof(x->reason), "idle_timeout");
    }
}
