/* SPDX-License-Identifier: MIT */
/*
 * Read-only queries on a loaded program: its graph inputs and outputs and
 * its tiles, for callers that bind data and for device implementations.
 */
#include "program_internal.h"

int aimrt_program_n_inputs(const aimrt_program *program)
{
    return program ? program->n_inputs : 0;
}

int aimrt_program_n_outputs(const aimrt_program *program)
{
    return program ? program->n_outputs : 0;
}

static void fill_io_info(const aimrt_program *program, int32_t id, aimrt_io_info *info)
{
    const program_tensor *t = &program->tensors[id];
    info->name = t->name;
    info->dtype = t->dtype;
    info->rank = t->rank;
    memcpy(info->dims, t->dims, sizeof info->dims);
    info->batched = t->batched;
}

aimrt_status aimrt_program_input(const aimrt_program *program, int i, aimrt_io_info *info)
{
    if (!program || !info || i < 0 || i >= program->n_inputs)
        return AIMRT_ERR_INVALID_ARG;
    fill_io_info(program, program->inputs[i], info);
    return AIMRT_OK;
}

aimrt_status aimrt_program_output(const aimrt_program *program, int i, aimrt_io_info *info)
{
    if (!program || !info || i < 0 || i >= program->n_outputs)
        return AIMRT_ERR_INVALID_ARG;
    fill_io_info(program, program->outputs[i], info);
    info->name = program->output_names[i];
    return AIMRT_OK;
}

int32_t aimrt_program_n_tiles(const aimrt_program *program)
{
    return program ? program->n_tiles : 0;
}

aimrt_status aimrt_program_tile(const aimrt_program *program, int32_t i, aimrt_tile_desc *desc)
{
    if (!program || !desc || i < 0 || i >= program->n_tiles)
        return AIMRT_ERR_INVALID_ARG;
    desc->tile = i;
    desc->kind = program->tiles[i].kind;
    desc->rows = program->tiles[i].rows;
    desc->cols = program->tiles[i].cols;
    const program_kind *kind = &program->kinds[program->tiles[i].kind];
    desc->cell_bits = kind->weight_bits > 0 ? kind->cell_bits : 0;
    return AIMRT_OK;
}

void aimrt_program_tiles(const aimrt_program *program, aimrt_tile_desc *tiles)
{
    for (int32_t i = 0; program && i < program->n_tiles; i++)
        aimrt_program_tile(program, i, &tiles[i]);
}
