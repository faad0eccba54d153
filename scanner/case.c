/*
 * case.c - the evidence directory and report verification (see case.h).
 */
#include "case.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hashes.h"
#include "minerscan.h"
#include "report.h"

static const char *report_file(const char *format) {
    if (!strcmp(format, "text"))
        return "report.txt";
    if (!strcmp(format, "sarif"))
        return "report.sarif";
    return "report.jsonl";
}

static bool dir_empty(int fd) {
    int d = dup(fd);
    DIR *dp = d >= 0 ? fdopendir(d) : NULL;
    struct dirent *de;
    bool empty = dp != NULL;
    if (!dp && d >= 0)
        close(d);
    while (dp && (de = readdir(dp)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            empty = false;
            break;
        }
    if (dp)
        closedir(dp);
    return empty;
}

static FILE *create(ms_case *c, const char *name, char *err, size_t cap) {
    int fd = openat(c->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w+") : NULL;
    if (!f) {
        snprintf(err, cap, "--case %s: %s: %s", c->dir, name, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    return f;
}

static void close_all(ms_case *c) {
    FILE **fs[] = {&c->report, &c->log, &c->sums, &c->exe};
    for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
        if (*fs[i]) {
            fclose(*fs[i]);
            *fs[i] = NULL;
        }
    if (c->dirfd >= 0)
        close(c->dirfd);
    c->dirfd = -1;
}

int ms_case_open(ms_case *c, const char *dir, const char *format, char *err, size_t err_cap) {
    struct stat st;
    *c = (ms_case){.dir = dir, .dirfd = -1, .report_name = report_file(format)};
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_cap, "--case %s: %s", dir, strerror(errno));
        return -errno;
    }
    c->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (c->dirfd < 0 || fstat(c->dirfd, &st) != 0) {
        snprintf(err, err_cap, "--case %s: %s", dir, strerror(errno));
        close_all(c);
        return -EINVAL;
    }
    if (!dir_empty(c->dirfd)) {
        snprintf(err, err_cap, "--case %s: the directory is not empty; a case directory is never overwritten", dir);
        close_all(c);
        return -EEXIST;
    }
    c->dev = st.st_dev;
    c->ino = st.st_ino;
    if (!(c->report = create(c, c->report_name, err, err_cap)) || !(c->exe = create(c, "scanner.sha256", err, err_cap)) ||
        !(c->log = create(c, "log.txt", err, err_cap)) || !(c->sums = create(c, "SHA256SUMS", err, err_cap))) {
        close_all(c);
        return -EIO;
    }
    return 0;
}

void ms_case_start(ms_case *c, const ms_runinfo *ri) {
    char t[32], line[512];
    if (*ri->exe_sha256)
        fprintf(c->exe, "%s  %s\n", ri->exe_sha256, ri->exe);
    else
        fprintf(c->exe, "# %s: could not be read\n", *ri->exe ? ri->exe : "/proc/self/exe");
    ms_utc_text(&ri->start, t);
    char *cmd = ms_runinfo_command(ri);
    snprintf(line, sizeof(line), "start: minerscan %s, pid %ld, uid %ld, host %s", MS_VERSION, ri->pid, ri->uid,
             ri->hostname);
    fprintf(c->log, "%s %s\n", t, line);
    fprintf(c->log, "%s command: ", t);
    ms_text_sanitize(c->log, cmd, strlen(cmd));
    fputc('\n', c->log);
    free(cmd);
}

void ms_case_log(ms_case *c, const char *msg) {
    struct timespec now;
    char t[32];
    size_t n = strlen(msg);
    clock_gettime(CLOCK_REALTIME, &now);
    ms_utc_text(&now, t);
    while (n && msg[n - 1] == '\n')
        n--;
    fprintf(c->log, "%s ", t);
    ms_text_sanitize(c->log, msg, n);
    fputc('\n', c->log);
}

static int sum_line(FILE *sums, FILE *f, const char *name) {
    char hex[65];
    if (fflush(f) != 0 || ferror(f))
        return -EIO;
    rewind(f);
    int r = ms_sha256_stream(f, hex);
    if (r < 0)
        return r;
    fprintf(sums, "%s  %s\n", hex, name);
    return 0;
}

int ms_case_close(ms_case *c, int exit_status) {
    char msg[64];
    int r = 0;
    snprintf(msg, sizeof(msg), "end: exit status %d", exit_status);
    ms_case_log(c, msg);
    if (sum_line(c->sums, c->report, c->report_name) < 0 || sum_line(c->sums, c->exe, "scanner.sha256") < 0 ||
        sum_line(c->sums, c->log, "log.txt") < 0)
        r = -EIO;
    FILE **fs[] = {&c->report, &c->exe, &c->log, &c->sums};
    for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
        FILE *f = *fs[i];
        if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
            r = -EIO;
        if (fclose(f) != 0)
            r = -EIO;
        *fs[i] = NULL;
    }
    if (fsync(c->dirfd) != 0)
        r = -EIO;
    close(c->dirfd);
    c->dirfd = -1;
    return r;
}

/* ---- --verify-report ---- */

/* Map a file read-only; *ret_n its size. NULL with errno. An empty file
 * maps to a static empty buffer. */
static const uint8_t *map_at(int dirfd, const char *name, size_t *ret_n) {
    static const uint8_t empty[1];
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = errno ? errno : EINVAL;
        return NULL;
    }
    *ret_n = (size_t)st.st_size;
    if (st.st_size == 0) {
        close(fd);
        return empty;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

static void unmap(const uint8_t *p, size_t n) {
    if (p && n)
        munmap((void *)p, n);
}

static int verify_file(int dirfd, const char *name, const char *shown, FILE *out) {
    size_t n = 0;
    const uint8_t *d = map_at(dirfd, name, &n);
    if (!d) {
        fprintf(out, "%s: cannot be read: %s\n", shown, strerror(errno));
        return 2;
    }
    ms_seal s;
    ms_seal_state st = ms_seal_check(d, n, &s);
    unmap(d, n);
    switch (st) {
    case MS_SEAL_INTACT:
        fprintf(out, "%s: intact: %s report, sha256 %s over its first %llu of %zu bytes\n", shown, s.format,
                s.got, (unsigned long long)s.sealed, n);
        return 0;
    case MS_SEAL_CHANGED:
        fprintf(out, "%s: CHANGED: the %s report's seal says sha256 %s, its first %llu bytes hash to %s\n", shown,
                s.format, s.want, (unsigned long long)s.sealed, s.got);
        return 1;
    default:
        fprintf(out, "%s: no seal: not a report minerscan wrote, or one cut short before its end\n", shown);
        return 2;
    }
}

/* A case directory: every SHA256SUMS line, then the report's seal. */
static int verify_case(int dirfd, const char *dir, FILE *out) {
    int worst = 0, checked = 0;
    size_t n = 0;
    const uint8_t *d = map_at(dirfd, "SHA256SUMS", &n);
    if (!d) {
        fprintf(out, "%s/SHA256SUMS: cannot be read: %s\n", dir, strerror(errno));
        return 2;
    }
    char *text = strndup((const char *)d, n);
    unmap(d, n);
    if (!text)
        return 2;
    const char *report = NULL;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *name = strstr(line, "  ");
        if (!name || name - line != 64) {
            fprintf(out, "%s/SHA256SUMS: a line that is not HEX  NAME\n", dir);
            worst = worst > 2 ? worst : 2;
            continue;
        }
        *name = '\0';
        name += 2;
        char got[65];
        int fd = strchr(name, '/') ? -1 : openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
        if (!f) {
            fprintf(out, "%s/%s: cannot be read: %s\n", dir, name, fd < 0 && strchr(name, '/') ? "not in the case directory" : strerror(errno));
            if (fd >= 0)
                close(fd);
            worst = worst > 1 ? worst : 1;
            continue;
        }
        int r = ms_sha256_stream(f, got);
        fclose(f);
        checked++;
        if (r == 0 && !strcmp(got, line)) {
            fprintf(out, "%s/%s: matches SHA256SUMS\n", dir, name);
        } else {
            fprintf(out, "%s/%s: CHANGED: SHA256SUMS says %s, the file hashes to %s\n", dir, name, line,
                    r == 0 ? got : "(unreadable)");
            worst = worst > 1 ? worst : 1;
        }
        if (!strncmp(name, "report.", 7))
            report = name;
    }
    if (report) {
        char shown[4200];
        snprintf(shown, sizeof(shown), "%s/%s", dir, report);
        int k = verify_file(dirfd, report, shown, out);
        worst = k > worst ? k : worst;
    } else {
        fprintf(out, "%s: SHA256SUMS names no report\n", dir);
        worst = worst > 2 ? worst : 2;
    }
    free(text);
    return checked ? worst : 2;
}

int ms_verify_report(const char *path, FILE *out) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(out, "%s: cannot be read: %s\n", path, strerror(errno));
        return 2;
    }
    if (S_ISDIR(st.st_mode)) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            fprintf(out, "%s: cannot be read: %s\n", path, strerror(errno));
            return 2;
        }
        int r = verify_case(fd, path, out);
        close(fd);
        return r;
    }
    return verify_file(AT_FDCWD, path, path, out);
}
