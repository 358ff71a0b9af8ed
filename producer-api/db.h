/* db: one SQL connection, SQLite or PostgreSQL, behind the small interface
 * the store (store.c) is written against, so its queries are written once.
 *
 * The shared dialect: parameters are $1..$N (SQLite reads "$1" as a named
 * parameter, PostgreSQL as a positional one) and are typed by their
 * struct db_arg (text, 64-bit integer, NULL); results hold no booleans
 * (CASE ... THEN 1 ELSE 0); a SELECT ending in " FOR UPDATE" locks its rows
 * on PostgreSQL (on SQLite the clause is dropped: db_begin there is BEGIN
 * IMMEDIATE, the one write lock). Where the dialects differ (dates, JSON,
 * row ids), the caller asks db_is_pg() and picks the text.
 *
 * Not thread-safe: the caller serializes calls on one struct db (the store
 * holds its mutex). A listener (db_listen_start) has its own connection and
 * thread. */
#ifndef EXECQ_DB_H
#define EXECQ_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_q;

struct db_arg {
    char type;   /* 't' text (NULL t: SQL NULL), 'i' integer, 'n' NULL */
    const char *t;
    int64_t i;
};
#define DB_T(s) ((struct db_arg){'t', (s), 0})
#define DB_I(v) ((struct db_arg){'i', NULL, (int64_t)(v)})
#define DB_NULL ((struct db_arg){'n', NULL, 0})
/* An argument list for db_run and db_do: DB_ARGS(DB_T(id), DB_I(n)). */
#define DB_ARGS(...) (const struct db_arg[]){__VA_ARGS__}, \
                     (int)(sizeof((const struct db_arg[]){__VA_ARGS__}) / sizeof(struct db_arg))

/* Returns 1 if target names PostgreSQL (postgres:// or postgresql://, or a
 * libpq "key=value" string holding "dbname="), 0 for a SQLite file path. */
int db_target_is_pg(const char *target);

/* Opens target (see db_target_is_pg). Returns 0, or -1 with the reason in
 * errstr. The caller frees *out with db_close(). */
int db_open(struct db **out, const char *target, char *errstr, size_t errstr_size);
/* PostgreSQL, every connection opened after: how long a statement or a
 * connection attempt may take (client and server side) before it fails;
 * after such a failure, calls fail at once for 2 s. Default 3000. */
void db_set_timeout_ms(long ms);
void db_close(struct db *d);   /* NULL-safe */
int db_is_pg(const struct db *d);
const char *db_error(struct db *d);   /* the last error's text */

/* Runs sql with its arguments and returns a cursor before its first row,
 * or NULL on error (logged). The caller ends it with db_end(). */
struct db_q *db_run(struct db *d, const char *sql, const struct db_arg *args, int nargs);
/* Moves to the next row: 1 (a row), 0 (no more), -1 (error, logged). */
int db_next(struct db_q *q);
/* The current row's column col: text (NULL for SQL NULL; valid until the
 * next db_next or db_end), integer (0 for NULL), NULL test, byte length. */
const char *db_text(struct db_q *q, int col);
int64_t db_int(struct db_q *q, int col);
int db_null(struct db_q *q, int col);
size_t db_bytes(struct db_q *q, int col);
void db_end(struct db_q *q);   /* NULL-safe */

/* Runs a statement to its end. Returns the rows it changed (>= 0), or -1
 * on error (logged). */
long db_do(struct db *d, const char *sql, const struct db_arg *args, int nargs);
/* Runs one or more statements without arguments (schema). 0 or -1. */
int db_exec(struct db *d, const char *sql);

/* Transactions: BEGIN IMMEDIATE on SQLite, BEGIN (read committed, rows
 * locked with FOR UPDATE) on PostgreSQL. Each returns 0 or -1. */
int db_begin(struct db *d);
/* 1 when the PostgreSQL connection is lost (the last call failed on it),
 * 0 otherwise: a failed COMMIT then may have landed. */
int db_lost(const struct db *d);
int db_commit(struct db *d);
void db_rollback(struct db *d);

/* PostgreSQL's LISTEN: a thread with its own connection to target calls
 * fn(payload, arg) for each NOTIFY on channel, and fn(NULL, arg) after
 * each reconnection (notifications may have been missed). Returns the
 * listener, or NULL with the reason in errstr. */
struct db_listener;
struct db_listener *db_listen_start(const char *target, const char *channel, void (*fn)(const char *payload, void *arg),
                                    void *arg, char *errstr, size_t errstr_size);
void db_listen_stop(struct db_listener *l);   /* NULL-safe; joins the thread */

#endif
