/* routes: every route handler of the API, by the file that implements
 * it. api.c's route table dispatches to them; each sets r's answer
 * (req.h), or suspends r to be resumed later (a sync call until its
 * result comes back, a GET with ?wait= until what it asks about ends).
 * None of them calls into api.c. */
#ifndef EXECQ_ROUTES_H
#define EXECQ_ROUTES_H

#include "api.h"

struct api_req;

/* submit.c: the routes that make jobs, each with its Idempotency-Key.
 * POST /v1/exec-python (a sync call: stored and charged, produced, its
 * connection suspended until replies.c finishes it), POST /v1/jobs
 * (async), POST /v1/batches. */
void submit_exec(struct api *a, struct api_req *r);
void submit_job(struct api *a, struct api_req *r);
void submit_batch(struct api *a, struct api_req *r);
/* The tail of every sync call (stamped j, the caller's to release): stored
 * and charged with the Idempotency-Key kp (or NULL), registered as
 * waiting (streamed if j->stream), produced (to the jobs topic, or to
 * partition session_part >= 0 of the sessions topic) and suspended; r is
 * answered on every failure. */
struct store_idem;
struct cJSON;
/* Helpers of the other routes that make sync jobs (sessions.c): r's body
 * parsed (NULL: r answered 400), refused while stopping or with Kafka
 * down (1: r answered), and j stamped as a sync call (id, account, times,
 * the price; streamed if asked). */
struct cJSON *submit_parse_body(struct api_req *r);
int submit_refuse_now(struct api *a, struct api_req *r);
/* A job's "env" that no executor has ready: 1 when r is answered (400
 * unknown_env, 409 env_unavailable; envlist.h), before anything is charged. */
int submit_env_refused(struct api *a, struct api_req *r, const char *env);
/* submit_refuse_now, then the account's waiting sync calls
 * (--account-max-sync: 429) counted for r: 1 when r is answered. */
int submit_admit_sync(struct api *a, struct api_req *r);
/* Counts r among the account's waiting calls of its kind (wait: GETs
 * waiting or following, --account-max-waits; else sync calls,
 * --account-max-sync) until it ends, or answers 429 too_many_jobs with
 * refusal: 1 when r is answered. */
int submit_count_waiting(struct api *a, struct api_req *r, int wait, const char *refusal);
void submit_stamp_sync(struct api *a, struct api_req *r, struct job *j);
void submit_sync(struct api *a, struct api_req *r, struct job *j, struct store_idem *kp, int32_t session_part);
/* Marks job id, accepted and charged but never handed to Kafka, failed
 * (queue_unavailable, why) and refunded, and wakes whoever waits for it. */
void submit_fail_unqueued(struct api *a, const char *id, const char *why);

/* query.c: GET /v1/jobs/{id} and GET /v1/batches/{id}, with ?wait=N. */
void query_job(struct api *a, struct api_req *r);
void query_batch(struct api *a, struct api_req *r);
/* Answers a repeated sync call (r->path_id: its job) with the job's result,
 * as the first call got it, waiting until r->wait_deadline if needed. */
void query_replay(struct api *a, struct api_req *r);

/* cancel.c: POST /v1/jobs/{id}/cancel: a queued job never runs (refunded),
 * a running one is killed (charged: it ran), an ended one answers 409. */
void cancel_job(struct api *a, struct api_req *r);

/* follow.c: GET /v1/jobs/{id}/events: the job's output so far, then as
 * it comes, then its result (Server-Sent Events); Last-Event-ID resumes. */
void follow_job(struct api *a, struct api_req *r);

/* sessions.c: POST/GET /v1/sessions (make one; list the account's),
 * GET/DELETE /v1/sessions/{id} (its state; end it), POST
 * /v1/sessions/{id}/exec (run code in it: a sync call). Another account's
 * session is 404; an ended one 410 session_lost. */
void sessions_route(struct api *a, struct api_req *r);
void session_route(struct api *a, struct api_req *r);
void session_exec(struct api *a, struct api_req *r);
/* POST /v1/sessions/{id}/fork: a new session whose interpreter is a
 * copy-on-write copy of this one's (answered as a create is). */
void session_fork(struct api *a, struct api_req *r);
/* The answer to a create (replies.c, r->session_create): the session, now
 * placed in the store, or why it was not made. Takes nothing. */
struct result;
void sessions_created(struct api *a, struct api_req *r, const struct result *res);

/* webhooks.c: callbacks. A job's or batch's "callback_url" and
 * "callback_events" from its body o (events among allowed, def when none
 * named) into cb (cb->url NULL: none given; it points into o): 0, or 1
 * with r answered 400. GET/POST/DELETE /v1/webhooks (the account's
 * default URL and secret), POST /v1/webhooks/rotate (a new secret, the
 * old one still signing for grace_s), GET /v1/webhooks/deliveries (the
 * account's events, ?state=, ?subject=), POST
 * /v1/webhooks/deliveries/{id}/replay (sent again), GET
 * /v1/jobs/{id}/deliveries (a job's events and every attempt). */
struct store_callback;
int webhooks_callback_parse(struct api *a, struct api_req *r, const struct cJSON *o, unsigned allowed, unsigned def,
                            struct store_callback *cb);
void webhooks_route(struct api *a, struct api_req *r);
void webhooks_rotate(struct api *a, struct api_req *r);
void webhooks_deliveries(struct api *a, struct api_req *r);
void webhooks_replay(struct api *a, struct api_req *r);
void webhooks_job_deliveries(struct api *a, struct api_req *r);

/* accounts.c: POST /v1/signup (a new account and its first key, shown
 * once) and GET /v1/account (the caller's balance and usage). */
void accounts_signup(struct api *a, struct api_req *r);
void accounts_get(struct api *a, struct api_req *r);

/* admin.c: the operator's API, under /v1/admin/, authenticated by the
 * operator token (EXECQ_ADMIN_TOKEN or --admin-token-file; never a user
 * key; with none configured every admin path is 404):
 *   GET  accounts?q=&offset=&limit=        accounts, paged, searched by id
 *   GET  accounts/{id}                     one account and its keys
 *   GET  accounts/{id}/usage?days=N        per day: runs, credits, CPU time
 *   GET  accounts/{id}/audit?limit=N       the operator changes to it, newest first
 *   POST accounts/{id}/credits             {"credits", "reason"}; Idempotency-Key
 *   POST accounts/{id}/keys                {"grace_s", "reason"}: a new key, the old ones expire after grace_s
 *   POST accounts/{id}/keys/revoke         {"reason"}: every key expires now
 *   POST accounts/{id}/suspend|reinstate   {"reason"}: a suspended account's calls get 403
 *   POST accounts/{id}/limits              {"max_queued", "max_open", "requests_per_s",
 *                                           "max_batch_jobs", "reason"}: its own limits (null: default)
 * Each change is written with an audit row (who, when, what, why). */
void admin_handle(struct api *a, struct api_req *r);
/* admin.c: POST /v1/keys/rotate {"grace_s": N}: a new key for the
 * caller's account, shown once; the key the call came with expires after
 * grace_s (default 3600). */
void admin_rotate_own_key(struct api *a, struct api_req *r);

#endif
