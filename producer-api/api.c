/* api: the HTTP server of the producer API (see api.h): the route table,
 * body limits, authentication and the request lifecycle. One epoll thread
 * serves every connection; calls that wait (sync runs, GETs with ?wait=)
 * are suspended, so thousands can wait without threads. The routes
 * themselves are in submit.c, query.c, accounts.c and admin.c; they answer
 * through req.c and write to Kafka through produce.c, never through this
 * file, which only calls them. */
#include "api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "db.h"
#include "envlist.h"
#include "kq.h"
#include "log.h"
#include "metrics.h"
#include "produce.h"
#include "replies.h"
#include "req.h"
#include "results.h"
#include "follow.h"
#include "routes.h"

static void resume_waiter(void *data, void *arg)
{
    (void)arg;
    req_resume(data);   /* it reads the store again, and waits on if its wait is not over */
}

/* A shared store's notice: some API stored the result of id (NULL: some
 * notices may have been missed). */
static void on_stored(const char *id, void *arg)
{
    struct api *a = arg;
    if (id && strncmp(id, "o:", 2) == 0) {
        follow_wake(a, id + 2);   /* output of a running job, stored */
    } else if (id) {
        req_wake(a, id);
        follow_wake(a, id);
    } else {
        pending_expire(a->waiters, INT64_MAX, resume_waiter, NULL);
        follow_wake(a, NULL);
    }
}

static void publish_suspended(const char *id, int64_t at_ms, void *arg)
{
    produce_account(arg, id, 1, at_ms);
}

/* Route names, the label of the HTTP metrics (enum route's order). */
static const char *const route_names[] = {"none", "exec-python", "healthz", "signup", "account", "jobs",
                                          "job", "batches", "batch", "metrics", "openapi", "admin",
                                          "keys-rotate", "job-cancel", "job-events", "sessions", "session",
                                          "session-exec", "session-fork", "webhooks", "webhooks-rotate",
                                          "webhook-deliveries", "webhook-replay", "job-deliveries", "envs"};
#define NROUTES (sizeof(route_names) / sizeof(route_names[0]))
/* A route without its name here would index past both arrays (UBSan found
 * GET /v1/envs doing so). */
_Static_assert(NROUTES == (size_t)ROUTE_ENVS + 1, "route_names names every enum route, in its order");
static struct metric *m_latency[NROUTES];

/* Counts r's answer and its latency (for a sync call: submission to result). */
static void api_count(const struct api_req *r)
{
    char labels[96];

    snprintf(labels, sizeof(labels), "route=\"%s\",code=\"%u\"", route_names[r->route], r->status);
    metrics_add(metrics_counter("execq_http_responses_total", "HTTP answers by route and status.", labels), 1);
    metrics_observe(m_latency[r->route], (util_mono_us() - r->t0_us) / 1e6);
}

/* Queues r's answer. MUST_FREE: MHD frees resp with free() when done. */
static enum MHD_Result api_respond(struct api_req *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char *body = r->resp ? r->resp : r->sse ? NULL : req_error_body("internal", "no response");

    r->resp = NULL;
    r->responded = 1;
    if (!body) {
        /* A streamed call: its events follow as the job prints (sse.h). */
        resp = sse_response(sse_ref(r->sse));
        if (!resp)
            return MHD_NO;
    } else {
        resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
            free(body);
            return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype ? r->ctype : "application/json");
    }
    api_count(r);
    if (r->status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (r->status == MHD_HTTP_METHOD_NOT_ALLOWED && r->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->cors_origin[0]) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", r->cors_origin);
        MHD_add_response_header(resp, "Access-Control-Expose-Headers", "X-Job-Id, Retry-After");
        MHD_add_response_header(resp, "Vary", "Origin");
    }
    if (r->preflight) {
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, POST, DELETE");
        MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type, Idempotency-Key, Last-Event-ID, Accept");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    }
    if (r->job_id[0])
        MHD_add_response_header(resp, "X-Job-Id", r->job_id);
    if (r->retry_after_s > 0) {
        char v[16];
        snprintf(v, sizeof(v), "%d", r->retry_after_s);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, v);
    }
    ret = MHD_queue_response(r->conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* The route table: path (exact, a prefix followed by an id and then
 * suffix, or a prefix for a module that routes the rest: with_id 2),
 * method (NULL: the module checks it), who may call: 0 anyone, 1 a key, 2
 * the operator token. */
static const struct route_def {
    const char *path;
    int with_id;
    const char *method;
    enum route route;
    int auth;
    const char *suffix;   /* what follows the id ("" for none) */
} routes[] = {
    {"/v1/exec-python", 0, "POST", ROUTE_EXEC, 1, ""},
    {"/v1/jobs", 0, "POST", ROUTE_JOBS, 1, ""},
    {"/v1/jobs/", 1, "GET", ROUTE_JOB, 1, ""},
    {"/v1/jobs/", 1, "POST", ROUTE_JOB_CANCEL, 1, "/cancel"},
    {"/v1/jobs/", 1, "GET", ROUTE_JOB_EVENTS, 1, "/events"},
    {"/v1/batches", 0, "POST", ROUTE_BATCHES, 1, ""},
    {"/v1/batches/", 1, "GET", ROUTE_BATCH, 1, ""},
    {"/v1/signup", 0, "POST", ROUTE_SIGNUP, 0, ""},
    {"/v1/account", 0, "GET", ROUTE_ACCOUNT, 1, ""},
    {"/v1/envs", 0, "GET", ROUTE_ENVS, 1, ""},
    {"/healthz", 0, "GET", ROUTE_HEALTH, 0, ""},
    {"/metrics", 0, "GET", ROUTE_METRICS, 0, ""},
    {"/openapi.json", 0, "GET", ROUTE_OPENAPI, 0, ""},
    {"/v1/keys/rotate", 0, "POST", ROUTE_KEY_ROTATE, 1, ""},
    {"/v1/admin/", 2, NULL, ROUTE_ADMIN, 2, ""},
    {"/v1/sessions", 0, NULL, ROUTE_SESSIONS, 1, ""},
    {"/v1/sessions/", 1, NULL, ROUTE_SESSION, 1, ""},
    {"/v1/sessions/", 1, "POST", ROUTE_SESSION_EXEC, 1, "/exec"},
    {"/v1/sessions/", 1, "POST", ROUTE_SESSION_FORK, 1, "/fork"},
    {"/v1/webhooks", 0, NULL, ROUTE_WEBHOOKS, 1, ""},
    {"/v1/webhooks/rotate", 0, "POST", ROUTE_WEBHOOKS_ROTATE, 1, ""},
    {"/v1/webhooks/deliveries", 0, "GET", ROUTE_WEBHOOK_DELIVERIES, 1, ""},
    {"/v1/webhooks/deliveries/", 1, "POST", ROUTE_WEBHOOK_REPLAY, 1, "/replay"},
    {"/v1/jobs/", 1, "GET", ROUTE_JOB_DELIVERIES, 1, "/deliveries"},
};

static const struct route_def *find_route(const char *url, char id[37])
{
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        const struct route_def *d = &routes[i];
        size_t n = strlen(d->path);
        if (!d->with_id && strcmp(url, d->path) == 0)
            return d;
        if (d->with_id == 2 && strncmp(url, d->path, n) == 0)
            return d;
        if (d->with_id == 1 && strncmp(url, d->path, n) == 0 && strlen(url + n) >= 36 &&
            strcmp(url + n + 36, d->suffix) == 0) {
            memcpy(id, url + n, 36);
            id[36] = '\0';
            if (util_id_valid(id))
                return d;
        }
    }
    id[0] = '\0';
    return NULL;
}

static long body_limit(const struct api *a, const struct api_req *r)
{
    return r->route == ROUTE_BATCHES ? a->cfg->max_batch_body_bytes : a->cfg->max_body_bytes;
}

static void handle_health(struct api *a, struct api_req *r)
{
    int kafka = produce_kafka_up(a), ready = atomic_load(&a->reply_ready);
    cJSON *o = cJSON_CreateObject();
    char *s;

    cJSON_AddBoolToObject(o, "ok", kafka && ready);
    cJSON_AddStringToObject(o, "kafka", kafka ? "up" : "down");
    cJSON_AddBoolToObject(o, "reply_consumer_ready", ready);
    cJSON_AddNumberToObject(o, "waiting_calls", (double)(pending_count(a->pending) + pending_count(a->streams)));
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    req_set(r, kafka && ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, s);
}

/* docs/openapi.json with schemas/ bundled in (build/openapi.c, made by
 * scripts/openapi.py). */
extern const char api_openapi_json[];

/* Prometheus text format, no key: counts and latencies only, nothing of
 * any account (docs/operations.md). */
static void handle_metrics(struct api_req *r)
{
    char *text = metrics_render();

    if (!text) {
        req_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory");
        return;
    }
    r->ctype = METRICS_CONTENT_TYPE;
    req_set(r, MHD_HTTP_OK, text);
}

/* Header bytes a request may carry (names and values): beyond, 431 in
 * JSON. MHD's own limit (its per-connection pool, API_CONN_POOL) is far
 * above, so every request small enough to be read gets our answer. */
#define API_MAX_HEADER_BYTES 8192
#define API_CONN_POOL (64 * 1024)

static enum MHD_Result add_header_len(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

/* Whether origin is one --cors-origins lets call the API from a browser. */
static int api_cors_allowed(const char *list, const char *origin)
{
    size_t n = strlen(origin);

    if (strcmp(list, "*") == 0)
        return 1;
    while (*list) {
        size_t len = strcspn(list, ",");
        const char *p = list;

        list += len + (list[len] == ',');
        while (len && *p == ' ')
            p++, len--;
        while (len && p[len - 1] == ' ')
            len--;
        if (len == n && strncmp(p, origin, n) == 0)
            return 1;
    }
    return 0;
}

/* First call for a request: route, method, sizes, then auth, from headers
 * alone: a request refused for its size never reaches the key check. */
static void api_begin(struct api *a, struct api_req *r, const char *url, const char *method)
{
    size_t header_bytes = 0;
    const struct route_def *d = find_route(url, r->path_id);
    const char *cl, *origin;
    char errstr[160];
    int rc;

    if (!d) {
        req_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint; see docs/api.md");
        return;
    }
    r->route = d->route;
    r->allow = d->method;
    snprintf(r->path, sizeof(r->path), "%s", url);
    snprintf(r->method, sizeof(r->method), "%s", method);
    origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
    if (origin && a->cfg->cors_origins[0] && strlen(origin) < sizeof(r->cors_origin) &&
        api_cors_allowed(a->cfg->cors_origins, origin)) {
        snprintf(r->cors_origin, sizeof(r->cors_origin), "%s", origin);
        if (strcmp(method, "OPTIONS") == 0) {
            /* A browser asking first: nothing is done, no key is needed. */
            r->preflight = 1;
            req_set(r, MHD_HTTP_NO_CONTENT, util_strdup(""));
            return;
        }
    }
    if (d->auth == 2 && !a->admin_token[0]) {
        /* No operator token configured: there is no admin API at all. */
        req_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint; see docs/api.md");
        return;
    }
    if (d->method && strcmp(method, d->method) != 0 &&
        !(strcmp(d->method, "GET") == 0 && strcmp(method, "HEAD") == 0)) {
        snprintf(errstr, sizeof(errstr), "use %s", d->method);
        req_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", errstr);
        return;
    }
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, add_header_len, &header_bytes);
    if (header_bytes > API_MAX_HEADER_BYTES) {
        snprintf(errstr, sizeof(errstr), "the request's headers are over the limit of %d bytes",
                 API_MAX_HEADER_BYTES);
        req_error(r, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large", errstr);
        return;
    }
    cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoll(cl, NULL, 10) > body_limit(a, r)) {
        snprintf(errstr, sizeof(errstr), "the body is over the limit of %ld bytes", body_limit(a, r));
        req_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "payload_too_large", errstr);
        return;
    }
    if (d->auth == 2) {
        /* The operator token only: a user key, however valid, is refused. */
        if (!auth_admin(a->admin_token,
                        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION)))
            req_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized", "the admin API needs the operator token");
        return;
    }
    if (d->auth) {
        rc = auth_check(a->store, MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
                        r->account, errstr, sizeof(errstr));
        if (rc == 2)
            req_error(r, MHD_HTTP_FORBIDDEN, "account_suspended", errstr);
        else if (rc > 0)
            req_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized", errstr);
        else if (rc < 0)
            req_store_down(r);
        else if (quota_take(a->rate, a->store, r->account, util_mono_ms(), &r->retry_after_s))
            req_error(r, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited",
                      "this key is over its requests per second; nothing was done (see Retry-After)");
    }
}

static void dispatch(struct api *a, struct api_req *r)
{
    switch (r->route) {
    case ROUTE_EXEC: submit_exec(a, r); break;
    case ROUTE_JOBS: submit_job(a, r); break;
    case ROUTE_BATCHES: submit_batch(a, r); break;
    case ROUTE_JOB: query_job(a, r); break;
    case ROUTE_BATCH: query_batch(a, r); break;
    case ROUTE_SIGNUP: accounts_signup(a, r); break;
    case ROUTE_ACCOUNT: accounts_get(a, r); break;
    case ROUTE_HEALTH: handle_health(a, r); break;
    case ROUTE_METRICS: handle_metrics(r); break;
    case ROUTE_OPENAPI: req_set(r, MHD_HTTP_OK, util_strdup(api_openapi_json)); break;
    case ROUTE_ADMIN: admin_handle(a, r); break;
    case ROUTE_KEY_ROTATE: admin_rotate_own_key(a, r); break;
    case ROUTE_JOB_CANCEL: cancel_job(a, r); break;
    case ROUTE_JOB_EVENTS: follow_job(a, r); break;
    case ROUTE_SESSIONS: sessions_route(a, r); break;
    case ROUTE_SESSION: session_route(a, r); break;
    case ROUTE_SESSION_EXEC: session_exec(a, r); break;
    case ROUTE_SESSION_FORK: session_fork(a, r); break;
    case ROUTE_WEBHOOKS: webhooks_route(a, r); break;
    case ROUTE_WEBHOOKS_ROTATE: webhooks_rotate(a, r); break;
    case ROUTE_WEBHOOK_DELIVERIES: webhooks_deliveries(a, r); break;
    case ROUTE_WEBHOOK_REPLAY: webhooks_replay(a, r); break;
    case ROUTE_JOB_DELIVERIES: webhooks_job_deliveries(a, r); break;
    case ROUTE_ENVS: req_set(r, MHD_HTTP_OK, envlist_json(a->envlist)); break;
    case ROUTE_NONE: req_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint"); break;
    }
}

/* The client a request came from, by its User-Agent: the SDKs and the CLI
 * name themselves; a bounded set of labels whatever the header says. The
 * counters are made at start (register_metrics): a request only adds. */
static const struct {
    const char *prefix, *kind;   /* prefix NULL: no User-Agent, or one of no kind above */
} client_kinds[] = {{"execq-python/", "python"}, {"execq-typescript/", "typescript"}, {"execq-cli/", "cli"},
                    {"curl/", "curl"}, {NULL, "other"}, {NULL, "none"}};
#define NCLIENT_KINDS (sizeof(client_kinds) / sizeof(client_kinds[0]))
static struct metric *m_clients[NCLIENT_KINDS];

static size_t api_client_kind(struct MHD_Connection *conn)
{
    const char *ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
    size_t i;

    if (!ua)
        return NCLIENT_KINDS - 1;
    for (i = 0; client_kinds[i].prefix; i++)
        if (strncmp(ua, client_kinds[i].prefix, strlen(client_kinds[i].prefix)) == 0)
            break;
    return i;   /* the first without a prefix: "other" */
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
        r->t0_us = util_mono_us();
        metrics_add(m_clients[api_client_kind(conn)], 1);
        buf_init(&r->body);
        *con_cls = r;
        api_begin(a, r, url, method);
        /* Refused from its headers (401, 404, 405, 413, 431): answered now,
         * before any of the body is read (MHD accepts an answer only now or
         * after the whole body); MHD then closes the connection. A stranger
         * cannot make us read an endless chunked body. */
        if (r->done)
            return api_respond(r);
        return MHD_YES;
    }
    req_wake_handled(a, r);
    if (r->responded) {
        /* Answered early: MHD drops the rest of the body and closes. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->done) {
            if ((long)(r->body.len + *upload_data_size) > body_limit(a, r)) {
                char msg[96];
                snprintf(msg, sizeof(msg), "the body is over the limit of %ld bytes", body_limit(a, r));
                req_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "payload_too_large", msg);
                *upload_data_size = 0;
                return api_respond(r);
            }
            if (buf_append(&r->body, upload_data, *upload_data_size) < 0)
                req_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory");
        }
        *upload_data_size = 0;   /* consumed (or discarded after an early error) */
        return MHD_YES;
    }
    if (!r->done) {
        dispatch(a, r);
        if (!r->done)
            return MHD_YES;   /* suspended until a result or a wake-up resumes it */
    }
    return api_respond(r);
}

static void api_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                          enum MHD_RequestTerminationCode toe)
{
    struct api_req *r = *con_cls;
    struct api *a = cls;

    (void)conn;
    (void)toe;
    if (!r)
        return;
    req_wake_handled(a, r);
    if (r->sync_counted)
        quota_leave(a->rate, QUOTA_SYNC, r->account);
    if (r->wait_counted)
        quota_leave(a->rate, QUOTA_WAIT, r->account);
    /* Ended by MHD (the client went away, a timeout, the daemon stopping)
     * while still listed as waiting: unlisted, so no thread can resume it
     * once freed. */
    if (r->path_id[0])
        pending_remove(a->waiters, r->path_id, r);
    if (r->job_id[0] && pending_remove(a->pending, r->job_id, r)) {
        log_msg(LOG_DEBUG, "job=%s caller gone before its result", r->job_id);
        if (r->cancel_on_disconnect)
            replies_cancel_job(a, r->job_id);
    }
    if (r->sse && pending_remove(a->streams, r->job_id, r->sse)) {
        log_msg(LOG_DEBUG, "job=%s stream closed before its result", r->job_id);
        sse_unref(r->sse);   /* the table's reference */
        if (r->cancel_on_disconnect)
            replies_cancel_job(a, r->job_id);
    }
    sse_unref(r->sse);
    buf_release(&r->body);
    free(r->resp);
    free(r);
    *con_cls = NULL;
}

/* libmicrohttpd's own messages, as our log lines. A client that goes away
 * in the middle of a streamed answer is ordinary: debug. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    int level;

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    level = strstr(msg, "no longer available") || strstr(msg, "Failed to send") ? LOG_DEBUG : LOG_WARNING;
    log_msg(level, "http: %s", msg);
}

/* The operator token: --admin-token-file's first line, else
 * EXECQ_ADMIN_TOKEN (--admin-token); none: no admin API. Returns 0, or -1
 * with errstr (unreadable file, a token too short to be secret). */
static int load_admin_token(struct api *a, const struct cfg *c, char *errstr, size_t errstr_size)
{
    const char *src = c->admin_token;
    char line[256] = "";

    if (c->admin_token_file[0]) {
        FILE *f = fopen(c->admin_token_file, "re");
        if (!f || !fgets(line, sizeof(line), f)) {
            snprintf(errstr, errstr_size, "admin-token-file %s: %s", c->admin_token_file,
                     f ? "empty" : strerror(errno));
            if (f)
                fclose(f);
            return -1;
        }
        fclose(f);
        line[strcspn(line, "\r\n")] = '\0';
        src = line;
    }
    if (src[0] && strlen(src) < 16) {
        snprintf(errstr, errstr_size, "the admin token must be at least 16 characters (it guards every account)");
        return -1;
    }
    snprintf(a->admin_token, sizeof(a->admin_token), "%s", src);
    if (a->admin_token[0])
        log_msg(LOG_INFO, "admin API enabled (operator token from %s)",
                c->admin_token_file[0] ? c->admin_token_file : "EXECQ_ADMIN_TOKEN");
    return 0;
}

static double waiting_calls(void *arg)
{
    return (double)(pending_count(((struct api *)arg)->pending) + pending_count(((struct api *)arg)->streams));
}

static double waiting_gets(void *arg)
{
    return (double)pending_count(((struct api *)arg)->waiters);
}

static double producer_queue(void *arg)
{
    struct api *a = arg;
    return a->producer ? rd_kafka_outq_len(a->producer) : 0;
}

static double held_jobs(void *arg)
{
    return (double)store_held_count(((struct api *)arg)->store);
}

static double kafka_up(void *arg)
{
    return produce_kafka_up(arg);
}

/* The API's metrics (docs/operations.md); results.c and store.c add theirs. */
static void register_metrics(struct api *a)
{
    char labels[64];

    for (size_t i = 1; i < NROUTES; i++) {
        snprintf(labels, sizeof(labels), "route=\"%s\"", route_names[i]);
        m_latency[i] = metrics_histogram("execq_http_request_duration_seconds",
                                         "Time from a request's arrival to its answer; for exec-python, end to end.",
                                         labels, metrics_latency_bounds, metrics_latency_nbounds);
    }
    for (size_t i = 0; i < NCLIENT_KINDS; i++) {
        snprintf(labels, sizeof(labels), "client=\"%s\"", client_kinds[i].kind);
        m_clients[i] = metrics_counter("execq_http_requests_by_client_total",
                                       "HTTP requests by the client that sent them (its User-Agent).", labels);
    }
    sse_metrics();
    follow_metrics(a);
    metrics_gauge_fn("execq_waiting_calls", "Sync calls waiting for their result.", NULL, waiting_calls, a);
    metrics_gauge_fn("execq_waiting_gets", "GETs waiting (?wait=) for a job or batch.", NULL, waiting_gets, a);
    metrics_gauge_fn("execq_kafka_producer_queue_messages",
                     "Messages in the Kafka producer's queue, not yet acknowledged.", NULL, producer_queue, a);
    metrics_gauge_fn("execq_held_jobs", "Async and batch jobs waiting in the store for their account's turn.", NULL,
                     held_jobs, a);
    metrics_gauge_fn("execq_kafka_up", "1 when the cluster answered the last check (every second).", NULL, kafka_up, a);
}

int api_start(struct api *a, const struct cfg *c, char *errstr, size_t errstr_size)
{
    struct sockaddr_in sa;
    char hash[65];

    memset(a, 0, sizeof(*a));
    pthread_mutex_init(&a->produced_mu, NULL);
    a->cfg = c;
    if (load_admin_token(a, c, errstr, errstr_size) < 0)
        return -1;
    a->rate = quota_new(c->account_rps, c->max_batch_jobs);
    if (!a->rate) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    a->limits.max_queued = c->account_max_queued;
    a->limits.max_open = c->account_max_open;
    a->pending = pending_new((size_t)c->max_pending, 1);
    a->waiters = pending_new((size_t)c->max_pending, 0);
    a->streams = pending_new((size_t)c->max_pending, 1);
    if (!a->pending || !a->waiters || !a->streams) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    db_set_timeout_ms(c->store_timeout_ms);
    if (store_open(&a->store, c->db_url[0] ? c->db_url : c->db_path, errstr, errstr_size) < 0 ||
        store_listen(a->store, on_stored, a, errstr, errstr_size) < 0)
        return -1;
    /* The demo key is an ordinary account, made once with demo-credits. */
    auth_hash(c->demo_key, hash);
    if (store_account_ensure(a->store, "demo", hash, c->demo_credits, errstr, errstr_size) < 0)
        return -1;
    if (follow_start(a, errstr, errstr_size) < 0 || replies_start(a, errstr, errstr_size) < 0 ||
        results_start(a, errstr, errstr_size) < 0 || !(a->envlist = envlist_start(c, errstr, errstr_size)))
        return -1;
    /* Every suspension again (a notice lost while Kafka was away, a new
     * accounts topic): before any call is served. */
    if (store_suspended_each(a->store, publish_suspended, a) > 0)
        log_msg(LOG_INFO, "suspended accounts published to %s", c->accounts_topic);
    register_metrics(a);
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
                              MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)c->max_conns_per_address,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONN_POOL,
                              MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
                              MHD_OPTION_NOTIFY_COMPLETED, api_completed, a,
                              MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
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
    struct api_req *r = data;
    (void)arg;
    req_finish(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                   req_job_error_body("shutting_down", "the API is stopping; the job may still run: see "
                                      "GET /v1/jobs/{job_id}", r->job_id));
}

static void end_unavailable(void *data, void *arg)
{
    struct sse *x = data;
    (void)arg;
    sse_end(x, MHD_HTTP_SERVICE_UNAVAILABLE,
            req_job_error_body("shutting_down", "the API is stopping; the job may still run: see "
                               "GET /v1/jobs/{job_id}", sse_id(x)));
    sse_unref(x);   /* the table's reference */
}

static void wake_one(void *data, void *arg)
{
    struct api_req *r = data;
    (void)arg;
    r->wait_deadline = -1;   /* answer with what is there */
    MHD_resume_connection(r->conn);
}

void api_stop(struct api *a)
{
    size_t n = 0;

    /* Order matters: new submissions are refused (submit.c checks
     * stopping) and every suspended call is answered while HTTP still runs;
     * HTTP stops before Kafka does, so no handler can charge a job or
     * produce it on a handle being destroyed. */
    atomic_store(&a->stopping, 1);
    if (a->mhd)
        MHD_quiesce_daemon(a->mhd);
    for (int round = 0; round < 2; round++) {
        /* Twice: a handler that was running as stopping was set may have
         * suspended one more call. */
        if (a->pending)
            n += pending_expire(a->pending, INT64_MAX, finish_unavailable, NULL);
        if (a->waiters)
            n += pending_expire(a->waiters, INT64_MAX, wake_one, NULL);
        if (a->streams)
            n += pending_expire(a->streams, INT64_MAX, end_unavailable, NULL);
        n += follow_stop(a);
        usleep(n ? 300000 : 50000);   /* let the epoll thread send those answers */
    }
    if (a->mhd)
        MHD_stop_daemon(a->mhd);
    a->mhd = NULL;
    results_stop(a);
    replies_stop(a);
    envlist_stop(a->envlist);
    a->envlist = NULL;
    if (a->store)
        results_flush_produced(a);
    if (a->nproduced)
        log_msg(LOG_WARNING, "%zu produced marks not written; those jobs are sent again after the restart", a->nproduced);
    free(a->produced);
    a->produced = NULL;
    a->nproduced = a->produced_cap = 0;
    store_close(a->store);   /* its listener wakes waiters: stopped before they are freed */
    pending_free(a->pending);
    pending_free(a->waiters);
    pending_free(a->streams);
    follow_free(a);
    quota_free(a->rate);
    a->mhd = NULL;
    a->pending = a->waiters = a->streams = NULL;
    a->store = NULL;
}
