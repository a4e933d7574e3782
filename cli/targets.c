/* SPDX-License-Identifier: MIT */
/*
 * aimcc targets: lists the preset target files with one summary line each
 * (per tile kind: compute domain, tile size, tile count, cell, bit widths,
 * input mode, ADC and weight encoding), or prints one target file. Presets
 * are read with the compiler's own target loader, so a preset that fails to
 * load is reported here too.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "files.h"
#include "ir/target.h"

static const cli_option targets_options[] = {
    {0, NULL, NULL, NULL, NULL},
};

const cli_command cli_targets_command = {
    .name = "targets",
    .usage = "aimcc targets [NAME]",
    .summary = "List the preset targets, or print one target file. Without NAME, prints one line "
               "per preset: its name, and per tile kind the compute domain, the tile size "
               "(rows x columns), the tile count, the cell, the weight and cell bits, the input "
               "(DAC) mode and bits, the ADC bits and range, and the weight encoding. NAME is a "
               "preset name or a path to a target JSON file.",
    .options = targets_options,
};

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints one kind as "K: DOMAIN, RxC, N tiles, cell C, weight/cell bits W/C,
 * input MODE B SIGN, ADC B RANGE, ENCODING". */
static void print_kind(const aimcc_tile_kind *kind)
{
    printf("%s: %s, %lldx%lld, %lld tiles, cell %s, ", kind->name, aimcc_domain_name(kind->domain),
           (long long)kind->rows, (long long)kind->cols, (long long)kind->n_tiles, kind->cell);
    if (kind->weight_bits == 0)
        printf("float weights, ");
    else
        printf("weight/cell bits %d/%d, ", kind->weight_bits, kind->cell_bits);
    if (kind->input_bits == 0)
        printf("input %s, ", kind->input_mode);
    else
        printf("input %s %d %s, ", kind->input_mode, kind->input_bits,
               kind->input_signed ? kind->input_signed : "one-pass");
    if (kind->adc_bits == 0)
        printf("ADC %s, ", kind->adc_range);
    else
        printf("ADC %d %s, ", kind->adc_bits, kind->adc_range);
    printf("%s", kind->encoding);
}

/* Prints "NAME  kind K: ...; kind K2: ..." for one preset file. */
static void print_summary(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);

    aimcc_ctx *ctx = aimcc_ctx_create();
    aimcc_arena *arena = aimcc_arena_create();
    aimcc_target *target = NULL;
    if (!ctx || !arena) {
        cli_error("out of memory");
    } else if (aimcc_target_load(ctx, arena, path, NULL, 0, &target) != AIMCC_OK) {
        char line[4096];
        aimcc_diag_format(aimcc_ctx_diag(ctx), line, sizeof line);
        printf("%-20s (invalid: %s)\n", name, line);
    } else {
        printf("%-20s", name);
        for (int i = 0; i < target->n_kinds; i++) {
            printf("%s kind ", i ? ";" : "");
            print_kind(&target->kinds[i]);
        }
        printf("\n");
    }
    aimcc_arena_destroy(arena);
    aimcc_ctx_destroy(ctx);
}

/* Lists every *.json file of the targets folder in name order. */
static int list_targets(void)
{
    const char *dir = aimcc_targets_dir();
    DIR *folder = opendir(dir);
    if (!folder)
        return cli_error("cannot open the targets folder %s; set AIMCC_TARGETS_DIR to the folder "
                         "that holds the preset target files",
                         dir);
    char **names = NULL;
    size_t n_names = 0;
    for (struct dirent *entry; (entry = readdir(folder));) {
        const size_t length = strlen(entry->d_name);
        if (entry->d_name[0] == '.' || length <= 5 ||
            strcmp(entry->d_name + length - 5, ".json") != 0)
            continue;
        char **grown = realloc(names, (n_names + 1) * sizeof *names);
        /* Stems, so "sram-charge" sorts before "sram-charge-redist". */
        char *copy = strndup(entry->d_name, length - 5);
        if (!grown || !copy) {
            free(copy);
            free(grown ? grown : names);
            closedir(folder);
            return cli_error("out of memory");
        }
        names = grown;
        names[n_names++] = copy;
    }
    closedir(folder);

    qsort(names, n_names, sizeof *names, compare_names);
    for (size_t i = 0; i < n_names; i++) {
        print_summary(dir, names[i]);
        free(names[i]);
    }
    free(names);
    if (n_names == 0)
        AIMCC_LOG(AIMCC_LOG_WARN, NULL, NULL, "the targets folder %s holds no .json files", dir);
    return CLI_EXIT_OK;
}

/* Prints one target file, given by preset name or path. */
static int print_target(const char *name)
{
    char path[4096];
    const size_t length = strlen(name);
    const bool is_path = strchr(name, '/') || (length > 5 && strcmp(name + length - 5, ".json") == 0);
    if (is_path)
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "%s/%s.json", aimcc_targets_dir(), name);

    aimcc_ctx *ctx = aimcc_ctx_create();
    if (!ctx)
        return cli_error("out of memory");
    char *text = NULL;
    size_t size = 0;
    int exit_status = CLI_EXIT_OK;
    if (cli_read_file(ctx, path, &text, &size) != AIMCC_OK) {
        exit_status = is_path ? cli_report(ctx)
                              : cli_error("target \"%s\" is not a preset (no %s); run 'aimcc "
                                          "targets' for the list",
                                          name, path);
    } else {
        fwrite(text, 1, size, stdout);
        if (size > 0 && text[size - 1] != '\n')
            putchar('\n');
    }
    free(text);
    aimcc_ctx_destroy(ctx);
    return exit_status;
}

int cli_targets_main(int argc, char **argv)
{
    cli_args args;
    cli_args_init(&args, &cli_targets_command, argc, argv);
    const char *name = NULL;
    const char *value = NULL;
    for (int id; (id = cli_args_next(&args, &value)) != CLI_ARG_END;) {
        switch (id) {
        case CLI_ARG_HELP: return CLI_EXIT_OK;
        case CLI_ARG_ERROR: return CLI_EXIT_USAGE;
        case CLI_ARG_POSITIONAL:
            if (name)
                return cli_usage_error(&cli_targets_command,
                                       "one target name expected, but got \"%s\" and \"%s\"",
                                       name, value);
            name = value;
            break;
        }
    }
    return name ? print_target(name) : list_targets();
}
