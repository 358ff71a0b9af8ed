/* quota: per-account request rate (a token bucket: requests_per_s, bursts
 * of twice that, each account's own), waiting calls counted per account,
 * and the account's own limits, read from the store and
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

/* Calls of an account waiting at once, counted exactly per account: sync
 * calls (--account-max-sync) and GETs waiting with ?wait=
 * (--account-max-waits); one account cannot take every waiting slot of the
 * API (--max-pending) from the others. quota_enter returns 0 and counts
 * the call, or 1 when the account already has max (0: no limit) of that
 * kind waiting; quota_leave uncounts it. */
enum quota_kind { QUOTA_SYNC = 0, QUOTA_WAIT = 1, QUOTA_NKINDS = 2 };
int quota_enter(struct quota *l, enum quota_kind kind, const char *account, long max, int64_t now_ms);
void quota_leave(struct quota *l, enum quota_kind kind, const char *account);
long quota_count(struct quota *l, enum quota_kind kind, const char *account);   /* tests */
/* Accounts the table holds now (idle ones are freed after a minute). */
long quota_entries(struct quota *l);

#endif
