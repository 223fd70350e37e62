/* How the process's heap hands back memory (heap_policy.c). */
#ifndef GEOEMBED_CLI_HEAP_POLICY_H
#define GEOEMBED_CLI_HEAP_POLICY_H

void heap_policy(void);

#endif
