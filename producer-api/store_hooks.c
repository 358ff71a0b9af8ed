/* store_hooks: webhooks (see store.h): each account's settings, the events
 * execq-hooks makes from what ended, their leases and their attempts. An
 * event is made once (its id comes from its type and subject, the
 * primary key); every daemon claims due ones with a lease, so any number
 * share the work and a dead one's return when its lease passes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "sha256.h"
#include "store.h"
#include "store_int.h"
#include "util.h"
#include "webhook.h"

const char *const store_hook_outcomes[8] = {"completed", "timed_out", "memory_exceeded", "failed",
                                            "expired", "lost", "queue_unavailable", "cancelled"};

void store_hook_event_release(struct store_hook_event *e)
{
    free(e->url);
    free(e->dest);
    free(e->body);
    free(e->secret);
    free(e->prev_secret);
    free(e->last_error);
    memset(e, 0, sizeof(*e));
}

static void read_webhook(struct db_q *q, struct store_webhook *w)
{
    memset(w, 0, sizeof(*w));
    st_copy_col(q, 0, w->url, sizeof(w->url));
    w->events = (unsigned)db_int(q, 1);
    st_copy_col(q, 2, w->secret, sizeof(w->secret));
    st_copy_col(q, 3, w->prev_secret, sizeof(w->prev_secret));
    w->prev_until_ms = db_int(q, 4);
    w->updated_ms = db_int(q, 5);
}

#define WEBHOOK_COLS "COALESCE(url, ''), events, secret, COALESCE(prev_secret, ''), prev_until_ms, updated_ms"

/* Makes account's row (no URL, a new secret) unless it has one. */
static int webhook_ensure(struct store *s, const char *account, int64_t now)
{
    char secret[71];

    webhook_new_secret(secret);
    return db_do(s->db,
                 "INSERT INTO webhooks(account, url, events, secret, updated_ms) VALUES($1, NULL, $2, $3, $4) "
                 "ON CONFLICT(account) DO NOTHING",
                 DB_ARGS(DB_T(account), DB_I(WEBHOOK_ALL_EVENTS), DB_T(secret), DB_I(now))) < 0 ? -1 : 0;
}

/* Runs change (its $1 the account, then args) on account's row, made if
 * needed, and reads the row back into w, in one transaction. */
static int webhook_change(struct store *s, const char *account, const char *change, const struct db_arg *args,
                          int nargs, struct store_webhook *w)
{
    struct db_q *q;
    int rc, ret = -1;

    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0)
        goto out;
    if (webhook_ensure(s, account, util_wall_ms()) < 0 || (change && db_do(s->db, change, args, nargs) < 0))
        goto rollback;
    q = st_first_row(s, "SELECT " WEBHOOK_COLS " FROM webhooks WHERE account = $1", DB_ARGS(DB_T(account)), &rc);
    if (!q)
        goto rollback;
    read_webhook(q, w);
    db_end(q);
    if (db_commit(s->db) < 0)
        goto rollback;
    ret = 0;
    goto out;
rollback:
    log_msg(LOG_WARNING, "store webhook: %s", db_error(s->db));
    db_rollback(s->db);
out:
    pthread_mutex_unlock(&s->mu);
    return ret;
}

int store_webhook_get(struct store *s, const char *account, struct store_webhook *w)
{
    return webhook_change(s, account, NULL, NULL, 0, w);
}

int store_webhook_set(struct store *s, const char *account, const char *url, unsigned events,
                      struct store_webhook *w)
{
    return webhook_change(s, account, "UPDATE webhooks SET url = $2, events = $3, updated_ms = $4 WHERE account = $1",
                          DB_ARGS(DB_T(account), url ? DB_T(url) : DB_NULL, DB_I(events), DB_I(util_wall_ms())), w);
}

int store_webhook_rotate(struct store *s, const char *account, int64_t now_ms, int64_t grace_ms,
                         struct store_webhook *w)
{
    char secret[71];

    webhook_new_secret(secret);
    return webhook_change(s, account,
                          "UPDATE webhooks SET prev_secret = secret, prev_until_ms = $3, secret = $2, updated_ms = $4 "
                          "WHERE account = $1",
                          DB_ARGS(DB_T(account), DB_T(secret), DB_I(now_ms + grace_ms), DB_I(now_ms)), w);
}

/* For store_jobs_accept and store_session_add, in their transaction: the
 * URL each event of account's new work goes to (malloc'd, NULL: none):
 * cb's own when it names one, else the account's default. */
int st_hook_urls(struct store *s, const char *account, const struct store_callback *cb, char *url[3])
{
    struct db_q *q;
    int rc;
    unsigned events;
    const char *u;

    url[0] = url[1] = url[2] = NULL;
    if (!cb)
        return 0;
    q = cb->url ? NULL
                : st_first_row(s, "SELECT url, events FROM webhooks WHERE account = $1 AND url IS NOT NULL",
                               DB_ARGS(DB_T(account)), &rc);
    if (!cb->url && rc < 0)
        return -1;
    u = cb->url ? cb->url : q ? db_text(q, 0) : NULL;
    events = cb->url ? cb->events : q ? (unsigned)db_int(q, 1) : 0;
    for (int i = 0; i < 3 && u; i++)
        if (events & (1u << i))
            url[i] = util_strdup(u);
    db_end(q);
    return 0;
}

/* The event id of (type, subject): a UUID's shape, from their hash. */
static void event_id(const char *type, const char *subject, char id[37])
{
    char key[80], h[65];

    snprintf(key, sizeof(key), "%s:%s", type, subject);
    sha256_hex(key, strlen(key), h);
    snprintf(id, 37, "%.8s-%.4s-4%.3s-a%.3s-%.12s", h, h + 8, h + 12, h + 15, h + 18);
}

/* A URL's destination: scheme://host[:port], lowercased (what the
 * concurrency cap counts). */
static void url_dest(const char *url, char *out, size_t size)
{
    const char *p = strstr(url, "://");
    size_t n = p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?#") : strlen(url);
    if (n >= size)
        n = size - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(url[i] >= 'A' && url[i] <= 'Z' ? url[i] + 32 : url[i]);
    out[n] = '\0';
}

/* One subject found ended, its columns copied out of the cursor. */
struct ended {
    char id[37], account[64], batch_id[37], outcome[32];
    char *url, *result;
    int64_t finished_ms;
    long size;
    struct store_session sx;
};

/* Marks subject x done (hook 2) in table, unless another daemon did, or
 * (a job) its result changed since it was read (outcome: the one read),
 * then inserts its event (made by make). A job whose event was made
 * already (its result was replaced since: hook set to 1 again) gets
 * another, with an id of its own, naming the first. Returns 1 made, 0
 * none, -1. */
static int make_one(struct store *s, const char *table, struct store_hook_subject *x, const char *outcome,
                    int64_t now, int64_t ttl, char *(*make)(const struct store_hook_subject *, const char *, void *),
                    void *arg)
{
    char id[37], first[37], dest[300], sql[128], key[48];
    char *body;
    struct db_q *q;
    long n;
    int rc;

    snprintf(sql, sizeof(sql), "UPDATE %s SET hook = 2 WHERE id = $1 AND hook = 1%s", table,
             outcome ? " AND COALESCE(outcome, '') = $2" : "");
    n = outcome ? db_do(s->db, sql, DB_ARGS(DB_T(x->id), DB_T(outcome))) : db_do(s->db, sql, DB_ARGS(DB_T(x->id)));
    if (n <= 0)
        return n < 0 ? -1 : 0;
    if (webhook_ensure(s, x->account, now) < 0)   /* the secret that signs it */
        return -1;
    event_id(x->type, x->id, id);
    if (outcome) {
        q = st_first_row(s, "SELECT 1 FROM hook_events WHERE id = $1", DB_ARGS(DB_T(id)), &rc);
        db_end(q);
        if (rc < 0)
            return -1;
        if (rc == 0) {   /* the first is there: this one replaces it */
            memcpy(first, id, sizeof(first));
            x->replaces = first;
            snprintf(key, sizeof(key), "%s:replaced", x->id);
            event_id(x->type, key, id);
        }
    }
    if (!(body = make(x, id, arg)))
        return -1;
    url_dest(x->url, dest, sizeof(dest));
    n = db_do(s->db,
              "INSERT INTO hook_events(id, account, type, subject, url, dest, body, state, created_ms, next_ms, "
              "deadline_ms) VALUES($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8, $9) ON CONFLICT(id) DO NOTHING",
              DB_ARGS(DB_T(id), DB_T(x->account), DB_T(x->type), DB_T(x->id), DB_T(x->url), DB_T(dest), DB_T(body),
                      DB_I(now), DB_I(now + ttl)));
    free(body);
    return n < 0 ? -1 : n > 0;
}

long store_hook_make(struct store *s, int64_t now_ms, int64_t ttl_ms, long max,
                     char *(*make)(const struct store_hook_subject *x, const char *event_id, void *arg), void *arg)
{
    struct ended *e = calloc((size_t)max, sizeof(*e));
    struct db_q *q = NULL;
    long made = 0, n;
    int rc;

    if (!e)
        return -1;
    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0)
        goto fail;
    /* Jobs whose result is stored, whatever stored it (a run, or the API:
     * lost, cancelled, never queued). */
    q = db_run(s->db,
               "SELECT id, account, callback, COALESCE(batch_id, ''), result, COALESCE(finished_ms, 0), "
               "COALESCE(outcome, '') FROM jobs WHERE hook = 1 AND status = 'completed' ORDER BY finished_ms LIMIT $1",
               DB_ARGS(DB_I(max)));
    for (n = 0; q && n < max && (rc = db_next(q)) == 1; n++) {
        st_copy_col(q, 0, e[n].id, sizeof(e[n].id));
        st_copy_col(q, 1, e[n].account, sizeof(e[n].account));
        e[n].url = st_dup_col(q, 2);
        st_copy_col(q, 3, e[n].batch_id, sizeof(e[n].batch_id));
        e[n].result = st_dup_col(q, 4);
        e[n].finished_ms = db_int(q, 5);
        st_copy_col(q, 6, e[n].outcome, sizeof(e[n].outcome));
    }
    if (!q)
        goto fail;
    db_end(q);
    q = NULL;
    for (long i = 0; i < n; i++) {
        struct store_hook_subject x = {"job.completed", e[i].id, e[i].account, e[i].url,
                                       e[i].batch_id[0] ? e[i].batch_id : NULL, e[i].result ? e[i].result : "{}",
                                       e[i].finished_ms, 0, {0}, NULL, NULL};
        if (!e[i].url)
            continue;
        if ((rc = make_one(s, "jobs", &x, e[i].outcome, now_ms, ttl_ms, make, arg)) < 0)
            goto fail;
        made += rc;
    }
    for (long i = 0; i < n; i++) {
        free(e[i].url);
        free(e[i].result);
    }
    memset(e, 0, (size_t)max * sizeof(*e));
    /* Batches every job of which has ended. */
    q = db_run(s->db,
               "SELECT id, account, callback, size, created_ms FROM batches WHERE hook = 1 AND done >= size "
               "ORDER BY created_ms LIMIT $1",
               DB_ARGS(DB_I(max)));
    for (n = 0; q && n < max && (rc = db_next(q)) == 1; n++) {
        st_copy_col(q, 0, e[n].id, sizeof(e[n].id));
        st_copy_col(q, 1, e[n].account, sizeof(e[n].account));
        e[n].url = st_dup_col(q, 2);
        e[n].size = (long)db_int(q, 3);
    }
    if (!q)
        goto fail;
    db_end(q);
    q = NULL;
    for (long i = 0; i < n; i++) {
        struct store_hook_subject x = {"batch.completed", e[i].id, e[i].account, e[i].url, NULL, NULL,
                                       now_ms, e[i].size, {0}, NULL, NULL};
        if (!e[i].url)
            continue;
        q = db_run(s->db, "SELECT COALESCE(outcome, 'completed'), COUNT(*) FROM jobs WHERE batch_id = $1 GROUP BY 1",
                   DB_ARGS(DB_T(e[i].id)));
        while (q && (rc = db_next(q)) == 1)
            for (int k = 0; k < 8; k++)
                if (strcmp(db_text(q, 0), store_hook_outcomes[k]) == 0)
                    x.counts[k] = (long)db_int(q, 1);
        if (!q)
            goto fail;
        db_end(q);
        q = NULL;
        if ((rc = make_one(s, "batches", &x, NULL, now_ms, ttl_ms, make, arg)) < 0)
            goto fail;
        made += rc;
    }
    for (long i = 0; i < n; i++)
        free(e[i].url);
    memset(e, 0, (size_t)max * sizeof(*e));
    /* Sessions that ended: deleted, died, lost, or past their idle timeout
     * or lifetime (their executor ended them then; nothing wrote it). */
    q = db_run(s->db,
               "SELECT id, account, state, COALESCE(reason, ''), callback, execs, memory_kb, created_ms, last_ms, "
               "idle_s, lifetime_s, memory_mb FROM sessions WHERE hook = 1 AND (state IN ('ended', 'failed') OR "
               "last_ms + idle_s * 1000 <= $1 OR created_ms + lifetime_s * 1000 <= $1) ORDER BY created_ms LIMIT $2",
               DB_ARGS(DB_I(now_ms), DB_I(max)));
    for (n = 0; q && n < max && (rc = db_next(q)) == 1; n++) {
        struct store_session *x = &e[n].sx;
        st_copy_col(q, 0, x->id, sizeof(x->id));
        memcpy(e[n].id, x->id, sizeof(e[n].id));
        st_copy_col(q, 1, x->account, sizeof(x->account));
        memcpy(e[n].account, x->account, sizeof(e[n].account));
        st_copy_col(q, 2, x->state, sizeof(x->state));
        st_copy_col(q, 3, x->reason, sizeof(x->reason));
        e[n].url = st_dup_col(q, 4);
        x->execs = (long)db_int(q, 5);
        x->memory_kb = (long)db_int(q, 6);
        x->created_ms = db_int(q, 7);
        x->last_ms = db_int(q, 8);
        x->idle_s = (long)db_int(q, 9);
        x->lifetime_s = (long)db_int(q, 10);
        x->memory_mb = (long)db_int(q, 11);
        store_session_view(x, now_ms);
    }
    if (!q)
        goto fail;
    db_end(q);
    q = NULL;
    for (long i = 0; i < n; i++) {
        struct store_hook_subject x = {"session.ended", e[i].id, e[i].account, e[i].url, NULL, NULL,
                                       now_ms, 0, {0}, &e[i].sx, NULL};
        if (!e[i].url)
            continue;
        if ((rc = make_one(s, "sessions", &x, NULL, now_ms, ttl_ms, make, arg)) < 0)
            goto fail;
        made += rc;
    }
    if (db_commit(s->db) < 0)
        goto fail;
    goto out;
fail:
    log_msg(LOG_WARNING, "store hook make: %s", db_error(s->db));
    db_end(q);
    db_rollback(s->db);
    made = -1;
out:
    pthread_mutex_unlock(&s->mu);
    for (long i = 0; i < max; i++) {
        free(e[i].url);
        free(e[i].result);
    }
    free(e);
    return made;
}

static int record_in_tx(struct store *s, const char *owner, struct store_hook_record *r, size_t n);

#define EVENT_COLS_OF(p) p "id, " p "account, " p "type, " p "subject, " p "state, " p "url, " p "dest, " p "attempts, " \
                         "COALESCE(" p "last_status, 0), COALESCE(" p "last_error, ''), " p "created_ms, " p "next_ms, " \
                         p "deadline_ms, COALESCE(" p "done_ms, 0)"
#define EVENT_COLS EVENT_COLS_OF("")

static void read_event(struct db_q *q, struct store_hook_event *e)
{
    memset(e, 0, sizeof(*e));
    st_copy_col(q, 0, e->id, sizeof(e->id));
    st_copy_col(q, 1, e->account, sizeof(e->account));
    st_copy_col(q, 2, e->type, sizeof(e->type));
    st_copy_col(q, 3, e->subject, sizeof(e->subject));
    st_copy_col(q, 4, e->state, sizeof(e->state));
    e->url = st_dup_col(q, 5);
    e->dest = st_dup_col(q, 6);
    e->attempts = (long)db_int(q, 7);
    e->last_status = (int)db_int(q, 8);
    e->last_error = st_dup_col(q, 9);
    e->created_ms = db_int(q, 10);
    e->next_ms = db_int(q, 11);
    e->deadline_ms = db_int(q, 12);
    e->done_ms = db_int(q, 13);
}

long store_hook_events_list(struct store *s, const char *account, const char *subject, const char *state,
                            long limit, void (*fn)(const struct store_hook_event *e, void *arg), void *arg)
{
    struct store_hook_event e;
    struct db_q *q;
    long n = 0;
    int rc = 0;

    q = st_rows(s,
                "SELECT " EVENT_COLS " FROM hook_events WHERE account = $1 AND ($2 = '' OR subject = $2 OR id = $2) "
                "AND ($3 = '' OR state = $3) ORDER BY created_ms DESC, id LIMIT $4",
                DB_ARGS(DB_T(account), DB_T(subject ? subject : ""), DB_T(state ? state : ""), DB_I(limit)));
    while (q && (rc = db_next(q)) == 1) {
        read_event(q, &e);
        fn(&e, arg);
        store_hook_event_release(&e);
        n++;
    }
    return st_rows_end(s, q, rc, n);
}

long store_hook_attempts(struct store *s, const char *id,
                         void (*fn)(const struct store_hook_attempt *a, void *arg), void *arg)
{
    struct db_q *q;
    long n = 0;
    int rc = 0;

    q = st_rows(s, "SELECT n, at_ms, ms, status, error FROM hook_attempts WHERE event_id = $1 ORDER BY n",
                DB_ARGS(DB_T(id)));
    while (q && (rc = db_next(q)) == 1) {
        struct store_hook_attempt a = {(long)db_int(q, 0), db_int(q, 1), (long)db_int(q, 2), (int)db_int(q, 3),
                                       db_text(q, 4) ? db_text(q, 4) : ""};
        fn(&a, arg);
        n++;
    }
    return st_rows_end(s, q, rc, n);
}

int store_hook_replay(struct store *s, const char *account, const char *id, int64_t now_ms, int64_t deadline_ms)
{
    struct db_q *q;
    int rc, ret;

    q = st_row(s, "SELECT state FROM hook_events WHERE id = $1 AND account = $2", DB_ARGS(DB_T(id), DB_T(account)),
               &rc);
    if (!q)
        return (int)st_row_end(s, q, rc);
    ret = strcmp(db_text(q, 0), "pending") == 0 ? 2 : 0;
    db_end(q);
    if (ret == 0 &&
        db_do(s->db,
              "UPDATE hook_events SET state = 'pending', next_ms = $3, deadline_ms = $4, lease_ms = 0, done_ms = NULL "
              "WHERE id = $1 AND account = $2 AND state != 'pending'",
              DB_ARGS(DB_T(id), DB_T(account), DB_I(now_ms), DB_I(deadline_ms))) < 0)
        ret = -1;
    pthread_mutex_unlock(&s->mu);
    return ret;
}

long store_hook_claim(struct store *s, const char *owner, struct store_hook_record *r, size_t nr, int64_t now_ms,
                      int64_t lease_until_ms, long per_dest, struct store_hook_event *out, long max)
{
    struct db_q *q = NULL;
    long n = 0, kept = 0;
    int rc = 0;
    /* Per destination, the earliest due, as many as per_dest less those
     * leased now (in flight, by any daemon): a receiver with a backlog of
     * thousands cannot fill the batch and starve the others, and all the
     * daemons together send it at most per_dest at once. */
    static const char sql[] =
        "SELECT " EVENT_COLS_OF("d.") ", d.body, w.secret, CASE WHEN w.prev_until_ms > $1 THEN w.prev_secret END FROM ("
        "  SELECT e.*, ROW_NUMBER() OVER (PARTITION BY dest ORDER BY next_ms, created_ms) AS rn FROM hook_events e"
        "  WHERE state = 'pending' AND next_ms <= $1 AND lease_ms <= $1) d"
        " JOIN webhooks w ON w.account = d.account"
        " LEFT JOIN (SELECT dest, COUNT(*) AS n FROM hook_events WHERE state = 'pending' AND lease_ms > $1"
        "  GROUP BY dest) b ON b.dest = d.dest"
        " WHERE d.rn + COALESCE(b.n, 0) <= $2 ORDER BY d.next_ms LIMIT $3";

    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0 || record_in_tx(s, owner, r, nr) < 0)
        goto fail;
    /* One daemon's claim at a time, so that two never both see a
     * destination's last free place (SQLite: BEGIN IMMEDIATE did). */
    if (max > 0 && db_is_pg(s->db) && db_do(s->db, "SELECT pg_advisory_xact_lock(7463303)", NULL, 0) < 0)
        goto fail;
    if (max > 0 && !(q = db_run(s->db, sql, DB_ARGS(DB_I(now_ms), DB_I(per_dest), DB_I(max)))))
        goto fail;
    while (q && n < max && (rc = db_next(q)) == 1) {
        struct store_hook_event *e = &out[n++];
        read_event(q, e);
        e->body = st_dup_col(q, 14);
        e->secret = st_dup_col(q, 15);
        e->prev_secret = st_dup_col(q, 16);
    }
    db_end(q);
    q = NULL;
    if (rc < 0)
        goto fail;
    /* Taken only if still free: another daemon's claim of the same row
     * (PostgreSQL: it waits for that one's commit, then sees the lease)
     * leaves it to that one. */
    for (long k = 0; k < n; k++) {
        long taken = db_do(s->db, "UPDATE hook_events SET lease_ms = $2, owner = $3 WHERE id = $1 AND lease_ms <= $4 "
                           "AND state = 'pending'",
                           DB_ARGS(DB_T(out[k].id), DB_I(lease_until_ms), DB_T(owner), DB_I(now_ms)));
        if (taken < 0)
            goto fail;
        if (taken == 0)
            store_hook_event_release(&out[k]);
        else if (kept != k) {
            out[kept++] = out[k];
            memset(&out[k], 0, sizeof(out[k]));
        } else {
            kept++;
        }
    }
    if (db_commit(s->db) < 0)
        goto fail;
    pthread_mutex_unlock(&s->mu);
    return kept;
fail:
    log_msg(LOG_WARNING, "store hook claim: %s", db_error(s->db));
    db_end(q);
    db_rollback(s->db);
    pthread_mutex_unlock(&s->mu);
    for (long k = 0; k < n; k++)
        if (out[k].url || out[k].dest || out[k].body)
            store_hook_event_release(&out[k]);
    return -1;
}

/* Records n outcomes inside the caller's transaction. Returns 0 or -1. */
static int record_in_tx(struct store *s, const char *owner, struct store_hook_record *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct store_hook_attempt *a = &r[i].a;
        long k = db_do(s->db,
                       "UPDATE hook_events SET state = $3, attempts = attempts + 1, next_ms = $4, lease_ms = 0, "
                       "owner = NULL, last_status = $5, last_error = $6, "
                       "done_ms = CASE WHEN $3 = 'pending' THEN NULL ELSE $7 END "
                       "WHERE id = $1 AND owner = $2 AND state = 'pending'",
                       DB_ARGS(DB_T(r[i].id), DB_T(owner), DB_T(r[i].state), DB_I(r[i].next_ms), DB_I(a->status),
                               DB_T(a->error), DB_I(a->at_ms + a->ms)));
        if (k < 0)
            return -1;
        r[i].lost = k == 0;   /* the lease passed and another daemon has it (or had it) */
        if (k > 0 &&
            db_do(s->db,
                  "INSERT INTO hook_attempts(event_id, n, at_ms, status, error, ms, owner) "
                  "VALUES($1, (SELECT attempts FROM hook_events WHERE id = $1), $2, $3, $4, $5, $6) "
                  "ON CONFLICT(event_id, n) DO NOTHING",
                  DB_ARGS(DB_T(r[i].id), DB_I(a->at_ms), DB_I(a->status), DB_T(a->error), DB_I(a->ms),
                          DB_T(owner))) < 0)
            return -1;
    }
    return 0;
}

long store_hook_unclaim(struct store *s, const char *owner)
{
    long n;

    pthread_mutex_lock(&s->mu);
    n = db_do(s->db, "UPDATE hook_events SET lease_ms = 0, owner = NULL WHERE owner = $1 AND state = 'pending'",
              DB_ARGS(DB_T(owner)));
    pthread_mutex_unlock(&s->mu);
    return n;
}

int store_hook_stats(struct store *s, long *pending, int64_t *oldest_ms, long *dead)
{
    struct db_q *q;
    int rc;

    q = st_row(s,
               "SELECT (SELECT COUNT(*) FROM hook_events WHERE state = 'pending'), "
               "(SELECT COALESCE(MIN(created_ms), 0) FROM hook_events WHERE state = 'pending'), "
               "(SELECT COUNT(*) FROM hook_events WHERE state = 'dead')",
               NULL, 0, &rc);
    if (q) {
        *pending = (long)db_int(q, 0);
        *oldest_ms = db_int(q, 1);
        *dead = (long)db_int(q, 2);
    }
    return (int)st_row_end(s, q, q ? 0 : -1);
}
