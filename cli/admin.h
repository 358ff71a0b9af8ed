/* admin: `execq admin ...` (the operator's commands, over the admin API)
 * and `execq rotate-key` (a user's own key, stored again where signup put it). */
#ifndef EXECQ_CLI_ADMIN_H
#define EXECQ_CLI_ADMIN_H

#include "http.h"

/* argv[0] is "admin" / "rotate-key". Each returns the process exit code (cli.h). */
int admin_main(struct http *h, int argc, char **argv);
int admin_rotate_main(struct http *h, int argc, char **argv);

#endif
