/* pending: a table of job ids, each with data and a deadline, under one
 * mutex. The API keeps its waiting sync calls in one (the HTTP thread
 * adds; the reply thread takes, on a result, a delivery failure or a
 * passed deadline: whoever takes an entry owns the answer, and an id can
 * be taken once, so late and duplicate results are dropped), its
 * streams, waiting GETs and followers in others; the executor its
 * cancelled jobs (cancels.c). */
#ifndef EXECQ_PENDING_H
#define EXECQ_PENDING_H

#include <stddef.h>
#include <stdint.h>

struct pending;

/* Returns a table for at most max entries, or NULL on ENOMEM. With unique,
 * an id may be present once (sync calls); without, many entries may share an
 * id (calls waiting on one job or batch). */
struct pending *pending_new(size_t max, int unique);
void pending_free(struct pending *p);   /* entries' data is not touched; NULL-safe */

/* Adds id -> data, due at deadline_ms (util_mono_ms clock). Returns 0, or -1
 * if the table is full or id is already present. Does not own data. */
int pending_add(struct pending *p, const char *id, void *data, int64_t deadline_ms);

/* Removes id (one entry of it) and returns its data, or NULL if absent
 * (late or duplicate). */
void *pending_take(struct pending *p, const char *id);

/* Removes the entry (id, data) if still there. Returns 1 if it was. */
int pending_remove(struct pending *p, const char *id, void *data);

/* Removes every entry due at or before now_ms (all entries if now_ms is
 * INT64_MAX) and calls fn(data, arg) for each, outside the lock. Returns the count. */
size_t pending_expire(struct pending *p, int64_t now_ms, void (*fn)(void *data, void *arg), void *arg);

/* Calls fn(data, arg) on id's (first) entry with the table locked, so the
 * entry cannot be taken meanwhile; fn must be quick and must not call
 * back into the table. Returns 1 if found, 0 if not. */
int pending_find(struct pending *p, const char *id, void (*fn)(void *data, void *arg), void *arg);
/* The same for every entry. */
void pending_each(struct pending *p, void (*fn)(void *data, void *arg), void *arg);

size_t pending_count(struct pending *p);

#endif
