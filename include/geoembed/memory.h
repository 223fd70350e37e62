/* A guard on large allocations: sizes that a file or an option declares are
 * compared with the memory the machine has before anything that large is
 * allocated, so that a hostile or mistaken size is refused with the figures
 * instead of exhausting memory. */
#ifndef GEOEMBED_MEMORY_H
#define GEOEMBED_MEMORY_H

#include <stdint.h>

#include "geoembed/error.h"

/* Allocations up to this size are not checked (unless a lower limit is set). */
#define GE_MEM_CHECK_ABOVE (256.0 * 1024 * 1024)

/* The budget set by --max-memory, in bytes; 0: what the system has available. */
void ge_mem_set_limit(uint64_t bytes);
/* Bytes available: the budget when set, else MemAvailable (/proc/meminfo, or
 * free pages from sysconf) bounded by the address-space and data limits. */
double ge_mem_available(void);
/* 0 when an allocation of about `bytes` for `what` fits, else -1 and one line
 * naming both figures. */
int ge_mem_check(double bytes, const char *what, ge_error *err);
/* "512M", "2G", "1.5G", "1000000" (K M G T are powers of 1024): 0 or -1. */
int ge_parse_size(const char *s, uint64_t *out);

#endif
