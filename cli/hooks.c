/* hooks: `execq hooks` (see hooks.h) over /v1/webhooks and
 * /v1/jobs/{id}/deliveries. */
#include "hooks.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

static const char usage[] =
    "usage: execq hooks [COMMAND] [options]\n"
    "The account's webhooks: callbacks POSTed, signed, when its jobs, batches\n"
    "and sessions end (docs/webhooks.md).\n"
    "commands:\n"
    "  show                     the default URL, its events and the signing secret (the default command)\n"
    "  set URL [--events LIST]  the default URL, for job.completed, batch.completed, session.ended\n"
    "                           (LIST: comma-separated; all three when not given)\n"
    "  rm                       remove the default URL (the secret stays)\n"
    "  rotate [--grace S]       a new secret; the old one also signs for S seconds (86400)\n"
    "  list [--state STATE] [--job ID] [--limit N]\n"
    "                           deliveries, newest first: STATE pending, delivered or dead\n"
    "                           (dead: the dead letters); --job: one job's, with every attempt\n"
    "  replay EVENT_ID          send an event again (a dead letter, or one delivered)\n"
    "options: --json prints the server's answer as it is.\n";

static void die_usage(void)
{
    fputs(usage, stderr);
    exit(CLI_EXIT_USAGE);
}

static void print_settings(const cJSON *b)
{
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(b, "url"), *ev = cJSON_GetObjectItemCaseSensitive(b, "events");
    const cJSON *sec = cJSON_GetObjectItemCaseSensitive(b, "secret");
    const cJSON *prev = cJSON_GetObjectItemCaseSensitive(b, "previous_secret_expires_at_ms");
    const cJSON *e;

    printf("url      %s\nevents  ", cJSON_IsString(url) ? url->valuestring : "(none)");
    cJSON_ArrayForEach(e, ev)
        printf(" %s", cJSON_IsString(e) ? e->valuestring : "?");
    printf("\nsecret   %s\n", cJSON_IsString(sec) ? sec->valuestring : "?");
    if (cJSON_IsNumber(prev))
        printf("the previous secret also signs for %.0f s more\n",
               (prev->valuedouble - (double)util_wall_ms()) / 1000.0);
}

static void print_event(const cJSON *d, int attempts)
{
    static const char *const subj[] = {"job_id", "batch_id", "session_id"};
    const cJSON *s = NULL, *a;
    const char *subject = "-";
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(d, "last_error");

    for (int i = 0; i < 3 && !cJSON_IsString(s); i++)
        s = cJSON_GetObjectItemCaseSensitive(d, subj[i]);
    if (cJSON_IsString(s))
        subject = s->valuestring;
    printf("%-36s %-15s %-36s %-9s %3.0f  %s\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "id")),
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "type")), subject,
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "state")),
           cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(d, "attempts")),
           cJSON_IsString(err) ? err->valuestring : "");
    if (!attempts)
        return;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(d, "attempt_log")) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(a, "status"), *er = cJSON_GetObjectItemCaseSensitive(a, "error");
        char code[16] = "-";
        if (cJSON_IsNumber(st))
            snprintf(code, sizeof(code), "%.0f", st->valuedouble);
        printf("    attempt %-3.0f HTTP %-4s %6.0f ms  %s\n",
               cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(a, "n")), code,
               cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(a, "duration_ms")),
               cJSON_IsString(er) ? er->valuestring : "delivered");
    }
}

/* Sends the request and prints its answer (want: the success status):
 * settings, or a deliveries list. Returns the exit code. */
static int call(struct http *h, const char *method, const char *path, cJSON *req, long want, int json)
{
    char *body = req ? cJSON_PrintUnformatted(req) : NULL, errstr[512];
    struct http_answer a;
    int ret = 0;

    cJSON_Delete(req);
    if (http_request(h, method, path, body, NULL, &a, errstr, sizeof(errstr)) < 0) {
        fprintf(stderr, "execq: %s\n", errstr);
        cJSON_free(body);
        return CLI_EXIT_UNAVAILABLE;
    }
    cJSON_free(body);
    if (a.status != want) {
        ret = cli_fail_answer(&a);
    } else if (json) {
        cli_print_json(stdout, a.body);
    } else if (cJSON_GetObjectItemCaseSensitive(a.body, "deliveries")) {
        const cJSON *d, *list = cJSON_GetObjectItemCaseSensitive(a.body, "deliveries");
        int attempts = cJSON_GetObjectItemCaseSensitive(a.body, "job_id") != NULL;
        printf("%-36s %-15s %-36s %-9s %3s  %s\n", "EVENT", "TYPE", "SUBJECT", "STATE", "TRY", "LAST ERROR");
        cJSON_ArrayForEach(d, list)
            print_event(d, attempts);
    } else {
        print_settings(a.body);
    }
    http_answer_release(&a);
    return ret;
}

int hooks_main(struct http *h, int argc, char **argv)
{
    static const struct option opts[] = {{"events", required_argument, NULL, 'e'},
                                         {"grace", required_argument, NULL, 'g'},
                                         {"state", required_argument, NULL, 's'},
                                         {"job", required_argument, NULL, 'j'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"json", no_argument, NULL, 'J'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *cmd = argc > 1 && argv[1][0] != '-' ? argv[1] : "show";
    const char *events = NULL, *state = NULL, *job = NULL;
    long grace = -1, limit = 0;
    int c, json = 0;
    char path[256], *end;
    cJSON *req;

    if (argc > 1 && argv[1][0] != '-') {   /* past the command word */
        argc--;
        argv++;
    }
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'e': events = optarg; break;
        case 'g':
            grace = strtol(optarg, &end, 10);
            if (*end || grace < 0)
                die_usage();
            break;
        case 's': state = optarg; break;
        case 'j': job = optarg; break;
        case 'l':
            limit = strtol(optarg, &end, 10);
            if (*end || limit < 1)
                die_usage();
            break;
        case 'J': json = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        default: die_usage();
        }
    }
    if (strcmp(cmd, "show") == 0 && optind == argc)
        return call(h, "GET", "/v1/webhooks", NULL, 200, json);
    if (strcmp(cmd, "rm") == 0 && optind == argc)
        return call(h, "DELETE", "/v1/webhooks", NULL, 200, json);
    if (strcmp(cmd, "set") == 0 && argc - optind == 1) {
        req = cJSON_CreateObject();
        cJSON_AddStringToObject(req, "url", argv[optind]);
        if (events) {
            cJSON *ev = cJSON_AddArrayToObject(req, "events");
            char *copy = util_strdup(events), *save = NULL;
            for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                cJSON_AddItemToArray(ev, cJSON_CreateString(t));
            free(copy);
        }
        return call(h, "POST", "/v1/webhooks", req, 200, json);
    }
    if (strcmp(cmd, "rotate") == 0 && optind == argc) {
        req = cJSON_CreateObject();
        if (grace >= 0)
            cJSON_AddNumberToObject(req, "grace_s", (double)grace);
        return call(h, "POST", "/v1/webhooks/rotate", req, 200, json);
    }
    if (strcmp(cmd, "list") == 0 && optind == argc) {
        if (job) {
            if (!util_id_valid(job))
                die_usage();
            snprintf(path, sizeof(path), "/v1/jobs/%s/deliveries", job);
        } else {
            snprintf(path, sizeof(path), "/v1/webhooks/deliveries?limit=%ld%s%s", limit ? limit : 100,
                     state ? "&state=" : "", state && strlen(state) < 16 ? state : "");
        }
        return call(h, "GET", path, NULL, 200, json);
    }
    if (strcmp(cmd, "replay") == 0 && argc - optind == 1 && util_id_valid(argv[optind])) {
        snprintf(path, sizeof(path), "/v1/webhooks/deliveries/%s/replay", argv[optind]);
        return call(h, "POST", path, NULL, 200, json);
    }
    die_usage();
    return CLI_EXIT_USAGE;
}
