/* db: SQLite and PostgreSQL behind one interface (see db.h). */
#include "db.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define DB_MAX_ARGS 16
#define PG_INT8OID 20
#define PG_TEXTOID 25

/* PostgreSQL: each distinct SQL text is prepared once per connection and
 * then only executed (no parse and plan per call); a reconnection forgets
 * them. The store has about forty texts. */
#define DB_MAX_PREPARED 128

/* PostgreSQL: how long a statement (or a connection attempt) may take
 * before the API gives up on it (db_set_timeout_ms); after a failure the
 * connection is not tried again for DB_RETRY_MS: calls fail at once. */
static atomic_long timeout_ms = 3000;
#define DB_RETRY_MS 2000

void db_set_timeout_ms(long ms)
{
    atomic_store(&timeout_ms, ms);
}

struct db {
    sqlite3 *lite;    /* one of the two */
    PGconn *pg;
    int64_t down_until;   /* util_mono_ms: calls fail at once until then */
    char *prepared[DB_MAX_PREPARED];   /* SQL texts prepared as "s<index>" */
    int nprepared;
    int in_tx;        /* between db_begin and its commit or rollback */
    char err[256];
};

static void forget_prepared(struct db *d)
{
    for (int i = 0; i < d->nprepared; i++)
        free(d->prepared[i]);
    d->nprepared = 0;
}

struct db_q {
    struct db *d;
    sqlite3_stmt *st;   /* SQLite: stepped by db_next */
    PGresult *res;      /* PostgreSQL: every row at once */
    int row, nrows;
};

int db_target_is_pg(const char *target)
{
    return strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0 ||
           strstr(target, "dbname=") != NULL;
}

int db_is_pg(const struct db *d)
{
    return d->pg != NULL;
}

const char *db_error(struct db *d)
{
    return d->err;
}

static void set_err(struct db *d, const char *what)
{
    const char *why = d->pg ? PQerrorMessage(d->pg) : sqlite3_errmsg(d->lite);
    size_t n;

    snprintf(d->err, sizeof(d->err), "%s%s%s", what ? what : "", what ? ": " : "", why);
    n = strlen(d->err);
    while (n > 0 && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
        d->err[--n] = '\0';
}

/* A lost PostgreSQL connection (the server restarted, a network cut) is
 * made again before the next call that is not inside a transaction: the
 * call that found it lost has failed, and so does the rest of its
 * transaction (a new connection would run its remaining statements
 * outside it). Returns 0 when the connection is usable. */
static int pg_ready(struct db *d)
{
    if (PQstatus(d->pg) == CONNECTION_OK)
        return 0;
    if (d->in_tx)
        return -1;
    if (util_mono_ms() < d->down_until) {
        snprintf(d->err, sizeof(d->err), "PostgreSQL unreachable (retried every %d ms)", DB_RETRY_MS);
        return -1;
    }
    log_msg(LOG_WARNING, "store: connection to PostgreSQL lost; reconnecting");
    forget_prepared(d);
    PQreset(d->pg);   /* connect_timeout bounds it (pg_connect) */
    if (PQstatus(d->pg) != CONNECTION_OK) {
        snprintf(d->err, sizeof(d->err), "PostgreSQL unreachable: %s", PQerrorMessage(d->pg));
        d->down_until = util_mono_ms() + DB_RETRY_MS;
        return -1;
    }
    log_msg(LOG_INFO, "store: reconnected to PostgreSQL");
    return 0;
}

/* Waits for the answer to what was just sent (sent: the PQsend* call's
 * return), at most the timeout: a server that stops answering (its socket
 * still open, so neither TCP nor keepalives notice) costs one timeout, not
 * a thread for ever. On timeout the connection is shut (made again by a
 * later call, not before DB_RETRY_MS). Returns the last result, or NULL
 * with d->err set. */
static PGresult *pg_wait(struct db *d, int sent)
{
    int64_t deadline = util_mono_ms() + atomic_load(&timeout_ms);
    PGresult *res, *last = NULL;
    struct pollfd p;
    int f;

    if (!sent) {
        snprintf(d->err, sizeof(d->err), "%s", PQerrorMessage(d->pg));
        return NULL;
    }
    p.fd = PQsocket(d->pg);
    while ((f = PQflush(d->pg)) == 1) {
        int64_t left = deadline - util_mono_ms();
        p.events = POLLOUT | POLLIN;
        if (left <= 0)
            goto timeout;
        if (poll(&p, 1, (int)left) > 0 && (p.revents & POLLIN) && !PQconsumeInput(d->pg))
            break;
    }
    for (;;) {
        while (PQisBusy(d->pg)) {
            int64_t left = deadline - util_mono_ms();
            p.events = POLLIN;
            if (left <= 0)
                goto timeout;
            if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
                break;
            if (!PQconsumeInput(d->pg))
                break;   /* lost: PQgetResult says so */
        }
        if (!(res = PQgetResult(d->pg)))
            break;
        PQclear(last);
        last = res;
        if (PQstatus(d->pg) == CONNECTION_BAD)
            break;
    }
    if (!last)
        snprintf(d->err, sizeof(d->err), "%s", PQerrorMessage(d->pg));
    return last;
timeout:
    snprintf(d->err, sizeof(d->err), "PostgreSQL did not answer within %ld ms", (long)atomic_load(&timeout_ms));
    log_msg(LOG_ERR, "store: %s; closing the connection", d->err);
    shutdown(p.fd, SHUT_RDWR);
    PQconsumeInput(d->pg);   /* sees the shut socket: CONNECTION_BAD */
    while ((res = PQgetResult(d->pg)) && PQstatus(d->pg) != CONNECTION_BAD)
        PQclear(res);
    PQclear(res);
    PQclear(last);
    d->down_until = util_mono_ms() + DB_RETRY_MS;
    return NULL;
}

/* Executes sql as a prepared statement, preparing it first if this
 * connection has not (when the cache is full: a one-off). Argument types
 * are part of a statement: the store always passes the same ones for a
 * text, as each call site is one text. */
static PGresult *pg_prepared_exec(struct db *d, const char *sql, int nargs, const unsigned *types,
                                  const char *const *values)
{
    char name[16];
    PGresult *res;
    int i;

    for (i = 0; i < d->nprepared && strcmp(d->prepared[i], sql) != 0; i++)
        ;
    if (i == d->nprepared) {
        if (i == DB_MAX_PREPARED)
            return pg_wait(d, PQsendQueryParams(d->pg, sql, nargs, types, values, NULL, NULL, 0));
        snprintf(name, sizeof(name), "s%d", i);
        res = pg_wait(d, PQsendPrepare(d->pg, name, sql, nargs, types));
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            return res;   /* the error, for the caller */
        PQclear(res);
        d->prepared[i] = util_strdup(sql);
        d->nprepared++;
    }
    snprintf(name, sizeof(name), "s%d", i);
    return pg_wait(d, PQsendQueryPrepared(d->pg, name, nargs, values, NULL, NULL, 0));
}

/* 1 if res failed because the connection was lost (the server restarted
 * since the last call) outside a transaction, and a new one is ready: the
 * statement is then sent again, once. Every statement the store runs
 * outside a transaction can run twice (reads, marks, upserts, deletes). */
static int lost_outside_tx(struct db *d, const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);

    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || d->in_tx || PQstatus(d->pg) != CONNECTION_BAD ||
        util_mono_ms() < d->down_until)
        return 0;   /* (a timeout: not tried again at once) */
    return pg_ready(d) == 0;
}

static PGresult *pg_exec(struct db *d, const char *sql, const struct db_arg *args, int nargs)
{
    const char *values[DB_MAX_ARGS];
    unsigned types[DB_MAX_ARGS];
    char nums[DB_MAX_ARGS][24];
    PGresult *res;

    if (nargs > DB_MAX_ARGS) {
        snprintf(d->err, sizeof(d->err), "too many arguments (%d)", nargs);
        return NULL;
    }
    if (pg_ready(d) < 0) {
        if (d->in_tx)
            snprintf(d->err, sizeof(d->err), "PostgreSQL connection lost in a transaction");
        return NULL;
    }
    for (int i = 0; i < nargs; i++) {
        /* NULL: no type, the server takes the column's */
        types[i] = args[i].type == 'i' ? PG_INT8OID : args[i].type == 't' ? PG_TEXTOID : 0;
        values[i] = NULL;
        if (args[i].type == 'i') {
            snprintf(nums[i], sizeof(nums[i]), "%" PRId64, args[i].i);
            values[i] = nums[i];
        } else if (args[i].type == 't') {
            values[i] = args[i].t;
        }
    }
    res = pg_prepared_exec(d, sql, nargs, types, values);
    if (lost_outside_tx(d, res)) {   /* once, on a new connection */
        PQclear(res);
        res = pg_prepared_exec(d, sql, nargs, types, values);
    }
    if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (res)   /* else pg_wait said why */
            snprintf(d->err, sizeof(d->err), "%s%s%s", PQresultErrorMessage(res), state ? " sqlstate " : "",
                     state ? state : "");
        PQclear(res);
        return NULL;
    }
    return res;
}

/* SQLite: " FOR UPDATE" at the end is PostgreSQL's; the write lock is held
 * from BEGIN IMMEDIATE already. */
static sqlite3_stmt *lite_prepare(struct db *d, const char *sql, const struct db_arg *args, int nargs)
{
    static const char fu[] = " FOR UPDATE";
    size_t len = strlen(sql), fl = sizeof(fu) - 1;
    sqlite3_stmt *st = NULL;
    char name[16];

    if (len >= fl && strcmp(sql + len - fl, fu) == 0)
        len -= fl;
    if (sqlite3_prepare_v2(d->lite, sql, (int)len, &st, NULL) != SQLITE_OK) {
        set_err(d, "prepare");
        return NULL;
    }
    for (int i = 0; i < nargs; i++) {
        int k;
        snprintf(name, sizeof(name), "$%d", i + 1);
        k = sqlite3_bind_parameter_index(st, name);
        if (k == 0)
            continue;   /* not used by this text */
        if (args[i].type == 'i')
            sqlite3_bind_int64(st, k, args[i].i);
        else if (args[i].type == 't' && args[i].t)
            sqlite3_bind_text(st, k, args[i].t, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, k);
    }
    return st;
}

struct db_q *db_run(struct db *d, const char *sql, const struct db_arg *args, int nargs)
{
    struct db_q *q = calloc(1, sizeof(*q));

    if (!q) {
        snprintf(d->err, sizeof(d->err), "out of memory");
        return NULL;
    }
    q->d = d;
    q->row = -1;
    if (d->pg) {
        q->res = pg_exec(d, sql, args, nargs);
        if (q->res)
            q->nrows = PQntuples(q->res);
    } else {
        q->st = lite_prepare(d, sql, args, nargs);
    }
    if (!q->res && !q->st) {
        log_msg(LOG_ERR, "store: %s", d->err);
        free(q);
        return NULL;
    }
    return q;
}

int db_next(struct db_q *q)
{
    int rc;

    if (q->res)
        return ++q->row < q->nrows ? 1 : 0;
    rc = sqlite3_step(q->st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    set_err(q->d, "step");
    log_msg(LOG_ERR, "store: %s", q->d->err);
    return -1;
}

const char *db_text(struct db_q *q, int col)
{
    if (q->res)
        return PQgetisnull(q->res, q->row, col) ? NULL : PQgetvalue(q->res, q->row, col);
    return (const char *)sqlite3_column_text(q->st, col);
}

int64_t db_int(struct db_q *q, int col)
{
    if (q->res) {
        const char *t = db_text(q, col);
        return t ? strtoll(t, NULL, 10) : 0;
    }
    return sqlite3_column_int64(q->st, col);
}

int db_null(struct db_q *q, int col)
{
    if (q->res)
        return PQgetisnull(q->res, q->row, col);
    return sqlite3_column_type(q->st, col) == SQLITE_NULL;
}

size_t db_bytes(struct db_q *q, int col)
{
    if (q->res)
        return (size_t)PQgetlength(q->res, q->row, col);
    return (size_t)sqlite3_column_bytes(q->st, col);
}

void db_end(struct db_q *q)
{
    if (!q)
        return;
    PQclear(q->res);
    sqlite3_finalize(q->st);
    free(q);
}

long db_do(struct db *d, const char *sql, const struct db_arg *args, int nargs)
{
    long n = -1;

    if (d->pg) {
        PGresult *res = pg_exec(d, sql, args, nargs);
        if (res) {
            n = strtol(PQcmdTuples(res), NULL, 10);
            PQclear(res);
        }
    } else {
        sqlite3_stmt *st = lite_prepare(d, sql, args, nargs);
        int rc = SQLITE_ERROR;
        if (st) {
            while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                ;
            if (rc == SQLITE_DONE)
                n = sqlite3_changes(d->lite);
            else
                set_err(d, "step");
        }
        sqlite3_finalize(st);
    }
    if (n < 0)
        log_msg(LOG_ERR, "store: %s", d->err);
    return n;
}

int db_exec(struct db *d, const char *sql)
{
    if (d->pg) {
        PGresult *res;
        int ok;
        if (pg_ready(d) < 0)
            return -1;
        res = pg_wait(d, PQsendQuery(d->pg, sql));
        if (lost_outside_tx(d, res)) {   /* BEGIN, say, after a server restart */
            PQclear(res);
            res = pg_wait(d, PQsendQuery(d->pg, sql));
        }
        ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
        if (!ok && res)
            snprintf(d->err, sizeof(d->err), "%s", PQresultErrorMessage(res));
        PQclear(res);
        return ok ? 0 : -1;
    }
    char *msg = NULL;
    int rc = sqlite3_exec(d->lite, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        snprintf(d->err, sizeof(d->err), "%s", msg ? msg : "failed");
    sqlite3_free(msg);
    return rc == SQLITE_OK ? 0 : -1;
}

int db_begin(struct db *d)
{
    if (db_exec(d, d->pg ? "BEGIN" : "BEGIN IMMEDIATE") < 0) {
        log_msg(LOG_ERR, "store: begin: %s", d->err);
        return -1;
    }
    d->in_tx = 1;
    return 0;
}

int db_lost(const struct db *d)
{
    return d->pg && PQstatus(d->pg) != CONNECTION_OK;
}

int db_commit(struct db *d)
{
    if (db_exec(d, "COMMIT") < 0) {
        log_msg(LOG_ERR, "store: commit: %s", d->err);
        return -1;   /* the caller rolls back */
    }
    d->in_tx = 0;
    return 0;
}

void db_rollback(struct db *d)
{
    char keep[sizeof(d->err)];
    memcpy(keep, d->err, sizeof(keep));   /* the error that made us roll back */
    db_exec(d, "ROLLBACK");   /* fails on a lost connection: the transaction is gone with it */
    d->in_tx = 0;
    memcpy(d->err, keep, sizeof(keep));
}

/* Server notices (e.g. "relation already exists, skipping") are not errors. */
static void pg_notice(void *arg, const char *message)
{
    (void)arg;
    log_msg(LOG_DEBUG, "postgresql: %s", message);
}

static PGconn *pg_connect(const char *target, char *errstr, size_t errstr_size)
{
    /* Bounds on a dead server or network, unless the URL sets its own
     * (its values come after these and win): the connection attempt, TCP
     * keepalives, unacknowledged data, and, set in the start-up message
     * (so every reconnection has them too), statements the server works
     * on past the timeout (lock waits included) and transactions left open. */
    char ct[24], tu[24], opts[128];
    const char *keys[] = {"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                          "keepalives_count", "tcp_user_timeout", "options", "dbname", NULL};
    const char *vals[] = {ct, "1", "5", "2", "3", tu, opts, target, NULL};
    long t = atomic_load(&timeout_ms);
    PGconn *c;

    snprintf(ct, sizeof(ct), "%ld", t < 2000 ? 2 : (t + 999) / 1000);   /* whole seconds, at least 2 */
    snprintf(tu, sizeof(tu), "%ld", t);
    snprintf(opts, sizeof(opts), "-c statement_timeout=%ld -c idle_in_transaction_session_timeout=%ld", t, 4 * t);
    c = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(c) != CONNECTION_OK) {
        snprintf(errstr, errstr_size, "connect to PostgreSQL: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, pg_notice, NULL);
    return c;
}

int db_open(struct db **out, const char *target, char *errstr, size_t errstr_size)
{
    struct db *d = calloc(1, sizeof(*d));

    if (!d) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    if (db_target_is_pg(target)) {
        d->pg = pg_connect(target, errstr, errstr_size);
        if (!d->pg) {
            free(d);
            return -1;
        }
    } else if (sqlite3_open_v2(target, &d->lite, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                               NULL) != SQLITE_OK) {
        snprintf(errstr, errstr_size, "open %s: %s", target, d->lite ? sqlite3_errmsg(d->lite) : "out of memory");
        sqlite3_close(d->lite);
        free(d);
        return -1;
    } else {
        sqlite3_busy_timeout(d->lite, 5000);
    }
    *out = d;
    return 0;
}

void db_close(struct db *d)
{
    if (!d)
        return;
    forget_prepared(d);
    PQfinish(d->pg);
    sqlite3_close(d->lite);
    free(d);
}

struct db_listener {
    char *target, *channel;
    void (*fn)(const char *payload, void *arg);
    void *arg;
    atomic_int stop;
    pthread_t thread;
};

/* Connects and LISTENs. Returns the connection or NULL (logged). */
static PGconn *listen_connect(struct db_listener *l, char *errstr, size_t errstr_size)
{
    PGconn *c = pg_connect(l->target, errstr, errstr_size);
    char *ident, sql[160];
    PGresult *res;

    if (!c)
        return NULL;
    ident = PQescapeIdentifier(c, l->channel, strlen(l->channel));
    snprintf(sql, sizeof(sql), "LISTEN %s", ident ? ident : "\"\"");
    PQfreemem(ident);
    res = PQexec(c, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        snprintf(errstr, errstr_size, "LISTEN %s: %s", l->channel, PQerrorMessage(c));
        PQclear(res);
        PQfinish(c);
        return NULL;
    }
    PQclear(res);
    return c;
}

static void *listen_main(void *arg)
{
    struct db_listener *l = arg;
    PGconn *c = NULL;
    char errstr[256];

    while (!atomic_load(&l->stop)) {
        struct pollfd p;
        PGnotify *n;

        if (!c) {
            if (!(c = listen_connect(l, errstr, sizeof(errstr)))) {
                log_msg(LOG_WARNING, "store listener: %s; retrying in 1 s", errstr);
                for (int i = 0; i < 10 && !atomic_load(&l->stop); i++)
                    usleep(100000);
                continue;
            }
            log_msg(LOG_INFO, "store listener: listening on %s", l->channel);
            l->fn(NULL, l->arg);   /* what came while we were away is in the store: look again */
        }
        p.fd = PQsocket(c);
        p.events = POLLIN;
        if (poll(&p, 1, 200) < 0 && errno != EINTR)
            break;
        if (!PQconsumeInput(c)) {
            log_msg(LOG_WARNING, "store listener: %s", PQerrorMessage(c));
            PQfinish(c);
            c = NULL;
            continue;
        }
        while ((n = PQnotifies(c)) != NULL) {
            l->fn(n->extra, l->arg);
            PQfreemem(n);
        }
    }
    PQfinish(c);
    return NULL;
}

struct db_listener *db_listen_start(const char *target, const char *channel, void (*fn)(const char *payload, void *arg),
                                    void *arg, char *errstr, size_t errstr_size)
{
    struct db_listener *l = calloc(1, sizeof(*l));

    if (!l) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    l->target = util_strdup(target);
    l->channel = util_strdup(channel);
    l->fn = fn;
    l->arg = arg;
    if (pthread_create(&l->thread, NULL, listen_main, l) != 0) {
        snprintf(errstr, errstr_size, "cannot start the store listener thread");
        goto fail;
    }
    return l;
fail:
    free(l->target);
    free(l->channel);
    free(l);
    return NULL;
}

void db_listen_stop(struct db_listener *l)
{
    if (!l)
        return;
    atomic_store(&l->stop, 1);
    pthread_join(l->thread, NULL);
    free(l->target);
    free(l->channel);
    free(l);
}
