/* spec: a job as a caller asks for it, from a request body: code,
 * timeout, stdin or stdin_b64, memory_mb. Checks every field and fills a
 * struct job; used by submit.c for each job of a request, and by the
 * fuzzer (tests/fuzz). */
#ifndef EXECQ_SPEC_H
#define EXECQ_SPEC_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "cfg.h"
#include "job.h"

/* Why a body or a job was refused: HTTP status, error code, message. */
struct spec_err {
    unsigned status;
    const char *code;      /* a static string */
    char msg[200];
};

/* Where the first NUL of a JSON text is (raw, or a \u0000 escape: cJSON
 * strings are C strings, and would be cut there): 0 none; 1 in a string
 * value, with the key last seen before it in key (or "" if none); 2 in a
 * key; 3 raw, outside any string. */
int spec_nul_where(const char *p, size_t n, char *key, size_t key_size);

/* Checks a whole body before it is parsed: no NUL, valid UTF-8. Returns 0,
 * or -1 with e filled (400). */
int spec_body_check(const char *body, size_t len, struct spec_err *e);

/* An "env" value v (NULL or null: none) into env ("" for the default).
 * Returns 0, or -1 with e filled (400 invalid_env). */
int spec_env(const cJSON *v, char env[JOB_ENV_MAX], struct spec_err *e);

/* Reads one job object o into j (code, timeout_ms, stdin, memory_mb; the
 * caller's job_init'd j owns what is set). Returns 0, or -1 with e filled
 * (400 or 413). */
int spec_parse(const struct cfg *c, const cJSON *o, struct job *j, struct spec_err *e);

#endif
