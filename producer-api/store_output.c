/* store_output: a running async or batch job's output as it comes (see
 * store.h), kept for GET /v1/jobs/{id}/events on any API. A chunk's bytes
 * are stored as base64 (PostgreSQL's TEXT takes no NUL, and output may be
 * any bytes); store_prune deletes them once the job's result is stored. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

/* Stores one chunk (s->mu held, in a transaction). Returns 1 if stored,
 * 0 if not wanted (its job completed, or unknown, or stored already), -1. */
static int add_one(struct store *s, const struct job_output *o, int64_t now_ms)
{
    char *b64 = job_base64((const unsigned char *)o->data, o->len);
    long n;

    if (!b64)
        return -1;
    /* Another run's chunks go: the job started over elsewhere. */
    n = db_do(s->db, "DELETE FROM job_output WHERE job_id = $1 AND run != $2", DB_ARGS(DB_T(o->id), DB_T(o->run)));
    if (n >= 0)
        n = db_do(s->db,
                  "INSERT INTO job_output(job_id, run, stream, off, len, data, at_ms) "
                  "SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS "
                  "(SELECT 1 FROM jobs WHERE id = $1 AND status != 'completed') ON CONFLICT DO NOTHING",
                  DB_ARGS(DB_T(o->id), DB_T(o->run), DB_I(o->stream), DB_I(o->offset), DB_I(o->len), DB_T(b64),
                          DB_I(now_ms)));
    free(b64);
    return n < 0 ? -1 : n > 0;
}

long store_output_add(struct store *s, const struct job_output *o, size_t n)
{
    long stored = 0;
    int64_t now = util_wall_ms();

    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        int rc = add_one(s, &o[i], now);
        char payload[40];
        if (rc < 0)
            goto rollback;
        stored += rc;
        /* Every API's followers of this job look (sent at commit), once
         * per job of the batch. */
        snprintf(payload, sizeof(payload), "o:%s", o[i].id);
        if (rc > 0 && db_is_pg(s->db) && (i + 1 == n || strcmp(o[i + 1].id, o[i].id) != 0) &&
            db_do(s->db, "SELECT pg_notify('" STORE_CHANNEL "', $1)", DB_ARGS(DB_T(payload))) < 0)
            goto rollback;
    }
    if (db_commit(s->db) < 0)
        goto rollback;
    pthread_mutex_unlock(&s->mu);
    return stored;
rollback:
    log_msg(LOG_WARNING, "store output chunks: %s", db_error(s->db));
    db_rollback(s->db);
fail:
    pthread_mutex_unlock(&s->mu);
    return -1;
}

long store_output_since(struct store *s, const char *id, const size_t pos[2], long max,
                        void (*fn)(const struct job_output *o, void *arg), void *arg)
{
    struct db_q *q = st_rows(s,
                             "SELECT run, stream, off, data FROM job_output WHERE job_id = $1 AND "
                             "((stream = 0 AND off + len > $2) OR (stream = 1 AND off + len > $3)) "
                             "ORDER BY at_ms, stream, off LIMIT $4",
                             DB_ARGS(DB_T(id), DB_I(pos[0]), DB_I(pos[1]), DB_I(max)));
    long n = 0;
    int rc = -1;

    while (q && (rc = db_next(q)) == 1) {
        struct job_output o;
        memset(&o, 0, sizeof(o));
        snprintf(o.id, sizeof(o.id), "%s", id);
        st_copy_col(q, 0, o.run, sizeof(o.run));
        o.stream = db_int(q, 1) == 1 ? JOB_STDERR : JOB_STDOUT;
        o.offset = (size_t)db_int(q, 2);
        o.data = job_unbase64(db_text(q, 3), &o.len);
        if (!o.data)
            continue;   /* out of memory: a gap the follower reports as dropped */
        fn(&o, arg);
        job_output_release(&o);
        n++;
    }
    return st_rows_end(s, q, rc, n);
}
