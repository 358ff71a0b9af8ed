/* store_int: what the store's own files (store*.c) share, and nothing
 * outside them includes: the handle, the transaction helpers, the schema
 * and the metrics' set-up. Every helper expects the caller to hold s->mu
 * unless it says otherwise. */
#ifndef EXECQ_STORE_INT_H
#define EXECQ_STORE_INT_H

#include <pthread.h>
#include <stddef.h>

#include "db.h"
#include "store.h"

/* NOTIFY channel of stored results: the payload is a job or batch id. */
#define STORE_CHANNEL "execq_done"

#define NELEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

struct store {
    struct db *db;
    pthread_mutex_t mu;         /* one connection: one caller at a time */
    char *target;               /* for the listener's own connection */
    struct db_listener *listener;
};

/* store_schema.c: creates the schema or applies the migrations this store
 * lacks. Returns 0, or -1 with errstr (a store newer than this binary). */
int st_migrate(struct db *d, char *errstr, size_t errstr_size);

/* store_jobs.c: registers the store's metrics (once, at open). */
void st_jobs_metrics(void);

/* Runs a SELECT and moves to its first row. Returns the cursor on it, or
 * NULL with *rc 1 (no row) or -1 (error). */
struct db_q *st_first_row(struct store *s, const char *sql, const struct db_arg *args, int nargs, int *rc);
/* Column col of q's row: copied into dst (NULL: ""), or as a malloc'd
 * string the caller frees (NULL when NULL). */
void st_copy_col(struct db_q *q, int col, char *dst, size_t size);
char *st_dup_col(struct db_q *q, int col);

/* A read of one row outside a transaction: st_row is st_first_row with
 * s->mu taken; st_row_end(s, q, ret) ends the cursor (NULL-safe), lets
 * s->mu go and returns ret. */
struct db_q *st_row(struct store *s, const char *sql, const struct db_arg *args, int nargs, int *rc);
long st_row_end(struct store *s, struct db_q *q, long ret);

/* A read of many rows: st_rows takes s->mu and runs sql, returning the
 * cursor (NULL on error); the caller steps it with db_next, then
 * st_rows_end(s, q, rc, n) ends it (NULL-safe), lets s->mu go and returns
 * n when the last db_next gave 0 (no more rows), else -1. */
struct db_q *st_rows(struct store *s, const char *sql, const struct db_arg *args, int nargs);
long st_rows_end(struct store *s, struct db_q *q, int rc, long n);

/* Locks account's row until the transaction ends (PostgreSQL: another
 * API's accept, refund or release of this account waits; SQLite holds
 * the one write lock already). Call in a transaction. Returns 0 with
 * *balance and *suspended (each when not NULL), 1 (no such account) or -1. */
int st_lock_account(struct store *s, const char *account, long *balance, int *suspended);

/* After a COMMIT failed: whether it landed all the same (a row sql finds
 * read back on a new connection when the old one was lost; sql NULL: none
 * can tell). Rolls back. Returns 1 (landed), 0 (not) or -1 (unknown). */
int st_commit_landed(struct store *s, const char *sql, const struct db_arg *args, int nargs);

/* One audit row, inside a transaction. Returns 0 or -1. */
int st_audit(struct store *s, const char *actor, const char *action, const char *account, const char *detail,
             const char *reason);

/* Runs sql (args: $1 is the account) and an audit row in one transaction;
 * takes s->mu itself. Returns 0, 1 (no such account) or -1. */
int st_change(struct store *s, const char *sql, const struct db_arg *args, int nargs, const char *actor,
              const char *action, const char *detail, const char *reason);

/* store_idem.c: the request's Idempotency-Key, inside the transaction
 * that makes its change (the account's row locked, so a request with the
 * same key waits here for the first to commit). balance: the account's
 * balance after the change. Returns 1 when the key is live already (k's
 * found_* filled), 0 when written now with its answer, -1 on error. */
int st_idem_take(struct store *s, struct store_idem *k, long balance);

/* store_hooks.c: in store_jobs_accept's or store_session_add's
 * transaction, the URL each event of account's new work goes to (url[i]
 * for event bit 1 << i, malloc'd; NULL: none): cb's own when it names one,
 * else the account's default (cb NULL: none at all). Returns 0 or -1. */
int st_hook_urls(struct store *s, const char *account, const struct store_callback *cb, char *url[3]);

#endif
