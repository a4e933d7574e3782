/* SPDX-License-Identifier: MIT */
/*
 * The options that compile and ir share: the target, --set overrides, --dim
 * and --const bindings, collected into an aimcc_options, and the check of a
 * pass name given to --dump-after or --after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "passes/pass.h"

bool cli_model_options_init(cli_model_options *model, int argc)
{
    memset(model, 0, sizeof *model);
    const size_t n = argc > 0 ? (size_t)argc : 1;
    model->sets = calloc(n, sizeof *model->sets);
    model->dims = calloc(n, sizeof *model->dims);
    model->consts = calloc(n, sizeof *model->consts);
    model->options.sets = model->sets;
    model->options.dims = model->dims;
    model->options.consts = model->consts;
    return model->sets && model->dims && model->consts;
}

static void free_names(aimcc_binding *bindings, int n)
{
    for (int i = 0; bindings && i < n; i++)
        free((char *)bindings[i].name);
    free(bindings);
}

void cli_model_options_free(cli_model_options *model)
{
    free_names(model->sets, model->options.n_sets);
    free_names(model->dims, model->options.n_dims);
    free_names(model->consts, model->options.n_consts);
    memset(model, 0, sizeof *model);
}

/* Splits NAME=VALUE at the first '='; the name is copied, the value borrowed from text. */
static bool split_binding(const cli_command *command, const char *option, const char *metavar,
                          const char *text, aimcc_binding *out)
{
    const char *equals = strchr(text, '=');
    if (!equals || equals == text || equals[1] == '\0') {
        cli_usage_error(command, "option %s needs %s, not \"%s\"", option, metavar, text);
        return false;
    }
    char *name = strndup(text, (size_t)(equals - text));
    if (!name) {
        cli_usage_error(command, "out of memory");
        return false;
    }
    out->name = name;
    out->value = equals + 1;
    return true;
}

bool cli_model_options_apply(const cli_command *command, cli_model_options *model, int id,
                             const char *value)
{
    aimcc_options *options = &model->options;
    switch (id) {
    case CLI_OPT_TARGET:
        options->target = value;
        return true;
    case CLI_OPT_SET:
        return split_binding(command, "--set", "KEY=VALUE", value,
                             &model->sets[options->n_sets++]);
    case CLI_OPT_DIM:
        return split_binding(command, "--dim", "NAME=VALUE", value,
                             &model->dims[options->n_dims++]);
    case CLI_OPT_CONST:
        return split_binding(command, "--const", "NAME=FILE.pb", value,
                             &model->consts[options->n_consts++]);
    default:
        cli_usage_error(command, "internal error: option %d has no handler", id);
        return false;
    }
}

bool cli_check_pass_name(const cli_command *command, const char *option, const char *name,
                         bool allow_all)
{
    if (aimcc_pass_find(name) || strcmp(name, "import") == 0 ||
        (allow_all && strcmp(name, "all") == 0))
        return true;

    char names[512] = "";
    size_t used = 0;
    for (int i = 0; aimcc_pipeline[i] && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                 aimcc_pipeline[i]->name);
    cli_usage_error(command, "option %s: \"%s\" is not a pass; use one of %simport, %s", option,
                    name, allow_all ? "all, " : "", names);
    return false;
}
