/* store: the API's database: accounts (keys kept only as SHA-256 hashes),
 * the credit ledger (one charge row per job id, one refund row at most),
 * async jobs and batches with their results, idempotency keys and the
 * signup log. SQLite (a file, WAL: one API) or PostgreSQL (shared by any
 * number of APIs: charging, limits and results stay exactly-once across
 * them), one set of queries over db.h. One connection behind one mutex;
 * every call is a short transaction, so the HTTP threads and the results
 * thread share it. */
#ifndef EXECQ_STORE_H
#define EXECQ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "job.h"

struct store;

struct store_account {
    char id[40];
    long balance, granted, charged, refunded, runs;
    int64_t created_ms;
};

/* A stored job. Strings are malloc'd; store_job_release() frees them. */
struct store_job {
    char id[37];
    char batch_id[37];        /* "" when not in a batch */
    char kind[8];
    char status[12];          /* queued, running, completed */
    char *result;             /* the HTTP result object (JSON), or NULL until completed */
    int64_t created_ms, finished_ms;
};

enum store_accept { STORE_ACCEPTED = 0, STORE_NO_CREDITS = 1, STORE_TOO_MANY = 2, STORE_REPEAT = 3, STORE_ERROR = -1,
                   STORE_UNSURE = -2 /* the connection was lost in COMMIT and could not be read back */ };

/* An Idempotency-Key, written in the same transaction as the change it
 * names (jobs accepted and charged, credits granted): a crash between the
 * two, or the same key sent to two APIs at once, cannot make the change
 * twice. The transaction locks the account's row first, so a second
 * request with the key waits for the first to commit and then finds it. */
struct store_idem {
    const char *scope;        /* whose keys: the account, or "admin" */
    const char *route, *key, *body_hash;
    int64_t since_ms;         /* keys made before have expired (replaced) */
    int status;               /* the answer saved with the key: status, */
    const char *response;     /* and body; or, when NULL, */
    char *(*answer)(long balance, void *arg);   /* made in the transaction from the balance after (malloc'd) */
    void *arg;
    /* out, when the key was live already (STORE_REPEAT): the first
     * request's body hash and answer (malloc'd: the caller frees it) */
    char found_hash[65];
    int found_status;
    char *found_response;
};

/* Per-account limits on async and batch work (not sync calls). */
struct store_limits {
    long max_queued;   /* handed to Kafka and unfinished at once; the rest held (0: no limit) */
    long max_open;     /* unfinished at once, held included; beyond, refused (0: no limit) */
};

/* ---- store.c: opening, the listener ---- */

/* Opens target, a SQLite file path (created if needed) or a PostgreSQL
 * URL (postgres://...), and brings its schema up to date. Returns 0, or -1
 * with the reason in errstr. The caller frees *out with store_close(). */
int store_open(struct store **out, const char *target, char *errstr, size_t errstr_size);
void store_close(struct store *s);   /* NULL-safe; stops the listener */

/* 1 if other processes may share this store (PostgreSQL), 0 if not. */
int store_shared(const struct store *s);
/* Shared store: calls fn(id, arg) from a thread of its own whenever any
 * process sharing it stores a result (id: the job's, and the batch's when
 * that result completed it), and fn(NULL, arg) when some may have been
 * missed (after a reconnection). Not shared: does nothing (the caller
 * wakes its own waiters). Returns 0, or -1 with the reason in errstr. */
int store_listen(struct store *s, void (*fn)(const char *id, void *arg), void *arg, char *errstr, size_t errstr_size);

/* ---- store_accounts.c: accounts, keys, limits, signups, audit, usage ---- */

/* Creates an account for key_hash with credits. Writes its id. Returns 0 or -1. */
int store_account_create(struct store *s, const char *key_hash, long credits, char id[40], char *errstr,
                         size_t errstr_size);
/* Creates account id for key_hash with credits unless it exists (its balance
 * is then left alone). A changed key_hash (the demo key configured anew)
 * replaces the account's previous configured key; keys an operator added
 * stay. Returns 0 or -1. */
int store_account_ensure(struct store *s, const char *id, const char *key_hash, long credits, char *errstr,
                         size_t errstr_size);
/* Finds the account of a key (unexpired). Returns 0 with its id, 2 when the
 * account is suspended (the reason in suspended), 1 when no such key, or -1. */
int store_account_by_key(struct store *s, const char *key_hash, char id[40], char *suspended, size_t suspended_size);

/* Operator changes, each with an audit row (actor, reason), in one
 * transaction. Each returns 0, 1 (no such account) or -1. */
/* store_grant: with idem (NULL: none), 2 when its key was live already
 * (idem's found_* filled, nothing granted); *balance (when not NULL) gets
 * the balance after. */
int store_grant(struct store *s, const char *account, long credits, const char *actor, const char *reason,
                struct store_idem *idem, long *balance);
/* on: suspended (its calls get 403, the reason said); off: reinstated. */
int store_suspend(struct store *s, const char *account, int on, const char *actor, const char *reason);
/* A new key (by hash) for account. It expires when like_hash (a key of
 * the account: the one a user rotates with) does, if that one expires; a
 * key in its grace period cannot mint one that outlives it. like_hash
 * NULL: it does not expire. */
int store_key_add(struct store *s, const char *account, const char *key_hash, const char *like_hash,
                  const char *actor, const char *reason);
/* Makes keys of account expire at at_ms (or earlier if they already do):
 * only only_hash when given, else all but except_hash (NULL: all). */
int store_keys_expire(struct store *s, const char *account, const char *except_hash, const char *only_hash,
                      int64_t at_ms, const char *actor, const char *reason);

/* Calls fn(id, at_ms, arg) for every suspended account, at_ms the time of
 * its suspension (its audit row). Returns how many, or -1. */
long store_suspended_each(struct store *s, void (*fn)(const char *id, int64_t at_ms, void *arg), void *arg);

/* Accounts whose id contains search ("" for all), by age, limit from
 * offset: fn for each (suspended: the reason, or NULL). Returns how many, or -1. */
long store_accounts_list(struct store *s, const char *search, long offset, long limit,
                         void (*fn)(const struct store_account *a, const char *suspended, void *arg), void *arg);
/* Per day (UTC) since since_ms: runs, credits charged and refunded, CPU ms
 * (as long as retention keeps the rows). Returns days, or -1. */
long store_usage(struct store *s, const char *account, int64_t since_ms,
                 void (*fn)(const char *day, long runs, long charged, long refunded, long cpu_ms, void *arg), void *arg);
/* The account's audit rows, newest first, at most limit. Returns how many, or -1. */
long store_audit_list(struct store *s, const char *account, long limit,
                      void (*fn)(int64_t at_ms, const char *actor, const char *action, const char *detail,
                                 const char *reason, void *arg),
                      void *arg);
/* The account's keys (hash, created, expires or 0). Returns how many, or -1. */
long store_keys_list(struct store *s, const char *account,
                     void (*fn)(const char *hash, int64_t created_ms, int64_t expires_ms, void *arg), void *arg);
/* Balance and usage from the ledger. Returns 0, 1 (no such account) or -1. */
int store_account_get(struct store *s, const char *id, struct store_account *a);

/* A signup from addr: if fewer than max were made from it in the last
 * window_ms, records it and creates the account (key_hash, credits; its
 * id in id), all in one transaction that signups from addr through any
 * API take in turns. Returns 1 (created), 0 (refused) or -1. */
int store_signup(struct store *s, const char *addr, int64_t now_ms, int64_t window_ms, int max, const char *key_hash,
                 long credits, char id[40]);

/* An account's own limits, overriding the configured ones: max_queued,
 * max_open, requests_per_s, max_batch_jobs, max_sessions; -1 = the default. */
#define STORE_NLIMITS 5
/* Sets them (with an audit row). Returns 0, 1 (no such account) or -1. */
int store_set_limits(struct store *s, const char *account, const long v[STORE_NLIMITS], const char *actor,
                     const char *reason);
/* Reads them. Returns 0, 1 (no such account) or -1. */
int store_get_limits(struct store *s, const char *account, long v[STORE_NLIMITS]);

/* ---- store_jobs.c: jobs, batches and results ---- */

/* Stores n jobs (jobs[i] with its message json[i]) for account, in batch
 * batch_id (NULL: none), and charges each jobs[i].credits, all in one
 * transaction: all are accepted or none. With lim (async and batch jobs),
 * only the first *release jobs are to be handed to Kafka now; the others
 * are stored held (store_release hands them on later). Returns
 * STORE_ACCEPTED, STORE_NO_CREDITS (nothing stored or charged; *balance
 * set), STORE_TOO_MANY (max_open would be passed; nothing stored or
 * charged; *balance set to the account's open jobs, *release to its
 * max_open), STORE_REPEAT (idem's key is live: nothing stored, idem's
 * found_* filled) or STORE_ERROR. lim holds the configured limits; an
 * account's own (store_set_limits) win. idem: the request's
 * Idempotency-Key, or NULL. A COMMIT whose connection was lost is read
 * back after reconnecting: the answer is what the store holds. */
/* cb: the callback asked for (async and batch jobs; NULL: none and no
 * account default either, as for sync calls): its URL decided here, in
 * the same transaction, and kept with each job (and the batch). */
struct store_callback;
enum store_accept store_jobs_accept(struct store *s, const char *account, const char *batch_id,
                                    const struct job *jobs, char *const *json, size_t n,
                                    const struct store_limits *lim, const struct store_callback *cb,
                                    struct store_idem *idem, long *balance, size_t *release);

/* Jobs held now (all accounts), or -1. */
long store_held_count(struct store *s);

/* Marks released the held jobs of account (NULL: of every account) that
 * its max_queued now allows, oldest first, and once that has committed
 * hands them to Kafka through fn (called with s's lock held: it must only
 * queue); a failed commit hands none. A suspended account's jobs stay
 * held. Returns how many, or -1. */
long store_release(struct store *s, const char *account, const struct store_limits *lim,
                   void (*fn)(const char *id, const char *kind, const char *json, void *arg), void *arg);

/* Marks jobs as handed to Kafka (their delivery reports came), n ids in
 * one transaction. Returns 0 or -1. */
int store_jobs_produced(struct store *s, char (*ids)[37], size_t n);
/* Marks a queued job running (an executor took it). */
void store_job_running(struct store *s, const char *id);

/* Stores a job's result (http_json: the HTTP result object; outcome: its
 * kind, as execq_jobs_total counts it) unless one is stored already;
 * refunds the charge when refund is set (the job never ran). A result of a
 * run (refund 0) replaces a stored "lost" or "expired" one, which was
 * only the API's or an executor's view of a copy: the job is charged
 * again (if the balance allows; the audit says which). Returns 1 if stored now, 0 if it was a duplicate or unknown job, -1
 * on error. *batch_id gets the job's batch when this result completed it,
 * "" otherwise (not in a batch, or more to come): whom to wake. */
int store_result(struct store *s, const char *id, const char *http_json, const char *outcome, int refund,
                 int64_t finished_ms, char batch_id[37]);

/* One result for store_results: the inputs as store_result's, the
 * outcome filled in. Strings are the caller's. */
struct store_outcome {
    const char *id, *http_json, *outcome;
    int refund;
    int only_held;        /* store it only if the job is still held (never handed to Kafka): a cancel */
    int64_t finished_ms;
    int stored;           /* out: 1 stored now, 0 a duplicate or not ours */
    int replaced;         /* out: stored over a "lost" or "expired" result (a late run) */
    char batch_id[37];    /* out: the batch this result completed, or "" */
    char account[40];     /* out: the job's account when stored now */
    long refunded;        /* out: credits given back (negative: charged again, a late real result) */
};
/* Stores n results in one transaction (the results consumer's batch: one
 * commit, and on a shared store one round trip per ordinary result).
 * Rows are locked in one order whatever the results' order: the accounts
 * (by id), then the jobs (by id), then the batches (by id); so are they by
 * every other transaction that locks more than one.
 * Returns how many were stored now, or -1 when none was (each outcome's
 * stored is then 0: retry them all). */
long store_results(struct store *s, struct store_outcome *o, size_t n);

/* Reads job id of account. Returns 0, 1 (no such job for this account) or -1. */
int store_job_get(struct store *s, const char *id, const char *account, struct store_job *j);
void store_job_release(struct store_job *j);

/* Reads batch id of account: its size, counts by status, and up to limit
 * jobs from offset (in submission order) into jobs[] (caller-provided,
 * limit entries; release each), stopping before the results pass
 * max_bytes (but always at least one). Returns 0, 1 (not found) or -1. */
int store_batch_get(struct store *s, const char *id, const char *account, long offset, long limit,
                    size_t max_bytes, long *size, long counts[3], struct store_job *jobs, long *njobs);

/* Calls fn for every job accepted before before_ms whose message Kafka
 * never acknowledged (accepted just before a crash, or refused while Kafka
 * was away). Returns the count, or -1. */
long store_unproduced(struct store *s, int64_t before_ms,
                      void (*fn)(const char *id, const char *kind, const char *json, void *arg), void *arg);

/* Fills ids with up to max open jobs (queued or running) whose deadline
 * (expires_at_ms) is more than bound_ms before now_ms: no executor can
 * still be running them. Returns the count, or -1. */
long store_overdue(struct store *s, int64_t now_ms, int64_t bound_ms, char (*ids)[37], long max);

/* ---- store_idem.c: Idempotency-Keys ---- */

/* Idempotency: looks up (account, route, key) among keys made since
 * since_ms (older ones have expired). Returns 0 and fills body_hash,
 * *status and *response (malloc'd) if found, 1 if not, -1 on error. */
int store_idem_get(struct store *s, const char *account, const char *route, const char *key, int64_t since_ms,
                   char body_hash[65], int *status, char **response);
/* Forgets (account, route, key): its answer was not final. Returns 0 or -1. */
int store_idem_delete(struct store *s, const char *account, const char *route, const char *key);

/* ---- store.c: reply-partition leases ---- */

/* Reply partitions: the partition of the results topic an API reads its
 * sync replies from, leased to one API at a time (owner: a name that
 * stays the same across the API's restarts). store_reply_claim takes, until
 * until_ms, partition want if it is free, expired or owner's own (want >=
 * 0), else owner's own or the lowest such of 0..nparts-1: returns it, or
 * -1 when it is (every one is) held by another API, or on error.
 * store_reply_renew extends owner's lease of part: 1, or 0 when another
 * API holds it now, or -1. store_reply_release gives it up. */
int store_reply_claim(struct store *s, const char *owner, int nparts, int want, int64_t now_ms, int64_t until_ms);
int store_reply_renew(struct store *s, const char *owner, int part, int64_t now_ms, int64_t until_ms);
void store_reply_release(struct store *s, const char *owner, int part);

/* ---- store_output.c: a running job's output as it comes ---- */

/* Stores n chunks (job_output) of async and batch jobs in one
 * transaction: a chunk of a job completed already (its result has every
 * byte), or of no job of this store, is skipped; a chunk of another run
 * than the one stored replaces that run's (the job started again); a
 * chunk stored already changes nothing. On PostgreSQL every API hears of
 * it (store_listen's fn gets "o:<id>"). Returns the chunks stored, or -1. */
long store_output_add(struct store *s, const struct job_output *o, size_t n);

/* Calls fn for each stored chunk of job id with bytes past pos[stream],
 * at most max, in the order they were stored. Returns the count, or -1. */
long store_output_since(struct store *s, const char *id, const size_t pos[2], long max,
                        void (*fn)(const struct job_output *o, void *arg), void *arg);

/* ---- store_sessions.c: sessions ---- */

/* A session as stored. state: "starting" (its create job runs), "open",
 * "ended" (reason: deleted, died, lost, idle_timeout, max_lifetime) or
 * "failed" (never made). Idle and lifetime ends are not written when they
 * happen (the executor ends the sandbox): store_session_view says them. */
struct store_session {
    char id[37], account[64], state[16], reason[32], executor[160];
    int part;
    long memory_mb, scratch_mb, idle_s, lifetime_s, execs, memory_kb;
    int64_t created_ms, last_ms;
};

/* Adds a starting session unless account has max_open open ones already
 * (or its own max_sessions, admin limits; 0: no limit). Its session.ended
 * goes to cb's URL (cb->url NULL: the account's default, as it is now), a
 * fork's (parent: the session forked) where its parent's goes. Returns 0,
 * 1 (too many: nothing stored) or -1. */
int store_session_add(struct store *s, const struct store_session *x, const struct store_callback *cb,
                      const char *parent, long max_open, int64_t now_ms);
/* Reads session id of account into x. Returns 0, 1 (none) or -1. */
int store_session_get(struct store *s, const char *id, const char *account, struct store_session *x);
/* The account's sessions, newest first, at most max. Returns the count or -1. */
long store_session_list(struct store *s, const char *account, long max,
                        void (*fn)(const struct store_session *x, void *arg), void *arg);
/* A starting session made on executor (its execs go to partition part). */
int store_session_placed(struct store *s, const char *id, const char *executor, int part);
/* Ends session id (state "ended" or "failed", with reason) unless ended,
 * or whatever its state (always: a DELETE, after which it is gone). */
int store_session_end(struct store *s, const char *id, const char *state, const char *reason, int always);
/* An exec sent (at_ms: its idle clock starts again) or done (ran: counted;
 * memory_kb: its peak; ended/lost: the session is gone, reason). */
int store_session_exec(struct store *s, const char *id, int64_t at_ms, int ran, long memory_kb);
/* x's state as of now_ms: an open session past its idle timeout or its
 * lifetime is "ended" with that reason (its executor ended it then). */
void store_session_view(struct store_session *x, int64_t now_ms);

/* ---- store_hooks.c: webhooks (docs/webhooks.md) ---- */

/* A callback asked for with a job or a batch (url given, its events), or
 * none given (url NULL): the account's default then, if it has one. A
 * job's URL is decided when it is accepted and kept with it. */
struct store_callback {
    const char *url;
    unsigned events;      /* webhook.h's mask */
};

/* An account's webhook settings: its default URL and events, and the
 * secret that signs every callback of the account (and the one before a
 * rotation, until prev_until_ms). */
struct store_webhook {
    char url[2049];       /* "" when it has no default */
    unsigned events;
    char secret[71], prev_secret[71];
    int64_t prev_until_ms, updated_ms;
};
/* Reads account's settings, made (no URL, a new secret) if it has none.
 * Returns 0 or -1. */
int store_webhook_get(struct store *s, const char *account, struct store_webhook *w);
/* Sets (url non-NULL) or removes (url NULL) account's default URL and its
 * events; w gets the settings after. Returns 0 or -1. */
int store_webhook_set(struct store *s, const char *account, const char *url, unsigned events,
                      struct store_webhook *w);
/* A new secret for account; the current one keeps signing beside it until
 * now_ms + grace_ms. w gets the settings after. Returns 0 or -1. */
int store_webhook_rotate(struct store *s, const char *account, int64_t now_ms, int64_t grace_ms,
                         struct store_webhook *w);

/* An event to deliver, and its state. Strings are malloc'd
 * (store_hook_event_release frees them). */
struct store_hook_event {
    char id[37], account[64], type[20], subject[37], state[12];
    char *url, *dest, *body;
    char *secret, *prev_secret;      /* claimed events only: the account's (prev NULL out of grace) */
    char *last_error;
    long attempts;
    int last_status;
    int64_t created_ms, next_ms, deadline_ms, done_ms;
};
void store_hook_event_release(struct store_hook_event *e);

/* The account's events, newest first: of subject (a job, batch or
 * session id, or an event's own id; NULL: any), in state (NULL: any), at most limit. fn gets each (without
 * its body or secrets). Returns how many, or -1. */
long store_hook_events_list(struct store *s, const char *account, const char *subject, const char *state,
                            long limit, void (*fn)(const struct store_hook_event *e, void *arg), void *arg);
/* One delivery attempt of an event, as recorded. */
struct store_hook_attempt {
    long n;
    int64_t at_ms;
    long ms;
    int status;           /* the HTTP status, 0 when none came */
    const char *error;    /* "" when it was delivered */
};
/* The attempts of event id, in order. Returns how many, or -1. */
long store_hook_attempts(struct store *s, const char *id,
                         void (*fn)(const struct store_hook_attempt *a, void *arg), void *arg);
/* Sends event id of account again: pending from now, with a new deadline.
 * Returns 0, 1 (no such event) or 2 (pending already), or -1. */
int store_hook_replay(struct store *s, const char *account, const char *id, int64_t now_ms, int64_t deadline_ms);

/* execq-hooks: what ended and has a callback (a job, a batch, a session),
 * handed to make(), whose body (malloc'd, or NULL to skip) becomes its
 * event, made once (its id is made from the type and subject). */
struct store_hook_subject {
    const char *type;      /* "job.completed", "batch.completed", "session.ended" */
    const char *id, *account, *url;
    const char *batch_id;  /* a job's batch, or NULL */
    const char *result;    /* a job's stored result */
    int64_t finished_ms;
    long size, counts[8];  /* a batch: its size and its jobs by outcome (store_hook_outcomes' order) */
    const struct store_session *session;
    const char *replaces;  /* a job's earlier event, made before its result was replaced (a late run's
                            * over "lost" or "expired"), or NULL */
};
extern const char *const store_hook_outcomes[8];
/* Makes the events of up to max ended subjects (their callback kept with
 * them), each due at now_ms and dead after now_ms + ttl_ms. Returns how
 * many were made, or -1. */
long store_hook_make(struct store *s, int64_t now_ms, int64_t ttl_ms, long max,
                     char *(*make)(const struct store_hook_subject *x, const char *event_id, void *arg), void *arg);
/* One attempt's outcome to record: event id (claimed by owner), the
 * attempt, and the event's state after it: "delivered", "pending" (again
 * at next_ms) or "dead". */
struct store_hook_record {
    const char *id;
    struct store_hook_attempt a;
    const char *state;
    int64_t next_ms;
    int lost;             /* out: 1 when not owner's any more (its lease passed): nothing recorded */
};
/* Records r[0..nr) (their leases lapse if it fails, and they are tried
 * again), then claims up to max due events for owner until
 * lease_until_ms: of each destination, the earliest due, as many as
 * per_dest less those leased now by any owner (so per_dest is the most
 * in flight to one destination from all the daemons together). All in one
 * transaction (one commit per round of the sender). Fills out[] (release
 * each). Returns how many were claimed, or -1 (nothing recorded or claimed). */
long store_hook_claim(struct store *s, const char *owner, struct store_hook_record *r, size_t nr, int64_t now_ms,
                      int64_t lease_until_ms, long per_dest, struct store_hook_event *out, long max);
/* Gives back every event owner holds (its restart). Returns how many, or -1. */
long store_hook_unclaim(struct store *s, const char *owner);
/* Pending events, the oldest one's creation (0: none), dead letters.
 * Returns 0 or -1. */
int store_hook_stats(struct store *s, long *pending, int64_t *oldest_ms, long *dead);

/* ---- store_prune.c: retention ---- */

/* Retention, one small round: deletes at most max rows of each kind among
 * finished jobs (finished before jobs_before_ms; a batch's only when every
 * job of the batch is, all together) with their emptied batches
 * and their ledger rows, idempotency keys made before idem_before_ms and
 * signup records before signups_before_ms, the output chunks of
 * completed jobs, or older than an hour, and sessions last used before
 * jobs_before_ms that have ended. Returns the rows deleted. */
long store_prune(struct store *s, int64_t jobs_before_ms, int64_t idem_before_ms, int64_t signups_before_ms,
                 int max);

#endif
