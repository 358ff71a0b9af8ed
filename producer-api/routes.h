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
