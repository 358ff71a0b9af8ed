/* batch: `execq batch`, many jobs from a JSONL file or a directory of .py
 * files: submitted as server batches (chunks of at most --chunk jobs, each
 * with an Idempotency-Key derived from its content, so running the same
 * command again within the server's idempotency TTL follows the same
 * batches instead of paying twice), followed with a progress bar, written
 * as one JSON result per line in input order. */
#ifndef EXECQ_BATCH_H
#define EXECQ_BATCH_H

#include "http.h"

/* argv[0] is "batch". Returns the process exit code (cli.h). */
int batch_main(struct http *h, int argc, char **argv);

#endif
