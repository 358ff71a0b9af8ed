/* libFuzzer target: the configuration parser (common/cfg.c) with argv
 * taken from the input (NUL-separated words), for both programs. It must
 * accept or refuse with a reason, never crash; what it accepts is within
 * the table's bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), *argv[65], err[300];
    int argc = 1;
    struct cfg c;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    argv[0] = "fuzz";
    for (size_t i = 0; i < size && argc < 64;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    for (unsigned mask = CFG_API; mask <= CFG_EXEC; mask <<= 1) {
        err[0] = '\0';
        int rc = cfg_load(&c, mask, argc, argv, err, sizeof(err));
        if (rc < 0 && !err[0])
            abort();   /* a refusal always says why */
        if (rc == 0 && (c.port < 1 || c.port > 65535 || c.memory_mb > c.max_memory_mb))
            abort();
    }
    free(buf);
    return 0;
}
