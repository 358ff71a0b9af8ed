/* accounts: POST /v1/signup (a new key with the free credits, shown once;
 * rate-limited per client address) and GET /v1/account (balance and usage
 * from the ledger). */
#include "routes.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "req.h"

static void client_addr(struct api_req *r, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    snprintf(out, size, "unknown");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)size);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)size);
}

void accounts_signup(struct api *a, struct api_req *r)
{
    char addr[64], key[AUTH_KEY_LEN + 1], hash[65], id[40];
    cJSON *o;
    int rc;

    client_addr(r, addr, sizeof(addr));
    auth_new_key(key, hash);
    /* Counted and created in one transaction: APIs together allow no more
     * than signups-per-hour from one address. */
    rc = store_signup(a->store, addr, util_wall_ms(), 3600 * 1000, (int)a->cfg->signups_per_hour, hash,
                      a->cfg->signup_credits, id);
    if (rc == 0) {
        req_error(r, 429, "too_many_signups", "too many keys made from this address in the last hour");
        return;
    }
    if (rc < 0) {
        r->retry_after_s = 5;
        req_error(r, 503, "store_unavailable", "the account store failed; no account was made; retry later");
        return;
    }
    log_msg(LOG_INFO, "account %s created from %s", id, addr);
    o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddStringToObject(o, "account_id", id);
    cJSON_AddStringToObject(o, "api_key", key);
    cJSON_AddNumberToObject(o, "credits", (double)a->cfg->signup_credits);
    cJSON_AddStringToObject(o, "note", "the key is shown this once; execq keeps only its hash");
    req_set(r, 201, cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
}

void accounts_get(struct api *a, struct api_req *r)
{
    struct store_account acc;
    cJSON *o;

    if (store_account_get(a->store, r->account, &acc) != 0) {
        req_store_down(r);
        return;
    }
    o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddStringToObject(o, "account_id", acc.id);
    cJSON_AddNumberToObject(o, "balance", (double)acc.balance);
    cJSON_AddNumberToObject(o, "credits_granted", (double)acc.granted);
    cJSON_AddNumberToObject(o, "credits_charged", (double)acc.charged);
    cJSON_AddNumberToObject(o, "credits_refunded", (double)acc.refunded);
    cJSON_AddNumberToObject(o, "runs", (double)acc.runs);
    cJSON_AddNumberToObject(o, "price_per_run", (double)a->cfg->price_credits);
    cJSON_AddNumberToObject(o, "created_at_ms", (double)acc.created_ms);
    req_set(r, 200, cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
}
