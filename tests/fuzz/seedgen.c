/*
 * seedgen.c - writes one small archive for make-seeds.sh with libarchive's
 * writers, so the seed corpus covers every format libarchive can write
 * without extra tools. Not part of the build.
 *
 *   seedgen OUT FORMAT FILTERS OPTIONS PASSPHRASE NAME=SRC...
 * FORMAT is a libarchive format name (ustar, pax, gnutar, v7tar, cpio, newc,
 * odc, ar, arbsd, zip, 7zip, iso9660, xar, shar, mtree, warc, raw);
 * FILTERS a comma list of filter names or "none"; OPTIONS an
 * archive_write_set_options string or "-"; PASSPHRASE or "-". A SRC of
 * "dir" makes a directory entry, "link:TARGET" a symlink.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int die(struct archive *a, const char *what) {
    fprintf(stderr, "seedgen: %s: %s\n", what, a ? archive_error_string(a) : "");
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: seedgen OUT FORMAT FILTERS OPTIONS PASSPHRASE NAME=SRC...\n");
        return 2;
    }
    struct archive *a = archive_write_new();
    if (archive_write_set_format_by_name(a, argv[2]) != ARCHIVE_OK)
        return die(a, argv[2]);
    if (strcmp(argv[3], "none")) {
        char *fl = strdup(argv[3]), *save = NULL;
        for (char *t = strtok_r(fl, ",", &save); t; t = strtok_r(NULL, ",", &save))
            if (archive_write_add_filter_by_name(a, t) != ARCHIVE_OK)
                return die(a, t);
        free(fl);
    }
    if (strcmp(argv[4], "-") && archive_write_set_options(a, argv[4]) != ARCHIVE_OK)
        return die(a, argv[4]);
    if (strcmp(argv[5], "-") && archive_write_set_passphrase(a, argv[5]) != ARCHIVE_OK)
        return die(a, "passphrase");
    if (archive_write_open_filename(a, argv[1]) != ARCHIVE_OK)
        return die(a, argv[1]);
    for (int i = 6; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            return die(NULL, argv[i]);
        *eq = '\0';
        const char *name = argv[i], *src = eq + 1;
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name);
        archive_entry_set_mtime(e, 1700000000, 0);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        char *data = NULL;
        size_t len = 0;
        if (!strcmp(src, "dir")) {
            archive_entry_set_filetype(e, AE_IFDIR);
            archive_entry_set_perm(e, 0755);
        } else if (!strncmp(src, "link:", 5)) {
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_perm(e, 0777);
            archive_entry_set_symlink(e, src + 5);
        } else {
            if (!(data = slurp(src, &len)))
                return die(NULL, src);
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_size(e, (la_int64_t)len);
        }
        if (archive_write_header(a, e) != ARCHIVE_OK)
            return die(a, name);
        if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
            return die(a, name);
        free(data);
        archive_entry_free(e);
    }
    if (archive_write_close(a) != ARCHIVE_OK)
        return die(a, "close");
    archive_write_free(a);
    return 0;
}
