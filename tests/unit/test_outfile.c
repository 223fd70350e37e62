/* Unit tests of src/io/outfile.c: where an output goes (symbolic links,
 * standard output), outputs over inputs, the mode of a replaced file, short
 * temporary names, the staged directory of GDAL writers (sidecars, stale
 * .aux.xml, streams) and the sweep of temporaries of dead processes. Each test
 * works in its own directory under $TMPDIR (or /tmp), removed by fini. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "geoembed/outfile.h"

/* ------------------------------------------------------------ helpers */

static char dir[512];

static void make_dir(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/geoembed-ut-outfile.XXXXXX", t && *t ? t : "/tmp");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (unlink(p) != 0 && errno == EISDIR)
            rmdir(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

TestSuite(outfile, .init = make_dir, .fini = remove_dir);

static const char *in_dir(const char *name)
{
    static char p[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void put(const char *name, const char *text)
{
    FILE *f = fopen(in_dir(name), "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static char *get(const char *name)
{
    static char buf[256];
    FILE *f = fopen(in_dir(name), "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* Entries of the test directory (besides . and ..). */
static int entries(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static void write_text(const char *path, const char *text)
{
    ge_outfile o;
    ge_error err;
    cr_assert_eq(ge_outfile_open(&o, path, &err), 0, "%s", err.msg);
    fputs(text, o.f);
    cr_assert_eq(ge_outfile_commit(&o, &err), 0, "%s", err.msg);
}

/* ------------------------------------------------------------ tests */

Test(outfile, writes_and_leaves_no_temporary)
{
    write_text(in_dir("a.txt"), "new\n");
    cr_assert_str_eq(get("a.txt"), "new\n");
    cr_assert_eq(entries(), 1);
}

Test(outfile, abort_keeps_the_old_file)
{
    put("a.txt", "old\n");
    ge_outfile o;
    ge_error err;
    cr_assert_eq(ge_outfile_open(&o, in_dir("a.txt"), &err), 0);
    fputs("half", o.f);
    ge_outfile_abort(&o);
    cr_assert_str_eq(get("a.txt"), "old\n");
    cr_assert_eq(entries(), 1);
}

Test(outfile, symbolic_link_writes_its_target)
{
    put("target.txt", "old\n");
    cr_assert_eq(symlink("target.txt", in_dir("link.txt")), 0);
    write_text(in_dir("link.txt"), "new\n");
    struct stat st;
    cr_assert_eq(lstat(in_dir("link.txt"), &st), 0);
    cr_assert(S_ISLNK(st.st_mode), "the link was replaced");
    cr_assert_str_eq(get("target.txt"), "new\n");
    /* a dangling link creates its target */
    cr_assert_eq(symlink("made.txt", in_dir("dangling.txt")), 0);
    write_text(in_dir("dangling.txt"), "made\n");
    cr_assert_str_eq(get("made.txt"), "made\n");
}

Test(outfile, link_to_dev_stdout_is_never_replaced)
{
    cr_assert_eq(symlink("/dev/stdout", in_dir("so")), 0);
    ge_outfile o;
    ge_error err;
    cr_assert_eq(ge_outfile_open(&o, in_dir("so"), &err), 0, "%s", err.msg);
    cr_assert_null(o.tmp, "a stream got a temporary name");
    cr_assert_eq(ge_outfile_commit(&o, &err), 0, "%s", err.msg);
    struct stat st;
    cr_assert_eq(lstat(in_dir("so"), &st), 0);
    cr_assert(S_ISLNK(st.st_mode));
}

Test(outfile, keeps_the_mode_of_the_file_replaced)
{
    put("a.txt", "old\n");
    chmod(in_dir("a.txt"), 0600);
    write_text(in_dir("a.txt"), "new\n");
    struct stat st;
    cr_assert_eq(stat(in_dir("a.txt"), &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", (unsigned)(st.st_mode & 07777));
}

Test(outfile, names_of_255_bytes)
{
    char name[256];
    memset(name, 'n', 255);
    name[255] = 0;
    write_text(in_dir(name), "long\n");
    cr_assert_str_eq(get(name), "long\n");
}

Test(outfile, output_is_input)
{
    ge_error err;
    put("in.csv", "x\n");
    cr_assert_eq(ge_output_is_input(in_dir("in.csv"), in_dir("in.csv"), &err), -1);
    cr_assert(strstr(err.msg, "is the input"), "%s", err.msg);
    cr_assert_eq(symlink("in.csv", in_dir("alias.csv")), 0);
    cr_assert_eq(ge_output_is_input(in_dir("alias.csv"), in_dir("in.csv"), &err), -1);
    cr_assert_eq(link(in_dir("in.csv"), in_dir("hard.csv")), 0);
    cr_assert_eq(ge_output_is_input(in_dir("hard.csv"), in_dir("in.csv"), &err), -1);
    put("other.csv", "x\n");
    cr_assert_eq(ge_output_is_input(in_dir("other.csv"), in_dir("in.csv"), &err), 0);
    cr_assert_eq(ge_output_is_input(in_dir("new.csv"), in_dir("in.csv"), &err), 0);
    cr_assert_eq(ge_output_is_input("-", in_dir("in.csv"), &err), 0);
    cr_assert_eq(ge_output_is_input(in_dir("in.csv"), NULL, &err), 0);
}

Test(outfile, staged_moves_sidecars_and_drops_stale_aux_xml)
{
    put("r.img", "old\n");
    put("r.img.aux.xml", "stale\n");
    put("r.img.ovr", "stale\n");
    chmod(in_dir("r.img"), 0640);
    ge_staged s;
    ge_error err;
    cr_assert_eq(ge_staged_open(&s, in_dir("r.img"), &err), 0, "%s", err.msg);
    cr_assert_eq(s.stream, 0);
    char side[1100];
    snprintf(side, sizeof side, "%s/r.hdr", s.dir);
    FILE *f = fopen(s.target, "w"), *h = fopen(side, "w");
    cr_assert(f && h);
    fputs("new\n", f);
    fputs("header\n", h);
    fclose(f);
    fclose(h);
    cr_assert_eq(ge_staged_commit(&s, &err), 0, "%s", err.msg);
    cr_assert_str_eq(get("r.img"), "new\n");
    cr_assert_str_eq(get("r.hdr"), "header\n");
    cr_assert_null(get("r.img.aux.xml"), "stale .aux.xml kept");
    cr_assert_null(get("r.img.ovr"), "stale .ovr kept");
    struct stat st;
    cr_assert_eq(stat(in_dir("r.img"), &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0640);
    cr_assert_eq(entries(), 2, "left: %d entries", entries());
}

Test(outfile, staged_abort_removes_everything)
{
    ge_staged s;
    ge_error err;
    cr_assert_eq(ge_staged_open(&s, in_dir("r.tif"), &err), 0, "%s", err.msg);
    FILE *f = fopen(s.target, "w");
    cr_assert_not_null(f);
    fclose(f);
    ge_staged_abort(&s);
    cr_assert_eq(entries(), 0);
}

Test(outfile, staged_stream_refuses_several_files)
{
    setenv("TMPDIR", dir, 1);
    ge_staged s;
    ge_error err;
    cr_assert_eq(ge_staged_open(&s, "/dev/null", &err), 0, "%s", err.msg);
    cr_assert_eq(s.stream, 1);
    char side[1100];
    snprintf(side, sizeof side, "%s.hdr", s.target);
    FILE *f = fopen(s.target, "w"), *h = fopen(side, "w");
    cr_assert(f && h);
    fclose(f);
    fclose(h);
    cr_assert_eq(ge_staged_commit(&s, &err), -1);
    cr_assert(strstr(err.msg, "cannot stream this format"), "%s", err.msg);
    cr_assert_eq(entries(), 0);
}

Test(outfile, sweeps_temporaries_of_dead_processes)
{
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    char dead[64], live[64];
    snprintf(dead, sizeof dead, ".geoembed.tmp.%ld.abcdef", (long)child);
    snprintf(live, sizeof live, ".geoembed.tmp.%ld.abcdef", (long)getppid());
    put(dead, "left by a kill\n");
    put(live, "still being written\n");
    write_text(in_dir("a.txt"), "new\n");
    cr_assert_null(get(dead), "the dead process's temporary was kept");
    cr_assert_not_null(get(live), "a live process's temporary was removed");
}
