/* batch: see batch.h. */
#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "sha256.h"
#include "util.h"

#define BATCH_MAX_BODY (15L << 20)   /* under the server's 16 MiB batch body */

static const char batch_usage[] =
    "usage: execq batch [options] FILE.jsonl|DIR\n"
    "       execq batch [options] --resume BATCH_ID [--resume BATCH_ID...]\n"
    "Runs every job of FILE.jsonl (one per line: an object with \"code\" and the\n"
    "other fields of POST /v1/jobs, or a JSON string of code) or every *.py file\n"
    "of DIR, shows progress, and writes one JSON result per line in input order.\n"
    "Exits 0 when every job exited 0, 1 when any did not.\n"
    "  -o, --output FILE    results here (default: standard output)\n"
    "  -r, --resume ID      follow a batch already submitted (repeatable)\n"
    "  -t, --timeout S      timeout of jobs that set none\n"
    "  -m, --memory-mb N    memory limit of jobs that set none\n"
    "  -e, --env ENV        environment of jobs that name none (execq envs)\n"
    "      --chunk N        jobs per server batch (default 1000, the server's maximum)\n"
    "      --new            submit again even if the same jobs were submitted today\n"
    "      --no-progress    no progress output\n"
    "      --callback-url URL      each server batch POSTs its end there, signed\n"
    "                              (docs/webhooks.md; execq hooks lists deliveries)\n"
    "      --callback-events LIST  batch.completed (default), job.completed, or both\n"
    "Submitting the same jobs again within a day follows the first submission\n"
    "(same batches, charged once): a run cut short resumes by running it again.\n";

struct input {
    cJSON *jobs;     /* array of job objects, in input order */
    char **names;    /* names[i]: "FILE:LINE" or the .py file's name */
    size_t n;
    const char *callback_url;      /* each batch's callback_url, or NULL */
    const char *callback_events;   /* its events, comma-separated, or NULL */
};

struct chunk {
    char id[64];     /* the server's batch id */
    size_t first;    /* index of its first job in the input */
    long size, done;
};

static void input_release(struct input *in)
{
    cJSON_Delete(in->jobs);
    for (size_t i = 0; i < in->n; i++)
        free(in->names[i]);
    free(in->names);
}

/* Appends job j (taken) named name. Returns 0 or -1 (ENOMEM). */
static int input_add(struct input *in, cJSON *j, const char *name)
{
    char **names = realloc(in->names, (in->n + 1) * sizeof(*names));

    if (!names) {
        cJSON_Delete(j);
        return -1;
    }
    in->names = names;
    if (!(in->names[in->n] = strdup(name))) {
        cJSON_Delete(j);
        return -1;
    }
    cJSON_AddItemToArray(in->jobs, j);
    in->n++;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads DIR's *.py files, in name order. Returns 0 or a CLI exit code. */
static int read_dir(struct input *in, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **files = NULL, path[4096];
    size_t n = 0;
    int ret = CLI_EXIT_NOINPUT;

    if (!d) {
        fprintf(stderr, "execq: %s: %s\n", dir, strerror(errno));
        return CLI_EXIT_NOINPUT;
    }
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        char **f;
        if (len < 4 || strcmp(e->d_name + len - 3, ".py") != 0 || e->d_name[0] == '.')
            continue;
        if (!(f = realloc(files, (n + 1) * sizeof(*f))) || !(f[n] = strdup(e->d_name)))
            goto out;
        files = f;
        n++;
    }
    if (n)
        qsort(files, n, sizeof(*files), by_name);
    for (size_t i = 0; i < n; i++) {
        cJSON *j;
        char *code;
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        if (!(code = cli_slurp(path, NULL))) {
            fprintf(stderr, "execq: %s: %s\n", path, strerror(errno));
            goto out;
        }
        j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "code", code);
        free(code);
        if (input_add(in, j, files[i]) < 0)
            goto out;
    }
    if (n == 0) {
        fprintf(stderr, "execq: %s has no .py file\n", dir);
        goto out;
    }
    ret = 0;
out:
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
    closedir(d);
    return ret;
}

/* Reads a JSONL file; a bad line stops everything before anything is sent.
 * Returns 0 or a CLI exit code. */
static int read_jsonl(struct input *in, const char *path, double timeout, long memory)
{
    size_t len;
    char *text = cli_slurp(path, &len), *line, *next, name[600];
    long lineno = 0;
    int ret = CLI_EXIT_DATAERR;

    if (!text) {
        fprintf(stderr, "execq: %s: %s\n", path, strerror(errno));
        return CLI_EXIT_NOINPUT;
    }
    for (line = text; line && *line; line = next) {
        cJSON *j;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (line[strspn(line, " \t\r")] == '\0')
            continue;
        j = cJSON_Parse(line);
        if (cJSON_IsString(j)) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "code", j->valuestring);
            cJSON_Delete(j);
            j = o;
        }
        if (!cJSON_IsObject(j) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "code"))) {
            fprintf(stderr, "execq: %s:%ld: not a job (a JSON object with a \"code\" string, or a JSON string)\n",
                    path, lineno);
            cJSON_Delete(j);
            goto out;
        }
        if (timeout > 0 && !cJSON_HasObjectItem(j, "timeout"))
            cJSON_AddNumberToObject(j, "timeout", timeout);
        if (memory > 0 && !cJSON_HasObjectItem(j, "memory_mb"))
            cJSON_AddNumberToObject(j, "memory_mb", (double)memory);
        snprintf(name, sizeof(name), "%.500s:%ld", path, lineno);
        if (input_add(in, j, name) < 0)
            goto out;
    }
    if (in->n == 0) {
        fprintf(stderr, "execq: %s has no job\n", path);
        goto out;
    }
    ret = 0;
out:
    free(text);
    return ret;
}

/* Submits jobs [first, first+count) as one batch into *c. Returns 0 or a
 * CLI exit code. */
static int submit(struct http *h, const struct input *in, size_t first, size_t count, int fresh, struct chunk *c)
{
    cJSON *body = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(body, "jobs");
    struct http_answer a = {0};
    char *text = NULL, idem[80], hex[65], errstr[512];
    const cJSON *id;
    int ret = CLI_EXIT_SOFTWARE;

    for (size_t i = first; i < first + count; i++)
        cJSON_AddItemReferenceToArray(arr, cJSON_GetArrayItem(in->jobs, (int)i));
    if (in->callback_url)
        cJSON_AddStringToObject(body, "callback_url", in->callback_url);
    if (in->callback_events) {
        cJSON *ev = cJSON_AddArrayToObject(body, "callback_events");
        char *copy = util_strdup(in->callback_events), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
            cJSON_AddItemToArray(ev, cJSON_CreateString(t));
        free(copy);
    }
    if (!(text = cJSON_PrintUnformatted(body)))
        goto out;
    sha256_hex(text, strlen(text), hex);
    if (fresh) {   /* --new: a key of its own, still safe to retry within this run */
        char u[37];
        util_uuid(u);
        snprintf(idem, sizeof(idem), "execq-cli-%s", u);
    } else {
        snprintf(idem, sizeof(idem), "execq-cli-%.48s", hex);
    }
    for (int attempt = 0;; attempt++) {
        if (http_request(h, "POST", "/v1/batches", text, idem, &a, errstr, sizeof(errstr)) < 0) {
            if (attempt < 3) {   /* the same key: a retry can never charge twice */
                sleep(1u << attempt);
                continue;
            }
            fprintf(stderr, "execq: %s\n", errstr);
            ret = CLI_EXIT_UNAVAILABLE;
            goto out;
        }
        if (a.status == 503 && attempt < 3) {
            sleep(a.retry_after_s > 0 && a.retry_after_s < 30 ? (unsigned)a.retry_after_s : 1u << attempt);
            http_answer_release(&a);
            continue;
        }
        break;
    }
    if (a.status != 202) {
        ret = cli_fail_answer(&a);
        goto out;
    }
    id = cJSON_GetObjectItemCaseSensitive(a.body, "batch_id");
    if (!cJSON_IsString(id)) {
        fprintf(stderr, "execq: the server's answer has no batch_id\n");
        goto out;
    }
    snprintf(c->id, sizeof(c->id), "%s", id->valuestring);
    c->first = first;
    c->size = (long)count;
    ret = 0;
out:
    http_answer_release(&a);
    cJSON_free(text);
    cJSON_Delete(body);   /* the items are references: in->jobs keeps them */
    return ret;
}

/* GET /v1/batches/{id}?offset&limit&wait into *a. Returns 0 or a CLI exit code. */
static int get_page(struct http *h, const char *id, long offset, long limit, long wait, struct http_answer *a)
{
    char path[256], errstr[512];
    long t = h->timeout_s;
    int ret;

    snprintf(path, sizeof(path), "/v1/batches/%s?offset=%ld&limit=%ld&wait=%ld", id, offset, limit, wait);
    h->timeout_s = t + wait;
    ret = http_request(h, "GET", path, NULL, NULL, a, errstr, sizeof(errstr));
    h->timeout_s = t;
    if (ret < 0) {
        fprintf(stderr, "execq: %s\n", errstr);
        return CLI_EXIT_UNAVAILABLE;
    }
    if (a->status != 200) {
        ret = cli_fail_answer(a);
        http_answer_release(a);
        return ret;
    }
    return 0;
}

static long json_long(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
}

/* Draws the progress: one redrawn line on a terminal, else a plain line.
 * The rate is of this run's progress (ran jobs since start, over elapsed). */
static void progress(int tty, long done, long ran, long total, double elapsed, int final)
{
    double rate = elapsed >= 0.5 && ran > 0 ? ran / elapsed : 0;
    char eta[32] = "--";

    if (rate > 0 && done < total) {
        long s = (long)ceil((total - done) / rate);
        snprintf(eta, sizeof(eta), "%ld:%02ld", s / 60, s % 60);
    } else if (done >= total) {
        snprintf(eta, sizeof(eta), "0:00");
    }
    if (tty) {
        int width = 30, fill = total ? (int)(width * done / total) : width;
        fprintf(stderr, "\r\033[K[");
        for (int i = 0; i < width; i++)
            fputc(i < fill ? '#' : '-', stderr);
        fprintf(stderr, "] %ld/%ld  %.1f jobs/s  ETA %s%s", done, total, rate, eta, final ? "\n" : "");
    } else {
        fprintf(stderr, "execq: %ld/%ld done, %.1f jobs/s, ETA %s\n", done, total, rate, eta);
    }
    fflush(stderr);
}

/* Waits until every chunk has completed, showing progress. Returns 0 or a CLI exit code. */
static int follow(struct http *h, struct chunk *chunks, size_t nchunks, int show)
{
    int tty = show && isatty(STDERR_FILENO);
    int64_t t0 = util_mono_ms(), last_line = 0;
    long total = 0, shown = -1, done0 = -1;

    for (size_t i = 0; i < nchunks; i++)
        total += chunks[i].size;
    for (;;) {
        long done = 0;
        size_t open = nchunks;
        for (size_t i = 0; i < nchunks; i++) {
            struct http_answer a;
            const cJSON *counts;
            int rc;
            if (chunks[i].done == chunks[i].size) {
                done += chunks[i].done;
                continue;
            }
            /* The first unfinished batch is long-polled (woken as it
             * completes); the others, and all on the first pass (the
             * count to start the rate from), are read at once. */
            rc = get_page(h, chunks[i].id, 0, 1, open == nchunks && done0 >= 0 ? 1 : 0, &a);
            if (rc)
                return rc;
            if (open == nchunks)
                open = i;
            counts = cJSON_GetObjectItemCaseSensitive(a.body, "counts");
            chunks[i].size = json_long(a.body, "size") ? json_long(a.body, "size") : chunks[i].size;
            chunks[i].done = json_long(counts, "completed");
            done += chunks[i].done;
            http_answer_release(&a);
        }
        if (done == 0 && total == 0)
            break;
        if (done0 < 0)
            done0 = done;   /* already done before this run (a resumed batch) */
        if (show && (done != shown || tty) && (tty || done == total || util_mono_ms() - last_line >= 5000)) {
            progress(tty, done, done - done0, total, (util_mono_ms() - t0) / 1000.0, done == total);
            shown = done;
            last_line = util_mono_ms();
        }
        if (done >= total)
            break;
    }
    return 0;
}

/* 1 when the stored job failed: not run, or not exit 0. */
static int job_failed(const cJSON *job)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(job, "status");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(job, "result");

    if (!cJSON_IsString(status) || strcmp(status->valuestring, "completed") != 0 || !cJSON_IsObject(r))
        return 1;
    return !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok")) ||
           cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "timed_out")) ||
           json_long(r, "exit_code") != 0;
}

/* Writes every job of every chunk, in order, one JSON object per line.
 * Sets *failed. Returns 0 or a CLI exit code. */
static int write_results(struct http *h, const struct chunk *chunks, size_t nchunks, const struct input *in,
                         FILE *out, long *failed)
{
    for (size_t i = 0; i < nchunks; i++) {
        long offset = 0;
        while (offset >= 0) {
            struct http_answer a;
            const cJSON *jobs, *next, *job;
            long k = 0;
            int rc = get_page(h, chunks[i].id, offset, 1000, 0, &a);
            if (rc)
                return rc;
            jobs = cJSON_GetObjectItemCaseSensitive(a.body, "jobs");
            cJSON_ArrayForEach(job, jobs) {
                cJSON *line = cJSON_CreateObject();
                char *text;
                size_t index = chunks[i].first + (size_t)(offset + k);
                cJSON_AddNumberToObject(line, "index", (double)index);
                if (in && index < in->n)
                    cJSON_AddStringToObject(line, "name", in->names[index]);
                cJSON_AddStringToObject(line, "batch_id", chunks[i].id);
                for (const cJSON *f = job->child; f; f = f->next)
                    if (strcmp(f->string, "batch_id") != 0)   /* once, above */
                        cJSON_AddItemToObject(line, f->string, cJSON_Duplicate(f, 1));
                *failed += job_failed(job);
                text = cJSON_PrintUnformatted(line);
                if (!text || fprintf(out, "%s\n", text) < 0) {
                    cJSON_free(text);
                    cJSON_Delete(line);
                    http_answer_release(&a);
                    fprintf(stderr, "execq: writing results: %s\n", strerror(errno));
                    return CLI_EXIT_CANTCREAT;
                }
                cJSON_free(text);
                cJSON_Delete(line);
                k++;
            }
            next = cJSON_GetObjectItemCaseSensitive(a.body, "next_offset");
            offset = cJSON_IsNumber(next) ? (long)next->valuedouble : -1;
            http_answer_release(&a);
        }
    }
    return fflush(out) == 0 ? 0 : CLI_EXIT_CANTCREAT;
}

int batch_main(struct http *h, int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"resume", required_argument, NULL, 'r'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"memory-mb", required_argument, NULL, 'm'},
                                         {"env", required_argument, NULL, 'e'},
                                         {"chunk", required_argument, NULL, 'c'},
                                         {"new", no_argument, NULL, 'n'},
                                         {"no-progress", no_argument, NULL, 'q'},
                                         {"callback-url", required_argument, NULL, 'U'},
                                         {"callback-events", required_argument, NULL, 'E'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct input in = {.jobs = cJSON_CreateArray()};
    struct chunk *chunks = NULL;
    size_t nchunks = 0;
    const char *output = NULL;
    double timeout = 0;
    long memory = 0, chunk = 1000, failed = 0;
    const char *env = NULL;
    int fresh = 0, show = 1, c, ret = CLI_EXIT_SOFTWARE;
    FILE *out = stdout;
    char *end;
    struct stat st;

    while ((c = getopt_long(argc, argv, "o:r:t:m:e:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 'e': env = optarg; break;
        case 'r': {
            struct chunk *more;
            if (!util_id_valid(optarg)) {
                fprintf(stderr, "execq batch: --resume wants a batch id\n");
                ret = CLI_EXIT_USAGE;
                goto out;
            }
            if (!(more = realloc(chunks, (nchunks + 1) * sizeof(*more))))
                goto out;
            chunks = more;
            memset(&chunks[nchunks], 0, sizeof(*chunks));
            snprintf(chunks[nchunks].id, sizeof(chunks[nchunks].id), "%s", optarg);
            chunks[nchunks++].size = -1;   /* learnt from the server */
            break;
        }
        case 't':
            timeout = strtod(optarg, &end);
            if (*end || timeout <= 0) {
                fprintf(stderr, "execq batch: --timeout wants seconds above 0\n");
                ret = CLI_EXIT_USAGE;
                goto out;
            }
            break;
        case 'm':
            memory = strtol(optarg, &end, 10);
            if (*end || memory <= 0) {
                fprintf(stderr, "execq batch: --memory-mb wants a whole number of MiB\n");
                ret = CLI_EXIT_USAGE;
                goto out;
            }
            break;
        case 'c':
            chunk = strtol(optarg, &end, 10);
            if (*end || chunk <= 0) {
                fprintf(stderr, "execq batch: --chunk wants a whole number of jobs\n");
                ret = CLI_EXIT_USAGE;
                goto out;
            }
            break;
        case 'n': fresh = 1; break;
        case 'q': show = 0; break;
        case 'U': in.callback_url = optarg; break;
        case 'E': in.callback_events = optarg; break;
        case 'h': fputs(batch_usage, stdout); ret = 0; goto out;
        default: fputs(batch_usage, stderr); ret = CLI_EXIT_USAGE; goto out;
        }
    }
    if ((nchunks == 0) != (argc - optind == 1) || argc - optind > 1) {
        fputs(batch_usage, stderr);
        ret = CLI_EXIT_USAGE;
        goto out;
    }
    if (nchunks == 0) {
        const char *src = argv[optind];
        ret = stat(src, &st) == 0 && S_ISDIR(st.st_mode) ? read_dir(&in, src) : read_jsonl(&in, src, timeout, memory);
        if (ret)
            goto out;
        for (size_t k = 0; env && k < in.n; k++) {
            cJSON *job = cJSON_GetArrayItem(in.jobs, (int)k);
            if (cJSON_IsObject(job) && !cJSON_GetObjectItemCaseSensitive(job, "env"))
                cJSON_AddStringToObject(job, "env", env);
        }
        ret = CLI_EXIT_SOFTWARE;
        /* Chunks of at most `chunk` jobs and BATCH_MAX_BODY bytes. */
        for (size_t first = 0; first < in.n;) {
            size_t count = 0, bytes = 16;
            struct chunk *more;
            while (first + count < in.n && (long)count < chunk) {
                char *t = cJSON_PrintUnformatted(cJSON_GetArrayItem(in.jobs, (int)(first + count)));
                size_t n = t ? strlen(t) + 1 : 0;
                cJSON_free(t);
                if (count > 0 && (long)(bytes + n) > BATCH_MAX_BODY)
                    break;
                bytes += n;
                count++;
            }
            if (!(more = realloc(chunks, (nchunks + 1) * sizeof(*more))))
                goto out;
            chunks = more;
            memset(&chunks[nchunks], 0, sizeof(*chunks));
            if ((ret = submit(h, &in, first, count, fresh, &chunks[nchunks])) != 0)
                goto out;   /* earlier chunks stay submitted: their ids are printed */
            fprintf(stderr, "execq: batch %s: jobs %zu-%zu of %zu (resume with --resume %s)\n", chunks[nchunks].id,
                    first + 1, first + count, in.n, chunks[nchunks].id);
            nchunks++;
            first += count;
        }
    } else {
        size_t first = 0;
        for (size_t i = 0; i < nchunks; i++) {   /* sizes, so the bar knows its total */
            struct http_answer a;
            if ((ret = get_page(h, chunks[i].id, 0, 1, 0, &a)) != 0)
                goto out;
            chunks[i].size = json_long(a.body, "size");
            chunks[i].first = first;
            first += (size_t)chunks[i].size;
            http_answer_release(&a);
        }
    }
    if ((ret = follow(h, chunks, nchunks, show)) != 0)
        goto out;
    if (output && !(out = fopen(output, "we"))) {
        fprintf(stderr, "execq: %s: %s\n", output, strerror(errno));
        out = stdout;
        ret = CLI_EXIT_CANTCREAT;
        goto out;
    }
    if ((ret = write_results(h, chunks, nchunks, in.n ? &in : NULL, out, &failed)) != 0)
        goto out;
    if (failed)
        fprintf(stderr, "execq: %ld job(s) did not exit 0\n", failed);
    ret = failed ? CLI_EXIT_JOBS_FAILED : 0;
out:
    if (out != stdout && fclose(out) != 0 && ret == 0) {
        fprintf(stderr, "execq: %s: %s\n", output, strerror(errno));
        ret = CLI_EXIT_CANTCREAT;
    }
    free(chunks);
    input_release(&in);
    return ret;
}
