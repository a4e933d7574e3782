/* SPDX-License-Identifier: MIT */
/*
 * The data of `aimcc plot`: the points of an accuracy figure, read from
 * `aimcc eval --json` results, and the bars of a utilization or cost figure,
 * read from a `compile --report` file. plot_data.c reads and checks them, and
 * plot.c draws them with PLplot.
 */
#ifndef AIMCC_CLI_PLOT_H
#define AIMCC_CLI_PLOT_H

#include <stdbool.h>

/* Maximum size of a label kept from a file or node name, in bytes, with its NUL.
 * plot.c shortens the labels further to the room the figure has. */
#define PLOT_LABEL_BYTES 128

/* One `aimcc eval --json` result. */
typedef struct plot_point {
    double top1;     /* mean top-1 accuracy over the seeds, in [0, 1] */
    double top1_std; /* its standard deviation over the seeds, >= 0 */
    bool has_time;
    double time_s;   /* the eval's --time, in seconds, when has_time */
    char label[PLOT_LABEL_BYTES]; /* the file name without folder and .json */
} plot_point;

/* One linear layer of a compile report. */
typedef struct plot_bar {
    double utilization; /* share of its tiles' cells that it uses, in [0, 1] */
    char label[PLOT_LABEL_BYTES]; /* the ONNX node name */
    bool has_cost;      /* the report gave energy_pj, latency_ns and domain */
    double energy_pj;   /* per inference, >= 0 */
    double latency_ns;  /* per inference, >= 0 */
    int domain;         /* index in PLOT_DOMAINS, or -1 when unknown */
} plot_bar;

/* The compute domains in the order the cost figure colors them. */
#define PLOT_DOMAINS {"current", "charge", "charge-redist", "capdiv", "resdiv", "time"}
#define PLOT_N_DOMAINS 6

/* The layers of a compile report; bars is malloc'd. */
typedef struct plot_bars {
    int n_bars;
    plot_bar *bars;
    bool has_total;
    double total_utilization; /* "total"."utilization", when has_total */
} plot_bars;

/* Reads one eval result. On an error prints one line naming the file and the
 * missing or invalid member and returns false. */
bool plot_read_accuracy(const char *path, plot_point *point);

/* Reads the layers of a compile report into bars (freed by the caller with
 * free(bars->bars), also on failure). Errors as for plot_read_accuracy. */
bool plot_read_utilization(const char *path, plot_bars *bars);

/* Reads the layers of a compile report with their energy and latency
 * estimates for the cost figure. Errors are as for plot_read_utilization, and
 * a layer without the estimates is an error too. */
bool plot_read_cost(const char *path, plot_bars *bars);

#endif
