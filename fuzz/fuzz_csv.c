/* libFuzzer target for src/io/csv.c.
 *
 * Each input is written to a memfd (a temp file where memfd_create is
 * missing) and read through ge_csv_open / ge_csv_next twice: with delimiter
 * detection and with a fixed delimiter picked by the input's first byte.
 * Every field goes through ge_csv_number and ge_csv_is_missing. Fields are
 * touched in full so that ASan sees any bad length or terminator.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude fuzz/fuzz_csv.c \
 *         src/io/csv.c src/core/error.c -lcsv -o build/fuzz_csv
 *   build/fuzz_csv -max_len=4096 fuzz/corpus/csv */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "geoembed/csv.h"

static int make_fd(void)
{
#ifdef MFD_CLOEXEC
    int fd = memfd_create("fuzz_csv", MFD_CLOEXEC);
    if (fd >= 0)
        return fd;
#endif
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/fuzz_csv-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd2 = mkstemp(path);
    if (fd2 >= 0)
        unlink(path);
    return fd2;
}

static void read_all(const char *path, char delim)
{
    ge_csv_opts o = {delim};
    ge_error err = {{0}};
    ge_csv *c = ge_csv_open(path, &o, &err);
    if (!c) {
        if (err.msg[0] == '\0' || strlen(err.msg) >= sizeof err.msg)
            abort();
        return;
    }
    int nc = ge_csv_ncols(c);
    if (nc < 1)
        abort();
    for (int i = 0; i < nc; i++)
        if (!ge_csv_colname(c, i))
            abort();
    if (ge_csv_find(c, ge_csv_colname(c, nc - 1)) < 0)
        abort();
    volatile size_t sink = 0;
    char *const *f;
    long line, prev = 0;
    int r;
    while ((r = ge_csv_next(c, &f, &line, &err)) == 1) {
        if (line <= prev)
            abort(); /* rows start on increasing lines */
        prev = line;
        for (int i = 0; i < nc; i++) {
            double v;
            sink += strlen(f[i]);
            if (ge_csv_number(f[i], &v) == 0)
                sink += v == v;
            sink += (size_t)ge_csv_is_missing(f[i]);
        }
    }
    if (r < 0 && err.msg[0] == '\0')
        abort();
    (void)sink;
    ge_csv_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = make_fd();
    if (fd < 0)
        return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return 0;
        }
        off += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    read_all(path, 0);
    static const char delims[] = {',', '\t', ';', ' ', '|'};
    read_all(path, delims[size ? data[0] % sizeof delims : 0]);
    close(fd);
    return 0;
}
