/* webhooks: the API's side of callbacks (routes.h): a job's or batch's
 * "callback_url" checked and kept with it, an account's default URL and
 * signing secret (/v1/webhooks), and what was delivered
 * (/v1/webhooks/deliveries, /v1/jobs/{id}/deliveries). execq-hooks
 * (hooks/) does the delivering; docs/webhooks.md is the user's side. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "req.h"
#include "routes.h"
#include "store.h"
#include "util.h"
#include "webhook.h"

/* A rotated secret signs beside the new one this long unless asked. */
#define GRACE_DEFAULT_S 86400
#define GRACE_MAX_S (7 * 86400)
/* How long an event is retried before it is dead (a replay's new deadline). */
#define EVENT_TTL_MS (24LL * 3600 * 1000)

int webhooks_callback_parse(struct api *a, struct api_req *r, const cJSON *o, unsigned allowed, unsigned def,
                            struct store_callback *cb)
{
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "callback_url");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(o, "callback_events");
    char why[200], msg[300];

    cb->url = NULL;
    cb->events = 0;
    if (!u || cJSON_IsNull(u)) {
        if (ev && !cJSON_IsNull(ev)) {
            req_error(r, 400, "invalid_request", "\"callback_events\" needs a \"callback_url\"");
            return 1;
        }
        return 0;
    }
    if (!cJSON_IsString(u)) {
        req_error(r, 400, "invalid_request", "\"callback_url\" must be a string (an https:// URL)");
        return 1;
    }
    if (webhook_url_check(u->valuestring, (int)a->cfg->allow_http_callbacks, (int)a->cfg->allow_private_callbacks,
                          why, sizeof(why)) < 0) {
        snprintf(msg, sizeof(msg), "\"callback_url\" %s", why);
        req_error(r, 400, "invalid_callback_url", msg);
        return 1;
    }
    if (webhook_events_parse(ev, allowed, def, &cb->events, why, sizeof(why)) < 0) {
        snprintf(msg, sizeof(msg), "\"callback_%s", why);
        req_error(r, 400, "invalid_request", msg);
        return 1;
    }
    cb->url = u->valuestring;
    return 0;
}

static char *settings_json(const struct store_webhook *w)
{
    cJSON *o = cJSON_CreateObject();
    char *s;

    if (w->url[0])
        cJSON_AddStringToObject(o, "url", w->url);
    else
        cJSON_AddNullToObject(o, "url");
    cJSON_AddItemToObject(o, "events", webhook_events_json(w->events));
    cJSON_AddStringToObject(o, "secret", w->secret);
    if (w->prev_secret[0] && w->prev_until_ms > util_wall_ms())
        cJSON_AddNumberToObject(o, "previous_secret_expires_at_ms", (double)w->prev_until_ms);
    else
        cJSON_AddNullToObject(o, "previous_secret_expires_at_ms");
    cJSON_AddNumberToObject(o, "updated_at_ms", (double)w->updated_ms);
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static void answer_settings(struct api_req *r, int rc, const struct store_webhook *w)
{
    if (rc < 0)
        req_store_down(r);
    else
        req_set(r, 200, settings_json(w));
}

void webhooks_route(struct api *a, struct api_req *r)
{
    struct store_webhook w;
    cJSON *o = NULL;

    if (strcmp(r->method, "GET") == 0) {
        answer_settings(r, store_webhook_get(a->store, r->account, &w), &w);
    } else if (strcmp(r->method, "DELETE") == 0) {
        answer_settings(r, store_webhook_set(a->store, r->account, NULL, WEBHOOK_ALL_EVENTS, &w), &w);
    } else if (strcmp(r->method, "POST") == 0) {
        struct store_callback cb;
        if (!(o = submit_parse_body(r)))
            goto out;
        if (!cJSON_IsObject(o) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "url"))) {
            req_error(r, 400, "invalid_request", "the body must be {\"url\": \"https://...\", \"events\": [...]}");
            goto out;
        }
        /* The same checks as a job's callback_url, under its own names. */
        {
            cJSON *c = cJSON_CreateObject();
            cJSON_AddItemReferenceToObject(c, "callback_url", cJSON_GetObjectItemCaseSensitive(o, "url"));
            if (cJSON_GetObjectItemCaseSensitive(o, "events"))
                cJSON_AddItemReferenceToObject(c, "callback_events", cJSON_GetObjectItemCaseSensitive(o, "events"));
            int bad = webhooks_callback_parse(a, r, c, WEBHOOK_ALL_EVENTS, WEBHOOK_ALL_EVENTS, &cb);
            if (!bad)
                answer_settings(r, store_webhook_set(a->store, r->account, cb.url, cb.events, &w), &w);
            cJSON_Delete(c);
        }
    } else {
        r->allow = "GET, POST, DELETE";
        req_error(r, 405, "method_not_allowed", "GET, POST or DELETE");
    }
out:
    cJSON_Delete(o);
}

void webhooks_rotate(struct api *a, struct api_req *r)
{
    struct store_webhook w;
    long grace = GRACE_DEFAULT_S;
    cJSON *o = NULL;

    if (r->body.len > 0) {
        const cJSON *g;
        if (!(o = submit_parse_body(r)))
            return;
        if (!cJSON_IsObject(o)) {
            req_error(r, 400, "invalid_request", "the body must be {\"grace_s\": N} (or empty)");
            cJSON_Delete(o);
            return;
        }
        g = cJSON_GetObjectItemCaseSensitive(o, "grace_s");
        if (g && (!cJSON_IsNumber(g) || g->valuedouble < 0 || g->valuedouble > GRACE_MAX_S ||
                  g->valuedouble != (double)(long)g->valuedouble)) {
            req_error(r, 400, "invalid_request", "\"grace_s\" must be a whole number of seconds, 0 to 604800");
            cJSON_Delete(o);
            return;
        }
        if (g)
            grace = (long)g->valuedouble;
    }
    answer_settings(r, store_webhook_rotate(a->store, r->account, util_wall_ms(), grace * 1000LL, &w), &w);
    cJSON_Delete(o);
}

static void add_attempt(const struct store_hook_attempt *t, void *arg)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "n", (double)t->n);
    cJSON_AddNumberToObject(o, "at_ms", (double)t->at_ms);
    cJSON_AddNumberToObject(o, "duration_ms", (double)t->ms);
    if (t->status)
        cJSON_AddNumberToObject(o, "status", t->status);
    else
        cJSON_AddNullToObject(o, "status");
    if (t->error[0])
        cJSON_AddStringToObject(o, "error", t->error);
    else
        cJSON_AddNullToObject(o, "error");
    cJSON_AddItemToArray(arg, o);
}

struct listing {
    cJSON *list;
    int with_attempts;
    int failed;
};

static void add_event(const struct store_hook_event *e, void *arg)
{
    struct listing *l = arg;
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "id", e->id);
    cJSON_AddStringToObject(o, "type", e->type);
    cJSON_AddStringToObject(o, strcmp(e->type, "job.completed") == 0     ? "job_id"
                               : strcmp(e->type, "batch.completed") == 0 ? "batch_id"
                                                                         : "session_id",
                            e->subject);
    cJSON_AddStringToObject(o, "url", e->url ? e->url : "");
    cJSON_AddStringToObject(o, "state", e->state);
    cJSON_AddNumberToObject(o, "attempts", (double)e->attempts);
    if (e->last_status)
        cJSON_AddNumberToObject(o, "last_status", e->last_status);
    else
        cJSON_AddNullToObject(o, "last_status");
    if (e->last_error && e->last_error[0])
        cJSON_AddStringToObject(o, "last_error", e->last_error);
    else
        cJSON_AddNullToObject(o, "last_error");
    cJSON_AddNumberToObject(o, "created_at_ms", (double)e->created_ms);
    if (strcmp(e->state, "pending") == 0)
        cJSON_AddNumberToObject(o, "next_attempt_at_ms", (double)e->next_ms);
    else
        cJSON_AddNullToObject(o, "next_attempt_at_ms");
    cJSON_AddNumberToObject(o, "deadline_at_ms", (double)e->deadline_ms);
    if (e->done_ms)
        cJSON_AddNumberToObject(o, "done_at_ms", (double)e->done_ms);
    else
        cJSON_AddNullToObject(o, "done_at_ms");
    if (l->with_attempts)
        cJSON_AddArrayToObject(o, "attempt_log");   /* filled once the list is read: the store is busy now */
    cJSON_AddItemToArray(l->list, o);
}

/* Answers {key: id, "deliveries": [...]} for the account's events of
 * subject (NULL: all) in state (NULL: any). */
static void answer_events(struct api *a, struct api_req *r, const char *key, const char *subject, const char *state,
                          long limit, int with_attempts)
{
    cJSON *o = cJSON_CreateObject();
    struct listing l = {cJSON_AddArrayToObject(o, "deliveries"), with_attempts, 0};

    if (key)
        cJSON_AddStringToObject(o, key, subject);
    cJSON *e;

    if (store_hook_events_list(a->store, r->account, subject, state, limit, add_event, &l) < 0)
        l.failed = 1;
    cJSON_ArrayForEach(e, l.list) {
        cJSON *at = cJSON_GetObjectItemCaseSensitive(e, "attempt_log");
        if (at && !l.failed &&
            store_hook_attempts(a->store, cJSON_GetObjectItemCaseSensitive(e, "id")->valuestring, add_attempt, at) < 0)
            l.failed = 1;
    }
    if (l.failed)
        req_store_down(r);
    else
        req_set(r, 200, cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
}

void webhooks_deliveries(struct api *a, struct api_req *r)
{
    const char *state = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "state");
    const char *subject = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "subject");
    long limit = 100;

    if (state && strcmp(state, "pending") != 0 && strcmp(state, "delivered") != 0 && strcmp(state, "dead") != 0) {
        req_error(r, 400, "invalid_request", "state must be pending, delivered or dead");
        return;
    }
    if (subject && !util_id_valid(subject)) {
        req_error(r, 400, "invalid_request", "subject must be a job, batch or session id");
        return;
    }
    if (req_query_long(r, "limit", 1, 1000, &limit) < 0) {
        req_error(r, 400, "invalid_request", "limit must be 1 to 1000");
        return;
    }
    answer_events(a, r, NULL, subject, state, limit, subject != NULL);
}

void webhooks_job_deliveries(struct api *a, struct api_req *r)
{
    struct store_job j;
    int rc = store_job_get(a->store, r->path_id, r->account, &j);

    if (rc < 0) {
        req_store_down(r);
        return;
    }
    if (rc == 1) {
        req_error(r, 404, "not_found", "no such job for this key");
        return;
    }
    store_job_release(&j);
    answer_events(a, r, "job_id", r->path_id, NULL, 10, 1);
}

void webhooks_replay(struct api *a, struct api_req *r)
{
    int64_t now = util_wall_ms();
    int rc = store_hook_replay(a->store, r->account, r->path_id, now, now + EVENT_TTL_MS);

    if (rc < 0)
        req_store_down(r);
    else if (rc == 1)
        req_error(r, 404, "not_found", "no such delivery for this key");
    else if (rc == 2)
        req_error(r, 409, "delivery_pending", "this delivery is pending already: it is being tried");
    else
        answer_events(a, r, NULL, r->path_id, NULL, 1, 0);
}
