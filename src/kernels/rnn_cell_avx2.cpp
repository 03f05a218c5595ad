// AVX2 + FMA recurrent cell kernels. Everything after the includes is compiled for AVX2 and FMA
// and has internal linkage, so no inline function the rest of the program shares is built with
// instructions an older CPU lacks; rnn_cell_kernels_avx2() checks the CPU before handing them out.
//
// The matrix-vector kernel streams each block of packed weights once per step into up to 15
// accumulators (several rows share each weight load), then runs the gate math on them before
// they leave the registers. The gate math
// is a chain of dependent operations (exp, divide, the next gate), so it handles all the blocks
// of a tile in lock step: every operation is issued for each block before the next one, which
// gives the core as many independent chains as there are blocks.
//
// exp, sigmoid and tanh are computed here in float. Against double-precision std::exp and
// std::tanh over [-20, 20] and at the extremes (RecurrentFused.ActivationAccuracy measures it):
// sigmoid and tanh are within 1e-7 absolute, and tanh within 3e-7 relative, the odd polynomial
// near zero keeping small outputs accurate.
#include "kernels/rnn_cell.h"
#include "kernels/isa_target.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

SZ0_TARGET_BEGIN("avx2,fma")

namespace sz0::kernels {

namespace {

constexpr int B = static_cast<int>(kRnnBlock);

#define SZ0_EACH(m, M) _Pragma("GCC unroll 32") for (int m = 0; m < (M); ++m)

// e^x in place for M vectors: x = n·ln2 + r with |r| <= ln2/2, e^r by its degree-7 Taylor
// polynomial (truncation below 6e-9 relative), 2^n put straight into the exponent bits. Inputs
// are clamped to [-87, 88], where 2^n stays a normal float. Adding 1.5·2^23 rounds x·log2(e) to
// the integer n in the low mantissa bits, which then shift into place as the exponent.
template <int M>
inline void exp_n(__m256 (&x)[M]) {
  const __m256 shifter = _mm256_set1_ps(12582912.0f);  // 1.5 · 2^23
  __m256 t[M], n[M], p[M];
  SZ0_EACH(m, M) x[m] = _mm256_min_ps(_mm256_set1_ps(88.0f), _mm256_max_ps(_mm256_set1_ps(-87.0f), x[m]));
  SZ0_EACH(m, M) t[m] = _mm256_fmadd_ps(x[m], _mm256_set1_ps(1.44269504088896341f), shifter);
  SZ0_EACH(m, M) n[m] = _mm256_sub_ps(t[m], shifter);
  // ln2 in two parts: n · ln2_hi is exact, so r keeps its low bits.
  SZ0_EACH(m, M) x[m] = _mm256_fnmadd_ps(n[m], _mm256_set1_ps(0.693359375f), x[m]);
  SZ0_EACH(m, M) x[m] = _mm256_fnmadd_ps(n[m], _mm256_set1_ps(-2.12194440e-4f), x[m]);
  SZ0_EACH(m, M) p[m] = _mm256_fmadd_ps(_mm256_set1_ps(1.0f / 5040), x[m], _mm256_set1_ps(1.0f / 720));
  SZ0_EACH(m, M) p[m] = _mm256_fmadd_ps(p[m], x[m], _mm256_set1_ps(1.0f / 120));
  SZ0_EACH(m, M) p[m] = _mm256_fmadd_ps(p[m], x[m], _mm256_set1_ps(1.0f / 24));
  SZ0_EACH(m, M) p[m] = _mm256_fmadd_ps(p[m], x[m], _mm256_set1_ps(1.0f / 6));
  SZ0_EACH(m, M) p[m] = _mm256_fmadd_ps(p[m], x[m], _mm256_set1_ps(0.5f));
  SZ0_EACH(m, M) p[m] = _mm256_fmadd_ps(p[m], x[m], _mm256_set1_ps(1.0f));
  SZ0_EACH(m, M) p[m] = _mm256_fmadd_ps(p[m], x[m], _mm256_set1_ps(1.0f));
  SZ0_EACH(m, M) {
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(t[m]), _mm256_set1_epi32(127)), 23);
    x[m] = _mm256_mul_ps(p[m], _mm256_castsi256_ps(e));
  }
}

// 1 / (1 + e^-x) in place.
template <int M>
inline void sigmoid_n(__m256 (&x)[M]) {
  const __m256 one = _mm256_set1_ps(1.0f);
  SZ0_EACH(m, M) x[m] = _mm256_sub_ps(_mm256_setzero_ps(), x[m]);
  exp_n(x);
  SZ0_EACH(m, M) x[m] = _mm256_div_ps(one, _mm256_add_ps(one, x[m]));
}

// tanh in place: tanh|x| = (1 - e) / (1 + e) with e = e^(-2|x|) <= 1, so nothing overflows;
// below |x| = 1/8, where 1 - e loses relative precision, the Taylor series to x^9 (truncation
// below 1e-11).
template <int M>
inline void tanh_n(__m256 (&x)[M]) {
  const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
  __m256 ax[M], e[M], p[M];
  SZ0_EACH(m, M) ax[m] = _mm256_andnot_ps(sign, x[m]);
  SZ0_EACH(m, M) e[m] = _mm256_mul_ps(ax[m], _mm256_set1_ps(-2.0f));
  exp_n(e);
  SZ0_EACH(m, M) e[m] = _mm256_div_ps(_mm256_sub_ps(one, e[m]), _mm256_add_ps(one, e[m]));
  SZ0_EACH(m, M) {
    const __m256 x2 = _mm256_mul_ps(ax[m], ax[m]);
    p[m] = _mm256_fmadd_ps(_mm256_set1_ps(62.0f / 2835), x2, _mm256_set1_ps(-17.0f / 315));
    p[m] = _mm256_fmadd_ps(p[m], x2, _mm256_set1_ps(2.0f / 15));
    p[m] = _mm256_fmadd_ps(p[m], x2, _mm256_set1_ps(-1.0f / 3));
    p[m] = _mm256_fmadd_ps(_mm256_mul_ps(p[m], x2), ax[m], ax[m]);
  }
  SZ0_EACH(m, M) {
    const __m256 small = _mm256_cmp_ps(ax[m], _mm256_set1_ps(0.125f), _CMP_LT_OQ);
    x[m] = _mm256_or_ps(_mm256_blendv_ps(e[m], p[m], small), _mm256_and_ps(sign, x[m]));
  }
}

template <RnnPhase P>
constexpr int gates_of() {
  return P == RnnPhase::Rnn || P == RnnPhase::GruH ? 1 : P == RnnPhase::GruZr ? 2 : P == RnnPhase::GruLbr ? 3 : 4;
}

// Where one block of the gate math reads and writes: row b, units j0 .. j0 + 7.
struct Site {
  const float* x;    // the row's X·Wᵀ + biases, offset to j0
  const float* hp;   // Ht-1
  float* hn;         // Ht
  int64_t j0;        // first unit
  int64_t zr;        // offset of the row's block in z, rh and c
  bool active;
};

inline Site site(const RnnPhaseArgs& a, int64_t b, int64_t q) {
  const RnnStepArgs& s = *a.step;
  const int64_t Hp = s.w->Hp, j0 = q * B;
  return {s.x + b * s.ldx + j0, s.h_prev + b * Hp + j0, s.h_next + b * Hp + j0, j0, b * Hp + j0,
          !s.active || s.active[b]};
}

// Gate math for M (row, block) sites at once; acc[m][g] holds gate g's products for site m.
template <RnnPhase P, int M>
inline void apply(const RnnPhaseArgs& a, const Site (&at)[M], const __m256 (&acc)[M][gates_of<P>()]) {
  const RnnStepArgs& s = *a.step;
  const RnnCellWeights& w = *s.w;
  const int64_t Hp = w.Hp;
  __m256 hp[M], out[M];
  SZ0_EACH(m, M) hp[m] = _mm256_loadu_ps(at[m].hp);
  if constexpr (P == RnnPhase::Rnn) {
    SZ0_EACH(m, M) out[m] = _mm256_add_ps(acc[m][0], _mm256_loadu_ps(at[m].x));
    tanh_n(out);
  } else if constexpr (P == RnnPhase::GruLbr || P == RnnPhase::GruZr) {
    __m256 zr[2 * M];  // z of every site, then r
    SZ0_EACH(m, M) {
      zr[m] = _mm256_add_ps(acc[m][0], _mm256_loadu_ps(at[m].x));
      zr[M + m] = _mm256_add_ps(acc[m][1], _mm256_loadu_ps(at[m].x + Hp));
    }
    sigmoid_n(zr);
    if constexpr (P == RnnPhase::GruZr) {
      SZ0_EACH(m, M) {
        _mm256_storeu_ps(a.z + at[m].zr, zr[m]);
        _mm256_storeu_ps(a.rh + at[m].zr, _mm256_mul_ps(zr[M + m], hp[m]));
      }
      return;
    } else {
      __m256 hh[M];
      SZ0_EACH(m, M) {
        const __m256 rbh = _mm256_loadu_ps(w.rbh.data() + at[m].j0);
        hh[m] = _mm256_fmadd_ps(zr[M + m], _mm256_add_ps(acc[m][2], rbh), _mm256_loadu_ps(at[m].x + 2 * Hp));
      }
      tanh_n(hh);
      SZ0_EACH(m, M) out[m] = _mm256_fmadd_ps(zr[m], _mm256_sub_ps(hp[m], hh[m]), hh[m]);  // (1 - z)·hh + z·hp
    }
  } else if constexpr (P == RnnPhase::GruH) {
    SZ0_EACH(m, M) out[m] = _mm256_add_ps(acc[m][0], _mm256_loadu_ps(at[m].x + 2 * Hp));
    tanh_n(out);
    SZ0_EACH(m, M) {
      const __m256 z = _mm256_loadu_ps(a.z + at[m].zr);
      out[m] = _mm256_fmadd_ps(z, _mm256_sub_ps(hp[m], out[m]), out[m]);
    }
  } else {
    // LSTM: i and f first (o too without peepholes, as it then needs no Ct), with ct's tanh.
    const float* peep = w.peep.empty() ? nullptr : w.peep.data();
    __m256 cp[M], ifo[3 * M], cc[M];
    SZ0_EACH(m, M) {
      cp[m] = _mm256_loadu_ps(s.c + at[m].zr);
      ifo[m] = _mm256_add_ps(acc[m][0], _mm256_loadu_ps(at[m].x));
      ifo[M + m] = _mm256_add_ps(acc[m][2], _mm256_loadu_ps(at[m].x + 2 * Hp));
      ifo[2 * M + m] = _mm256_add_ps(acc[m][1], _mm256_loadu_ps(at[m].x + Hp));
      cc[m] = _mm256_add_ps(acc[m][3], _mm256_loadu_ps(at[m].x + 3 * Hp));
    }
    if (peep) {
      SZ0_EACH(m, M) {
        const float* p = peep + at[m].j0;
        ifo[m] = _mm256_fmadd_ps(_mm256_loadu_ps(p), cp[m], ifo[m]);
        ifo[M + m] = _mm256_fmadd_ps(_mm256_loadu_ps(p + 2 * Hp), cp[m], ifo[M + m]);
      }
      __m256 if2[2 * M];
      SZ0_EACH(m, 2 * M) if2[m] = ifo[m];
      sigmoid_n(if2);
      SZ0_EACH(m, 2 * M) ifo[m] = if2[m];
    } else {
      sigmoid_n(ifo);
    }
    tanh_n(cc);
    __m256 cn[M];
    SZ0_EACH(m, M) cn[m] = _mm256_fmadd_ps(ifo[M + m], cp[m], _mm256_mul_ps(ifo[m], cc[m]));
    if (peep) {
      __m256 o[M];
      SZ0_EACH(m, M) {
        o[m] = _mm256_fmadd_ps(_mm256_loadu_ps(peep + at[m].j0 + Hp), cn[m], ifo[2 * M + m]);
      }
      sigmoid_n(o);
      SZ0_EACH(m, M) ifo[2 * M + m] = o[m];
    }
    SZ0_EACH(m, M) {
      out[m] = cn[m];
      if (at[m].active) _mm256_storeu_ps(s.c + at[m].zr, cn[m]);
    }
    tanh_n(out);
    SZ0_EACH(m, M) out[m] = _mm256_mul_ps(ifo[2 * M + m], out[m]);
  }
  SZ0_EACH(m, M) _mm256_storeu_ps(at[m].hn, at[m].active ? out[m] : hp[m]);
}

// Blocks q0 .. q0 + NQ - 1 of rows b0 .. b0 + NR - 1: NR · NQ · G accumulators, each weight
// vector loaded once and used for every row.
template <RnnPhase P, int NR, int NQ>
inline void gemv_tile(const RnnPhaseArgs& a, int64_t b0, int64_t q0) {
  constexpr int G = gates_of<P>();
  const int64_t H = a.step->w->H, Hp = a.step->w->Hp;
  const int64_t qstride = H * G * B;
  const float* w = a.weights + q0 * qstride;
  const float* in = a.in + b0 * Hp;
  __m256 acc[NR * NQ][G];
  SZ0_EACH(t, NR * NQ) SZ0_EACH(g, G) acc[t][g] = _mm256_setzero_ps();
  for (int64_t k = 0; k < H; ++k) {
    __m256 hv[NR];
    SZ0_EACH(r, NR) hv[r] = _mm256_broadcast_ss(in + r * Hp + k);
    const float* wk = w + k * G * B;
    SZ0_EACH(q, NQ) SZ0_EACH(g, G) {
      const __m256 wv = _mm256_load_ps(wk + q * qstride + g * B);
      SZ0_EACH(r, NR) acc[r * NQ + q][g] = _mm256_fmadd_ps(hv[r], wv, acc[r * NQ + q][g]);
    }
  }
  // A copy for the gate math, so that the accumulators' address is never taken and they stay
  // in registers through the loop.
  __m256 res[NR * NQ][G];
  SZ0_EACH(t, NR * NQ) SZ0_EACH(g, G) res[t][g] = acc[t][g];
  Site at[NR * NQ];
  SZ0_EACH(r, NR) SZ0_EACH(q, NQ) at[r * NQ + q] = site(a, b0 + r, q0 + q);
  apply<P, NR * NQ>(a, at, res);
}

// A tile's accumulators, one broadcast input per row and one weight vector share the 16
// registers; 8 or more accumulators cover the FMA latency of 4 cycles on two pipes. Rows share
// each weight load, so a tile takes as many rows as fit, then as many blocks.
constexpr int kRegisters = 16;

template <RnnPhase P>
constexpr int tile_rows() {
  const int n = (kRegisters - 1) / (gates_of<P>() + 1);
  return n > 4 ? 4 : n;
}

template <RnnPhase P, int NR>
constexpr int tile_blocks() {
  const int n = (kRegisters - 1 - NR) / (gates_of<P>() * NR);
  return n < 1 ? 1 : n > 4 ? 4 : n;
}

template <RnnPhase P, int NR>
void gemv_rows(const RnnPhaseArgs& a, int64_t b0) {
  constexpr int NQ = tile_blocks<P, NR>();
  const int64_t nq = a.step->w->Hp / B;
  int64_t q = 0;
  for (; q + NQ <= nq; q += NQ) gemv_tile<P, NR, NQ>(a, b0, q);
  for (; q < nq; ++q) gemv_tile<P, NR, 1>(a, b0, q);
}

template <RnnPhase P>
void gemv_phase(const RnnPhaseArgs& a, int64_t b0, int64_t b1) {
  constexpr int R = tile_rows<P>();
  int64_t b = b0;
  for (; b + R <= b1; b += R) gemv_rows<P, R>(a, b);
  switch (b1 - b) {
    case 3: if constexpr (R > 3) gemv_rows<P, 3>(a, b); break;
    case 2: if constexpr (R > 2) gemv_rows<P, 2>(a, b); break;
    case 1: if constexpr (R > 1) gemv_rows<P, 1>(a, b); break;
    default: break;
  }
}

void gemv(const RnnPhaseArgs& a, int64_t b0, int64_t b1) {
  switch (a.phase) {
    case RnnPhase::Rnn: return gemv_phase<RnnPhase::Rnn>(a, b0, b1);
    case RnnPhase::Lstm: return gemv_phase<RnnPhase::Lstm>(a, b0, b1);
    case RnnPhase::GruLbr: return gemv_phase<RnnPhase::GruLbr>(a, b0, b1);
    case RnnPhase::GruZr: return gemv_phase<RnnPhase::GruZr>(a, b0, b1);
    case RnnPhase::GruH: return gemv_phase<RnnPhase::GruH>(a, b0, b1);
  }
}

// Gate math on products in memory, M blocks of row b from block q at a time.
template <RnnPhase P, int M>
inline void gates_blocks(const RnnPhaseArgs& a, const float* acc, int64_t b, int64_t q) {
  constexpr int G = gates_of<P>();
  const int64_t Hp = a.step->w->Hp;
  __m256 v[M][G];
  Site at[M];
  SZ0_EACH(m, M) {
    SZ0_EACH(g, G) v[m][g] = _mm256_loadu_ps(acc + g * Hp + (q + m) * B);
    at[m] = site(a, b, q + m);
  }
  apply<P, M>(a, at, v);
}

template <RnnPhase P>
void gates_phase(const RnnPhaseArgs& a, const float* acc, int64_t ldacc, int64_t b0, int64_t b1) {
  const int64_t nq = a.step->w->Hp / B;
  for (int64_t b = b0; b < b1; ++b) {
    int64_t q = 0;
    for (; q + 4 <= nq; q += 4) gates_blocks<P, 4>(a, acc + b * ldacc, b, q);
    for (; q < nq; ++q) gates_blocks<P, 1>(a, acc + b * ldacc, b, q);
  }
}

void gates(const RnnPhaseArgs& a, const float* acc, int64_t ldacc, int64_t b0, int64_t b1) {
  switch (a.phase) {
    case RnnPhase::Rnn: return gates_phase<RnnPhase::Rnn>(a, acc, ldacc, b0, b1);
    case RnnPhase::Lstm: return gates_phase<RnnPhase::Lstm>(a, acc, ldacc, b0, b1);
    case RnnPhase::GruLbr: return gates_phase<RnnPhase::GruLbr>(a, acc, ldacc, b0, b1);
    case RnnPhase::GruZr: return gates_phase<RnnPhase::GruZr>(a, acc, ldacc, b0, b1);
    case RnnPhase::GruH: return gates_phase<RnnPhase::GruH>(a, acc, ldacc, b0, b1);
  }
}

// Whole-array activations for the accuracy test; n a multiple of 8.
void math_sigmoid(const float* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i += B) {
    __m256 v[1] = {_mm256_loadu_ps(in + i)};
    sigmoid_n(v);
    _mm256_storeu_ps(out + i, v[0]);
  }
}

void math_tanh(const float* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i += B) {
    __m256 v[1] = {_mm256_loadu_ps(in + i)};
    tanh_n(v);
    _mm256_storeu_ps(out + i, v[0]);
  }
}

#undef SZ0_EACH

}  // namespace

}  // namespace sz0::kernels

SZ0_TARGET_END

namespace sz0::kernels {

const RnnCellKernels* rnn_cell_kernels_avx2() {
  static const RnnCellKernels k{"avx2", gemv, gates, math_sigmoid, math_tanh};
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok ? &k : nullptr;
}

}  // namespace sz0::kernels

#else  // not x86

namespace sz0::kernels {
const RnnCellKernels* rnn_cell_kernels_avx2() { return nullptr; }
}  // namespace sz0::kernels

#endif
