/* SPDX-License-Identifier: MIT */
/*
 * The IR text parser reads what ir/print.c writes (grammar in docs/ir.md)
 * back into a module. Ops are recreated with aimcc_ir_op_create, so shapes
 * are inferred again and must match the printed ones. The result passes
 * aimcc_ir_verify. The text is untrusted, so every size is bounded, and every
 * error names FILE:LINE:COLUMN.
 */
#include "ir/ir.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes/kind_layout.h"

/* Limits on untrusted text. They are set well above the sizes of real models
 * and keep a short malicious file from requesting huge tables. */
#define MAX_VALUE_ID (1 << 22)
#define MAX_TILES (1 << 20)
#define MAX_OP_IO 64 /* the limit of aimcc_ir_op_create */
#define MAX_ATTR_VALUES 4096
#define MAX_NUMBER_CHARS 64
/* Ids that a dump leaves undefined (values of removed ops) become placeholder
 * values. At most this many per defined value, plus a fixed allowance, are accepted. */
#define MAX_GAPS_PER_VALUE 4
#define MAX_GAPS_EXTRA 1024
/* Copies of one layer's weights; --set map.replicate allows up to 64. */
#define MAX_REPLICAS 64

typedef enum token_kind {
    TOKEN_EOF,
    TOKEN_NEWLINE,
    TOKEN_WORD,   /* identifier or number: [A-Za-z0-9_.+-]+ */
    TOKEN_STRING, /* "..." with escapes */
    TOKEN_VALUE,  /* %ID */
    TOKEN_TILE,   /* @tID */
    TOKEN_DOLLAR, /* $name or $"name" */
    TOKEN_PUNCT,  /* one of = , : [ ] { } ; */
    TOKEN_ARROW,  /* -> */
} token_kind;

typedef struct token {
    token_kind kind;
    const char *start; /* source span; for STRING and quoted DOLLAR, inside the quotes */
    size_t length;
    bool quoted; /* DOLLAR only */
    int line;
    int column;
    int64_t id; /* VALUE and TILE */
} token;

typedef struct parser {
    aimcc_ctx *ctx;
    aimcc_ctx *scratch; /* receives failures of library calls, re-reported with a location */
    aimcc_arena *arena;
    const char *file;
    const char *pos;
    const char *end;
    const char *line_start;
    int line;
    token tok;
    const char *node; /* node annotation of the current line, for messages */
    const char *onnx_type;
    aimcc_module *module;
    aimcc_value **by_id; /* printed id to value */
    int by_id_capacity;
    int n_defined;
    int max_id;
    int64_t n_values_declared; /* values=N of the header, or -1 */
    token values_token;
    aimcc_op *block_op; /* the op that kind, plan and map lines attach to */
    bool seen_kind;     /* block_op already has its kind line */
    aimcc_tile_block *blocks;
    int n_blocks;
    int blocks_capacity;
} parser;

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        const aimcc_status try_status_ = (expr);                                                   \
        if (try_status_ != AIMCC_OK)                                                               \
            return try_status_;                                                                    \
    } while (0)

static aimcc_status fail_at(parser *p, const token *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a failure at FILE:LINE:COLUMN (LINE or COLUMN 0: left out). The
 * location becomes the diagnostic's file, so the line reads file first, then
 * the node, then the message. */
static aimcc_status fail_located(parser *p, aimcc_status status, const char *node, const char *op,
                                 int line, int column, const char *message)
{
    char location[600];
    if (line > 0 && column > 0)
        snprintf(location, sizeof location, "%s:%d:%d", p->file, line, column);
    else if (line > 0)
        snprintf(location, sizeof location, "%s:%d", p->file, line);
    else
        snprintf(location, sizeof location, "%s", p->file);
    aimcc_ctx_set_file(p->ctx, location);
    aimcc_fail(p->ctx, status, node, op, "%s", message);
    aimcc_ctx_set_file(p->ctx, p->file);
    return status;
}

static aimcc_status fail_at(parser *p, const token *at, const char *fmt, ...)
{
    char message[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    return fail_located(p, AIMCC_ERR_INVALID_MODEL, p->node, p->onnx_type, at->line, at->column,
                        message);
}

static aimcc_status fail_nomem(parser *p)
{
    return fail_located(p, AIMCC_ERR_NOMEM, p->node, p->onnx_type, p->tok.line, 0,
                        "out of memory while parsing the IR");
}

/* ---- Lexer ---- */

static bool is_word_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '+' || c == '-';
}

/* Characters of a bare $name; ir/print.c quotes any name with others. */
static bool is_name_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
}

static aimcc_status fail_lex(parser *p, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static aimcc_status fail_lex(parser *p, const char *at, const char *fmt, ...)
{
    char message[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    const token here = {.line = p->line, .column = (int)(at - p->line_start) + 1};
    return fail_at(p, &here, "%s", message);
}

/* Scans a string body after its opening quote; leaves pos after the closing one. */
static aimcc_status lex_string(parser *p, token *t)
{
    const char *open = p->pos - 1;
    t->start = p->pos;
    while (p->pos < p->end && *p->pos != '"') {
        const unsigned char c = (unsigned char)*p->pos;
        if (c == '\n' || c < 0x20 || c == 0x7f)
            return fail_lex(p, open, "unterminated string: a string ends with \" on its line");
        if (c == '\\')
            p->pos++;
        if (p->pos < p->end)
            p->pos++;
    }
    if (p->pos >= p->end)
        return fail_lex(p, open, "unterminated string: a string ends with \" on its line");
    t->length = (size_t)(p->pos - t->start);
    p->pos++;
    return AIMCC_OK;
}

/* Reads the digits of %ID or @tID into t->id, bounded by limit. */
static aimcc_status lex_id(parser *p, token *t, int64_t limit, const char *what)
{
    if (p->pos >= p->end || !isdigit((unsigned char)*p->pos))
        return fail_lex(p, t->start, "expected digits after %s", what);
    int64_t id = 0;
    while (p->pos < p->end && isdigit((unsigned char)*p->pos)) {
        id = id * 10 + (*p->pos - '0');
        if (id >= limit)
            return fail_lex(p, t->start, "%s id is too large: the limit is %" PRId64, what,
                            limit - 1);
        p->pos++;
    }
    t->id = id;
    return AIMCC_OK;
}

static aimcc_status lex_dollar(parser *p, token *t)
{
    if (p->pos < p->end && *p->pos == '"') {
        p->pos++;
        t->quoted = true;
        return lex_string(p, t);
    }
    t->start = p->pos;
    while (p->pos < p->end && is_name_char((unsigned char)*p->pos))
        p->pos++;
    t->length = (size_t)(p->pos - t->start);
    if (t->length == 0)
        return fail_lex(p, t->start - 1, "expected a name or a quoted string after $");
    return AIMCC_OK;
}

static void skip_blanks(parser *p)
{
    while (p->pos < p->end) {
        const char c = *p->pos;
        if (c == ' ' || c == '\t' || c == '\r') {
            p->pos++;
        } else if (c == '#') {
            while (p->pos < p->end && *p->pos != '\n')
                p->pos++;
        } else {
            break;
        }
    }
}

static aimcc_status lex_word_or_punct(parser *p, token *t)
{
    const unsigned char c = (unsigned char)*p->pos;
    if (c == '-' && p->pos + 1 < p->end && p->pos[1] == '>') {
        t->kind = TOKEN_ARROW;
        p->pos += 2;
    } else if (strchr("=,:[]{};", c) && c != '\0') {
        t->kind = TOKEN_PUNCT;
        p->pos++;
    } else if (is_word_char(c)) {
        t->kind = TOKEN_WORD;
        while (p->pos < p->end && is_word_char((unsigned char)*p->pos) &&
               !(*p->pos == '-' && p->pos + 1 < p->end && p->pos[1] == '>'))
            p->pos++;
    } else if (c >= 0x20 && c < 0x7f) {
        return fail_lex(p, p->pos, "unexpected character '%c'", c);
    } else {
        return fail_lex(p, p->pos, "unexpected byte 0x%02x", c);
    }
    t->length = (size_t)(p->pos - t->start);
    return AIMCC_OK;
}

/* Reads the next token into p->tok. */
static aimcc_status advance(parser *p)
{
    skip_blanks(p);
    token *t = &p->tok;
    memset(t, 0, sizeof *t);
    t->start = p->pos;
    t->line = p->line;
    t->column = (int)(p->pos - p->line_start) + 1;
    if (p->pos >= p->end) {
        t->kind = TOKEN_EOF;
        return AIMCC_OK;
    }
    switch (*p->pos) {
    case '\n':
        t->kind = TOKEN_NEWLINE;
        p->pos++;
        p->line++;
        p->line_start = p->pos;
        return AIMCC_OK;
    case '"':
        t->kind = TOKEN_STRING;
        p->pos++;
        return lex_string(p, t);
    case '%':
        t->kind = TOKEN_VALUE;
        p->pos++;
        return lex_id(p, t, MAX_VALUE_ID, "value");
    case '@':
        t->kind = TOKEN_TILE;
        p->pos++;
        if (p->pos >= p->end || *p->pos != 't')
            return fail_lex(p, t->start, "expected @t followed by a tile number");
        p->pos++;
        return lex_id(p, t, MAX_TILES, "tile");
    case '$':
        t->kind = TOKEN_DOLLAR;
        p->pos++;
        return lex_dollar(p, t);
    default:
        return lex_word_or_punct(p, t);
    }
}

/* ---- Token helpers ---- */

static void describe(const token *t, char *buf, size_t size)
{
    switch (t->kind) {
    case TOKEN_EOF:
        snprintf(buf, size, "end of file");
        break;
    case TOKEN_NEWLINE:
        snprintf(buf, size, "end of line");
        break;
    case TOKEN_STRING:
        snprintf(buf, size, "a string");
        break;
    case TOKEN_VALUE:
        snprintf(buf, size, "%%%" PRId64, t->id);
        break;
    case TOKEN_TILE:
        snprintf(buf, size, "@t%" PRId64, t->id);
        break;
    case TOKEN_DOLLAR:
        snprintf(buf, size, "a $name");
        break;
    case TOKEN_ARROW:
        snprintf(buf, size, "'->'");
        break;
    default:
        snprintf(buf, size, "'%.*s%s'", (int)(t->length > 24 ? 24 : t->length), t->start,
                 t->length > 24 ? "..." : "");
        break;
    }
}

static aimcc_status fail_expected(parser *p, const char *expected)
{
    char found[64];
    describe(&p->tok, found, sizeof found);
    return fail_at(p, &p->tok, "expected %s, found %s", expected, found);
}

static bool at_punct(const parser *p, char c)
{
    return p->tok.kind == TOKEN_PUNCT && p->tok.start[0] == c;
}

static bool at_word(const parser *p, const char *word)
{
    return p->tok.kind == TOKEN_WORD && p->tok.length == strlen(word) &&
           memcmp(p->tok.start, word, p->tok.length) == 0;
}

static aimcc_status expect_punct(parser *p, char c)
{
    if (!at_punct(p, c)) {
        const char expected[] = {'\'', c, '\'', '\0'};
        return fail_expected(p, expected);
    }
    return advance(p);
}

static aimcc_status expect_word(parser *p, const char *word)
{
    if (!at_word(p, word)) {
        char expected[64];
        snprintf(expected, sizeof expected, "'%s'", word);
        return fail_expected(p, expected);
    }
    return advance(p);
}

static aimcc_status expect_line_end(parser *p)
{
    if (p->tok.kind != TOKEN_NEWLINE && p->tok.kind != TOKEN_EOF)
        return fail_expected(p, "end of line");
    return AIMCC_OK;
}

/* Decodes a STRING or DOLLAR token into the arena. */
static aimcc_status decode_string(parser *p, const token *t, const char **out)
{
    char *text = aimcc_arena_alloc(p->arena, t->length + 1);
    if (!text)
        return fail_nomem(p);
    size_t n = 0;
    for (size_t i = 0; i < t->length; i++) {
        char c = t->start[i];
        if (c == '\\' && (t->kind == TOKEN_STRING || t->quoted)) {
            const char next = i + 1 < t->length ? t->start[i + 1] : '\0';
            if (next == '"' || next == '\\') {
                c = next;
                i++;
            } else if (next == 'x' && i + 3 < t->length &&
                       isxdigit((unsigned char)t->start[i + 2]) &&
                       isxdigit((unsigned char)t->start[i + 3])) {
                const char hex[3] = {t->start[i + 2], t->start[i + 3], '\0'};
                c = (char)strtol(hex, NULL, 16);
                if (c == '\0')
                    return fail_at(p, t, "a string cannot contain \\x00");
                i += 3;
            } else {
                return fail_at(p, t, "invalid escape in string: use \\\", \\\\ or \\xHH");
            }
        }
        text[n++] = c;
    }
    text[n] = '\0';
    *out = text;
    return AIMCC_OK;
}

/* ---- Numbers ---- */

static aimcc_status number_text(parser *p, const char *what, char *buf)
{
    if (p->tok.kind != TOKEN_WORD)
        return fail_expected(p, what);
    if (p->tok.length >= MAX_NUMBER_CHARS)
        return fail_at(p, &p->tok, "%s is too long (%zu characters)", what, p->tok.length);
    memcpy(buf, p->tok.start, p->tok.length);
    buf[p->tok.length] = '\0';
    return AIMCC_OK;
}

static bool is_integer_text(const char *text)
{
    if (*text == '-' || *text == '+')
        text++;
    if (!*text)
        return false;
    for (; *text; text++) {
        if (!isdigit((unsigned char)*text))
            return false;
    }
    return true;
}

/* Parses a decimal integer in [min, max] and advances. */
static aimcc_status parse_int(parser *p, const char *what, int64_t min, int64_t max, int64_t *out)
{
    char text[MAX_NUMBER_CHARS];
    TRY(number_text(p, what, text));
    errno = 0;
    char *rest = NULL;
    const long long value = strtoll(text, &rest, 10);
    if (!is_integer_text(text) || *rest != '\0')
        return fail_expected(p, what);
    if (errno == ERANGE || value < min || value > max)
        return fail_at(p, &p->tok, "%s %s is outside [%" PRId64 ", %" PRId64 "]", what, text, min,
                       max);
    *out = value;
    return advance(p);
}

static aimcc_status parse_uint64(parser *p, const char *what, uint64_t *out)
{
    char text[MAX_NUMBER_CHARS];
    TRY(number_text(p, what, text));
    errno = 0;
    char *rest = NULL;
    const unsigned long long value = strtoull(text, &rest, 10);
    if (!is_integer_text(text) || text[0] == '-' || *rest != '\0')
        return fail_expected(p, what);
    if (errno == ERANGE)
        return fail_at(p, &p->tok, "%s %s is larger than the u64 maximum", what, text);
    *out = value;
    return advance(p);
}

/* Parses a float, nan or [-]inf and advances. A finite number that overflows double fails. */
static aimcc_status parse_real(parser *p, const char *what, double *out)
{
    char text[MAX_NUMBER_CHARS];
    TRY(number_text(p, what, text));
    char *rest = NULL;
    const double value = strtod(text, &rest);
    if (rest == text || *rest != '\0')
        return fail_expected(p, what);
    if (isinf(value) && !strstr(text, "inf") && !strstr(text, "INF"))
        return fail_at(p, &p->tok, "%s %s overflows a double", what, text);
    *out = value;
    return advance(p);
}

/* ---- Types ---- */

typedef struct parsed_type {
    aimrt_dtype dtype;
    int rank;
    int64_t dims[AIMRT_MAX_RANK];
    bool batched;
    token at;
} parsed_type;

static aimcc_status parse_dim(parser *p, parsed_type *type)
{
    if (type->rank >= AIMRT_MAX_RANK)
        return fail_at(p, &p->tok, "a shape has at most %d dimensions", AIMRT_MAX_RANK);
    const int d = type->rank++;
    if (at_word(p, "N")) {
        if (d != 0)
            return fail_at(p, &p->tok, "only dimension 0 can be the batch N");
        type->batched = true;
        type->dims[0] = 1;
        TRY(advance(p));
        if (!at_punct(p, '='))
            return AIMCC_OK;
        TRY(advance(p));
    }
    return parse_int(p, "a dimension", 0, INT64_MAX, &type->dims[d]);
}

/* Parses DTYPE[DIM, ...] where dimension 0 may be N or N=SIZE. */
static aimcc_status parse_type(parser *p, parsed_type *type)
{
    memset(type, 0, sizeof *type);
    type->at = p->tok;
    char name[16] = "";
    if (p->tok.kind == TOKEN_WORD && p->tok.length < sizeof name)
        memcpy(name, p->tok.start, p->tok.length);
    type->dtype = aimrt_dtype_from_name(name);
    if (p->tok.kind != TOKEN_WORD || type->dtype == AIMRT_DTYPE_UNDEFINED)
        return fail_expected(p, "a dtype such as f32, i64 or bool");
    TRY(advance(p));
    TRY(expect_punct(p, '['));
    while (!at_punct(p, ']')) {
        if (type->rank > 0)
            TRY(expect_punct(p, ','));
        TRY(parse_dim(p, type));
    }
    TRY(advance(p));
    int64_t count;
    if (!aimrt_shape_count(type->rank, type->dims, aimrt_dtype_size(type->dtype), &count))
        return fail_at(p, &type->at, "the shape has more elements than an int64 byte size holds");
    return AIMCC_OK;
}

static void format_type(char *buf, size_t size, aimrt_dtype dtype, int rank, const int64_t *dims,
                        bool batched)
{
    const char *name = aimrt_dtype_name(dtype);
    size_t used = (size_t)snprintf(buf, size, "%s[", name ? name : "?");
    for (int d = 0; d < rank && used < size; d++) {
        const char *sep = d ? "," : "";
        if (d == 0 && batched && dims[0] == 1)
            used += (size_t)snprintf(buf + used, size - used, "N");
        else if (d == 0 && batched)
            used += (size_t)snprintf(buf + used, size - used, "N=%" PRId64, dims[0]);
        else
            used += (size_t)snprintf(buf + used, size - used, "%s%" PRId64, sep, dims[d]);
    }
    if (used < size)
        snprintf(buf + used, size - used, "]");
}

/* ---- Value table ---- */

static aimcc_status lookup_value(parser *p, const token *t, aimcc_value **out)
{
    if (t->id >= p->by_id_capacity || !p->by_id[t->id])
        return fail_at(p, t, "%%%" PRId64 " is not defined above this line", t->id);
    *out = p->by_id[t->id];
    return AIMCC_OK;
}

static aimcc_status define_value(parser *p, const token *t, aimcc_value *value)
{
    if (p->n_values_declared >= 0 && t->id >= p->n_values_declared)
        return fail_at(p, t, "%%%" PRId64 " is outside the module's values=%" PRId64, t->id,
                       p->n_values_declared);
    if (t->id >= p->by_id_capacity) {
        int64_t capacity = p->by_id_capacity ? p->by_id_capacity : 64;
        while (capacity <= t->id)
            capacity *= 2;
        aimcc_value **grown = realloc(p->by_id, (size_t)capacity * sizeof *grown);
        if (!grown)
            return fail_nomem(p);
        memset(grown + p->by_id_capacity, 0,
               (size_t)(capacity - p->by_id_capacity) * sizeof *grown);
        p->by_id = grown;
        p->by_id_capacity = (int)capacity;
    }
    if (p->by_id[t->id])
        return fail_at(p, t, "%%%" PRId64 " is defined twice", t->id);
    p->by_id[t->id] = value;
    p->n_defined++;
    if (t->id > p->max_id)
        p->max_id = (int)t->id;
    return AIMCC_OK;
}

/* ---- Constant data ---- */

static aimcc_status parse_float_element(parser *p, aimrt_dtype dtype, unsigned char *dst)
{
    const token at = p->tok;
    double value;
    TRY(parse_real(p, "a number", &value));
    if (dtype == AIMRT_DTYPE_DOUBLE) {
        memcpy(dst, &value, sizeof value);
        return AIMCC_OK;
    }
    const float single = (float)value;
    if (isfinite(value) && isinf(single))
        return fail_at(p, &at, "%g is out of the f32 range", value);
    if (dtype == AIMRT_DTYPE_FLOAT) {
        memcpy(dst, &single, sizeof single);
        return AIMCC_OK;
    }
    const uint16_t half = aimrt_float_to_half(single);
    if (isfinite(single) && (half & 0x7fffu) == 0x7c00u)
        return fail_at(p, &at, "%g is out of the f16 range", value);
    memcpy(dst, &half, sizeof half);
    return AIMCC_OK;
}

static aimcc_status parse_int_element(parser *p, aimrt_dtype dtype, unsigned char *dst)
{
    int64_t value = 0;
    switch (dtype) {
    case AIMRT_DTYPE_INT8:
        TRY(parse_int(p, "an i8", INT8_MIN, INT8_MAX, &value));
        break;
    case AIMRT_DTYPE_INT16:
        TRY(parse_int(p, "an i16", INT16_MIN, INT16_MAX, &value));
        break;
    case AIMRT_DTYPE_INT32:
        TRY(parse_int(p, "an i32", INT32_MIN, INT32_MAX, &value));
        break;
    case AIMRT_DTYPE_INT64:
        TRY(parse_int(p, "an i64", INT64_MIN, INT64_MAX, &value));
        break;
    case AIMRT_DTYPE_UINT8:
        TRY(parse_int(p, "a u8", 0, UINT8_MAX, &value));
        break;
    case AIMRT_DTYPE_BOOL:
        TRY(parse_int(p, "a bool (0 or 1)", 0, 1, &value));
        break;
    case AIMRT_DTYPE_UINT16:
        TRY(parse_int(p, "a u16", 0, UINT16_MAX, &value));
        break;
    case AIMRT_DTYPE_UINT32:
        TRY(parse_int(p, "a u32", 0, UINT32_MAX, &value));
        break;
    default:
        return fail_at(p, &p->tok, "constants of this dtype cannot be parsed");
    }
    /* Host byte order: the IR's data is little-endian, so this assumes a
     * little-endian host, as the kernels do. */
    const size_t size = aimrt_dtype_size(dtype);
    int8_t i8 = (int8_t)value;
    int16_t i16 = (int16_t)value;
    int32_t i32 = (int32_t)value;
    switch (size) {
    case 1:
        memcpy(dst, &i8, 1);
        break;
    case 2:
        memcpy(dst, &i16, 2);
        break;
    case 4:
        memcpy(dst, &i32, 4);
        break;
    default:
        memcpy(dst, &value, 8);
        break;
    }
    return AIMCC_OK;
}

static aimcc_status parse_element(parser *p, aimrt_dtype dtype, unsigned char *dst)
{
    if (dtype == AIMRT_DTYPE_FLOAT || dtype == AIMRT_DTYPE_DOUBLE || dtype == AIMRT_DTYPE_FLOAT16)
        return parse_float_element(p, dtype, dst);
    if (dtype == AIMRT_DTYPE_UINT64) {
        uint64_t value = 0;
        TRY(parse_uint64(p, "a u64", &value));
        memcpy(dst, &value, sizeof value);
        return AIMCC_OK;
    }
    return parse_int_element(p, dtype, dst);
}

/* Parses `[E, E, ...]` with exactly as many elements as the shape holds. */
static aimcc_status parse_data(parser *p, const parsed_type *type, const token *id, void **out)
{
    const size_t elem_size = aimrt_dtype_size(type->dtype);
    int64_t count = 0;
    aimrt_shape_count(type->rank, type->dims, elem_size, &count);
    /* Every element takes at least one character, which bounds the allocation by the text. */
    const size_t left = (size_t)(p->end - p->pos);
    if ((uint64_t)count > left + 1)
        return fail_at(p, id,
                       "constant %%%" PRId64 " has %" PRId64 " elements but the file has "
                       "only %zu bytes left",
                       id->id, count, left);
    unsigned char *data = aimcc_arena_alloc(p->arena, count > 0 ? (size_t)count * elem_size : 1);
    if (!data)
        return fail_nomem(p);

    TRY(expect_punct(p, '['));
    for (int64_t i = 0; i < count; i++) {
        if (i > 0 && !at_punct(p, ','))
            return fail_at(p, &p->tok,
                           "constant %%%" PRId64 " has %" PRId64 " elements, but the "
                           "list ends after %" PRId64,
                           id->id, count, i);
        if (i > 0)
            TRY(advance(p));
        TRY(parse_element(p, type->dtype, data + (size_t)i * elem_size));
    }
    if (!at_punct(p, ']'))
        return fail_at(p, &p->tok,
                       "constant %%%" PRId64 " has more than its %" PRId64
                       " elements: expected ']'",
                       id->id, count);
    *out = data;
    return advance(p);
}

/* ---- Declarations ---- */

/* Parses the rest of `%ID = input|const [$NAME] [overridable] : TYPE [= [DATA]]`. */
static aimcc_status parse_declaration(parser *p, const token *id)
{
    const bool is_input = at_word(p, "input");
    TRY(advance(p));
    const char *name = NULL;
    if (p->tok.kind == TOKEN_DOLLAR) {
        TRY(decode_string(p, &p->tok, &name));
        p->node = name;
        TRY(advance(p));
    }
    bool overridable = false;
    if (at_word(p, "overridable")) {
        overridable = true;
        TRY(advance(p));
    }
    TRY(expect_punct(p, ':'));
    parsed_type type;
    TRY(parse_type(p, &type));

    void *data = NULL;
    if (!is_input) {
        if (at_word(p, "crc32") || at_word(p, "nodata"))
            return fail_at(p, id,
                           "constant %%%" PRId64 " has no data in this dump; write the dump "
                           "with its weights (aimcc ir --dump-weights) to parse it",
                           id->id);
        TRY(expect_punct(p, '='));
        TRY(parse_data(p, &type, id, &data));
    }
    TRY(expect_line_end(p));

    aimcc_value *value =
        aimcc_ir_value_add(p->module, name, is_input ? AIMCC_VALUE_INPUT : AIMCC_VALUE_CONST,
                           type.dtype, type.rank, type.dims, NULL);
    if (!value)
        return fail_nomem(p);
    value->data = data;
    value->batched = type.batched;
    value->overridable = overridable;
    if (is_input && aimcc_ir_module_add_input(p->module, value) != AIMCC_OK)
        return fail_nomem(p);
    return define_value(p, id, value);
}

/* ---- Attributes ---- */

/* Keys whose values are floats; an empty list takes its kind from the key. */
static bool is_float_key(aimrt_attr_key key)
{
    switch (key) {
    case AIMRT_ATTR_ALPHA:
    case AIMRT_ATTR_BETA:
    case AIMRT_ATTR_GAMMA:
    case AIMRT_ATTR_MIN:
    case AIMRT_ATTR_MAX:
    case AIMRT_ATTR_EPSILON:
    case AIMRT_ATTR_VALUE:
    case AIMRT_ATTR_INPUT_SCALE:
        return true;
    default:
        return false;
    }
}

typedef struct attr_values {
    int n;
    bool any_real;
    int64_t ints[MAX_ATTR_VALUES];
    double reals[MAX_ATTR_VALUES];
} attr_values;

static aimcc_status parse_attr_value(parser *p, attr_values *values)
{
    if (values->n >= MAX_ATTR_VALUES)
        return fail_at(p, &p->tok, "an attribute has at most %d values", MAX_ATTR_VALUES);
    char text[MAX_NUMBER_CHARS];
    TRY(number_text(p, "a number", text));
    const int i = values->n++;
    if (is_integer_text(text)) {
        TRY(parse_int(p, "an integer", INT64_MIN, INT64_MAX, &values->ints[i]));
        values->reals[i] = (double)values->ints[i];
        return AIMCC_OK;
    }
    values->any_real = true;
    return parse_real(p, "a number", &values->reals[i]);
}

/* Parses KEY=VALUE or KEY=[VALUE, ...] into an arena attribute. */
static aimcc_status parse_attr(parser *p, attr_values *values, aimrt_attr *out)
{
    char key_text[32] = "";
    if (p->tok.kind == TOKEN_WORD && p->tok.length < sizeof key_text)
        memcpy(key_text, p->tok.start, p->tok.length);
    const aimrt_attr_key key = aimrt_attr_key_from_name(key_text);
    if (p->tok.kind != TOKEN_WORD || key == AIMRT_ATTR_KEY_COUNT)
        return fail_expected(p, "an attribute name such as strides or axis");
    TRY(advance(p));
    TRY(expect_punct(p, '='));

    values->n = 0;
    values->any_real = false;
    if (at_punct(p, '[')) {
        TRY(advance(p));
        while (!at_punct(p, ']')) {
            if (values->n > 0)
                TRY(expect_punct(p, ','));
            TRY(parse_attr_value(p, values));
        }
        TRY(advance(p));
    } else {
        TRY(parse_attr_value(p, values));
    }

    const bool floats = values->any_real || (values->n == 0 && is_float_key(key));
    if (!floats) {
        *out = aimcc_ir_attr_ints(p->module, key, values->n, values->ints);
        return values->n > 0 && !out->ints ? fail_nomem(p) : AIMCC_OK;
    }
    float singles[MAX_ATTR_VALUES];
    for (int i = 0; i < values->n; i++) {
        singles[i] = (float)values->reals[i];
        if (isfinite(values->reals[i]) && isinf(singles[i]))
            return fail_at(p, &p->tok, "attribute %s value %g is out of the f32 range", key_text,
                           values->reals[i]);
    }
    *out = aimcc_ir_attr_floats(p->module, key, values->n, singles);
    return values->n > 0 && !out->floats ? fail_nomem(p) : AIMCC_OK;
}

/* Parses `{KEY=VALUE, ...}`; keys appear once each, so there are at most KEY_COUNT. */
static aimcc_status parse_attrs(parser *p, aimrt_attr *attrs, int *n_attrs)
{
    attr_values *values = malloc(sizeof *values);
    if (!values)
        return fail_nomem(p);
    aimcc_status status = advance(p);
    while (status == AIMCC_OK && !at_punct(p, '}')) {
        if (*n_attrs > 0)
            status = expect_punct(p, ',');
        const token at = p->tok;
        if (status == AIMCC_OK)
            status = parse_attr(p, values, &attrs[*n_attrs]);
        for (int i = 0; status == AIMCC_OK && i < *n_attrs; i++) {
            if (attrs[i].key == attrs[*n_attrs].key)
                status = fail_at(p, &at, "attribute %s is given twice",
                                 aimrt_attr_key_name(attrs[i].key));
        }
        if (status == AIMCC_OK)
            (*n_attrs)++;
    }
    free(values);
    return status == AIMCC_OK ? advance(p) : status;
}

/* ---- Ops ---- */

/* Looks ahead on the current line for the `; "node" Type` annotation, so that
 * errors before it can name the node. Lexing errors are left for the parse. */
static void peek_annotation(parser *p)
{
    const parser saved = *p;
    aimcc_ctx *quiet = aimcc_ctx_create();
    if (!quiet)
        return;
    p->ctx = quiet;
    const char *node = NULL, *onnx_type = NULL;
    while (advance(p) == AIMCC_OK && p->tok.kind != TOKEN_NEWLINE && p->tok.kind != TOKEN_EOF) {
        if (!at_punct(p, ';'))
            continue;
        if (advance(p) != AIMCC_OK || p->tok.kind != TOKEN_STRING ||
            decode_string(p, &p->tok, &node) != AIMCC_OK)
            break;
        if (advance(p) == AIMCC_OK && (p->tok.kind == TOKEN_WORD || p->tok.kind == TOKEN_STRING))
            decode_string(p, &p->tok, &onnx_type);
        break;
    }
    aimcc_ctx_destroy(quiet);
    *p = saved;
    p->node = node;
    p->onnx_type = onnx_type;
}

/* Parses an optional `; "node" [Type]` and the end of the line. */
static aimcc_status parse_annotation(parser *p, const char **node, const char **onnx_type)
{
    *node = NULL;
    *onnx_type = NULL;
    if (at_punct(p, ';')) {
        TRY(advance(p));
        if (p->tok.kind != TOKEN_STRING)
            return fail_expected(p, "the quoted node name after ';'");
        TRY(decode_string(p, &p->tok, node));
        TRY(advance(p));
        if (p->tok.kind == TOKEN_WORD || p->tok.kind == TOKEN_STRING) {
            TRY(decode_string(p, &p->tok, onnx_type));
            TRY(advance(p));
        }
    }
    return expect_line_end(p);
}

typedef struct parsed_op {
    aimrt_op code;
    token name;
    int n_outputs;
    token outputs[MAX_OP_IO];
    int n_inputs;
    aimcc_value *inputs[MAX_OP_IO];
    int n_attrs;
    aimrt_attr attrs[AIMRT_ATTR_KEY_COUNT + 1];
    parsed_type types[MAX_OP_IO];
    const char *node;
    const char *onnx_type;
} parsed_op;

/* Parses the operands after the op name: %ID or - for an absent input. */
static aimcc_status parse_operands(parser *p, parsed_op *op)
{
    if (p->tok.kind != TOKEN_VALUE && !at_word(p, "-"))
        return AIMCC_OK;
    for (;;) {
        if (op->n_inputs >= MAX_OP_IO)
            return fail_at(p, &p->tok, "an op has at most %d inputs", MAX_OP_IO);
        aimcc_value *input = NULL;
        if (p->tok.kind == TOKEN_VALUE)
            TRY(lookup_value(p, &p->tok, &input));
        else if (!at_word(p, "-"))
            return fail_expected(p, "an input %ID or - for an absent input");
        op->inputs[op->n_inputs++] = input;
        TRY(advance(p));
        if (!at_punct(p, ','))
            return AIMCC_OK;
        TRY(advance(p));
    }
}

/* Parses `NAME OPERANDS [{ATTRS}] : TYPE, ... [; "node" Type]` after `%A, ... =`. */
static aimcc_status parse_op_text(parser *p, parsed_op *op)
{
    char name[32] = "";
    op->name = p->tok;
    if (p->tok.kind == TOKEN_WORD && p->tok.length < sizeof name)
        memcpy(name, p->tok.start, p->tok.length);
    op->code = aimrt_op_from_name(name);
    if (p->tok.kind != TOKEN_WORD || op->code == AIMRT_OP_COUNT)
        return fail_expected(p, "'input', 'const' or an op name such as conv or relu");
    TRY(advance(p));
    TRY(parse_operands(p, op));
    if (at_punct(p, '{'))
        TRY(parse_attrs(p, op->attrs, &op->n_attrs));
    TRY(expect_punct(p, ':'));
    for (int i = 0; i < op->n_outputs; i++) {
        if (i > 0)
            TRY(expect_punct(p, ','));
        TRY(parse_type(p, &op->types[i]));
    }
    return parse_annotation(p, &op->node, &op->onnx_type);
}

/* Checks that the recreated outputs have the printed dtypes and shapes. */
static aimcc_status check_op_outputs(parser *p, const parsed_op *parsed, const aimcc_op *op)
{
    for (int i = 0; i < op->n_outputs; i++) {
        const aimcc_value *out = op->outputs[i];
        const parsed_type *type = &parsed->types[i];
        bool same =
            out->dtype == type->dtype && out->rank == type->rank && out->batched == type->batched;
        for (int d = 0; same && d < out->rank; d++)
            same = out->dims[d] == type->dims[d];
        if (same)
            continue;
        char printed[160], inferred[160];
        format_type(printed, sizeof printed, type->dtype, type->rank, type->dims, type->batched);
        format_type(inferred, sizeof inferred, out->dtype, out->rank, out->dims, out->batched);
        return fail_at(p, &type->at, "output %d is written as %s but shape inference gives %s", i,
                       printed, inferred);
    }
    return AIMCC_OK;
}

/* Recreates the op with aimcc_ir_op_create and binds its outputs to the printed ids. */
static aimcc_status build_op(parser *p, const parsed_op *parsed)
{
    aimcc_op *op = NULL;
    aimcc_ctx_clear(p->scratch);
    const aimcc_status status = aimcc_ir_op_create(
        p->scratch, p->module, NULL, parsed->code, parsed->node ? parsed->node : "",
        parsed->onnx_type ? parsed->onnx_type : "", parsed->n_inputs, parsed->inputs,
        parsed->n_attrs, parsed->attrs, parsed->n_outputs, NULL, &op);
    if (status != AIMCC_OK) {
        const aimcc_diag *diag = aimcc_ctx_diag(p->scratch);
        return fail_located(p, status, p->node, p->onnx_type, parsed->name.line,
                            parsed->name.column, diag->message);
    }
    TRY(check_op_outputs(p, parsed, op));
    for (int i = 0; i < parsed->n_outputs; i++)
        TRY(define_value(p, &parsed->outputs[i], op->outputs[i]));
    p->block_op = op;
    return AIMCC_OK;
}

/* Parses a line that starts with %ID: a declaration or an op. */
static aimcc_status parse_value_line(parser *p)
{
    parsed_op *op = calloc(1, sizeof *op);
    if (!op)
        return fail_nomem(p);
    aimcc_status status = AIMCC_OK;
    for (;;) {
        if (op->n_outputs >= MAX_OP_IO) {
            status = fail_at(p, &p->tok, "an op has at most %d outputs", MAX_OP_IO);
            goto cleanup;
        }
        if (p->tok.kind != TOKEN_VALUE) {
            status = fail_expected(p, "a value %ID");
            goto cleanup;
        }
        op->outputs[op->n_outputs++] = p->tok;
        status = advance(p);
        if (status != AIMCC_OK || !at_punct(p, ','))
            break;
        status = advance(p);
        if (status != AIMCC_OK)
            goto cleanup;
    }
    if (status == AIMCC_OK)
        status = expect_punct(p, '=');
    if (status != AIMCC_OK)
        goto cleanup;

    if (at_word(p, "input") || at_word(p, "const")) {
        if (op->n_outputs != 1)
            status = fail_at(p, &op->outputs[1], "a declaration defines one value");
        else
            status = parse_declaration(p, &op->outputs[0]);
        goto cleanup;
    }
    status = parse_op_text(p, op);
    if (status == AIMCC_OK)
        status = build_op(p, op);

cleanup:
    free(op);
    return status;
}

/* ---- Tiles, blocks and outputs ---- */

/* Parses `levels=[L, ...]` with rows * cols values, after the tile's sizes. */
static aimcc_status parse_levels(parser *p, const token *tile_token, int64_t rows, int64_t cols,
                                 float **out)
{
    const token at = p->tok;
    TRY(advance(p));
    if (at_word(p, "crc32"))
        return fail_at(p, &at,
                       "tile @t%" PRId64 " has no levels in this dump; write the dump with its "
                       "weights (aimcc ir --dump-weights) to parse it",
                       tile_token->id);
    TRY(expect_punct(p, '='));
    if (rows <= 0 || cols <= 0)
        return fail_at(p, &at, "levels= must follow the tile's rows= and cols=");
    /* Every level takes at least two characters, which bounds the allocation by the text. */
    const size_t left = (size_t)(p->end - p->pos);
    if (rows > (int64_t)(left / 2 + 1) / cols)
        return fail_at(p, &at,
                       "tile @t%" PRId64 " has %" PRId64 "x%" PRId64 " cells but the file has "
                       "only %zu bytes left",
                       tile_token->id, rows, cols, left);
    const int64_t count = rows * cols;
    float *levels = aimcc_arena_alloc(p->arena, (size_t)count * sizeof *levels);
    if (!levels)
        return fail_nomem(p);
    TRY(expect_punct(p, '['));
    for (int64_t i = 0; i < count; i++) {
        if (i > 0 && !at_punct(p, ','))
            return fail_at(p, &p->tok,
                           "tile @t%" PRId64 " has %" PRId64 " cells, but its levels end after "
                           "%" PRId64,
                           tile_token->id, count, i);
        if (i > 0)
            TRY(advance(p));
        TRY(parse_float_element(p, AIMRT_DTYPE_FLOAT, (unsigned char *)&levels[i]));
    }
    if (!at_punct(p, ']'))
        return fail_at(p, &p->tok,
                       "tile @t%" PRId64 " has more levels than its %" PRId64 " cells: "
                       "expected ']'",
                       tile_token->id, count);
    *out = levels;
    return advance(p);
}

/* Parses `tile @tID kind=K rows=R cols=C [rows_used=U] [cells_used=V] [levels=[...]]`. */
static aimcc_status parse_tile(parser *p)
{
    TRY(advance(p));
    if (p->tok.kind != TOKEN_TILE)
        return fail_expected(p, "a tile @tN");
    if (p->tok.id != p->module->n_tiles)
        return fail_at(p, &p->tok, "expected @t%d: tiles are numbered in order from @t0",
                       p->module->n_tiles);
    const token tile_token = p->tok;
    TRY(advance(p));

    static const char *const keys[] = {"kind", "rows", "cols", "rows_used", "cells_used"};
    int64_t fields[5] = {0};
    bool seen[5] = {false};
    float *levels = NULL;
    while (p->tok.kind == TOKEN_WORD) {
        if (at_word(p, "levels") && !levels) {
            TRY(parse_levels(p, &tile_token, fields[1], fields[2], &levels));
            continue;
        }
        int k = 0;
        while (k < 5 && !at_word(p, keys[k]))
            k++;
        if (k == 5 || seen[k])
            return fail_expected(p, "kind=, rows=, cols=, rows_used=, cells_used= or levels=, "
                                    "each once");
        seen[k] = true;
        TRY(advance(p));
        TRY(expect_punct(p, '='));
        TRY(parse_int(p, keys[k], k == 0 ? 0 : (k < 3 ? 1 : 0), k == 0 ? INT32_MAX : INT64_MAX,
                      &fields[k]));
    }
    TRY(expect_line_end(p));
    if (!seen[0] || !seen[1] || !seen[2])
        return fail_at(p, &tile_token, "a tile needs kind=, rows= and cols=");

    const int id = aimcc_ir_tile_add(p->module, (int)fields[0], fields[1], fields[2]);
    if (id < 0)
        return fail_nomem(p);
    p->module->tiles[id].rows_used = fields[3];
    p->module->tiles[id].cells_used = fields[4];
    p->module->tiles[id].levels = levels;
    return AIMCC_OK;
}

/* Parses `[A:B, C:D]` (weight ranges, end exclusive) into a block. */
static aimcc_status parse_ranges(parser *p, aimcc_tile_block *block)
{
    int64_t row_end, col_end;
    const token at = p->tok;
    TRY(expect_punct(p, '['));
    TRY(parse_int(p, "a first row", 0, INT64_MAX, &block->w_row));
    TRY(expect_punct(p, ':'));
    TRY(parse_int(p, "an end row", 0, INT64_MAX, &row_end));
    TRY(expect_punct(p, ','));
    TRY(parse_int(p, "a first column", 0, INT64_MAX, &block->w_col));
    TRY(expect_punct(p, ':'));
    TRY(parse_int(p, "an end column", 0, INT64_MAX, &col_end));
    TRY(expect_punct(p, ']'));
    if (row_end <= block->w_row || col_end <= block->w_col)
        return fail_at(p, &at, "a block's ranges must not be empty");
    block->n_rows = row_end - block->w_row;
    block->n_cols = col_end - block->w_col;
    return AIMCC_OK;
}

/* Checks a block against its tile and weight matrix here, where the line is known. */
static aimcc_status check_block_fits(parser *p, const aimcc_tile_block *block,
                                     const aimcc_value *weight, const token *at)
{
    const aimcc_tile *tile = &p->module->tiles[block->tile];
    if (block->n_rows > tile->rows - block->tile_row ||
        block->n_cols > tile->cols - block->tile_col || block->tile_row > tile->rows ||
        block->tile_col > tile->cols)
        return fail_at(p, at,
                       "the %" PRId64 "x%" PRId64 " block at [%" PRId64 ", %" PRId64
                       "] does not fit tile @t%d of %" PRId64 "x%" PRId64,
                       block->n_rows, block->n_cols, block->tile_row, block->tile_col, block->tile,
                       tile->rows, tile->cols);
    if (block->w_row > weight->dims[0] - block->n_rows ||
        block->w_col > weight->dims[1] - block->n_cols)
        return fail_at(p, at,
                       "the block lies outside the %" PRId64 "x%" PRId64 " weight matrix %%%d",
                       weight->dims[0], weight->dims[1], weight->id);
    return AIMCC_OK;
}

static aimcc_status append_block(parser *p, const aimcc_tile_block *block)
{
    if (p->n_blocks == p->blocks_capacity) {
        const int capacity = p->blocks_capacity ? 2 * p->blocks_capacity : 16;
        aimcc_tile_block *grown = realloc(p->blocks, (size_t)capacity * sizeof *grown);
        if (!grown)
            return fail_nomem(p);
        p->blocks = grown;
        p->blocks_capacity = capacity;
    }
    p->blocks[p->n_blocks++] = *block;
    return AIMCC_OK;
}

/* Parses `map %W[A:B, C:D] -> @tK[ROW, COL] [; "node" Type]`, a block of the op just above. */
static aimcc_status parse_map(parser *p)
{
    const token map_token = p->tok;
    const aimcc_op *op = p->block_op;
    if (!op || op->code != AIMRT_OP_LINEAR || op->n_inputs < 2 || !op->inputs[1] ||
        op->inputs[1]->rank != 2)
        return fail_at(p, &map_token, "a map line must follow a linear op or its other map lines");
    p->node = op->node;
    p->onnx_type = op->onnx_type;
    const aimcc_value *weight = op->inputs[1];
    TRY(advance(p));
    if (p->tok.kind != TOKEN_VALUE || p->tok.id >= p->by_id_capacity ||
        p->by_id[p->tok.id] != weight)
        return fail_expected(p, "the weight of the linear op above (its input 1)");
    TRY(advance(p));

    aimcc_tile_block block = {0};
    TRY(parse_ranges(p, &block));
    if (p->tok.kind != TOKEN_ARROW)
        return fail_expected(p, "'->'");
    TRY(advance(p));
    if (p->tok.kind != TOKEN_TILE || p->tok.id >= p->module->n_tiles)
        return fail_expected(p, "a tile declared above");
    block.tile = (int)p->tok.id;
    TRY(advance(p));
    TRY(expect_punct(p, '['));
    TRY(parse_int(p, "a tile row", 0, INT64_MAX, &block.tile_row));
    TRY(expect_punct(p, ','));
    TRY(parse_int(p, "a tile column", 0, INT64_MAX, &block.tile_col));
    TRY(expect_punct(p, ']'));
    if (at_word(p, "replica")) {
        TRY(advance(p));
        TRY(expect_punct(p, '='));
        int64_t replica;
        TRY(parse_int(p, "a replica index", 0, MAX_REPLICAS - 1, &replica));
        block.replica = (int)replica;
    }

    const token annotation = p->tok;
    const char *node, *onnx_type;
    TRY(parse_annotation(p, &node, &onnx_type));
    if (node && strcmp(node, op->node) != 0)
        return fail_at(p, &annotation,
                       "the map line names node \"%s\" but follows the op of "
                       "node \"%s\"",
                       node, op->node);
    TRY(check_block_fits(p, &block, weight, &map_token));
    return append_block(p, &block);
}

/* Attaches the blocks collected from map lines to their op; the op has as
 * many replicas as the highest replica index of its blocks plus one. */
static aimcc_status flush_blocks(parser *p)
{
    if (p->block_op && p->n_blocks > 0) {
        aimcc_tile_block *blocks =
            aimcc_arena_memdup(p->arena, p->blocks, (size_t)p->n_blocks * sizeof *blocks);
        if (!blocks)
            return fail_nomem(p);
        p->block_op->blocks = blocks;
        p->block_op->n_blocks = p->n_blocks;
        int n_replicas = 1;
        for (int b = 0; b < p->n_blocks; b++)
            n_replicas = blocks[b].replica >= n_replicas ? blocks[b].replica + 1 : n_replicas;
        p->block_op->n_replicas = n_replicas;
    }
    if (p->block_op && p->block_op->plan)
        p->block_op->plan->kind = p->block_op->kind;
    p->block_op = NULL;
    p->n_blocks = 0;
    p->seen_kind = false;
    return AIMCC_OK;
}

/* Returns the LINEAR op above a kind or plan line, or NULL after failing. */
static aimcc_op *linear_above(parser *p, const char *what, aimcc_status *status)
{
    aimcc_op *op = p->block_op;
    *status = AIMCC_OK;
    if (!op || op->code != AIMRT_OP_LINEAR)
        *status = fail_at(p, &p->tok, "a %s line must follow a linear op", what);
    else if (p->n_blocks > 0)
        *status = fail_at(p, &p->tok, "the %s line must come before the op's map lines", what);
    if (*status != AIMCC_OK)
        return NULL;
    p->node = op->node;
    p->onnx_type = op->onnx_type;
    return op;
}

/* Parses `kind K ["REASON"] [; "node" Type]`: the tile kind of the linear op above. */
static aimcc_status parse_kind(parser *p)
{
    aimcc_status status;
    aimcc_op *op = linear_above(p, "kind", &status);
    if (!op)
        return status;
    if (p->seen_kind || op->plan)
        return fail_at(p, &p->tok, "the kind line comes once, before the plan line");
    p->seen_kind = true;
    TRY(advance(p));
    int64_t kind;
    TRY(parse_int(p, "a tile kind index", 0, INT32_MAX, &kind));
    op->kind = (int)kind;
    if (p->tok.kind == TOKEN_STRING) {
        TRY(decode_string(p, &p->tok, &op->kind_reason));
        TRY(advance(p));
    }
    const char *node, *onnx_type;
    return parse_annotation(p, &node, &onnx_type);
}

/* Looks up a name among the n names that name_of gives for 0 .. n-1, and advances. */
static aimcc_status parse_enum(parser *p, const char *what, const char *(*name_of)(int), int n,
                               int *out)
{
    for (int i = 0; i < n; i++) {
        if (p->tok.kind == TOKEN_WORD && at_word(p, name_of(i))) {
            *out = i;
            return advance(p);
        }
    }
    char expected[256];
    size_t used = (size_t)snprintf(expected, sizeof expected, "%s:", what);
    for (int i = 0; i < n && used < sizeof expected; i++)
        used += (size_t)snprintf(expected + used, sizeof expected - used, "%s %s",
                                 i ? "," : "", name_of(i));
    return fail_expected(p, expected);
}

static const char *encoding_name_of(int i)
{
    return aimcc_encoding_name((aimrt_encoding)i);
}

static const char *input_mode_name_of(int i)
{
    return aimcc_input_mode_name((aimrt_input_mode)i);
}

static const char *input_sign_name_of(int i)
{
    return aimcc_input_sign_name((aimrt_input_sign)i);
}

static const char *input_range_name_of(int i)
{
    return aimcc_input_range_name((aimrt_input_range)i);
}

/* Keys of a plan line in print order; the enum keys come first. */
static const char *const plan_keys[] = {"enc", "input", "sign", "range", "wb", "cb",
                                        "S",   "P",     "b",    "phases", "scale"};
enum { PLAN_KEY_COUNT = sizeof plan_keys / sizeof plan_keys[0] };

/* Parses the value of plan key k into plan. */
static aimcc_status parse_plan_value(parser *p, int k, aimrt_linear_plan *plan)
{
    int code = 0;
    int64_t number = 0;
    double real = 0.0;
    switch (k) {
    case 0:
        TRY(parse_enum(p, "an encoding", encoding_name_of, AIMRT_ENCODING_COUNT, &code));
        plan->encoding = (aimrt_encoding)code;
        return AIMCC_OK;
    case 1:
        TRY(parse_enum(p, "an input mode", input_mode_name_of, AIMRT_INPUT_MODE_COUNT, &code));
        plan->input_mode = (aimrt_input_mode)code;
        return AIMCC_OK;
    case 2:
        TRY(parse_enum(p, "an input sign", input_sign_name_of, AIMRT_INPUT_SIGN_COUNT, &code));
        plan->input_sign = (aimrt_input_sign)code;
        return AIMCC_OK;
    case 3:
        TRY(parse_enum(p, "an input range", input_range_name_of, AIMRT_RANGE_COUNT, &code));
        plan->input_range = (aimrt_input_range)code;
        return AIMCC_OK;
    case 10:
        TRY(parse_real(p, "an input scale", &real));
        plan->input_scale = (float)real;
        return AIMCC_OK;
    default:
        break;
    }
    /* Bit widths and counts: bounded here, checked against each other by the verifier. */
    TRY(parse_int(p, plan_keys[k], 0, 64, &number));
    int32_t *fields[] = {&plan->weight_bits, &plan->cell_bits, &plan->n_slices,
                         &plan->n_polarities, &plan->input_bits, &plan->n_phases};
    *fields[k - 4] = (int32_t)number;
    return AIMCC_OK;
}

/* Parses `plan enc=E wb=W cb=C [S=S P=P] input=M sign=G b=B [phases=N] range=R [scale=F]`. */
static aimcc_status parse_plan(parser *p)
{
    aimcc_status status;
    aimcc_op *op = linear_above(p, "plan", &status);
    if (!op)
        return status;
    if (op->plan)
        return fail_at(p, &p->tok, "a linear op has one plan line");
    const token plan_token = p->tok;
    aimrt_linear_plan *plan = aimcc_arena_calloc(p->arena, 1, sizeof *plan);
    if (!plan)
        return fail_nomem(p);
    TRY(advance(p));
    bool seen[PLAN_KEY_COUNT] = {false};
    while (p->tok.kind == TOKEN_WORD) {
        int k = 0;
        while (k < PLAN_KEY_COUNT && !at_word(p, plan_keys[k]))
            k++;
        if (k == PLAN_KEY_COUNT || seen[k])
            return fail_expected(p, "a plan key (enc, wb, cb, S, P, input, sign, b, phases, "
                                    "range or scale), each once");
        seen[k] = true;
        TRY(advance(p));
        TRY(expect_punct(p, '='));
        TRY(parse_plan_value(p, k, plan));
    }
    for (int k = 0; k < 6; k++) {
        if (!seen[k])
            return fail_at(p, &plan_token, "the plan line needs %s=", plan_keys[k]);
    }
    if (!seen[8])
        return fail_at(p, &plan_token, "the plan line needs b=");
    const char *node, *onnx_type;
    TRY(parse_annotation(p, &node, &onnx_type));
    op->plan = plan;
    return AIMCC_OK;
}

/* Parses `arena per_sample=B fixed=F`: the activation arena sizes of a
 * scheduled module. */
static aimcc_status parse_arena(parser *p)
{
    TRY(advance(p));
    TRY(expect_word(p, "per_sample"));
    TRY(expect_punct(p, '='));
    TRY(parse_int(p, "a byte count", 0, INT64_MAX, &p->module->arena_bytes_per_sample));
    TRY(expect_word(p, "fixed"));
    TRY(expect_punct(p, '='));
    TRY(parse_int(p, "a byte count", 0, INT64_MAX, &p->module->arena_bytes_fixed));
    return expect_line_end(p);
}

/* Parses `buffer %ID offset=O bytes=B [; "node" Type]`: the arena buffer of
 * an op output. B must be the value's buffer size (per sample when it is
 * batched), so a dump edited by hand cannot disagree with its type. */
static aimcc_status parse_buffer(parser *p)
{
    TRY(advance(p));
    if (p->tok.kind != TOKEN_VALUE)
        return fail_expected(p, "a value %ID");
    const token value_token = p->tok;
    aimcc_value *value = NULL;
    TRY(lookup_value(p, &value_token, &value));
    if (value->kind != AIMCC_VALUE_ACTIVATION || !value->producer)
        return fail_at(p, &value_token,
                       "%%%" PRId64 " is not the output of an op above; only op outputs have "
                       "arena buffers",
                       value_token.id);
    if (value->buffer_offset >= 0)
        return fail_at(p, &value_token, "%%%" PRId64 " has a buffer line already",
                       value_token.id);
    p->node = value->producer->node;
    p->onnx_type = value->producer->onnx_type;
    TRY(advance(p));
    TRY(expect_word(p, "offset"));
    TRY(expect_punct(p, '='));
    int64_t offset;
    TRY(parse_int(p, "a byte offset", 0, INT64_MAX, &offset));
    TRY(expect_word(p, "bytes"));
    TRY(expect_punct(p, '='));
    const token bytes_token = p->tok;
    int64_t bytes;
    TRY(parse_int(p, "a byte count", 0, INT64_MAX, &bytes));
    const int64_t expected = aimcc_ir_value_buffer_bytes(value);
    if (bytes != expected)
        return fail_at(p, &bytes_token,
                       "%%%" PRId64 " takes %" PRId64 " bytes%s, not %" PRId64,
                       value_token.id, expected, value->batched ? " per sample" : "", bytes);
    value->buffer_offset = offset;
    const char *node, *onnx_type;
    return parse_annotation(p, &node, &onnx_type);
}

/* Parses `output %ID ["NAME"]`: the next graph output. */
static aimcc_status parse_output(parser *p)
{
    TRY(advance(p));
    if (p->tok.kind != TOKEN_VALUE)
        return fail_expected(p, "a value %ID");
    aimcc_value *value = NULL;
    TRY(lookup_value(p, &p->tok, &value));
    TRY(advance(p));
    const char *name = "";
    if (p->tok.kind == TOKEN_STRING) {
        TRY(decode_string(p, &p->tok, &name));
        TRY(advance(p));
    }
    TRY(expect_line_end(p));
    if (aimcc_ir_module_add_output(p->module, value) != AIMCC_OK)
        return fail_nomem(p);
    p->module->output_names[p->module->n_outputs - 1] = name;
    return AIMCC_OK;
}

/* ---- Module ---- */

static aimcc_status parse_properties(parser *p)
{
    TRY(expect_punct(p, '='));
    TRY(expect_punct(p, '['));
    int n = 0;
    while (!at_punct(p, ']')) {
        if (n++ > 0)
            TRY(expect_punct(p, ','));
        int bit = 0;
        while (bit < 32) {
            const char *name = aimcc_ir_property_name(bit);
            char other[16];
            snprintf(other, sizeof other, "bit%d", bit);
            if (at_word(p, name ? name : other))
                break;
            bit++;
        }
        if (bit == 32)
            return fail_expected(p, "a property: imported, canonical, mapped, scheduled, "
                                    "domain-selected, quantized, sliced or encoded");
        p->module->properties |= 1u << bit;
        TRY(advance(p));
    }
    return advance(p);
}

/* Parses `aimcc-ir 1` and `module "NAME" [target "T"] [values=N] [properties=[...]] {`. */
static aimcc_status parse_header(parser *p)
{
    while (p->tok.kind == TOKEN_NEWLINE)
        TRY(advance(p));
    TRY(expect_word(p, "aimcc-ir"));
    const token version_token = p->tok;
    int64_t version;
    TRY(parse_int(p, "a format version", 0, INT32_MAX, &version));
    if (version != AIMCC_IR_VERSION)
        return fail_at(p, &version_token,
                       "IR text version %" PRId64 " is not supported: this "
                       "aimcc reads version %d",
                       version, AIMCC_IR_VERSION);
    TRY(expect_line_end(p));
    while (p->tok.kind == TOKEN_NEWLINE)
        TRY(advance(p));

    TRY(expect_word(p, "module"));
    if (p->tok.kind != TOKEN_STRING)
        return fail_expected(p, "the quoted module name");
    const char *name;
    TRY(decode_string(p, &p->tok, &name));
    p->module = aimcc_ir_module_create(p->arena, name);
    if (!p->module)
        return fail_nomem(p);
    TRY(advance(p));
    if (at_word(p, "target")) {
        TRY(advance(p));
        if (p->tok.kind != TOKEN_STRING)
            return fail_expected(p, "the quoted target name");
        TRY(decode_string(p, &p->tok, &p->module->target_name));
        TRY(advance(p));
    }
    if (at_word(p, "values")) {
        TRY(advance(p));
        TRY(expect_punct(p, '='));
        p->values_token = p->tok;
        TRY(parse_int(p, "a value count", 0, MAX_VALUE_ID, &p->n_values_declared));
    }
    if (at_word(p, "properties")) {
        TRY(advance(p));
        TRY(parse_properties(p));
    }
    TRY(expect_punct(p, '{'));
    return expect_line_end(p);
}

static aimcc_status parse_item(parser *p)
{
    p->node = NULL;
    p->onnx_type = NULL;
    if (at_word(p, "map"))
        return parse_map(p);
    if (at_word(p, "kind"))
        return parse_kind(p);
    if (at_word(p, "plan"))
        return parse_plan(p);
    TRY(flush_blocks(p));
    if (p->tok.kind == TOKEN_VALUE) {
        peek_annotation(p);
        return parse_value_line(p);
    }
    if (at_word(p, "tile"))
        return parse_tile(p);
    if (at_word(p, "output"))
        return parse_output(p);
    if (at_word(p, "buffer"))
        return parse_buffer(p);
    if (at_word(p, "arena"))
        return parse_arena(p);
    return fail_expected(p, "a value %ID, 'tile', 'arena', 'kind', 'plan', 'map', 'buffer', "
                            "'output' or '}'");
}

static aimcc_status parse_body(parser *p)
{
    for (;;) {
        while (p->tok.kind == TOKEN_NEWLINE)
            TRY(advance(p));
        if (at_punct(p, '}'))
            break;
        if (p->tok.kind == TOKEN_EOF)
            return fail_expected(p, "'}' to close the module");
        TRY(parse_item(p));
    }
    p->node = NULL;
    p->onnx_type = NULL;
    TRY(flush_blocks(p));
    TRY(advance(p));
    while (p->tok.kind == TOKEN_NEWLINE)
        TRY(advance(p));
    if (p->tok.kind != TOKEN_EOF)
        return fail_expected(p, "end of file after the module's '}'");
    return AIMCC_OK;
}

/*
 * Gives every value its printed id. Ids that the text leaves undefined (the
 * outputs of ops a pass removed) get placeholder activations with no producer,
 * so values created later get the same ids as in the module that was printed.
 */
static aimcc_status assign_ids(parser *p)
{
    const int64_t n_total = p->n_values_declared >= 0 ? p->n_values_declared : p->max_id + 1;
    const int64_t n_gaps = n_total - p->n_defined;
    const token *at = p->n_values_declared >= 0 ? &p->values_token : &p->tok;
    if (n_gaps > (int64_t)MAX_GAPS_PER_VALUE * p->n_defined + MAX_GAPS_EXTRA)
        return fail_at(p, at,
                       "%" PRId64 " of the %" PRId64 " value ids are never defined; at "
                       "most %d per defined value plus %d are allowed",
                       n_gaps, n_total, MAX_GAPS_PER_VALUE, MAX_GAPS_EXTRA);
    if (n_total > p->by_id_capacity) {
        aimcc_value **grown = realloc(p->by_id, (size_t)n_total * sizeof *grown);
        if (!grown)
            return fail_nomem(p);
        memset(grown + p->by_id_capacity, 0, (size_t)(n_total - p->by_id_capacity) * sizeof *grown);
        p->by_id = grown;
        p->by_id_capacity = (int)n_total;
    }
    for (int64_t id = 0; id < n_total; id++) {
        if (p->by_id[id])
            continue;
        p->by_id[id] = aimcc_ir_value_add(p->module, NULL, AIMCC_VALUE_ACTIVATION,
                                          AIMRT_DTYPE_FLOAT, 0, NULL, NULL);
        if (!p->by_id[id])
            return fail_nomem(p);
    }
    /* Each value the parse created sits in by_id once, and the count check above
     * rules out extra values, so this is a permutation. */
    if (p->module->n_values != n_total)
        return aimcc_fail(p->ctx, AIMCC_ERR_INTERNAL, NULL, NULL,
                          "%s: the parse created %d values for %" PRId64 " ids", p->file,
                          p->module->n_values, n_total);
    for (int id = 0; id < (int)n_total; id++) {
        p->module->values[id] = p->by_id[id];
        p->by_id[id]->id = id;
    }
    return AIMCC_OK;
}

/* Runs the verifier, whose checks the line-by-line parse does not repeat
 * (use counts, blocks covering each weight matrix exactly once). */
static aimcc_status verify_parsed(parser *p)
{
    aimcc_ctx_clear(p->scratch);
    if (aimcc_ir_verify(p->scratch, p->module) == AIMCC_OK)
        return AIMCC_OK;
    const aimcc_diag *diag = aimcc_ctx_diag(p->scratch);
    return fail_located(p,
                        diag->status == AIMCC_ERR_NOMEM ? AIMCC_ERR_NOMEM
                                                        : AIMCC_ERR_INVALID_MODEL,
                        diag->node[0] ? diag->node : NULL, diag->op[0] ? diag->op : NULL, 0, 0,
                        diag->message);
}

aimcc_status aimcc_ir_parse(aimcc_ctx *ctx, aimcc_arena *arena, const char *text, size_t size,
                            const char *file_name, aimcc_module **out)
{
    *out = NULL;
    parser p = {
        .ctx = ctx,
        .arena = arena,
        .file = file_name ? file_name : "<input>",
        .pos = text,
        .end = text + size,
        .line_start = text,
        .line = 1,
        .max_id = -1,
        .n_values_declared = -1,
    };
    p.scratch = aimcc_ctx_create();
    if (!p.scratch)
        return aimcc_fail(ctx, AIMCC_ERR_NOMEM, NULL, NULL, "out of memory parsing %s", p.file);

    aimcc_status status = advance(&p);
    if (status == AIMCC_OK)
        status = parse_header(&p);
    if (status == AIMCC_OK)
        status = advance(&p);
    if (status == AIMCC_OK)
        status = parse_body(&p);
    if (status == AIMCC_OK)
        status = assign_ids(&p);
    if (status == AIMCC_OK)
        status = verify_parsed(&p);
    if (status == AIMCC_OK)
        *out = p.module;

    aimcc_ctx_destroy(p.scratch);
    free(p.by_id);
    free(p.blocks);
    return status;
}
