/* libFuzzer target: the result codec (common/job.c), as the API and data
 * pipelines read the results topic. Whatever parses must encode for Kafka
 * and for HTTP, and the Kafka encoding must parse back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct result r, s;
    char err[256], *json, *http;

    if (result_from_json(&r, (const char *)data, size, err, sizeof(err)) < 0)
        return 0;
    json = result_to_json(&r);
    http = result_to_http_json(&r);
    if (!json || !http || result_from_json(&s, json, strlen(json), err, sizeof(err)) < 0)
        abort();
    if (strcmp(r.id, s.id) != 0 || r.exit_code != s.exit_code || r.status != s.status || r.nfiles != s.nfiles ||
        r.nimages != s.nimages || r.files_truncated != s.files_truncated)
        abort();
    for (int i = 0; i < r.nfiles; i++)
        if (strcmp(r.files[i].name, s.files[i].name) != 0 || r.files[i].len != s.files[i].len)
            abort();
    result_release(&s);
    result_release(&r);
    free(json);
    free(http);
    return 0;
}
