/* admin: the operator's API under /v1/admin/ (see admin.h), and a user's
 * own key rotation (POST /v1/keys/rotate). Every change goes through one
 * store function that writes an audit row (actor, action, reason) in the
 * same transaction. */
#include "routes.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "produce.h"
#include "req.h"
#include "sha256.h"
#include "spec.h"

#define ADMIN_MAX_GRANT 1000000000L
#define ADMIN_MAX_GRACE_S (30L * 86400)

/* The request's JSON object body (an empty body is {}); NULL with r answered. */
static cJSON *body_object(struct api_req *r)
{
    struct spec_err e;
    cJSON *o;

    if (r->body.len == 0)
        return cJSON_CreateObject();
    if (spec_body_check(r->body.data, r->body.len, &e) < 0) {
        req_error(r, e.status, e.code, e.msg);
        return NULL;
    }
    o = cJSON_ParseWithLength(r->body.data, r->body.len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        req_error(r, 400, "invalid_json", "the body must be a JSON object");
        return NULL;
    }
    return o;
}

/* "reason" (required: every change says why), 1 to 500 characters. */
static const char *reason_of(struct api_req *r, const cJSON *o)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "reason");

    if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) > 500) {
        req_error(r, 400, "invalid_request", "\"reason\" (1 to 500 characters) is required: the audit log keeps it");
        return NULL;
    }
    return v->valuestring;
}

/* A whole number in [lo, hi] from field name of o (def when absent); -1 with r answered. */
static long number_of(struct api_req *r, const cJSON *o, const char *name, long lo, long hi, long def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    char msg[160];

    if (!v && def >= 0)
        return def;
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long)v->valuedouble || v->valuedouble < (double)lo ||
        v->valuedouble > (double)hi) {
        snprintf(msg, sizeof(msg), "\"%s\" must be a whole number from %ld to %ld", name, lo, hi);
        req_error(r, 400, "invalid_request", msg);
        return -1;
    }
    return (long)v->valuedouble;
}

/* The operator who made the change, for the audit row. */
static void actor_of(struct api_req *r, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char addr[64] = "unknown";

    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr, addr, sizeof(addr));
    snprintf(out, size, "admin@%s", addr);
}

static int account_id_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 39)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return 1;
}

static void answer(struct api_req *r, unsigned status, cJSON *o)
{
    req_set(r, status, cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
}

/* After a change: 404 for no such account, 500 for a store failure. */
static int changed(struct api_req *r, int rc)
{
    if (rc == 1)
        req_error(r, 404, "not_found", "no such account");
    else if (rc < 0)
        req_store_down(r);
    return rc == 0;
}

static void add_account(cJSON *o, const struct store_account *acc, const char *suspended)
{
    cJSON_AddStringToObject(o, "account_id", acc->id);
    cJSON_AddNumberToObject(o, "balance", (double)acc->balance);
    cJSON_AddNumberToObject(o, "credits_granted", (double)acc->granted);
    cJSON_AddNumberToObject(o, "credits_charged", (double)acc->charged);
    cJSON_AddNumberToObject(o, "credits_refunded", (double)acc->refunded);
    cJSON_AddNumberToObject(o, "runs", (double)acc->runs);
    cJSON_AddNumberToObject(o, "created_at_ms", (double)acc->created_ms);
    if (suspended)
        cJSON_AddStringToObject(o, "suspended", suspended);
    else
        cJSON_AddNullToObject(o, "suspended");
}

static void list_one(const struct store_account *acc, const char *suspended, void *arg)
{
    cJSON *o = cJSON_CreateObject();
    add_account(o, acc, suspended);
    cJSON_AddItemToArray(arg, o);
}

static void key_one(const char *hash, int64_t created_ms, int64_t expires_ms, void *arg)
{
    cJSON *o = cJSON_CreateObject();
    char id[20];

    snprintf(id, sizeof(id), "key_%.12s", hash);   /* names a key; the hash of a 256-bit key reveals nothing */
    cJSON_AddStringToObject(o, "key_id", id);
    cJSON_AddNumberToObject(o, "created_at_ms", (double)created_ms);
    if (expires_ms)
        cJSON_AddNumberToObject(o, "expires_at_ms", (double)expires_ms);
    else
        cJSON_AddNullToObject(o, "expires_at_ms");
    cJSON_AddItemToArray(arg, o);
}

static void usage_one(const char *day, long runs, long charged, long refunded, long cpu_ms, void *arg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "day", day);
    cJSON_AddNumberToObject(o, "runs", (double)runs);
    cJSON_AddNumberToObject(o, "credits_charged", (double)charged);
    cJSON_AddNumberToObject(o, "credits_refunded", (double)refunded);
    cJSON_AddNumberToObject(o, "cpu_time_ms", (double)cpu_ms);
    cJSON_AddItemToArray(arg, o);
}

static const char *const limit_names[STORE_NLIMITS] = {"max_queued", "max_open", "requests_per_s", "max_batch_jobs",
                                                       "max_sessions"};

/* "limits": each the account's own (null: the configured default, shown in "defaults"). */
static void add_limits(struct api *a, cJSON *o, const char *id)
{
    const long defaults[STORE_NLIMITS] = {a->cfg->account_max_queued, a->cfg->account_max_open, a->cfg->account_rps,
                                          a->cfg->max_batch_jobs, a->cfg->session_max_open};
    long v[STORE_NLIMITS];
    cJSON *own = cJSON_AddObjectToObject(o, "limits"), *def = cJSON_AddObjectToObject(o, "default_limits");

    if (store_get_limits(a->store, id, v) != 0)
        for (int i = 0; i < STORE_NLIMITS; i++)
            v[i] = -1;
    for (int i = 0; i < STORE_NLIMITS; i++) {
        if (v[i] >= 0)
            cJSON_AddNumberToObject(own, limit_names[i], (double)v[i]);
        else
            cJSON_AddNullToObject(own, limit_names[i]);
        cJSON_AddNumberToObject(def, limit_names[i], (double)defaults[i]);
    }
}

/* POST accounts/{id}/limits: each named limit a whole number (0: none) or
 * null (back to the default); unnamed ones are kept. */
static void set_limits(struct api *a, struct api_req *r, const char *id, const cJSON *body, const char *actor,
                       const char *reason)
{
    long v[STORE_NLIMITS];
    cJSON *o;
    int rc = store_get_limits(a->store, id, v);

    if (!changed(r, rc))
        return;
    for (int i = 0; i < STORE_NLIMITS; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(body, limit_names[i]);
        if (!x)
            continue;
        if (cJSON_IsNull(x)) {
            v[i] = -1;
        } else if ((v[i] = number_of(r, body, limit_names[i], 0, 100000000, -1)) < 0) {
            return;
        }
    }
    if (!changed(r, store_set_limits(a->store, id, v, actor, reason)))
        return;
    quota_forget(a->rate, id);
    o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddStringToObject(o, "account_id", id);
    add_limits(a, o, id);
    answer(r, 200, o);
}

static void audit_one(int64_t at_ms, const char *actor, const char *action, const char *detail, const char *reason,
                      void *arg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "at_ms", (double)at_ms);
    cJSON_AddStringToObject(o, "actor", actor);
    cJSON_AddStringToObject(o, "action", action);
    cJSON_AddStringToObject(o, "detail", detail);
    cJSON_AddStringToObject(o, "reason", reason);
    cJSON_AddItemToArray(arg, o);
}

/* GET /v1/admin/accounts?q=&offset=&limit= */
static void list_accounts(struct api *a, struct api_req *r)
{
    const char *q = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "q");
    long offset = 0, limit = 100, n;
    cJSON *o, *list;

    /* Whole numbers only: "offset=null" read as 0 before. */
    if (req_query_long(r, "offset", 0, 1L << 40, &offset) < 0) {
        req_error(r, 400, "invalid_request", "offset must be a whole number from 0");
        return;
    }
    if (req_query_long(r, "limit", 1, 1000, &limit) < 0) {
        req_error(r, 400, "invalid_request", "limit must be a whole number from 1 to 1000");
        return;
    }
    if (q && strlen(q) > 64) {
        req_error(r, 400, "invalid_request", "q must be at most 64 characters");
        return;
    }
    o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    list = cJSON_AddArrayToObject(o, "accounts");
    n = store_accounts_list(a->store, q ? q : "", offset, limit, list_one, list);
    if (n < 0) {
        cJSON_Delete(o);
        req_store_down(r);
        return;
    }
    cJSON_AddNumberToObject(o, "offset", (double)offset);
    if (n == limit)
        cJSON_AddNumberToObject(o, "next_offset", (double)(offset + n));
    else
        cJSON_AddNullToObject(o, "next_offset");
    answer(r, 200, o);
}

/* GET /v1/admin/accounts/{id}: the account, its keys. */
static void get_account(struct api *a, struct api_req *r, const char *id)
{
    cJSON *o = cJSON_CreateObject(), *list;

    list = cJSON_CreateArray();
    if (store_accounts_list(a->store, id, 0, 1000, list_one, list) < 0) {
        cJSON_Delete(o);
        cJSON_Delete(list);
        req_store_down(r);
        return;
    }
    for (cJSON *it = list->child; it; it = it->next)   /* the search is by substring: take the exact one */
        if (strcmp(cJSON_GetObjectItemCaseSensitive(it, "account_id")->valuestring, id) == 0) {
            cJSON_DetachItemViaPointer(list, it);
            cJSON_Delete(o);
            o = it;
            break;
        }
    cJSON_Delete(list);
    if (!cJSON_GetObjectItemCaseSensitive(o, "account_id")) {
        cJSON_Delete(o);
        req_error(r, 404, "not_found", "no such account");
        return;
    }
    cJSON_AddBoolToObject(o, "ok", 1);
    list = cJSON_AddArrayToObject(o, "keys");
    store_keys_list(a->store, id, key_one, list);
    add_limits(a, o, id);
    answer(r, 200, o);
}

/* A grant's answer, made in its transaction (saved with its Idempotency-Key). */
struct grant_answer {
    const char *id;
    long credits;
};

static char *grant_answer(long balance, void *arg)
{
    const struct grant_answer *g = arg;
    cJSON *o = cJSON_CreateObject();
    char *s;

    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddStringToObject(o, "account_id", g->id);
    cJSON_AddNumberToObject(o, "credits_granted", (double)g->credits);
    cJSON_AddNumberToObject(o, "balance", (double)balance);
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* POST /v1/admin/accounts/{id}/credits {"credits": N, "reason": "..."},
 * idempotent with Idempotency-Key (what a payment system retries): the key
 * is written in the grant's transaction, so a retry sent to another API at
 * once, or after a crash, grants nothing twice. */
static void grant(struct api *a, struct api_req *r, const char *id, const cJSON *body, const char *reason)
{
    const char *key = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key");
    char route[80], hash[65], actor[80], detail[128];
    long credits = number_of(r, body, "credits", 1, ADMIN_MAX_GRANT, -1), balance = 0;
    struct grant_answer g = {id, credits};
    struct store_idem k;
    int rc;

    if (credits < 0)
        return;
    if (key && (!*key || strlen(key) > 255)) {
        req_error(r, 400, "invalid_request", "Idempotency-Key must be 1 to 255 characters");
        return;
    }
    snprintf(route, sizeof(route), "admin-credits:%s", id);
    sha256_hex(r->body.data ? r->body.data : "", r->body.len, hash);
    memset(&k, 0, sizeof(k));
    k.scope = "admin";
    k.route = route;
    k.key = key;
    k.body_hash = hash;
    k.since_ms = util_wall_ms() - a->cfg->idempotency_ttl_s * 1000;
    k.status = 200;
    k.answer = grant_answer;
    k.arg = &g;
    actor_of(r, actor, sizeof(actor));
    rc = store_grant(a->store, id, credits, actor, reason, key ? &k : NULL, &balance);
    if (rc == 2) {
        if (strcmp(k.found_hash, hash) != 0) {
            free(k.found_response);
            req_error(r, 422, "idempotency_key_reused", "this Idempotency-Key was used with another body");
            return;
        }
        req_set(r, (unsigned)k.found_status, k.found_response);   /* the first grant's answer; nothing granted again */
        return;
    }
    if (!changed(r, rc))
        return;
    snprintf(detail, sizeof(detail), "granted %ld credits to %s", credits, id);
    log_msg(LOG_INFO, "admin: %s (%s): %s", detail, actor, reason);
    req_set(r, 200, grant_answer(balance, &g));
}

/* A new key for id (shown once); the others expire at expire_at_ms. */
static void new_key(struct api *a, struct api_req *r, const char *id, const char *actor, const char *reason,
                    const char *only_hash, int64_t expire_at_ms)
{
    char key[AUTH_KEY_LEN + 1], hash[65];
    cJSON *o;

    auth_new_key(key, hash);
    /* A user's own rotation (only_hash: the key it called with): the new
     * key expires when that one was to (an operator's grace is not
     * outlived by a key minted during it). */
    if (!changed(r, store_key_add(a->store, id, hash, only_hash, actor, reason)) ||
        !changed(r, store_keys_expire(a->store, id, hash, only_hash, expire_at_ms, actor, reason)))
        return;
    o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddStringToObject(o, "account_id", id);
    cJSON_AddStringToObject(o, "api_key", key);
    cJSON_AddNumberToObject(o, "old_keys_expire_at_ms", (double)expire_at_ms);
    cJSON_AddStringToObject(o, "note", "the key is shown this once; execq keeps only its hash");
    answer(r, 201, o);
}

void admin_handle(struct api *a, struct api_req *r)
{
    char id[40] = "", tail[48] = "", actor[80];
    const char *p = r->path + strlen("/v1/admin/"), *reason;
    int get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0, post = strcmp(r->method, "POST") == 0;
    cJSON *body = NULL;

    /* accounts | accounts/{id} | accounts/{id}/{action} | accounts/{id}/keys/revoke */
    if (strcmp(p, "accounts") == 0) {
        if (!get) {
            r->allow = "GET";
            req_error(r, 405, "method_not_allowed", "use GET");
            return;
        }
        list_accounts(a, r);
        return;
    }
    if (strncmp(p, "accounts/", 9) != 0 || sscanf(p + 9, "%39[^/]%47s", id, tail) < 1 || !account_id_valid(id) ||
        (tail[0] && tail[0] != '/')) {
        req_error(r, 404, "not_found", "no such admin endpoint; see docs/api.md");
        return;
    }
    if (strcmp(tail, "/audit") == 0) {
        long limit = 100;
        cJSON *o, *list;
        if (!get) {
            r->allow = "GET";
            req_error(r, 405, "method_not_allowed", "use GET");
            return;
        }
        if (req_query_long(r, "limit", 1, 1000, &limit) < 0) {
            req_error(r, 400, "invalid_request", "limit must be a whole number from 1 to 1000");
            return;
        }
        o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "ok", 1);
        cJSON_AddStringToObject(o, "account_id", id);
        list = cJSON_AddArrayToObject(o, "audit");
        if (store_audit_list(a->store, id, limit, audit_one, list) < 0) {
            cJSON_Delete(o);
            req_store_down(r);
            return;
        }
        answer(r, 200, o);
        return;
    }
    if (!tail[0] || strcmp(tail, "/usage") == 0) {
        if (!get) {
            r->allow = "GET";
            req_error(r, 405, "method_not_allowed", "use GET");
            return;
        }
        if (!tail[0]) {
            get_account(a, r, id);
        } else {
            long days = 30;
            cJSON *o, *list;
            if (req_query_long(r, "days", 1, 366, &days) < 0) {
                req_error(r, 400, "invalid_request", "days must be a whole number from 1 to 366");
                return;
            }
            o = cJSON_CreateObject();
            cJSON_AddBoolToObject(o, "ok", 1);
            cJSON_AddStringToObject(o, "account_id", id);
            list = cJSON_AddArrayToObject(o, "days");
            if (store_usage(a->store, id, util_wall_ms() - days * 86400000LL, usage_one, list) < 0) {
                cJSON_Delete(o);
                req_store_down(r);
                return;
            }
            answer(r, 200, o);
        }
        return;
    }
    if (strcmp(tail, "/credits") && strcmp(tail, "/keys") && strcmp(tail, "/keys/revoke") && strcmp(tail, "/suspend") &&
        strcmp(tail, "/reinstate") && strcmp(tail, "/limits")) {
        req_error(r, 404, "not_found", "no such admin endpoint; see docs/api.md");
        return;
    }
    if (!post) {
        r->allow = "POST";
        req_error(r, 405, "method_not_allowed", "use POST");
        return;
    }
    if (!(body = body_object(r)) || !(reason = reason_of(r, body)))
        goto out;
    actor_of(r, actor, sizeof(actor));
    if (strcmp(tail, "/credits") == 0) {
        grant(a, r, id, body, reason);
    } else if (strcmp(tail, "/limits") == 0) {
        set_limits(a, r, id, body, actor, reason);
    } else if (strcmp(tail, "/keys") == 0) {
        long grace = number_of(r, body, "grace_s", 0, ADMIN_MAX_GRACE_S, 86400);
        if (grace >= 0)
            new_key(a, r, id, actor, reason, NULL, util_wall_ms() + grace * 1000);
    } else if (strcmp(tail, "/keys/revoke") == 0) {
        if (changed(r, store_keys_expire(a->store, id, NULL, NULL, util_wall_ms(), actor, reason))) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddBoolToObject(o, "ok", 1);
            cJSON_AddStringToObject(o, "account_id", id);
            cJSON_AddStringToObject(o, "note", "every key of the account is revoked; POST .../keys makes a new one");
            answer(r, 200, o);
        }
    } else {
        int on = strcmp(tail, "/suspend") == 0;
        if (changed(r, store_suspend(a->store, id, on, actor, reason))) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddBoolToObject(o, "ok", 1);
            cJSON_AddStringToObject(o, "account_id", id);
            if (on)
                cJSON_AddStringToObject(o, "suspended", reason);
            else
                cJSON_AddNullToObject(o, "suspended");
            /* Executors fail the account's queued jobs unrun while it is
             * suspended (its held ones stay held in the store). */
            if (produce_account(a, id, on, util_wall_ms()) < 0)
                cJSON_AddStringToObject(o, "note", "executors were not told (Kafka refused the notice): jobs already "
                                                   "queued may still run; every API start sends it again");
            answer(r, 200, o);
        }
    }
    if (r->status < 300)
        log_msg(LOG_INFO, "admin: %s%s by %s: %s", id, tail, actor, reason);
out:
    cJSON_Delete(body);
}

void admin_rotate_own_key(struct api *a, struct api_req *r)
{
    char hash[65];
    cJSON *body = body_object(r);
    long grace;

    if (!body)
        return;
    grace = number_of(r, body, "grace_s", 0, ADMIN_MAX_GRACE_S, 3600);
    cJSON_Delete(body);
    if (grace < 0)
        return;
    if (auth_key_hash(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION), hash) < 0) {
        req_error(r, 401, "unauthorized", "malformed Authorization");
        return;
    }
    /* The key this call came with expires after the grace; others the
     * account holds are left alone. */
    new_key(a, r, r->account, "self", "rotated by the account", hash, util_wall_ms() + grace * 1000);
}
