/* store_prune: retention (see store.h): finished jobs, batches whose jobs
 * are all gone, idempotency keys and signup rows past their age are
 * deleted, a bounded number per call; and output chunks no one needs. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

/* Deletes up to max batches whose every job finished before before_ms,
 * each with its jobs in one transaction: a batch is never seen with some
 * of its jobs gone (it would read completed: false for ever). Returns the
 * rows deleted. */
static long prune_batches(struct store *s, int64_t before_ms, int max)
{
    char (*ids)[37] = calloc((size_t)max, sizeof(*ids));
    struct db_q *q;
    long n = 0, k, nb = 0;
    int rc = 0;

    if (!ids)
        return 0;
    pthread_mutex_lock(&s->mu);
    q = db_run(s->db,
               "SELECT id FROM batches b WHERE created_ms < $1 AND done >= size AND NOT EXISTS "
               "(SELECT 1 FROM jobs WHERE batch_id = b.id AND (status != 'completed' OR finished_ms >= $1)) LIMIT $2",
               DB_ARGS(DB_I(before_ms), DB_I(max)));
    while (q && nb < max && (rc = db_next(q)) == 1)
        st_copy_col(q, 0, ids[nb++], 37);
    db_end(q);
    for (long i = 0; i < nb && n < max; i++) {   /* up to about max rows a round */
        if (db_begin(s->db) < 0)
            break;
        if ((k = db_do(s->db, "DELETE FROM jobs WHERE batch_id = $1", DB_ARGS(DB_T(ids[i])))) < 0 ||
            db_do(s->db, "DELETE FROM batches WHERE id = $1", DB_ARGS(DB_T(ids[i]))) < 0 || db_commit(s->db) < 0) {
            db_rollback(s->db);
            break;
        }
        n += k + 1;
    }
    pthread_mutex_unlock(&s->mu);
    free(ids);
    return n;
}

long store_prune(struct store *s, int64_t jobs_before_ms, int64_t idem_before_ms, int64_t signups_before_ms,
                 int max)
{
    /* Finished jobs past retention (batches whole: prune_batches), then
     * what hangs on them: ledger rows as old (the account totals do not need
     * them), idempotency keys past their life, signup records past the
     * rate window. Small batches: the lock is held briefly. A row's
     * physical id is rowid on SQLite, ctid on PostgreSQL. */
    static const char *sql[] = {
        "DELETE FROM jobs WHERE %1$s IN (SELECT %1$s FROM jobs WHERE status = 'completed' AND finished_ms < $1 "
        "AND batch_id IS NULL LIMIT $2)",
        "DELETE FROM ledger WHERE %1$s IN (SELECT %1$s FROM ledger l WHERE at_ms < $1 AND NOT EXISTS "
        "(SELECT 1 FROM jobs WHERE id = l.job_id) LIMIT $2)",
        "DELETE FROM idempotency WHERE %1$s IN (SELECT %1$s FROM idempotency WHERE created_ms < $1 LIMIT $2)",
        "DELETE FROM signups WHERE %1$s IN (SELECT %1$s FROM signups WHERE at_ms < $1 LIMIT $2)",
        /* Output chunks: their job's result has every byte; a chunk an
         * hour old belongs to a job that ended without one (lost). */
        "DELETE FROM job_output WHERE %1$s IN (SELECT o.%1$s FROM job_output o JOIN jobs j ON j.id = o.job_id "
        "WHERE j.status = 'completed' LIMIT $2)",
        "DELETE FROM job_output WHERE %1$s IN (SELECT %1$s FROM job_output WHERE at_ms < $1 LIMIT $2)",
        /* Sessions last used before retention: ended, or past their idle
         * timeout (an hour at most) and so ended by their executor. */
        "DELETE FROM sessions WHERE %1$s IN (SELECT %1$s FROM sessions WHERE last_ms < $1 "
        "AND (state != 'open' OR last_ms + idle_s * 1000 < $1) LIMIT $2)",
        /* Callback events delivered or dead before retention, attempts first. */
        "DELETE FROM hook_attempts WHERE %1$s IN (SELECT a.%1$s FROM hook_attempts a JOIN hook_events e "
        "ON e.id = a.event_id WHERE e.state != 'pending' AND e.done_ms < $1 LIMIT $2)",
        "DELETE FROM hook_events WHERE %1$s IN (SELECT %1$s FROM hook_events WHERE state != 'pending' "
        "AND done_ms < $1 LIMIT $2)",
    };
    int64_t now = util_wall_ms();
    int64_t before[] = {jobs_before_ms, jobs_before_ms, idem_before_ms, signups_before_ms, 0,
                        now - 3600 * 1000, jobs_before_ms, jobs_before_ms, jobs_before_ms};
    const char *rid = db_is_pg(s->db) ? "ctid" : "rowid";
    long n = prune_batches(s, jobs_before_ms, max), k;

    for (int i = 0; i < NELEMS(sql); i++) {
        char text[400];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(text, sizeof(text), sql[i], rid);
#pragma GCC diagnostic pop
        pthread_mutex_lock(&s->mu);
        k = db_do(s->db, text, DB_ARGS(DB_I(before[i]), DB_I(max)));
        pthread_mutex_unlock(&s->mu);
        if (k > 0)
            n += k;
    }
    return n;
}
