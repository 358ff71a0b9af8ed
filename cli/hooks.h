/* hooks: `execq hooks ...`, the account's webhooks (docs/webhooks.md): its
 * default URL and signing secret, the deliveries (a job's, the dead
 * letters) and a replay. */
#ifndef EXECQ_CLI_HOOKS_H
#define EXECQ_CLI_HOOKS_H

#include "http.h"

/* argv[0] is "hooks". Returns the process exit code (cli.h). */
int hooks_main(struct http *h, int argc, char **argv);

#endif
