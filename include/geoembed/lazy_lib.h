/* A shared library opened at its first use instead of at start-up.
 *
 * GDAL brings about 130 shared libraries with it; the dynamic linker's work
 * on them took 70-110 ms of every run before main, whether the command read
 * a raster or only a CSV file (a fit of 10,000 samples takes 400 ms). The
 * functions geoembed calls are defined by stubs of the same names and
 * signatures (src/io/gdal_stubs.c, src/cli/cairo_stubs.c) that open the
 * library the first time one of them is called and go on through a table of
 * its functions. The library's headers are included beside the stubs, so a
 * stub whose signature differs from the library's does not compile. */
#ifndef GEOEMBED_LAZY_LIB_H
#define GEOEMBED_LAZY_LIB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

typedef struct lazy_lib {
    const char *what;          /* "GDAL", for the message when it cannot be opened */
    const char *soname;        /* the name the program was linked against */
    const char *const *names;  /* its functions geoembed calls */
    void **fn;                 /* their addresses, once opened */
    size_t n;
    void (*on_open)(void);     /* run once, after the table is filled */
    atomic_bool open;
    pthread_mutex_t lock;      /* PTHREAD_MUTEX_INITIALIZER */
} lazy_lib;

/* The address of function i of the library, opening it at the first call.
 * A library or function that cannot be found ends the run with exit 1 and
 * one line on stderr. Safe from any thread. */
void *lazy_lib_fn(lazy_lib *lib, size_t i);

/* Whether the library has been opened (for tests and `-v`). */
int lazy_lib_is_open(const lazy_lib *lib);

/* Stubs: LAZY_STUB for a function returning a value, LAZY_STUB_VOID for one
 * returning nothing; LIB is the lazy_lib, the index an enumerator LAZY_IX_name. */
#define LAZY_STUB(lib, ret, name, params, args)                                \
    ret name params { return ((__typeof__(&name))lazy_lib_fn(&(lib), LAZY_IX_##name))args; }
#define LAZY_STUB_VOID(lib, name, params, args)                                \
    void name params { ((__typeof__(&name))lazy_lib_fn(&(lib), LAZY_IX_##name))args; }

/* The table of a library whose functions LIST(F, V) names (F(return type,
 * name, parameters, arguments) for each function returning a value, V(name,
 * parameters, arguments) for each returning nothing): defines the lazy_lib
 * VAR; the stubs are then LIST(F, V) with F and V expanding to LAZY_STUB and
 * LAZY_STUB_VOID on VAR. */
#define LAZY_IX_F(ret, name, params, args) LAZY_IX_##name,
#define LAZY_IX_V(name, params, args) LAZY_IX_##name,
#define LAZY_NAME_F(ret, name, params, args) #name,
#define LAZY_NAME_V(name, params, args) #name,
#define LAZY_LIB_DEFINE(var, what_, soname_, LIST)                                     \
    enum { LIST(LAZY_IX_F, LAZY_IX_V) LAZY_N_##var };                                  \
    static const char *const var##_names[] = {LIST(LAZY_NAME_F, LAZY_NAME_V)};         \
    static void *var##_fn[LAZY_N_##var];                                                \
    lazy_lib var = {.what = what_, .soname = soname_, .names = var##_names,            \
                    .fn = var##_fn, .n = LAZY_N_##var, .lock = PTHREAD_MUTEX_INITIALIZER};

#endif
