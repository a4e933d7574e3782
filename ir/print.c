/* SPDX-License-Identifier: MIT */
/*
 * The IR text dump: one line per value declaration, tile, op, tile block,
 * activation buffer and graph output, named by dense ids so dumps are stable
 * across runs. The grammar is in docs/ir.md; ir/parse.c reads the same text
 * back.
 */
#include "ir/ir.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <zlib.h>

#include "passes/kind_layout.h"

/* Column where the trailing node annotation starts, so annotations line up. */
#define ANNOTATION_COLUMN 56

typedef struct printer {
    FILE *file;
    int column; /* characters written on the current line */
} printer;

static void emit(printer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emit(printer *p, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    const int n = vfprintf(p->file, fmt, args);
    va_end(args);
    if (n > 0)
        p->column += n;
}

static void end_line(printer *p)
{
    fputc('\n', p->file);
    p->column = 0;
}

/* Characters of a name printed without quotes; ir/parse.c reads the same set. */
static bool is_name_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
}

static bool is_bare_name(const char *name)
{
    if (!name || !name[0])
        return false;
    for (const char *c = name; *c; c++) {
        if (!is_name_char((unsigned char)*c))
            return false;
    }
    return true;
}

/* Writes a double-quoted string; quotes, backslashes and bytes outside
 * printable ASCII are escaped so every name survives the round trip. */
static void emit_string(printer *p, const char *text)
{
    emit(p, "\"");
    for (const unsigned char *c = (const unsigned char *)(text ? text : ""); *c; c++) {
        if (*c == '"' || *c == '\\')
            emit(p, "\\%c", *c);
        else if (*c < 0x20 || *c >= 0x7f)
            emit(p, "\\x%02x", *c);
        else
            emit(p, "%c", *c);
    }
    emit(p, "\"");
}

static void emit_dollar_name(printer *p, const char *name)
{
    emit(p, " $");
    if (is_bare_name(name))
        emit(p, "%s", name);
    else
        emit_string(p, name);
}

/* Prints a float round-trippable with digits significant digits. NaN prints
 * without its sign and payload, which printf would show inconsistently. */
static void emit_real(printer *p, double value, int digits, bool mark_real)
{
    if (isnan(value)) {
        emit(p, "nan");
        return;
    }
    if (isinf(value)) {
        emit(p, value < 0 ? "-inf" : "inf");
        return;
    }
    char text[64];
    snprintf(text, sizeof text, "%.*g", digits, value);
    emit(p, "%s", text);
    /* Attribute lists carry no dtype, so a float attribute keeps a decimal point. */
    if (mark_real && !strpbrk(text, ".e"))
        emit(p, ".0");
}

static void emit_type(printer *p, aimrt_dtype dtype, int rank, const int64_t *dims, bool batched)
{
    const char *name = aimrt_dtype_name(dtype);
    emit(p, "%s[", name ? name : "?");
    for (int d = 0; d < rank && d < AIMRT_MAX_RANK; d++) {
        if (d > 0)
            emit(p, ",");
        if (d == 0 && batched && dims[0] == 1)
            emit(p, "N");
        else if (d == 0 && batched)
            emit(p, "N=%" PRId64, dims[0]);
        else
            emit(p, "%" PRId64, dims[d]);
    }
    emit(p, "]");
}

static void emit_annotation(printer *p, const char *node, const char *onnx_type)
{
    emit(p, "%*s; ", p->column < ANNOTATION_COLUMN - 3 ? ANNOTATION_COLUMN - 3 - p->column : 1, "");
    emit_string(p, node);
    if (onnx_type && onnx_type[0]) {
        emit(p, " ");
        if (is_bare_name(onnx_type))
            emit(p, "%s", onnx_type);
        else
            emit_string(p, onnx_type);
    }
}

/* Prints element i of a constant; memcpy keeps unaligned reads defined. */
static void emit_element(printer *p, aimrt_dtype dtype, const unsigned char *data, int64_t i)
{
    const size_t size = aimrt_dtype_size(dtype);
    const unsigned char *at = data + (size_t)i * size;
    union {
        float f32;
        double f64;
        uint16_t u16;
        int8_t i8;
        int16_t i16;
        int32_t i32;
        int64_t i64;
        uint8_t u8;
        uint32_t u32;
        uint64_t u64;
    } v;
    memcpy(&v, at, size);
    switch (dtype) {
    case AIMRT_DTYPE_FLOAT:
        emit_real(p, v.f32, 9, false);
        break;
    case AIMRT_DTYPE_DOUBLE:
        emit_real(p, v.f64, 17, false);
        break;
    case AIMRT_DTYPE_FLOAT16:
        emit_real(p, aimrt_half_to_float(v.u16), 9, false);
        break;
    case AIMRT_DTYPE_INT8:
        emit(p, "%d", v.i8);
        break;
    case AIMRT_DTYPE_INT16:
        emit(p, "%d", v.i16);
        break;
    case AIMRT_DTYPE_INT32:
        emit(p, "%" PRId32, v.i32);
        break;
    case AIMRT_DTYPE_INT64:
        emit(p, "%" PRId64, v.i64);
        break;
    case AIMRT_DTYPE_UINT8:
    case AIMRT_DTYPE_BOOL:
        emit(p, "%u", v.u8);
        break;
    case AIMRT_DTYPE_UINT16:
        emit(p, "%u", v.u16);
        break;
    case AIMRT_DTYPE_UINT32:
        emit(p, "%" PRIu32, v.u32);
        break;
    case AIMRT_DTYPE_UINT64:
        emit(p, "%" PRIu64, v.u64);
        break;
    default:
        emit(p, "?");
        break;
    }
}

static uint32_t crc32_of(const void *data, size_t size)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    const unsigned char *bytes = data;
    /* zlib takes a uInt length, so large weights go in chunks. */
    while (size > 0) {
        const size_t chunk = size < (1u << 30) ? size : (1u << 30);
        crc = crc32(crc, bytes, (uInt)chunk);
        bytes += chunk;
        size -= chunk;
    }
    return (uint32_t)crc;
}

static void emit_constant_data(printer *p, const aimcc_value *value, bool weights)
{
    const size_t elem_size = aimrt_dtype_size(value->dtype);
    int64_t count = 0;
    if (!value->data || elem_size == 0 ||
        !aimrt_shape_count(value->rank, value->dims, elem_size, &count)) {
        emit(p, " nodata");
        return;
    }
    if (!weights) {
        emit(p, " crc32=0x%08" PRIx32, crc32_of(value->data, (size_t)count * elem_size));
        return;
    }
    emit(p, " = [");
    for (int64_t i = 0; i < count; i++) {
        if (i > 0)
            emit(p, ", ");
        emit_element(p, value->dtype, value->data, i);
    }
    emit(p, "]");
}

/* Writes `%ID = input|const [$NAME] [overridable] : TYPE [data]`. */
static void print_declaration(printer *p, const aimcc_value *value, bool weights)
{
    emit(p, "  %%%d = %s", value->id, value->kind == AIMCC_VALUE_INPUT ? "input" : "const");
    if (value->name)
        emit_dollar_name(p, value->name);
    if (value->overridable)
        emit(p, " overridable");
    emit(p, " : ");
    emit_type(p, value->dtype, value->rank, value->dims, value->batched);
    if (value->kind == AIMCC_VALUE_CONST)
        emit_constant_data(p, value, weights);
    end_line(p);
}

static bool is_graph_input(const aimcc_module *module, const aimcc_value *value)
{
    for (int i = 0; i < module->n_inputs; i++) {
        if (module->inputs[i] == value)
            return true;
    }
    return false;
}

/* Graph inputs come first, in graph order, because that order is the
 * program's input order; the other inputs and constants follow by id. */
static void print_declarations(printer *p, const aimcc_module *module, bool weights)
{
    for (int i = 0; i < module->n_inputs; i++) {
        if (module->inputs[i])
            print_declaration(p, module->inputs[i], weights);
    }
    for (int id = 0; id < module->n_values; id++) {
        const aimcc_value *value = module->values[id];
        if (!value || value->kind == AIMCC_VALUE_ACTIVATION || is_graph_input(module, value))
            continue;
        print_declaration(p, value, weights);
    }
}

/* Writes the cell levels that encode wrote: every value with weights, else
 * the CRC-32 of their f32 bytes. */
static void emit_levels(printer *p, const aimcc_tile *tile, bool weights)
{
    const int64_t count = tile->rows * tile->cols;
    if (!weights) {
        emit(p, " levels crc32=0x%08" PRIx32,
             crc32_of(tile->levels, (size_t)count * sizeof *tile->levels));
        return;
    }
    emit(p, " levels=[");
    for (int64_t i = 0; i < count; i++) {
        if (i > 0)
            emit(p, ", ");
        emit_real(p, tile->levels[i], 9, false);
    }
    emit(p, "]");
}

/* The kind prints as its index only: a parsed module has no target bound, and
 * a name printed from the target would not survive the round trip. */
static void print_tiles(printer *p, const aimcc_module *module, bool weights)
{
    for (int t = 0; t < module->n_tiles; t++) {
        const aimcc_tile *tile = &module->tiles[t];
        emit(p,
             "  tile @t%d kind=%d rows=%" PRId64 " cols=%" PRId64 " rows_used=%" PRId64
             " cells_used=%" PRId64,
             tile->id, tile->kind, tile->rows, tile->cols, tile->rows_used, tile->cells_used);
        if (tile->levels)
            emit_levels(p, tile, weights);
        end_line(p);
    }
}

static void emit_attribute(printer *p, const aimrt_attr *attr)
{
    const char *key = aimrt_attr_key_name(attr->key);
    emit(p, "%s=", key ? key : "?");
    const bool list = attr->n != 1;
    if (list)
        emit(p, "[");
    for (int i = 0; i < attr->n; i++) {
        if (i > 0)
            emit(p, ", ");
        if (attr->kind == AIMRT_ATTR_FLOATS)
            emit_real(p, attr->floats[i], 9, true);
        else
            emit(p, "%" PRId64, attr->ints[i]);
    }
    if (list)
        emit(p, "]");
}

/* Writes `%A[, %B] = NAME IN, -, IN {key=value, ...} : TYPE[, TYPE]   ; "node" Type`. */
static void print_op(printer *p, const aimcc_op *op)
{
    emit(p, " ");
    for (int i = 0; i < op->n_outputs; i++)
        emit(p, "%s %%%d", i > 0 ? "," : "", op->outputs[i] ? op->outputs[i]->id : -1);
    const char *name = aimrt_op_name(op->code);
    emit(p, " = %s", name ? name : "?");
    for (int i = 0; i < op->n_inputs; i++) {
        emit(p, "%s", i > 0 ? ", " : " ");
        if (op->inputs[i])
            emit(p, "%%%d", op->inputs[i]->id);
        else
            emit(p, "-");
    }
    if (op->n_attrs > 0) {
        emit(p, " {");
        for (int i = 0; i < op->n_attrs; i++) {
            if (i > 0)
                emit(p, ", ");
            emit_attribute(p, &op->attrs[i]);
        }
        emit(p, "}");
    }
    emit(p, " :");
    for (int i = 0; i < op->n_outputs; i++) {
        const aimcc_value *out = op->outputs[i];
        emit(p, "%s", i > 0 ? ", " : " ");
        if (out)
            emit_type(p, out->dtype, out->rank, out->dims, out->batched);
    }
    emit_annotation(p, op->node, op->onnx_type);
    end_line(p);
}

/* Writes `kind K "REASON"`, the choice of select-domain, after a LINEAR op. */
static void print_kind(printer *p, const aimcc_op *op)
{
    if (op->code != AIMRT_OP_LINEAR || (!op->kind_reason && op->kind == 0 && !op->plan))
        return;
    emit(p, "  kind %d", op->kind);
    if (op->kind_reason) {
        emit(p, " ");
        emit_string(p, op->kind_reason);
    }
    emit_annotation(p, op->node, op->onnx_type);
    end_line(p);
}

static void emit_name(printer *p, const char *key, const char *name)
{
    emit(p, " %s=%s", key, name ? name : "?");
}

/* Writes `plan enc=E wb=W cb=C [S= P=] input=M sign=G b=B [phases=] range=R [scale=F]`.
 * S, P and phases print once bit-slice has set them. */
static void print_plan(printer *p, const aimcc_op *op)
{
    const aimrt_linear_plan *plan = op->plan;
    if (!plan)
        return;
    emit(p, "  plan");
    emit_name(p, "enc", aimcc_encoding_name(plan->encoding));
    emit(p, " wb=%d cb=%d", plan->weight_bits, plan->cell_bits);
    if (plan->n_slices || plan->n_polarities)
        emit(p, " S=%d P=%d", plan->n_slices, plan->n_polarities);
    emit_name(p, "input", aimcc_input_mode_name(plan->input_mode));
    emit_name(p, "sign", aimcc_input_sign_name(plan->input_sign));
    emit(p, " b=%d", plan->input_bits);
    if (plan->n_phases)
        emit(p, " phases=%d", plan->n_phases);
    emit_name(p, "range", aimcc_input_range_name(plan->input_range));
    if (plan->input_range == AIMRT_RANGE_STATIC) {
        emit(p, " scale=");
        emit_real(p, plan->input_scale, 9, true);
    }
    emit_annotation(p, op->node, op->onnx_type);
    end_line(p);
}

/* Writes ", NAME LOW to HIGH" with the extremes of a 1-D f32 constant, and
 * returns whether there was one to write. */
static bool emit_extent(printer *p, const char *name, const aimcc_value *value)
{
    if (!value || !value->data || value->rank != 1 || value->dims[0] <= 0)
        return false;
    const float *values = value->data;
    float low = values[0], high = values[0];
    for (int64_t c = 1; c < value->dims[0]; c++) {
        low = fminf(low, values[c]);
        high = fmaxf(high, values[c]);
    }
    emit(p, ", %s ", name);
    emit_real(p, low, 6, false);
    emit(p, " to ");
    emit_real(p, high, 6, false);
    return true;
}

/* Writes `# calibration: input range R, adc_range LOW to HIGH over C columns,
 * adc_low LOW to HIGH, P probes` after a LINEAR op that carries calibration inputs, so a reader
 * sees the calibrated ranges without decoding the constants. The parser
 * skips it as a comment: the plan and the operands hold the same values. */
static void print_calibration(printer *p, const aimcc_op *op)
{
    const aimrt_linear_plan *plan = op->plan;
    if (op->code != AIMRT_OP_LINEAR || op->n_inputs <= 4 || !plan)
        return;
    emit(p, "  # calibration: input range ");
    if (plan->input_range == AIMRT_RANGE_STATIC)
        emit_real(p, (double)plan->input_scale *
                         aimcc_layout_input_top(plan->input_sign, plan->input_bits), 6, false);
    else
        emit(p, "dynamic");
    const aimcc_value *range = op->n_inputs > 6 ? op->inputs[6] : NULL;
    if (emit_extent(p, "adc_range", range))
        emit(p, " over %" PRId64 " columns", range->dims[0]);
    emit_extent(p, "adc_low", op->n_inputs > 7 ? op->inputs[7] : NULL);
    const aimcc_value *probes = op->inputs[4];
    if (probes && probes->rank == 2)
        emit(p, ", %" PRId64 " probes", probes->dims[0]);
    end_line(p);
}

/* Writes one line per tile block of a LINEAR op, right after the op:
 * `map %W[ROW0:ROW1, COL0:COL1] -> @tK[TILE_ROW, TILE_COL] [replica=R]` (end exclusive). */
static void print_blocks(printer *p, const aimcc_op *op)
{
    const aimcc_value *weight = op->n_inputs > 1 ? op->inputs[1] : NULL;
    for (int b = 0; b < op->n_blocks; b++) {
        const aimcc_tile_block *block = &op->blocks[b];
        emit(p,
             "  map %%%d[%" PRId64 ":%" PRId64 ", %" PRId64 ":%" PRId64 "] -> @t%d[%" PRId64
             ", %" PRId64 "]",
             weight ? weight->id : -1, block->w_row, block->w_row + block->n_rows, block->w_col,
             block->w_col + block->n_cols, block->tile, block->tile_row, block->tile_col);
        if (block->replica != 0)
            emit(p, " replica=%d", block->replica);
        emit_annotation(p, op->node, op->onnx_type);
        end_line(p);
    }
}

/* Writes `arena per_sample=B fixed=F`, the activation arena sizes that
 * schedule laid out, once the module is scheduled. */
static void print_arena(printer *p, const aimcc_module *module)
{
    if (!(module->properties & AIMCC_PROP_SCHEDULED))
        return;
    emit(p, "  arena per_sample=%" PRId64 " fixed=%" PRId64, module->arena_bytes_per_sample,
         module->arena_bytes_fixed);
    end_line(p);
}

/* Writes `buffer %V offset=O bytes=B` after an op for each of its outputs that
 * schedule placed: O is the byte offset in the per-sample arena (batched
 * values) or the fixed one, B the bytes per sample or in all. */
static void print_buffers(printer *p, const aimcc_op *op)
{
    for (int i = 0; i < op->n_outputs; i++) {
        const aimcc_value *value = op->outputs[i];
        if (!value || value->buffer_offset < 0)
            continue;
        emit(p, "  buffer %%%d offset=%" PRId64 " bytes=%" PRId64, value->id,
             value->buffer_offset, aimcc_ir_value_buffer_bytes(value));
        emit_annotation(p, op->node, op->onnx_type);
        end_line(p);
    }
}

static void print_outputs(printer *p, const aimcc_module *module)
{
    for (int i = 0; i < module->n_outputs; i++) {
        const aimcc_value *value = module->outputs[i];
        emit(p, "  output %%%d", value ? value->id : -1);
        const char *name = module->output_names ? module->output_names[i] : NULL;
        if (name && name[0]) {
            emit(p, " ");
            emit_string(p, name);
        }
        end_line(p);
    }
}

static const char *const property_names[] = {"imported", "canonical", "mapped", "scheduled",
                                             "domain-selected", "quantized", "sliced", "encoded"};

const char *aimcc_ir_property_name(int bit)
{
    if (bit < 0 || bit >= (int)(sizeof property_names / sizeof property_names[0]))
        return NULL;
    return property_names[bit];
}

static void print_header(printer *p, const aimcc_module *module)
{
    emit(p, "aimcc-ir %d", AIMCC_IR_VERSION);
    end_line(p);
    emit(p, "module ");
    emit_string(p, module->name);
    if (module->target_name && module->target_name[0]) {
        emit(p, " target ");
        emit_string(p, module->target_name);
    }
    emit(p, " values=%d properties=[", module->n_values);
    int n_printed = 0;
    for (int bit = 0; bit < 32; bit++) {
        if (!(module->properties & (1u << bit)))
            continue;
        emit(p, "%s", n_printed++ > 0 ? ", " : "");
        const char *name = aimcc_ir_property_name(bit);
        if (name)
            emit(p, "%s", name);
        else
            emit(p, "bit%d", bit);
    }
    emit(p, "] {");
    end_line(p);
}

aimcc_status aimcc_ir_print(aimcc_ctx *ctx, const aimcc_module *module, FILE *file, bool weights)
{
    printer p = {.file = file};
    print_header(&p, module);
    print_declarations(&p, module, weights);
    print_tiles(&p, module, weights);
    print_arena(&p, module);
    for (const aimcc_op *op = module->first; op; op = op->next) {
        print_op(&p, op);
        print_kind(&p, op);
        print_plan(&p, op);
        print_calibration(&p, op);
        print_blocks(&p, op);
        print_buffers(&p, op);
    }
    print_outputs(&p, module);
    emit(&p, "}");
    end_line(&p);

    if (fflush(file) != 0 || ferror(file))
        return aimcc_fail(ctx, AIMCC_ERR_IO, NULL, NULL,
                          "writing the IR dump of module \"%s\" failed; check the output file "
                          "and free disk space",
                          module->name ? module->name : "");
    return AIMCC_OK;
}
