/* admin: `execq admin ...`, the operator's commands (the admin API of
 * docs/api.md, with the operator token from --token or
 * EXECQ_ADMIN_TOKEN), and `execq rotate-key` for a user's own key. */
#include "admin.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "creds.h"

static const char admin_usage[] =
    "usage: execq admin [--token T] COMMAND ...\n"
    "The operator's commands; the token is --token or EXECQ_ADMIN_TOKEN. Each\n"
    "change needs --reason (kept in the audit log). Answers are printed as JSON.\n"
    "  accounts [--search Q] [--offset N] [--limit N]   list accounts\n"
    "  account ID                                      one account and its keys\n"
    "  usage ID [--days N]                             runs, credits, CPU per day\n"
    "  audit ID [--limit N]                            the operator changes to it, newest first\n"
    "  grant ID CREDITS --reason R [--idempotency-key K]\n"
    "  rotate-key ID --reason R [--grace S]            a new key; the old ones expire after S s\n"
    "  revoke-keys ID --reason R                       every key expires now\n"
    "  suspend ID --reason R | reinstate ID --reason R\n"
    "  limits ID --reason R [--max-queued N] [--max-open N] [--requests-per-s N]\n"
    "         [--max-batch-jobs N] [--max-sessions N]\n"
    "                                   the account's own limits; N \"default\" resets one\n";

/* Sends and prints one call; returns the exit code. */
static int call(struct http *h, const char *method, const char *path, cJSON *body, const char *idem, long ok_status)
{
    struct http_answer a;
    char errstr[512], *text = body ? cJSON_PrintUnformatted(body) : NULL;
    int ret;

    if (http_request(h, method, path, text, idem, &a, errstr, sizeof(errstr)) < 0) {
        fprintf(stderr, "execq: %s\n", errstr);
        cJSON_free(text);
        return CLI_EXIT_UNAVAILABLE;
    }
    cJSON_free(text);
    if (a.status != ok_status) {
        ret = cli_fail_answer(&a);
    } else {
        char *out = cJSON_Print(a.body);
        if (out)
            printf("%s\n", out);
        cJSON_free(out);
        ret = 0;
    }
    http_answer_release(&a);
    return ret;
}

int admin_main(struct http *h, int argc, char **argv)
{
    static const struct option opts[] = {{"token", required_argument, NULL, 't'},
                                         {"reason", required_argument, NULL, 'r'},
                                         {"search", required_argument, NULL, 'q'},
                                         {"offset", required_argument, NULL, 'o'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"days", required_argument, NULL, 'd'},
                                         {"grace", required_argument, NULL, 'g'},
                                         {"idempotency-key", required_argument, NULL, 'k'},
                                         {"max-queued", required_argument, NULL, 'Q'},
                                         {"max-open", required_argument, NULL, 'O'},
                                         {"requests-per-s", required_argument, NULL, 'R'},
                                         {"max-batch-jobs", required_argument, NULL, 'B'},
                                         {"max-sessions", required_argument, NULL, 'M'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *token = getenv("EXECQ_ADMIN_TOKEN"), *reason = NULL, *search = "", *idem = NULL, *cmd, *id;
    long offset = 0, limit = 100, days = 30, grace = -1, credits = 0;
    char path[512], *end;
    cJSON *body = NULL;
    const char *lim[5] = {NULL, NULL, NULL, NULL, NULL};
    static const char *const lim_names[5] = {"max_queued", "max_open", "requests_per_s", "max_batch_jobs",
                                             "max_sessions"};
    int c, ret = CLI_EXIT_USAGE;

    while ((c = getopt_long(argc, argv, "t:r:h", opts, NULL)) != -1) {
        switch (c) {
        case 't': token = optarg; break;
        case 'r': reason = optarg; break;
        case 'q': search = optarg; break;
        case 'o': offset = strtol(optarg, NULL, 10); break;
        case 'l': limit = strtol(optarg, NULL, 10); break;
        case 'd': days = strtol(optarg, NULL, 10); break;
        case 'g': grace = strtol(optarg, NULL, 10); break;
        case 'k': idem = optarg; break;
        case 'Q': lim[0] = optarg; break;
        case 'O': lim[1] = optarg; break;
        case 'R': lim[2] = optarg; break;
        case 'B': lim[3] = optarg; break;
        case 'M': lim[4] = optarg; break;
        case 'h': fputs(admin_usage, stdout); return 0;
        default: fputs(admin_usage, stderr); return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fputs(admin_usage, stderr);
        return CLI_EXIT_USAGE;
    }
    if (!token || !*token) {
        fprintf(stderr, "execq admin: no operator token: give --token or EXECQ_ADMIN_TOKEN\n");
        return CLI_EXIT_NOPERM;
    }
    snprintf(h->key, sizeof(h->key), "%s", token);
    cmd = argv[optind];
    id = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (strcmp(cmd, "accounts") == 0 && !id) {
        char *q = http_escape(search);
        snprintf(path, sizeof(path), "/v1/admin/accounts?q=%s&offset=%ld&limit=%ld", q ? q : "", offset, limit);
        free(q);
        return call(h, "GET", path, NULL, NULL, 200);
    }
    if (!id || strlen(id) > 39 || strchr(id, '/') || strchr(id, '?')) {
        fprintf(stderr, "execq admin %s: wants an account id\n", cmd);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(cmd, "account") == 0 || strcmp(cmd, "usage") == 0 || strcmp(cmd, "audit") == 0) {
        if (strcmp(cmd, "audit") == 0)
            snprintf(path, sizeof(path), "/v1/admin/accounts/%s/audit?limit=%ld", id, limit);
        else if (strcmp(cmd, "usage") == 0)
            snprintf(path, sizeof(path), "/v1/admin/accounts/%s/usage?days=%ld", id, days);
        else
            snprintf(path, sizeof(path), "/v1/admin/accounts/%s", id);
        return call(h, "GET", path, NULL, NULL, 200);
    }
    if (!reason) {
        fprintf(stderr, "execq admin %s: --reason is required (the audit log keeps it)\n", cmd);
        return CLI_EXIT_USAGE;
    }
    body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "reason", reason);
    if (strcmp(cmd, "grant") == 0) {
        if (optind + 2 >= argc || (credits = strtol(argv[optind + 2], &end, 10)) <= 0 || *end) {
            fprintf(stderr, "execq admin grant: wants ID CREDITS (a whole number above 0)\n");
            goto out;
        }
        cJSON_AddNumberToObject(body, "credits", (double)credits);
        snprintf(path, sizeof(path), "/v1/admin/accounts/%s/credits", id);
        ret = call(h, "POST", path, body, idem, 200);
    } else if (strcmp(cmd, "limits") == 0) {
        for (int i = 0; i < 5; i++) {
            if (!lim[i])
                continue;
            if (strcmp(lim[i], "default") == 0) {
                cJSON_AddNullToObject(body, lim_names[i]);
            } else {
                long n = strtol(lim[i], &end, 10);
                if (*end || n < 0) {
                    fprintf(stderr, "execq admin limits: %s wants a whole number or \"default\"\n", lim_names[i]);
                    goto out;
                }
                cJSON_AddNumberToObject(body, lim_names[i], (double)n);
            }
        }
        snprintf(path, sizeof(path), "/v1/admin/accounts/%s/limits", id);
        ret = call(h, "POST", path, body, NULL, 200);
    } else if (strcmp(cmd, "rotate-key") == 0) {
        if (grace >= 0)
            cJSON_AddNumberToObject(body, "grace_s", (double)grace);
        snprintf(path, sizeof(path), "/v1/admin/accounts/%s/keys", id);
        ret = call(h, "POST", path, body, NULL, 201);
    } else if (strcmp(cmd, "revoke-keys") == 0 || strcmp(cmd, "suspend") == 0 || strcmp(cmd, "reinstate") == 0) {
        snprintf(path, sizeof(path), "/v1/admin/accounts/%s/%s", id,
                 strcmp(cmd, "revoke-keys") == 0 ? "keys/revoke" : cmd);
        ret = call(h, "POST", path, body, NULL, 200);
    } else {
        fprintf(stderr, "execq admin: unknown command %s\n", cmd);
        fputs(admin_usage, stderr);
    }
out:
    cJSON_Delete(body);
    return ret;
}

static const char rotate_usage[] =
    "usage: execq rotate-key [--grace S]\n"
    "Gets a new key for this account and stores it where `execq signup` did;\n"
    "the old key keeps working S seconds (default 3600; 0: stops now).\n";

int admin_rotate_main(struct http *h, int argc, char **argv)
{
    static const struct option opts[] = {{"grace", required_argument, NULL, 'g'}, {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct http_answer a;
    char errstr[512], body[64] = "{}", path[1024];
    const cJSON *key, *acct;
    long grace = -1;
    int c, ret;

    while ((c = getopt_long(argc, argv, "g:h", opts, NULL)) != -1) {
        if (c == 'g') {
            grace = strtol(optarg, NULL, 10);
        } else if (c == 'h') {
            fputs(rotate_usage, stdout);
            return 0;
        } else {
            fputs(rotate_usage, stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (grace >= 0)
        snprintf(body, sizeof(body), "{\"grace_s\":%ld}", grace);
    if (http_request(h, "POST", "/v1/keys/rotate", body, NULL, &a, errstr, sizeof(errstr)) < 0) {
        fprintf(stderr, "execq: %s\n", errstr);
        return CLI_EXIT_UNAVAILABLE;
    }
    if (a.status != 201) {
        ret = cli_fail_answer(&a);
        http_answer_release(&a);
        return ret;
    }
    key = cJSON_GetObjectItemCaseSensitive(a.body, "api_key");
    acct = cJSON_GetObjectItemCaseSensitive(a.body, "account_id");
    ret = 0;
    if (!cJSON_IsString(key) || !cJSON_IsString(acct)) {
        fprintf(stderr, "execq: the server's answer has no key\n");
        ret = CLI_EXIT_SOFTWARE;
    } else if (creds_save(h->url, key->valuestring, acct->valuestring, path, sizeof(path), errstr, sizeof(errstr)) < 0) {
        fprintf(stderr, "execq: %s\nexecq: your new key (not saved): %s\n", errstr, key->valuestring);
        ret = CLI_EXIT_CANTCREAT;
    } else {
        printf("New key saved in %s; the old one expires in %ld s.\n", path, grace >= 0 ? grace : 3600);
    }
    http_answer_release(&a);
    return ret;
}
