/* session: `execq session ...` (the /v1/sessions routes) and `execq repl`,
 * an interactive Python prompt backed by a session (see session.h). */
#include "session.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "cli.h"
#include "job.h"
#include "util.h"

static void die_usage(const char *usage)
{
    fputs(usage, stderr);
    exit(CLI_EXIT_USAGE);
}

/* An answer that is not status: its error line; returns its exit code. */
static int want(const struct http_answer *a, long status)
{
    return a->status == status ? 0 : cli_fail_answer(a);
}

/* POST /v1/sessions with these limits (0 or -1: the server's) and
 * callback URL (NULL: the account's default). Returns the exit code; the
 * session's id in id on success, its JSON in *out. */
static int make(struct http *h, long memory, long scratch, long idle, long lifetime, const char *env,
                const char *callback_url, char id[64], cJSON **out)
{
    cJSON *req = cJSON_CreateObject();
    char *body, errstr[512];
    struct http_answer a = {0};
    int ret;

    if (memory > 0)
        cJSON_AddNumberToObject(req, "memory_mb", (double)memory);
    if (scratch >= 0)
        cJSON_AddNumberToObject(req, "scratch_mb", (double)scratch);
    if (idle > 0)
        cJSON_AddNumberToObject(req, "idle_timeout_s", (double)idle);
    if (lifetime > 0)
        cJSON_AddNumberToObject(req, "max_lifetime_s", (double)lifetime);
    if (env)
        cJSON_AddStringToObject(req, "env", env);
    if (callback_url)
        cJSON_AddStringToObject(req, "callback_url", callback_url);
    body = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    if (!body)
        return CLI_EXIT_SOFTWARE;
    for (int tries = 0;; tries++) {
        if (http_request(h, "POST", "/v1/sessions", body, NULL, &a, errstr, sizeof(errstr)) < 0) {
            fprintf(stderr, "execq: %s\n", errstr);
            cJSON_free(body);
            return CLI_EXIT_UNAVAILABLE;
        }
        /* Every executor full for a moment (sessions just ended free their
         * place shortly after): as the server says, try again. */
        if (a.status != 503 || a.retry_after_s <= 0 || tries >= 3)
            break;
        http_answer_release(&a);
        sleep((unsigned)(a.retry_after_s > 5 ? 5 : a.retry_after_s));
    }
    cJSON_free(body);
    if ((ret = want(&a, 201)) == 0) {
        const cJSON *sid = cJSON_GetObjectItemCaseSensitive(a.body, "session_id");
        snprintf(id, 64, "%s", cJSON_IsString(sid) ? sid->valuestring : "");
        if (out) {
            *out = a.body;
            a.body = NULL;
        }
    }
    http_answer_release(&a);
    return ret;
}

/* One exec of code in session id: streamed to our stdout and stderr as
 * it prints (stream) or printed at the end; the result in *result (the
 * caller deletes it). interrupted (may be NULL): set by SIGINT, which
 * cancels the exec (KeyboardInterrupt in it; the session lives on).
 * Returns 0 when a result came, else the exit code. */
static long last_status;   /* the HTTP status of run's last answer */

static int run(struct http *h, const char *id, const char *code, double timeout, const char *in, size_t in_len,
               int interactive, int stream, volatile sig_atomic_t *interrupted, cJSON **result)
{
    cJSON *req = cJSON_CreateObject();
    char path[128], *body, errstr[512];
    struct http_answer a = {0};
    struct cli_live live = {0};
    int ret = 0, rc;

    *result = NULL;
    cJSON_AddStringToObject(req, "code", code);
    if (timeout > 0)
        cJSON_AddNumberToObject(req, "timeout", timeout);
    if (interactive)
        cJSON_AddBoolToObject(req, "interactive", 1);
    /* Our end (Ctrl-C, a killed client) before the result cancels it. */
    cJSON_AddBoolToObject(req, "cancel_on_disconnect", 1);
    if (in) {
        char *b64 = job_base64((const unsigned char *)in, in_len);
        cJSON_AddStringToObject(req, "stdin_b64", b64 ? b64 : "");
        free(b64);
    }
    body = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    if (!body)
        return CLI_EXIT_SOFTWARE;
    snprintf(path, sizeof(path), "/v1/sessions/%s/exec", id);
    if (timeout > h->timeout_s - 15)
        h->timeout_s = (long)timeout + 15;
    rc = stream ? http_stream(h, path, body, cli_on_live_event, &live, &a, errstr, sizeof(errstr))
                : http_request(h, "POST", path, body, NULL, &a, errstr, sizeof(errstr));
    cJSON_free(body);
    if (rc < 0 && interrupted && *interrupted && a.job_id[0]) {
        /* Ctrl-C: the exec is cancelled (interrupted where it runs); its
         * result, KeyboardInterrupt and all, is the job's. */
        char jpath[160];
        struct http_answer c = {0};
        *interrupted = 0;
        snprintf(jpath, sizeof(jpath), "/v1/jobs/%s/cancel", a.job_id);
        http_request(h, "POST", jpath, NULL, NULL, &c, errstr, sizeof(errstr));
        http_answer_release(&c);
        snprintf(jpath, sizeof(jpath), "/v1/jobs/%s?wait=10", a.job_id);
        if (http_request(h, "GET", jpath, NULL, NULL, &c, errstr, sizeof(errstr)) == 0 && c.status == 200) {
            const cJSON *job = cJSON_GetObjectItemCaseSensitive(c.body, "job");
            const cJSON *res = cJSON_GetObjectItemCaseSensitive(job, "result");
            if (cJSON_IsObject(res) && cJSON_GetObjectItemCaseSensitive(res, "stdout")) {
                fflush(stdout);
                cli_write_stream(stdout, res, "stdout", live.pos[0]);
                fflush(stdout);
                cli_write_stream(stderr, res, "stderr", live.pos[1]);
                *result = cJSON_Duplicate(res, 1);
            }
        }
        http_answer_release(&c);
        if (!*result)
            fprintf(stderr, "\nKeyboardInterrupt\n");
        http_answer_release(&a);
        return *result ? 0 : CLI_EXIT_UNAVAILABLE;
    }
    if (rc < 0 && interrupted && *interrupted) {
        /* Ctrl-C before the answer began: the server sees the connection
         * close (cancel_on_disconnect) and cancels the exec if it had it. */
        *interrupted = 0;
        fprintf(stderr, "\nKeyboardInterrupt\n");
        http_answer_release(&a);
        return CLI_EXIT_UNAVAILABLE;
    }
    if (rc < 0) {
        fprintf(stderr, "execq: %s\n", errstr);
        http_answer_release(&a);
        return CLI_EXIT_UNAVAILABLE;
    }
    if (a.status == 200 && live.last[0] && strcmp(live.last, "result") != 0) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(a.body, "http_status");
        a.status = cJSON_IsNumber(st) ? (long)st->valuedouble : 502;
    }
    last_status = a.status;
    if ((ret = want(&a, 200)) == 0) {
        fflush(stdout);
        cli_write_stream(stdout, a.body, "stdout", live.pos[0]);
        fflush(stdout);
        cli_write_stream(stderr, a.body, "stderr", live.pos[1]);
        *result = a.body;
        a.body = NULL;
    }
    http_answer_release(&a);
    return ret;
}

/* ---- execq session ---- */

static const char session_usage[] =
    "usage: execq session COMMAND [options]\n"
    "A Python that keeps its state (globals, imports, open files, /tmp) from\n"
    "one exec to the next.\n"
    "  create [-m MiB] [-s MiB] [-e ENV] [--idle-timeout S] [--lifetime S]\n"
    "         [--callback-url URL] [--json]\n"
    "                               make one (in environment ENV: execq envs;\n"
    "                               its end POSTed to URL: execq hooks); prints its id\n"
    "  exec [-t S] [-i FILE] [-f FILE] [--json] [--stream] ID [CODE]\n"
    "                               run CODE (or -f FILE, or stdin) in it; its output\n"
    "                               and exit code, as exec-python's\n"
    "  fork ID [--json]             a copy-on-write copy of it; prints the new id\n"
    "  ls [--json]                  this account's sessions\n"
    "  show ID                      one session's state (JSON)\n"
    "  rm ID                        end it\n"
    "Each exec costs what a job costs; an ended session answers 410 session_lost.\n";

static long number(const char *s, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 0) {
        fprintf(stderr, "execq session: %s wants a whole number\n", what);
        exit(CLI_EXIT_USAGE);
    }
    return v;
}

static int cmd_create(struct http *h, int argc, char **argv)
{
    static const struct option opts[] = {{"memory-mb", required_argument, NULL, 'm'},
                                         {"scratch-mb", required_argument, NULL, 's'},
                                         {"idle-timeout", required_argument, NULL, 'I'},
                                         {"lifetime", required_argument, NULL, 'L'},
                                         {"env", required_argument, NULL, 'e'},
                                         {"callback-url", required_argument, NULL, 'U'},
                                         {"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    long memory = 0, scratch = -1, idle = 0, lifetime = 0;
    const char *env = NULL, *callback_url = NULL;
    int json = 0, c, ret;
    char id[64];
    cJSON *s = NULL;

    while ((c = getopt_long(argc, argv, "m:s:e:j", opts, NULL)) != -1) {
        switch (c) {
        case 'm': memory = number(optarg, "--memory-mb"); break;
        case 's': scratch = number(optarg, "--scratch-mb"); break;
        case 'e': env = optarg; break;
        case 'I': idle = number(optarg, "--idle-timeout"); break;
        case 'L': lifetime = number(optarg, "--lifetime"); break;
        case 'U': callback_url = optarg; break;
        case 'j': json = 1; break;
        default: die_usage(session_usage);
        }
    }
    if (optind != argc)
        die_usage(session_usage);
    if ((ret = make(h, memory, scratch, idle, lifetime, env, callback_url, id, &s)) == 0) {
        if (json)
            cli_print_json(stdout, s);
        else
            puts(id);
    }
    cJSON_Delete(s);
    return ret;
}

static int cmd_exec(struct http *h, int argc, char **argv)
{
    static const struct option opts[] = {{"timeout", required_argument, NULL, 't'},
                                         {"stdin", required_argument, NULL, 'i'},
                                         {"file", required_argument, NULL, 'f'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"stream", no_argument, NULL, 'S'},
                                         {NULL, 0, NULL, 0}};
    const char *file = NULL, *stdin_file = NULL;
    double timeout = 0;
    int json = 0, stream = 0, c, ret;
    char *code = NULL, *in = NULL, *end;
    size_t in_len = 0;
    cJSON *res = NULL;

    while ((c = getopt_long(argc, argv, "t:i:f:j", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            timeout = strtod(optarg, &end);
            if (*end || timeout <= 0)
                die_usage("execq session exec: --timeout wants a number of seconds above 0\n");
            break;
        case 'i': stdin_file = optarg; break;
        case 'f': file = optarg; break;
        case 'j': json = 1; break;
        case 'S': stream = 1; break;
        default: die_usage(session_usage);
        }
    }
    if (argc - optind < 1 || argc - optind > 2 || (file && argc - optind > 1))
        die_usage(session_usage);
    if (argc - optind == 2)
        code = strdup(argv[optind + 1]);
    else if (!(code = cli_slurp(file ? file : "-", NULL))) {
        fprintf(stderr, "execq: %s: %s\n", file ? file : "standard input", strerror(errno));
        return CLI_EXIT_NOINPUT;
    }
    if (stdin_file && !(in = cli_slurp(stdin_file, &in_len))) {
        fprintf(stderr, "execq: %s: %s\n", stdin_file, strerror(errno));
        free(code);
        return CLI_EXIT_NOINPUT;
    }
    if (json) {
        /* The result alone, as exec-python --json prints it. */
        FILE *keep = stdout;
        stdout = fopen("/dev/null", "w");
        ret = run(h, argv[optind], code, timeout, in, in_len, 0, 0, NULL, &res);
        fclose(stdout);
        stdout = keep;
        fflush(stderr);
        if (ret == 0)
            cli_print_json(stdout, res);
    } else {
        ret = run(h, argv[optind], code, timeout, in, in_len, 0, stream, NULL, &res);
    }
    if (ret == 0)
        ret = cli_job_exit(res);
    cJSON_Delete(res);
    free(code);
    free(in);
    return ret;
}

/* GET, DELETE or POST (fork) on /v1/sessions/ID[suffix]: the answer's JSON,
 * or for a fork without --json the new id. */
static int cmd_one(struct http *h, int argc, char **argv, const char *method, const char *suffix, long ok)
{
    char path[160], errstr[512];
    struct http_answer a = {0};
    int json = 0, ret, n = 0;
    const char *id = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] != '-' && n++ == 0)
            id = argv[i];
        else
            die_usage(session_usage);
    }
    if (!id || n != 1)
        die_usage(session_usage);
    snprintf(path, sizeof(path), "/v1/sessions/%s%s", id, suffix);
    if (http_request(h, method, path, NULL, NULL, &a, errstr, sizeof(errstr)) < 0) {
        fprintf(stderr, "execq: %s\n", errstr);
        return CLI_EXIT_UNAVAILABLE;
    }
    if ((ret = want(&a, ok)) == 0) {
        const cJSON *sid = cJSON_GetObjectItemCaseSensitive(a.body, "session_id");
        if (strcmp(suffix, "/fork") == 0 && !json && cJSON_IsString(sid))
            puts(sid->valuestring);
        else if (strcmp(method, "DELETE") != 0 || json)
            cli_print_json(stdout, a.body);
    }
    http_answer_release(&a);
    return ret;
}

static int cmd_ls(struct http *h, int argc, char **argv)
{
    struct http_answer a = {0};
    char errstr[512];
    int json = argc == 2 && strcmp(argv[1], "--json") == 0, ret;
    const cJSON *s;

    if (argc > 2 || (argc == 2 && !json))
        die_usage(session_usage);
    if (http_request(h, "GET", "/v1/sessions", NULL, NULL, &a, errstr, sizeof(errstr)) < 0) {
        fprintf(stderr, "execq: %s\n", errstr);
        return CLI_EXIT_UNAVAILABLE;
    }
    if ((ret = want(&a, 200)) == 0 && json) {
        cli_print_json(stdout, a.body);
    } else if (ret == 0) {
        printf("%-36s  %-6s  %-12s  %6s  %9s  %6s\n", "SESSION", "STATE", "ENDED", "EXECS", "MEMORY", "IDLE");
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(a.body, "sessions")) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(s, "session_id");
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(s, "state");
            const cJSON *why = cJSON_GetObjectItemCaseSensitive(s, "ended_because");
            printf("%-36s  %-6s  %-12s  %6.0f  %6.0f MiB  %5.0fs\n", cJSON_IsString(id) ? id->valuestring : "?",
                   cJSON_IsString(st) ? st->valuestring : "?", cJSON_IsString(why) ? why->valuestring : "-",
                   cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(s, "execs")),
                   cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(s, "memory_kb")) / 1024,
                   cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(s, "idle_s")));
        }
    }
    http_answer_release(&a);
    return ret;
}

int session_main(struct http *h, int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";

    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(session_usage, stdout);
        return 0;
    }
    argc--;
    argv++;
    optind = 0;
    if (strcmp(cmd, "create") == 0)
        return cmd_create(h, argc, argv);
    if (strcmp(cmd, "exec") == 0)
        return cmd_exec(h, argc, argv);
    if (strcmp(cmd, "fork") == 0)
        return cmd_one(h, argc, argv, "POST", "/fork", 201);
    if (strcmp(cmd, "show") == 0)
        return cmd_one(h, argc, argv, "GET", "", 200);
    if (strcmp(cmd, "rm") == 0)
        return cmd_one(h, argc, argv, "DELETE", "", 200);
    if (strcmp(cmd, "ls") == 0)
        return cmd_ls(h, argc, argv);
    die_usage(session_usage);
    return CLI_EXIT_USAGE;
}

/* ---- execq repl ---- */

static const char repl_usage[] =
    "usage: execq repl [--session ID] [-m MiB] [-t S] [--keep]\n"
    "An interactive Python prompt whose every statement runs in a session on\n"
    "the server, as python3's prompt runs it: >>> and ..., an expression's\n"
    "value printed, output as it comes, Ctrl-C interrupts the running\n"
    "statement (KeyboardInterrupt; the session keeps its state), Ctrl-D or\n"
    "exit() leaves. History is kept in ~/.execq_history.\n"
    "  --session ID       attach to an open session instead of making one\n"
    "  -m, --memory-mb N  the new session's memory\n"
    "  -e, --env ENV      the new session's environment (execq envs)\n"
    "  -t, --timeout S    each statement's timeout (the server's default: 10 s)\n"
    "  --keep             leave the session open on exit (its id is printed)\n";

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* Whether src (the lines so far) is a whole statement for python3's
 * prompt: no bracket or triple-quoted string open, no trailing backslash,
 * and, once a line opened a block (ends with ':') the block ended with an
 * empty line. A heuristic of codeop's rules, enough for what people type. */
static int complete(const char *src, int last_empty)
{
    int depth = 0, block = 0;
    char quote = 0;
    int triple = 0;
    const char *line_end_char = NULL;

    for (const char *p = src; *p; p++) {
        if (quote) {
            if (*p == '\\' && p[1]) {
                p++;
            } else if (triple && *p == quote && p[1] == quote && p[2] == quote) {
                quote = 0;
                p += 2;
            } else if (!triple && (*p == quote || *p == '\n')) {
                quote = 0;
            }
            continue;
        }
        if (*p == '#') {
            while (p[1] && p[1] != '\n')
                p++;
            continue;
        }
        if (*p == '\'' || *p == '"') {
            quote = *p;
            triple = p[1] == *p && p[2] == *p;
            if (triple)
                p += 2;
            continue;
        }
        if (*p == '(' || *p == '[' || *p == '{')
            depth++;
        else if ((*p == ')' || *p == ']' || *p == '}') && depth > 0)
            depth--;
        else if (*p == '\n' && depth == 0 && line_end_char && *line_end_char == ':')
            block = 1;
        if (*p != ' ' && *p != '\t' && *p != '\n')
            line_end_char = p;
    }
    if (quote && triple)
        return 0;
    if (depth > 0 || (line_end_char && (*line_end_char == '\\' || *line_end_char == ':')))
        return 0;
    return !block || last_empty;
}

int repl_main(struct http *h, int argc, char **argv)
{
    static const struct option opts[] = {{"session", required_argument, NULL, 'S'},
                                         {"memory-mb", required_argument, NULL, 'm'},
                                         {"env", required_argument, NULL, 'e'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"keep", no_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    char id[64] = "", hist[1024] = "", *end;
    const char *home = getenv("HOME");
    long memory = 0;
    const char *env = NULL;
    double timeout = 0;
    int keep = 0, c, made = 0, ret;
    struct sigaction sa = {0};
    cJSON *res = NULL;
    struct buf src;

    while ((c = getopt_long(argc, argv, "m:e:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'S': snprintf(id, sizeof(id), "%s", optarg); break;
        case 'm': memory = number(optarg, "--memory-mb"); break;
        case 'e': env = optarg; break;
        case 't':
            timeout = strtod(optarg, &end);
            if (*end || timeout <= 0)
                die_usage("execq repl: --timeout wants a number of seconds above 0\n");
            break;
        case 'k': keep = 1; break;
        case 'h': fputs(repl_usage, stdout); return 0;
        default: die_usage(repl_usage);
        }
    }
    if (optind != argc)
        die_usage(repl_usage);
    if (!id[0]) {
        if ((ret = make(h, memory, -1, 0, 0, env, NULL, id, NULL)) != 0)
            return ret;
        made = 1;
    }
    if (!isatty(STDIN_FILENO))
        rl_outstream = stderr;   /* prompts off the output when fed by a pipe */
    /* The banner python3 shows, from the interpreter that runs the code. */
    {
        char banner[256];
        snprintf(banner, sizeof(banner),
                 "import sys\nprint('Python', sys.version.split()[0], 'in execq session %.8s; exit() or Ctrl-D "
                 "leaves', file=sys.stderr)",
                 id);
        if (run(h, id, banner, 0, NULL, 0, 0, 0, NULL, &res) != 0) {
            if (made) {
                struct http_answer a = {0};
                char path[128], errstr[256];
                snprintf(path, sizeof(path), "/v1/sessions/%s", id);
                http_request(h, "DELETE", path, NULL, NULL, &a, errstr, sizeof(errstr));
                http_answer_release(&a);
            }
            return CLI_EXIT_UNAVAILABLE;
        }
        cJSON_Delete(res);
        res = NULL;
    }
    sa.sa_handler = on_sigint;   /* no SA_RESTART: readline sees EINTR */
    sigaction(SIGINT, &sa, NULL);
    http_interrupt(&interrupted);
    if (home) {
        snprintf(hist, sizeof(hist), "%s/.execq_history", home);
        read_history(hist);
    }
    buf_init(&src);
    for (;;) {
        char *line;
        int last_empty;
        interrupted = 0;
        line = readline(src.len ? "... " : ">>> ");
        if (!line) {
            if (interrupted && src.len) {   /* Ctrl-C at the prompt drops what was typed */
                fputs("\nKeyboardInterrupt\n", stderr);
                buf_release(&src);
                buf_init(&src);
                continue;
            }
            if (interrupted) {
                fputs("\nKeyboardInterrupt\n", stderr);
                continue;
            }
            fputc('\n', stderr);
            break;   /* Ctrl-D */
        }
        last_empty = line[strspn(line, " \t")] == '\0';
        if (!src.len && last_empty) {
            free(line);
            continue;
        }
        if (!last_empty)
            add_history(line);
        if (src.len)
            buf_append(&src, "\n", 1);
        buf_append(&src, line, strlen(line));
        free(line);
        if (!complete(src.data, last_empty))
            continue;
        buf_append(&src, "\n", 1);
        if (strcmp(src.data, "exit()\n") == 0 || strcmp(src.data, "quit()\n") == 0)
            break;
        ret = run(h, id, src.data, timeout, NULL, 0, 1, 1, &interrupted, &res);
        if (ret == 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
                            cJSON_GetObjectItemCaseSensitive(res, "session"), "ended"))) {
            fprintf(stderr, "execq repl: the session ended (its process exited or was killed)\n");
            cJSON_Delete(res);
            made = 0;
            break;
        }
        cJSON_Delete(res);
        res = NULL;
        if (ret != 0 && last_status == 410) {
            made = 0;
            break;   /* the session is gone (its message said why) */
        }
        buf_release(&src);
        buf_init(&src);
    }
    buf_release(&src);
    if (hist[0])
        write_history(hist);
    http_interrupt(NULL);
    if (made && !keep) {
        struct http_answer a = {0};
        char path[128], errstr[256];
        snprintf(path, sizeof(path), "/v1/sessions/%s", id);
        http_request(h, "DELETE", path, NULL, NULL, &a, errstr, sizeof(errstr));
        http_answer_release(&a);
    } else if (made) {
        fprintf(stderr, "execq repl: session %s left open\n", id);
    }
    return 0;
}
