/* files: the client's side of input files and of returned files and
 * figures (docs/api.md, "Files and figures"). */
#ifndef EXECQ_CLI_FILES_H
#define EXECQ_CLI_FILES_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Adds {"name", "content" (base64), "encoding": "base64"} for the local file
 * spec "PATH" (named by its base name) or "PATH=NAME" to the array files.
 * Returns 0, or -1 with the reason in errstr. */
int files_add_input(cJSON *files, const char *spec, char *errstr, size_t errstr_size);

/* Writes a result's files (by their names, below dir) and images
 * (image-1.png, ...) into dir, which is created if missing. Names are
 * checked again (job_file_name_ok) and every path is opened relative to
 * dir without following a link, so an answer can never write outside it.
 * Prints one line per file written to stderr. Returns the number written,
 * or -1 with the reason in errstr. */
int files_save_outputs(const cJSON *result, const char *dir, char *errstr, size_t errstr_size);

#endif
