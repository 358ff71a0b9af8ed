/* store: the API's persistence (see store.h), one set of queries over
 * SQLite or PostgreSQL (db.h). SQLite: WAL with synchronous=NORMAL, a
 * commit survives a crash of the API (the SIGKILL test), a power loss may
 * lose the last commits. PostgreSQL: shared by every API; whatever two
 * APIs could do at once to one account or job is serialized by locking
 * its row (SELECT ... FOR UPDATE) at the start of the transaction. */
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

/* NOTIFY channel of stored results: the payload is a job or batch id. */
#define STORE_CHANNEL "execq_done"

struct store {
    struct db *db;
    pthread_mutex_t mu;         /* one connection: one caller at a time */
    char *target;               /* for the listener's own connection */
    struct db_listener *listener;
};

static const char *lite_schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA foreign_keys=ON;"
    /* The WAL is cut back to 64 MiB at each checkpoint (SQLite checkpoints
     * every 1000 pages by itself); without a limit it keeps its peak size. */
    "PRAGMA journal_size_limit=67108864;"
    "CREATE TABLE IF NOT EXISTS accounts("
    "  id TEXT PRIMARY KEY, key_hash TEXT UNIQUE NOT NULL, balance INTEGER NOT NULL CHECK(balance >= 0),"
    "  granted INTEGER NOT NULL, created_ms INTEGER NOT NULL);"
    /* One charge per job id, one refund at most: the primary key makes a
     * second charge of the same job impossible, whatever is retried. */
    "CREATE TABLE IF NOT EXISTS ledger("
    "  job_id TEXT NOT NULL, account TEXT NOT NULL REFERENCES accounts(id),"
    "  kind TEXT NOT NULL CHECK(kind IN ('charge','refund')), amount INTEGER NOT NULL, at_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(job_id, kind));"
    "CREATE INDEX IF NOT EXISTS ledger_account ON ledger(account);"
    "CREATE TABLE IF NOT EXISTS batches("
    "  id TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id), size INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS jobs("
    "  id TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id), batch_id TEXT, seq INTEGER,"
    "  kind TEXT NOT NULL, status TEXT NOT NULL, message TEXT, produced INTEGER NOT NULL DEFAULT 0,"
    "  result TEXT, created_ms INTEGER NOT NULL, finished_ms INTEGER);"
    "CREATE INDEX IF NOT EXISTS jobs_batch ON jobs(batch_id, seq);"
    "CREATE INDEX IF NOT EXISTS jobs_unproduced ON jobs(produced) WHERE produced = 0;"
    "CREATE INDEX IF NOT EXISTS jobs_open ON jobs(created_ms) WHERE status != 'completed';"
    "CREATE TABLE IF NOT EXISTS idempotency("
    "  account TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL, status INTEGER NOT NULL,"
    "  response TEXT NOT NULL, PRIMARY KEY(account, key));"
    "CREATE TABLE IF NOT EXISTS signups(addr TEXT NOT NULL, at_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS signups_addr ON signups(addr, at_ms);";

/* SQLite: schema changes, in order; PRAGMA user_version counts those applied. A
 * store made by an older execq is brought up to date at start, in one
 * transaction per step. */
static const char *lite_migrations[] = {
    /* 1: account totals kept as they change (a GET no longer sums the
     * ledger), each batch's count of finished jobs (a batch waiter wakes
     * once, when it completes), idempotency keys scoped by route and
     * dated (they expire). */
    "ALTER TABLE accounts ADD COLUMN charged INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts ADD COLUMN refunded INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts ADD COLUMN runs INTEGER NOT NULL DEFAULT 0;"
    "UPDATE accounts SET"
    " charged = (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE account = accounts.id AND kind = 'charge'),"
    " refunded = (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE account = accounts.id AND kind = 'refund'),"
    " runs = (SELECT COUNT(CASE WHEN kind = 'charge' THEN 1 END) - COUNT(CASE WHEN kind = 'refund' THEN 1 END)"
    "         FROM ledger WHERE account = accounts.id);"
    "ALTER TABLE batches ADD COLUMN done INTEGER NOT NULL DEFAULT 0;"
    "UPDATE batches SET done = (SELECT COUNT(*) FROM jobs WHERE batch_id = batches.id AND status = 'completed');"
    "CREATE TABLE idempotency_v1("
    "  account TEXT NOT NULL, route TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL,"
    "  status INTEGER NOT NULL, response TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(account, route, key));"
    "INSERT INTO idempotency_v1 SELECT account, CASE WHEN response LIKE '{\"job_id\":%' AND status = 200"
    " THEN 'exec-python' WHEN response LIKE '%\"batch_id\"%' THEN 'batches' ELSE 'jobs' END,"
    " key, body_hash, status, response, 0 FROM idempotency;"
    "DROP TABLE idempotency;"
    "ALTER TABLE idempotency_v1 RENAME TO idempotency;"
    "CREATE INDEX idempotency_age ON idempotency(created_ms);"
    "CREATE INDEX IF NOT EXISTS jobs_finished ON jobs(finished_ms) WHERE status = 'completed';"
    "CREATE INDEX IF NOT EXISTS ledger_age ON ledger(at_ms);"
    "CREATE INDEX IF NOT EXISTS batches_age ON batches(created_ms);",
    /* 2: fair scheduling. An account's async and batch jobs beyond
     * --account-max-queued are held here (held = 1), not handed to Kafka,
     * and released as its jobs finish: Kafka's FIFO partitions then hold
     * at most that many of any one account's jobs ahead of another's. */
    "ALTER TABLE jobs ADD COLUMN held INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX jobs_held ON jobs(account, created_ms, seq) WHERE held = 1;"
    "CREATE INDEX jobs_inflight ON jobs(account, kind) WHERE status != 'completed';",
    /* 3: operations. An account may hold several keys while it rolls them
     * over (each may expire); accounts can be suspended; every operator
     * change is in the audit table (who, when, what, why). */
    "CREATE TABLE api_keys(hash TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id),"
    "  created_ms INTEGER NOT NULL, expires_ms INTEGER);"
    "INSERT INTO api_keys SELECT key_hash, id, created_ms, NULL FROM accounts;"
    "CREATE INDEX api_keys_account ON api_keys(account);"
    "ALTER TABLE accounts ADD COLUMN suspended TEXT;"
    "CREATE TABLE audit(at_ms INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, account TEXT NOT NULL,"
    "  detail TEXT NOT NULL, reason TEXT NOT NULL);"
    "CREATE INDEX audit_account ON audit(account, at_ms);",
    /* 4: per-account overrides of the limits (NULL: the configured default). */
    "ALTER TABLE accounts ADD COLUMN max_queued INTEGER;"
    "ALTER TABLE accounts ADD COLUMN max_open INTEGER;"
    "ALTER TABLE accounts ADD COLUMN requests_per_s INTEGER;"
    "ALTER TABLE accounts ADD COLUMN max_batch_jobs INTEGER;",
    /* 5: reply partitions leased to APIs (store_reply_claim). */
    "CREATE TABLE reply_leases(part INTEGER PRIMARY KEY, owner TEXT NOT NULL, until_ms INTEGER NOT NULL);",
    /* 6: each result's outcome (a real run's result replaces a "lost" or
     * "expired" one: store_results). */
    "ALTER TABLE jobs ADD COLUMN outcome TEXT;",
};

/* PostgreSQL: the same tables, in its types, as SQLite has them at its
 * schema version 4 (PostgreSQL's 1); later changes are added to both lists. execq_schema
 * holds the version applied; APIs starting at once take turns (an
 * advisory lock), and each step is one transaction. */
static const char *pg_migrations[] = {
    "CREATE TABLE accounts("
    "  id TEXT PRIMARY KEY, key_hash TEXT UNIQUE NOT NULL, balance BIGINT NOT NULL CHECK(balance >= 0),"
    "  granted BIGINT NOT NULL, created_ms BIGINT NOT NULL, charged BIGINT NOT NULL DEFAULT 0,"
    "  refunded BIGINT NOT NULL DEFAULT 0, runs BIGINT NOT NULL DEFAULT 0, suspended TEXT,"
    "  max_queued BIGINT, max_open BIGINT, requests_per_s BIGINT, max_batch_jobs BIGINT);"
    "CREATE TABLE ledger("
    "  job_id TEXT NOT NULL, account TEXT NOT NULL REFERENCES accounts(id),"
    "  kind TEXT NOT NULL CHECK(kind IN ('charge','refund')), amount BIGINT NOT NULL, at_ms BIGINT NOT NULL,"
    "  PRIMARY KEY(job_id, kind));"
    "CREATE INDEX ledger_account ON ledger(account);"
    "CREATE INDEX ledger_age ON ledger(at_ms);"
    "CREATE TABLE batches("
    "  id TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id), size BIGINT NOT NULL,"
    "  created_ms BIGINT NOT NULL, done BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX batches_age ON batches(created_ms);"
    "CREATE TABLE jobs("
    "  id TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id), batch_id TEXT, seq BIGINT,"
    "  kind TEXT NOT NULL, status TEXT NOT NULL, message TEXT, produced BIGINT NOT NULL DEFAULT 0,"
    "  result TEXT, created_ms BIGINT NOT NULL, finished_ms BIGINT, held BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX jobs_batch ON jobs(batch_id, seq);"
    "CREATE INDEX jobs_unproduced ON jobs(produced) WHERE produced = 0;"
    "CREATE INDEX jobs_open ON jobs(created_ms) WHERE status != 'completed';"
    "CREATE INDEX jobs_finished ON jobs(finished_ms) WHERE status = 'completed';"
    "CREATE INDEX jobs_held ON jobs(account, created_ms, seq) WHERE held = 1;"
    "CREATE INDEX jobs_inflight ON jobs(account, kind) WHERE status != 'completed';"
    "CREATE TABLE idempotency("
    "  account TEXT NOT NULL, route TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL,"
    "  status BIGINT NOT NULL, response TEXT NOT NULL, created_ms BIGINT NOT NULL,"
    "  PRIMARY KEY(account, route, key));"
    "CREATE INDEX idempotency_age ON idempotency(created_ms);"
    "CREATE TABLE signups(addr TEXT NOT NULL, at_ms BIGINT NOT NULL);"
    "CREATE INDEX signups_addr ON signups(addr, at_ms);"
    "CREATE TABLE api_keys(hash TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id),"
    "  created_ms BIGINT NOT NULL, expires_ms BIGINT);"
    "CREATE INDEX api_keys_account ON api_keys(account);"
    /* rowid: insertion order, as SQLite's implicit one (audit lists by it) */
    "CREATE TABLE audit(rowid BIGSERIAL PRIMARY KEY, at_ms BIGINT NOT NULL, actor TEXT NOT NULL,"
    "  action TEXT NOT NULL, account TEXT NOT NULL, detail TEXT NOT NULL, reason TEXT NOT NULL);"
    "CREATE INDEX audit_account ON audit(account, at_ms);",
    /* 2: reply partitions leased to APIs (store_reply_claim). */
    "CREATE TABLE reply_leases(part INTEGER PRIMARY KEY, owner TEXT NOT NULL, until_ms BIGINT NOT NULL);",
    /* 3: each result's outcome (SQLite's 6). */
    "ALTER TABLE jobs ADD COLUMN outcome TEXT;",
};

#define NELEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Applies the migrations this store lacks. Returns 0, or -1 with errstr. */
static int migrate_lite(struct db *d, char *errstr, size_t errstr_size)
{
    struct db_q *q;
    int version = 0, n = NELEMS(lite_migrations);
    char pragma[48];

    if (db_exec(d, lite_schema) < 0) {
        snprintf(errstr, errstr_size, "schema: %s", db_error(d));
        return -1;
    }
    if ((q = db_run(d, "PRAGMA user_version", NULL, 0)) && db_next(q) == 1)
        version = (int)db_int(q, 0);
    db_end(q);
    if (version > n) {
        snprintf(errstr, errstr_size, "the store is of schema version %d, newer than this execq-api (%d)", version, n);
        return -1;
    }
    for (int v = version; v < n; v++) {
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d;", v + 1);
        if (db_begin(d) < 0 || db_exec(d, lite_migrations[v]) < 0 || db_exec(d, pragma) < 0 || db_commit(d) < 0) {
            snprintf(errstr, errstr_size, "store migration %d: %s", v + 1, db_error(d));
            db_rollback(d);
            return -1;
        }
        log_msg(LOG_INFO, "store: schema brought to version %d", v + 1);
    }
    return 0;
}

static int migrate_pg(struct db *d, char *errstr, size_t errstr_size)
{
    struct db_q *q = NULL;
    int version = -1, n = NELEMS(pg_migrations);

    /* One transaction: a second API starting now waits at the lock and
     * then finds the work done. */
    if (db_begin(d) < 0 || db_exec(d, "SET LOCAL statement_timeout = 0") < 0 ||
        db_exec(d, "SELECT pg_advisory_xact_lock(7463301)") < 0 ||
        db_exec(d, "CREATE TABLE IF NOT EXISTS execq_schema(version INTEGER NOT NULL)") < 0)
        goto fail;
    if ((q = db_run(d, "SELECT COALESCE(MAX(version), 0) FROM execq_schema", NULL, 0)) && db_next(q) == 1)
        version = (int)db_int(q, 0);
    db_end(q);
    if (version < 0)
        goto fail;
    if (version > n) {
        db_rollback(d);
        snprintf(errstr, errstr_size, "the store is of schema version %d, newer than this execq-api (%d)", version, n);
        return -1;
    }
    for (int v = version; v < n; v++) {
        if (db_exec(d, pg_migrations[v]) < 0 || db_do(d, "DELETE FROM execq_schema", NULL, 0) < 0 ||
            db_do(d, "INSERT INTO execq_schema(version) VALUES($1)", DB_ARGS(DB_I(v + 1))) < 0)
            goto fail;
        log_msg(LOG_INFO, "store: schema brought to version %d", v + 1);
    }
    if (db_commit(d) < 0)
        goto fail;
    return 0;
fail:
    snprintf(errstr, errstr_size, "store schema: %s", db_error(d));
    db_rollback(d);
    return -1;
}

/* Store metrics: write latency (the lock held, the transaction done) per
 * operation, and the credits moved. */
static struct metric *m_charged, *m_refunded, *m_accept, *m_result;

static void store_metrics(void)
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

int store_open(struct store **out, const char *target, char *errstr, size_t errstr_size)
{
    struct store *s = calloc(1, sizeof(*s));
    struct db *d = NULL;
    int ret = -1;

    if (!s || !(s->target = util_strdup(target))) {
        snprintf(errstr, errstr_size, "out of memory");
        goto out;
    }
    store_metrics();
    if (db_open(&d, target, errstr, errstr_size) < 0)
        goto out;
    if ((db_is_pg(d) ? migrate_pg : migrate_lite)(d, errstr, errstr_size) < 0)
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
static struct db_q *first_row(struct store *s, const char *sql, const struct db_arg *args, int nargs, int *rc)
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

static void copy_col(struct db_q *q, int col, char *dst, size_t size)
{
    const char *t = db_text(q, col);
    snprintf(dst, size, "%s", t ? t : "");
}

static char *dup_col(struct db_q *q, int col)
{
    const char *t = db_text(q, col);
    return t ? util_strdup(t) : NULL;
}

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

    pthread_mutex_lock(&s->mu);
    q = first_row(s,
                  "SELECT k.account, a.suspended FROM api_keys k JOIN accounts a ON a.id = k.account "
                  "WHERE k.hash = $1 AND (k.expires_ms IS NULL OR k.expires_ms > $2)",
                  DB_ARGS(DB_T(key_hash), DB_I(util_wall_ms())), &ret);
    if (q) {
        copy_col(q, 0, id, 40);
        if (!db_null(q, 1)) {
            copy_col(q, 1, suspended, suspended_size);
            ret = 2;
        }
    }
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

/* Locks account's row until the transaction ends (PostgreSQL: another
 * API's accept, refund or release of this account waits; SQLite holds
 * the one write lock already). Caller holds s->mu in a transaction.
 * Returns 0 with *balance and *suspended (each when not NULL), 1 (no such
 * account) or -1. */
static int lock_account(struct store *s, const char *account, long *balance, int *suspended)
{
    int rc;
    struct db_q *q = first_row(s, "SELECT balance, CASE WHEN suspended IS NULL THEN 0 ELSE 1 END FROM accounts "
                                  "WHERE id = $1 FOR UPDATE",
                               DB_ARGS(DB_T(account)), &rc);

    if (q && balance)
        *balance = (long)db_int(q, 0);
    if (q && suspended)
        *suspended = (int)db_int(q, 1);
    db_end(q);
    return rc;
}

/* The request's Idempotency-Key, inside the transaction that makes its
 * change (the account's row locked, so a request with the same key waits
 * here for the first to commit). balance: the account's balance after the
 * change. Returns 1 when the key is live already (k's found_* filled), 0
 * when written now with its answer, -1 on error. */
static int idem_take(struct store *s, struct store_idem *k, long balance)
{
    struct db_q *q;
    char *made = NULL;
    const char *resp = k->response;
    long n;
    int rc;

    q = first_row(s,
                  "SELECT body_hash, status, response FROM idempotency WHERE account = $1 AND route = $2 AND key = $3 "
                  "AND created_ms >= $4",
                  DB_ARGS(DB_T(k->scope), DB_T(k->route), DB_T(k->key), DB_I(k->since_ms)), &rc);
    if (rc < 0)
        return -1;
    if (q) {
        copy_col(q, 0, k->found_hash, sizeof(k->found_hash));
        k->found_status = (int)db_int(q, 1);
        k->found_response = dup_col(q, 2);
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

/* After a COMMIT failed: whether it landed all the same. When the
 * connection was lost during it, the server may have committed before the
 * answer was lost: a row the transaction made (sql finds it; NULL: none
 * can tell) is read back on a new connection. Rolls back. Returns 1 (it
 * landed), 0 (it did not) or -1 (unknown). */
static int commit_landed(struct store *s, const char *sql, const struct db_arg *args, int nargs)
{
    int lost = db_lost(s->db), rc;
    struct db_q *q;

    db_rollback(s->db);
    if (!lost)
        return 0;   /* the server refused it: nothing was committed */
    if (!sql)
        return -1;
    q = first_row(s, sql, args, nargs, &rc);
    db_end(q);
    log_msg(rc < 0 ? LOG_ERR : LOG_WARNING, "store: the connection was lost during a COMMIT; read back: %s",
            rc == 0 ? "it landed" : rc == 1 ? "it did not land" : "unknown (the store is unreachable)");
    return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

/* One audit row; caller holds s->mu inside a transaction. Returns 0 or -1. */
static int audit(struct store *s, const char *actor, const char *action, const char *account, const char *detail,
                 const char *reason)
{
    return db_do(s->db, "INSERT INTO audit(at_ms, actor, action, account, detail, reason) VALUES($1,$2,$3,$4,$5,$6)",
                 DB_ARGS(DB_I(util_wall_ms()), DB_T(actor), DB_T(action), DB_T(account), DB_T(detail), DB_T(reason))) < 0
               ? -1
               : 0;
}

/* Runs sql (args: $1 is the account) and an audit row in one
 * transaction. Returns 0, 1 (no such account) or -1. */
static int change(struct store *s, const char *sql, const struct db_arg *args, int nargs, const char *actor,
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
    if (audit(s, actor, action, account, detail, reason) < 0 || db_commit(s->db) < 0)
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
    if ((rc = lock_account(s, account, &before, NULL)) != 0) {
        ret = rc;
        goto rollback;
    }
    if (idem && (rc = idem_take(s, idem, before + credits)) != 0) {
        ret = rc == 1 ? 2 : -1;
        goto rollback;
    }
    if (db_do(s->db, "UPDATE accounts SET balance = balance + $2, granted = granted + $2 WHERE id = $1",
              DB_ARGS(DB_T(account), DB_I(credits))) != 1 ||
        audit(s, actor, "grant", account, detail, reason) < 0)
        goto rollback;
    if (db_commit(s->db) < 0) {
        /* Lost during COMMIT: with a key, its row tells whether it landed. */
        rc = idem ? commit_landed(s, "SELECT 1 FROM idempotency WHERE account = $1 AND route = $2 AND key = $3 "
                                     "AND created_ms >= $4",
                                  DB_ARGS(DB_T(idem->scope), DB_T(idem->route), DB_T(idem->key), DB_I(idem->since_ms)))
                  : commit_landed(s, NULL, NULL, 0);
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
    return change(s, "UPDATE accounts SET suspended = $2 WHERE id = $1",
                  DB_ARGS(DB_T(account), DB_T(on ? reason : NULL)), actor, on ? "suspend" : "reinstate", "", reason);
}

int store_keys_expire(struct store *s, const char *account, const char *except_hash, const char *only_hash,
                      int64_t at_ms, const char *actor, const char *reason)
{
    char detail[64];
    snprintf(detail, sizeof(detail), "expires_ms=%lld", (long long)at_ms);
    /* $3 names the key to keep (rotation: the new one) or the only one to
     * expire (a user's own rotation: the key it called with). */
    return change(s,
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
    return change(s,
                  "INSERT INTO api_keys(hash, account, created_ms, expires_ms) SELECT $3, id, $2, "
                  "(SELECT expires_ms FROM api_keys WHERE account = $1 AND hash = $4) FROM accounts WHERE id = $1",
                  DB_ARGS(DB_T(account), DB_I(util_wall_ms()), DB_T(key_hash), DB_T(like_hash)), actor, "new key",
                  key_hash, reason);
}

long store_suspended_each(struct store *s, void (*fn)(const char *id, int64_t at_ms, void *arg), void *arg)
{
    struct db_q *q;
    long n = -1;
    int rc = -1;

    pthread_mutex_lock(&s->mu);
    q = db_run(s->db,
               "SELECT id, COALESCE((SELECT MAX(at_ms) FROM audit WHERE account = accounts.id AND action = 'suspend'), 0) "
               "FROM accounts WHERE suspended IS NOT NULL ORDER BY id",
               NULL, 0);
    for (n = 0; q && (rc = db_next(q)) == 1; n++)
        fn(db_text(q, 0), db_int(q, 1), arg);
    if (rc != 0)
        n = -1;
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return n;
}

long store_accounts_list(struct store *s, const char *search, long offset, long limit,
                         void (*fn)(const struct store_account *a, const char *suspended, void *arg), void *arg)
{
    struct db_q *q;
    long n = -1;
    int rc = -1;

    pthread_mutex_lock(&s->mu);
    q = db_run(s->db,
               db_is_pg(s->db) ? "SELECT id, balance, granted, created_ms, charged, refunded, runs, suspended FROM accounts "
                                 "WHERE strpos(id, $1) > 0 ORDER BY created_ms, id LIMIT $2 OFFSET $3"
                               : "SELECT id, balance, granted, created_ms, charged, refunded, runs, suspended FROM accounts "
                                 "WHERE instr(id, $1) > 0 ORDER BY created_ms, id LIMIT $2 OFFSET $3",
               DB_ARGS(DB_T(search ? search : ""), DB_I(limit), DB_I(offset)));
    for (n = 0; q && (rc = db_next(q)) == 1; n++) {
        struct store_account a;
        memset(&a, 0, sizeof(a));
        copy_col(q, 0, a.id, sizeof(a.id));
        a.balance = (long)db_int(q, 1);
        a.granted = (long)db_int(q, 2);
        a.created_ms = db_int(q, 3);
        a.charged = (long)db_int(q, 4);
        a.refunded = (long)db_int(q, 5);
        a.runs = (long)db_int(q, 6);
        fn(&a, db_text(q, 7), arg);
    }
    if (rc != 0)
        n = -1;
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return n;
}

long store_usage(struct store *s, const char *account, int64_t since_ms,
                 void (*fn)(const char *day, long runs, long charged, long refunded, long cpu_ms, void *arg), void *arg)
{
    char sql[1200];
    int pg = db_is_pg(s->db), rc = -1;
    struct db_q *q;
    long n = -1;

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
    pthread_mutex_lock(&s->mu);
    q = db_run(s->db, sql, DB_ARGS(DB_T(account), DB_I(since_ms)));
    for (n = 0; q && (rc = db_next(q)) == 1; n++)
        fn(db_text(q, 0), (long)db_int(q, 1), (long)db_int(q, 2), (long)db_int(q, 3), (long)db_int(q, 4), arg);
    if (rc != 0)
        n = -1;
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return n;
}

long store_audit_list(struct store *s, const char *account, long limit,
                      void (*fn)(int64_t at_ms, const char *actor, const char *action, const char *detail,
                                 const char *reason, void *arg),
                      void *arg)
{
    struct db_q *q;
    long n = -1;
    int rc = -1;

    pthread_mutex_lock(&s->mu);
    q = db_run(s->db,
               "SELECT at_ms, actor, action, detail, reason FROM audit WHERE account = $1 "
               "ORDER BY at_ms DESC, rowid DESC LIMIT $2",
               DB_ARGS(DB_T(account), DB_I(limit)));
    for (n = 0; q && (rc = db_next(q)) == 1; n++)
        fn(db_int(q, 0), db_text(q, 1), db_text(q, 2), db_text(q, 3), db_text(q, 4), arg);
    if (rc != 0)
        n = -1;
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return n;
}

long store_keys_list(struct store *s, const char *account,
                     void (*fn)(const char *hash, int64_t created_ms, int64_t expires_ms, void *arg), void *arg)
{
    struct db_q *q;
    long n = -1;
    int rc = -1;

    pthread_mutex_lock(&s->mu);
    q = db_run(s->db,
               "SELECT hash, created_ms, COALESCE(expires_ms, 0) FROM api_keys WHERE account = $1 "
               "ORDER BY created_ms, hash",
               DB_ARGS(DB_T(account)));
    for (n = 0; q && (rc = db_next(q)) == 1; n++)
        fn(db_text(q, 0), db_int(q, 1), db_int(q, 2), arg);
    if (rc != 0)
        n = -1;
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return n;
}

int store_account_get(struct store *s, const char *id, struct store_account *a)
{
    struct db_q *q;
    int ret;

    memset(a, 0, sizeof(*a));
    pthread_mutex_lock(&s->mu);
    /* The totals are kept as charges and refunds happen: one row read. */
    q = first_row(s, "SELECT balance, granted, created_ms, charged, refunded, runs FROM accounts WHERE id = $1",
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
    q = first_row(s, "SELECT COUNT(*) FROM signups WHERE addr = $1 AND at_ms > $2",
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

/* An account's unfinished async and batch jobs: all of them (held
 * included) into *open, those handed to Kafka into *queued. Caller holds
 * s->mu. Returns 0 or -1. */
static int open_jobs(struct store *s, const char *account, const struct store_limits *def, long *open, long *queued,
                     struct store_limits *eff)
{
    int rc;
    struct db_q *q = first_row(s,
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

    snprintf(detail, sizeof(detail), "max_queued=%ld max_open=%ld requests_per_s=%ld max_batch_jobs=%ld (-1: default)",
             v[0], v[1], v[2], v[3]);
    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0)
        goto unlock;
    changed = db_do(s->db,
                    "UPDATE accounts SET max_queued = $2, max_open = $3, requests_per_s = $4, max_batch_jobs = $5 "
                    "WHERE id = $1",
                    DB_ARGS(DB_T(account), limit_arg(v[0]), limit_arg(v[1]), limit_arg(v[2]), limit_arg(v[3])));
    if (changed < 0)
        goto rollback;
    if (changed == 0) {
        ret = 1;
        goto rollback;
    }
    if (audit(s, actor, "limits", account, detail, reason) < 0 || db_commit(s->db) < 0)
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

    pthread_mutex_lock(&s->mu);
    q = first_row(s, "SELECT max_queued, max_open, requests_per_s, max_batch_jobs FROM accounts WHERE id = $1",
                  DB_ARGS(DB_T(account)), &ret);
    for (int i = 0; q && i < STORE_NLIMITS; i++)
        v[i] = db_null(q, i) ? -1 : (long)db_int(q, i);
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

enum store_accept store_jobs_accept(struct store *s, const char *account, const char *batch_id,
                                    const struct job *jobs, char *const *json, size_t n,
                                    const struct store_limits *lim, struct store_idem *idem, long *balance,
                                    size_t *release)
{
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
    if (lock_account(s, account, balance, NULL) != 0)
        goto rollback;
    if (idem && (rc = idem_take(s, idem, *balance - total)) != 0) {
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
    if (batch_id && db_do(s->db, "INSERT INTO batches(id, account, size, created_ms) VALUES($1, $2, $3, $4)",
                          DB_ARGS(DB_T(batch_id), DB_T(account), DB_I(n), DB_I(now))) < 0)
        goto rollback;
    for (size_t i = 0; i < n; i++) {
        if (db_do(s->db,
                  "INSERT INTO jobs(id, account, batch_id, seq, kind, status, message, created_ms, held) "
                  "VALUES($1, $2, $3, $4, $5, 'queued', $6, $7, $8)",
                  DB_ARGS(DB_T(jobs[i].id), DB_T(account), DB_T(batch_id), DB_I(i), DB_T(jobs[i].kind), DB_T(json[i]),
                          DB_I(now), DB_I(i >= *release))) < 0 ||
            db_do(s->db, "INSERT INTO ledger(job_id, account, kind, amount, at_ms) VALUES($1, $2, 'charge', $3, $4)",
                  DB_ARGS(DB_T(jobs[i].id), DB_T(account), DB_I(jobs[i].credits), DB_I(now))) < 0)
            goto rollback;
    }
    if (db_do(s->db, "UPDATE accounts SET balance = balance - $1, charged = charged + $1, runs = runs + $2 WHERE id = $3",
              DB_ARGS(DB_I(total), DB_I(n), DB_T(account))) < 0)
        goto rollback;
    /* Lost during COMMIT: the jobs are there or not; the answer says which. */
    if (db_commit(s->db) < 0 &&
        (rc = commit_landed(s, "SELECT 1 FROM jobs WHERE id = $1", DB_ARGS(DB_T(jobs[0].id)))) != 1) {
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
    q = first_row(s,
                  pg ? "UPDATE jobs SET status = 'completed', result = $1, finished_ms = $2, message = NULL, "
                       "produced = 1, held = 0, outcome = $4 WHERE id = $3 AND status != 'completed' "
                       "RETURNING account, COALESCE(batch_id, ''), pg_notify('" STORE_CHANNEL "', id)"
                     : "UPDATE jobs SET status = 'completed', result = $1, finished_ms = $2, message = NULL, "
                       "produced = 1, held = 0, outcome = $4 WHERE id = $3 AND status != 'completed' "
                       "RETURNING account, COALESCE(batch_id, '')",
                  DB_ARGS(DB_T(o->http_json), DB_I(o->finished_ms), DB_T(o->id), DB_T(o->outcome)), &rc);
    if (rc == 1 && !o->refund) {
        /* Completed already. A run's result still replaces a "lost" one
         * (the API gave up on it too early) or an "expired" one (an
         * executor saw a second copy late): the code did run. */
        o->replaced = 1;
        q = first_row(s,
                      pg ? "UPDATE jobs SET result = $1, finished_ms = $2, outcome = $4 WHERE id = $3 "
                           "AND outcome IN ('lost', 'expired') "
                           "RETURNING account, COALESCE(batch_id, ''), pg_notify('" STORE_CHANNEL "', id)"
                         : "UPDATE jobs SET result = $1, finished_ms = $2, outcome = $4 WHERE id = $3 "
                           "AND outcome IN ('lost', 'expired') RETURNING account, COALESCE(batch_id, '')",
                      DB_ARGS(DB_T(o->http_json), DB_I(o->finished_ms), DB_T(o->id), DB_T(o->outcome)), &rc);
    }
    if (rc != 0)
        return rc == 1 ? 0 : -1;   /* 1: completed already, or not ours */
    copy_col(q, 0, o->account, sizeof(o->account));
    copy_col(q, 1, o->batch_id, sizeof(o->batch_id));
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
    struct db_q *q = first_row(s,
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
        q = first_row(s, "SELECT amount FROM ledger WHERE job_id = $1 AND kind = 'refund'", DB_ARGS(DB_T(o->id)), &rc);
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
        return audit(s, "execq", "late result", o->account, detail, o->outcome);
    }
    if (!o->refund)
        return 0;
    if (o->outcome && strcmp(o->outcome, "lost") == 0) {
        /* Said to the account's audit, where a late real result would be too. */
        snprintf(detail, sizeof(detail), "job %s reported lost and refunded", o->id);
        if (audit(s, "execq", "job lost", o->account, detail, "no result came within its deadline") < 0)
            return -1;
    }
    /* The refund row copies the charge; the key allows one per job. */
    q = first_row(s,
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
    copy_col(q, 0, j->id, sizeof(j->id));
    copy_col(q, 1, j->batch_id, sizeof(j->batch_id));
    copy_col(q, 2, j->kind, sizeof(j->kind));
    copy_col(q, 3, j->status, sizeof(j->status));
    j->result = dup_col(q, 4);
    j->created_ms = db_int(q, 5);
    j->finished_ms = db_int(q, 6);
}

#define JOB_COLS "id, COALESCE(batch_id, ''), kind, status, result, created_ms, COALESCE(finished_ms, 0)"

int store_job_get(struct store *s, const char *id, const char *account, struct store_job *j)
{
    struct db_q *q;
    int ret;

    pthread_mutex_lock(&s->mu);
    q = first_row(s, "SELECT " JOB_COLS " FROM jobs WHERE id = $1 AND account = $2", DB_ARGS(DB_T(id), DB_T(account)),
                  &ret);
    if (q)
        fill_job(q, j);
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return ret;
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
    pthread_mutex_lock(&s->mu);
    q = first_row(s, "SELECT size FROM batches WHERE id = $1 AND account = $2", DB_ARGS(DB_T(id), DB_T(account)), &rc);
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
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return ret;
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
    if (lock_account(s, account, NULL, &suspended) < 0 || open_jobs(s, account, lim, &open, &queued, &eff) < 0)
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
        copy_col(q, 0, h->id, sizeof(h->id));
        copy_col(q, 1, h->kind, sizeof(h->kind));
        h->json = dup_col(q, 2);
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

    pthread_mutex_lock(&s->mu);
    q = first_row(s, "SELECT COUNT(*) FROM jobs WHERE held = 1", NULL, 0, &rc);
    if (q)
        n = (long)db_int(q, 0);
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return n;
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
            copy_col(q, 0, ids[nids++], sizeof(ids[0]));
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
    long n = -1;
    int rc = -1;

    pthread_mutex_lock(&s->mu);
    q = db_run(s->db,
               "SELECT id, kind, message FROM jobs WHERE produced = 0 AND held = 0 AND status != 'completed' "
               "AND message IS NOT NULL AND created_ms < $1 ORDER BY created_ms, seq",
               DB_ARGS(DB_I(before_ms)));
    for (n = 0; q && (rc = db_next(q)) == 1; n++)
        fn(db_text(q, 0), db_text(q, 1), db_text(q, 2), arg);
    if (rc != 0)
        n = -1;
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return n;
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
        copy_col(q, 0, ids[n++], 37);
    if (!q || rc < 0)
        n = -1;
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return n;
}

int store_idem_get(struct store *s, const char *account, const char *route, const char *key, int64_t since_ms,
                   char body_hash[65], int *status, char **response)
{
    struct db_q *q;
    int ret;

    pthread_mutex_lock(&s->mu);
    q = first_row(s,
                  "SELECT body_hash, status, response FROM idempotency WHERE account = $1 AND route = $2 AND key = $3 "
                  "AND created_ms >= $4",
                  DB_ARGS(DB_T(account), DB_T(route), DB_T(key), DB_I(since_ms)), &ret);
    if (q) {
        copy_col(q, 0, body_hash, 65);
        *status = (int)db_int(q, 1);
        *response = dup_col(q, 2);
    }
    db_end(q);
    pthread_mutex_unlock(&s->mu);
    return ret;
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
    q = first_row(s, "SELECT part FROM reply_leases WHERE owner = $1 ORDER BY part", DB_ARGS(DB_T(owner)), &rc);
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
        copy_col(q, 0, ids[nb++], 37);
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
    };
    int64_t before[] = {jobs_before_ms, jobs_before_ms, idem_before_ms, signups_before_ms};
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
