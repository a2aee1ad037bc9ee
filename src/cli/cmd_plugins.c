/* SPDX-License-Identifier: MIT */
/* geocl plugins: the pretext tasks and heads geocl can load. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <geocl/geocl.h>
#include <geocl/plugin.h>

#include "cli.h"

static void help(FILE *out) {
  fprintf(out,
          "Usage: geocl plugins [NAME]\n"
          "\n"
          "Without NAME, list the plugins found on $GEOCL_PLUGIN_PATH and in the install\n"
          "directory (pretext tasks and downstream heads) and any files that were skipped.\n"
          "With NAME, show that plugin's options (set them as key=value on the command\n"
          "line of geocl pretrain/forward), their defaults, and its presets.\n");
}

static const char *kind_name(geocl_plugin_kind k) { return k == GEOCL_PLUGIN_HEAD ? "head" : "pretext"; }

static const char *type_hint(geocl_option_type t) {
  switch (t) {
  case GEOCL_OPTION_INT: return "int";
  case GEOCL_OPTION_FLOAT: return "float";
  case GEOCL_OPTION_BOOL: return "bool";
  case GEOCL_OPTION_STRING: return "string";
  case GEOCL_OPTION_SIZE: return "HxW";
  }
  return "";
}

/* Options and presets of one plugin (shared with `geocl pretrain --task X --help`). */
static void print_fields(FILE *out, const char *what, const char *const *fields) {
  fprintf(out, "%s", what);
  for (int i = 0; fields && fields[i]; i++) fprintf(out, "%s%s", i ? ", " : " ", fields[i]);
  fprintf(out, "%s\n", fields && fields[0] ? "" : " (none declared)");
}

void cli_print_plugin_options(FILE *out, const geocl_plugin *p) {
  fprintf(out, "%s (%s): %s\n\n", p->name, kind_name(p->kind), p->summary);
  if (p->backbone) fprintf(out, "Backbone: %s (backbone.KEY=VALUE sets its options)\n", p->backbone);
  if (p->as_backbone) fprintf(out, "Serves as a backbone for heads.\n");
  print_fields(out, "Batch fields in training:", p->train_fields);
  print_fields(out, "Batch fields in inference:", p->infer_fields);
  fprintf(out, "Data pipeline: %s\n\nOptions (key=value):\n", p->pipeline ? p->pipeline : "pair");
  if (!p->options || !p->options->key) fprintf(out, "  (none)\n");
  for (const geocl_option *o = p->options; o && o->key; o++)
    fprintf(out, "  %-18s %-6s default %-10s %s\n", o->key, type_hint(o->type), o->default_value, o->help);
  if (p->presets && p->presets->name) {
    fprintf(out, "\nPresets (--model NAME; default %s):\n", p->default_preset ? p->default_preset : "none");
    for (const geocl_preset *s = p->presets; s->name; s++)
    {
      fprintf(out, "  %-24s %s", s->name, s->summary);
      if (s->blr > 0) fprintf(out, " (training base lr %g)", s->blr);
      fprintf(out, "\n  %-24s   %s\n", "", s->settings);
    }
  }
}

static int run(int argc, char **argv) {
  static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  int c;
  optind = 1;
  while ((c = cli_getopt("plugins", argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      help(stdout);
      return CLI_OK;
    }
    return CLI_USAGE;
  }
  if (optind < argc) {
    const geocl_plugin *p;
    if (geocl_plugin_find(argv[optind], &p) != GEOCL_OK) return cli_fail("plugins");
    cli_print_plugin_options(stdout, p);
    return CLI_OK;
  }
  const geocl_plugin *const *all;
  int n;
  const char *notes;
  geocl_plugin_list(&all, &n, &notes);
  if (n == 0) printf("no plugins found (set GEOCL_PLUGIN_PATH, or install geocl)\n");
  for (int i = 0; i < n; i++) printf("%-10s %-8s %s\n", all[i]->name, kind_name(all[i]->kind), all[i]->summary);
  if (*notes) printf("\nnotes:\n  %s\n", notes);
  return CLI_OK;
}

const cli_command cli_plugins = {"plugins", "list pretext tasks and heads, or one plugin's options", run, help};
