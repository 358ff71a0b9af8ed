/* sessions: the /v1/sessions routes (see routes.h). A session is made by a
 * create job that any executor takes (executor/session.h); its answer
 * names the executor and the partition of the sessions topic it reads,
 * which the store keeps; each exec is a sync call sent there. */
#include "routes.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "log.h"
#include "produce.h"
#include "req.h"
#include "spec.h"
#include "store.h"
#include "util.h"
#include "webhook.h"

/* A session's create job waits this long for an executor to make it. */
#define SESSION_CREATE_TIMEOUT_MS 30000
#define SESSION_IDLE_DEFAULT_S 600
#define SESSION_IDLE_MAX_S 3600
#define SESSIONS_LISTED 100

static cJSON *session_json(const struct store_session *x)
{
    cJSON *o = cJSON_CreateObject();
    int64_t now = util_wall_ms();
    int open = strcmp(x->state, "open") == 0;

    cJSON_AddStringToObject(o, "session_id", x->id);
    cJSON_AddStringToObject(o, "state", x->state);
    if (x->reason[0])
        cJSON_AddStringToObject(o, "ended_because", x->reason);
    cJSON_AddNumberToObject(o, "memory_mb", (double)x->memory_mb);
    cJSON_AddNumberToObject(o, "scratch_mb", (double)x->scratch_mb);
    cJSON_AddNumberToObject(o, "idle_timeout_s", (double)x->idle_s);
    cJSON_AddNumberToObject(o, "max_lifetime_s", (double)x->lifetime_s);
    cJSON_AddNumberToObject(o, "execs", (double)x->execs);
    cJSON_AddNumberToObject(o, "memory_kb", (double)x->memory_kb);
    cJSON_AddNumberToObject(o, "created_at_ms", (double)x->created_ms);
    cJSON_AddNumberToObject(o, "last_used_at_ms", (double)x->last_ms);
    cJSON_AddNumberToObject(o, "idle_s", (double)((now > x->last_ms ? now - x->last_ms : 0) / 1000));
    if (open) {
        int64_t idle_end = x->last_ms + (int64_t)x->idle_s * 1000, life_end = x->created_ms + (int64_t)x->lifetime_s * 1000;
        cJSON_AddNumberToObject(o, "ends_at_ms", (double)(idle_end < life_end ? idle_end : life_end));
    }
    return o;
}

static char *session_body(const struct store_session *x)
{
    cJSON *o = session_json(x);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* Reads a whole number field of o within [min, max] into *v (absent or
 * null: unchanged). Returns 0, or -1 with r answered 400. */
static int num_field(struct api_req *r, const cJSON *o, const char *name, long min, long max, long *v)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    char msg[160];

    if (!f || cJSON_IsNull(f))
        return 0;
    if (!cJSON_IsNumber(f) || f->valuedouble != (double)(long)f->valuedouble || f->valuedouble < (double)min ||
        f->valuedouble > (double)max) {
        snprintf(msg, sizeof(msg), "\"%s\" must be a whole number from %ld to %ld", name, min, max);
        req_error(r, 400, "invalid_request", msg);
        return -1;
    }
    *v = (long)f->valuedouble;
    return 0;
}

/* Stores new session x (starting) within the account's limit, its end's
 * callback cb's (or a fork's parent's: store_session_add), and sends its
 * create or fork job j (to the jobs topic, or partition part of the
 * sessions topic); r is answered when it comes back (sessions_created). */
static void queue_new(struct api *a, struct api_req *r, struct store_session *x, const struct store_callback *cb,
                      const char *parent, struct job *j, int32_t part)
{
    const struct cfg *c = a->cfg;
    int rc;

    snprintf(x->account, sizeof(x->account), "%s", r->account);
    rc = store_session_add(a->store, x, cb, parent, c->session_max_open, util_wall_ms());
    if (rc == 1) {
        char msg[200];
        snprintf(msg, sizeof(msg), "this account has %ld open sessions, the most it may have; end one (DELETE "
                 "/v1/sessions/{id}) or let one idle out; nothing was charged", c->session_max_open);
        req_error(r, 429, "too_many_sessions", msg);
        return;
    }
    if (rc < 0) {
        req_store_down(r);
        return;
    }
    memcpy(r->session_id, x->id, sizeof(r->session_id));
    r->session_create = 1;
    submit_sync(a, r, j, NULL, part);
    if (r->done && r->status != 200)
        store_session_end(a->store, x->id, "failed", "not_queued", 0);
}

static void create(struct api *a, struct api_req *r)
{
    const struct cfg *c = a->cfg;
    struct store_session x;
    struct store_callback cb = {NULL, 0};
    struct job j;
    cJSON *o = NULL;
    const cJSON *f;

    job_init(&j);
    memset(&x, 0, sizeof(x));
    x.memory_mb = c->memory_mb;
    x.idle_s = SESSION_IDLE_DEFAULT_S;
    x.lifetime_s = c->session_max_lifetime_s;
    if (r->body.len > 0) {
        if (!(o = submit_parse_body(r)))
            goto out;
        if (!cJSON_IsObject(o)) {
            req_error(r, 400, "invalid_request", "the body must be a JSON object");
            goto out;
        }
        cJSON_ArrayForEach(f, o) {
            if (strcmp(f->string, "memory_mb") != 0 && strcmp(f->string, "scratch_mb") != 0 &&
                strcmp(f->string, "idle_timeout_s") != 0 && strcmp(f->string, "max_lifetime_s") != 0 &&
                strcmp(f->string, "env") != 0 && strcmp(f->string, "callback_url") != 0 &&
                strcmp(f->string, "callback_events") != 0) {
                char msg[200];
                snprintf(msg, sizeof(msg), "unknown field \"%.64s\" (a session takes memory_mb, scratch_mb, "
                         "idle_timeout_s, max_lifetime_s, env, callback_url, callback_events)", f->string);
                req_error(r, 400, "invalid_request", msg);
                goto out;
            }
        }
        if (num_field(r, o, "memory_mb", 16, c->max_memory_mb, &x.memory_mb) < 0 ||
            num_field(r, o, "scratch_mb", 0, c->max_scratch_mb, &x.scratch_mb) < 0 ||
            num_field(r, o, "idle_timeout_s", 1, SESSION_IDLE_MAX_S, &x.idle_s) < 0 ||
            num_field(r, o, "max_lifetime_s", 1, c->session_max_lifetime_s, &x.lifetime_s) < 0 ||
            webhooks_callback_parse(a, r, o, WEBHOOK_SESSION_ENDED, WEBHOOK_SESSION_ENDED, &cb))
            goto out;
        {
            /* Checked as a job's is (spec.h): the name, then the executors'. */
            struct spec_err e;
            if (spec_env(cJSON_GetObjectItemCaseSensitive(o, "env"), j.env, &e) < 0) {
                req_error(r, e.status, e.code, e.msg);
                goto out;
            }
            if (submit_env_refused(a, r, j.env))
                goto out;
        }
    }
    if (submit_refuse_now(a, r))
        goto out;
    j.code = util_strdup("");
    j.timeout_ms = SESSION_CREATE_TIMEOUT_MS;
    j.memory_mb = x.memory_mb;
    j.scratch_mb = x.scratch_mb;
    submit_stamp_sync(a, r, &j);
    j.stream = 0;
    j.credits = c->session_create_credits;
    util_uuid(j.session_id);
    snprintf(j.session_op, sizeof(j.session_op), "create");
    j.session_idle_s = x.idle_s;
    j.session_lifetime_s = x.lifetime_s;
    memcpy(x.id, j.session_id, sizeof(x.id));
    queue_new(a, r, &x, &cb, NULL, &j, -1);
out:
    cJSON_Delete(o);
    job_release(&j);
}

void sessions_created(struct api *a, struct api_req *r, const struct result *res)
{
    struct store_session x;
    char msg[320];

    if (res->status == RESULT_COMPLETED && res->session_partition >= 0 && res->session_executor[0]) {
        store_session_placed(a->store, r->session_id, res->session_executor, res->session_partition);
        if (store_session_get(a->store, r->session_id, r->account, &x) == 0) {
            req_finish(r, 201, session_body(&x));
            return;
        }
        req_finish(r, 503, req_error_body("store_unavailable", "the session was made but could not be read back"));
        return;
    }
    store_session_end(a->store, r->session_id, "failed", "not_made", 0);
    snprintf(msg, sizeof(msg), "no session was made: %s; %s", res->error[0] ? res->error : "the executor failed",
             res->status == RESULT_EXPIRED ? "no executor took it in time" : "try again later");
    r->retry_after_s = 5;
    req_finish(r, 503, req_error_body("session_unavailable", msg));
}

struct list_ctx {
    cJSON *arr;
    int64_t now;
};

static void add_listed(const struct store_session *x, void *arg)
{
    struct list_ctx *l = arg;
    struct store_session v = *x;
    if (strcmp(x->reason, "deleted") == 0)
        return;   /* gone */
    store_session_view(&v, l->now);
    cJSON_AddItemToArray(l->arr, session_json(&v));
}

void sessions_route(struct api *a, struct api_req *r)
{
    if (strcmp(r->method, "POST") == 0) {
        create(a, r);
    } else if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) {
        cJSON *o = cJSON_CreateObject();
        struct list_ctx l = {cJSON_AddArrayToObject(o, "sessions"), util_wall_ms()};
        if (store_session_list(a->store, r->account, SESSIONS_LISTED, add_listed, &l) < 0) {
            cJSON_Delete(o);
            req_store_down(r);
            return;
        }
        req_set(r, 200, cJSON_PrintUnformatted(o));
        cJSON_Delete(o);
    } else {
        r->allow = "GET, POST";
        req_error(r, 405, "method_not_allowed", "use POST (make a session) or GET (list them)");
    }
}

/* Reads r's session (r->path_id) of r's account into x. Returns 0, or -1
 * with r answered (404: none of this account's, whoever else holds it, or
 * one that was deleted: it is gone). */
static int find(struct api *a, struct api_req *r, struct store_session *x)
{
    int rc = store_session_get(a->store, r->path_id, r->account, x);

    if (rc == 0 && strcmp(x->reason, "deleted") == 0)
        rc = 1;
    if (rc == 1)
        req_error(r, 404, "not_found", "no such session for this key");
    else if (rc < 0)
        req_store_down(r);
    if (rc == 0)
        store_session_view(x, util_wall_ms());
    return rc == 0 ? 0 : -1;
}

static void lost(struct api_req *r, const struct store_session *x)
{
    char msg[240];
    snprintf(msg, sizeof(msg), "the session %s is %s (%s): its state is gone; make a new one (nothing was charged)",
             x->id, x->state, x->reason[0] ? x->reason : "ended");
    req_error(r, 410, "session_lost", msg);
}

/* find, for a session that must be open to go on (an exec, a fork):
 * 409 while it is being made, 410 once it has ended. */
static int find_open(struct api *a, struct api_req *r, struct store_session *x)
{
    if (find(a, r, x) < 0)
        return -1;
    if (strcmp(x->state, "starting") == 0) {
        r->retry_after_s = 1;
        req_error(r, 409, "session_starting", "the session is still being made; retry in a moment");
        return -1;
    }
    if (strcmp(x->state, "open") != 0) {
        lost(r, x);
        return -1;
    }
    return 0;
}

void session_route(struct api *a, struct api_req *r)
{
    struct store_session x;

    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0 && strcmp(r->method, "DELETE") != 0) {
        r->allow = "GET, DELETE";
        req_error(r, 405, "method_not_allowed", "use GET (its state) or DELETE (end it)");
        return;
    }
    if (find(a, r, &x) < 0)
        return;
    if (strcmp(r->method, "DELETE") == 0 && strcmp(x.state, "open") != 0) {
        /* Ended already (or still being made: its executor ends it at
         * its idle timeout): gone from now on all the same. */
        if (store_session_end(a->store, x.id, "ended", "deleted", 1) < 0) {
            req_store_down(r);
            return;
        }
        snprintf(x.state, sizeof(x.state), "ended");
        snprintf(x.reason, sizeof(x.reason), "deleted");
    } else if (strcmp(r->method, "DELETE") == 0) {
        struct job j;
        char *json;
        job_init(&j);
        util_uuid(j.id);
        snprintf(j.kind, sizeof(j.kind), "sync");
        snprintf(j.account, sizeof(j.account), "%s", r->account);
        j.code = util_strdup("");
        j.timeout_ms = 1000;
        j.memory_mb = x.memory_mb;
        j.submitted_at_ms = util_wall_ms();
        j.expires_at_ms = j.submitted_at_ms + 60000;
        memcpy(j.session_id, x.id, sizeof(j.session_id));
        snprintf(j.session_op, sizeof(j.session_op), "end");
        snprintf(j.session_executor, sizeof(j.session_executor), "%s", x.executor);
        /* Ended in the store first: no exec goes out after this. */
        if (store_session_end(a->store, x.id, "ended", "deleted", 1) < 0) {
            job_release(&j);
            req_store_down(r);
            return;
        }
        if ((json = job_to_json(&j)) && produce_session(a, x.part, j.id, json) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            /* Its executor ends it at its idle timeout anyway. */
            log_msg(LOG_WARNING, "session=%s end notice not queued", x.id);
            free(json);
        }
        job_release(&j);
        snprintf(x.state, sizeof(x.state), "ended");
        snprintf(x.reason, sizeof(x.reason), "deleted");
    }
    req_set(r, 200, session_body(&x));
}

void session_exec(struct api *a, struct api_req *r)
{
    struct store_session x;
    struct spec_err e;
    struct job j;
    cJSON *o = NULL;

    job_init(&j);
    /* The request first (a bad one is 400 whatever the session's state),
     * then the session. */
    if (!(o = submit_parse_body(r)))
        goto out;
    if (!cJSON_IsObject(o)) {
        req_error(r, 400, "invalid_request", "the body must be a JSON object");
        goto out;
    }
    for (const char *const *f = (const char *const[]){"memory_mb", "scratch_mb", "files", "env", NULL}; *f; f++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, *f);
        if (v && !cJSON_IsNull(v)) {
            char msg[160];
            snprintf(msg, sizeof(msg), "\"%s\" is not taken by a session's exec: %s", *f,
                     strcmp(*f, "files") == 0 ? "write files from code, or pass the data on stdin"
                                               : "it is the session's, set when it is made");
            req_error(r, 400, "invalid_request", msg);
            goto out;
        }
    }
    if (spec_parse(a->cfg, o, &j, &e) < 0) {
        req_error(r, e.status, e.code, e.msg);
        goto out;
    }
    for (const char *const *f = (const char *const[]){"interactive", "cancel_on_disconnect", NULL}; *f; f++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, *f);
        if (v && !cJSON_IsNull(v) && !cJSON_IsBool(v)) {
            char msg[80];
            snprintf(msg, sizeof(msg), "\"%s\" must be true or false", *f);
            req_error(r, 400, "invalid_request", msg);
            goto out;
        }
    }
    j.session_interactive = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "interactive"));
    r->cancel_on_disconnect = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "cancel_on_disconnect"));
    if (find_open(a, r, &x) < 0)
        goto out;
    if (submit_admit_sync(a, r))
        goto out;
    j.memory_mb = x.memory_mb;
    submit_stamp_sync(a, r, &j);
    memcpy(j.session_id, x.id, sizeof(j.session_id));
    snprintf(j.session_op, sizeof(j.session_op), "exec");
    snprintf(j.session_executor, sizeof(j.session_executor), "%s", x.executor);
    store_session_exec(a->store, x.id, util_wall_ms(), 0, 0);   /* its idle clock starts again */
    submit_sync(a, r, &j, NULL, x.part);
out:
    cJSON_Delete(o);
    job_release(&j);
}

void session_fork(struct api *a, struct api_req *r)
{
    struct store_session x, n;
    struct job j;

    job_init(&j);
    if (r->body.len > 0) {
        cJSON *o = submit_parse_body(r);
        int empty = o && cJSON_IsObject(o) && !o->child;
        cJSON_Delete(o);
        if (!o)
            goto out;
        if (!empty) {
            req_error(r, 400, "invalid_request", "a fork takes no fields: it has its parent's limits");
            goto out;
        }
    }
    if (find_open(a, r, &x) < 0)
        goto out;
    if (x.scratch_mb > 0) {
        req_error(r, 409, "fork_unsupported", "a session with scratch space cannot be forked yet: the fork would "
                  "share its /tmp");
        goto out;
    }
    if (submit_refuse_now(a, r))
        goto out;
    n = x;
    util_uuid(n.id);
    n.execs = 0;
    n.memory_kb = 0;
    j.code = util_strdup("");
    j.timeout_ms = SESSION_CREATE_TIMEOUT_MS;
    j.memory_mb = x.memory_mb;
    submit_stamp_sync(a, r, &j);
    j.stream = 0;
    j.credits = a->cfg->session_create_credits;
    memcpy(j.session_id, x.id, sizeof(j.session_id));
    memcpy(j.session_new_id, n.id, sizeof(j.session_new_id));
    snprintf(j.session_op, sizeof(j.session_op), "fork");
    snprintf(j.session_executor, sizeof(j.session_executor), "%s", x.executor);
    j.session_idle_s = x.idle_s;
    /* The rest of its parent's life: a fork never outlives what its
     * parent was given. */
    {
        int64_t left = (x.created_ms + (int64_t)x.lifetime_s * 1000 - util_wall_ms()) / 1000;
        n.lifetime_s = j.session_lifetime_s = left > 1 ? (long)left : 1;
    }
    queue_new(a, r, &n, NULL, x.id, &j, x.part);
    if (!r->done || r->status == 200)
        store_session_exec(a->store, x.id, util_wall_ms(), 0, 0);   /* the parent was used */
out:
    job_release(&j);
}
