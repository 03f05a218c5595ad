// Portable recurrent cell kernels: the same block layout and gate math as the vector ones, in
// plain C++ with the standard library's exp and tanh. It serves CPUs without AVX2 and is the
// variant the vector kernels are checked against.
#include "kernels/rnn_cell.h"

#include <cmath>

namespace sz0::kernels {

namespace {

constexpr int64_t B = kRnnBlock;

float sigmoid(float v) {
  // Written so exp never overflows.
  if (v >= 0) return 1.0f / (1.0f + std::exp(-v));
  const float e = std::exp(v);
  return e / (1.0f + e);
}

// Gate math for block q of row b; acc holds the products of the phase's gates, acc[g * B + u].
void apply(const RnnPhaseArgs& a, int64_t b, int64_t q, const float* acc) {
  const RnnStepArgs& s = *a.step;
  const RnnCellWeights& w = *s.w;
  const int64_t Hp = w.Hp, j0 = q * B;
  const float* x = s.x + b * s.ldx + j0;
  const float* hp = s.h_prev + b * Hp + j0;
  float* hn = s.h_next + b * Hp + j0;
  const bool active = !s.active || s.active[b];
  float out[B];
  switch (a.phase) {
    case RnnPhase::Rnn:
      for (int64_t u = 0; u < B; ++u) out[u] = std::tanh(acc[u] + x[u]);
      break;
    case RnnPhase::GruLbr: {
      const float* rbh = w.rbh.data() + j0;
      for (int64_t u = 0; u < B; ++u) {
        const float z = sigmoid(acc[u] + x[u]);
        const float r = sigmoid(acc[B + u] + x[Hp + u]);
        const float hh = std::tanh(x[2 * Hp + u] + r * (acc[2 * B + u] + rbh[u]));
        out[u] = (1.0f - z) * hh + z * hp[u];
      }
      break;
    }
    case RnnPhase::GruZr: {
      float* z = a.z + b * Hp + j0;
      float* rh = a.rh + b * Hp + j0;
      for (int64_t u = 0; u < B; ++u) {
        z[u] = sigmoid(acc[u] + x[u]);
        rh[u] = sigmoid(acc[B + u] + x[Hp + u]) * hp[u];
      }
      return;
    }
    case RnnPhase::GruH: {
      const float* z = a.z + b * Hp + j0;
      for (int64_t u = 0; u < B; ++u) {
        const float hh = std::tanh(acc[u] + x[2 * Hp + u]);
        out[u] = (1.0f - z[u]) * hh + z[u] * hp[u];
      }
      break;
    }
    case RnnPhase::Lstm: {
      float* c = s.c + b * Hp + j0;
      const float* p = w.peep.empty() ? nullptr : w.peep.data() + j0;
      for (int64_t u = 0; u < B; ++u) {
        const float cp = c[u];
        float ip = acc[u] + x[u], op = acc[B + u] + x[Hp + u], fp = acc[2 * B + u] + x[2 * Hp + u];
        if (p) {
          ip += p[u] * cp;
          fp += p[2 * Hp + u] * cp;
        }
        const float cn = sigmoid(fp) * cp + sigmoid(ip) * std::tanh(acc[3 * B + u] + x[3 * Hp + u]);
        if (p) op += p[Hp + u] * cn;
        out[u] = sigmoid(op) * std::tanh(cn);
        if (active) c[u] = cn;
      }
      break;
    }
  }
  for (int64_t u = 0; u < B; ++u) hn[u] = active ? out[u] : hp[u];
}

int gates_of(RnnPhase p) {
  switch (p) {
    case RnnPhase::Rnn:
    case RnnPhase::GruH: return 1;
    case RnnPhase::GruZr: return 2;
    case RnnPhase::GruLbr: return 3;
    case RnnPhase::Lstm: return 4;
  }
  return 1;
}

void gemv(const RnnPhaseArgs& a, int64_t b0, int64_t b1) {
  const RnnCellWeights& w = *a.step->w;
  const int64_t H = w.H, Hp = w.Hp, G = gates_of(a.phase), GB = G * B;
  float acc[4 * B];
  for (int64_t b = b0; b < b1; ++b) {
    const float* in = a.in + b * Hp;
    for (int64_t q = 0; q < Hp / B; ++q) {
      for (int64_t i = 0; i < GB; ++i) acc[i] = 0.0f;
      const float* wq = a.weights + q * H * GB;
      for (int64_t k = 0; k < H; ++k) {
        const float v = in[k];
        const float* wk = wq + k * GB;
        for (int64_t i = 0; i < GB; ++i) acc[i] += v * wk[i];
      }
      apply(a, b, q, acc);
    }
  }
}

void gates(const RnnPhaseArgs& a, const float* acc, int64_t ldacc, int64_t b0, int64_t b1) {
  const int64_t Hp = a.step->w->Hp, G = gates_of(a.phase);
  float blk[4 * B];
  for (int64_t b = b0; b < b1; ++b)
    for (int64_t q = 0; q < Hp / B; ++q) {
      for (int64_t g = 0; g < G; ++g)
        for (int64_t u = 0; u < B; ++u) blk[g * B + u] = acc[b * ldacc + g * Hp + q * B + u];
      apply(a, b, q, blk);
    }
}

void math_sigmoid(const float* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = sigmoid(in[i]);
}
void math_tanh(const float* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::tanh(in[i]);
}

}  // namespace

const RnnCellKernels& rnn_cell_kernels_scalar() {
  static const RnnCellKernels k{"scalar", gemv, gates, math_sigmoid, math_tanh};
  return k;
}

}  // namespace sz0::kernels
