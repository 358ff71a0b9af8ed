/* execq: the command-line client. One command per function (cmd_*), each
 * with its own --help; the server's answers are printed, never invented.
 * Exit codes (docs/execq.1): a job's own exit code for exec-python (124 on
 * timeout, 128+N when killed by signal N), else the EXIT_* values below. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "admin.h"
#include "batch.h"
#include "cli.h"
#include "files.h"
#include "creds.h"
#include "http.h"
#include "job.h"
#include "hooks.h"
#include "session.h"
#include "util.h"

static const char *prog = "execq";

static void die_usage(const char *usage)
{
    fprintf(stderr, "%s", usage);
    exit(CLI_EXIT_USAGE);
}

/* The exit code for a failed answer. */
static int exit_for(const struct http_answer *a)
{
    if (a->status == 401 || a->status == 402 || a->status == 403)
        return CLI_EXIT_NOPERM;
    if (a->status == 0 || a->status >= 500 || a->status == 429)
        return CLI_EXIT_UNAVAILABLE;
    if (a->status == 400 || a->status == 413 || a->status == 422)
        return CLI_EXIT_DATAERR;
    return CLI_EXIT_SOFTWARE;
}

/* Prints the answer's error on one line; returns its exit code. */
int cli_fail_answer(const struct http_answer *a)
{
    char text[1024];
    http_error_text(a, text, sizeof(text));
    fprintf(stderr, "%s: %s%s%s\n", prog, text, a->job_id[0] ? " job " : "", a->job_id);
    return exit_for(a);
}

/* Returns a malloc'd copy of the whole of f (NUL-terminated; *len bytes);
 * NULL with errno on failure. */
static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 65536, n = 0, r;
    char *p = malloc(cap), *q;

    if (!p)
        return NULL;
    while ((r = fread(p + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            if (!(q = realloc(p, cap *= 2))) {
                free(p);
                return NULL;
            }
            p = q;
        }
    }
    if (ferror(f)) {
        free(p);
        return NULL;
    }
    p[n] = '\0';
    if (len)
        *len = n;
    return p;
}

char *cli_slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *p;

    if (!f)
        return NULL;
    p = slurp(f, len);
    if (f != stdin)
        fclose(f);
    return p;
}

void cli_write_stream(FILE *f, const cJSON *result, const char *name, size_t from)
{
    char b64name[32];
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(result, name), *b;

    snprintf(b64name, sizeof(b64name), "%s_base64", name);
    b = cJSON_GetObjectItemCaseSensitive(result, b64name);
    if (cJSON_IsString(b)) {
        size_t n;
        char *raw = job_unbase64(b->valuestring, &n);
        if (raw) {
            if (from < n)
                fwrite(raw + from, 1, n - from, f);
            free(raw);
            return;
        }
    }
    if (cJSON_IsString(s) && from < strlen(s->valuestring))
        fputs(s->valuestring + from, f);
}

int cli_on_live_event(void *ctx, const char *event, const char *data)
{
    struct cli_live *o = ctx;
    int k = strcmp(event, "stdout") == 0 ? 0 : strcmp(event, "stderr") == 0 ? 1 : -1;
    cJSON *d = cJSON_Parse(data);
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(d, "offset");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(d, "text");
    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(d, "base64");
    const cJSON *which = cJSON_GetObjectItemCaseSensitive(d, "stream");

    snprintf(o->last, sizeof(o->last), "%s", event);
    if (strcmp(event, "restart") == 0) {
        fprintf(stderr, "%s: the job is running again from its start (its executor was lost)\n", prog);
        o->pos[0] = o->pos[1] = 0;
        o->gap[0] = o->gap[1] = 0;
    } else if (strcmp(event, "dropped") == 0 && cJSON_IsString(which)) {
        o->gap[strcmp(which->valuestring, "stderr") == 0] = 1;
    } else if (k >= 0 && !o->gap[k] && cJSON_IsNumber(off)) {
        size_t n = 0;
        char *raw = cJSON_IsString(b64) ? job_unbase64(b64->valuestring, &n) : NULL;
        const char *p = raw ? raw : cJSON_IsString(text) ? text->valuestring : NULL;
        if (!raw && p)
            n = strlen(p);
        if (!p || (size_t)off->valuedouble != o->pos[k]) {
            o->gap[k] = 1;
        } else {
            FILE *f = k ? stderr : stdout;
            fwrite(p, 1, n, f);
            fflush(f);
            o->pos[k] += n;
        }
        free(raw);
    }
    cJSON_Delete(d);
    return 0;
}

int cli_job_exit(const cJSON *result)
{
    const cJSON *timed_out = cJSON_GetObjectItemCaseSensitive(result, "timed_out");
    const cJSON *sig = cJSON_GetObjectItemCaseSensitive(result, "signal");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(result, "exit_code");

    if (cJSON_IsTrue(timed_out))
        return 124;
    if (cJSON_IsNumber(sig) && sig->valueint > 0)
        return 128 + (sig->valueint & 127);
    if (cJSON_IsNumber(code))
        return code->valueint < 0 ? 128 + ((-code->valueint) & 127) : code->valueint & 255;
    return CLI_EXIT_SOFTWARE;
}

void cli_print_json(FILE *f, const cJSON *j)
{
    char *s = cJSON_Print(j);   /* freed with cJSON_free */
    if (s) {
        fprintf(f, "%s\n", s);
        cJSON_free(s);
    }
}

/* ---- execq signup ---- */

static const char signup_usage[] =
    "usage: execq signup [--url URL]\n"
    "Creates an account with the server's free credits, stores its key in\n"
    "$XDG_CONFIG_HOME/execq/credentials (mode 0600) and prints the balance.\n";

static int cmd_signup(struct http *h, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    struct http_answer a;
    char errstr[512], path[1024];
    const cJSON *key, *acct, *credits;
    int c, ret;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
        if (c == 'h') {
            fputs(signup_usage, stdout);
            return 0;
        } else {
            die_usage(signup_usage);
        }
    h->key[0] = '\0';   /* signing up needs no key */
    if (http_request(h, "POST", "/v1/signup", NULL, NULL, &a, errstr, sizeof(errstr)) < 0) {
        fprintf(stderr, "%s: %s\n", prog, errstr);
        return CLI_EXIT_UNAVAILABLE;
    }
    if (a.status != 201) {
        ret = cli_fail_answer(&a);
        goto out;
    }
    key = cJSON_GetObjectItemCaseSensitive(a.body, "api_key");
    acct = cJSON_GetObjectItemCaseSensitive(a.body, "account_id");
    credits = cJSON_GetObjectItemCaseSensitive(a.body, "credits");
    if (!cJSON_IsString(key) || !cJSON_IsString(acct)) {
        fprintf(stderr, "%s: the server's signup answer has no key\n", prog);
        ret = CLI_EXIT_SOFTWARE;
        goto out;
    }
    if (creds_save(h->url, key->valuestring, acct->valuestring, path, sizeof(path), errstr, sizeof(errstr)) < 0) {
        /* The key is shown once: print it rather than lose it. */
        fprintf(stderr, "%s: %s\n%s: your key (not saved): %s\n", prog, errstr, prog, key->valuestring);
        ret = CLI_EXIT_CANTCREAT;
        goto out;
    }
    printf("Signed up: account %s, balance %d credits.\nKey saved in %s\n", acct->valuestring,
           cJSON_IsNumber(credits) ? credits->valueint : 0, path);
    ret = 0;
out:
    http_answer_release(&a);
    return ret;
}

/* ---- execq exec-python ---- */

static const char exec_usage[] =
    "usage: execq exec-python [options] [CODE]\n"
    "Runs CODE (or the file given with -f, or standard input) and prints its\n"
    "stdout and stderr to ours; exits with its exit code (124 on timeout,\n"
    "128+N when killed by signal N). Interrupted (Ctrl-C) before the end,\n"
    "the job is cancelled.\n"
    "  -f, --file FILE      the code is in FILE\n"
    "  -t, --timeout S      seconds, up to the server's maximum (30)\n"
    "  -m, --memory-mb N    memory limit in MiB\n"
    "  -i, --stdin FILE     the job's standard input (any bytes)\n"
    "  -s, --scratch-mb N   a private writable /tmp of N MiB; what the job leaves\n"
    "                       in /tmp/out comes back\n"
    "  -F, --input PATH[=NAME]  put the file at PATH read-only in /input/NAME\n"
    "                       (NAME: its base name); repeat for more\n"
    "  -o, --output-dir DIR write returned files (by name) and figures\n"
    "                       (image-1.png, ...) into DIR\n"
    "  -e, --env ENV        run in environment ENV (a package set: execq envs)\n"
    "  -R, --require SPEC   a package the job needs, as pip names it (sympy==1.12);\n"
    "                       repeat for more (servers with --allow-requirements)\n"
    "  -j, --json           print the whole result as JSON instead\n"
    "      --stream         print the output as the job prints it (the default\n"
    "                       when standard output is a terminal)\n"
    "      --no-stream      print it once the job has ended\n";

static int cmd_exec(struct http *h, int argc, char **argv)
{
    static const struct option opts[] = {{"file", required_argument, NULL, 'f'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"memory-mb", required_argument, NULL, 'm'},
                                         {"stdin", required_argument, NULL, 'i'},
                                         {"scratch-mb", required_argument, NULL, 's'},
                                         {"input", required_argument, NULL, 'F'},
                                         {"output-dir", required_argument, NULL, 'o'},
                                         {"env", required_argument, NULL, 'e'},
                                         {"require", required_argument, NULL, 'R'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"stream", no_argument, NULL, 'S'},
                                         {"no-stream", no_argument, NULL, 'N'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *file = NULL, *stdin_file = NULL, *out_dir = NULL, *env = NULL;
    double timeout = 0;
    long memory = 0, scratch = -1;
    int json = 0, c, ret = CLI_EXIT_SOFTWARE;
    char *code = NULL, *in = NULL, *body = NULL, *end, errstr[512];
    size_t in_len = 0;
    cJSON *req = cJSON_CreateObject(), *inputs = cJSON_CreateArray(), *reqs = NULL;
    struct http_answer a = {0};
    struct cli_live live = {0};
    int stream = -1;

    while ((c = getopt_long(argc, argv, "f:t:m:i:s:F:o:e:R:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'f': file = optarg; break;
        case 'e': env = optarg; break;
        case 'R':
            if (!reqs)
                reqs = cJSON_CreateArray();
            cJSON_AddItemToArray(reqs, cJSON_CreateString(optarg));
            break;
        case 't':
            errno = 0;
            timeout = strtod(optarg, &end);
            if (errno || *end || timeout <= 0)
                die_usage("execq exec-python: --timeout wants a number of seconds above 0\n");
            break;
        case 'm':
            memory = strtol(optarg, &end, 10);
            if (*end || memory <= 0)
                die_usage("execq exec-python: --memory-mb wants a whole number of MiB\n");
            break;
        case 'i': stdin_file = optarg; break;
        case 's':
            scratch = strtol(optarg, &end, 10);
            if (*end || scratch < 0)
                die_usage("execq exec-python: --scratch-mb wants a whole number of MiB\n");
            break;
        case 'F':
            if (files_add_input(inputs, optarg, errstr, sizeof(errstr)) < 0) {
                fprintf(stderr, "%s: %s\n", prog, errstr);
                ret = CLI_EXIT_NOINPUT;
                goto out;
            }
            break;
        case 'o': out_dir = optarg; break;
        case 'j': json = 1; break;
        case 'S': stream = 1; break;
        case 'N': stream = 0; break;
        case 'h': fputs(exec_usage, stdout); ret = 0; goto out;
        default: die_usage(exec_usage);
        }
    }
    if ((file && optind < argc) || argc - optind > 1)
        die_usage(exec_usage);
    if (optind < argc)
        code = strdup(argv[optind]);
    else if (!(code = cli_slurp(file ? file : "-", NULL))) {
        fprintf(stderr, "%s: %s: %s\n", prog, file ? file : "standard input", strerror(errno));
        ret = CLI_EXIT_NOINPUT;
        goto out;
    }
    if (stdin_file && !(in = cli_slurp(stdin_file, &in_len))) {
        fprintf(stderr, "%s: %s: %s\n", prog, stdin_file, strerror(errno));
        ret = CLI_EXIT_NOINPUT;
        goto out;
    }
    if (!code || !req)
        goto out;
    cJSON_AddStringToObject(req, "code", code);
    /* Ctrl-C (or any end of this process) before the result cancels the
     * job: the server sees the connection close. */
    cJSON_AddBoolToObject(req, "cancel_on_disconnect", 1);
    if (timeout > 0)
        cJSON_AddNumberToObject(req, "timeout", timeout);
    if (memory > 0)
        cJSON_AddNumberToObject(req, "memory_mb", (double)memory);
    if (scratch >= 0)
        cJSON_AddNumberToObject(req, "scratch_mb", (double)scratch);
    if (env)
        cJSON_AddStringToObject(req, "env", env);
    if (reqs) {
        cJSON_AddItemToObject(req, "requirements", reqs);
        reqs = NULL;   /* req owns it now */
    }
    if (cJSON_GetArraySize(inputs) > 0) {
        cJSON_AddItemToObject(req, "files", inputs);
        inputs = NULL;   /* req owns it now */
    }
    if (in) {
        /* Any bytes: base64 always, so NULs and non-UTF-8 survive. */
        char *b64 = job_base64((const unsigned char *)in, in_len);
        if (!b64)
            goto out;
        cJSON_AddStringToObject(req, "stdin_b64", b64);
        free(b64);
    }
    if (!(body = cJSON_PrintUnformatted(req)))
        goto out;
    if (timeout > h->timeout_s - 15)
        h->timeout_s = (long)timeout + 15;   /* the server answers within timeout + its grace */
    if (stream < 0)
        stream = !json && isatty(STDOUT_FILENO);   /* by default, when a person watches */
    if ((stream ? http_stream(h, "/v1/exec-python", body, cli_on_live_event, &live, &a, errstr, sizeof(errstr))
                : http_request(h, "POST", "/v1/exec-python", body, NULL, &a, errstr, sizeof(errstr))) < 0) {
        fprintf(stderr, "%s: %s\n", prog, errstr);
        ret = CLI_EXIT_UNAVAILABLE;
        goto out;
    }
    if (a.status == 200 && live.last[0] && strcmp(live.last, "result") != 0) {
        /* The stream ended with an error event (its status inside), or
         * before any end at all. */
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(a.body, "http_status");
        if (strcmp(live.last, "error") != 0 || !cJSON_IsNumber(st)) {
            fprintf(stderr, "%s: the stream ended before the result; see: execq job %s\n", prog, a.job_id);
            ret = CLI_EXIT_UNAVAILABLE;
            goto out;
        }
        a.status = (long)st->valuedouble;
    }
    if (a.status != 200) {
        ret = cli_fail_answer(&a);
        goto out;
    }
    if (json) {
        cli_print_json(stdout, a.body);
    } else {
        fflush(stdout);
        cli_write_stream(stdout, a.body, "stdout", live.pos[0]);
        fflush(stdout);
        cli_write_stream(stderr, a.body, "stderr", live.pos[1]);
    }
    if (out_dir && files_save_outputs(a.body, out_dir, errstr, sizeof(errstr)) < 0) {
        fprintf(stderr, "%s: %s\n", prog, errstr);
        ret = CLI_EXIT_CANTCREAT;
        goto out;
    }
    ret = cli_job_exit(a.body);
out:
    http_answer_release(&a);
    cJSON_free(body);
    cJSON_Delete(req);
    cJSON_Delete(inputs);
    cJSON_Delete(reqs);
    free(code);
    free(in);
    return ret;
}

/* ---- execq job ---- */

static const char job_usage[] =
    "usage: execq job [--wait S | --follow] JOB_ID\n"
    "Prints the job's status and, once it has one, its result (JSON).\n"
    "  -w, --wait S   wait up to S seconds (at most 30) for it to complete\n"
    "  -f, --follow   print its stdout and stderr as it prints them (what it\n"
    "                 printed before first), to its end; exits with its exit\n"
    "                 code, as exec-python does. A broken connection is resumed\n"
    "                 where it left off\n";

/* The tries of --follow in a row that bring no event before it gives up
 * (1, 2, 3, 4, then 5 s apart: about half a minute). */
#define FOLLOW_TRIES 8

/* execq job --follow: GET /v1/jobs/{id}/events, resumed with
 * Last-Event-ID when the connection breaks (or the API serving it stops). */
static int follow_job(struct http *h, const char *id)
{
    char path[128], last_id[48] = "", seen[48] = "", errstr[512];
    struct cli_live live = {0};
    struct http_answer a = {0};
    int tries = 0, ret = CLI_EXIT_UNAVAILABLE;

    snprintf(path, sizeof(path), "/v1/jobs/%s/events", id);
    h->timeout_s = 0;   /* as long as the job takes; keep-alives show the stream lives */
    for (;;) {
        int rc = http_follow(h, path, last_id, cli_on_live_event, &live, &a, errstr, sizeof(errstr));
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(a.body, "http_status");
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(a.body, "error");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
        int stopping = cJSON_IsString(code) && strcmp(code->valuestring, "shutting_down") == 0;

        if (rc == 0 && a.status != 200) {
            ret = cli_fail_answer(&a);   /* refused before any event: 404, 401, 429 */
            break;
        }
        if (rc == 0 && strcmp(live.last, "result") == 0) {
            fflush(stdout);
            cli_write_stream(stdout, a.body, "stdout", live.pos[0]);
            fflush(stdout);
            cli_write_stream(stderr, a.body, "stderr", live.pos[1]);
            ret = cli_job_exit(a.body);
            break;
        }
        if (rc == 0 && strcmp(live.last, "error") == 0 && cJSON_IsNumber(st) && !stopping) {
            a.status = (long)st->valuedouble;
            ret = cli_fail_answer(&a);
            break;
        }
        /* Broken off: again from the last event's id. */
        if (strcmp(seen, last_id) != 0)
            tries = 0;
        snprintf(seen, sizeof(seen), "%s", last_id);
        if (++tries > FOLLOW_TRIES) {
            fprintf(stderr, "%s: %s; see: execq job %s\n", prog, rc < 0 ? errstr : "the stream ended before the result",
                    id);
            break;
        }
        http_answer_release(&a);
        live.last[0] = '\0';
        sleep(tries < 5 ? (unsigned)tries : 5);
    }
    http_answer_release(&a);
    return ret;
}

static int cmd_job(struct http *h, int argc, char **argv)
{
    static const struct option opts[] = {{"wait", required_argument, NULL, 'w'}, {"follow", no_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    long wait = 0;
    char path[256], errstr[512], *end;
    struct http_answer a;
    int c, ret, follow = 0;

    while ((c = getopt_long(argc, argv, "w:fh", opts, NULL)) != -1) {
        if (c == 'f') {
            follow = 1;
        } else if (c == 'w') {
            wait = strtol(optarg, &end, 10);
            if (*end || wait < 0)
                die_usage("execq job: --wait wants whole seconds\n");
        } else if (c == 'h') {
            fputs(job_usage, stdout);
            return 0;
        } else {
            die_usage(job_usage);
        }
    }
    if (argc - optind != 1 || !util_id_valid(argv[optind]) || (follow && wait))
        die_usage(job_usage);
    if (follow)
        return follow_job(h, argv[optind]);
    snprintf(path, sizeof(path), "/v1/jobs/%s%s%ld", argv[optind], wait ? "?wait=" : "", wait);
    if (!wait)
        path[strlen("/v1/jobs/") + 36] = '\0';
    h->timeout_s += wait;
    if (http_request(h, "GET", path, NULL, NULL, &a, errstr, sizeof(errstr)) < 0) {
        fprintf(stderr, "%s: %s\n", prog, errstr);
        return CLI_EXIT_UNAVAILABLE;
    }
    if (a.status != 200) {
        ret = cli_fail_answer(&a);
    } else {
        cli_print_json(stdout, cJSON_GetObjectItemCaseSensitive(a.body, "job"));
        ret = 0;
    }
    http_answer_release(&a);
    return ret;
}

/* ---- execq cancel ---- */

static const char cancel_usage[] =
    "usage: execq cancel JOB_ID\n"
    "Cancels a job: a queued one never runs (refunded), a running one is\n"
    "killed (charged: it ran). Prints what became of it: cancelled (it was\n"
    "held and never ran) or cancelling (the executors are told; see\n"
    "execq job --wait). An ended job cannot be cancelled (exit 70).\n";

static int cmd_cancel(struct http *h, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    char path[128], errstr[512];
    struct http_answer a;
    int c, ret;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(cancel_usage, stdout);
            return 0;
        }
        die_usage(cancel_usage);
    }
    if (argc - optind != 1 || !util_id_valid(argv[optind]))
        die_usage(cancel_usage);
    snprintf(path, sizeof(path), "/v1/jobs/%s/cancel", argv[optind]);
    if (http_request(h, "POST", path, NULL, NULL, &a, errstr, sizeof(errstr)) < 0) {
        fprintf(stderr, "%s: %s\n", prog, errstr);
        return CLI_EXIT_UNAVAILABLE;
    }
    if (a.status != 200 && a.status != 202) {
        ret = cli_fail_answer(&a);
    } else {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(a.body, "status");
        printf("%s %s\n", argv[optind], cJSON_IsString(st) ? st->valuestring : "?");
        ret = 0;
    }
    http_answer_release(&a);
    return ret;
}

/* ---- execq account ---- */

static const char account_usage[] =
    "usage: execq account [--json]\n"
    "Prints the account's balance and totals.\n";

static int cmd_account(struct http *h, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    static const char *fields[] = {"balance", "credits_granted", "credits_charged", "credits_refunded", "runs",
                                   "price_per_run"};
    struct http_answer a;
    char errstr[512];
    int c, json = 0, ret;

    while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        if (c == 'j') {
            json = 1;
        } else if (c == 'h') {
            fputs(account_usage, stdout);
            return 0;
        } else {
            die_usage(account_usage);
        }
    }
    if (optind != argc)
        die_usage(account_usage);
    if (http_request(h, "GET", "/v1/account", NULL, NULL, &a, errstr, sizeof(errstr)) < 0) {
        fprintf(stderr, "%s: %s\n", prog, errstr);
        return CLI_EXIT_UNAVAILABLE;
    }
    if (a.status != 200) {
        ret = cli_fail_answer(&a);
    } else if (json) {
        cli_print_json(stdout, a.body);
        ret = 0;
    } else {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(a.body, "account_id");
        printf("account          %s\n", cJSON_IsString(id) ? id->valuestring : "?");
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(a.body, fields[i]);
            if (cJSON_IsNumber(v))
                printf("%-16s %.0f\n", fields[i], v->valuedouble);
        }
        ret = 0;
    }
    http_answer_release(&a);
    return ret;
}

/* ---- execq envs ---- */

static const char envs_usage[] =
    "usage: execq envs [--json] [NAME]\n"
    "Lists the environments (package sets) a job may name with --env: each\n"
    "one's state, Python and packages; with NAME, that one's packages in full\n"
    "(and why it failed, if it did).\n";

static int cmd_envs(struct http *h, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const cJSON *list, *e;
    struct http_answer a;
    const char *name = NULL;
    char errstr[512];
    int c, json = 0, ret, found = 0;

    while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        if (c == 'j') {
            json = 1;
        } else if (c == 'h') {
            fputs(envs_usage, stdout);
            return 0;
        } else {
            die_usage(envs_usage);
        }
    }
    if (argc - optind > 1)
        die_usage(envs_usage);
    if (optind < argc)
        name = argv[optind];
    if (http_request(h, "GET", "/v1/envs", NULL, NULL, &a, errstr, sizeof(errstr)) < 0) {
        fprintf(stderr, "%s: %s\n", prog, errstr);
        return CLI_EXIT_UNAVAILABLE;
    }
    if (a.status != 200) {
        ret = cli_fail_answer(&a);
        http_answer_release(&a);
        return ret;
    }
    list = cJSON_GetObjectItemCaseSensitive(a.body, "envs");
    if (!name && !json)
        printf("%-20s %-9s %-8s %-9s %s\n", "NAME", "STATE", "PYTHON", "PACKAGES", "EXECUTORS (ready/building/failed)");
    cJSON_ArrayForEach(e, list) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "name"), *st = cJSON_GetObjectItemCaseSensitive(e, "state");
        const cJSON *py = cJSON_GetObjectItemCaseSensitive(e, "python"), *pk = cJSON_GetObjectItemCaseSensitive(e, "packages");
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(e, "executors"), *err = cJSON_GetObjectItemCaseSensitive(e, "error");
        const cJSON *p;
        if (!cJSON_IsString(n) || (name && strcmp(n->valuestring, name) != 0))
            continue;
        found = 1;
        if (json) {
            if (name)
                cli_print_json(stdout, e);
            continue;
        }
        if (!name) {
            char ex[64];
            snprintf(ex, sizeof(ex), "%.0f/%.0f/%.0f",
                     cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(x, "ready")),
                     cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(x, "building")),
                     cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(x, "failed")));
            printf("%-20s %-9s %-8s %-9d %s\n", n->valuestring, cJSON_IsString(st) ? st->valuestring : "?",
                   cJSON_IsString(py) ? py->valuestring : "-", cJSON_IsArray(pk) ? cJSON_GetArraySize(pk) : 0, ex);
            if (cJSON_IsString(err))
                printf("  %s\n", err->valuestring);
            continue;
        }
        printf("name     %s\nstate    %s\npython   %s\n", n->valuestring, cJSON_IsString(st) ? st->valuestring : "?",
               cJSON_IsString(py) ? py->valuestring : "-");
        if (cJSON_IsString(err))
            printf("error    %s\n", err->valuestring);
        cJSON_ArrayForEach(p, pk) {
            const cJSON *pn = cJSON_GetObjectItemCaseSensitive(p, "name"), *pv = cJSON_GetObjectItemCaseSensitive(p, "version");
            if (cJSON_IsString(pn) && cJSON_IsString(pv))
                printf("%s==%s\n", pn->valuestring, pv->valuestring);
        }
    }
    if (json && !name)
        cli_print_json(stdout, a.body);
    ret = 0;
    if (name && !found) {
        fprintf(stderr, "%s: no environment %s (execq envs lists them)\n", prog, name);
        ret = CLI_EXIT_NOINPUT;
    }
    http_answer_release(&a);
    return ret;
}

/* ---- main ---- */

static const char main_usage[] =
    "usage: execq [--url URL] [--key KEY] COMMAND [options]\n"
    "Runs Python on an execq server.\n"
    "commands:\n"
    "  signup                 create an account and store its key\n"
    "  exec-python [CODE]     run code, print its output, exit with its code\n"
    "  batch FILE.jsonl|DIR   run many jobs with a progress bar; results as JSONL\n"
    "  job JOB_ID             a job's status and result\n"
    "  cancel JOB_ID          cancel a queued or running job\n"
    "  account                balance and totals\n"
    "  envs [NAME]            the environments (package sets) jobs may name\n"
    "  session COMMAND        a Python that keeps its state: create, exec, fork, ls, rm\n"
    "  repl                   an interactive Python prompt backed by a session\n"
    "  rotate-key             a new key for this account, stored like signup's\n"
    "  hooks [COMMAND]        webhooks: the default URL, the secret, deliveries, replay\n"
    "  admin COMMAND          the operator's commands (execq admin --help)\n"
    "options:\n"
    "  --url URL   the server (EXECQ_URL; default: the stored one, else http://127.0.0.1:8080)\n"
    "  --key KEY   the API key (EXECQ_API_KEY; default: the one `execq signup` stored)\n"
    "  --version\n"
    "`execq COMMAND --help` describes each command; man execq has the rest.\n";

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"url", required_argument, NULL, 'u'},
                                         {"key", required_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};
    struct http h = {.timeout_s = 60};
    struct creds saved;
    const char *url = getenv("EXECQ_URL"), *key = getenv("EXECQ_API_KEY"), *cmd;
    char errstr[512];
    int c, help = 0;

    /* Options before the command only: the command parses its own. */
    while ((c = getopt_long(argc, argv, "+u:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'u': url = optarg; break;
        case 'k': key = optarg; break;
        case 'h': fputs(main_usage, stdout); return 0;
        case 'V': puts("execq 1.0"); return 0;
        default: die_usage(main_usage);
        }
    }
    if (optind >= argc)
        die_usage(main_usage);
    cmd = argv[optind];
    if (creds_load(&saved, errstr, sizeof(errstr)) < 0) {
        fprintf(stderr, "%s: %s\n", prog, errstr);
        return CLI_EXIT_NOINPUT;
    }
    snprintf(h.url, sizeof(h.url), "%s", url && *url ? url : saved.url[0] ? saved.url : "http://127.0.0.1:8080");
    while (h.url[0] && h.url[strlen(h.url) - 1] == '/')
        h.url[strlen(h.url) - 1] = '\0';
    snprintf(h.key, sizeof(h.key), "%s", key && *key ? key : saved.key);
    if (http_global_init() < 0) {
        fprintf(stderr, "%s: cannot start libcurl\n", prog);
        return CLI_EXIT_SOFTWARE;
    }
    argc -= optind;
    argv += optind;
    optind = 0;   /* each command parses argv[1..]; 0 makes glibc start afresh */
    if (strcmp(cmd, "signup") == 0)
        return cmd_signup(&h, argc, argv);
    if (strcmp(cmd, "admin") == 0)
        return admin_main(&h, argc, argv);   /* its own token, never the user key */
    if (strcmp(cmd, "help") == 0) {
        fputs(main_usage, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        help |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
    if (!h.key[0] && !help) {   /* a command's --help needs no key */
        fprintf(stderr, "%s: no API key: run `execq signup`, or give --key or EXECQ_API_KEY\n", prog);
        return CLI_EXIT_NOPERM;
    }
    if (strcmp(cmd, "exec-python") == 0)
        return cmd_exec(&h, argc, argv);
    if (strcmp(cmd, "batch") == 0)
        return batch_main(&h, argc, argv);
    if (strcmp(cmd, "cancel") == 0)
        return cmd_cancel(&h, argc, argv);
    if (strcmp(cmd, "job") == 0)
        return cmd_job(&h, argc, argv);
    if (strcmp(cmd, "account") == 0)
        return cmd_account(&h, argc, argv);
    if (strcmp(cmd, "envs") == 0)
        return cmd_envs(&h, argc, argv);
    if (strcmp(cmd, "rotate-key") == 0)
        return admin_rotate_main(&h, argc, argv);
    if (strcmp(cmd, "session") == 0)
        return session_main(&h, argc, argv);
    if (strcmp(cmd, "repl") == 0)
        return repl_main(&h, argc, argv);
    if (strcmp(cmd, "hooks") == 0)
        return hooks_main(&h, argc, argv);
    fprintf(stderr, "%s: unknown command %s\n", prog, cmd);
    die_usage(main_usage);
    return CLI_EXIT_USAGE;
}
