/* cli: what the command-line client's commands share: exit codes, error
 * lines, reading files. */
#ifndef EXECQ_CLI_H
#define EXECQ_CLI_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "http.h"

/* sysexits.h values, so scripts can tell our failures from each other and
 * from a job's own exit code (docs/execq.1). */
enum {
    CLI_EXIT_JOBS_FAILED = 1,   /* batch: at least one job did not exit 0 */
    CLI_EXIT_USAGE = 64,        /* bad command line */
    CLI_EXIT_DATAERR = 65,      /* bad input, refused by us or by the server (400, 413, 422) */
    CLI_EXIT_NOINPUT = 66,      /* an input file cannot be read */
    CLI_EXIT_UNAVAILABLE = 69,  /* no answer, 429 or 5xx: try again later */
    CLI_EXIT_SOFTWARE = 70,     /* the server answered something unexpected */
    CLI_EXIT_CANTCREAT = 73,    /* cannot write the credentials or the output */
    CLI_EXIT_NOPERM = 77,       /* 401, 402, 403: the key or the credits */
};

/* Prints a's error as one line on stderr; returns the exit code for it. */
int cli_fail_answer(const struct http_answer *a);

/* Returns a malloc'd, NUL-terminated copy of the file at path ("-" is
 * stdin), its length in *len (may be NULL); NULL with errno on failure. */
char *cli_slurp(const char *path, size_t *len);

/* A result's stdout or stderr (name) written to f, its exact bytes (from
 * the _base64 field when the server sent one), from byte from on. */
void cli_write_stream(FILE *f, const cJSON *result, const char *name, size_t from);

/* A streamed run (docs/api.md, Streaming) as it prints: http_stream's
 * on_event with a struct cli_live as ctx. Each stream's bytes are written
 * as they come, while they follow one another; after a gap (chunks the
 * API dropped) or a restart of the job the rest of that stream comes from
 * the result (cli_write_stream from pos). */
struct cli_live {
    size_t pos[2];       /* bytes of stdout, stderr written */
    int gap[2];          /* the rest of that stream is written from the result */
    char last[16];       /* the last event: result or error once it ended */
};
int cli_on_live_event(void *ctx, const char *event, const char *data);

/* A finished job's exit code for the shell, like timeout(1) and sh: its
 * own, 124 on timeout, 128+N when killed by signal N. */
int cli_job_exit(const cJSON *result);

/* j, indented, and a newline. */
void cli_print_json(FILE *f, const cJSON *j);

#endif
