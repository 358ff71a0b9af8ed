/* outfiles: what a job hands back besides its output streams: the files it
 * left in /tmp/out (scratch jobs), read through the descriptor init handed
 * over, once every process of the job is dead; and the figures it sent on
 * its display pipe (launcher_proto.h's display protocol). The host side follows no link,
 * opens nothing but regular files and directories of that one tmpfs, and
 * reads at most what the caps allow. */
#ifndef EXECQ_OUTFILES_H
#define EXECQ_OUTFILES_H

#include <stddef.h>

#include "job.h"

/* Reads the regular files under out/ of the scratch tmpfs whose root is
 * tmp (an O_PATH descriptor), into a malloc'd array of *n files named by
 * their path below out/ (sorted, subdirectories to 8 levels). Keeps at most
 * JOB_MAX_FILES files and max_bytes of data together; *truncated is set when
 * anything was left out (over a cap, a name job_file_name_ok refuses, or
 * more than 10,000 entries). Symlinks, FIFOs, sockets and devices are
 * skipped, never opened. Returns 0 (no out/: no files), or -1 with errno. */
int outf_collect(int tmp, size_t max_bytes, struct job_file **files, int *n, int *truncated);

/* Parses a display stream (len bytes; stream_truncated if its pipe's cap
 * cut it) into a malloc'd array of images (name = MIME type). A record cut
 * short or malformed ends the parse and sets *truncated. Returns 0, or -1
 * when out of memory. */
int outf_images(const char *p, size_t len, int stream_truncated, struct job_file **images, int *n, int *truncated);

#endif
