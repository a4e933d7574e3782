/* SPDX-License-Identifier: MIT */
/*
 * Parses section 8 of a version 2 program: the device, circuit, converter
 * and cost parameters the target set, as (kind, id, value) records. Every
 * kind starts from the registry's fallbacks; a version 1 program keeps them.
 */
#include <math.h>
#include <stdio.h>

#include "program_internal.h"

/* Checks one record against the registry; previous is the (kind, id) key of
 * the record before it, or -1 for the first. */
static aimrt_status check_record(const aimrt_program *program, uint32_t i, uint32_t kind,
                                 uint32_t id, double value, int64_t previous, aimrt_error *error)
{
    const int64_t key = (int64_t)kind << 32 | id;
    if (kind >= (uint32_t)program->n_kinds)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "section kind parameters: record %u names kind %u, but the "
                               "program has %d kinds", i, kind, program->n_kinds);
    const char *name = program->kinds[kind].name;
    const aimrt_param_info *info = aimrt_param_get(id < AIMRT_PARAM_SLOTS ? (int)id : -1);
    if (!info)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "section kind parameters: record %u of kind \"%s\" has parameter "
                               "id %u, which this runtime does not know", i, name, id);
    if (key <= previous)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "section kind parameters: record %u (kind \"%s\", %s) is not "
                               "after the record before it; records are sorted by kind and id "
                               "without duplicates", i, name, info->path);
    if (!isfinite(value))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "section kind parameters: kind \"%s\" %s is %g, not a finite "
                               "number", name, info->path, value);
    if (info->type == AIMRT_PARAM_QUANTITY && (value < info->min || value > info->max))
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "section kind parameters: kind \"%s\" %s is %g %s, outside "
                               "[%g, %g]", name, info->path, value, info->unit, info->min,
                               info->max);
    if (info->type == AIMRT_PARAM_CHOICE) {
        int n_choices = 1;
        for (const char *c = info->choices; *c; c++)
            n_choices += *c == '|';
        if (value != floor(value) || value < 0 || value >= n_choices)
            return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                                   "section kind parameters: kind \"%s\" %s is %g, not the "
                                   "index of one of %s", name, info->path, value, info->choices);
    }
    return AIMRT_OK;
}

aimrt_status program_parse_kind_params(aimrt_program *program, aimrt_error *error)
{
    for (int k = 0; k < program->n_kinds; k++)
        aimrt_kind_params_defaults(&program->kinds[k].params);
    if (program_section_count(program) < AIMRT_SECTION_KIND_PARAMS)
        return AIMRT_OK;

    const program_section *s = &program->sections[AIMRT_SECTION_KIND_PARAMS - 1];
    if (s->length != (uint64_t)s->count * AIMRT_KIND_PARAM_RECORD_SIZE)
        return aimrt_error_set(error, AIMRT_ERR_INVALID_PROGRAM,
                               "section kind parameters: length %llu is not %u records of %d "
                               "bytes", (unsigned long long)s->length, s->count,
                               AIMRT_KIND_PARAM_RECORD_SIZE);
    const uint8_t *bytes = program_section_bytes(program, AIMRT_SECTION_KIND_PARAMS);
    int64_t previous = -1;
    for (uint32_t i = 0; i < s->count; i++) {
        const uint8_t *record = bytes + (uint64_t)i * AIMRT_KIND_PARAM_RECORD_SIZE;
        const uint32_t kind = aimrt_get_u32(record);
        const uint32_t id = aimrt_get_u32(record + 4);
        const double value = aimrt_get_f64(record + 8);
        const aimrt_status status = check_record(program, i, kind, id, value, previous, error);
        if (status != AIMRT_OK)
            return status;
        previous = (int64_t)kind << 32 | id;
        program->kinds[kind].params.value[id] = value;
        program->kinds[kind].params.given[id] = true;
    }
    return AIMRT_OK;
}
