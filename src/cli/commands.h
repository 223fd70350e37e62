/* The commands of the geoembed command line. Each takes parsed arguments and
 * returns the process exit status. */
#ifndef GEOEMBED_CLI_COMMANDS_H
#define GEOEMBED_CLI_COMMANDS_H

#include "options.h"

int cmd_fit(cli_args *a);
int cmd_predict(cli_args *a);
int cmd_eval(cli_args *a);
int cmd_info(cli_args *a);
int cmd_plot(cli_args *a);
int cmd_cv(cli_args *a);
int cmd_fill(cli_args *a);

#endif
