/* store_jobs: jobs, batches and results (see store.h): accepting and
 * charging jobs, their produced and running marks, settling results and
 * refunding jobs that never ran, reading jobs and batch pages, holding an
 * account's async jobs beyond its share and releasing them in turn. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

/* Store metrics: write latency (the lock held, the transaction done) per
 * operation, and the credits moved. */
static struct metric *m_charged, *m_refunded, *m_accept, *m_result;

void st_jobs_metrics(void)
{
    static const double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
    int n = NELEMS(bounds);

    m_charged = metrics_counter("execq_credits_charged_total", "Credits charged for accepted jobs.", NULL);
    m_refunded = metrics_counter("execq_credits_refunded_total", "Credits refunded for jobs that never ran.", NULL);
    m_accept = metrics_histogram("execq_store_seconds", "Store transactions, lock wait included.", "op=\"accept\"",
                                 bounds, n);
    m_result = metrics_histogram("execq_store_seconds", "Store transactions, lock wait included.", "op=\"result\"",
                                 bounds, n);
}

/* An account's unfinished async and batch jobs: all of them (held
 * included) into *open, those handed to Kafka into *queued. Caller holds
 * s->mu. Returns 0 or -1. */
static int open_jobs(struct store *s, const char *account, const struct store_limits *def, long *open, long *queued,
                     struct store_limits *eff)
{
    int rc;
    struct db_q *q = st_first_row(s,
                                  "SELECT COUNT(*), COALESCE(SUM(CASE WHEN held = 0 THEN 1 ELSE 0 END), 0),"
                                  " (SELECT max_queued FROM accounts WHERE id = $1),"
                                  " (SELECT max_open FROM accounts WHERE id = $1) FROM jobs "
                                  "WHERE account = $1 AND kind != 'sync' AND status != 'completed'",
                                  DB_ARGS(DB_T(account)), &rc);

    if (!q)
        return -1;
    *open = (long)db_int(q, 0);
    *queued = (long)db_int(q, 1);
    /* The account's own limits where the operator set them. */
    eff->max_queued = db_null(q, 2) ? def->max_queued : (long)db_int(q, 2);
    eff->max_open = db_null(q, 3) ? def->max_open : (long)db_int(q, 3);
    db_end(q);
    return 0;
}

enum store_accept store_jobs_accept(struct store *s, const char *account, const char *batch_id,
                                    const struct job *jobs, char *const *json, size_t n,
                                    const struct store_limits *lim, const struct store_callback *cb,
                                    struct store_idem *idem, long *balance, size_t *release)
{
    char *hook_url[3] = {NULL, NULL, NULL};
    enum store_accept ret = STORE_ERROR;
    long total = 0, open = 0, queued = 0;
    int64_t now = util_wall_ms(), t0 = util_mono_us();
    int rc;

    for (size_t i = 0; i < n; i++)
        total += jobs[i].credits;
    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0)
        goto unlock;
    /* The account's row stays locked to the commit: two APIs charging one
     * account take turns, so the second sees the first's balance and
     * neither can spend the same credits (nor pass max_open, nor use one
     * Idempotency-Key) twice. */
    if (st_lock_account(s, account, balance, NULL) != 0)
        goto rollback;
    if (idem && (rc = st_idem_take(s, idem, *balance - total)) != 0) {
        ret = rc == 1 ? STORE_REPEAT : STORE_ERROR;
        goto rollback;
    }
    if (*balance < total) {
        ret = STORE_NO_CREDITS;
        goto rollback;
    }
    *release = n;
    if (lim) {
        /* Async and batch work: at most max_open unfinished per account
         * (else refused whole), at most max_queued of them in Kafka (the
         * rest held, released as they finish); 0: no limit. */
        struct store_limits eff;
        if (open_jobs(s, account, lim, &open, &queued, &eff) < 0)
            goto rollback;
        if (eff.max_open > 0 && open + (long)n > eff.max_open) {
            ret = STORE_TOO_MANY;
            *balance = open;   /* the caller says how many are open */
            *release = (size_t)eff.max_open;
            goto rollback;
        }
        if (eff.max_queued > 0) {
            *release = queued >= eff.max_queued ? 0 : (size_t)(eff.max_queued - queued);
            if (*release > n)
                *release = n;
        }
    }
    /* Where their events go, decided now (store_hooks.c). */
    if (st_hook_urls(s, account, cb, hook_url) < 0)
        goto rollback;
    if (batch_id && db_do(s->db,
                          "INSERT INTO batches(id, account, size, created_ms, callback, hook) VALUES($1, $2, $3, $4, $5, $6)",
                          DB_ARGS(DB_T(batch_id), DB_T(account), DB_I(n), DB_I(now), DB_T(hook_url[1]),
                                  DB_I(hook_url[1] != NULL))) < 0)
        goto rollback;
    for (size_t i = 0; i < n; i++) {
        if (db_do(s->db,
                  "INSERT INTO jobs(id, account, batch_id, seq, kind, status, message, created_ms, held, callback, hook) "
                  "VALUES($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $9, $10)",
                  DB_ARGS(DB_T(jobs[i].id), DB_T(account), DB_T(batch_id), DB_I(i), DB_T(jobs[i].kind), DB_T(json[i]),
                          DB_I(now), DB_I(i >= *release), DB_T(hook_url[0]), DB_I(hook_url[0] != NULL))) < 0 ||
            db_do(s->db, "INSERT INTO ledger(job_id, account, kind, amount, at_ms) VALUES($1, $2, 'charge', $3, $4)",
                  DB_ARGS(DB_T(jobs[i].id), DB_T(account), DB_I(jobs[i].credits), DB_I(now))) < 0)
            goto rollback;
    }
    if (db_do(s->db, "UPDATE accounts SET balance = balance - $1, charged = charged + $1, runs = runs + $2 WHERE id = $3",
              DB_ARGS(DB_I(total), DB_I(n), DB_T(account))) < 0)
        goto rollback;
    /* Lost during COMMIT: the jobs are there or not; the answer says which. */
    if (db_commit(s->db) < 0 &&
        (rc = st_commit_landed(s, "SELECT 1 FROM jobs WHERE id = $1", DB_ARGS(DB_T(jobs[0].id)))) != 1) {
        ret = rc < 0 ? STORE_UNSURE : STORE_ERROR;
        goto unlock;
    }
    *balance -= total;
    metrics_add(m_charged, (double)total);
    ret = STORE_ACCEPTED;
    goto unlock;
rollback:
    if (ret == STORE_ERROR)
        log_msg(LOG_ERR, "store: accept jobs: %s", db_error(s->db));
    db_rollback(s->db);
unlock:
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < 3; i++)
        free(hook_url[i]);
    metrics_observe(m_accept, (util_mono_us() - t0) / 1e6);
    return ret;
}

static void set_by_id(struct store *s, const char *sql, const char *id)
{
    pthread_mutex_lock(&s->mu);
    db_do(s->db, sql, DB_ARGS(DB_T(id)));   /* an error is logged */
    pthread_mutex_unlock(&s->mu);
}

int store_jobs_produced(struct store *s, char (*ids)[37], size_t n)
{
    int ret = -1;

    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0)
        goto unlock;
    for (size_t i = 0; i < n; i++)
        if (db_do(s->db, "UPDATE jobs SET produced = 1 WHERE id = $1 AND produced = 0", DB_ARGS(DB_T(ids[i]))) < 0)
            goto rollback;
    if (db_commit(s->db) == 0) {
        ret = 0;
        goto unlock;
    }
rollback:
    db_rollback(s->db);
unlock:
    pthread_mutex_unlock(&s->mu);
    return ret;
}

void store_job_running(struct store *s, const char *id)
{
    set_by_id(s, "UPDATE jobs SET status = 'running' WHERE id = $1 AND status = 'queued'", id);
}

/* A replaced result's callback: its event made already (hook 2), another
 * is due, naming the first (store_hook_make). */
#define REHOOK "hook = CASE WHEN hook = 2 THEN 1 ELSE hook END"

/* Completes o's job with its result; caller holds s->mu in a transaction.
 * Returns 1 (stored now; o->replaced says whether over a "lost" or
 * "expired" result), 0 (a duplicate, or not a job of this store) or -1. */
static int complete_job(struct store *s, struct store_outcome *o)
{
    struct db_q *q;
    int rc, pg = db_is_pg(s->db);

    /* One statement finds, checks and completes the job (a held one too:
     * it ended lost before its turn, and is no longer held), its row locked
     * to the commit: two APIs storing copies of one result take turns,
     * and the second matches no row (completed). On PostgreSQL it also
     * tells every API (NOTIFY, sent at commit). */
    q = st_first_row(s,
                     pg ? "UPDATE jobs SET status = 'completed', result = $1, finished_ms = $2, message = NULL, "
                       "produced = 1, held = 0, outcome = $4 WHERE id = $3 AND status != 'completed' "
                       "AND (held = 1 OR $5 = 0) "
                       "RETURNING account, COALESCE(batch_id, ''), pg_notify('" STORE_CHANNEL "', id)"
                     : "UPDATE jobs SET status = 'completed', result = $1, finished_ms = $2, message = NULL, "
                       "produced = 1, held = 0, outcome = $4 WHERE id = $3 AND status != 'completed' "
                       "AND (held = 1 OR $5 = 0) "
                       "RETURNING account, COALESCE(batch_id, '')",
                  DB_ARGS(DB_T(o->http_json), DB_I(o->finished_ms), DB_T(o->id), DB_T(o->outcome),
                          DB_I(o->only_held)), &rc);
    if (rc == 1 && !o->refund && !o->only_held) {
        /* Completed already. A run's result still replaces a "lost" one
         * (the API gave up on it too early) or an "expired" one (an
         * executor saw a second copy late): the code did run. */
        o->replaced = 1;
        q = st_first_row(s,
                         pg ? "UPDATE jobs SET result = $1, finished_ms = $2, outcome = $4, " REHOOK " WHERE id = $3 "
                           "AND outcome IN ('lost', 'expired') "
                           "RETURNING account, COALESCE(batch_id, ''), pg_notify('" STORE_CHANNEL "', id)"
                         : "UPDATE jobs SET result = $1, finished_ms = $2, outcome = $4, " REHOOK " WHERE id = $3 "
                           "AND outcome IN ('lost', 'expired') RETURNING account, COALESCE(batch_id, '')",
                      DB_ARGS(DB_T(o->http_json), DB_I(o->finished_ms), DB_T(o->id), DB_T(o->outcome)), &rc);
    }
    if (rc != 0)
        return rc == 1 ? 0 : -1;   /* 1: completed already, or not ours */
    st_copy_col(q, 0, o->account, sizeof(o->account));
    st_copy_col(q, 1, o->batch_id, sizeof(o->batch_id));
    db_end(q);
    if (o->replaced)
        o->batch_id[0] = '\0';   /* counted done already */
    o->stored = 1;
    return 1;
}

/* Counts o's job done in its batch; o->batch_id stays set only if that
 * completed the batch (whom to wake). Returns 0 or -1. */
static int count_done(struct store *s, struct store_outcome *o)
{
    int rc, pg = db_is_pg(s->db);
    /* The batch's count of finished jobs; its waiters are woken only by
     * the result that completes it, so a ?wait GET reads the batch once,
     * not once per job. */
    struct db_q *q = st_first_row(s,
                                  pg ? "UPDATE batches SET done = done + 1 WHERE id = $1 "
                                    "RETURNING CASE WHEN done = size THEN 1 ELSE 0 END, "
                                    "CASE WHEN done = size THEN pg_notify('" STORE_CHANNEL "', id) END"
                                  : "UPDATE batches SET done = done + 1 WHERE id = $1 "
                                    "RETURNING CASE WHEN done = size THEN 1 ELSE 0 END",
                               DB_ARGS(DB_T(o->batch_id)), &rc);
    if (rc < 0)
        return -1;
    if (!q || db_int(q, 0) == 0)
        o->batch_id[0] = '\0';
    db_end(q);
    return 0;
}

/* The money of o's job: a refund when it never ran, or, when a run's
 * result replaced a "lost" or "expired" one, the refund taken back if the
 * balance allows (an audit row says which). Returns 0 or -1. */
static int settle(struct store *s, struct store_outcome *o)
{
    struct db_q *q;
    char detail[160];
    int rc;
    long n;

    if (o->replaced) {
        q = st_first_row(s, "SELECT amount FROM ledger WHERE job_id = $1 AND kind = 'refund'", DB_ARGS(DB_T(o->id)), &rc);
        if (rc < 0)
            return -1;
        if (!q)
            return 0;   /* it was never refunded */
        o->refunded = -(long)db_int(q, 0);
        db_end(q);
        n = db_do(s->db,
                  "UPDATE accounts SET balance = balance - $1, refunded = refunded - $1, runs = runs + 1 "
                  "WHERE id = $2 AND balance >= $1",
                  DB_ARGS(DB_I(-o->refunded), DB_T(o->account)));
        if (n < 0)
            return -1;
        if (n == 1 && db_do(s->db, "DELETE FROM ledger WHERE job_id = $1 AND kind = 'refund'",
                            DB_ARGS(DB_T(o->id))) < 0)
            return -1;
        snprintf(detail, sizeof(detail), "job %s ran after it was reported lost or expired; %s", o->id,
                 n == 1 ? "its refund was taken back" : "left refunded: the balance is short");
        if (n == 0)
            o->refunded = 0;
        return st_audit(s, "execq", "late result", o->account, detail, o->outcome);
    }
    if (!o->refund)
        return 0;
    if (o->outcome && strcmp(o->outcome, "lost") == 0) {
        /* Said to the account's audit, where a late real result would be too. */
        snprintf(detail, sizeof(detail), "job %s reported lost and refunded", o->id);
        if (st_audit(s, "execq", "job lost", o->account, detail, "no result came within its deadline") < 0)
            return -1;
    }
    /* The refund row copies the charge; the key allows one per job. */
    q = st_first_row(s,
                     "INSERT INTO ledger(job_id, account, kind, amount, at_ms) "
                     "SELECT job_id, account, 'refund', amount, $1 FROM ledger WHERE job_id = $2 AND kind = 'charge' "
                     "ON CONFLICT DO NOTHING RETURNING amount",
                     DB_ARGS(DB_I(o->finished_ms), DB_T(o->id)), &rc);
    if (rc < 0)
        return -1;
    if (q)   /* a refund row was made: one, with the charge's amount */
        o->refunded = (long)db_int(q, 0);
    db_end(q);
    if (o->refunded > 0 &&
        db_do(s->db, "UPDATE accounts SET balance = balance + $1, refunded = refunded + $1, runs = runs - 1 WHERE id = $2",
              DB_ARGS(DB_I(o->refunded), DB_T(o->account))) < 0)
        return -1;
    return 0;
}

/* qsort_r orders of the outcomes' indices (store_results' lock order). */
static int by_id(const void *x, const void *y, void *o)
{
    const struct store_outcome *v = o;
    return strcmp(v[*(const size_t *)x].id, v[*(const size_t *)y].id);
}
static int by_batch(const void *x, const void *y, void *o)
{
    const struct store_outcome *v = o;
    return strcmp(v[*(const size_t *)x].batch_id, v[*(const size_t *)y].batch_id);
}
static int by_account(const void *x, const void *y, void *o)
{
    const struct store_outcome *v = o;
    return strcmp(v[*(const size_t *)x].account, v[*(const size_t *)y].account);
}

/* PostgreSQL: locks the accounts of the outcomes' jobs in id order,
 * before any job row, in one round trip. Returns 0 or -1. */
static int lock_accounts_of(struct store *s, const struct store_outcome *o, size_t n)
{
    char *ids = malloc(n * 37 + 1), *p = ids;
    struct db_q *q;
    int rc = -1;

    if (!ids)
        return -1;
    *p = '\0';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? "," : "", o[i].id);
    q = db_run(s->db,
               "SELECT id FROM accounts WHERE id IN (SELECT account FROM jobs "
               "WHERE id = ANY(string_to_array($1, ','))) ORDER BY id FOR UPDATE",
               DB_ARGS(DB_T(ids)));
    while (q && (rc = db_next(q)) == 1)
        ;
    db_end(q);
    free(ids);
    return q && rc == 0 ? 0 : -1;
}

long store_results(struct store *s, struct store_outcome *o, size_t n)
{
    long stored = 0, refunded = 0;
    int64_t t0 = util_mono_us();
    size_t *idx = malloc((n ? n : 1) * sizeof(*idx));

    if (!idx)
        goto out;
    for (size_t i = 0; i < n; i++) {
        idx[i] = i;
        o[i].stored = o[i].replaced = 0;
        o[i].refunded = 0;
        o[i].batch_id[0] = o[i].account[0] = '\0';
    }
    /* One lock order for every transaction: accounts, jobs, batches, each
     * by id. Two APIs storing results of the same accounts in different
     * orders would otherwise each hold a row the other waits for. */
    qsort_r(idx, n, sizeof(*idx), by_id, o);
    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0)
        goto fail;
    if (db_is_pg(s->db) && lock_accounts_of(s, o, n) < 0)
        goto rollback;
    for (size_t k = 0; k < n; k++) {
        struct store_outcome *x = &o[idx[k]];
        int rc = complete_job(s, x);
        if (rc < 0) {
            log_msg(LOG_ERR, "job=%s store result: %s", x->id, db_error(s->db));
            goto rollback;
        }
        stored += rc;
    }
    qsort_r(idx, n, sizeof(*idx), by_batch, o);
    for (size_t k = 0; k < n; k++)
        if (o[idx[k]].stored && o[idx[k]].batch_id[0] && count_done(s, &o[idx[k]]) < 0)
            goto rollback;
    qsort_r(idx, n, sizeof(*idx), by_account, o);
    for (size_t k = 0; k < n; k++) {
        if (o[idx[k]].stored && settle(s, &o[idx[k]]) < 0)
            goto rollback;
        refunded += o[idx[k]].refunded;
    }
    if (db_commit(s->db) < 0)
        goto rollback;
    pthread_mutex_unlock(&s->mu);
    if (refunded > 0)
        metrics_add(m_refunded, (double)refunded);
    metrics_observe(m_result, (util_mono_us() - t0) / 1e6);
    free(idx);
    return stored;
rollback:
    db_rollback(s->db);
fail:
    pthread_mutex_unlock(&s->mu);
out:
    for (size_t i = 0; i < n; i++) {   /* nothing stored: nobody to wake */
        o[i].stored = 0;
        o[i].batch_id[0] = '\0';
        o[i].refunded = 0;
    }
    free(idx);
    metrics_observe(m_result, (util_mono_us() - t0) / 1e6);
    return -1;
}

int store_result(struct store *s, const char *id, const char *http_json, const char *outcome, int refund,
                 int64_t finished_ms, char batch_id[37])
{
    struct store_outcome o = {.id = id, .http_json = http_json, .outcome = outcome, .refund = refund,
                              .finished_ms = finished_ms};
    long rc = store_results(s, &o, 1);

    memcpy(batch_id, o.batch_id, 37);
    return rc < 0 ? -1 : (int)rc;
}

static void fill_job(struct db_q *q, struct store_job *j)
{
    memset(j, 0, sizeof(*j));
    st_copy_col(q, 0, j->id, sizeof(j->id));
    st_copy_col(q, 1, j->batch_id, sizeof(j->batch_id));
    st_copy_col(q, 2, j->kind, sizeof(j->kind));
    st_copy_col(q, 3, j->status, sizeof(j->status));
    j->result = st_dup_col(q, 4);
    j->created_ms = db_int(q, 5);
    j->finished_ms = db_int(q, 6);
}

#define JOB_COLS "id, COALESCE(batch_id, ''), kind, status, result, created_ms, COALESCE(finished_ms, 0)"

int store_job_get(struct store *s, const char *id, const char *account, struct store_job *j)
{
    struct db_q *q;
    int ret;

    q = st_row(s, "SELECT " JOB_COLS " FROM jobs WHERE id = $1 AND account = $2", DB_ARGS(DB_T(id), DB_T(account)),
               &ret);
    if (q)
        fill_job(q, j);
    return st_row_end(s, q, ret);
}

void store_job_release(struct store_job *j)
{
    free(j->result);
    j->result = NULL;
}

int store_batch_get(struct store *s, const char *id, const char *account, long offset, long limit,
                    size_t max_bytes, long *size, long counts[3], struct store_job *jobs, long *njobs)
{
    struct db_q *q;
    int ret = -1, rc;
    size_t bytes = 0;

    *njobs = 0;
    counts[0] = counts[1] = counts[2] = 0;
    q = st_row(s, "SELECT size FROM batches WHERE id = $1 AND account = $2", DB_ARGS(DB_T(id), DB_T(account)), &rc);
    if (!q) {
        ret = rc;   /* 1: not found */
        goto out;
    }
    *size = (long)db_int(q, 0);
    db_end(q);
    q = db_run(s->db, "SELECT status, COUNT(*) FROM jobs WHERE batch_id = $1 GROUP BY status", DB_ARGS(DB_T(id)));
    while (q && (rc = db_next(q)) == 1) {
        const char *status = db_text(q, 0);
        int k = strcmp(status, "queued") == 0 ? 0 : strcmp(status, "running") == 0 ? 1 : 2;
        counts[k] = (long)db_int(q, 1);
    }
    if (!q || rc != 0)   /* an error is not "no more rows" */
        goto out;
    db_end(q);
    q = db_run(s->db, "SELECT " JOB_COLS " FROM jobs WHERE batch_id = $1 ORDER BY seq LIMIT $2 OFFSET $3",
               DB_ARGS(DB_T(id), DB_I(limit), DB_I(offset)));
    /* Bounded in bytes as well as in jobs: a page stops before the result
     * that would take it past max_bytes (one job at least, so the page
     * always moves on). */
    rc = 0;
    while (q && *njobs < limit && (rc = db_next(q)) == 1) {
        size_t b = db_bytes(q, 4);
        if (*njobs > 0 && bytes + b > max_bytes)
            break;
        bytes += b;
        fill_job(q, &jobs[(*njobs)++]);
    }
    if (!q || rc < 0) {
        for (long k = 0; k < *njobs; k++)
            store_job_release(&jobs[k]);
        *njobs = 0;
        goto out;
    }
    ret = 0;
out:
    return st_row_end(s, q, ret);
}

/* The held jobs released in one transaction, handed to Kafka after it commits. */
struct held {
    char id[37], kind[8];
    char *json;
};
struct held_list {
    struct held *h;
    long n;
};

/* Marks account's held jobs released up to lim, adding them to out.
 * Caller holds s->mu and is in a transaction. Returns how many, or -1. */
static long release_account(struct store *s, const char *account, const struct store_limits *lim,
                            struct held_list *out)
{
    struct db_q *q = NULL;
    long open = 0, queued = 0, n = 0, room;
    int rc, suspended = 0;
    struct store_limits eff;

    /* Locked as an accept locks it: two APIs releasing the same account's
     * jobs take turns, and the second sees them released. A suspended
     * account's jobs stay held until it is reinstated. */
    if (st_lock_account(s, account, NULL, &suspended) < 0 || open_jobs(s, account, lim, &open, &queued, &eff) < 0)
        return -1;
    room = eff.max_queued > 0 ? eff.max_queued - queued : 1000000;
    if (room <= 0 || suspended)
        return 0;
    q = db_run(s->db, "SELECT id, kind, message FROM jobs WHERE account = $1 AND held = 1 ORDER BY created_ms, seq LIMIT $2",
               DB_ARGS(DB_T(account), DB_I(room)));
    if (!q)
        return -1;
    /* Read first, then marked: SQLite's cursor must not see its own updates. */
    while ((rc = db_next(q)) == 1) {
        struct held *more = realloc(out->h, (size_t)(out->n + 1) * sizeof(*out->h)), *h;
        if (!more) {
            rc = -1;
            break;
        }
        out->h = more;
        h = &out->h[out->n++];
        st_copy_col(q, 0, h->id, sizeof(h->id));
        st_copy_col(q, 1, h->kind, sizeof(h->kind));
        h->json = st_dup_col(q, 2);
        n++;
    }
    db_end(q);
    for (long i = out->n - n; i < out->n && rc == 0; i++)
        if (db_do(s->db, "UPDATE jobs SET held = 0 WHERE id = $1", DB_ARGS(DB_T(out->h[i].id))) < 0)
            rc = -1;
    return rc == 0 ? n : -1;
}

long store_held_count(struct store *s)
{
    struct db_q *q;
    long n = -1;
    int rc;

    q = st_row(s, "SELECT COUNT(*) FROM jobs WHERE held = 1", NULL, 0, &rc);
    if (q)
        n = (long)db_int(q, 0);
    return st_row_end(s, q, n);
}

long store_release(struct store *s, const char *account, const struct store_limits *lim,
                   void (*fn)(const char *id, const char *kind, const char *json, void *arg), void *arg)
{
    struct held_list out = {NULL, 0};
    long n = 0, k;
    int rc = 0;

    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0) {
        pthread_mutex_unlock(&s->mu);
        return -1;
    }
    if (account) {
        n = release_account(s, account, lim, &out);
    } else {
        /* Every account with held jobs (the sweep, and after a restart),
         * locked in id order as every transaction locks accounts. */
        char (*ids)[40] = NULL;
        size_t nids = 0;
        struct db_q *q = db_run(s->db, "SELECT DISTINCT account FROM jobs WHERE held = 1 ORDER BY account", NULL, 0);
        while (q && (rc = db_next(q)) == 1) {
            char (*more)[40] = realloc(ids, (nids + 1) * sizeof(*ids));
            if (!more)
                break;
            ids = more;
            st_copy_col(q, 0, ids[nids++], sizeof(ids[0]));
        }
        if (!q || rc < 0)
            n = -1;
        db_end(q);
        for (size_t i = 0; i < nids && n >= 0; i++)
            n = (k = release_account(s, ids[i], lim, &out)) < 0 ? -1 : n + k;
        free(ids);
    }
    if (n < 0 || db_commit(s->db) < 0) {
        /* Not released (a lost COMMIT included: they are released again
         * later, by this API or another, and a copy sent now would be a
         * second run): none is handed on. */
        log_msg(LOG_ERR, "store: release held jobs: %s", db_error(s->db));
        db_rollback(s->db);
        n = -1;
    }
    for (long i = 0; i < out.n; i++) {
        if (n >= 0 && out.h[i].json)
            fn(out.h[i].id, out.h[i].kind, out.h[i].json, arg);
        free(out.h[i].json);
    }
    free(out.h);
    pthread_mutex_unlock(&s->mu);
    return n;
}

long store_unproduced(struct store *s, int64_t before_ms,
                      void (*fn)(const char *id, const char *kind, const char *json, void *arg), void *arg)
{
    struct db_q *q;
    long n;
    int rc = -1;

    q = st_rows(s,
                "SELECT id, kind, message FROM jobs WHERE produced = 0 AND held = 0 AND status != 'completed' "
                "AND message IS NOT NULL AND created_ms < $1 ORDER BY created_ms, seq",
                DB_ARGS(DB_I(before_ms)));
    for (n = 0; q && (rc = db_next(q)) == 1; n++)
        fn(db_text(q, 0), db_text(q, 1), db_text(q, 2), arg);
    return st_rows_end(s, q, rc, n);
}

long store_overdue(struct store *s, int64_t now_ms, int64_t bound_ms, char (*ids)[37], long max)
{
    struct db_q *q;
    long n = -1;
    int rc = 0;

    pthread_mutex_lock(&s->mu);
    /* created_ms <= expires_at_ms, so the partial index narrows the scan
     * to open jobs old enough before the JSON is read. */
    q = db_run(s->db,
               db_is_pg(s->db)
                   ? "SELECT id FROM jobs WHERE status != 'completed' AND message IS NOT NULL AND created_ms < $1 "
                     "AND (message::json->>'expires_at_ms')::numeric::bigint + $2 < $3 ORDER BY created_ms LIMIT $4"
                   : "SELECT id FROM jobs WHERE status != 'completed' AND message IS NOT NULL AND created_ms < $1 "
                     "AND json_extract(message, '$.expires_at_ms') + $2 < $3 ORDER BY created_ms LIMIT $4",
               DB_ARGS(DB_I(now_ms - bound_ms), DB_I(bound_ms), DB_I(now_ms), DB_I(max)));
    for (n = 0; q && n < max && (rc = db_next(q)) == 1;)
        st_copy_col(q, 0, ids[n++], 37);
    if (!q || rc < 0)
        n = -1;
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return n;
}
