/* The geocl command: one file per subcommand. */
#ifndef GEOCL_CLI_H
#define GEOCL_CLI_H

#include <stdio.h>

/* Exit codes */
#define CLI_OK 0
#define CLI_FAIL 1  /* the command ran and failed */
#define CLI_USAGE 2 /* bad arguments */

typedef struct cli_command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv); /* argv[0] is the command name */
  void (*help)(FILE *out);
} cli_command;

extern const cli_command cli_devices;
extern const cli_command cli_synth;

/* Print "geocl <cmd>: <message>" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report the library's last error for a failed call. */
int cli_fail(const char *cmd);

#endif
