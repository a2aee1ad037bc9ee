/* SPDX-License-Identifier: MIT */
/* geocl devices: what geocl can run on. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <geocl/geocl.h>

#include "cli.h"

static void help(FILE *out) {
  fprintf(out,
          "Usage: geocl devices [--json]\n"
          "\n"
          "List the compute devices geocl can use: every device of every backend module\n"
          "(OpenCL platforms: GPUs, and CPUs through PoCL) and the built-in reference\n"
          "backend.  The first column is the index a --device option or $GEOCL_DEVICE\n"
          "accepts; a case-insensitive part of the name works too, and 'reference'\n"
          "selects the plain-C backend.  The default device (used when none is named) is\n"
          "the first GPU, else the first OpenCL device, else the reference backend.\n"
          "Under each OpenCL device: its platform and driver, what geocl's kernels use\n"
          "of it (OpenCL C version, work-group and local memory limits, largest buffer\n"
          "and argument list, vector width, the optional features fp16, subgroups and\n"
          "64-bit atomics), the family whose kernel and tuning defaults it gets, driver\n"
          "problems worked around on it, and, for a device geocl cannot use, why (it is\n"
          "never the default and selecting it is an error).\n"
          "Messages about modules that were skipped or runtimes without devices follow\n"
          "the table.\n"
          "\n"
          "Options:\n"
          "  --json     print one JSON object instead of a table\n"
          "  -h, --help this text\n");
}

static void format_bytes(uint64_t b, char *out, size_t size) {
  if (b == 0) snprintf(out, size, "-");
  else if (b >= (1ull << 30)) snprintf(out, size, "%.1f GiB", (double)b / (1ull << 30));
  else if (b >= (1ull << 20)) snprintf(out, size, "%.0f MiB", (double)b / (1ull << 20));
  else snprintf(out, size, "%.0f KiB", (double)b / (1ull << 10));
}

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') printf("\\%c", *s);
    else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
    else putchar(*s);
  }
  putchar('"');
}

static void print_json(const geocl_device_entry *e, int n, const char *notes) {
  printf("{\"version\": ");
  json_string(GEOCL_VERSION);
  printf(", \"devices\": [");
  for (int i = 0; i < n; i++) {
    const geocl_device_info *d = &e[i].info;
    printf("%s\n  {\"index\": %d, \"backend\": ", i ? "," : "", e[i].index);
    json_string(e[i].backend);
    printf(", \"name\": ");
    json_string(d->name);
    printf(", \"type\": ");
    json_string(d->type);
    printf(", \"platform\": ");
    json_string(d->platform);
    printf(", \"driver\": ");
    json_string(d->driver);
    printf(", \"global_mem_bytes\": %llu, \"compute_units\": %u, \"fp16\": %s, \"default\": %s",
           (unsigned long long)d->global_mem_bytes, d->compute_units, d->fp16 ? "true" : "false",
           e[i].is_default ? "true" : "false");
    printf(",\n   \"opencl_c\": ");
    json_string(d->c_version);
    printf(", \"max_work_group\": %u, \"local_mem_bytes\": %llu, \"max_alloc_bytes\": %llu, \"max_param_bytes\": %llu, "
           "\"vector_width\": %u, \"fp64\": %s, \"subgroups\": %s, \"int64_atomics\": %s, \"defaults\": ",
           d->max_work_group, (unsigned long long)d->local_mem_bytes, (unsigned long long)d->max_alloc_bytes,
           (unsigned long long)d->max_param_bytes, d->vector_width, d->fp64 ? "true" : "false",
           d->subgroups ? "true" : "false", d->int64_atomics ? "true" : "false");
    json_string(d->defaults);
    printf(", \"workarounds\": ");
    json_string(d->workarounds);
    printf(", \"usable\": %s, \"unusable\": ", d->unusable[0] ? "false" : "true");
    json_string(d->unusable);
    printf("}");
  }
  printf("],\n \"notes\": ");
  json_string(notes);
  printf("}\n");
}

static void print_table(const geocl_device_entry *e, int n, const char *notes) {
  int width = 6; /* the device column fits the longest name: names are never cut */
  for (int i = 0; i < n; i++)
    if ((int)strlen(e[i].info.name) > width) width = (int)strlen(e[i].info.name);
  printf("%-3s %-10s %-5s %-*s %-10s %4s %-5s\n", "#", "backend", "type", width, "device", "memory", "CUs", "fp16");
  for (int i = 0; i < n; i++) {
    const geocl_device_info *d = &e[i].info;
    char idx[16], mem[32];
    if (e[i].index < 0) snprintf(idx, sizeof idx, "-");
    else snprintf(idx, sizeof idx, "%d", e[i].index);
    format_bytes(d->global_mem_bytes, mem, sizeof mem);
    char cus[16];
    if (d->compute_units) snprintf(cus, sizeof cus, "%u", d->compute_units);
    else snprintf(cus, sizeof cus, "-");
    printf("%-3s %-10s %-5s %-*s %-10s %4s %-5s%s\n", idx, e[i].backend, d->type, width, d->name, mem, cus,
           d->fp16 ? "yes" : "no", e[i].is_default ? " (default)" : "");
    if (e[i].index < 0) continue;
    printf("    platform: %s; driver %s; %s\n", d->platform, d->driver, d->version);
    char local[32], alloc[32];
    format_bytes(d->local_mem_bytes, local, sizeof local);
    format_bytes(d->max_alloc_bytes, alloc, sizeof alloc);
    printf("    kernels: %s, work-groups of up to %u, %s local memory, buffers up to %s, %llu bytes of arguments, "
           "%u-float vectors; fp16 %s, subgroups %s, 64-bit atomics %s\n",
           d->c_version[0] ? d->c_version : "OpenCL C ?", d->max_work_group, local, alloc,
           (unsigned long long)d->max_param_bytes, d->vector_width, d->fp16 ? "yes" : "no",
           d->subgroups ? "yes" : "no", d->int64_atomics ? "yes" : "no");
    printf("    defaults: %s%s%s\n", d->defaults, d->workarounds[0] ? "; worked around: " : "", d->workarounds);
    if (d->unusable[0]) printf("    cannot be used: %s\n", d->unusable);
  }
  if (notes && *notes) {
    printf("\nnotes:\n");
    for (const char *line = notes; *line;) { /* each note on its own indented line */
      size_t len = strcspn(line, "\n");
      printf("  %.*s\n", (int)len, line);
      line += len + (line[len] == '\n');
    }
  }
}

static int run(int argc, char **argv) {
  static const struct option opts[] = {{"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  int json = 0, c;
  optind = 1;
  while ((c = cli_getopt("devices", argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'j') json = 1;
    else if (c == 'h') {
      help(stdout);
      return CLI_OK;
    } else {
      return CLI_USAGE;
    }
  }
  if (optind < argc) {
    cli_error("devices", "unexpected argument '%s'", argv[optind]);
    return CLI_USAGE;
  }
  geocl_device_entry *entries;
  int n;
  char *notes;
  if (geocl_list_devices(&entries, &n, &notes) != GEOCL_OK) return cli_fail("devices");
  if (json) print_json(entries, n, notes);
  else print_table(entries, n, notes);
  geocl_device_list_free(entries, notes);
  return CLI_OK;
}

const cli_command cli_devices = {"devices", "list OpenCL devices and backends", run, help};
