/* submit: the POST routes that make jobs (/v1/exec-python, /v1/jobs,
 * /v1/batches). Every job is validated, stored and charged in one
 * transaction (all of a batch or none), then handed to Kafka. A sync call
 * is then suspended until replies.c resumes it. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "kq.h"
#include "log.h"
#include "req.h"
#include "sha256.h"

/* Async jobs wait in the queue at most this long before an executor
 * answers them "expired" (and they are refunded). */
#define ASYNC_TTL_MS (24LL * 3600 * 1000)

/* Scans a JSON text for a \u0000 escape or a raw NUL: cJSON strings are C
 * strings and would silently cut the code there, so such bodies are refused. */
static int json_has_nul(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\0')
            return 1;
        if (p[i] == '\\' && i + 1 < n) {
            if (p[i + 1] == 'u' && i + 5 < n && strncmp(p + i + 2, "0000", 4) == 0)
                return 1;
            i++;   /* skip the escaped character */
        }
    }
    return 0;
}

/* An error found while validating: status, code, message. */
struct verr {
    unsigned status;
    const char *code;
    char msg[200];
};

/* Reads one job spec (code, timeout, stdin, memory_mb) from o into j.
 * Returns 0, or -1 with e filled. */
static int parse_spec(const struct cfg *c, const cJSON *o, struct job *j, struct verr *e)
{
    const cJSON *v;

    e->status = 400;
    if (!cJSON_IsObject(o)) {
        e->code = "invalid_request";
        snprintf(e->msg, sizeof(e->msg), "a job must be a JSON object");
        return -1;
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "code");
    if (!cJSON_IsString(v)) {
        e->code = "invalid_request";
        snprintf(e->msg, sizeof(e->msg), "%s", v ? "\"code\" must be a string" : "missing \"code\" (the Python source to run)");
        return -1;
    }
    if ((long)strlen(v->valuestring) > c->max_code_bytes) {
        e->status = 413;
        e->code = "payload_too_large";
        snprintf(e->msg, sizeof(e->msg), "\"code\" is over the limit of %ld bytes", c->max_code_bytes);
        return -1;
    }
    j->code = util_strdup(v->valuestring);
    j->timeout_ms = c->default_timeout_ms;
    v = cJSON_GetObjectItemCaseSensitive(o, "timeout");
    if (v && !cJSON_IsNull(v)) {
        double t = cJSON_IsNumber(v) ? v->valuedouble : -1;
        if (!cJSON_IsNumber(v) || !(t > 0) || ceil(t * 1000) > c->max_timeout_ms) {
            e->code = "invalid_timeout";
            snprintf(e->msg, sizeof(e->msg), "\"timeout\" must be a number of seconds greater than 0 and at most %g",
                     (double)c->max_timeout_ms / 1000);
            return -1;
        }
        j->timeout_ms = (long)ceil(t * 1000);
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "stdin");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsString(v)) {
            e->code = "invalid_request";
            snprintf(e->msg, sizeof(e->msg), "\"stdin\" must be a string");
            return -1;
        }
        j->stdin_data = util_strdup(v->valuestring);
    }
    j->memory_mb = c->memory_mb;
    v = cJSON_GetObjectItemCaseSensitive(o, "memory_mb");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 16 ||
            v->valuedouble > (double)c->max_memory_mb) {
            e->code = "invalid_memory";
            snprintf(e->msg, sizeof(e->msg), "\"memory_mb\" must be a whole number from 16 to %ld", c->max_memory_mb);
            return -1;
        }
        j->memory_mb = (long)v->valuedouble;
    }
    return 0;
}

/* Parses r's body as a JSON value. Returns it (the caller deletes it), or
 * NULL after setting r's error. */
static cJSON *parse_body(struct api_req *r)
{
    cJSON *o;

    if (json_has_nul(r->body.data, r->body.len)) {
        req_error(r, 400, "invalid_request", "code and stdin may not contain NUL characters");
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
}

/* Stores and charges n jobs. Returns 0, or -1 after setting r's error
 * (402 when the balance is short: nothing is stored or charged). */
static int accept_jobs(struct api *a, struct api_req *r, const char *batch_id, const struct job *jobs, char **json,
                       size_t n)
{
    long balance = 0;
    char msg[200];

    switch (store_jobs_accept(a->store, r->account, batch_id, jobs, json, n, &balance)) {
    case STORE_ACCEPTED:
        return 0;
    case STORE_NO_CREDITS:
        snprintf(msg, sizeof(msg), "this needs %ld credits and the balance is %ld; nothing was queued",
                 (long)n * a->cfg->price_credits, balance);
        req_error(r, 402, "insufficient_credits", msg);
        return -1;
    case STORE_ERROR:
        break;
    }
    req_error(r, 500, "internal", "the job store failed; nothing was queued or charged");
    return -1;
}

void submit_fail_unqueued(struct api *a, const char *id, const char *why)
{
    char msg[200], batch[37], *body;

    snprintf(msg, sizeof(msg), "could not queue the job: %s; refunded", why);
    body = api_job_error_json("queue_unavailable", msg, id);
    store_result(a->store, id, body, 1, util_wall_ms(), batch);
    free(body);
    api_wake(a, id);
    if (batch[0])
        api_wake(a, batch);
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
    if (!atomic_load(&a->kafka_ok)) {
        r->retry_after_s = 5;
        req_error(r, 503, "queue_unavailable",
                  "the job queue (Kafka) cannot take jobs right now; nothing was queued or charged; retry later");
        return 1;
    }
    return 0;
}

/* Idempotency-Key: answers r from the store when the same key came with
 * the same body before (returns 1), refuses it with another body (returns
 * 1), or returns 0 to go on; *key and hash are set for idem_save(). */
static int idem_check(struct api *a, struct api_req *r, const char **key, char hash[65])
{
    char stored[65], *response = NULL;
    int status = 0, rc;

    *key = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key");
    if (!*key)
        return 0;
    if (strlen(*key) == 0 || strlen(*key) > 255) {
        req_error(r, 400, "invalid_request", "Idempotency-Key must be 1 to 255 characters");
        return 1;
    }
    sha256_hex(r->body.data ? r->body.data : "", r->body.len, hash);
    rc = store_idem_get(a->store, r->account, *key, stored, &status, &response);
    if (rc < 0) {
        req_error(r, 500, "internal", "the job store failed");
        return 1;
    }
    if (rc == 1)
        return 0;
    if (strcmp(stored, hash) != 0) {
        free(response);
        req_error(r, 422, "idempotency_key_reused", "this Idempotency-Key was used with another body");
        return 1;
    }
    req_set(r, (unsigned)status, response);   /* the same job or batch, charged once */
    return 1;
}

static void idem_save(struct api *a, struct api_req *r, const char *key, const char *hash)
{
    if (key && r->status == 202 && store_idem_put(a->store, r->account, key, hash, (int)r->status, r->resp) < 0)
        log_msg(LOG_ERR, "idempotency key not saved for account %s", r->account);
}

void submit_exec(struct api *a, struct api_req *r)
{
    const char *key;
    char hash[65];
    cJSON *o = NULL;
    struct job j;
    struct verr e;
    char *json = NULL;
    rd_kafka_resp_err_t err;

    job_init(&j);
    if (r->path_id[0]) {
        query_replay(a, r);   /* a repeat of an earlier call: its job's result */
        goto out;
    }
    if (idem_check(a, r, &key, hash)) {
        /* Same key and body as before: the stored answer names the job. */
        cJSON *prev = r->status == 200 && r->resp ? cJSON_Parse(r->resp) : NULL;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(prev, "job_id");
        if (cJSON_IsString(id) && util_id_valid(id->valuestring)) {
            memcpy(r->path_id, id->valuestring, 37);
            r->done = 0;
            r->wait_deadline = util_mono_ms() + a->cfg->max_timeout_ms + a->cfg->sync_grace_ms;
            query_replay(a, r);
        }
        cJSON_Delete(prev);
        goto out;
    }
    if (!(o = parse_body(r)))
        goto out;
    if (parse_spec(a->cfg, o, &j, &e) < 0) {
        req_error(r, e.status, e.code, e.msg);
        goto out;
    }
    if (refuse_now(a, r))
        goto out;
    stamp(a, r, &j, "sync", NULL);
    memcpy(r->job_id, j.id, sizeof(r->job_id));
    json = job_to_json(&j);
    if (accept_jobs(a, r, NULL, &j, &json, 1) < 0)
        goto out;
    if (key) {
        /* A repeat (same key, same body) gets this job's result, not a new run. */
        char ref[64];
        snprintf(ref, sizeof(ref), "{\"job_id\":\"%s\"}", j.id);
        if (store_idem_put(a->store, r->account, key, hash, 200, ref) < 0)
            log_msg(LOG_ERR, "job=%s idempotency key not saved", j.id);
    }
    if (pending_add(a->pending, j.id, r, util_mono_ms() + j.timeout_ms + a->cfg->sync_grace_ms) < 0) {
        fail_unqueued(a, j.id, RD_KAFKA_RESP_ERR__QUEUE_FULL);
        req_error(r, 503, "overloaded", "too many calls are waiting; try again shortly (not charged)");
        goto out;
    }
    /* Suspend before producing: the result may come back before this returns. */
    MHD_suspend_connection(r->conn);
    err = api_produce_job(a, j.id, j.kind, json);
    if (err) {
        fail_unqueued(a, j.id, err);
        if (pending_take(a->pending, j.id) == r) {
            char msg[160];
            snprintf(msg, sizeof(msg), "could not queue the job: %s (not charged)", rd_kafka_err2str(err));
            api_req_finish(r, 503, api_job_error_json("queue_unavailable", msg, j.id));
        }
        goto out;
    }
    json = NULL;   /* librdkafka owns it */
    log_msg(LOG_DEBUG, "job=%s queued (sync, timeout %ld ms)", j.id, j.timeout_ms);
out:
    free(json);
    cJSON_Delete(o);
    job_release(&j);
}

/* Hands accepted jobs to Kafka; a refused one is failed and refunded. */
static void produce_all(struct api *a, struct job *jobs, char **json, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t err = api_produce_job(a, jobs[i].id, jobs[i].kind, json[i]);
        if (err) {
            free(json[i]);
            fail_unqueued(a, jobs[i].id, err);
        }
        json[i] = NULL;
    }
}

void submit_job(struct api *a, struct api_req *r)
{
    const char *key;
    char hash[65];
    cJSON *o = NULL, *resp;
    struct job j;
    struct verr e;
    char *json = NULL;

    job_init(&j);
    if (idem_check(a, r, &key, hash) || !(o = parse_body(r)))
        goto out;
    if (parse_spec(a->cfg, o, &j, &e) < 0) {
        req_error(r, e.status, e.code, e.msg);
        goto out;
    }
    if (refuse_now(a, r))
        goto out;
    stamp(a, r, &j, "async", NULL);
    memcpy(r->job_id, j.id, sizeof(r->job_id));
    json = job_to_json(&j);
    if (accept_jobs(a, r, NULL, &j, &json, 1) < 0)
        goto out;
    resp = cJSON_CreateObject();
    cJSON_AddBoolToObject(resp, "ok", 1);
    cJSON_AddStringToObject(resp, "job_id", j.id);
    cJSON_AddStringToObject(resp, "status", "queued");
    cJSON_AddNumberToObject(resp, "credits_charged", (double)j.credits);
    req_set(r, 202, cJSON_PrintUnformatted(resp));
    cJSON_Delete(resp);
    idem_save(a, r, key, hash);
    produce_all(a, &j, &json, 1);
out:
    free(json);
    cJSON_Delete(o);
    job_release(&j);
}

void submit_batch(struct api *a, struct api_req *r)
{
    const char *key;
    char hash[65], batch_id[37], msg[300];
    cJSON *o = NULL, *list, *item, *resp, *ids;
    struct job *jobs = NULL;
    char **json = NULL;
    size_t n = 0, i = 0;
    struct verr e;

    if (idem_check(a, r, &key, hash) || !(o = parse_body(r)))
        goto out;
    list = cJSON_GetObjectItemCaseSensitive(o, "jobs");
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0) {
        req_error(r, 400, "invalid_request", "the body must be {\"jobs\": [job, ...]} with at least one job");
        goto out;
    }
    n = (size_t)cJSON_GetArraySize(list);
    if ((long)n > a->cfg->max_batch_jobs) {
        snprintf(msg, sizeof(msg), "a batch holds at most %ld jobs", a->cfg->max_batch_jobs);
        req_error(r, 413, "payload_too_large", msg);
        goto out;
    }
    jobs = calloc(n, sizeof(*jobs));
    json = calloc(n, sizeof(*json));
    if (!jobs || !json) {
        req_error(r, 500, "internal", "out of memory");
        goto out;
    }
    util_uuid(batch_id);
    cJSON_ArrayForEach(item, list) {
        job_init(&jobs[i]);
        if (parse_spec(a->cfg, item, &jobs[i], &e) < 0) {
            snprintf(msg, sizeof(msg), "jobs[%zu]: %s; nothing was queued", i, e.msg);
            req_error(r, e.status, e.code, msg);
            i++;
            goto out;
        }
        stamp(a, r, &jobs[i], "async", batch_id);
        json[i] = job_to_json(&jobs[i]);
        i++;
    }
    if (refuse_now(a, r) || accept_jobs(a, r, batch_id, jobs, json, n) < 0)
        goto out;
    resp = cJSON_CreateObject();
    cJSON_AddBoolToObject(resp, "ok", 1);
    cJSON_AddStringToObject(resp, "batch_id", batch_id);
    cJSON_AddNumberToObject(resp, "size", (double)n);
    cJSON_AddNumberToObject(resp, "credits_charged", (double)n * (double)a->cfg->price_credits);
    ids = cJSON_AddArrayToObject(resp, "job_ids");
    for (size_t k = 0; k < n; k++)
        cJSON_AddItemToArray(ids, cJSON_CreateString(jobs[k].id));
    req_set(r, 202, cJSON_PrintUnformatted(resp));
    cJSON_Delete(resp);
    idem_save(a, r, key, hash);
    produce_all(a, jobs, json, n);
    log_msg(LOG_INFO, "batch=%s %zu jobs queued for %s", batch_id, n, r->account);
out:
    for (size_t k = 0; k < i; k++) {
        free(json[k]);
        job_release(&jobs[k]);
    }
    free(json);
    free(jobs);
    cJSON_Delete(o);
}
