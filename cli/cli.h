/* cli: what the command-line client's commands share: exit codes, error
 * lines, reading files. */
#ifndef EXECQ_CLI_H
#define EXECQ_CLI_H

#include <stddef.h>

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

#endif
