/* libFuzzer target for the option parser (src/cli/options.c): the input is
 * split at NUL bytes into argv for each command, parsed, and every option is
 * read through the strict typed getters. Usage errors are expected; crashes,
 * leaks and undefined behaviour are not (the usage messages on stderr are
 * filtered out by `make fuzz`). Build and run: `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/cli/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    char *argv[64];
    int argc = 0;
    argv[argc++] = "geoembed";
    argv[argc++] = "cmd";
    for (size_t i = 0; i < size && argc < 63;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    static const unsigned cmds[] = {C_FIT, C_PREDICT, C_EVAL, C_INFO, C_CV, C_PLOT};
    for (size_t c = 0; c < sizeof cmds / sizeof *cmds; c++) {
        cli_args a;
        if (args_parse(&a, "cmd", cmds[c], argc, argv, 2) == 0) {
            long l;
            double d, v[8];
            int got, k;
            arg_long(&a, O_EPOCHS, 0, 0, 1000, &l);
            arg_double(&a, O_LR, 0.1, 0, 10, &d);
            arg_doubles(&a, O_BBOX, 4, 4, v, NULL);
            arg_doubles(&a, O_PADDING, 1, 2, v, &got);
            arg_choice(&a, O_LOSS, "l1 mse huber", 0, &k);
        }
        args_free(&a);
    }
    free(buf);
    return 0;
}
