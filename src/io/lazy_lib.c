/* Opening a shared library at its first use (see geoembed/lazy_lib.h). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "geoembed/lazy_lib.h"

static _Noreturn void cannot_open(const lazy_lib *lib, const char *detail)
{
    fprintf(stderr, "geoembed: cannot load %s (%s): %s\n", lib->what, lib->soname,
            detail ? detail : "unknown error");
    exit(1);
}

static void open_lib(lazy_lib *lib)
{
    pthread_mutex_lock(&lib->lock);
    if (!atomic_load_explicit(&lib->open, memory_order_relaxed)) {
        /* RTLD_GLOBAL: the library's own plugins (GDAL's drivers) may look
         * for its symbols in the global scope */
        void *h = dlopen(lib->soname, RTLD_NOW | RTLD_GLOBAL);
        if (!h)
            cannot_open(lib, dlerror());
        for (size_t i = 0; i < lib->n; i++) {
            dlerror();
            lib->fn[i] = dlsym(h, lib->names[i]);
            if (!lib->fn[i])
                cannot_open(lib, dlerror());
        }
        atomic_store_explicit(&lib->open, 1, memory_order_release);
        /* after the flag: the hook calls the library through the stubs */
        if (lib->on_open)
            lib->on_open();
    }
    pthread_mutex_unlock(&lib->lock);
}

void *lazy_lib_fn(lazy_lib *lib, size_t i)
{
    if (!atomic_load_explicit(&lib->open, memory_order_acquire))
        open_lib(lib);
    return lib->fn[i];
}

int lazy_lib_is_open(const lazy_lib *lib)
{
    return atomic_load_explicit(&lib->open, memory_order_acquire);
}
