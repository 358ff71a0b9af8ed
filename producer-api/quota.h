/* quota: per-account request rate (a token bucket: requests_per_s, bursts
 * of twice that) and the account's own limits, read from the store and
 * cached for QUOTA_CACHE_MS (an operator's change applies within that). */
#ifndef EXECQ_QUOTA_H
#define EXECQ_QUOTA_H

#include <stdint.h>

#include "store.h"

#define QUOTA_CACHE_MS 5000

struct quota;

/* Returns a limiter with the configured defaults (0: no limit), or NULL. */
struct quota *quota_new(long default_rps, long default_max_batch);
void quota_free(struct quota *l);   /* NULL-safe */

/* Takes one request of account now. Returns 0 (go on), or 1 (over its
 * rate: *retry_after_s set). */
int quota_take(struct quota *l, struct store *s, const char *account, int64_t now_ms, int *retry_after_s);

/* The largest batch account may submit. */
long quota_max_batch(struct quota *l, struct store *s, const char *account, int64_t now_ms);

/* Forgets account's cached limits (after an operator changed them). */
void quota_forget(struct quota *l, const char *account);

/* Sync calls of an account waiting at once, counted exactly (not in the
 * hashed buckets above, which a collision may restart): one account cannot
 * take every waiting slot of the API (--max-pending) from the others.
 * quota_sync_enter returns 0 and counts the call, or 1 when the account
 * already has max (0: no limit) waiting; quota_sync_leave uncounts it. */
int quota_sync_enter(struct quota *l, const char *account, long max);
void quota_sync_leave(struct quota *l, const char *account);
long quota_sync_count(struct quota *l, const char *account);   /* tests */

#endif
