/* walker.c - STUB, being written (issue 2 walker). Handles a root that is a
 * regular file only. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "minerscan.h"
#include "walker.h"

const char *ms_pseudo_fs_name(long f_type) {
    (void)f_type;
    return NULL;
}

int ms_walk(const char *root, const ms_walk_options *o, ms_walk_fn fn, void *ud) {
    (void)o;
    struct stat st;
    ms_walk_entry e = {.path = root, .path_len = strlen(root), .fd = -1};
    int fd = open(root, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) < 0) {
        e.kind = MS_WALK_ERROR;
        e.error = -errno;
        e.reason = strerror(errno);
        if (fd >= 0)
            close(fd);
        return fn(ud, &e) < 0 ? -1 : 0;
    }
    e.kind = MS_WALK_FILE;
    e.fd = fd;
    e.st = &st;
    int r = fn(ud, &e);
    return r < 0 ? r : 0;
}
