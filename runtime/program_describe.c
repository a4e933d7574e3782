/* SPDX-License-Identifier: MIT */
/*
 * Prints a loaded program for `aimcc inspect`, as text or as one JSON
 * object: header, sections, metadata, tile kinds, tensors, ops (with the
 * plan, blocks and cell utilization of each LINEAR op), and every tile with
 * the layers packed on it and its utilization. A block's cells count its
 * physical columns: n_cols * S * P plus reference columns.
 */
#include <math.h>
#include <stdlib.h>

#include "program_internal.h"

static const char *const section_names[AIMRT_SECTION_COUNT] = {
    "strings", "tensors", "tile_kinds", "tiles", "constants", "code", "metadata"};
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

static void text_header(const aimrt_program *program, FILE *out)
{
    fprintf(out, "aimc program: format version %u, %zu bytes, crc32 0x%08x\n", program->version,
            program->size, program->crc);
    fprintf(out, "sections:\n");
    for (int i = 0; i < AIMRT_SECTION_COUNT; i++) {
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
                    program_input_sign_name(k->input_sign), k->adc_bits, k->adc_range == AIMRT_ADC_CALIBRATED ? "calibrated" : "lossless");
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
    fprintf(out, "    %d blocks on %lld tiles, %lld of %lld cells used (%.1f%%)\n", op->n_blocks,
            (long long)u.tiles, (long long)u.cells_used, (long long)u.cells_available,
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
    for (int i = 0; i < AIMRT_SECTION_COUNT; i++) {
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
                     "\"adc_bits\":%d,\"adc_range\":\"%s\"}",
                program_input_mode_name(k->input_mode), k->input_bits,
                program_input_sign_name(k->input_sign), k->adc_bits,
                k->adc_range == AIMRT_ADC_CALIBRATED ? "calibrated" : "lossless");
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

/* Prints every tile: kind, size, the layers packed on it and its utilization. */
static void describe_tiles(const aimrt_program *program, FILE *out, int json)
{
    fputs(json ? ",\"list\":[" : "tile usage:\n", out);
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
    }
    fputs(json ? "]" : "", out);
}

aimrt_status aimrt_program_describe(const aimrt_program *program, FILE *out, int json)
{
    if (!program || !out)
        return AIMRT_ERR_INVALID_ARG;
    int *stamp = malloc((size_t)(program->n_tiles + 1) * sizeof *stamp);
    int *all = calloc((size_t)program->n_tiles + 1, sizeof *all);
    if (!stamp || !all) {
        free(stamp);
        free(all);
        return AIMRT_ERR_NOMEM;
    }
    for (int i = 0; i < program->n_tiles; i++)
        stamp[i] = -1;

    json ? json_header(program, out) : text_header(program, out);
    json ? json_tensors(program, out) : text_tensors(program, out);
    fputs(json ? ",\"ops\":[" : "ops:\n", out);
    usage total = {0, 0, 0};
    for (int i = 0; i < program->n_ops; i++) {
        const usage u = op_usage(program, &program->ops[i], stamp, i);
        total.cells_used += u.cells_used;
        op_usage(program, &program->ops[i], all, 1);
        json ? json_op(program, i, u, out) : text_op(program, i, u, out);
    }

    int64_t cells_total = 0;
    for (int i = 0; i < program->n_tiles; i++) {
        cells_total += program->tiles[i].rows * program->tiles[i].cols;
        total.tiles += all[i] == 1;
    }
    if (json) {
        fprintf(out, "],\"tiles\":{\"count\":%d,\"used\":%lld,\"cells_used\":%lld,"
                     "\"cells_total\":%lld,\"utilization\":%.6f",
                program->n_tiles, (long long)total.tiles, (long long)total.cells_used,
                (long long)cells_total, percent(total.cells_used, cells_total) / 100.0);
        describe_tiles(program, out, json);
        fputs("}}\n", out);
    } else {
        describe_tiles(program, out, json);
        fprintf(out, "tiles: %d (%lld used by linear ops), %lld of %lld cells used (%.1f%%)\n",
                program->n_tiles, (long long)total.tiles, (long long)total.cells_used,
                (long long)cells_total, percent(total.cells_used, cells_total));
    }

    free(stamp);
    free(all);
    return ferror(out) ? AIMRT_ERR_IO : AIMRT_OK;
}
