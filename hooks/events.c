/* events: callback bodies (events.h). */
#include "events.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

static void add_link(cJSON *data, const struct events_cfg *c, const char *name, const char *path, const char *id)
{
    char url[512];
    cJSON *links = cJSON_GetObjectItemCaseSensitive(data, "links");

    if (!links)
        links = cJSON_AddObjectToObject(data, "links");
    snprintf(url, sizeof(url), "%s%s%s", c->public_url, path, id);
    cJSON_AddStringToObject(links, name, url);
}

static cJSON *job_data(const struct store_hook_subject *x, const struct events_cfg *c)
{
    cJSON *d = cJSON_Parse(x->result);

    if (!cJSON_IsObject(d)) {   /* never so: the API stores JSON objects */
        cJSON_Delete(d);
        d = cJSON_CreateObject();
    }
    if (!cJSON_GetObjectItemCaseSensitive(d, "job_id"))
        cJSON_AddStringToObject(d, "job_id", x->id);
    if (x->batch_id && !cJSON_GetObjectItemCaseSensitive(d, "batch_id"))
        cJSON_AddStringToObject(d, "batch_id", x->batch_id);
    cJSON_AddNumberToObject(d, "finished_at_ms", (double)x->finished_ms);
    add_link(d, c, "job", "/v1/jobs/", x->id);
    if (x->batch_id)
        add_link(d, c, "batch", "/v1/batches/", x->batch_id);
    return d;
}

static cJSON *batch_data(const struct store_hook_subject *x, const struct events_cfg *c)
{
    cJSON *d = cJSON_CreateObject(), *o;
    long failed = 0;

    cJSON_AddStringToObject(d, "batch_id", x->id);
    cJSON_AddNumberToObject(d, "size", (double)x->size);
    o = cJSON_AddObjectToObject(d, "outcomes");
    for (int k = 0; k < 8; k++) {
        cJSON_AddNumberToObject(o, store_hook_outcomes[k], (double)x->counts[k]);
        if (k > 0)
            failed += x->counts[k];
    }
    cJSON_AddNumberToObject(d, "completed", (double)x->counts[0]);
    cJSON_AddNumberToObject(d, "not_completed", (double)failed);
    add_link(d, c, "batch", "/v1/batches/", x->id);
    return d;
}

static cJSON *session_data(const struct store_hook_subject *x, const struct events_cfg *c)
{
    const struct store_session *s = x->session;
    cJSON *d = cJSON_CreateObject();

    cJSON_AddStringToObject(d, "session_id", s->id);
    cJSON_AddStringToObject(d, "state", s->state);
    cJSON_AddStringToObject(d, "reason", s->reason[0] ? s->reason : "ended");
    cJSON_AddNumberToObject(d, "execs", (double)s->execs);
    cJSON_AddNumberToObject(d, "memory_peak_kb", (double)s->memory_kb);
    cJSON_AddNumberToObject(d, "created_at_ms", (double)s->created_ms);
    cJSON_AddNumberToObject(d, "last_used_at_ms", (double)s->last_ms);
    add_link(d, c, "session", "/v1/sessions/", s->id);
    return d;
}

char *events_make(const struct store_hook_subject *x, const char *event_id, void *arg)
{
    const struct events_cfg *c = arg;
    cJSON *o = cJSON_CreateObject(), *d;
    char *s;

    cJSON_AddStringToObject(o, "id", event_id);
    cJSON_AddStringToObject(o, "type", x->type);
    cJSON_AddNumberToObject(o, "created_at_ms", (double)util_wall_ms());
    cJSON_AddStringToObject(o, "account", x->account);
    if (x->replaces)   /* a job's result replaced after its first event: this one has the new */
        cJSON_AddStringToObject(o, "replaces", x->replaces);
    d = x->session ? session_data(x, c) : x->result ? job_data(x, c) : batch_data(x, c);
    cJSON_AddItemToObject(o, "data", d);
    s = cJSON_PrintUnformatted(o);
    if (s && strlen(s) > c->max_body && x->result) {
        /* Too large to send whole: without the output files and images
         * (GET /v1/jobs/{id}, linked, has them), and said so. */
        static const char *const big[] = {"files", "images", "stdout_b64", "stderr_b64"};
        free(s);
        for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++)
            cJSON_DeleteItemFromObjectCaseSensitive(d, big[i]);
        cJSON_AddBoolToObject(d, "truncated", 1);
        s = cJSON_PrintUnformatted(o);
        if (s && strlen(s) > c->max_body) {   /* the output alone is too large: only the link and the figures */
            static const char *const out[] = {"stdout", "stderr"};
            free(s);
            for (size_t i = 0; i < 2; i++) {
                cJSON_DeleteItemFromObjectCaseSensitive(d, out[i]);
                cJSON_AddNullToObject(d, out[i]);
            }
            s = cJSON_PrintUnformatted(o);
        }
    }
    cJSON_Delete(o);
    return s;
}
