/* Unit tests of src/io/lazy_lib.c: a library opened at the first call of one
 * of its functions, and a clear end (exit 1, one line) when the library or a
 * function of it cannot be found. libm stands for GDAL: it is there on every
 * system the tests run on. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <gdal.h>

#include "geoembed/gdal_lib.h"
#include "geoembed/lazy_lib.h"

static const char *const libm_names[] = {"cos", "sqrt"};

static void redirect(void) { cr_redirect_stderr(); }

Test(lazy_lib, opens_at_the_first_call)
{
    static void *fn[2];
    static lazy_lib lib = {
        .what = "libm", .soname = "libm.so.6", .names = libm_names, .fn = fn, .n = 2,
        .lock = PTHREAD_MUTEX_INITIALIZER,
    };
    cr_assert_not(lazy_lib_is_open(&lib));
    double (*c)(double) = (double (*)(double))lazy_lib_fn(&lib, 0);
    double (*s)(double) = (double (*)(double))lazy_lib_fn(&lib, 1);
    cr_assert(lazy_lib_is_open(&lib));
    cr_assert_eq(c(0.0), 1.0);
    cr_assert_eq(s(2.25), 1.5);
}

static int hook_calls;
static void count_hook(void) { hook_calls++; }

Test(lazy_lib, the_hook_runs_once_after_the_table_is_filled)
{
    static void *fn[2];
    static lazy_lib lib = {
        .what = "libm", .soname = "libm.so.6", .names = libm_names, .fn = fn, .n = 2,
        .on_open = count_hook, .lock = PTHREAD_MUTEX_INITIALIZER,
    };
    hook_calls = 0;
    for (int k = 0; k < 3; k++)
        cr_assert_not_null(lazy_lib_fn(&lib, (size_t)k % 2));
    cr_assert_eq(hook_calls, 1);
}

Test(lazy_lib, a_missing_library_ends_the_run_with_one_line, .init = redirect, .exit_code = 1)
{
    static void *fn[2];
    static lazy_lib lib = {
        .what = "Nothing", .soname = "libgeoembed-no-such-library.so.0", .names = libm_names,
        .fn = fn, .n = 2, .lock = PTHREAD_MUTEX_INITIALIZER,
    };
    lazy_lib_fn(&lib, 0);
}

Test(lazy_lib, a_missing_function_ends_the_run_with_one_line, .init = redirect, .exit_code = 1)
{
    static const char *const names[] = {"cos", "geoembed_no_such_function"};
    static void *fn[2];
    static lazy_lib lib = {
        .what = "libm", .soname = "libm.so.6", .names = names, .fn = fn, .n = 2,
        .lock = PTHREAD_MUTEX_INITIALIZER,
    };
    lazy_lib_fn(&lib, 0);
}

/* The stubs reach GDAL: a call through one gives GDAL's answer. */
Test(lazy_lib, gdal_stubs_reach_gdal)
{
    cr_assert_str_eq(GDALGetDataTypeName(GDT_Float32), "Float32");
    cr_assert(lazy_lib_is_open(&ge_gdal_lib));
}
