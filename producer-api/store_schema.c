/* store_schema: the store's tables and their migrations (see store.c).
 * SQLite counts its schema version in PRAGMA user_version, PostgreSQL in
 * execq_schema, migrated under an advisory lock so that APIs starting
 * together migrate once. A store newer than the binary is refused. */
#include <stdio.h>

#include "db.h"
#include "log.h"
#include "store_int.h"

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

/* Webhooks' own tables, in either dialect's integer type: each account's
 * settings, the events (one per type and subject, made once) and every
 * attempt to deliver one. */
#define HOOK_TABLES(INT)                                                                                     \
    "CREATE TABLE webhooks(account TEXT PRIMARY KEY, url TEXT, events " INT " NOT NULL, secret TEXT NOT NULL," \
    "  prev_secret TEXT, prev_until_ms " INT " NOT NULL DEFAULT 0, updated_ms " INT " NOT NULL);"               \
    "CREATE TABLE hook_events(id TEXT PRIMARY KEY, account TEXT NOT NULL, type TEXT NOT NULL,"                 \
    "  subject TEXT NOT NULL, url TEXT NOT NULL, dest TEXT NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL,"  \
    "  attempts " INT " NOT NULL DEFAULT 0, created_ms " INT " NOT NULL, next_ms " INT " NOT NULL,"             \
    "  deadline_ms " INT " NOT NULL, lease_ms " INT " NOT NULL DEFAULT 0, owner TEXT, last_status " INT ","     \
    "  last_error TEXT, done_ms " INT ");"                                                                      \
    "CREATE INDEX hook_events_due ON hook_events(next_ms) WHERE state = 'pending';"                             \
    "CREATE INDEX hook_events_subject ON hook_events(subject);"                                                 \
    "CREATE INDEX hook_events_account ON hook_events(account, created_ms);"                                     \
    "CREATE INDEX hook_events_done ON hook_events(done_ms) WHERE state != 'pending';"                           \
    "CREATE TABLE hook_attempts(event_id TEXT NOT NULL, n " INT " NOT NULL, at_ms " INT " NOT NULL,"            \
    "  status " INT " NOT NULL, error TEXT NOT NULL, ms " INT " NOT NULL, owner TEXT NOT NULL,"                  \
    "  PRIMARY KEY(event_id, n));"

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
    /* 7: a running async or batch job's output as it comes, for GET
     * /v1/jobs/{id}/events (store_output.c); deleted once its result is
     * stored (the result holds every byte). */
    "CREATE TABLE job_output(job_id TEXT NOT NULL, run TEXT NOT NULL, stream INTEGER NOT NULL, off INTEGER NOT NULL,"
    "  len INTEGER NOT NULL, data TEXT NOT NULL, at_ms INTEGER NOT NULL, PRIMARY KEY(job_id, stream, off));"
    "CREATE INDEX job_output_age ON job_output(at_ms);",
    /* 8: sessions (store_sessions.c): where each lives and what it did. */
    "CREATE TABLE sessions(id TEXT PRIMARY KEY, account TEXT NOT NULL, state TEXT NOT NULL, reason TEXT,"
    "  executor TEXT, part INTEGER, memory_mb INTEGER NOT NULL, scratch_mb INTEGER NOT NULL,"
    "  idle_s INTEGER NOT NULL, lifetime_s INTEGER NOT NULL, created_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL,"
    "  execs INTEGER NOT NULL DEFAULT 0, memory_kb INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX sessions_account ON sessions(account, created_ms);",
    /* 9: an account's own limit of open sessions (admin limits). */
    "ALTER TABLE accounts ADD COLUMN max_sessions INTEGER;",
    /* 10: webhooks (store_hooks.c): each job's, batch's and session's
     * callback URL (decided when it is made; hook 1 until its event is
     * made), each account's default and secret, the events and their
     * attempts. */
    "ALTER TABLE jobs ADD COLUMN callback TEXT;"
    "ALTER TABLE jobs ADD COLUMN hook INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX jobs_hook ON jobs(finished_ms) WHERE hook = 1;"
    "ALTER TABLE batches ADD COLUMN callback TEXT;"
    "ALTER TABLE batches ADD COLUMN hook INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX batches_hook ON batches(created_ms) WHERE hook = 1;"
    "ALTER TABLE sessions ADD COLUMN callback TEXT;"
    "ALTER TABLE sessions ADD COLUMN hook INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX sessions_hook ON sessions(created_ms) WHERE hook = 1;"
    HOOK_TABLES("INTEGER"),
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
    /* 4: output as it comes (SQLite's 7). */
    "CREATE TABLE job_output(job_id TEXT NOT NULL, run TEXT NOT NULL, stream INTEGER NOT NULL, off BIGINT NOT NULL,"
    "  len BIGINT NOT NULL, data TEXT NOT NULL, at_ms BIGINT NOT NULL, PRIMARY KEY(job_id, stream, off));"
    "CREATE INDEX job_output_age ON job_output(at_ms);",
    /* 5: sessions (SQLite's 8). */
    "CREATE TABLE sessions(id TEXT PRIMARY KEY, account TEXT NOT NULL, state TEXT NOT NULL, reason TEXT,"
    "  executor TEXT, part INTEGER, memory_mb BIGINT NOT NULL, scratch_mb BIGINT NOT NULL,"
    "  idle_s BIGINT NOT NULL, lifetime_s BIGINT NOT NULL, created_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL,"
    "  execs BIGINT NOT NULL DEFAULT 0, memory_kb BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX sessions_account ON sessions(account, created_ms);",
    /* 6: max_sessions (SQLite's 9). */
    "ALTER TABLE accounts ADD COLUMN max_sessions BIGINT;",
    /* 7: webhooks (SQLite's 10). */
    "ALTER TABLE jobs ADD COLUMN callback TEXT;"
    "ALTER TABLE jobs ADD COLUMN hook BIGINT NOT NULL DEFAULT 0;"
    "CREATE INDEX jobs_hook ON jobs(finished_ms) WHERE hook = 1;"
    "ALTER TABLE batches ADD COLUMN callback TEXT;"
    "ALTER TABLE batches ADD COLUMN hook BIGINT NOT NULL DEFAULT 0;"
    "CREATE INDEX batches_hook ON batches(created_ms) WHERE hook = 1;"
    "ALTER TABLE sessions ADD COLUMN callback TEXT;"
    "ALTER TABLE sessions ADD COLUMN hook BIGINT NOT NULL DEFAULT 0;"
    "CREATE INDEX sessions_hook ON sessions(created_ms) WHERE hook = 1;"
    HOOK_TABLES("BIGINT"),
};

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

int st_migrate(struct db *d, char *errstr, size_t errstr_size)
{
    return (db_is_pg(d) ? migrate_pg : migrate_lite)(d, errstr, errstr_size);
}
