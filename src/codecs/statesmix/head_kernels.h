// The vocabulary-sized loops of the statesmix model: the head projection (DM inputs -> ve logits),
// the softmax cross-entropy gradient of its training rows, and the two products of its backward
// pass. They dominate the running time, so they are register-tiled and take column or tile ranges
// that a WorkerTeam splits across threads.
//
// Bit-exactness: every output element is computed by the same IEEE operations in the same order
// as the straightforward loops they replace (documented per function), whatever the tile, the
// SIMD width or the range split. Only independent elements run side by side.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kolmo::statesmix {

// out[t][j] = x[t][0] * W[0][j], then += x[t][d] * W[d][j] for d = 1..DM-1 in order; for rows
// t < rows (x rows of DM floats, out rows of ld floats) and columns j in [j0, j1). W is DM rows
// of ld floats. j0 and j1 are multiples of 8.
void head_forward_cols(const float* W, std::size_t ld, const float* x, int rows, float* out,
                       std::size_t j0, std::size_t j1);

// Turns logit rows [t0, t1) of `logits` (rows of ld floats, ve used) into the gradient of the mean
// label-smoothed cross-entropy: (softmax - q) / T with q = smoothing/ve everywhere plus
// (1 - smoothing) at targets[t]; columns ve..ld-1 become 0. Per row: the maximum, e_j = exp(l_j -
// max), S = sum of e_j in double in index order. When `loss` is not null, adds each row's loss
// term (1 - s) CE(target) + s CE(uniform), divided by T, to *loss in row order.
void softmax_gradient_rows(float* logits, std::size_t ld, std::uint32_t ve,
                           const std::uint32_t* targets, int T, float smoothing, int t0, int t1,
                           double* loss);

// dW[d][j] = 0, then += x[t][d] * G[t][j] for t = 0..rows-1 in order; columns [j0, j1) (multiples
// of 8). G rows and dW rows are ld floats.
void head_weight_grad_cols(const float* x, const float* G, std::size_t ld, int rows, float* dW,
                           std::size_t j0, std::size_t j1);

// The input gradient dx[t][d] = sum over j of W[d][j] G[t][j], kept as eight lanes per (t, d):
// lane q sums the terms with j = q mod 8, from 0, in increasing j over [0, ld). `lanes` holds
// rows x DM x 8 floats. Work is cut into tiles (pairs of rows x four d); this computes tiles
// [u0, u1) of head_input_grad_tiles(rows).
std::size_t head_input_grad_tiles(int rows);
void head_input_grad_lanes(const float* W, const float* G, std::size_t ld, int rows, float* lanes,
                           std::size_t u0, std::size_t u1);

}  // namespace kolmo::statesmix
