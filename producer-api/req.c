/* req: the request toolkit route handlers answer with (see req.h). It
 * depends on no handler and not on the server (api.c): handlers call it,
 * and api.c calls the handlers. */
#include "req.h"

#include <cjson/cJSON.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *req_error_body(const char *code, const char *message)
{
    return req_job_error_body(code, message, NULL);
}

char *req_job_error_body(const char *code, const char *message, const char *id)
{
    cJSON *o = cJSON_CreateObject(), *e;
    char *s;

    cJSON_AddBoolToObject(o, "ok", 0);
    if (id && id[0])
        cJSON_AddStringToObject(o, "job_id", id);
    e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", message);
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

char *req_result_body(const struct result *res, unsigned *status)
{
    char msg[320];

    switch (res->status) {
    case RESULT_COMPLETED:
        *status = MHD_HTTP_OK;
        return result_to_http_json(res);
    case RESULT_EXPIRED:
        *status = MHD_HTTP_GATEWAY_TIMEOUT;
        return req_error_body("expired", "the job waited in the queue past its deadline and was not run; refunded");
    case RESULT_FAILED:
        if (res->session_lost) {
            *status = MHD_HTTP_GONE;
            snprintf(msg, sizeof(msg), "the session is gone: %.200s; make a new one (this exec was not run or charged)",
                     res->error);
            return req_error_body("session_lost", msg);
        }
        if (res->cancelled) {
            *status = MHD_HTTP_CONFLICT;
            return req_error_body("cancelled", "the job was cancelled before it ran; refunded");
        }
        break;
    }
    *status = MHD_HTTP_SERVICE_UNAVAILABLE;
    snprintf(msg, sizeof(msg), "the executor could not run the job: %s; refunded", res->error);
    return req_error_body("execution_failed", msg);
}

unsigned req_stored_status(const cJSON *result)
{
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(result, "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");

    if (!err)
        return MHD_HTTP_OK;
    if (cJSON_IsString(code) && strcmp(code->valuestring, "expired") == 0)
        return MHD_HTTP_GATEWAY_TIMEOUT;
    if (cJSON_IsString(code) && strcmp(code->valuestring, "cancelled") == 0)
        return MHD_HTTP_CONFLICT;
    if (cJSON_IsString(code) && strcmp(code->valuestring, "session_lost") == 0)
        return MHD_HTTP_GONE;
    return MHD_HTTP_SERVICE_UNAVAILABLE;
}

void req_set(struct api_req *r, unsigned status, char *body)
{
    free(r->resp);
    r->status = status;
    r->resp = body;
    r->done = 1;
}

void req_error(struct api_req *r, unsigned status, const char *code, const char *message)
{
    req_set(r, status, req_job_error_body(code, message, r->job_id));
}

void req_store_down(struct api_req *r)
{
    r->retry_after_s = 5;
    req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable",
              "the account and job store is unavailable (it failed or did not answer in time); nothing was done; "
              "retry later");
}

void req_finish(struct api_req *r, unsigned status, char *body)
{
    req_set(r, status, body);
    MHD_resume_connection(r->conn);
}

void req_resume(struct api_req *r)
{
    MHD_resume_connection(r->conn);
}

/* Waiting GETs woken and not yet handled by the HTTP thread, at most:
 * req_wake resumes the next only once the thread has caught up. All at
 * once, 5,000 GETs waiting on one job were handled in one pass of the HTTP
 * thread (each reads the store and renders the job again), and a /healthz
 * arriving meanwhile waited behind all of them: 362 ms (tests/faults:
 * healthz_beside). Paced, the thread takes new connections between the
 * steps. The pacing gives up after API_WAKE_PACE_MS (the thread stuck):
 * the results thread never waits longer. */
#define API_WAKE_STEP 64
#define API_WAKE_PACE_MS 2000

void req_wake(struct api *a, const char *key)
{
    struct api_req *r;
    int64_t until = 0;

    while ((r = pending_take(a->waiters, key))) {
        if (atomic_load(&a->wakes_unhandled) >= API_WAKE_STEP) {
            if (!until)
                until = util_mono_ms() + API_WAKE_PACE_MS;
            while (atomic_load(&a->wakes_unhandled) >= API_WAKE_STEP && util_mono_ms() < until)
                usleep(200);
        }
        atomic_store(&r->woken, 1);
        atomic_fetch_add(&a->wakes_unhandled, 1);
        MHD_resume_connection(r->conn);   /* the handler runs again and reads the store */
    }
}

/* r is being handled (or freed): no longer a wake the HTTP thread owes. */
void req_wake_handled(struct api *a, struct api_req *r)
{
    if (atomic_exchange(&r->woken, 0))
        atomic_fetch_sub(&a->wakes_unhandled, 1);
}

int req_query_long(struct api_req *r, const char *name, long min, long max, long *v)
{
    const char *s = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    char *end;
    long x;

    if (!s)
        return 0;
    x = strtol(s, &end, 10);
    if (end == s || *end || x < min || x > max)
        return -1;
    *v = x;
    return 1;
}

int req_conn_gone(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct pollfd p;

    if (!ci)
        return 0;
    p = (struct pollfd){ci->connect_fd, POLLRDHUP, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}
