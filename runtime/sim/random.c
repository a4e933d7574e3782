/* SPDX-License-Identifier: MIT */
/*
 * Counter-based random streams of the simulator: one Philox4x32-10 block
 * (Random123, Salmon et al., SC 2011) per draw, so a draw depends only on its
 * key fields and draw index, never on the order of the calls. The 64-bit
 * Philox key is the seed; the 128-bit counter packs the stream's fields.
 */
#include "sim/random.h"

#include <math.h>

#include <Random123/philox.h>
#include <Random123/u01fixedpt.h>

/*
 * Counter layout, word 0 first. Bit 23 of word 3 marks a dynamic stream, and
 * the effect code fills bits 24-31 of word 3 in both kinds, so no two effects
 * or kinds share a counter.
 *
 *   static:  w0 = i
 *            w1 = tile
 *            w2 = cell bits 0-31
 *            w3 = effect << 24 | 0 << 23 | cell bits 32-54
 *   dynamic: w0 = column bits 0-23 << 8 | i bits 0-7
 *            w1 = mvm bits 0-31
 *            w2 = sample bits 0-31
 *            w3 = effect << 24 | 1 << 23 | tile bits 0-14 << 8 | sample bits 32-39
 *
 * The key is {seed bits 0-31, seed bits 32-63}. Within the ranges of random.h
 * the packing is injective, and Philox is a bijection of the counter for a
 * fixed key, so distinct draws never share a block.
 */
#define KIND_DYNAMIC_BIT (UINT32_C(1) << 23)

static philox4x32_key_t key_from_seed(uint64_t seed)
{
    philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    return key;
}

static philox4x32_ctr_t block_static(const aimrt_sim_static_key *key, uint32_t i)
{
    const uint32_t cell_high = (uint32_t)(key->cell >> 32) & UINT32_C(0x7fffff);
    philox4x32_ctr_t counter = {{
        i,
        key->tile,
        (uint32_t)key->cell,
        (key->effect & 0xffu) << 24 | cell_high,
    }};
    return philox4x32(counter, key_from_seed(key->seed));
}

static philox4x32_ctr_t block_dynamic(const aimrt_sim_dynamic_key *key, uint32_t i)
{
    const uint64_t sample = (uint64_t)key->sample;
    const uint64_t mvm = (uint64_t)key->mvm;
    const uint32_t column = (uint32_t)(key->column & UINT64_C(0xffffff));
    philox4x32_ctr_t counter = {{
        column << 8 | (i & 0xffu),
        (uint32_t)mvm,
        (uint32_t)sample,
        (key->effect & 0xffu) << 24 | KIND_DYNAMIC_BIT | (key->tile & 0x7fffu) << 8 |
            ((uint32_t)(sample >> 32) & 0xffu),
    }};
    return philox4x32(counter, key_from_seed(key->seed));
}

/* Words 2k and 2k+1 of a block as one 64-bit integer, the even word low. */
static uint64_t block_bits(philox4x32_ctr_t block, int k)
{
    return (uint64_t)block.v[2 * k + 1] << 32 | block.v[2 * k];
}

/*
 * Random123's open-open conversion keeps 52 of the 64 bits and adds half a
 * step, (k + 0.5) 2^-52: a 53-bit (k + 0.5) 2^-53 would round its largest
 * value to exactly 1.0. The result lies in [2^-53, 1 - 2^-53].
 */
static double uniform_from_block(philox4x32_ctr_t block)
{
    return u01fixedpt_open_open_64_double(block_bits(block, 0));
}

/* Box-Muller (Box and Muller 1958), cosine branch only, so one block gives
 * one normal and a draw never depends on a neighbor's index. Because
 * u1 >= 2^-53, |z| <= sqrt(2 ln 2^53) = 8.57. */
static double normal_from_block(philox4x32_ctr_t block)
{
    const double u1 = u01fixedpt_open_open_64_double(block_bits(block, 0));
    const double u2 = u01fixedpt_open_open_64_double(block_bits(block, 1));
    const double two_pi = 6.283185307179586476925286766559;
    return sqrt(-2.0 * log(u1)) * cos(two_pi * u2);
}

double aimrt_sim_uniform_static(const aimrt_sim_static_key *key, uint32_t i)
{
    return uniform_from_block(block_static(key, i));
}

double aimrt_sim_uniform_dynamic(const aimrt_sim_dynamic_key *key, uint32_t i)
{
    return uniform_from_block(block_dynamic(key, i));
}

double aimrt_sim_normal_static(const aimrt_sim_static_key *key, uint32_t i)
{
    return normal_from_block(block_static(key, i));
}

double aimrt_sim_normal_dynamic(const aimrt_sim_dynamic_key *key, uint32_t i)
{
    return normal_from_block(block_dynamic(key, i));
}

/* Margin around u2 = 1/4 and 3/4, where cos(2 pi u2) changes sign, inside
 * which the cosine is computed rather than its sign taken from u2. */
#define QUARTER_MARGIN 1e-6

bool aimrt_sim_normal_dynamic_lifts(const aimrt_sim_dynamic_key *key, uint32_t i, double v,
                                    double sigma)
{
    const philox4x32_ctr_t block = block_dynamic(key, i);
    const double u2 = u01fixedpt_open_open_64_double(block_bits(block, 1));
    const bool z_positive = u2 < 0.25 - QUARTER_MARGIN || u2 > 0.75 + QUARTER_MARGIN;
    const bool z_negative = u2 > 0.25 + QUARTER_MARGIN && u2 < 0.75 - QUARTER_MARGIN;
    /* A term of the same sign cannot flip v, because rounding keeps the sign. */
    if ((v > 0.0 && z_positive) || (v < 0.0 && z_negative))
        return v > 0.0;
    const double u1 = u01fixedpt_open_open_64_double(block_bits(block, 0));
    const double radius = sqrt(-2.0 * log(u1));
    /* |cos| <= 1, so fl(sigma |z|) <= fl(sigma radius) < |v| keeps v's sign. */
    if (sigma * radius < fabs(v))
        return v > 0.0;
    const double two_pi = 6.283185307179586476925286766559;
    return v + sigma * (radius * cos(two_pi * u2)) > 0.0;
}

/* Blocks computed side by side: the lanes' multiplies vectorize. */
#define LANES 8

/*
 * Philox4x32-10 of LANES counters at once, word-sliced (c[w][lane]), the
 * rounds and key schedule of Random123's philox4x32, so each lane equals
 * philox4x32 of its counter bit for bit. Built for AVX2 and plain x86-64,
 * chosen when the library loads.
 */
__attribute__((target_clones("avx2", "default"))) static void
philox_lanes(uint32_t c[4][LANES], uint64_t seed)
{
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int round = 0; round < 10; round++) {
        for (int l = 0; l < LANES; l++) {
            const uint64_t p0 = (uint64_t)PHILOX_M4x32_0 * c[0][l];
            const uint64_t p1 = (uint64_t)PHILOX_M4x32_1 * c[2][l];
            const uint32_t w1 = c[1][l], w3 = c[3][l];
            c[0][l] = (uint32_t)(p1 >> 32) ^ w1 ^ k0;
            c[1][l] = (uint32_t)p1;
            c[2][l] = (uint32_t)(p0 >> 32) ^ w3 ^ k1;
            c[3][l] = (uint32_t)p0;
        }
        k0 += PHILOX_W32_0;
        k1 += PHILOX_W32_1;
    }
}

void aimrt_sim_normal_dynamic_columns(const aimrt_sim_dynamic_key *key, uint32_t i, int64_t n,
                                      double *z)
{
    /* The counter of block_dynamic, where only word 0 (column, draw) varies. */
    const uint64_t sample = (uint64_t)key->sample;
    const uint32_t w3 = (key->effect & 0xffu) << 24 | KIND_DYNAMIC_BIT | (key->tile & 0x7fffu) << 8 |
                        ((uint32_t)(sample >> 32) & 0xffu);
    for (int64_t c0 = 0; c0 < n; c0 += LANES) {
        uint32_t c[4][LANES];
        for (int l = 0; l < LANES; l++) {
            const uint32_t column = (uint32_t)((key->column + (uint64_t)(c0 + l)) & UINT64_C(0xffffff));
            c[0][l] = column << 8 | (i & 0xffu);
            c[1][l] = (uint32_t)key->mvm;
            c[2][l] = (uint32_t)sample;
            c[3][l] = w3;
        }
        philox_lanes(c, key->seed);
        for (int l = 0; l < LANES && c0 + l < n; l++) {
            const philox4x32_ctr_t block = {{c[0][l], c[1][l], c[2][l], c[3][l]}};
            z[c0 + l] = normal_from_block(block);
        }
    }
}
