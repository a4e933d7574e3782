/* SPDX-License-Identifier: MIT */
/*
 * Prints a loaded program for `aimcc inspect`, as text or as one JSON
 * object: header, sections, metadata, tile kinds, tensors, ops (with the
 * plan, blocks and cell utilization of each LINEAR op), each linear layer's
 * tiles and utilization, every tile with the blocks packed on it, and the
 * totals per tile kind. A block's cells count its physical columns:
 * n_cols * S * P plus reference columns.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "program_internal.h"

static const char *const section_names[AIMRT_SECTION_COUNT] = {
    "strings", "tensors", "tile_kinds", "tiles", "constants", "code", "metadata", "kind_params"};
static const char *const kind_names[AIMRT_TENSOR_KIND_COUNT] = {"activation", "input", "const",
                                                                "output", "weight"};
static const char *const domain_names[AIMRT_DOMAIN_COUNT] = {
    "current", "charge", "charge-redist", "capdiv", "resdiv", "time"};

/* Tiles and cells one LINEAR op uses. */
typedef struct usage {
    int64_t tiles;
    int64_t cells_used;
    int64_t cells_available;  /* all cells of the tiles it uses */
} usage;

/* Counts op's tiles with stamp, an array of n_tiles marks owned by the caller. */
static usage op_usage(const aimrt_program *program, const program_op *op, int *stamp, int mark)
{
    usage u = {0, 0, 0};
    for (int i = 0; i < op->n_blocks; i++) {
        const program_block *b = &op->blocks[i];
        u.cells_used += b->n_rows * program_block_columns(op, b);
        if (stamp[b->tile] != mark) {
            stamp[b->tile] = mark;
            u.tiles++;
            u.cells_available += program->tiles[b->tile].rows * program->tiles[b->tile].cols;
        }
    }
    return u;
}

static double percent(int64_t part, int64_t whole)
{
    return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Writes text as a JSON string, escaping quotes, backslashes and control bytes. */
static void json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void print_shape(FILE *out, const program_tensor *t, int json)
{
    fputc('[', out);
    for (int d = 0; d < t->rank; d++) {
        if (d > 0)
            fputs(json ? "," : ", ", out);
        if (d == 0 && t->batched && !json)
            fputs("batch", out);
        else
            fprintf(out, "%lld", (long long)t->dims[d]);
    }
    fputc(']', out);
}

static void print_attr_values(FILE *out, const aimrt_attr *attr)
{
    fputc('[', out);
    for (int v = 0; v < attr->n; v++) {
        if (v > 0)
            fputc(',', out);
        if (attr->kind == AIMRT_ATTR_INTS)
            fprintf(out, "%lld", (long long)attr->ints[v]);
        else if (isfinite(attr->floats[v]))
            fprintf(out, "%.9g", attr->floats[v]);
        else
            fputs("null", out);
    }
    fputc(']', out);
}

static void print_ids(FILE *out, const int32_t *ids, int n)
{
    fputc('[', out);
    for (int i = 0; i < n; i++)
        fprintf(out, i > 0 ? ",%d" : "%d", ids[i]);
    fputc(']', out);
}

/* Copies choice index of a '|'-separated list into buf ("?" when out of range). */
static const char *choice_name(const char *choices, double index, char *buf, size_t size)
{
    int n = 0;
    for (const char *start = choices; start; n++) {
        const char *end = strchr(start, '|');
        const size_t length = end ? (size_t)(end - start) : strlen(start);
        if (n == (int)index) {
            snprintf(buf, size, "%.*s", (int)length, start);
            return buf;
        }
        start = end ? end + 1 : NULL;
    }
    return "?";
}

/* Prints the parameters the target gave kind k: one line each in text, a
 * "params" array of {path, value, unit} in JSON (a choice has no unit, and a
 * dimensionless value has unit "1" in JSON but none in text). */
static void describe_kind_params(const program_kind *k, FILE *out, int json)
{
    char name[64];
    int n = 0;
    fputs(json ? ",\"params\":[" : "", out);
    for (int i = 0; i < aimrt_param_count(); i++) {
        const aimrt_param_info *info = aimrt_param_at(i);
        if (!k->params.given[info->id])
            continue;
        const double value = k->params.value[info->id];
        const bool choice = info->type == AIMRT_PARAM_CHOICE;
        if (json) {
            fprintf(out, "%s{\"path\":\"%s\",\"value\":", n > 0 ? "," : "", info->path);
            if (choice)
                fprintf(out, "\"%s\"}", choice_name(info->choices, value, name, sizeof name));
            else
                fprintf(out, "%.9g,\"unit\":\"%s\"}", value, info->unit);
        } else if (choice) {
            fprintf(out, "    %s = %s\n", info->path,
                    choice_name(info->choices, value, name, sizeof name));
        } else {
            /* A dimensionless value (unit "1") prints bare, so the unit cannot
             * read as a second value. */
            const bool unitless = strcmp(info->unit, "1") == 0;
            fprintf(out, "    %s = %.9g%s%s\n", info->path, value, unitless ? "" : " ",
                    unitless ? "" : info->unit);
        }
        n++;
    }
    fputs(json ? "]" : "", out);
}

static void text_header(const aimrt_program *program, FILE *out)
{
    fprintf(out, "aimc program: format version %u, %zu bytes, crc32 0x%08x\n", program->version,
            program->size, program->crc);
    fprintf(out, "sections:\n");
    for (int i = 0; i < program_section_count(program); i++) {
        const program_section *s = &program->sections[i];
        fprintf(out, "  %-10s offset %10llu  length %10llu  count %u\n", section_names[i],
                (unsigned long long)s->offset, (unsigned long long)s->length, s->count);
    }
    fprintf(out, "metadata:\n");
    for (int i = 0; i < program->n_meta; i++) {
        const program_meta *m = &program->meta[i];
        /* Long values such as the target JSON are summarized by their size. */
        if (strlen(m->value) > 80 || strchr(m->value, '\n'))
            fprintf(out, "  %s: (%zu bytes)\n", m->key, strlen(m->value));
        else
            fprintf(out, "  %s: %s\n", m->key, m->value);
    }
    fprintf(out, "tile kinds:\n");
    for (int i = 0; i < program->n_kinds; i++) {
        const program_kind *k = &program->kinds[i];
        fprintf(out, "  %d \"%s\" %s %lldx%lld weight_bits=%d cell_bits=%d cell=%s encoding=%s\n",
                i, k->name, domain_names[k->domain], (long long)k->rows, (long long)k->cols,
                k->weight_bits, k->cell_bits, k->cell, k->encoding);
        if (k->weight_bits > 0)
            fprintf(out, "    input=%s input_bits=%d input_signed=%s adc_bits=%d adc_range=%s\n",
                    program_input_mode_name(k->input_mode), k->input_bits,
                    program_input_sign_name(k->input_sign), k->adc_bits,
                    k->adc_range == AIMRT_ADC_CALIBRATED ? "calibrated" : "lossless");
        describe_kind_params(k, out, 0);
    }
    if (program->arena_bytes_per_sample + program->arena_bytes_fixed > 0)
        fprintf(out, "activation arena: %lld bytes per sample, %lld fixed\n",
                (long long)program->arena_bytes_per_sample, (long long)program->arena_bytes_fixed);
}

static void text_tensors(const aimrt_program *program, FILE *out)
{
    fprintf(out, "tensors:\n");
    for (int i = 0; i < program->n_tensors; i++) {
        const program_tensor *t = &program->tensors[i];
        fprintf(out, "  %%%d \"%s\" %s %s", i, t->name, kind_names[t->kind],
                aimrt_dtype_name(t->dtype));
        print_shape(out, t, 0);
        if (t->kind == AIMRT_TENSOR_CONST)
            fprintf(out, " %llu bytes", (unsigned long long)t->data_length);
        if (t->in_arena)
            fprintf(out, " arena+%llu%s", (unsigned long long)t->data_offset,
                    t->batched ? " per sample" : "");
        fputc('\n', out);
    }
    fprintf(out, "inputs:");
    for (int i = 0; i < program->n_inputs; i++)
        fprintf(out, " %%%d", program->inputs[i]);
    fprintf(out, "\noutputs:");
    for (int i = 0; i < program->n_outputs; i++)
        fprintf(out, " %%%d \"%s\"", program->outputs[i], program->output_names[i]);
    fputc('\n', out);
}

/* The calibration inputs of a LINEAR op: probe count and ADC range span. */
typedef struct calibration {
    int64_t probes;  /* 0 without probe inputs */
    int64_t ranges;  /* 0 without ADC ranges */
    double range_min;
    double range_max;
    bool spans;      /* adc_low present: each range is the top of a span */
    double low_min;
    double low_max;
} calibration;

static calibration op_calibration(const aimrt_program *program, const program_op *op)
{
    calibration c = {0};
    if (op->n_inputs > AIMRT_LINEAR_PROBE_X && op->inputs[AIMRT_LINEAR_PROBE_X] >= 0)
        c.probes = program->tensors[op->inputs[AIMRT_LINEAR_PROBE_X]].dims[0];
    if (op->n_inputs > AIMRT_LINEAR_ADC_RANGE && op->inputs[AIMRT_LINEAR_ADC_RANGE] >= 0) {
        const program_tensor *t = &program->tensors[op->inputs[AIMRT_LINEAR_ADC_RANGE]];
        const uint8_t *data = t->data;
        c.ranges = t->dims[0];
        for (int64_t i = 0; i < c.ranges; i++) {
            const double r = aimrt_get_f32(data + 4 * i);
            c.range_min = i == 0 || r < c.range_min ? r : c.range_min;
            c.range_max = i == 0 || r > c.range_max ? r : c.range_max;
        }
    }
    if (c.ranges > 0 && op->n_inputs > AIMRT_LINEAR_ADC_LOW && op->inputs[AIMRT_LINEAR_ADC_LOW] >= 0) {
        const uint8_t *data = program->tensors[op->inputs[AIMRT_LINEAR_ADC_LOW]].data;
        c.spans = true;
        for (int64_t i = 0; i < c.ranges; i++) {
            const double low = aimrt_get_f32(data + 4 * i);
            c.low_min = i == 0 || low < c.low_min ? low : c.low_min;
            c.low_max = i == 0 || low > c.low_max ? low : c.low_max;
        }
    }
    return c;
}

static void text_calibration(const aimrt_program *program, const program_op *op, FILE *out)
{
    const calibration c = op_calibration(program, op);
    if (c.probes == 0 && c.ranges == 0)
        return;
    fprintf(out, "    calibration: probes %lld", (long long)c.probes);
    if (c.ranges > 0)
        fprintf(out, ", adc ranges %.6g..%.6g", c.range_min, c.range_max);
    if (c.spans)
        fprintf(out, " (tops of spans whose bottoms are %.6g..%.6g)", c.low_min, c.low_max);
    fputc('\n', out);
}

static void json_calibration(const aimrt_program *program, const program_op *op, FILE *out)
{
    const calibration c = op_calibration(program, op);
    if (c.probes == 0 && c.ranges == 0)
        return;
    fprintf(out, ",\"calibration\":{\"probes\":%lld,\"adc_ranges\":%lld", (long long)c.probes,
            (long long)c.ranges);
    if (c.ranges > 0)
        fprintf(out, ",\"adc_range_min\":%.9g,\"adc_range_max\":%.9g", c.range_min,
                c.range_max);
    if (c.spans)
        fprintf(out, ",\"adc_low_min\":%.9g,\"adc_low_max\":%.9g", c.low_min, c.low_max);
    fputc('}', out);
}

static void text_op(const aimrt_program *program, int index, usage u, FILE *out)
{
    const program_op *op = &program->ops[index];
    fprintf(out, "  %d %s \"%s\" (%s):", index, aimrt_op_name(op->code), op->node,
            op->onnx_type);
    for (int i = 0; i < op->n_inputs; i++)
        op->inputs[i] < 0 ? fprintf(out, " -") : fprintf(out, " %%%d", op->inputs[i]);
    fprintf(out, " ->");
    for (int i = 0; i < op->n_outputs; i++)
        fprintf(out, " %%%d", op->outputs[i]);
    for (int i = 0; i < op->n_attrs; i++) {
        fprintf(out, " %s=", aimrt_attr_key_name(op->attrs[i].key));
        print_attr_values(out, &op->attrs[i]);
    }
    fputc('\n', out);
    if (op->code != AIMRT_OP_LINEAR)
        return;
    fprintf(out, "    %d block%s on %lld tile%s, %lld of %lld cells used (%.1f%%)\n",
            op->n_blocks, op->n_blocks == 1 ? "" : "s", (long long)u.tiles,
            u.tiles == 1 ? "" : "s", (long long)u.cells_used, (long long)u.cells_available,
            percent(u.cells_used, u.cells_available));
    const aimrt_linear_plan *p = &op->plan;
    if (op->quantized) {
        fprintf(out, "    plan: kind %d, %s, weight_bits=%d cell_bits=%d slices=%d polarities=%d, "
                     "input %s %s bits=%d phases=%d, range %s",
                p->kind, program_encoding_name(p->encoding), p->weight_bits, p->cell_bits,
                p->n_slices, p->n_polarities, program_input_mode_name(p->input_mode),
                program_input_sign_name(p->input_sign), p->input_bits, p->n_phases,
                program_input_range_name(p->input_range));
        if (p->input_range == AIMRT_RANGE_STATIC)
            fprintf(out, " scale=%.9g", (double)p->input_scale);
        fprintf(out, ", %d replica%s\n", op->n_replicas, op->n_replicas == 1 ? "" : "s");
    } else if (op->n_replicas > 1) {
        fprintf(out, "    plan: float, %d replicas\n", op->n_replicas);
    }
    text_calibration(program, op, out);
    for (int i = 0; i < op->n_blocks; i++) {
        const program_block *b = &op->blocks[i];
        fprintf(out, "      W[%lld:%lld, %lld:%lld] -> @%d[%lld:%lld, %lld:%lld]",
                (long long)b->w_row, (long long)(b->w_row + b->n_rows), (long long)b->w_col,
                (long long)(b->w_col + b->n_cols), b->tile, (long long)b->tile_row,
                (long long)(b->tile_row + b->n_rows), (long long)b->tile_col,
                (long long)(b->tile_col + program_block_columns(op, b)));
        if (op->n_replicas > 1)
            fprintf(out, " replica %d", b->replica);
        fputc('\n', out);
    }
}

static void json_header(const aimrt_program *program, FILE *out)
{
    fprintf(out, "{\"format_version\":%u,\"size_bytes\":%zu,\"crc32\":\"0x%08x\",\"sections\":[",
            program->version, program->size, program->crc);
    for (int i = 0; i < program_section_count(program); i++) {
        const program_section *s = &program->sections[i];
        fprintf(out, "%s{\"name\":\"%s\",\"offset\":%llu,\"length\":%llu,\"count\":%u}",
                i > 0 ? "," : "", section_names[i], (unsigned long long)s->offset,
                (unsigned long long)s->length, s->count);
    }
    fputs("],\"metadata\":{", out);
    for (int i = 0; i < program->n_meta; i++) {
        fputs(i > 0 ? "," : "", out);
        json_string(out, program->meta[i].key);
        fputc(':', out);
        json_string(out, program->meta[i].value);
    }
    fputs("},\"tile_kinds\":[", out);
    for (int i = 0; i < program->n_kinds; i++) {
        const program_kind *k = &program->kinds[i];
        fputs(i > 0 ? ",{\"name\":" : "{\"name\":", out);
        json_string(out, k->name);
        fprintf(out, ",\"domain\":\"%s\",\"rows\":%lld,\"cols\":%lld,\"weight_bits\":%d,"
                     "\"cell_bits\":%d,\"cell\":",
                domain_names[k->domain], (long long)k->rows, (long long)k->cols,
                k->weight_bits, k->cell_bits);
        json_string(out, k->cell);
        fputs(",\"encoding\":", out);
        json_string(out, k->encoding);
        fprintf(out, ",\"input_mode\":\"%s\",\"input_bits\":%d,\"input_signed\":\"%s\","
                     "\"adc_bits\":%d,\"adc_range\":\"%s\"",
                program_input_mode_name(k->input_mode), k->input_bits,
                program_input_sign_name(k->input_sign), k->adc_bits,
                k->adc_range == AIMRT_ADC_CALIBRATED ? "calibrated" : "lossless");
        describe_kind_params(k, out, 1);
        fputc('}', out);
    }
    fprintf(out, "],\"arena\":{\"bytes_per_sample\":%lld,\"bytes_fixed\":%lld}",
            (long long)program->arena_bytes_per_sample, (long long)program->arena_bytes_fixed);
}

static void json_tensors(const aimrt_program *program, FILE *out)
{
    fputs(",\"tensors\":[", out);
    for (int i = 0; i < program->n_tensors; i++) {
        const program_tensor *t = &program->tensors[i];
        fprintf(out, "%s{\"id\":%d,\"name\":", i > 0 ? "," : "", i);
        json_string(out, t->name);
        fprintf(out, ",\"kind\":\"%s\",\"dtype\":\"%s\",\"batched\":%s,\"shape\":",
                kind_names[t->kind], aimrt_dtype_name(t->dtype), t->batched ? "true" : "false");
        print_shape(out, t, 1);
        if (t->in_arena)
            fprintf(out, ",\"arena_offset\":%llu", (unsigned long long)t->data_offset);
        fputc('}', out);
    }
    fputs("],\"inputs\":", out);
    print_ids(out, program->inputs, program->n_inputs);
    fputs(",\"outputs\":[", out);
    for (int i = 0; i < program->n_outputs; i++) {
        fprintf(out, "%s{\"id\":%d,\"name\":", i > 0 ? "," : "", program->outputs[i]);
        json_string(out, program->output_names[i]);
        fputc('}', out);
    }
    fputc(']', out);
}

/* Writes a LINEAR op's plan (null for float weights), replicas and block list. */
static void json_plan(const program_op *op, FILE *out)
{
    const aimrt_linear_plan *p = &op->plan;
    if (op->quantized)
        fprintf(out, ",\"plan\":{\"kind\":%d,\"encoding\":\"%s\",\"weight_bits\":%d,"
                     "\"cell_bits\":%d,\"slices\":%d,\"polarities\":%d,\"input_mode\":\"%s\","
                     "\"input_sign\":\"%s\",\"input_bits\":%d,\"phases\":%d,"
                     "\"input_range\":\"%s\",\"input_scale\":%.9g}",
                p->kind, program_encoding_name(p->encoding), p->weight_bits, p->cell_bits,
                p->n_slices, p->n_polarities, program_input_mode_name(p->input_mode),
                program_input_sign_name(p->input_sign), p->input_bits, p->n_phases,
                program_input_range_name(p->input_range),
                isfinite(p->input_scale) ? (double)p->input_scale : 0.0);
    else
        fputs(",\"plan\":null", out);
    fprintf(out, ",\"replicas\":%d,\"block_list\":[", op->n_replicas);
    for (int i = 0; i < op->n_blocks; i++) {
        const program_block *b = &op->blocks[i];
        fprintf(out, "%s{\"tile\":%d,\"tile_row\":%lld,\"tile_col\":%lld,\"rows\":%lld,"
                     "\"cols\":%lld,\"tile_cols\":%lld,\"w_row\":%lld,\"w_col\":%lld,"
                     "\"replica\":%d}",
                i > 0 ? "," : "", b->tile, (long long)b->tile_row, (long long)b->tile_col,
                (long long)b->n_rows, (long long)b->n_cols,
                (long long)program_block_columns(op, b), (long long)b->w_row,
                (long long)b->w_col, b->replica);
    }
    fputc(']', out);
}

static void json_op(const aimrt_program *program, int index, usage u, FILE *out)
{
    const program_op *op = &program->ops[index];
    fprintf(out, "%s{\"index\":%d,\"op\":\"%s\",\"node\":", index > 0 ? "," : "", index,
            aimrt_op_name(op->code));
    json_string(out, op->node);
    fputs(",\"onnx_type\":", out);
    json_string(out, op->onnx_type);
    fputs(",\"inputs\":", out);
    print_ids(out, op->inputs, op->n_inputs);
    fputs(",\"outputs\":", out);
    print_ids(out, op->outputs, op->n_outputs);
    fputs(",\"attrs\":{", out);
    for (int i = 0; i < op->n_attrs; i++) {
        fprintf(out, "%s\"%s\":", i > 0 ? "," : "", aimrt_attr_key_name(op->attrs[i].key));
        print_attr_values(out, &op->attrs[i]);
    }
    fputc('}', out);
    if (op->code == AIMRT_OP_LINEAR) {
        fprintf(out, ",\"blocks\":%d,\"tiles\":%lld,\"cells_used\":%lld,"
                     "\"cells_available\":%lld,\"utilization\":%.6f",
                op->n_blocks, (long long)u.tiles, (long long)u.cells_used,
                (long long)u.cells_available, percent(u.cells_used, u.cells_available) / 100.0);
        json_plan(op, out);
        json_calibration(program, op, out);
    }
    fputc('}', out);
}

/* Returns the cells of tile t that blocks use. */
static int64_t tile_cells_used(const aimrt_program *program, int32_t t)
{
    int64_t cells = 0;
    for (int i = 0; i < program->n_ops; i++) {
        const program_op *op = &program->ops[i];
        for (int j = 0; j < op->n_blocks; j++) {
            if (op->blocks[j].tile == t)
                cells += op->blocks[j].n_rows * program_block_columns(op, &op->blocks[j]);
        }
    }
    return cells;
}

/* A block on a tile with its op, for listing a tile's blocks in row order. */
typedef struct placed_block {
    const program_op *op;
    const program_block *block;
} placed_block;

static int compare_placed(const void *pa, const void *pb)
{
    const program_block *a = ((const placed_block *)pa)->block;
    const program_block *b = ((const placed_block *)pb)->block;
    if (a->tile_row != b->tile_row)
        return a->tile_row < b->tile_row ? -1 : 1;
    return (a->tile_col > b->tile_col) - (a->tile_col < b->tile_col);
}

/* Prints the blocks on tile t from the top row down, one line each with the
 * tile rows and columns it takes, its layer and its weights. A last line
 * gives the rows and columns in use. placed is scratch for every block. */
static void text_tile_blocks(const aimrt_program *program, int32_t t, placed_block *placed,
                             FILE *out)
{
    int n = 0;
    for (int i = 0; i < program->n_ops; i++) {
        const program_op *op = &program->ops[i];
        for (int j = 0; j < op->n_blocks; j++)
            if (op->blocks[j].tile == t)
                placed[n++] = (placed_block){op, &op->blocks[j]};
    }
    qsort(placed, (size_t)n, sizeof *placed, compare_placed);
    int64_t rows_used = 0, cols_used = 0;
    for (int i = 0; i < n; i++) {
        const program_op *op = placed[i].op;
        const program_block *b = placed[i].block;
        const int64_t cols = program_block_columns(op, b);
        fprintf(out, "      rows %lld:%lld, columns %lld:%lld: \"%s\" W[%lld:%lld, %lld:%lld]",
                (long long)b->tile_row, (long long)(b->tile_row + b->n_rows),
                (long long)b->tile_col, (long long)(b->tile_col + cols), op->node,
                (long long)b->w_row, (long long)(b->w_row + b->n_rows), (long long)b->w_col,
                (long long)(b->w_col + b->n_cols));
        if (op->n_replicas > 1)
            fprintf(out, " replica %d", b->replica);
        fputc('\n', out);
        if (b->tile_row + b->n_rows > rows_used)
            rows_used = b->tile_row + b->n_rows;
        if (b->tile_col + cols > cols_used)
            cols_used = b->tile_col + cols;
    }
    const program_tile *tile = &program->tiles[t];
    fprintf(out, "      in use: rows 0:%lld of %lld, columns 0:%lld of %lld\n",
            (long long)rows_used, (long long)tile->rows, (long long)cols_used,
            (long long)tile->cols);
}

/* Returns the count of blocks of all ops. */
static int64_t count_blocks(const aimrt_program *program)
{
    int64_t n = 0;
    for (int i = 0; i < program->n_ops; i++)
        n += program->ops[i].n_blocks;
    return n;
}

/* Prints every tile: kind, size, the layers packed on it and its utilization,
 * and as text its blocks. Returns false when out of memory. */
static bool describe_tiles(const aimrt_program *program, FILE *out, int json)
{
    placed_block *placed = malloc(((size_t)count_blocks(program) + 1) * sizeof *placed);
    if (!placed)
        return false;
    fputs(json ? ",\"list\":[" : "tile usage (each tile, the layers packed on it and the cells "
                                   "each block takes):\n",
          out);
    for (int32_t t = 0; t < program->n_tiles; t++) {
        const program_tile *tile = &program->tiles[t];
        const int64_t used = tile_cells_used(program, t);
        const double share = percent(used, tile->rows * tile->cols);
        if (json)
            fprintf(out, "%s{\"id\":%d,\"kind\":%d,\"rows\":%lld,\"cols\":%lld,"
                         "\"cells_used\":%lld,\"utilization\":%.6f,\"layers\":[",
                    t > 0 ? "," : "", t, tile->kind, (long long)tile->rows,
                    (long long)tile->cols, (long long)used, share / 100.0);
        else
            fprintf(out, "  @%d kind %d %lldx%lld, %lld cells used (%.1f%%):", t, tile->kind,
                    (long long)tile->rows, (long long)tile->cols, (long long)used, share);
        int n_layers = 0;
        for (int i = 0; i < program->n_ops; i++) {
            const program_op *op = &program->ops[i];
            bool on_tile = false;
            for (int j = 0; j < op->n_blocks && !on_tile; j++)
                on_tile = op->blocks[j].tile == t;
            if (!on_tile)
                continue;
            fputs(json ? (n_layers > 0 ? "," : "") : " ", out);
            json ? json_string(out, op->node) : (void)fprintf(out, "\"%s\"", op->node);
            n_layers++;
        }
        fputs(json ? "]}" : "\n", out);
        if (!json)
            text_tile_blocks(program, t, placed, out);
    }
    fputs(json ? "]" : "", out);
    free(placed);
    return true;
}

/* A linear layer: the LINEAR ops of one ONNX node that follow each other
 * among the LINEAR ops (a grouped convolution has one per group), as the
 * map pass groups them. */
typedef struct layer_usage {
    int first_op;
    int last_op;
    int n_ops;
    int n_blocks;
    int64_t weights;
    int64_t cells_used;
    int64_t cells_available; /* all cells of the tiles it uses */
    int n_tiles;
    int n_shared_tiles;      /* its tiles that hold blocks of other layers too */
} layer_usage;

/* The layers of a program with, per tile, the count of layers on it. */
typedef struct layer_table {
    int n_layers;
    layer_usage *layers;
    int *layers_on_tile;
    int *stamp; /* scratch: by tile, the last layer seen on it */
} layer_table;

static int64_t weight_count(const aimrt_program *program, const program_op *op)
{
    const program_tensor *w = op->n_inputs > 1 && op->inputs[1] >= 0
                                  ? &program->tensors[op->inputs[1]]
                                  : NULL;
    return w != NULL && w->rank == 2 ? w->dims[0] * w->dims[1] : 0;
}

/* Adds the blocks of op to layer l: cells, and tiles not seen for it before. */
static void add_layer_blocks(const aimrt_program *program, layer_table *table, int l,
                             const program_op *op)
{
    layer_usage *layer = &table->layers[l];
    layer->n_blocks += op->n_blocks;
    for (int j = 0; j < op->n_blocks; j++) {
        const program_block *b = &op->blocks[j];
        layer->cells_used += b->n_rows * program_block_columns(op, b);
        if (table->stamp[b->tile] == l)
            continue;
        table->stamp[b->tile] = l;
        table->layers_on_tile[b->tile]++;
        layer->n_tiles++;
        layer->cells_available += program->tiles[b->tile].rows * program->tiles[b->tile].cols;
    }
}

/* Groups the LINEAR ops with blocks into layers. Returns false when out of memory. */
static bool collect_layers(const aimrt_program *program, layer_table *table)
{
    table->layers = calloc((size_t)program->n_ops + 1, sizeof *table->layers);
    table->layers_on_tile = calloc((size_t)program->n_tiles + 1, sizeof *table->layers_on_tile);
    table->stamp = malloc(((size_t)program->n_tiles + 1) * sizeof *table->stamp);
    if (!table->layers || !table->layers_on_tile || !table->stamp)
        return false;
    for (int t = 0; t < program->n_tiles; t++)
        table->stamp[t] = -1;
    for (int i = 0; i < program->n_ops; i++) {
        const program_op *op = &program->ops[i];
        if (op->code != AIMRT_OP_LINEAR || op->n_blocks == 0)
            continue;
        layer_usage *last = table->n_layers > 0 ? &table->layers[table->n_layers - 1] : NULL;
        if (last == NULL || strcmp(program->ops[last->first_op].node, op->node) != 0)
            table->layers[table->n_layers++] = (layer_usage){.first_op = i};
        layer_usage *layer = &table->layers[table->n_layers - 1];
        layer->last_op = i;
        layer->n_ops++;
        layer->weights += weight_count(program, op);
        add_layer_blocks(program, table, table->n_layers - 1, op);
    }
    for (int l = 0; l < table->n_layers; l++) {
        const layer_usage *layer = &table->layers[l];
        for (int i = layer->first_op; i <= layer->last_op; i++) {
            const program_op *op = &program->ops[i];
            for (int j = 0; j < op->n_blocks; j++) {
                const int32_t t = op->blocks[j].tile;
                if (table->stamp[t] == -2 - l)
                    continue;
                table->stamp[t] = -2 - l;
                table->layers[l].n_shared_tiles += table->layers_on_tile[t] > 1;
            }
        }
    }
    return true;
}

static void free_layers(layer_table *table)
{
    free(table->layers);
    free(table->layers_on_tile);
    free(table->stamp);
}

/* Prints "27x16 weights", "16 weight matrices of 9x1" or "3 weight matrices
 * of 120 weights in all" for a layer. */
static void text_layer_weights(const aimrt_program *program, const layer_usage *layer, FILE *out)
{
    const program_op *first = &program->ops[layer->first_op];
    const program_tensor *w = &program->tensors[first->inputs[1]];
    if (layer->n_ops == 1) {
        fprintf(out, "%lldx%lld weights", (long long)w->dims[0], (long long)w->dims[1]);
        return;
    }
    if (layer->weights == (int64_t)layer->n_ops * w->dims[0] * w->dims[1])
        fprintf(out, "%d weight matrices of %lldx%lld", layer->n_ops, (long long)w->dims[0],
                (long long)w->dims[1]);
    else
        fprintf(out, "%d weight matrices of %lld weights in all", layer->n_ops,
                (long long)layer->weights);
}

/* Sets marks[t] to 1 for each tile that layer has blocks on, else 0. */
static void mark_layer_tiles(const aimrt_program *program, const layer_usage *layer, int *marks)
{
    for (int32_t t = 0; t < program->n_tiles; t++)
        marks[t] = 0;
    for (int i = layer->first_op; i <= layer->last_op; i++) {
        const program_op *op = &program->ops[i];
        for (int j = 0; j < op->n_blocks; j++)
            marks[op->blocks[j].tile] = 1;
    }
}

/* Prints the tiles of a layer in order, at most 8, as " @0 @17". */
static void text_layer_tiles(const aimrt_program *program, const layer_table *table,
                             const layer_usage *layer, FILE *out)
{
    mark_layer_tiles(program, layer, table->stamp);
    int printed = 0;
    for (int32_t t = 0; t < program->n_tiles; t++) {
        if (!table->stamp[t])
            continue;
        if (printed++ == 8) {
            fputs(" ...", out);
            return;
        }
        fprintf(out, " @%d", t);
    }
}

/* Returns how many other layers hold blocks on tile t, which layer uses. */
static int other_layers_on_tile(const layer_table *table, int32_t t)
{
    return table->layers_on_tile[t] - 1;
}

/* Returns the first tile of a layer. */
static int32_t first_tile(const aimrt_program *program, const layer_usage *layer)
{
    int32_t first = INT32_MAX;
    for (int i = layer->first_op; i <= layer->last_op; i++) {
        const program_op *op = &program->ops[i];
        for (int j = 0; j < op->n_blocks; j++)
            first = op->blocks[j].tile < first ? op->blocks[j].tile : first;
    }
    return first;
}

/* Prints where a layer sits: "on tile @35, shared with 2 other layers" or
 * "on 2 tiles @0 @17, 1 of them shared with other layers". */
static void text_layer_place(const aimrt_program *program, const layer_table *table,
                             const layer_usage *layer, FILE *out)
{
    const int32_t first = first_tile(program, layer);
    if (program->n_kinds > 1)
        fprintf(out, " of kind \"%s\"", program->kinds[program->tiles[first].kind].name);
    if (layer->n_tiles == 1) {
        const int others = other_layers_on_tile(table, first);
        fprintf(out, " on tile @%d", first);
        if (others > 0)
            fprintf(out, ", shared with %d other layer%s", others, others == 1 ? "" : "s");
        return;
    }
    fprintf(out, " on %d tiles", layer->n_tiles);
    text_layer_tiles(program, table, layer, out);
    if (layer->n_shared_tiles > 0)
        fprintf(out, ", %d of them shared with other layers", layer->n_shared_tiles);
}

/* Prints one line per linear layer: its weights, blocks, tiles and cells. */
static void text_layers(const aimrt_program *program, const layer_table *table, FILE *out)
{
    fprintf(out, "layer usage (K x N weights, K inputs and N outputs; utilization is the "
                 "share of the cells of the layer's tiles\n"
                 "that its blocks use, and a block of r x c weights takes r tile rows and "
                 "c * S * P tile columns):\n");
    for (int l = 0; l < table->n_layers; l++) {
        const layer_usage *layer = &table->layers[l];
        const program_op *op = &program->ops[layer->first_op];
        fprintf(out, "  \"%s\" (%s): ", op->node, op->onnx_type);
        text_layer_weights(program, layer, out);
        if (op->n_replicas > 1)
            fprintf(out, " in %d replicas", op->n_replicas);
        fprintf(out, " in %d block%s", layer->n_blocks, layer->n_blocks == 1 ? "" : "s");
        text_layer_place(program, table, layer, out);
        fprintf(out, "; %lld cells, %.1f%% utilization\n", (long long)layer->cells_used,
                percent(layer->cells_used, layer->cells_available));
    }
}

/* Writes ",\"tile_ids\":[...]}": the tiles of a layer in order, closing its object. */
static void json_layer_tile_ids(const aimrt_program *program, const layer_table *table,
                                const layer_usage *layer, FILE *out)
{
    mark_layer_tiles(program, layer, table->stamp);
    fputs(",\"tile_ids\":[", out);
    int printed = 0;
    for (int32_t t = 0; t < program->n_tiles; t++) {
        if (table->stamp[t])
            fprintf(out, printed++ > 0 ? ",%d" : "%d", t);
    }
    fputs("]}", out);
}

static void json_layers(const aimrt_program *program, const layer_table *table, FILE *out)
{
    fputs(",\"layers\":[", out);
    for (int l = 0; l < table->n_layers; l++) {
        const layer_usage *layer = &table->layers[l];
        const program_op *op = &program->ops[layer->first_op];
        fputs(l > 0 ? ",{\"node\":" : "{\"node\":", out);
        json_string(out, op->node);
        fputs(",\"onnx_type\":", out);
        json_string(out, op->onnx_type);
        fprintf(out, ",\"ops\":%d,\"weights\":%lld,\"blocks\":%d,\"tiles\":%d,"
                     "\"shared_tiles\":%d,\"cells_used\":%lld,\"cells_available\":%lld,"
                     "\"utilization\":%.6f",
                layer->n_ops, (long long)layer->weights, layer->n_blocks, layer->n_tiles,
                layer->n_shared_tiles, (long long)layer->cells_used,
                (long long)layer->cells_available,
                percent(layer->cells_used, layer->cells_available) / 100.0);
        json_layer_tile_ids(program, table, layer, out);
    }
    fputc(']', out);
}

/* The totals of one tile kind. */
typedef struct kind_usage {
    long long columns_per_weight; /* S * P of its first quantized layer, else 1 */
    int reference_columns;
    int n_tiles;
    int n_shared;
    int n_layers;
    int n_blocks;
    int64_t cells_used;
    int64_t cells_total;
} kind_usage;

static kind_usage count_kind(const aimrt_program *program, const layer_table *table, int kind)
{
    kind_usage k = {1, 0, 0, 0, 0, 0, 0, 0};
    for (int32_t t = 0; t < program->n_tiles; t++) {
        const program_tile *tile = &program->tiles[t];
        if (tile->kind != kind)
            continue;
        k.n_tiles++;
        k.n_shared += table->layers_on_tile[t] > 1;
        k.cells_used += tile_cells_used(program, t);
        k.cells_total += tile->rows * tile->cols;
    }
    for (int l = 0; l < table->n_layers; l++) {
        const layer_usage *layer = &table->layers[l];
        const program_op *op = &program->ops[layer->first_op];
        if (op->n_blocks == 0 || program->tiles[op->blocks[0].tile].kind != kind)
            continue;
        if (k.n_layers++ == 0 && op->quantized) {
            k.columns_per_weight = (long long)aimrt_plan_columns_per_weight(&op->plan);
            k.reference_columns = aimrt_plan_reference_columns(&op->plan);
        }
        k.n_blocks += layer->n_blocks;
    }
    return k;
}

/* Prints the totals of each tile kind: tiles, layers, blocks, cells and
 * the tiles that packing shares between layers. */
static void describe_kinds(const aimrt_program *program, const layer_table *table, FILE *out,
                           int json)
{
    fputs(json ? ",\"kinds\":[" : "", out);
    for (int i = 0; i < program->n_kinds; i++) {
        const program_kind *kind = &program->kinds[i];
        const kind_usage k = count_kind(program, table, i);
        if (json) {
            fputs(i > 0 ? ",{\"kind\":" : "{\"kind\":", out);
            json_string(out, kind->name);
            fprintf(out, ",\"tiles\":%d,\"shared_tiles\":%d,\"layers\":%d,\"blocks\":%d,"
                         "\"cells_used\":%lld,\"cells_total\":%lld,\"utilization\":%.6f}",
                    k.n_tiles, k.n_shared, k.n_layers, k.n_blocks, (long long)k.cells_used,
                    (long long)k.cells_total, percent(k.cells_used, k.cells_total) / 100.0);
            continue;
        }
        fprintf(out, "kind %d \"%s\" (%lldx%lld", i, kind->name, (long long)kind->rows,
                (long long)kind->cols);
        if (k.n_tiles == 0) {
            fputs("): no tiles used\n", out);
            continue;
        }
        if (k.columns_per_weight > 1)
            fprintf(out, ", S * P = %lld tile columns per weight column", k.columns_per_weight);
        if (k.reference_columns > 0)
            fprintf(out, " plus %d reference columns per block", k.reference_columns);
        fprintf(out, "): %d tile%s %d layer%s in %d block%s; "
                     "%lld of %lld cells used (%.1f%%); %d tile%s shared by several layers\n",
                k.n_tiles, k.n_tiles == 1 ? " holds" : "s hold", k.n_layers, k.n_layers == 1 ? "" : "s", k.n_blocks,
                k.n_blocks == 1 ? "" : "s", (long long)k.cells_used, (long long)k.cells_total,
                percent(k.cells_used, k.cells_total), k.n_shared, k.n_shared == 1 ? "" : "s");
    }
    fputs(json ? "]" : "", out);
}

/* Totals over all tiles: the tiles that linear ops use and the cells. */
typedef struct program_totals {
    int64_t tiles_used;
    int64_t cells_used;
    int64_t cells_total;
} program_totals;

static program_totals count_totals(const aimrt_program *program, const layer_table *table)
{
    program_totals totals = {0, 0, 0};
    for (int32_t t = 0; t < program->n_tiles; t++) {
        totals.cells_total += program->tiles[t].rows * program->tiles[t].cols;
        totals.tiles_used += table->layers_on_tile[t] > 0;
    }
    for (int l = 0; l < table->n_layers; l++)
        totals.cells_used += table->layers[l].cells_used;
    return totals;
}

/* Prints the ops, each LINEAR op with its tile usage; stamp is scratch by tile. */
static void describe_ops(const aimrt_program *program, int *stamp, FILE *out, int json)
{
    for (int32_t t = 0; t < program->n_tiles; t++)
        stamp[t] = -1;
    fputs(json ? ",\"ops\":[" : "ops:\n", out);
    for (int i = 0; i < program->n_ops; i++) {
        const usage u = op_usage(program, &program->ops[i], stamp, i);
        json ? json_op(program, i, u, out) : text_op(program, i, u, out);
    }
    fputs(json ? "]" : "", out);
}

static bool describe_text(const aimrt_program *program, layer_table *table, FILE *out)
{
    const program_totals totals = count_totals(program, table);
    text_header(program, out);
    fprintf(out, "summary: %d linear layer%s on %lld of %d tiles, %lld of %lld cells used "
                 "(%.1f%%); see layer usage and tile usage at the end\n",
            table->n_layers, table->n_layers == 1 ? "" : "s", (long long)totals.tiles_used,
            program->n_tiles, (long long)totals.cells_used, (long long)totals.cells_total,
            percent(totals.cells_used, totals.cells_total));
    text_tensors(program, out);
    describe_ops(program, table->stamp, out, 0);
    text_layers(program, table, out);
    const bool done = describe_tiles(program, out, 0);
    describe_kinds(program, table, out, 0);
    fprintf(out, "tiles: %d (%lld used by linear ops), %lld of %lld cells used (%.1f%%)\n",
            program->n_tiles, (long long)totals.tiles_used, (long long)totals.cells_used,
            (long long)totals.cells_total, percent(totals.cells_used, totals.cells_total));
    return done;
}

static bool describe_json(const aimrt_program *program, layer_table *table, FILE *out)
{
    const program_totals totals = count_totals(program, table);
    json_header(program, out);
    json_tensors(program, out);
    describe_ops(program, table->stamp, out, 1);
    json_layers(program, table, out);
    fprintf(out, ",\"tiles\":{\"count\":%d,\"used\":%lld,\"cells_used\":%lld,"
                 "\"cells_total\":%lld,\"utilization\":%.6f",
            program->n_tiles, (long long)totals.tiles_used, (long long)totals.cells_used,
            (long long)totals.cells_total, percent(totals.cells_used, totals.cells_total) / 100.0);
    const bool done = describe_tiles(program, out, 1);
    describe_kinds(program, table, out, 1);
    fputs("}}\n", out);
    return done;
}

aimrt_status aimrt_program_describe(const aimrt_program *program, FILE *out, int json)
{
    if (!program || !out)
        return AIMRT_ERR_INVALID_ARG;
    layer_table table = {0, NULL, NULL, NULL};
    bool done = collect_layers(program, &table);
    if (done)
        done = json ? describe_json(program, &table, out) : describe_text(program, &table, out);
    free_layers(&table);
    if (!done)
        return AIMRT_ERR_NOMEM;
    return ferror(out) ? AIMRT_ERR_IO : AIMRT_OK;
}
