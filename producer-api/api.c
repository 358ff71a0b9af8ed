/* api: HTTP routes of the producer API (see api.h). One epoll thread serves
 * every connection; a sync call is suspended after its job is handed to
 * Kafka and resumed by replies.c, so thousands can wait without threads. */
#include "api.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "job.h"
#include "kq.h"
#include "log.h"
#include "replies.h"
#include "util.h"

enum route { ROUTE_NONE, ROUTE_EXEC, ROUTE_HEALTH };

/* One HTTP request. Allocated on its first handler call, freed in
 * req_completed(). While suspended it is also referenced by a->pending;
 * whoever takes it from there calls api_req_finish() exactly once. */
struct api_req {
    struct MHD_Connection *conn;
    enum route route;
    struct buf body;
    int done;             /* status and resp are set: answer on the next call */
    unsigned status;
    char *resp;           /* malloc'd JSON body */
    char account[64];
};

char *api_error_json(const char *code, const char *message)
{
    cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
    char *s;

    cJSON_AddBoolToObject(o, "ok", 0);
    cJSON_AddStringToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", message);
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static void req_set(struct api_req *r, unsigned status, char *body)
{
    free(r->resp);
    r->status = status;
    r->resp = body;
    r->done = 1;
}

static void req_error(struct api_req *r, unsigned status, const char *code, const char *message)
{
    req_set(r, status, api_error_json(code, message));
}

void api_req_finish(struct api_req *r, unsigned status, char *body)
{
    req_set(r, status, body);
    MHD_resume_connection(r->conn);
}

/* Queues r's response. MUST_FREE: MHD frees resp with free() when done. */
static enum MHD_Result req_respond(struct api_req *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char *body = r->resp ? r->resp : api_error_json("internal", "no response");

    r->resp = NULL;
    resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (r->status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (r->status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->route == ROUTE_EXEC ? "POST" : "GET");
    ret = MHD_queue_response(r->conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

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

/* Validates an exec body into j. Returns 0, or -1 after setting r's error. */
static int parse_exec(struct api *a, struct api_req *r, struct job *j)
{
    const struct cfg *c = a->cfg;
    cJSON *o = NULL, *v;
    char msg[160];
    int ret = -1;

    if (json_has_nul(r->body.data, r->body.len)) {
        req_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request", "code and stdin may not contain NUL characters");
        goto out;
    }
    o = cJSON_ParseWithLength(r->body.data ? r->body.data : "", r->body.len);
    if (!o) {
        req_error(r, MHD_HTTP_BAD_REQUEST, "invalid_json", "the body is not valid JSON");
        goto out;
    }
    if (!cJSON_IsObject(o)) {
        req_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request", "the body must be a JSON object");
        goto out;
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "code");
    if (!cJSON_IsString(v)) {
        req_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request",
                  v ? "\"code\" must be a string" : "missing \"code\" (the Python source to run)");
        goto out;
    }
    if ((long)strlen(v->valuestring) > c->max_code_bytes) {
        snprintf(msg, sizeof(msg), "\"code\" is over the limit of %ld bytes", c->max_code_bytes);
        req_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "payload_too_large", msg);
        goto out;
    }
    j->code = util_strdup(v->valuestring);
    j->timeout_ms = c->default_timeout_ms;
    v = cJSON_GetObjectItemCaseSensitive(o, "timeout");
    if (v && !cJSON_IsNull(v)) {
        double t = cJSON_IsNumber(v) ? v->valuedouble : -1;
        if (!cJSON_IsNumber(v) || !(t > 0) || ceil(t * 1000) > c->max_timeout_ms) {
            snprintf(msg, sizeof(msg), "\"timeout\" must be a number of seconds greater than 0 and at most %g",
                     (double)c->max_timeout_ms / 1000);
            req_error(r, MHD_HTTP_BAD_REQUEST, "invalid_timeout", msg);
            goto out;
        }
        j->timeout_ms = (long)ceil(t * 1000);
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "stdin");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsString(v)) {
            req_error(r, MHD_HTTP_BAD_REQUEST, "invalid_request", "\"stdin\" must be a string");
            goto out;
        }
        j->stdin_data = util_strdup(v->valuestring);
    }
    j->memory_mb = c->memory_mb;
    v = cJSON_GetObjectItemCaseSensitive(o, "memory_mb");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 16 ||
            v->valuedouble > (double)c->max_memory_mb) {
            snprintf(msg, sizeof(msg), "\"memory_mb\" must be a whole number from 16 to %ld", c->max_memory_mb);
            req_error(r, MHD_HTTP_BAD_REQUEST, "invalid_memory", msg);
            goto out;
        }
        j->memory_mb = (long)v->valuedouble;
    }
    ret = 0;
out:
    cJSON_Delete(o);
    return ret;
}

/* Hands a valid sync job to Kafka and suspends the connection. On failure
 * sets r's error and returns -1 (nothing was queued). */
static int submit_sync(struct api *a, struct api_req *r, struct job *j)
{
    char *json;
    rd_kafka_resp_err_t err;
    int64_t now = util_wall_ms();

    util_uuid(j->id);
    snprintf(j->kind, sizeof(j->kind), "sync");
    snprintf(j->account, sizeof(j->account), "%s", r->account);
    j->credits = a->cfg->price_credits;
    j->submitted_at_ms = now;
    /* Past this an executor skips the job: nobody is waiting any more. */
    j->expires_at_ms = now + j->timeout_ms + a->cfg->sync_grace_ms;
    json = job_to_json(j);
    if (!json) {
        req_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "could not encode the job");
        return -1;
    }
    if (pending_add(a->pending, j->id, r, util_mono_ms() + j->timeout_ms + a->cfg->sync_grace_ms) < 0) {
        free(json);
        req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "overloaded", "too many calls are waiting; try again shortly");
        return -1;
    }
    /* Suspend before producing: the result may come back before this returns. */
    MHD_suspend_connection(r->conn);
    err = rd_kafka_producev(a->producer,
        RD_KAFKA_V_TOPIC(a->cfg->jobs_topic),
        RD_KAFKA_V_KEY(j->id, strlen(j->id)),
        RD_KAFKA_V_VALUE(json, strlen(json)),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),     /* librdkafka frees json with free() */
        RD_KAFKA_V_HEADER(KQ_H_CORRELATION, j->id, -1),
        RD_KAFKA_V_HEADER(KQ_H_REPLY_TO, a->cfg->results_topic, -1),
        RD_KAFKA_V_HEADER(KQ_H_SCHEMA, "1", -1),
        RD_KAFKA_V_HEADER(KQ_H_CTYPE, "application/json", -1),
        RD_KAFKA_V_HEADER(KQ_H_KIND, j->kind, -1),
        RD_KAFKA_V_HEADER(KQ_H_MSGTYPE, "job", -1),
        RD_KAFKA_V_END);
    if (err) {
        free(json);
        /* Only finish it if the reply thread did not take it meanwhile. */
        if (pending_take(a->pending, j->id) == r) {
            char msg[160];
            snprintf(msg, sizeof(msg), "could not queue the job: %s", rd_kafka_err2str(err));
            api_req_finish(r, MHD_HTTP_SERVICE_UNAVAILABLE, api_error_json("queue_unavailable", msg));
        }
        return 0;
    }
    log_msg(LOG_DEBUG, "job=%s queued (sync, timeout %ld ms)", j->id, j->timeout_ms);
    return 0;
}

static void handle_exec(struct api *a, struct api_req *r)
{
    struct job j;

    job_init(&j);
    if (parse_exec(a, r, &j) == 0)
        submit_sync(a, r, &j);
    job_release(&j);
}

static void handle_health(struct api *a, struct api_req *r)
{
    int kafka = atomic_load(&a->kafka_ok), ready = atomic_load(&a->reply_ready);
    cJSON *o = cJSON_CreateObject();
    char *s;

    cJSON_AddBoolToObject(o, "ok", kafka && ready);
    cJSON_AddStringToObject(o, "kafka", kafka ? "up" : "down");
    cJSON_AddBoolToObject(o, "reply_consumer_ready", ready);
    cJSON_AddNumberToObject(o, "waiting_calls", (double)pending_count(a->pending));
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    req_set(r, kafka && ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, s);
}

/* First call for a request: route, method and auth, from headers alone. */
static void req_begin(struct api *a, struct api_req *r, const char *url, const char *method)
{
    const char *cl;
    char errstr[160];

    if (strcmp(url, "/v1/exec-python") == 0)
        r->route = ROUTE_EXEC;
    else if (strcmp(url, "/healthz") == 0)
        r->route = ROUTE_HEALTH;
    if (r->route == ROUTE_NONE) {
        req_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint; see docs/api.md");
        return;
    }
    if ((r->route == ROUTE_EXEC && strcmp(method, "POST") != 0) ||
        (r->route == ROUTE_HEALTH && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)) {
        req_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                  r->route == ROUTE_EXEC ? "use POST" : "use GET");
        return;
    }
    if (r->route != ROUTE_EXEC)
        return;
    if (auth_check(a->cfg, MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
                   r->account, sizeof(r->account), errstr, sizeof(errstr)) < 0) {
        req_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized", errstr);
        return;
    }
    cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoll(cl, NULL, 10) > a->cfg->max_body_bytes) {
        snprintf(errstr, sizeof(errstr), "the body is over the limit of %ld bytes", a->cfg->max_body_bytes);
        req_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "payload_too_large", errstr);
    }
}

static enum MHD_Result api_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
    struct api *a = cls;
    struct api_req *r = *con_cls;

    (void)version;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r)
            return MHD_NO;
        r->conn = conn;
        buf_init(&r->body);
        *con_cls = r;
        req_begin(a, r, url, method);
        /* A too-large body is refused before it is read; MHD then closes. */
        if (r->done && r->status == MHD_HTTP_CONTENT_TOO_LARGE)
            return req_respond(r);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->done) {
            if ((long)(r->body.len + *upload_data_size) > a->cfg->max_body_bytes) {
                char msg[96];
                snprintf(msg, sizeof(msg), "the body is over the limit of %ld bytes", a->cfg->max_body_bytes);
                req_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "payload_too_large", msg);
                *upload_data_size = 0;
                return req_respond(r);
            }
            if (buf_append(&r->body, upload_data, *upload_data_size) < 0)
                req_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory");
        }
        *upload_data_size = 0;   /* consumed (or discarded after an early error) */
        return MHD_YES;
    }
    if (!r->done) {
        if (r->route == ROUTE_HEALTH)
            handle_health(a, r);
        else
            handle_exec(a, r);
        if (!r->done)
            return MHD_YES;   /* suspended until replies.c finishes it */
    }
    return req_respond(r);
}

static void req_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                          enum MHD_RequestTerminationCode toe)
{
    struct api_req *r = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (!r)
        return;
    buf_release(&r->body);
    free(r->resp);
    free(r);
    *con_cls = NULL;
}

int api_start(struct api *a, const struct cfg *c, char *errstr, size_t errstr_size)
{
    struct sockaddr_in sa;

    memset(a, 0, sizeof(*a));
    a->cfg = c;
    a->pending = pending_new((size_t)c->max_pending);
    if (!a->pending) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    if (replies_start(a, errstr, errstr_size) < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)c->port);
    if (inet_pton(AF_INET, c->listen_addr, &sa.sin_addr) != 1) {
        snprintf(errstr, errstr_size, "listen-addr %s is not an IPv4 address", c->listen_addr);
        return -1;
    }
    /* epoll in one internal thread; suspend/resume so waiting calls hold no thread. */
    a->mhd = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
                              0, NULL, NULL, api_handler, a,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)(c->max_pending + 256),
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                              MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
                              MHD_OPTION_NOTIFY_COMPLETED, req_completed, a,
                              MHD_OPTION_END);
    if (!a->mhd) {
        snprintf(errstr, errstr_size, "cannot listen on %s:%ld", c->listen_addr, c->port);
        return -1;
    }
    log_msg(LOG_INFO, "listening on http://%s:%ld", c->listen_addr, c->port);
    return 0;
}

static void finish_unavailable(void *data, void *arg)
{
    (void)arg;
    api_req_finish(data, MHD_HTTP_SERVICE_UNAVAILABLE,
                   api_error_json("shutting_down", "the API is stopping; the job may still run"));
}

void api_stop(struct api *a)
{
    atomic_store(&a->stopping, 1);
    if (a->mhd)
        MHD_quiesce_daemon(a->mhd);
    if (a->pending && pending_expire(a->pending, INT64_MAX, finish_unavailable, NULL))
        usleep(300000);   /* let the epoll thread send those answers */
    replies_stop(a);
    if (a->mhd)
        MHD_stop_daemon(a->mhd);
    pending_free(a->pending);
    a->mhd = NULL;
    a->pending = NULL;
}
