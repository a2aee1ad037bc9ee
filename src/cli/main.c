/* SPDX-License-Identifier: MIT */
/* geocl: dispatch to subcommands. */
#include <stdio.h>
#include <string.h>

#include <geocl/geocl.h>

#include "cli.h"

static const cli_command *commands[] = {&cli_pretrain, &cli_finetune, &cli_eval,  &cli_infer, &cli_devices,
                                        &cli_plugins,  &cli_synth,    &cli_forward, &cli_reconstruct, &cli_encode,
                                        &cli_bench,    &cli_tune,     &cli_plot,    &cli_pairs};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out) {
  fprintf(out,
          "Usage: geocl <command> [options]\n"
          "\n"
          "3D-aware self-supervised pre-training of vision models on OpenCL devices.\n"
          "\n"
          "Commands:\n");
  for (size_t i = 0; i < N_COMMANDS; i++) fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
  fprintf(out,
          "\n"
          "Run 'geocl <command> --help' for a command's options.\n"
          "\n"
          "Environment:\n"
          "  GEOCL_DEVICE        default device (index, name substring, or 'reference')\n"
          "  GEOCL_LOG           off|error|warn|info|debug (default warn)\n"
          "  GEOCL_BACKEND_PATH  extra directories searched for backend modules\n"
          "  GEOCL_PLUGIN_PATH   extra directories searched for plugins\n"
          "  GEOCL_CL_CACHE      OpenCL program cache directory, or 'off'\n"
          "  GEOCL_TUNE_CACHE    GEMM tuning results directory, or 'off' (see geocl tune --help)\n"
          "  GEOCL_GEMM          force the OpenCL GEMM: geocl or clblast\n"
          "  GEOCL_KERNEL_DIR    read OpenCL kernels from this directory instead of the built-in copies\n");
}

/* An unknown command: one line, with the nearest name when it looks like a typo. */
static int unknown_command(const char *cmd) {
  const char *names[N_COMMANDS];
  for (size_t i = 0; i < N_COMMANDS; i++) names[i] = commands[i]->name;
  const char *guess = cli_closest(cmd, strlen(cmd), names, N_COMMANDS);
  if (guess) fprintf(stderr, "geocl: unknown command '%s'; did you mean '%s'? (see 'geocl --help')\n", cmd, guess);
  else fprintf(stderr, "geocl: unknown command '%s' (see 'geocl --help')\n", cmd);
  return CLI_USAGE;
}

/* The library's warnings carry the command's prefix, as every other message. */
static void log_to_stderr(geocl_log_level level, const char *msg, void *user) {
  static const char *const names[] = {"error", "warning", "info", "debug"};
  cli_error(user, "%s: %s", names[level], msg);
}

static int run_command(const cli_command *c, int argc, char **argv) {
  geocl_log_set_sink(log_to_stderr, (void *)c->name);
  return c->run(argc, argv);
}

int main(int argc, char **argv) {
  cli_use_build_tree();
  if (argc < 2) {
    usage(stderr);
    return CLI_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") || !strcmp(cmd, "version")) {
    printf("geocl %s (backend ABI %d, plugin ABI %d)\n"
           "Copyright (c) 2026 The geocl developers\n"
           "License: MIT.  This is free software: you are free to change and redistribute it.\n"
           "There is NO WARRANTY, to the extent permitted by law.\n",
           GEOCL_VERSION, GEOCL_BACKEND_ABI, GEOCL_PLUGIN_ABI);
    return CLI_OK;
  }
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    usage(stdout);
    return CLI_OK;
  }
  if (!strcmp(cmd, "help")) {
    if (argc < 3) {
      usage(stdout);
      return CLI_OK;
    }
    cmd = argv[2];
    for (size_t i = 0; i < N_COMMANDS; i++)
      if (!strcmp(commands[i]->name, cmd)) {
        commands[i]->help(stdout);
        return CLI_OK;
      }
    return unknown_command(cmd);
  }
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (!strcmp(commands[i]->name, cmd)) return run_command(commands[i], argc - 1, argv + 1);
  return unknown_command(cmd);
}
