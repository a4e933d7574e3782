#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the bit-exact references of tests/test_exact.c into tests/data/exact/.

Each case is one quantized LINEAR y = x W + bias on a tile kind: random
inputs x [V, K], integer weights Wq [K, N] (negative ones and both extremes
included), per-column weight scales and a bias. numpy computes the expected
outputs from the reference formula of docs/tile-lowering.md alone (int64
accumulators, float32 input scales, float64 rescaling), never from slices or
phases, so the test checks the runtime's encoding, phases and decoding.

cases.txt lists one case per line:
  name encoding weight_bits cell_bits input_mode input_sign input_bits range
  input_scale tile_rows tile_cols K N V replicas has_bias
and NAME.{x,wq,wscale,bias,y}.npy hold the arrays (bias only when has_bias).

Run: /usr/bin/python3 models/gen_exact_refs.py [OUT_DIR]
"""
import itertools
import os
import sys

import numpy as np

ENCODINGS = {  # name: (weight bits, cell bits)
    "differential": (8, 2),
    "offset": (6, 1),
    "constant-sum": (8, 4),
    "twos-complement": (8, 1),
}
MODES = {"amplitude": 8, "bit-serial": 4, "pwm": 6}  # name: input bits
SIGNS = ["one-pass", "two-pass-analog", "two-pass-digital", "unsigned"]
TILE_ROWS, TILE_COLS = 64, 32


def columns_per_weight(encoding, wb, cb):
    """Returns S * P and the reference columns of a block (docs/tile-lowering.md)."""
    if encoding == "differential":
        return 2 * -(-(wb - 1) // cb), 0
    if encoding == "offset":
        s = -(-wb // cb)
        return s, s
    if encoding == "constant-sum":
        return 2 * -(-wb // cb), 0
    return wb, 0


def reference(x, wq, w_scale, bias, signed, bits, static_scale):
    """The reference value of a quantized LINEAR, step by step as documented."""
    top = np.float32(2 ** (bits - 1) - 1 if signed else 2 ** bits - 1)
    low = -top if signed else np.float32(0)
    y = np.zeros((x.shape[0], wq.shape[1]), dtype=np.float32)
    for v in range(x.shape[0]):
        if static_scale is None:
            r = np.max(np.abs(x[v])).astype(np.float32)
            s = np.float32(r / top) if r > 0 else np.float32(1)
        else:
            s = np.float32(static_scale)
        xq = np.clip(np.rint(x[v] / s), low, top).astype(np.int64)  # float32 division
        acc = xq @ wq.astype(np.int64)
        value = (acc.astype(np.float64) * np.float64(s) * w_scale.astype(np.float64))
        y[v] = value.astype(np.float32)
        if bias is not None:
            y[v] = y[v] + bias
    return y


def make_case(rng, index, encoding, mode, sign, widths=None):
    """Returns the name, manifest line and arrays of one case; widths overrides
    (weight bits, cell bits, input bits)."""
    wb, cb = ENCODINGS[encoding]
    bits = MODES[mode]
    if widths:
        wb, cb, bits = widths
    per_weight, refs = columns_per_weight(encoding, wb, cb)
    per_block = (TILE_COLS - refs) // per_weight
    k = (TILE_ROWS - 1, TILE_ROWS, TILE_ROWS + 1, 2 * TILE_ROWS + 3)[index % 4]
    n = per_block + 1 + index % 3 * per_block  # straddles a tile's columns
    vectors = 5 + index % 3
    replicas = (1, 2, 1, 3)[index % 4]
    static = index % 5 == 2
    has_bias = index % 2 == 0
    signed = sign != "unsigned"

    q = 2 ** (wb - 1) - 1
    wq = rng.integers(-q, q + 1, size=(k, n)).astype(np.int32)
    wq[0, 0], wq[1, 0], wq[-1, -1] = q, -q, 0
    w_scale = (rng.random(n, dtype=np.float32) * 0.05 + 0.001).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32) if has_bias else None
    x = rng.standard_normal((vectors, k)).astype(np.float32)
    if not signed:
        x = np.maximum(x, 0).astype(np.float32)
    x[-1, :] = 0  # a zero row: s_v = 1
    x[0, 3] = np.float32(2.5)  # far from the rest: ties and clamping are exercised below
    top = 2 ** (bits - 1) - 1 if signed else 2 ** bits - 1
    scale = None
    if static:
        scale = np.float32(np.max(np.abs(x)) / top * np.float32(0.6))  # some inputs clamp
    y = reference(x, wq, w_scale, bias, signed, bits, scale)
    name = f"case{index:02d}"
    line = (f"{name} {encoding} {wb} {cb} {mode} {sign} {bits} "
            f"{'static' if static else 'dynamic'} {float(scale) if static else 0.0!r} "
            f"{TILE_ROWS} {TILE_COLS} {k} {n} {vectors} {replicas} {int(has_bias)}")
    arrays = {"x": x, "wq": wq, "wscale": w_scale, "y": y}
    if has_bias:
        arrays["bias"] = bias
    return name, line, arrays


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "exact")
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20240611)
    lines = []
    combos = itertools.product(ENCODINGS, MODES, SIGNS)
    for index, (encoding, mode, sign) in enumerate(combos):
        name, line, arrays = make_case(rng, index, encoding, mode, sign)
        for key, array in arrays.items():
            np.save(os.path.join(out, f"{name}.{key}.npy"), array)
        lines.append(line)
    # Wide inputs and cells: column sums above 2^24, which float cannot hold.
    extra = [("differential", "amplitude", "unsigned", (8, 8, 16)),
             ("constant-sum", "pwm", "one-pass", (8, 8, 12))]
    for index, (encoding, mode, sign, widths) in enumerate(extra, start=len(lines)):
        name, line, arrays = make_case(rng, index, encoding, mode, sign, widths)
        for key, array in arrays.items():
            np.save(os.path.join(out, f"{name}.{key}.npy"), array)
        lines.append(line)
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} cases to {out}")


if __name__ == "__main__":
    main()
