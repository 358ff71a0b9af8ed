/* query: GET /v1/jobs/{id} and GET /v1/batches/{id}. With ?wait=N the
 * call is suspended until the job (or the whole batch) completes, woken by
 * the results thread the moment a result is stored (req_wake), or until N
 * seconds pass; it never polls. Another account's ids answer 404. */
#include "routes.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "req.h"

#define BATCH_PAGE_DEFAULT 100
/* A page's results in bytes at most (stored JSON, before it is nested in
 * the page): a page of 1000 results of 2 MiB each would be 2 GB built on
 * the HTTP thread. next_offset says where the next page starts. */
#define BATCH_PAGE_MAX_BYTES ((size_t)4 << 20)
#define BATCH_PAGE_MAX 1000

/* On the first call, turns ?wait=N into a deadline. Returns -1 after
 * setting r's error if N is malformed. */
static int wait_arg(struct api *a, struct api_req *r)
{
    long w = 0;
    char msg[160];

    if (r->wait_deadline)
        return 0;
    if (req_query_long(r, "wait", 0, a->cfg->max_wait_s, &w) < 0) {
        snprintf(msg, sizeof(msg), "wait must be whole seconds from 0 to %ld", a->cfg->max_wait_s);
        req_error(r, 400, "invalid_request", msg);
        return -1;
    }
    r->wait_deadline = w > 0 ? util_mono_ms() + w * 1000 : -1;   /* -1: asked, do not wait */
    if (w > 0) {
        /* Counted per account until the request ends (api.c api_completed):
         * one account's waits cannot hold every connection. */
        snprintf(msg, sizeof(msg), "this account already has %ld GETs waiting (the most one account may "
                 "have); retry without ?wait or later", a->cfg->account_max_waits);
        if (submit_count_waiting(a, r, 1, msg))
            return -1;
    }
    return 0;
}

/* Suspends r until key is woken or r's deadline passes. Returns 1 if
 * suspended, 0 if the call should answer now (no wait asked or left, or
 * too many waiting). */
static int wait_for(struct api *a, struct api_req *r, const char *key)
{
    /* Stopping: api_stop has answered the waiters already, or is about
     * to; a wait that arrives now (a keep-alive connection) answers at once. */
    if (r->wait_deadline <= util_mono_ms() || atomic_load(&a->stopping))
        return 0;
    if (pending_add(a->waiters, key, r, r->wait_deadline) < 0)
        return 0;   /* too many waiting: answer now */
    MHD_suspend_connection(r->conn);
    return 1;
}

static cJSON *job_object(const struct store_job *j)
{
    cJSON *o = cJSON_CreateObject(), *res;

    cJSON_AddStringToObject(o, "job_id", j->id);
    cJSON_AddStringToObject(o, "status", j->status);
    cJSON_AddStringToObject(o, "kind", j->kind);
    if (j->batch_id[0])
        cJSON_AddStringToObject(o, "batch_id", j->batch_id);
    cJSON_AddNumberToObject(o, "created_at_ms", (double)j->created_ms);
    if (j->finished_ms)
        cJSON_AddNumberToObject(o, "finished_at_ms", (double)j->finished_ms);
    if (j->result && (res = cJSON_Parse(j->result)))
        cJSON_AddItemToObject(o, "result", res);
    return o;
}

/* Reads r's job into j. Returns 0 to answer now with j (completed, or no
 * wait asked or left), 1 when r was suspended until the job completes or
 * its wait runs out (the next call answers), -1 after setting r's error. */
static int job_or_wait(struct api *a, struct api_req *r, struct store_job *j)
{
    int rc = store_job_get(a->store, r->path_id, r->account, j);

    if (rc != 0) {
        if (rc == 1)
            req_error(r, 404, "not_found", "no such job for this key");
        else
            req_store_down(r);
        return -1;
    }
    memcpy(r->job_id, r->path_id, sizeof(r->job_id));   /* X-Job-Id */
    if (strcmp(j->status, "completed") == 0 || !wait_for(a, r, r->path_id))
        return 0;
    /* Registered, then read again: a result stored in between either found
     * the waiter or is seen here. */
    store_job_release(j);
    if (store_job_get(a->store, r->path_id, r->account, j) == 0) {
        if (strcmp(j->status, "completed") == 0 && pending_remove(a->waiters, r->path_id, r))
            MHD_resume_connection(r->conn);
        store_job_release(j);
    }
    return 1;
}

void query_job(struct api *a, struct api_req *r)
{
    struct store_job j;
    cJSON *o;

    if (wait_arg(a, r) < 0 || job_or_wait(a, r, &j) != 0)
        return;
    o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddItemToObject(o, "job", job_object(&j));
    req_set(r, 200, cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
    store_job_release(&j);
}

void query_replay(struct api *a, struct api_req *r)
{
    struct store_job j;
    cJSON *res;

    if (job_or_wait(a, r, &j) != 0)
        return;
    if (strcmp(j.status, "completed") != 0) {
        store_job_release(&j);
        req_error(r, 504, "no_result", "the first call with this Idempotency-Key has no result yet");
        return;
    }
    res = cJSON_Parse(j.result ? j.result : "null");
    /* The status the first call answered with: 200 if the code ran. */
    req_set(r, req_stored_status(res), util_strdup(j.result ? j.result : "null"));
    cJSON_Delete(res);
    store_job_release(&j);
}

void query_batch(struct api *a, struct api_req *r)
{
    long offset = 0, limit = BATCH_PAGE_DEFAULT, size = 0, counts[3], n = 0;
    struct store_job *jobs;
    cJSON *o, *c, *list;
    int rc;

    if (wait_arg(a, r) < 0)
        return;
    if (req_query_long(r, "offset", 0, 1L << 40, &offset) < 0 || req_query_long(r, "limit", 1, BATCH_PAGE_MAX, &limit) < 0) {
        req_error(r, 400, "invalid_request", "offset must be >= 0 and limit from 1 to 1000");
        return;
    }
    jobs = calloc((size_t)limit, sizeof(*jobs));
    if (!jobs) {
        req_error(r, 500, "internal", "out of memory");
        return;
    }
    rc = store_batch_get(a->store, r->path_id, r->account, offset, limit, BATCH_PAGE_MAX_BYTES, &size, counts, jobs,
                         &n);
    if (rc == 1) {
        req_error(r, 404, "not_found", "no such batch for this key");
        goto out;
    }
    if (rc < 0) {
        req_store_down(r);
        goto out;
    }
    if (counts[2] < size && wait_for(a, r, r->path_id)) {
        /* Each stored result of the batch wakes us; we look again then. */
        long again[3], m = 0, sz = 0;
        struct store_job none;
        if (store_batch_get(a->store, r->path_id, r->account, 0, 0, 0, &sz, again, &none, &m) == 0 && again[2] == sz &&
            pending_remove(a->waiters, r->path_id, r))
            MHD_resume_connection(r->conn);
        goto out;
    }
    o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddStringToObject(o, "batch_id", r->path_id);
    cJSON_AddNumberToObject(o, "size", (double)size);
    cJSON_AddBoolToObject(o, "completed", counts[2] == size);
    c = cJSON_AddObjectToObject(o, "counts");
    cJSON_AddNumberToObject(c, "queued", (double)counts[0]);
    cJSON_AddNumberToObject(c, "running", (double)counts[1]);
    cJSON_AddNumberToObject(c, "completed", (double)counts[2]);
    cJSON_AddNumberToObject(o, "offset", (double)offset);
    cJSON_AddNumberToObject(o, "limit", (double)limit);
    if (offset + n < size)
        cJSON_AddNumberToObject(o, "next_offset", (double)(offset + n));
    else
        cJSON_AddNullToObject(o, "next_offset");
    list = cJSON_AddArrayToObject(o, "jobs");
    for (long k = 0; k < n; k++)
        cJSON_AddItemToArray(list, job_object(&jobs[k]));
    req_set(r, 200, cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
out:
    for (long k = 0; k < n; k++)
        store_job_release(&jobs[k]);
    free(jobs);
}
