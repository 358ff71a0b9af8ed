/* store: SQLite persistence of the API (see store.h). WAL with
 * synchronous=NORMAL: a commit survives a crash of the API (the SIGKILL
 * test), a power loss may lose the last commits. */
#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "util.h"

struct store {
    sqlite3 *db;
    pthread_mutex_t mu;
};

static const char *schema =
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

/* Schema changes, in order; PRAGMA user_version counts those applied. A
 * store made by an older execq is brought up to date at start, in one
 * transaction per step. */
static const char *migrations[] = {
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
};

/* Applies the migrations this store lacks. Returns 0, or -1 with errstr. */
static int migrate(sqlite3 *h, char *errstr, size_t errstr_size)
{
    sqlite3_stmt *st = NULL;
    int version = 0, n = (int)(sizeof(migrations) / sizeof(migrations[0]));
    char *msg = NULL, pragma[48];

    if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > n) {
        snprintf(errstr, errstr_size, "the store is of schema version %d, newer than this execq-api (%d)", version, n);
        return -1;
    }
    for (int v = version; v < n; v++) {
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d;", v + 1);
        if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(h, migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(h, pragma, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(h, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(errstr, errstr_size, "store migration %d: %s", v + 1, msg ? msg : "failed");
            sqlite3_free(msg);
            sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
        log_msg(LOG_INFO, "store: schema brought to version %d", v + 1);
    }
    return 0;
}

/* Store metrics: write latency (the lock held, the transaction done) per
 * operation, and the credits moved. */
static struct metric *m_charged, *m_refunded, *m_accept, *m_result;

static void store_metrics(void)
{
    static const double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
    int n = (int)(sizeof(bounds) / sizeof(bounds[0]));

    m_charged = metrics_counter("execq_credits_charged_total", "Credits charged for accepted jobs.", NULL);
    m_refunded = metrics_counter("execq_credits_refunded_total", "Credits refunded for jobs that never ran.", NULL);
    m_accept = metrics_histogram("execq_store_seconds", "Store transactions, lock wait included.", "op=\"accept\"",
                                 bounds, n);
    m_result = metrics_histogram("execq_store_seconds", "Store transactions, lock wait included.", "op=\"result\"",
                                 bounds, n);
}

int store_open(struct store **out, const char *path, char *errstr, size_t errstr_size)
{
    struct store *s = calloc(1, sizeof(*s));
    sqlite3 *h = NULL;
    char *msg = NULL;
    int ret = -1;

    if (!s) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    store_metrics();
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(errstr, errstr_size, "open %s: %s", path, h ? sqlite3_errmsg(h) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(h, 5000);
    if (sqlite3_exec(h, schema, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(errstr, errstr_size, "schema of %s: %s", path, msg);
        goto out;
    }
    if (migrate(h, errstr, errstr_size) < 0)
        goto out;
    pthread_mutex_init(&s->mu, NULL);
    s->db = h;
    h = NULL;   /* s owns it now */
    *out = s;
    s = NULL;
    ret = 0;
out:
    sqlite3_free(msg);
    sqlite3_close(h);   /* no-op on NULL */
    free(s);
    return ret;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Prepares sql; logs and returns NULL on error. The caller finalizes. */
static sqlite3_stmt *prep(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        log_msg(LOG_ERR, "store: prepare: %s", sqlite3_errmsg(s->db));
        return NULL;
    }
    return st;
}

static int exec(struct store *s, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        log_msg(LOG_ERR, "store: %s: %s", sql, msg);
    sqlite3_free(msg);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Runs a one-row SELECT with up to two text arguments (a2 may be NULL).
 * Returns 0 with *st on the row (the caller finalizes it), 1 when there is
 * no row, -1 on error. Call with the lock held. */
static int select_row(struct store *s, sqlite3_stmt **st, const char *sql, const char *a1, const char *a2)
{
    int rc;

    *st = prep(s, sql);
    if (!*st)
        return -1;
    sqlite3_bind_text(*st, 1, a1, -1, SQLITE_STATIC);
    if (a2)
        sqlite3_bind_text(*st, 2, a2, -1, SQLITE_STATIC);
    rc = sqlite3_step(*st);
    if (rc == SQLITE_ROW)
        return 0;
    sqlite3_finalize(*st);
    *st = NULL;
    return rc == SQLITE_DONE ? 1 : -1;
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static char *dup_col(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? util_strdup((const char *)t) : NULL;
}

int store_account_create(struct store *s, const char *key_hash, long credits, char id[40], char *errstr,
                         size_t errstr_size)
{
    char uuid[37];

    util_uuid(uuid);
    snprintf(id, 40, "acct_%.8s%.4s%.4s", uuid, uuid + 9, uuid + 14);
    return store_account_ensure(s, id, key_hash, credits, errstr, errstr_size);
}

int store_account_ensure(struct store *s, const char *id, const char *key_hash, long credits, char *errstr,
                         size_t errstr_size)
{
    sqlite3_stmt *st = NULL;
    int ret = -1;

    pthread_mutex_lock(&s->mu);
    if (exec(s, "BEGIN IMMEDIATE") < 0)
        goto unlock;
    /* An existing account keeps its balance; its key becomes key_hash, so
     * a changed configured key (the demo key) retires the old one(s). */
    st = prep(s, "INSERT INTO accounts(id, key_hash, balance, granted, created_ms) VALUES(?,?,?,?,?) "
                 "ON CONFLICT(id) DO UPDATE SET key_hash = excluded.key_hash");
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, credits);
    sqlite3_bind_int64(st, 4, credits);
    sqlite3_bind_int64(st, 5, util_wall_ms());
    if (sqlite3_step(st) != SQLITE_DONE)
        goto rollback;
    sqlite3_finalize(st);
    st = prep(s, "DELETE FROM api_keys WHERE account = ?1 AND hash != ?2");
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key_hash, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto rollback;
    sqlite3_finalize(st);
    st = prep(s, "INSERT OR IGNORE INTO api_keys(hash, account, created_ms) VALUES(?,?,?)");
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, key_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, util_wall_ms());
    if (sqlite3_step(st) != SQLITE_DONE || exec(s, "COMMIT") < 0)
        goto rollback;
    ret = 0;
    goto unlock;
rollback:
    snprintf(errstr, errstr_size, "create account: %s", sqlite3_errmsg(s->db));
    exec(s, "ROLLBACK");
unlock:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

int store_account_by_key(struct store *s, const char *key_hash, char id[40], char *suspended, size_t suspended_size)
{
    sqlite3_stmt *st;
    int ret;

    pthread_mutex_lock(&s->mu);
    st = prep(s, "SELECT k.account, a.suspended FROM api_keys k JOIN accounts a ON a.id = k.account "
                 "WHERE k.hash = ?1 AND (k.expires_ms IS NULL OR k.expires_ms > ?2)");
    ret = -1;
    if (st) {
        int rc;
        sqlite3_bind_text(st, 1, key_hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, util_wall_ms());
        rc = sqlite3_step(st);
        ret = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
    }
    if (ret == 0) {
        copy_col(st, 0, id, 40);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            copy_col(st, 1, suspended, suspended_size);
            ret = 2;
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

/* One audit row; caller holds s->mu inside a transaction. Returns 0 or -1. */
static int audit(struct store *s, const char *actor, const char *action, const char *account, const char *detail,
                 const char *reason)
{
    sqlite3_stmt *st = prep(s, "INSERT INTO audit(at_ms, actor, action, account, detail, reason) VALUES(?,?,?,?,?,?)");
    int ok;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, util_wall_ms());
    sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

/* Runs sql (binding ?1 = account, ?2 = n, ?3 = text) and an audit row in
 * one transaction. Returns 0, 1 (no such account) or -1. */
static int change(struct store *s, const char *sql, const char *account, int64_t n, const char *text,
                  const char *actor, const char *action, const char *detail, const char *reason)
{
    sqlite3_stmt *st = NULL;
    int ret = -1;

    pthread_mutex_lock(&s->mu);
    if (exec(s, "BEGIN IMMEDIATE") < 0)
        goto unlock;
    if (!(st = prep(s, sql)))
        goto rollback;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, n);
    if (text)
        sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto rollback;
    if (sqlite3_changes(s->db) == 0) {
        ret = 1;
        goto rollback;
    }
    if (audit(s, actor, action, account, detail, reason) < 0 || exec(s, "COMMIT") < 0)
        goto rollback;
    ret = 0;
    goto unlock;
rollback:
    if (ret < 0)
        log_msg(LOG_ERR, "store: %s %s: %s", action, account, sqlite3_errmsg(s->db));
    exec(s, "ROLLBACK");
unlock:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

int store_grant(struct store *s, const char *account, long credits, const char *actor, const char *reason)
{
    char detail[64];
    snprintf(detail, sizeof(detail), "credits=%ld", credits);
    return change(s, "UPDATE accounts SET balance = balance + ?2, granted = granted + ?2 WHERE id = ?1", account,
                  credits, NULL, actor, "grant", detail, reason);
}

int store_suspend(struct store *s, const char *account, int on, const char *actor, const char *reason)
{
    return change(s, "UPDATE accounts SET suspended = ?3 WHERE id = ?1 AND ?2 = ?2", account, 0, on ? reason : NULL,
                  actor, on ? "suspend" : "reinstate", "", reason);
}

int store_keys_expire(struct store *s, const char *account, const char *except_hash, const char *only_hash,
                      int64_t at_ms, const char *actor, const char *reason)
{
    char detail[64];
    snprintf(detail, sizeof(detail), "expires_ms=%lld", (long long)at_ms);
    /* ?3 names the key to keep (rotation: the new one) or the only one to
     * expire (a user's own rotation: the key it called with). */
    return change(s,
                  only_hash ? "UPDATE api_keys SET expires_ms = MIN(COALESCE(expires_ms, ?2), ?2) "
                              "WHERE account = ?1 AND hash = ?3"
                            : "UPDATE api_keys SET expires_ms = MIN(COALESCE(expires_ms, ?2), ?2) "
                              "WHERE account = ?1 AND hash IS NOT ?3",
                  account, at_ms, only_hash ? only_hash : except_hash, actor, "expire keys", detail, reason);
}

int store_key_add(struct store *s, const char *account, const char *key_hash, const char *actor, const char *reason)
{
    return change(s,
                  "INSERT INTO api_keys(hash, account, created_ms) SELECT ?3, id, ?2 FROM accounts WHERE id = ?1",
                  account, util_wall_ms(), key_hash, actor, "new key", key_hash, reason);
}

long store_accounts_list(struct store *s, const char *search, long offset, long limit,
                         void (*fn)(const struct store_account *a, const char *suspended, void *arg), void *arg)
{
    sqlite3_stmt *st;
    long n = -1;
    int rc;

    pthread_mutex_lock(&s->mu);
    st = prep(s, "SELECT id, balance, granted, created_ms, charged, refunded, runs, suspended FROM accounts "
                 "WHERE instr(id, ?1) > 0 ORDER BY created_ms, id LIMIT ?2 OFFSET ?3");
    if (st) {
        sqlite3_bind_text(st, 1, search ? search : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, limit);
        sqlite3_bind_int64(st, 3, offset);
        n = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct store_account a;
            memset(&a, 0, sizeof(a));
            copy_col(st, 0, a.id, sizeof(a.id));
            a.balance = (long)sqlite3_column_int64(st, 1);
            a.granted = (long)sqlite3_column_int64(st, 2);
            a.created_ms = sqlite3_column_int64(st, 3);
            a.charged = (long)sqlite3_column_int64(st, 4);
            a.refunded = (long)sqlite3_column_int64(st, 5);
            a.runs = (long)sqlite3_column_int64(st, 6);
            fn(&a, (const char *)sqlite3_column_text(st, 7), arg);
            n++;
        }
        if (rc != SQLITE_DONE)
            n = -1;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return n;
}

long store_usage(struct store *s, const char *account, int64_t since_ms,
                 void (*fn)(const char *day, long runs, long charged, long refunded, long cpu_ms, void *arg), void *arg)
{
    sqlite3_stmt *st;
    long n = -1;
    int rc;

    pthread_mutex_lock(&s->mu);
    /* Charges and refunds from the ledger, CPU time from the stored
     * results; both as long as retention keeps them. */
    st = prep(s, "SELECT day, SUM(charges) - SUM(refunds), SUM(charged), SUM(refunded), SUM(cpu) FROM ("
                 " SELECT date(at_ms / 1000, 'unixepoch') AS day, kind = 'charge' AS charges, kind = 'refund' AS refunds,"
                 "  CASE WHEN kind = 'charge' THEN amount ELSE 0 END AS charged,"
                 "  CASE WHEN kind = 'refund' THEN amount ELSE 0 END AS refunded, 0 AS cpu"
                 "  FROM ledger WHERE account = ?1 AND at_ms >= ?2"
                 " UNION ALL"
                 " SELECT date(finished_ms / 1000, 'unixepoch'), 0, 0, 0, 0,"
                 "  COALESCE(json_extract(result, '$.cpu_time_ms'), 0)"
                 "  FROM jobs WHERE account = ?1 AND status = 'completed' AND finished_ms >= ?2"
                 ") GROUP BY day ORDER BY day");
    if (st) {
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, since_ms);
        n = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            fn((const char *)sqlite3_column_text(st, 0), (long)sqlite3_column_int64(st, 1),
               (long)sqlite3_column_int64(st, 2), (long)sqlite3_column_int64(st, 3), (long)sqlite3_column_int64(st, 4),
               arg);
            n++;
        }
        if (rc != SQLITE_DONE)
            n = -1;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return n;
}

long store_audit_list(struct store *s, const char *account, long limit,
                      void (*fn)(int64_t at_ms, const char *actor, const char *action, const char *detail,
                                 const char *reason, void *arg),
                      void *arg)
{
    sqlite3_stmt *st;
    long n = -1;
    int rc;

    pthread_mutex_lock(&s->mu);
    st = prep(s, "SELECT at_ms, actor, action, detail, reason FROM audit WHERE account = ? "
                 "ORDER BY at_ms DESC, rowid DESC LIMIT ?");
    if (st) {
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, limit);
        n = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            fn(sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
               (const char *)sqlite3_column_text(st, 4), arg);
            n++;
        }
        if (rc != SQLITE_DONE)
            n = -1;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return n;
}

long store_keys_list(struct store *s, const char *account,
                     void (*fn)(const char *hash, int64_t created_ms, int64_t expires_ms, void *arg), void *arg)
{
    sqlite3_stmt *st;
    long n = -1;
    int rc;

    pthread_mutex_lock(&s->mu);
    st = prep(s, "SELECT hash, created_ms, COALESCE(expires_ms, 0) FROM api_keys WHERE account = ? ORDER BY created_ms");
    if (st) {
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
        n = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            fn((const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), arg);
            n++;
        }
        if (rc != SQLITE_DONE)
            n = -1;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return n;
}

int store_account_get(struct store *s, const char *id, struct store_account *a)
{
    sqlite3_stmt *st;
    int ret;

    memset(a, 0, sizeof(*a));
    pthread_mutex_lock(&s->mu);
    /* The totals are kept as charges and refunds happen: one row read. */
    ret = select_row(s, &st, "SELECT balance, granted, created_ms, charged, refunded, runs FROM accounts WHERE id = ?",
                     id, NULL);
    if (ret == 0) {
        snprintf(a->id, sizeof(a->id), "%s", id);
        a->balance = (long)sqlite3_column_int64(st, 0);
        a->granted = (long)sqlite3_column_int64(st, 1);
        a->created_ms = sqlite3_column_int64(st, 2);
        a->charged = (long)sqlite3_column_int64(st, 3);
        a->refunded = (long)sqlite3_column_int64(st, 4);
        a->runs = (long)sqlite3_column_int64(st, 5);
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

int store_signup_allowed(struct store *s, const char *addr, int64_t now_ms, int64_t window_ms, int max)
{
    sqlite3_stmt *st;
    int ret = -1;

    pthread_mutex_lock(&s->mu);
    st = prep(s, "SELECT COUNT(*) FROM signups WHERE addr = ? AND at_ms > ?");
    if (st) {
        sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now_ms - window_ms);
        if (sqlite3_step(st) == SQLITE_ROW)
            ret = sqlite3_column_int(st, 0) < max;
    }
    sqlite3_finalize(st);
    if (ret == 1) {
        st = prep(s, "INSERT INTO signups(addr, at_ms) VALUES(?, ?)");
        if (st) {
            sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, now_ms);
            if (sqlite3_step(st) != SQLITE_DONE)
                ret = -1;
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->mu);
    return ret;
}

/* An account's unfinished async and batch jobs: all of them (held
 * included) into *open, those handed to Kafka into *queued. Caller holds
 * s->mu. Returns 0 or -1. */
static int open_jobs(struct store *s, const char *account, const struct store_limits *def, long *open, long *queued,
                     struct store_limits *eff)
{
    sqlite3_stmt *st = prep(s, "SELECT COUNT(*), COALESCE(SUM(held = 0), 0),"
                               " (SELECT max_queued FROM accounts WHERE id = ?1),"
                               " (SELECT max_open FROM accounts WHERE id = ?1) FROM jobs "
                               "WHERE account = ?1 AND kind != 'sync' AND status != 'completed'");
    int ret = -1;

    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *open = (long)sqlite3_column_int64(st, 0);
        *queued = (long)sqlite3_column_int64(st, 1);
        /* The account's own limits where the operator set them. */
        eff->max_queued = sqlite3_column_type(st, 2) == SQLITE_NULL ? def->max_queued : (long)sqlite3_column_int64(st, 2);
        eff->max_open = sqlite3_column_type(st, 3) == SQLITE_NULL ? def->max_open : (long)sqlite3_column_int64(st, 3);
        ret = 0;
    }
    sqlite3_finalize(st);
    return ret;
}

int store_set_limits(struct store *s, const char *account, const long v[STORE_NLIMITS], const char *actor,
                     const char *reason)
{
    char detail[160];
    sqlite3_stmt *st = NULL;
    int ret = -1;

    snprintf(detail, sizeof(detail), "max_queued=%ld max_open=%ld requests_per_s=%ld max_batch_jobs=%ld (-1: default)",
             v[0], v[1], v[2], v[3]);
    pthread_mutex_lock(&s->mu);
    if (exec(s, "BEGIN IMMEDIATE") < 0)
        goto unlock;
    st = prep(s, "UPDATE accounts SET max_queued = ?2, max_open = ?3, requests_per_s = ?4, max_batch_jobs = ?5 "
                 "WHERE id = ?1");
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    for (int i = 0; i < STORE_NLIMITS; i++)
        if (v[i] < 0)
            sqlite3_bind_null(st, i + 2);
        else
            sqlite3_bind_int64(st, i + 2, v[i]);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto rollback;
    if (sqlite3_changes(s->db) == 0) {
        ret = 1;
        goto rollback;
    }
    if (audit(s, actor, "limits", account, detail, reason) < 0 || exec(s, "COMMIT") < 0)
        goto rollback;
    ret = 0;
    goto unlock;
rollback:
    exec(s, "ROLLBACK");
unlock:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

int store_get_limits(struct store *s, const char *account, long v[STORE_NLIMITS])
{
    sqlite3_stmt *st;
    int ret = -1;

    pthread_mutex_lock(&s->mu);
    st = prep(s, "SELECT max_queued, max_open, requests_per_s, max_batch_jobs FROM accounts WHERE id = ?");
    if (st) {
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            for (int i = 0; i < STORE_NLIMITS; i++)
                v[i] = sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(st, i);
            ret = 0;
        } else if (rc == SQLITE_DONE) {
            ret = 1;
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

enum store_accept store_jobs_accept(struct store *s, const char *account, const char *batch_id,
                                    const struct job *jobs, char *const *json, size_t n,
                                    const struct store_limits *lim, long *balance, size_t *release)
{
    sqlite3_stmt *bal = NULL, *job = NULL, *led = NULL, *upd = NULL, *bat = NULL;
    enum store_accept ret = STORE_ERROR;
    long total = 0, open = 0, queued = 0;
    int64_t now = util_wall_ms(), t0 = util_mono_us();

    for (size_t i = 0; i < n; i++)
        total += jobs[i].credits;
    pthread_mutex_lock(&s->mu);
    if (exec(s, "BEGIN IMMEDIATE") < 0)
        goto unlock;
    bal = prep(s, "SELECT balance FROM accounts WHERE id = ?");
    if (!bal)
        goto rollback;
    sqlite3_bind_text(bal, 1, account, -1, SQLITE_STATIC);
    if (sqlite3_step(bal) != SQLITE_ROW)
        goto rollback;
    *balance = (long)sqlite3_column_int64(bal, 0);
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
    if (batch_id) {
        bat = prep(s, "INSERT INTO batches(id, account, size, created_ms) VALUES(?,?,?,?)");
        if (!bat)
            goto rollback;
        sqlite3_bind_text(bat, 1, batch_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(bat, 2, account, -1, SQLITE_STATIC);
        sqlite3_bind_int64(bat, 3, (sqlite3_int64)n);
        sqlite3_bind_int64(bat, 4, now);
        if (sqlite3_step(bat) != SQLITE_DONE)
            goto rollback;
    }
    job = prep(s, "INSERT INTO jobs(id, account, batch_id, seq, kind, status, message, created_ms, held) "
                  "VALUES(?,?,?,?,?,'queued',?,?,?)");
    led = prep(s, "INSERT INTO ledger(job_id, account, kind, amount, at_ms) VALUES(?,?,'charge',?,?)");
    if (!job || !led)
        goto rollback;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(job);
        sqlite3_reset(led);
        sqlite3_bind_text(job, 1, jobs[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(job, 2, account, -1, SQLITE_STATIC);
        if (batch_id)
            sqlite3_bind_text(job, 3, batch_id, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(job, 3);
        sqlite3_bind_int64(job, 4, (sqlite3_int64)i);
        sqlite3_bind_text(job, 5, jobs[i].kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(job, 6, json[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(job, 7, now);
        sqlite3_bind_int(job, 8, i >= *release);
        sqlite3_bind_text(led, 1, jobs[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(led, 2, account, -1, SQLITE_STATIC);
        sqlite3_bind_int64(led, 3, jobs[i].credits);
        sqlite3_bind_int64(led, 4, now);
        if (sqlite3_step(job) != SQLITE_DONE || sqlite3_step(led) != SQLITE_DONE)
            goto rollback;
    }
    upd = prep(s, "UPDATE accounts SET balance = balance - ?1, charged = charged + ?1, runs = runs + ?2 WHERE id = ?3");
    if (!upd)
        goto rollback;
    sqlite3_bind_int64(upd, 1, total);
    sqlite3_bind_int64(upd, 2, (sqlite3_int64)n);
    sqlite3_bind_text(upd, 3, account, -1, SQLITE_STATIC);
    if (sqlite3_step(upd) != SQLITE_DONE || exec(s, "COMMIT") < 0)
        goto rollback;
    *balance -= total;
    metrics_add(m_charged, (double)total);
    ret = STORE_ACCEPTED;
    goto unlock;
rollback:
    if (ret == STORE_ERROR)
        log_msg(LOG_ERR, "store: accept jobs: %s", sqlite3_errmsg(s->db));
    exec(s, "ROLLBACK");
unlock:
    sqlite3_finalize(bal);
    sqlite3_finalize(bat);
    sqlite3_finalize(job);
    sqlite3_finalize(led);
    sqlite3_finalize(upd);
    pthread_mutex_unlock(&s->mu);
    metrics_observe(m_accept, (util_mono_us() - t0) / 1e6);
    return ret;
}

static void set_by_id(struct store *s, const char *sql, const char *id)
{
    sqlite3_stmt *st;
    pthread_mutex_lock(&s->mu);
    st = prep(s, sql);
    if (st) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            log_msg(LOG_ERR, "store: %s: %s", sql, sqlite3_errmsg(s->db));
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
}

void store_job_produced(struct store *s, const char *id)
{
    set_by_id(s, "UPDATE jobs SET produced = 1 WHERE id = ?", id);
}

void store_job_running(struct store *s, const char *id)
{
    set_by_id(s, "UPDATE jobs SET status = 'running' WHERE id = ? AND status = 'queued'", id);
}

int store_result(struct store *s, const char *id, const char *http_json, int refund, int64_t finished_ms,
                 char batch_id[37])
{
    sqlite3_stmt *get = NULL, *upd = NULL, *led = NULL, *bal = NULL;
    int ret = -1, rc;
    char account[40];
    sqlite3_int64 refunded = 0;
    int64_t t0 = util_mono_us();

    batch_id[0] = '\0';
    pthread_mutex_lock(&s->mu);
    if (exec(s, "BEGIN IMMEDIATE") < 0)
        goto unlock;
    get = prep(s, "SELECT account, COALESCE(batch_id, ''), status FROM jobs WHERE id = ?");
    if (!get)
        goto rollback;
    sqlite3_bind_text(get, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(get) != SQLITE_ROW) {
        ret = 0;   /* not ours (another store, or from before the store) */
        goto rollback;
    }
    copy_col(get, 0, account, sizeof(account));
    copy_col(get, 1, batch_id, 37);
    if (strcmp((const char *)sqlite3_column_text(get, 2), "completed") == 0) {
        ret = 0;   /* a redelivered or duplicate result */
        goto rollback;
    }
    upd = prep(s, "UPDATE jobs SET status = 'completed', result = ?, finished_ms = ?, message = NULL, "
                  "produced = 1 WHERE id = ?");
    if (!upd)
        goto rollback;
    sqlite3_bind_text(upd, 1, http_json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(upd, 2, finished_ms);
    sqlite3_bind_text(upd, 3, id, -1, SQLITE_STATIC);
    if (sqlite3_step(upd) != SQLITE_DONE)
        goto rollback;
    if (batch_id[0]) {
        /* The batch's count of finished jobs; its waiters are woken only
         * by the result that completes it, so a ?wait GET reads the batch
         * once, not once per job. */
        sqlite3_stmt *done = prep(s, "UPDATE batches SET done = done + 1 WHERE id = ? RETURNING done = size");
        int complete = 0;
        if (!done)
            goto rollback;
        sqlite3_bind_text(done, 1, batch_id, -1, SQLITE_STATIC);
        if (sqlite3_step(done) == SQLITE_ROW)
            complete = sqlite3_column_int(done, 0);
        sqlite3_finalize(done);
        if (!complete)
            batch_id[0] = '\0';
    }
    if (refund) {
        /* The refund row copies the charge; the key allows one per job. */
        led = prep(s, "INSERT OR IGNORE INTO ledger(job_id, account, kind, amount, at_ms) "
                      "SELECT job_id, account, 'refund', amount, ? FROM ledger WHERE job_id = ? AND kind = 'charge' "
                      "RETURNING amount");
        bal = prep(s, "UPDATE accounts SET balance = balance + r.amount, refunded = refunded + r.amount, runs = runs - 1 "
                      "FROM (SELECT amount FROM ledger WHERE job_id = ? AND kind = 'refund') AS r WHERE id = ?");
        if (!led || !bal)
            goto rollback;
        sqlite3_bind_int64(led, 1, finished_ms);
        sqlite3_bind_text(led, 2, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(led);
        if (rc == SQLITE_ROW) {   /* a refund row was made: one, with the charge's amount */
            refunded = sqlite3_column_int64(led, 0);
            rc = sqlite3_step(led);
        }
        if (rc != SQLITE_DONE)
            goto rollback;
        if (refunded > 0) {
            sqlite3_bind_text(bal, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_text(bal, 2, account, -1, SQLITE_STATIC);
            if (sqlite3_step(bal) != SQLITE_DONE)
                goto rollback;
        }
    }
    if (exec(s, "COMMIT") < 0)
        goto rollback;
    metrics_add(m_refunded, (double)refunded);
    ret = 1;
    goto unlock;
rollback:
    if (ret < 0)
        log_msg(LOG_ERR, "job=%s store result: %s", id, sqlite3_errmsg(s->db));
    exec(s, "ROLLBACK");
unlock:
    sqlite3_finalize(get);
    sqlite3_finalize(upd);
    sqlite3_finalize(led);
    sqlite3_finalize(bal);
    pthread_mutex_unlock(&s->mu);
    metrics_observe(m_result, (util_mono_us() - t0) / 1e6);
    return ret;
}

static void fill_job(sqlite3_stmt *st, struct store_job *j)
{
    memset(j, 0, sizeof(*j));
    copy_col(st, 0, j->id, sizeof(j->id));
    copy_col(st, 1, j->batch_id, sizeof(j->batch_id));
    copy_col(st, 2, j->kind, sizeof(j->kind));
    copy_col(st, 3, j->status, sizeof(j->status));
    j->result = dup_col(st, 4);
    j->created_ms = sqlite3_column_int64(st, 5);
    j->finished_ms = sqlite3_column_int64(st, 6);
}

#define JOB_COLS "id, COALESCE(batch_id, ''), kind, status, result, created_ms, COALESCE(finished_ms, 0)"

int store_job_get(struct store *s, const char *id, const char *account, struct store_job *j)
{
    sqlite3_stmt *st;
    int ret;

    pthread_mutex_lock(&s->mu);
    ret = select_row(s, &st, "SELECT " JOB_COLS " FROM jobs WHERE id = ? AND account = ?", id, account);
    if (ret == 0)
        fill_job(st, j);
    sqlite3_finalize(st);
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
    sqlite3_stmt *st = NULL;
    int ret = -1, rc;
    size_t bytes = 0;

    *njobs = 0;
    counts[0] = counts[1] = counts[2] = 0;
    pthread_mutex_lock(&s->mu);
    st = prep(s, "SELECT size FROM batches WHERE id = ? AND account = ?");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        ret = 1;
        goto out;
    }
    if (rc != SQLITE_ROW)
        goto out;
    *size = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = prep(s, "SELECT status, COUNT(*) FROM jobs WHERE batch_id = ? GROUP BY status");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(st, 0);
        int k = strcmp(status, "queued") == 0 ? 0 : strcmp(status, "running") == 0 ? 1 : 2;
        counts[k] = (long)sqlite3_column_int64(st, 1);
    }
    if (rc != SQLITE_DONE)   /* an error is not "no more rows" */
        goto failed;
    sqlite3_finalize(st);
    st = prep(s, "SELECT " JOB_COLS " FROM jobs WHERE batch_id = ? ORDER BY seq LIMIT ? OFFSET ?");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit);
    sqlite3_bind_int64(st, 3, offset);
    /* Bounded in bytes as well as in jobs: a page stops before the result
     * that would take it past max_bytes (one job at least, so the page
     * always moves on). */
    while (*njobs < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t b = (size_t)sqlite3_column_bytes(st, 4);
        if (*njobs > 0 && bytes + b > max_bytes)
            break;
        bytes += b;
        fill_job(st, &jobs[(*njobs)++]);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        for (long k = 0; k < *njobs; k++)
            store_job_release(&jobs[k]);
        *njobs = 0;
        goto failed;
    }
    ret = 0;
    goto out;
failed:
    log_msg(LOG_ERR, "store: batch %s: %s", id, sqlite3_errmsg(s->db));
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

/* Releases account's held jobs up to lim. Caller holds s->mu and is in a
 * transaction. Returns how many, or -1. */
static long release_account(struct store *s, const char *account, const struct store_limits *lim,
                            void (*fn)(const char *id, const char *kind, const char *json, void *arg), void *arg)
{
    sqlite3_stmt *sel = NULL, *upd = NULL;
    long open = 0, queued = 0, n = 0, room;
    int rc;

    struct store_limits eff;

    if (open_jobs(s, account, lim, &open, &queued, &eff) < 0)
        return -1;
    room = eff.max_queued > 0 ? eff.max_queued - queued : 1000000;
    if (room <= 0)
        return 0;
    sel = prep(s, "SELECT id, kind, message FROM jobs WHERE account = ? AND held = 1 "
                  "ORDER BY created_ms, seq LIMIT ?");
    upd = prep(s, "UPDATE jobs SET held = 0 WHERE id = ?");
    if (!sel || !upd) {
        n = -1;
        goto out;
    }
    sqlite3_bind_text(sel, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_int64(sel, 2, room);
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        sqlite3_reset(upd);
        sqlite3_bind_text(upd, 1, (const char *)sqlite3_column_text(sel, 0), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(upd) != SQLITE_DONE) {
            n = -1;
            goto out;
        }
        fn((const char *)sqlite3_column_text(sel, 0), (const char *)sqlite3_column_text(sel, 1),
           (const char *)sqlite3_column_text(sel, 2), arg);
        n++;
    }
    if (rc != SQLITE_DONE)
        n = -1;
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return n;
}

long store_held_count(struct store *s)
{
    sqlite3_stmt *st;
    long n = -1;

    pthread_mutex_lock(&s->mu);
    st = prep(s, "SELECT COUNT(*) FROM jobs WHERE held = 1");
    if (st && sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return n;
}

long store_release(struct store *s, const char *account, const struct store_limits *lim,
                   void (*fn)(const char *id, const char *kind, const char *json, void *arg), void *arg)
{
    sqlite3_stmt *acc = NULL;
    long n = 0, k;
    int rc;

    pthread_mutex_lock(&s->mu);
    if (exec(s, "BEGIN IMMEDIATE") < 0) {
        pthread_mutex_unlock(&s->mu);
        return -1;
    }
    if (account) {
        n = release_account(s, account, lim, fn, arg);
    } else {
        /* Every account with held jobs (the sweep, and after a restart). */
        char (*ids)[40] = NULL;
        size_t nids = 0;
        acc = prep(s, "SELECT DISTINCT account FROM jobs WHERE held = 1");
        while (acc && (rc = sqlite3_step(acc)) == SQLITE_ROW) {
            char (*more)[40] = realloc(ids, (nids + 1) * sizeof(*ids));
            if (!more)
                break;
            ids = more;
            copy_col(acc, 0, ids[nids++], sizeof(ids[0]));
        }
        sqlite3_finalize(acc);
        for (size_t i = 0; i < nids && n >= 0; i++)
            n = (k = release_account(s, ids[i], lim, fn, arg)) < 0 ? -1 : n + k;
        free(ids);
    }
    if (n < 0 || exec(s, "COMMIT") < 0) {
        log_msg(LOG_ERR, "store: release held jobs: %s", sqlite3_errmsg(s->db));
        exec(s, "ROLLBACK");
        n = -1;
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

long store_unproduced(struct store *s, int64_t before_ms,
                      void (*fn)(const char *id, const char *kind, const char *json, void *arg), void *arg)
{
    sqlite3_stmt *st;
    long n = -1;

    pthread_mutex_lock(&s->mu);
    st = prep(s, "SELECT id, kind, message FROM jobs WHERE produced = 0 AND held = 0 AND status != 'completed' "
                 "AND message IS NOT NULL AND created_ms < ? ORDER BY created_ms, seq");
    if (st) {
        n = 0;
        sqlite3_bind_int64(st, 1, before_ms);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            fn((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2), arg);
            n++;
        }
        if (rc != SQLITE_DONE) {
            log_msg(LOG_ERR, "store: unproduced jobs: %s", sqlite3_errmsg(s->db));
            n = -1;
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return n;
}

long store_overdue(struct store *s, int64_t now_ms, int64_t bound_ms, char (*ids)[37], long max)
{
    sqlite3_stmt *st;
    long n = -1;

    pthread_mutex_lock(&s->mu);
    /* created_ms <= expires_at_ms, so the partial index narrows the scan
     * to open jobs old enough before the JSON is read. */
    st = prep(s, "SELECT id FROM jobs WHERE status != 'completed' AND message IS NOT NULL AND created_ms < ?1 "
                 "AND json_extract(message, '$.expires_at_ms') + ?2 < ?3 ORDER BY created_ms LIMIT ?4");
    if (st) {
        n = 0;
        sqlite3_bind_int64(st, 1, now_ms - bound_ms);
        sqlite3_bind_int64(st, 2, bound_ms);
        sqlite3_bind_int64(st, 3, now_ms);
        sqlite3_bind_int64(st, 4, max);
        int rc = SQLITE_DONE;
        while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
            copy_col(st, 0, ids[n++], 37);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            log_msg(LOG_ERR, "store: overdue jobs: %s", sqlite3_errmsg(s->db));
            n = -1;
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return n;
}

int store_idem_get(struct store *s, const char *account, const char *route, const char *key, int64_t since_ms,
                   char body_hash[65], int *status, char **response)
{
    sqlite3_stmt *st;
    int ret = -1, rc;

    pthread_mutex_lock(&s->mu);
    st = prep(s, "SELECT body_hash, status, response FROM idempotency WHERE account = ? AND route = ? AND key = ? "
                 "AND created_ms >= ?");
    if (st) {
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, route, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, since_ms);
        rc = sqlite3_step(st);
        ret = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
        if (ret == 0) {
            copy_col(st, 0, body_hash, 65);
            *status = sqlite3_column_int(st, 1);
            *response = dup_col(st, 2);
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

int store_idem_put(struct store *s, const char *account, const char *route, const char *key, int64_t since_ms,
                   const char *body_hash, int status, const char *response)
{
    sqlite3_stmt *st;
    int ret = -1;

    pthread_mutex_lock(&s->mu);
    /* The first answer stays (a concurrent repeat does not replace it);
     * an expired one (older than since_ms) is replaced. */
    st = prep(s, "INSERT INTO idempotency(account, route, key, body_hash, status, response, created_ms) "
                 "VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(account, route, key) DO UPDATE SET "
                 "body_hash = excluded.body_hash, status = excluded.status, response = excluded.response, "
                 "created_ms = excluded.created_ms WHERE idempotency.created_ms < ?8");
    if (st) {
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, route, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, body_hash, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, status);
        sqlite3_bind_text(st, 6, response, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, util_wall_ms());
        sqlite3_bind_int64(st, 8, since_ms);
        ret = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

int store_idem_delete(struct store *s, const char *account, const char *route, const char *key)
{
    sqlite3_stmt *st;
    int ret = -1;

    pthread_mutex_lock(&s->mu);
    st = prep(s, "DELETE FROM idempotency WHERE account = ? AND route = ? AND key = ?");
    if (st) {
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, route, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
        ret = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

long store_prune(struct store *s, int64_t jobs_before_ms, int64_t idem_before_ms, int64_t signups_before_ms,
                 int max)
{
    /* Finished jobs past retention, then what hangs on them: batches with
     * no job left, ledger rows as old (the account totals do not need
     * them), idempotency keys past their life, signup records past the
     * rate window. Small batches: the lock is held briefly. */
    static const char *sql[] = {
        "DELETE FROM jobs WHERE rowid IN (SELECT rowid FROM jobs WHERE status = 'completed' AND finished_ms < ?1 "
        "LIMIT ?2)",
        "DELETE FROM batches WHERE rowid IN (SELECT rowid FROM batches b WHERE created_ms < ?1 AND NOT EXISTS "
        "(SELECT 1 FROM jobs WHERE batch_id = b.id) LIMIT ?2)",
        "DELETE FROM ledger WHERE rowid IN (SELECT rowid FROM ledger l WHERE at_ms < ?1 AND NOT EXISTS "
        "(SELECT 1 FROM jobs WHERE id = l.job_id) LIMIT ?2)",
        "DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency WHERE created_ms < ?1 LIMIT ?2)",
        "DELETE FROM signups WHERE rowid IN (SELECT rowid FROM signups WHERE at_ms < ?1 LIMIT ?2)",
    };
    int64_t before[] = {jobs_before_ms, jobs_before_ms, jobs_before_ms, idem_before_ms, signups_before_ms};
    long n = 0;

    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        sqlite3_stmt *st;
        pthread_mutex_lock(&s->mu);
        st = prep(s, sql[i]);
        if (st) {
            sqlite3_bind_int64(st, 1, before[i]);
            sqlite3_bind_int(st, 2, max);
            if (sqlite3_step(st) == SQLITE_DONE)
                n += sqlite3_changes(s->db);
            else
                log_msg(LOG_ERR, "store: prune: %s", sqlite3_errmsg(s->db));
        }
        sqlite3_finalize(st);
        pthread_mutex_unlock(&s->mu);
    }
    return n;
}
