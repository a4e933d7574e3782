/* SPDX-License-Identifier: MIT */
/*
 * aimcc plot: draws a figure with PLplot's cairo driver, as PNG or SVG by the
 * output's extension. `accuracy` draws top-1 with its standard deviation from
 * `aimcc eval --json` results, `utilization` the cells each linear layer uses
 * and `cost` each linear layer's energy and latency by domain, from a
 * `compile --report` file. The figure is written atomically.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <plplot.h>

#include "cli.h"
#include "ir/temp_file.h"
#include "plot.h"

enum {
    OPT_OUTPUT = 1,
};

static const cli_option plot_options[] = {
    {OPT_OUTPUT, "--output", "-o", "FIGURE",
     "Write the figure to this file: PNG when it ends in .png, SVG when it ends in .svg. "
     "Required."},
    {0, NULL, NULL, NULL, NULL},
};

const cli_command cli_plot_command = {
    .name = "plot",
    .usage = "aimcc plot accuracy RESULT.json... -o FIGURE.png|FIGURE.svg\n"
             "       aimcc plot utilization REPORT.json -o FIGURE.png|FIGURE.svg\n"
             "       aimcc plot cost REPORT.json -o FIGURE.png|FIGURE.svg",
    .summary = "Draw a figure from eval results or a compile report. accuracy draws top-1 with "
               "its standard deviation as error bars from one or more 'aimcc eval --json' "
               "results, in the order given, against their --time when the times increase in that "
               "order, else against the file names. utilization draws the share of its tiles' "
               "cells that each linear layer uses, and cost the energy and latency per inference of "
               "each linear layer on a log scale, colored by its compute domain, from one "
               "'aimcc compile --report' file.",
    .options = plot_options,
};

/* PLplot's color map 0 for the figures: background, axes, data, total line. */
enum { COLOR_BACKGROUND, COLOR_AXES, COLOR_DATA, COLOR_TOTAL, COLOR_DOMAIN, COLOR_COUNT =
    COLOR_DOMAIN + PLOT_N_DOMAINS };

/* The temporary file being drawn, removed by the exit handler when PLplot
 * fails, because PLplot ends the process after an error. */
static const char *drawing_path;
static const char *figure_path;

static int on_plplot_error(PLCHAR_VECTOR message)
{
    if (drawing_path)
        unlink(drawing_path);
    cli_error("%s: drawing the figure failed: %s", figure_path ? figure_path : "plot",
              message ? message : "PLplot error");
    return CLI_EXIT_INPUT;
}

#ifdef __SANITIZE_ADDRESS__
/* fontconfig and libltdl, which PLplot's cairo driver loads, keep caches until
 * the process ends; LeakSanitizer would report them as leaks of aimcc. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\nleak:libltdl.so\n";
}

/* Keeps stderr to the command's own lines: no table of the suppressions used. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}
#endif

/* The page, in pixels. Figures are laid out on PAGE_WIDTH_PX x PAGE_HEIGHT_PX,
 * and the page grows downward, up to PAGE_MAX_HEIGHT_PX, when the x-axis labels
 * need more room than the layout leaves under the axis. */
enum { PAGE_WIDTH_PX = 960, PAGE_HEIGHT_PX = 640, PAGE_MAX_HEIGHT_PX = 960 };
static int page_height_px = PAGE_HEIGHT_PX;

/* Text height at character scale 1, in pixels: PLplot's default on the base
 * page, kept on a taller page, where PLplot would scale it up. */
#define TEXT_HEIGHT_PX 16.0

/* The character scale of x-axis labels. */
#define LABEL_SCALE 0.6

/* The font size (em) over PLplot's character height, and the label widths
 * below, are estimates: measured for DejaVu Sans with the cairo driver of
 * PLplot 5.15, which has no function that returns a string's width. */
#define EM_PER_TEXT_HEIGHT 1.35

/* Room under the x axis that the labels leave free, in character heights:
 * their gap to the axis (the displacement given to plmtex) and a margin. */
#define LABEL_GAP_CHARS 0.5
#define LABEL_MARGIN_CHARS 1.0

/* Maps y, a fraction of the base page's height from its bottom, onto the
 * page, so that everything keeps its distance from the top. */
static double page_y(double y)
{
    return 1.0 - (1.0 - y) * PAGE_HEIGHT_PX / page_height_px;
}

/* Sets the viewport in fractions of the base page (see page_y). */
static void set_viewport(double xmin, double xmax, double ymin, double ymax)
{
    plvpor(xmin, xmax, page_y(ymin), page_y(ymax));
}

/* Returns the estimated advance width of one byte of text, in em. The classes
 * follow DejaVu Sans. Each multibyte UTF-8 character counts as one wide
 * character, on its first byte. */
static double byte_width_em(unsigned char c)
{
    if (c >= 0x80)
        return (c & 0xC0) == 0x80 ? 0.0 : 1.0;
    if (c != '\0' && strchr("il.,:;'|!j", c))
        return 0.32;
    if (c != '\0' && strchr("/\\()[]{}frt- ", c))
        return 0.42;
    if (c != '\0' && strchr("mwMW%@", c))
        return 1.0;
    if (c >= 'A' && c <= 'Z')
        return 0.74;
    if (c == '_')
        return 0.5;
    return 0.64;
}

/* Returns the estimated width of length bytes of text at the label scale, in pixels. */
static double label_width_px(const char *text, size_t length)
{
    double em = 0.0;
    for (size_t i = 0; i < length; i++)
        em += byte_width_em((unsigned char)text[i]);
    return em * EM_PER_TEXT_HEIGHT * TEXT_HEIGHT_PX * LABEL_SCALE;
}

/* Copies text into out, cut in the middle with "..." when it is wider than
 * max_px. The middle goes because node names tell layers apart at both ends:
 * the block at the start and the op at the end. No UTF-8 character is split. */
static void fit_label(char *out, size_t size, const char *text, double max_px)
{
    const size_t length = strlen(text);
    if (label_width_px(text, length) <= max_px && length < size) {
        memcpy(out, text, length + 1);
        return;
    }
    const double dots_px = label_width_px("...", 3);
    size_t keep = length < size - 4 ? length : size - 4;
    for (; keep > 0; keep--) {
        size_t head = (keep + 1) / 2, tail_start = length - keep / 2;
        while (head > 0 && ((unsigned char)text[head] & 0xC0) == 0x80)
            head--;
        while (tail_start < length && ((unsigned char)text[tail_start] & 0xC0) == 0x80)
            tail_start++;
        const size_t tail = length - tail_start;
        if (label_width_px(text, head) + dots_px + label_width_px(text + tail_start, tail) <=
            max_px) {
            memcpy(out, text, head);
            memcpy(out + head, "...", 3);
            memcpy(out + head + 3, text + tail_start, tail + 1);
            return;
        }
    }
    snprintf(out, size, "...");
}

/* Writes text for PLplot, which reads '#' as the start of an escape sequence. */
static void plot_text(char *out, size_t size, const char *text)
{
    size_t n = 0;
    for (const char *c = text; *c && n + 3 < size; c++) {
        if (*c == '#')
            out[n++] = '#';
        out[n++] = *c;
    }
    out[n] = '\0';
}

/* Starts a page on the file with the device and the figure's colors. */
static void begin_page(const char *device, const char *path)
{
    /* Then one color per domain, in PLOT_DOMAINS order. */
    static const PLINT red[COLOR_COUNT] = {255, 0, 70, 178, 31, 255, 44, 148, 214, 140};
    static const PLINT green[COLOR_COUNT] = {255, 0, 130, 34, 119, 127, 160, 103, 39, 86};
    static const PLINT blue[COLOR_COUNT] = {255, 0, 180, 34, 180, 14, 44, 189, 40, 75};
    plsexit(on_plplot_error);
    plsdev(device);
    plsfnam(path);
    plspage(0.0, 0.0, PAGE_WIDTH_PX, page_height_px, 0, 0);
    plscmap0(red, green, blue, COLOR_COUNT);
    plinit();
    pladv(0);

    /* PLplot gives a taller page larger letters; keep them at TEXT_HEIGHT_PX. */
    PLFLT xmin_mm, xmax_mm, ymin_mm, ymax_mm;
    plgspa(&xmin_mm, &xmax_mm, &ymin_mm, &ymax_mm);
    plschr(TEXT_HEIGHT_PX * (xmax_mm - xmin_mm) / PAGE_WIDTH_PX, 1.0);
    plcol0(COLOR_AXES);
}

/* The x-axis labels of a figure: n labels, label i at stride * i bytes after
 * first, under an axis whose bottom is at the fraction bottom of the base page. */
typedef struct axis_labels {
    int n;
    const char *first;
    size_t stride;
    double bottom;
} axis_labels;

/* Returns the maximum width of a label on the page, in pixels. */
static double label_room_px(const axis_labels *labels)
{
    const double free_chars = LABEL_GAP_CHARS + LABEL_MARGIN_CHARS;
    return page_y(labels->bottom) * page_height_px - free_chars * TEXT_HEIGHT_PX * LABEL_SCALE;
}

/* Returns the page height that fits the widest label whole, within
 * PAGE_MAX_HEIGHT_PX; wider labels are cut by fit_label. */
static int fit_page_height(const axis_labels *labels)
{
    double widest = 0.0;
    for (int i = 0; i < labels->n; i++) {
        const char *text = labels->first + (size_t)i * labels->stride;
        widest = fmax(widest, label_width_px(text, strlen(text)));
    }
    page_height_px = PAGE_HEIGHT_PX;
    const double missing = ceil(widest - label_room_px(labels));
    if (missing <= 0.0)
        return PAGE_HEIGHT_PX;
    return missing < PAGE_MAX_HEIGHT_PX - PAGE_HEIGHT_PX ? PAGE_HEIGHT_PX + (int)missing
                                                         : PAGE_MAX_HEIGHT_PX;
}

/* Writes the labels under the x axis, perpendicular to it, at x = 1..n of
 * [xmin, xmax], each cut to the room under the axis. */
static void label_x_axis(const axis_labels *labels, double xmin, double xmax)
{
    const double room_px = label_room_px(labels);
    plschr(0.0, LABEL_SCALE);
    char fitted[PLOT_LABEL_BYTES], text[2 * PLOT_LABEL_BYTES];
    for (int i = 0; i < labels->n; i++) {
        fit_label(fitted, sizeof fitted, labels->first + (size_t)i * labels->stride, room_px);
        plot_text(text, sizeof text, fitted);
        plmtex("bv", LABEL_GAP_CHARS, (i + 1 - xmin) / (xmax - xmin), 1.0, text);
    }
    plschr(0.0, 1.0);
}

/* Returns [lo, hi] around the points' error bars with a margin, inside [0, 1]. */
static void accuracy_range(const plot_point *points, int n, double *lo, double *hi)
{
    *lo = 1.0;
    *hi = 0.0;
    for (int i = 0; i < n; i++) {
        *lo = points[i].top1 - points[i].top1_std < *lo ? points[i].top1 - points[i].top1_std : *lo;
        *hi = points[i].top1 + points[i].top1_std > *hi ? points[i].top1 + points[i].top1_std : *hi;
    }
    const double margin = *hi - *lo > 0.0 ? 0.1 * (*hi - *lo) : 0.01;
    *lo = *lo - margin < 0.0 ? 0.0 : *lo - margin;
    *hi = *hi + margin > 1.0 ? 1.0 : *hi + margin;
}

/* Returns true when every point has a time and the times increase. */
static bool times_increase(const plot_point *points, int n)
{
    for (int i = 0; i < n; i++) {
        if (!points[i].has_time || (i > 0 && points[i].time_s <= points[i - 1].time_s))
            return false;
    }
    return n > 1;
}

static void draw_accuracy(const plot_point *points, int n, const axis_labels *labels, PLFLT *x,
                          PLFLT *y, PLFLT *lo, PLFLT *hi)
{
    const bool by_time = times_increase(points, n);
    for (int i = 0; i < n; i++) {
        x[i] = by_time ? points[i].time_s : i + 1;
        y[i] = points[i].top1;
        lo[i] = points[i].top1 - points[i].top1_std;
        hi[i] = points[i].top1 + points[i].top1_std;
    }
    double ymin, ymax;
    accuracy_range(points, n, &ymin, &ymax);
    const double span = by_time ? x[n - 1] - x[0] : 1.0;
    const double xmin = by_time ? x[0] - 0.05 * span : 0.5;
    const double xmax = by_time ? x[n - 1] + 0.05 * span : n + 0.5;

    set_viewport(0.1, 0.95, labels->bottom, 0.9);
    plwind(xmin, xmax, ymin, ymax);
    plbox(by_time ? "bcnst" : "bc", 0.0, 0, "bcfnstv", 0.0, 0);
    if (!by_time)
        label_x_axis(labels, xmin, xmax);
    pllab(by_time ? "time since programming (s)" : "", "top-1 accuracy",
          "Top-1 accuracy (error bars: std over seeds)");
    plcol0(COLOR_DATA);
    plline(n, x, y);
    plpoin(n, x, y, 17);
    plerry(n, x, lo, hi);
}

static void draw_utilization(const plot_bars *bars, const axis_labels *labels)
{
    const int n = bars->n_bars;
    const double xmin = 0.5, xmax = n + 0.5;
    set_viewport(0.1, 0.95, labels->bottom, 0.9);
    plwind(xmin, xmax, 0.0, 100.0);
    plbox("bc", 0.0, 0, "bcnstv", 0.0, 0);
    label_x_axis(labels, xmin, xmax);
    pllab("", "cells used (% of its tiles)", "Cell utilization per linear layer");

    plcol0(COLOR_DATA);
    for (int i = 0; i < n; i++) {
        const PLFLT left = i + 0.6, right = i + 1.4, top = 100.0 * bars->bars[i].utilization;
        PLFLT x[4] = {left, left, right, right}, y[4] = {0.0, top, top, 0.0};
        plfill(4, x, y);
    }
    if (bars->has_total) {
        PLFLT x[2] = {xmin, xmax};
        PLFLT y[2] = {100.0 * bars->total_utilization, 100.0 * bars->total_utilization};
        plcol0(COLOR_TOTAL);
        pllsty(2);
        plline(2, x, y);
        pllsty(1);
        plptex(xmax - 0.02 * (xmax - xmin), y[0] + 2.0, 1.0, 0.0, 1.0, "all tiles");
    }
}

/* Returns the decade range [lo, hi] of log10 of the positive values. */
static void log_range(const plot_bars *bars, bool energy, double *lo, double *hi)
{
    *lo = 1e300;
    *hi = -1e300;
    for (int i = 0; i < bars->n_bars; i++) {
        const double v = energy ? bars->bars[i].energy_pj : bars->bars[i].latency_ns;
        if (v > 0.0) {
            *lo = fmin(*lo, floor(log10(v)));
            *hi = fmax(*hi, ceil(log10(v)));
        }
    }
    if (*lo > *hi) {
        *lo = 0.0;
        *hi = 1.0;
    }
    if (*hi <= *lo)
        *hi = *lo + 1.0;
}

/* Draws one panel of the cost figure: a bar per layer in its domain's color,
 * on a log scale. */
static void draw_cost_panel(const plot_bars *bars, bool energy, double bottom, double top)
{
    const int n = bars->n_bars;
    const double xmin = 0.5, xmax = n + 0.5;
    double lo, hi;
    log_range(bars, energy, &lo, &hi);
    plcol0(COLOR_AXES);
    set_viewport(0.1, 0.76, bottom, top);
    plwind(xmin, xmax, lo, hi);
    plbox("bc", 0.0, 0, "bcnstvl", 0.0, 0);
    pllab("", energy ? "energy (pJ)" : "latency (ns)",
          energy ? "Energy and latency per linear layer and inference, by domain" : "");
    for (int i = 0; i < n; i++) {
        const double v = energy ? bars->bars[i].energy_pj : bars->bars[i].latency_ns;
        if (!(v > 0.0))
            continue;
        const int d = bars->bars[i].domain;
        plcol0(d >= 0 ? COLOR_DOMAIN + d : COLOR_DATA);
        const PLFLT left = i + 0.6, right = i + 1.4, height = log10(v);
        PLFLT x[4] = {left, left, right, right}, y[4] = {lo, height, height, lo};
        plfill(4, x, y);
    }
}

/* Writes the domains' colors as a legend right of the panels. */
static void draw_domain_legend(void)
{
    static const char *const domains[PLOT_N_DOMAINS] = PLOT_DOMAINS;
    set_viewport(0.78, 0.98, 0.55, 0.9);
    plwind(0.0, 1.0, 0.0, PLOT_N_DOMAINS);
    for (int d = 0; d < PLOT_N_DOMAINS; d++) {
        const PLFLT y0 = PLOT_N_DOMAINS - d - 0.8, y1 = PLOT_N_DOMAINS - d - 0.2;
        PLFLT x[4] = {0.0, 0.0, 0.2, 0.2}, y[4] = {y0, y1, y1, y0};
        plcol0(COLOR_DOMAIN + d);
        plfill(4, x, y);
        plcol0(COLOR_AXES);
        plptex(0.25, 0.5 * (y0 + y1), 1.0, 0.0, 0.0, domains[d]);
    }
}

static void draw_cost(const plot_bars *bars, const axis_labels *labels)
{
    draw_cost_panel(bars, true, 0.66, 0.92);
    draw_cost_panel(bars, false, labels->bottom, 0.62);
    plcol0(COLOR_AXES);
    label_x_axis(labels, 0.5, bars->n_bars + 0.5);
    plschr(0.0, 0.6);
    draw_domain_legend();
    plschr(0.0, 1.0);
}

/* The figure to draw: its kind and its data. */
typedef struct figure {
    bool accuracy;
    bool cost;
    int n_points;
    plot_point *points;
    plot_bars bars;
} figure;

/* Returns the x-axis labels of the figure and the bottom of its lowest panel. */
static axis_labels figure_labels(const figure *fig)
{
    if (fig->accuracy && times_increase(fig->points, fig->n_points))
        return (axis_labels){.n = 0, .bottom = 0.12};
    if (fig->accuracy)
        return (axis_labels){fig->n_points, fig->points[0].label, sizeof *fig->points, 0.3};
    return (axis_labels){fig->bars.n_bars, fig->bars.bars[0].label, sizeof *fig->bars.bars,
                         fig->cost ? 0.38 : 0.35};
}

/* Draws the figure into the temporary file beside path, then renames it over
 * path. device is "pngcairo" or "svgcairo". */
static int write_figure(const figure *fig, const char *device, const char *path)
{
    const size_t length = strlen(path);
    char *temp = malloc(length + sizeof ".tmp-XXXXXX");
    PLFLT *scratch = malloc(4 * ((size_t)fig->n_points + 1) * sizeof *scratch);
    if (!temp || !scratch) {
        free(temp);
        free(scratch);
        return cli_error("out of memory");
    }
    memcpy(temp, path, length);
    memcpy(temp + length, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
    const int fd = aimcc_temp_file_create(temp);
    if (fd < 0) {
        const int error = errno;
        free(temp);
        free(scratch);
        return cli_error("%s: cannot create a temporary file in its folder (%s); check that the "
                         "folder exists and is writable",
                         path, strerror(error));
    }
    close(fd);

    drawing_path = temp;
    figure_path = path;
    const axis_labels labels = figure_labels(fig);
    page_height_px = fit_page_height(&labels);
    begin_page(device, temp);
    const size_t n = (size_t)fig->n_points + 1;
    if (fig->accuracy)
        draw_accuracy(fig->points, fig->n_points, &labels, scratch, scratch + n, scratch + 2 * n,
                      scratch + 3 * n);
    else if (fig->cost)
        draw_cost(&fig->bars, &labels);
    else
        draw_utilization(&fig->bars, &labels);
    plend();
    drawing_path = NULL;
    free(scratch);

    int exit_status = CLI_EXIT_OK;
    FILE *check = fopen(temp, "rb");
    const bool written = check && fseek(check, 0, SEEK_END) == 0 && ftell(check) > 0;
    if (check)
        fclose(check);
    if (!written || rename(temp, path) != 0) {
        exit_status = cli_error("%s: writing the figure failed (%s)", path,
                                written ? strerror(errno) : "PLplot wrote an empty file");
        unlink(temp);
    }
    free(temp);
    return exit_status;
}

/* Returns the cairo device for the output's extension, or NULL. */
static const char *device_for(const char *path)
{
    const size_t length = strlen(path);
    if (length > 4 && strcmp(path + length - 4, ".png") == 0)
        return "pngcairo";
    if (length > 4 && strcmp(path + length - 4, ".svg") == 0)
        return "svgcairo";
    return NULL;
}

/* Reads the inputs of the figure's kind; returns an exit status or -1 to go on. */
static int read_inputs(figure *fig, const char *const *inputs, int n_inputs)
{
    if (!fig->accuracy) {
        if (n_inputs != 1)
            return cli_usage_error(&cli_plot_command, "plot %s takes one report file, but got %d",
                                   fig->cost ? "cost" : "utilization", n_inputs);
        const bool ok = fig->cost ? plot_read_cost(inputs[0], &fig->bars)
                                  : plot_read_utilization(inputs[0], &fig->bars);
        return ok ? -1 : CLI_EXIT_INPUT;
    }
    fig->points = calloc((size_t)n_inputs, sizeof *fig->points);
    if (!fig->points)
        return cli_error("out of memory");
    for (int i = 0; i < n_inputs; i++) {
        if (!plot_read_accuracy(inputs[i], &fig->points[i]))
            return CLI_EXIT_INPUT;
        fig->n_points++;
    }
    return -1;
}

/* Parses the arguments; returns an exit status or -1 to go on. inputs has
 * room for argc entries. */
static int parse_arguments(int argc, char **argv, const char **kind, const char **inputs,
                           int *n_inputs, const char **output)
{
    cli_args args;
    cli_args_init(&args, &cli_plot_command, argc, argv);
    const char *value = NULL;
    for (int id; (id = cli_args_next(&args, &value)) != CLI_ARG_END;) {
        switch (id) {
        case CLI_ARG_HELP: return CLI_EXIT_OK;
        case CLI_ARG_ERROR: return CLI_EXIT_USAGE;
        case CLI_ARG_POSITIONAL:
            if (!*kind)
                *kind = value;
            else
                inputs[(*n_inputs)++] = value;
            break;
        case OPT_OUTPUT: *output = value; break;
        default: return CLI_EXIT_USAGE;
        }
    }
    if (!*kind)
        return cli_usage_error(&cli_plot_command, "missing the figure kind: accuracy, "
                                                  "utilization or cost");
    if (strcmp(*kind, "accuracy") != 0 && strcmp(*kind, "utilization") != 0 &&
        strcmp(*kind, "cost") != 0)
        return cli_usage_error(&cli_plot_command,
                               "unknown figure kind \"%s\"; give accuracy, utilization or cost",
                               *kind);
    if (*n_inputs == 0)
        return cli_usage_error(&cli_plot_command, "missing the input files of plot %s", *kind);
    if (!*output)
        return cli_usage_error(&cli_plot_command, "missing the figure file: give -o FIGURE.png "
                                                  "or -o FIGURE.svg");
    if (!device_for(*output))
        return cli_usage_error(&cli_plot_command,
                               "the figure file \"%s\" must end in .png or .svg", *output);
    return -1;
}

int cli_plot_main(int argc, char **argv)
{
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    if (!inputs)
        return cli_error("out of memory");
    const char *kind = NULL, *output = NULL;
    int n_inputs = 0;
    int exit_status = parse_arguments(argc, argv, &kind, inputs, &n_inputs, &output);
    figure fig = {0};
    if (exit_status < 0) {
        fig.accuracy = strcmp(kind, "accuracy") == 0;
        fig.cost = strcmp(kind, "cost") == 0;
        exit_status = read_inputs(&fig, inputs, n_inputs);
    }
    if (exit_status < 0)
        exit_status = write_figure(&fig, device_for(output), output);
    free(fig.points);
    free(fig.bars.bars);
    free(inputs);
    return exit_status;
}
