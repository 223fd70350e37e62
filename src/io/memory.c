/* Memory available to large allocations (see include/geoembed/memory.h). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "geoembed/memory.h"

static uint64_t budget;

void ge_mem_set_limit(uint64_t bytes) { budget = bytes; }

/* MemAvailable of /proc/meminfo in bytes, or -1. */
static double meminfo_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    char line[256];
    double v = -1;
    unsigned long long kb;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
            v = (double)kb * 1024;
            break;
        }
    fclose(f);
    return v;
}

/* Address space this process maps now, in bytes (0 when unknown). */
static double mapped_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long pages = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%llu", &pages) != 1)
        pages = 0;
    fclose(f);
    long ps = sysconf(_SC_PAGESIZE);
    return (double)pages * (double)(ps > 0 ? ps : 4096);
}

double ge_mem_available(void)
{
    if (budget)
        return (double)budget;
    double avail = meminfo_available();
    if (avail < 0) {
        long pages = sysconf(_SC_AVPHYS_PAGES), ps = sysconf(_SC_PAGESIZE);
        avail = pages > 0 && ps > 0 ? (double)pages * (double)ps : INFINITY;
    }
    /* ulimit -v and -d bound what malloc can get, whatever the machine has */
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        avail = fmin(avail, fmax((double)rl.rlim_cur - mapped_now(), 0));
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        avail = fmin(avail, (double)rl.rlim_cur);
    return avail;
}

int ge_mem_check(double bytes, const char *what, ge_error *err)
{
    if (bytes <= GE_MEM_CHECK_ABOVE && (!budget || bytes <= (double)budget))
        return 0;
    double avail = ge_mem_available();
    if (bytes <= avail)
        return 0;
    if (budget)
        return ge_fail(err, "%s needs about %.4g MB of memory, more than the %.4g MB allowed by "
                            "--max-memory",
                       what, bytes / 1e6, avail / 1e6);
    return ge_fail(err, "%s needs about %.0f MB of memory, more than the %.0f MB available "
                        "(--max-memory SIZE to try anyway)",
                   what, ceil(bytes / 1e6), floor(avail / 1e6));
}

int ge_parse_size(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || strchr("+- \t", *s))
        return -1;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || v < 0)
        return -1;
    const char *units = "KMGT";
    const char *u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
    if (*end && !u)
        return -1;
    if (u) {
        v *= pow(1024, (double)(u - units + 1));
        end++;
        if (*end == 'B' || *end == 'b')
            end++;
    }
    if (*end || v < 1 || v > 1.8e19)
        return -1;
    *out = (uint64_t)v;
    return 0;
}
