/* libFuzzer target: the job codec (common/job.c), as an executor reads a
 * message from the jobs topic. Whatever parses must encode, and the
 * encoding must parse back to the same job. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct job j, k;
    char err[256], *json;

    if (job_from_json(&j, (const char *)data, size, err, sizeof(err)) < 0)
        return 0;
    json = job_to_json(&j);
    if (!json || job_from_json(&k, json, strlen(json), err, sizeof(err)) < 0)
        abort();   /* what we wrote we must read */
    if (strcmp(j.id, k.id) != 0 || strcmp(j.code, k.code) != 0 || j.timeout_ms != k.timeout_ms ||
        j.stdin_len != k.stdin_len || (j.stdin_len && memcmp(j.stdin_data, k.stdin_data, j.stdin_len) != 0) ||
        j.scratch_mb != k.scratch_mb || j.nfiles != k.nfiles)
        abort();
    for (int i = 0; i < j.nfiles; i++)
        if (!job_file_name_ok(j.files[i].name) || strcmp(j.files[i].name, k.files[i].name) != 0 ||
            j.files[i].len != k.files[i].len || (j.files[i].len && memcmp(j.files[i].data, k.files[i].data, j.files[i].len)))
            abort();   /* every name an executor accepts is a safe one */
    job_release(&k);
    job_release(&j);
    free(json);
    return 0;
}
