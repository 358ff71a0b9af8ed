/* submit: the POST routes that make jobs (/v1/exec-python, /v1/jobs,
 * /v1/batches). Every job is validated, stored and charged in one
 * transaction (all of a batch or none), then handed to Kafka. A sync call
 * is then suspended until replies.c resumes it. */
#include "routes.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envlist.h"
#include "job.h"
#include "kq.h"
#include "log.h"
#include "produce.h"
#include "req.h"
#include "results.h"
#include "sha256.h"
#include "spec.h"
#include "webhook.h"

/* Async jobs wait in the queue at most this long before an executor
 * answers them "expired" (and they are refunded). */
#define ASYNC_TTL_MS (24LL * 3600 * 1000)

/* Parses r's body as a JSON value. Returns it (the caller deletes it), or
 * NULL after setting r's error. */
/* Whether a sync call asks for its answer as a stream: "stream": true, or
 * an Accept header that names text/event-stream. */
static int wants_stream(const struct api_req *r, const struct job *j)
{
    const char *acc = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    return j->stream || (acc && strstr(acc, "text/event-stream"));
}

static cJSON *parse_body(struct api_req *r)
{
    struct spec_err e;
    cJSON *o;

    if (spec_body_check(r->body.data ? r->body.data : "", r->body.len, &e) < 0) {
        req_error(r, e.status, e.code, e.msg);
        return NULL;
    }
    o = cJSON_ParseWithLength(r->body.data ? r->body.data : "", r->body.len);
    if (!o)
        req_error(r, 400, "invalid_json", "the body is not valid JSON");
    return o;
}

/* Fills what the API decides for a job of account. */
static void stamp(struct api *a, struct api_req *r, struct job *j, const char *kind, const char *batch_id)
{
    int64_t now = util_wall_ms();

    util_uuid(j->id);
    snprintf(j->kind, sizeof(j->kind), "%s", kind);
    snprintf(j->account, sizeof(j->account), "%s", r->account);
    snprintf(j->batch_id, sizeof(j->batch_id), "%s", batch_id ? batch_id : "");
    j->credits = a->cfg->price_credits;
    j->submitted_at_ms = now;
    /* Past this an executor answers "expired" without running it: a sync
     * caller has given up by then; an async job has waited a day. */
    j->expires_at_ms = strcmp(kind, "sync") == 0 ? now + j->timeout_ms + a->cfg->sync_grace_ms : now + ASYNC_TTL_MS;
    if (j->requirements && strcmp(kind, "sync") == 0)
        j->expires_at_ms += a->cfg->requirements_build_s * 1000;   /* their build, on first use, comes first */
}

static void idem_answer(struct api_req *r, const char *hash, const char *stored, int status, char *response);

/* Stores and charges jobs, with the request's Idempotency-Key (idem, or
 * NULL) in the same transaction; *release of them may go to Kafka now
 * (async and batch jobs past the account's max_queued are held, see
 * store.h; sync calls, whose callers wait, never are). Returns 0, 1 when
 * the key was live already (r answered as its first request was), or -1
 * with r answered. */
static int accept_jobs(struct api *a, struct api_req *r, const char *batch_id, const struct job *jobs, char **json,
                       size_t n, struct store_idem *idem, size_t *release)
{
    long balance = 0;
    char msg[200];
    int sync = strcmp(jobs[0].kind, "sync") == 0;

    /* Async work: its callback, or none named (the account's default). */
    static const struct store_callback none = {NULL, 0};
    switch (store_jobs_accept(a->store, r->account, batch_id, jobs, json, n, sync ? NULL : &a->limits,
                              sync ? NULL : r->callback ? r->callback : &none, idem, &balance, release)) {
    case STORE_ACCEPTED:
        return 0;
    case STORE_REPEAT:
        /* The same key committed first (another API, or a request racing
         * this one): its answer, nothing made or charged again. */
        idem_answer(r, idem->body_hash, idem->found_hash, idem->found_status, idem->found_response);
        return 1;
    case STORE_UNSURE:
        snprintf(msg, sizeof(msg), "the job store was lost while committing; the job may have been accepted and "
                 "charged: see GET /v1/jobs/%s", jobs[0].id);
        r->retry_after_s = 5;
        req_error(r, 503, "store_unavailable", msg);
        return -1;
    case STORE_NO_CREDITS:
        snprintf(msg, sizeof(msg), "this needs %ld credits and the balance is %ld; nothing was queued",
                 (long)n * a->cfg->price_credits, balance);
        req_error(r, 402, "insufficient_credits", msg);
        return -1;
    case STORE_TOO_MANY:
        snprintf(msg, sizeof(msg), "this key has %ld unfinished async or batch jobs and may have %zu; nothing was "
                 "queued or charged", balance, *release);
        r->retry_after_s = 10;
        req_error(r, 429, "too_many_jobs", msg);
        return -1;
    case STORE_ERROR:
        break;
    }
    req_store_down(r);
    return -1;
}

/* accept_jobs for an async job or a batch, whose answer (202, body
 * answer: taken) is the one the Idempotency-Key k keeps. Returns 0 with r
 * answered so, or -1 with r answered otherwise (the key's first answer
 * included). */
static int accept_answered(struct api *a, struct api_req *r, const char *batch_id, const struct job *jobs,
                           char **json, size_t n, struct store_idem *k, char *answer, size_t *release)
{
    if (!answer) {
        req_error(r, 500, "internal", "out of memory");
        return -1;
    }
    k->status = 202;
    k->response = answer;
    if (accept_jobs(a, r, batch_id, jobs, json, n, k->key ? k : NULL, release) != 0) {
        free(answer);
        return -1;
    }
    req_set(r, 202, answer);
    return 0;
}

void submit_fail_unqueued(struct api *a, const char *id, const char *why)
{
    char msg[200], batch[37], *body;

    snprintf(msg, sizeof(msg), "could not queue the job: %s; refunded", why);
    body = req_job_error_body("queue_unavailable", msg, id);
    if (store_result(a->store, id, body, "queue_unavailable", 1, util_wall_ms(), batch) == 1)
        results_count_outcome("queue_unavailable");
    free(body);
    req_wake(a, id);
    if (batch[0])
        req_wake(a, batch);
}

static void fail_unqueued(struct api *a, const char *id, rd_kafka_resp_err_t err)
{
    submit_fail_unqueued(a, id, rd_kafka_err2str(err));
}

/* Fail fast: while Kafka cannot take a job (the health thread's last
 * metadata request failed) or the API is stopping, a submission is refused
 * at once, before anything is stored or charged. Returns 1 when r is
 * answered. */
static int refuse_now(struct api *a, struct api_req *r)
{
    if (atomic_load(&a->stopping)) {
        r->retry_after_s = 1;
        req_error(r, 503, "shutting_down", "the API is stopping; nothing was queued or charged");
        return 1;
    }
    if (!produce_kafka_up(a)) {
        r->retry_after_s = 5;
        req_error(r, 503, "queue_unavailable",
                  "the job queue (Kafka) cannot take jobs right now; nothing was queued or charged; retry later");
        return 1;
    }
    return 0;
}

/* The route an Idempotency-Key is scoped to: the same key on two routes
 * names two different requests. */
static const char *idem_route(const struct api_req *r)
{
    return r->route == ROUTE_EXEC ? "exec-python" : r->route == ROUTE_BATCHES ? "batches" : "jobs";
}

static int64_t idem_since(const struct api *a)
{
    return util_wall_ms() - a->cfg->idempotency_ttl_s * 1000;
}

/* Answers r as the first request with its Idempotency-Key was answered
 * (stored: that request's body hash; response: its answer, taken), or 422
 * when this body is another. */
static void idem_answer(struct api_req *r, const char *hash, const char *stored, int status, char *response)
{
    if (strcmp(stored, hash) != 0) {
        free(response);
        req_error(r, 422, "idempotency_key_reused", "this Idempotency-Key was used with another body");
        return;
    }
    req_set(r, (unsigned)status, response);   /* the same job or batch, charged once */
}

/* Idempotency-Key: answers r from the store when the same key came with
 * the same body before (returns 1), refuses it with another body (returns
 * 1), or returns 0 to go on with k set for the accept's transaction
 * (k->key NULL: no key). Keys are per account and route, and expire after
 * idempotency-ttl-s. */
static int idem_check(struct api *a, struct api_req *r, struct store_idem *k, char hash[65])
{
    char stored[65], *response = NULL;
    int status = 0, rc;
    const char *key = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key");

    memset(k, 0, sizeof(*k));
    if (!key)
        return 0;
    if (strlen(key) == 0 || strlen(key) > 255) {
        req_error(r, 400, "invalid_request", "Idempotency-Key must be 1 to 255 characters");
        return 1;
    }
    sha256_hex(r->body.data ? r->body.data : "", r->body.len, hash);
    k->scope = r->account;
    k->route = idem_route(r);
    k->key = key;
    k->body_hash = hash;
    k->since_ms = idem_since(a);
    rc = store_idem_get(a->store, k->scope, k->route, key, k->since_ms, stored, &status, &response);
    if (rc < 0) {
        req_store_down(r);
        return 1;
    }
    if (rc == 1)
        return 0;
    idem_answer(r, hash, stored, status, response);
    return 1;
}

/* Whether job id of account ended without running because Kafka never
 * took it (its stored answer is 503 queue_unavailable). */
static int never_ran(struct api *a, const char *account, const char *id)
{
    struct store_job j;
    int yes = 0;

    if (store_job_get(a->store, id, account, &j) != 0)
        return 0;
    if (strcmp(j.status, "completed") == 0 && j.result) {
        cJSON *res = cJSON_Parse(j.result);
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(res, "error"), "code");
        yes = cJSON_IsString(code) && strcmp(code->valuestring, "queue_unavailable") == 0;
        cJSON_Delete(res);
    }
    store_job_release(&j);
    return yes;
}

/* A sync call whose Idempotency-Key k was used before, r holding the
 * stored answer ({"job_id": ...}): answers it with that job's result,
 * awaited if still running. A job that never ran (Kafka refused it: "not
 * charged, try again") is not final: with may_retry, its key is dropped
 * and 0 returned (the call runs anew); else its answer stands. Returns 1
 * when r is answered or suspended. */
static int exec_repeat(struct api *a, struct api_req *r, struct store_idem *k, int may_retry)
{
    cJSON *prev = r->status == 200 && r->resp ? cJSON_Parse(r->resp) : NULL;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(prev, "job_id");
    int valid = cJSON_IsString(id) && util_id_valid(id->valuestring);

    if (valid && may_retry && never_ran(a, r->account, id->valuestring)) {
        store_idem_delete(a->store, r->account, "exec-python", k->key);
        free(r->resp);
        r->resp = NULL;
        r->done = 0;
        r->status = 0;
        cJSON_Delete(prev);
        return 0;
    }
    if (valid) {
        memcpy(r->path_id, id->valuestring, 37);
        r->done = 0;
        r->wait_deadline = util_mono_ms() + a->cfg->max_timeout_ms + a->cfg->sync_grace_ms;
        query_replay(a, r);
    }
    cJSON_Delete(prev);
    return 1;
}

cJSON *submit_parse_body(struct api_req *r)
{
    return parse_body(r);
}

int submit_count_waiting(struct api *a, struct api_req *r, int wait, const char *refusal)
{
    long max = wait ? a->cfg->account_max_waits : a->cfg->account_max_sync;

    if (quota_enter(a->rate, wait ? QUOTA_WAIT : QUOTA_SYNC, r->account, max, util_mono_ms())) {
        r->retry_after_s = 1;
        req_error(r, 429, "too_many_jobs", refusal);
        return 1;
    }
    if (wait)
        r->wait_counted = 1;   /* uncounted when the request ends (api.c api_completed) */
    else
        r->sync_counted = 1;
    return 0;
}

int submit_admit_sync(struct api *a, struct api_req *r)
{
    char msg[200];

    if (refuse_now(a, r))
        return 1;
    snprintf(msg, sizeof(msg), "this account already has %ld sync calls waiting (the most one account may "
             "have); retry when one is answered, or use async jobs; nothing was charged", a->cfg->account_max_sync);
    return submit_count_waiting(a, r, 0, msg);
}

int submit_refuse_now(struct api *a, struct api_req *r)
{
    return refuse_now(a, r);
}

int submit_env_refused(struct api *a, struct api_req *r, const char *env)
{
    unsigned status;
    const char *code;
    char msg[600];

    if (envlist_check(a->envlist, env, &status, &code, msg, sizeof(msg)) == 0)
        return 0;
    req_error(r, status, code, msg);
    return 1;
}

void submit_stamp_sync(struct api *a, struct api_req *r, struct job *j)
{
    j->stream = wants_stream(r, j);
    stamp(a, r, j, "sync", NULL);
}

void submit_sync(struct api *a, struct api_req *r, struct job *jp, struct store_idem *kp, int32_t session_part)
{
    struct job j = *jp;   /* shallow: the caller owns and releases *jp */
    char ref[64], *json = NULL;
    size_t release = 0;
    rd_kafka_resp_err_t err;
    int64_t deadline;
    int rc;

    deadline = util_mono_ms() + j.timeout_ms + a->cfg->sync_grace_ms +
               (j.requirements ? a->cfg->requirements_build_s * 1000 : 0);
    memcpy(r->job_id, j.id, sizeof(r->job_id));
    json = job_to_json(&j);
    /* A repeat (same key, same body) gets this job's result, not a new run. */
    snprintf(ref, sizeof(ref), "{\"job_id\":\"%s\"}", j.id);
    if (kp) {
        kp->status = 200;
        kp->response = ref;
    }
    rc = accept_jobs(a, r, NULL, &j, &json, 1, kp, &release);
    if (rc == 1) {
        /* Another request with the key committed first: this one is its
         * repeat (its job's result, awaited). */
        memset(r->job_id, 0, sizeof(r->job_id));
        exec_repeat(a, r, kp, 0);
        goto out;
    }
    if (rc < 0)
        goto out;
    if (j.stream) {
        /* Streamed: answered at once with 200 and events (sse.h); the
         * stream table takes chunks and the result to it. */
        r->sse = sse_new(j.id, (size_t)a->cfg->stream_buffer_kb * 1024, r->conn);
        if (!r->sse || pending_add(a->streams, j.id, sse_ref(r->sse), deadline) < 0) {
            if (r->sse)
                sse_unref(r->sse);   /* the reference the table did not take */
            sse_unref(r->sse);
            r->sse = NULL;
            fail_unqueued(a, j.id, RD_KAFKA_RESP_ERR__QUEUE_FULL);
            req_error(r, 503, "overloaded", "too many calls are waiting; try again shortly (not charged)");
            goto out;
        }
        if (r->cancel_on_disconnect)
            sse_cancel_on_disconnect(r->sse);
        req_set(r, 200, NULL);
    } else if (pending_add(a->pending, j.id, r, deadline) < 0) {
        fail_unqueued(a, j.id, RD_KAFKA_RESP_ERR__QUEUE_FULL);
        req_error(r, 503, "overloaded", "too many calls are waiting; try again shortly (not charged)");
        goto out;
    } else {
        /* Suspend before producing: the result may come back before this returns. */
        MHD_suspend_connection(r->conn);
    }
    err = session_part >= 0 ? produce_session(a, session_part, j.id, json) : produce_job(a, j.id, j.kind, json);
    if (err) {
        char msg[160];
        struct sse *x = r->sse ? pending_take(a->streams, j.id) : NULL;
        fail_unqueued(a, j.id, err);
        snprintf(msg, sizeof(msg), "could not queue the job: %s (not charged)", rd_kafka_err2str(err));
        if (x) {
            /* Not answered yet (this handler answers when it returns): a
             * plain error, as any refused call gets. */
            sse_unref(x);
            sse_unref(r->sse);
            r->sse = NULL;
            req_set(r, 503, req_job_error_body("queue_unavailable", msg, j.id));
        } else if (!r->sse && pending_take(a->pending, j.id) == r) {
            req_finish(r, 503, req_job_error_body("queue_unavailable", msg, j.id));
        }
        goto out;
    }
    json = NULL;   /* librdkafka owns it */
    log_msg(LOG_DEBUG, "job=%s queued (sync, timeout %ld ms)", j.id, j.timeout_ms);
out:
    free(json);
}

void submit_exec(struct api *a, struct api_req *r)
{
    struct store_idem k;
    char hash[65];
    cJSON *o = NULL;
    struct job j;
    struct spec_err e;

    job_init(&j);
    if (r->path_id[0]) {
        query_replay(a, r);   /* a repeat of an earlier call: its job's result */
        goto out;
    }
    if (idem_check(a, r, &k, hash) && exec_repeat(a, r, &k, 1))
        goto out;
    if (!(o = parse_body(r)))
        goto out;
    if (spec_parse(a->cfg, o, &j, &e) < 0) {
        req_error(r, e.status, e.code, e.msg);
        goto out;
    }
    if (submit_env_refused(a, r, j.env))
        goto out;
    if (cJSON_GetObjectItemCaseSensitive(o, "callback_url")) {
        req_error(r, 400, "invalid_request", "a sync call answers with its result: \"callback_url\" is for "
                  "POST /v1/jobs and POST /v1/batches");
        goto out;
    }
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "cancel_on_disconnect");
        if (v && !cJSON_IsNull(v) && !cJSON_IsBool(v)) {
            req_error(r, 400, "invalid_request", "\"cancel_on_disconnect\" must be true or false");
            goto out;
        }
        r->cancel_on_disconnect = cJSON_IsTrue(v);
    }
    if (submit_admit_sync(a, r))
        goto out;
    j.stream = wants_stream(r, &j);
    stamp(a, r, &j, "sync", NULL);
    submit_sync(a, r, &j, k.key ? &k : NULL, -1);
out:
    cJSON_Delete(o);
    job_release(&j);
}

/* Hands accepted jobs to Kafka; a refused one is failed and refunded. */
static void produce_all(struct api *a, struct job *jobs, char **json, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t err = produce_job(a, jobs[i].id, jobs[i].kind, json[i]);
        if (err) {
            free(json[i]);
            fail_unqueued(a, jobs[i].id, err);
        }
        json[i] = NULL;
    }
}

void submit_job(struct api *a, struct api_req *r)
{
    struct store_callback cb;
    struct store_idem k;
    char hash[65];
    cJSON *o = NULL, *resp;
    struct job j;
    struct spec_err e;
    char *json = NULL;
    size_t release = 0;

    job_init(&j);
    if (idem_check(a, r, &k, hash) || !(o = parse_body(r)))
        goto out;
    if (spec_parse(a->cfg, o, &j, &e) < 0) {
        req_error(r, e.status, e.code, e.msg);
        goto out;
    }
    if (webhooks_callback_parse(a, r, o, WEBHOOK_JOB_COMPLETED, WEBHOOK_JOB_COMPLETED, &cb))
        goto out;
    r->callback = &cb;
    if (submit_env_refused(a, r, j.env) || refuse_now(a, r))
        goto out;
    stamp(a, r, &j, "async", NULL);
    memcpy(r->job_id, j.id, sizeof(r->job_id));
    json = job_to_json(&j);
    /* The answer is made first: it is saved with the key in the accept's transaction. */
    resp = cJSON_CreateObject();
    cJSON_AddBoolToObject(resp, "ok", 1);
    cJSON_AddStringToObject(resp, "job_id", j.id);
    cJSON_AddStringToObject(resp, "status", "queued");
    cJSON_AddNumberToObject(resp, "credits_charged", (double)j.credits);
    if (accept_answered(a, r, NULL, &j, &json, 1, &k, cJSON_PrintUnformatted(resp), &release) == 0)
        produce_all(a, &j, &json, release);   /* 0: held, released as the account's jobs finish */
    cJSON_Delete(resp);
out:
    r->callback = NULL;
    free(json);
    cJSON_Delete(o);
    job_release(&j);
}

void submit_batch(struct api *a, struct api_req *r)
{
    struct store_callback cb;
    struct store_idem ik;
    char hash[65], batch_id[37], msg[300], batch_env[JOB_ENV_MAX];
    cJSON *o = NULL, *list, *item, *resp, *ids;
    struct job *jobs = NULL;
    char **json = NULL;
    size_t n = 0, i = 0, release = 0;
    int rc;
    struct spec_err e;

    if (idem_check(a, r, &ik, hash) || !(o = parse_body(r)))
        goto out;
    list = cJSON_GetObjectItemCaseSensitive(o, "jobs");
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0) {
        req_error(r, 400, "invalid_request", "the body must be {\"jobs\": [job, ...]} with at least one job");
        goto out;
    }
    n = (size_t)cJSON_GetArraySize(list);
    /* A batch's callback: batch.completed unless it names events. */
    if (webhooks_callback_parse(a, r, o, WEBHOOK_JOB_COMPLETED | WEBHOOK_BATCH_COMPLETED, WEBHOOK_BATCH_COMPLETED,
                                &cb))
        goto out;
    r->callback = &cb;
    {
        /* The account's own largest batch if the operator set one, else the configured one. */
        long max = quota_max_batch(a->rate, a->store, r->account, util_mono_ms());
        if (max > 0 && (long)n > max) {
            snprintf(msg, sizeof(msg), "a batch of this key holds at most %ld jobs", max);
            req_error(r, 413, "payload_too_large", msg);
            goto out;
        }
    }
    jobs = calloc(n, sizeof(*jobs));
    json = calloc(n, sizeof(*json));
    if (!jobs || !json) {
        req_error(r, 500, "internal", "out of memory");
        goto out;
    }
    util_uuid(batch_id);
    /* The batch's "env": every job's that names none. */
    if (spec_env(cJSON_GetObjectItemCaseSensitive(o, "env"), batch_env, &e) < 0) {
        req_error(r, e.status, e.code, e.msg);
        goto out;
    }
    cJSON_ArrayForEach(item, list) {
        job_init(&jobs[i]);
        if (spec_parse(a->cfg, item, &jobs[i], &e) < 0) {
            snprintf(msg, sizeof(msg), "jobs[%zu]: %s; nothing was queued", i, e.msg);
            req_error(r, e.status, e.code, msg);
            i++;
            goto out;
        }
        if (cJSON_GetObjectItemCaseSensitive(item, "callback_url")) {
            snprintf(msg, sizeof(msg), "jobs[%zu]: a batch's jobs take the batch's \"callback_url\" (with "
                     "\"callback_events\": [\"job.completed\"] for each job's); nothing was queued", i);
            req_error(r, 400, "invalid_request", msg);
            i++;
            goto out;
        }
        if (!cJSON_GetObjectItemCaseSensitive(item, "env"))
            memcpy(jobs[i].env, batch_env, sizeof(batch_env));
        if (submit_env_refused(a, r, jobs[i].env)) {
            i++;
            goto out;
        }
        stamp(a, r, &jobs[i], "async", batch_id);
        json[i] = job_to_json(&jobs[i]);
        i++;
    }
    if (refuse_now(a, r))
        goto out;
    resp = cJSON_CreateObject();
    cJSON_AddBoolToObject(resp, "ok", 1);
    cJSON_AddStringToObject(resp, "batch_id", batch_id);
    cJSON_AddNumberToObject(resp, "size", (double)n);
    cJSON_AddNumberToObject(resp, "credits_charged", (double)n * (double)a->cfg->price_credits);
    ids = cJSON_AddArrayToObject(resp, "job_ids");
    for (size_t k = 0; k < n; k++)
        cJSON_AddItemToArray(ids, cJSON_CreateString(jobs[k].id));
    rc = accept_answered(a, r, batch_id, jobs, json, n, &ik, cJSON_PrintUnformatted(resp), &release);
    cJSON_Delete(resp);
    if (rc < 0)
        goto out;
    produce_all(a, jobs, json, release);
    log_msg(LOG_INFO, "batch=%s %zu jobs queued for %s (%zu to Kafka now, %zu held)", batch_id, n, r->account,
            release, n - release);
out:
    for (size_t k = 0; k < i; k++) {
        free(json[k]);
        job_release(&jobs[k]);
    }
    r->callback = NULL;
    free(json);
    free(jobs);
    cJSON_Delete(o);
}
