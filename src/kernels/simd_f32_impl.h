// The float32 kernels of simd_f32.h, written once over a vector of kW floats. Included only by
// the per-ISA translation units (simd_f32_portable.cpp, simd_f32_avx2.cpp, simd_f32_avx512.cpp),
// after they have opened their target region and defined, inside namespace sz0::kernels::{}:
//
//   kW                      lanes per vector
//   V, VI                   float and int32 vectors of kW lanes (GCC/Clang vector extensions)
//   VD                      a vector of kW / 2 doubles
//   vfma(a, b, c)           a·b + c (fused where the ISA has it)
//   vsqrt(v)                lane-wise IEEE square root
//   vwiden(v, lo, hi)       lanes [0, kW/2) and [kW/2, kW) of v as doubles
//   vload_part(p, m)        the first m < kW floats at p, zero above (reads nothing past p + m)
//   vstore_part(p, v, m)    stores the first m < kW lanes of v at p
//
// Everything here lives in an unnamed namespace and uses no standard-library templates, so no
// function compiled for one ISA can be shared with code built for another by the linker.
//
// Tails shorter than a vector go through vload_part / vstore_part and the same vector code, so an
// element's result never depends on where it sits in a row.

namespace sz0::kernels {
namespace {

// ---- vector basics ------------------------------------------------------------------------------

inline V splat(float c) { return V{} + c; }

template <class To, class From>
inline To bits(From v) {
  static_assert(sizeof(To) == sizeof(From));
  return __builtin_bit_cast(To, v);
}

inline V vload(const float* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void vstore(float* p, V v) { __builtin_memcpy(p, &v, sizeof v); }

inline V vmax(V a, V b) { return a > b ? a : b; }
inline V vmin(V a, V b) { return a < b ? a : b; }
inline V vabs(V a) { return bits<V>(bits<VI>(a) & 0x7fffffff); }

// Max / min where a NaN in either operand wins.
inline V vmax_nan(V a, V b) { return ((a > b) | (a != a)) ? a : b; }
inline V vmin_nan(V a, V b) { return ((a < b) | (a != a)) ? a : b; }

inline float hsum(V v) {
  float s = 0.0f;
  for (int i = 0; i < kW; ++i) s += v[i];
  return s;
}

// ---- vector math --------------------------------------------------------------------------------
// exp, sigmoid and tanh as in ops/math/vmath.h (Cephes-derived polynomials, a few ulp over the
// whole float range, IEEE results at the edges), with fused multiply-adds where the ISA has them;
// erf a rational fit of its own.

// 2^k for integer lanes k in [-126, 127].
inline V pow2i(VI k) { return bits<V>((k + 127) << 23); }

// exp(x) = 2^n · exp(r), r = x - n·ln2 (ln2 in two parts), 2^n applied in two halves so that
// results down to the denormals come out right.
inline V vexp(V x) {
  x = x > 89.0f ? splat(89.0f) : x;
  x = x < -104.0f ? splat(-104.0f) : x;
  constexpr float kShift = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer in the low bits
  const V t = vfma(x, splat(1.44269504088896341f), splat(kShift));
  const V n = t - kShift;
  const VI ni = bits<VI>(t) - bits<int32_t>(kShift);
  V r = vfma(n, splat(-0.693359375f), x);
  r = vfma(n, splat(2.12194440e-4f), r);
  V p = splat(1.9875691500e-4f);
  p = vfma(p, r, splat(1.3981999507e-3f));
  p = vfma(p, r, splat(8.3334519073e-3f));
  p = vfma(p, r, splat(4.1665795894e-2f));
  p = vfma(p, r, splat(1.6666665459e-1f));
  p = vfma(p, r, splat(5.0000001201e-1f));
  p = vfma(p, r * r, r + 1.0f);
  const VI h = ni >> 1;
  return p * pow2i(h) * pow2i(ni - h);
}

inline V vsigmoid(V x) { return 1.0f / (1.0f + vexp(-x)); }

// tanh: an odd polynomial below |x| = 0.625, (1 - e) / (1 + e) with e = exp(-2|x|) above.
inline V vtanh(V x) {
  const V a = vabs(x);
  const V z = x * x;
  V p = splat(-5.70498872745e-3f);
  p = vfma(p, z, splat(2.06390887954e-2f));
  p = vfma(p, z, splat(-5.37397155531e-2f));
  p = vfma(p, z, splat(1.33314422036e-1f));
  p = vfma(p, z, splat(-3.33332819422e-1f));
  const V small = vfma(p * z, x, x);
  const V e = vexp(-2.0f * a);
  V big = (1.0f - e) / (1.0f + e);
  big = x < 0.0f ? -big : big;
  return a < 0.625f ? small : big;
}

// erfc(b) for b in [1, 4]: exp(-b²)·R(1/b), R fitted to erfc(b)·exp(b²).
inline V erfc_big(V b) {
  const V u = 1.0f / b;
  V r = splat(2.5378464604071782e-02f);
  r = vfma(r, u, splat(-1.3875231293515017e-01f));
  r = vfma(r, u, splat(3.086568811885726e-01f));
  r = vfma(r, u, splat(-3.0997117520636186e-01f));
  r = vfma(r, u, splat(-3.394193298866288e-02f));
  r = vfma(r, u, splat(5.778749650533974e-01f));
  r = vfma(r, u, splat(-1.6613030995882394e-03f));
  return vexp(-b * b) * r;
}

// erf(x) = x·P(x²)/Q(x²) on |x| ≤ 4 (past 4, erf rounds to ±1): a rational fit of erf(x)/x on
// Chebyshev nodes of (0, 4] (degrees 6 and 5 in x², least squares reweighted toward minimax), its
// coefficients rounded to float one at a time with the others refitted after each. Relative error
// of the fit 6e-8 next to 0 (2/√π as a float), 7e-9 elsewhere; with the rounding of the evaluation,
// within 7 ulps (4e-7 absolute, found by a dense sweep). One division and no exp: less than half
// the work of a polynomial-plus-erfc split, which is about 3 ulps.
inline V verf(V x) {
  const V c = vmin(vmax(x, splat(-4.0f)), splat(4.0f));
  const V z = c * c;
  V p = splat(-1.32018911e-08f);
  p = vfma(p, z, splat(4.68469261e-06f));
  p = vfma(p, z, splat(0.000379605946f));
  p = vfma(p, z, splat(0.00384962349f));
  p = vfma(p, z, splat(0.0543168969f));
  p = vfma(p, z, splat(0.185203731f));
  p = vfma(p, z, splat(1.12837911f));
  V q = splat(6.31097428e-05f);
  q = vfma(q, z, splat(0.0013075684f));
  q = vfma(q, z, splat(0.0154621014f));
  q = vfma(q, z, splat(0.113958552f));
  q = vfma(q, z, splat(0.497465938f));
  q = vfma(q, z, splat(1.0f));
  const V r = c * p / q;
  // Past 3.92 the exact erf rounds to ±1; the rounding of the evaluation could leave it an ulp
  // short.
  const V sat = x < 0.0f ? splat(-1.0f) : splat(1.0f);
  const V v = vabs(x) > 3.92f ? sat : r;
  return x != x ? x : v;
}

// Gelu: x·Φ(x) = x/2·(1 + erf(x/√2)). Below x/√2 = -1 it is x/2·erfc(|x|/√2), computed directly
// so that the small negative tail keeps its relative precision. Below x/√2 = -4, where
// |x·Φ(x)| < 4.4e-8 and falls fast, the result is 0 (so Gelu(-inf) = 0, not NaN).
inline V vgelu(V x) {
  const V s = x * 0.70710678118654752f;
  const V a = vabs(s);
  const V b = vmin(vmax(a, splat(1.0f)), splat(4.0f));
  const V erfc = erfc_big(b);
  const V one_plus = s < -1.0f ? erfc : 1.0f + verf(s);
  const V g = 0.5f * x * one_plus;
  return s < -4.0f ? V{} : g;
}

// Gelu with the tanh approximation: x/2·(1 + tanh(z)) = x·sigmoid(2z), z = √(2/π)·(x + 0.044715x³);
// the sigmoid form has no cancellation for negative x.
inline V vgelu_tanh(V x) {
  const V z2 = (2.0f * 0.7978845608028654f) * vfma(0.044715f * x * x, x, x);
  return x * vsigmoid(z2);
}

// ---- loops --------------------------------------------------------------------------------------

// Function objects for the loops below (captureless lambdas would bring conversion functions that
// the compiler builds outside the target region).
template <V (*F)(V)>
struct Fn1 {
  V operator()(V v) const { return F(v); }
};
template <V (*F)(V, V)>
struct Fn2 {
  V operator()(V a, V b) const { return F(a, b); }
};
inline V op_add(V a, V b) { return a + b; }
inline V op_sub(V a, V b) { return a - b; }
inline V op_mul(V a, V b) { return a * b; }
inline V op_div(V a, V b) { return a / b; }
inline V op_prelu(V x, V s) { return x < 0.0f ? s * x : x; }
inline V op_id(V v) { return v; }
inline V op_square(V v) { return v * v; }
inline V op_cube(V v) { return v * v * v; }
inline V op_neg(V v) { return -v; }
inline V op_relu(V v) { return v > 0.0f ? v : V{}; }
inline V op_recip(V v) { return 1.0f / v; }
inline V op_silu(V v) { return v * vsigmoid(v); }
inline V op_softsign(V v) { return v / (1.0f + vabs(v)); }
inline V op_max(V a, V b) { return vmax(a, b); }
inline V op_hard_swish(V v) {
  V h = vfma(v, splat(1.0f / 6.0f), splat(0.5f));
  h = h < 0.0f ? V{} : h;
  h = h > 1.0f ? splat(1.0f) : h;
  return v * h;
}
// pow(x, 0.5): √x, except pow(-0, 0.5) = +0 and pow(-inf, 0.5) = +inf.
inline V op_pow_half(V v) { return v == -__builtin_inff() ? -v : vsqrt(v) + 0.0f; }

// y[i] = f(x[i]) for i < n.
template <class F>
inline void map1(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 2 * kW <= n; i += 2 * kW) {
    const V u = f(vload(x + i)), v = f(vload(x + i + kW));
    vstore(y + i, u);
    vstore(y + i + kW, v);
  }
  for (; i + kW <= n; i += kW) vstore(y + i, f(vload(x + i)));
  if (i < n) vstore_part(y + i, f(vload_part(x + i, n - i)), n - i);
}

// o = f(a, b), each operand a vector run (stride 1) or one repeated value (stride 0).
template <class F>
inline void map2(const float* a, int64_t sa, const float* b, int64_t sb, float* o, int64_t n, F f) {
  if (sa != 0 && sb != 0) {
    int64_t i = 0;
    for (; i + 2 * kW <= n; i += 2 * kW) {
      const V u = f(vload(a + i), vload(b + i)), v = f(vload(a + i + kW), vload(b + i + kW));
      vstore(o + i, u);
      vstore(o + i + kW, v);
    }
    for (; i + kW <= n; i += kW) vstore(o + i, f(vload(a + i), vload(b + i)));
    if (i < n) vstore_part(o + i, f(vload_part(a + i, n - i), vload_part(b + i, n - i)), n - i);
  } else if (sa != 0) {
    const V y = splat(*b);
    map1(a, o, n, [&](V v) { return f(v, y); });
  } else if (sb != 0) {
    const V x = splat(*a);
    map1(b, o, n, [&](V v) { return f(x, v); });
  } else {
    const float v = f(splat(*a), splat(*b))[0];
    for (int64_t i = 0; i < n; ++i) o[i] = v;
  }
}

template <class F>
inline void binary_rows(const float* a, int64_t ra, int64_t sa, const float* b, int64_t rb, int64_t sb, float* o,
                        int64_t rows, int64_t n, F f) {
  for (int64_t r = 0; r < rows; ++r) map2(a + r * ra, sa, b + r * rb, sb, o + r * n, n, f);
}

void binary(BinaryF32 op, const float* a, int64_t ra, int64_t sa, const float* b, int64_t rb, int64_t sb, float* o,
            int64_t rows, int64_t n) {
  switch (op) {
    case BinaryF32::Add: return binary_rows(a, ra, sa, b, rb, sb, o, rows, n, Fn2<op_add>{});
    case BinaryF32::Sub: return binary_rows(a, ra, sa, b, rb, sb, o, rows, n, Fn2<op_sub>{});
    case BinaryF32::Mul: return binary_rows(a, ra, sa, b, rb, sb, o, rows, n, Fn2<op_mul>{});
    case BinaryF32::Div: return binary_rows(a, ra, sa, b, rb, sb, o, rows, n, Fn2<op_div>{});
    case BinaryF32::Max: return binary_rows(a, ra, sa, b, rb, sb, o, rows, n, Fn2<vmax_nan>{});
    case BinaryF32::Min: return binary_rows(a, ra, sa, b, rb, sb, o, rows, n, Fn2<vmin_nan>{});
    case BinaryF32::PRelu: return binary_rows(a, ra, sa, b, rb, sb, o, rows, n, Fn2<op_prelu>{});
  }
}

void unary(UnaryF32 op, UnaryArgs args, const float* x, float* y, int64_t n) {
  const V va = splat(args.a), vb = splat(args.b);
  switch (op) {
    case UnaryF32::Copy:
      if (x != y) __builtin_memmove(y, x, static_cast<__SIZE_TYPE__>(n) * sizeof(float));
      return;
    case UnaryF32::Relu: return map1(x, y, n, Fn1<op_relu>{});
    case UnaryF32::LeakyRelu: return map1(x, y, n, [&](V v) { return v < 0.0f ? va * v : v; });
    case UnaryF32::Clip:
      // min(max(x, lo), hi): NaN stays NaN; with lo > hi everything becomes hi.
      return map1(x, y, n, [&](V v) {
        v = v < va ? va : v;
        return v > vb ? vb : v;
      });
    case UnaryF32::HardSigmoid:
      return map1(x, y, n, [&](V v) {
        V h = vfma(va, v, vb);
        h = h < 0.0f ? V{} : h;
        return h > 1.0f ? splat(1.0f) : h;
      });
    case UnaryF32::HardSwish:
      return map1(x, y, n, Fn1<op_hard_swish>{});
    case UnaryF32::Sigmoid: return map1(x, y, n, Fn1<vsigmoid>{});
    case UnaryF32::Tanh: return map1(x, y, n, Fn1<vtanh>{});
    case UnaryF32::Erf: return map1(x, y, n, Fn1<verf>{});
    case UnaryF32::Exp: return map1(x, y, n, Fn1<vexp>{});
    case UnaryF32::Gelu: return map1(x, y, n, Fn1<vgelu>{});
    case UnaryF32::GeluTanh: return map1(x, y, n, Fn1<vgelu_tanh>{});
    case UnaryF32::Sqrt: return map1(x, y, n, Fn1<vsqrt>{});
    case UnaryF32::PowHalf: return map1(x, y, n, Fn1<op_pow_half>{});
    case UnaryF32::Square: return map1(x, y, n, Fn1<op_square>{});
    case UnaryF32::Cube: return map1(x, y, n, Fn1<op_cube>{});
    case UnaryF32::Neg: return map1(x, y, n, Fn1<op_neg>{});
    case UnaryF32::Abs: return map1(x, y, n, Fn1<vabs>{});
    case UnaryF32::Reciprocal: return map1(x, y, n, Fn1<op_recip>{});
    case UnaryF32::Affine: return map1(x, y, n, [&](V v) { return vfma(va, v, vb); });
    case UnaryF32::Silu: return map1(x, y, n, Fn1<op_silu>{});
    case UnaryF32::Softsign: return map1(x, y, n, Fn1<op_softsign>{});
  }
}

// ---- reductions ---------------------------------------------------------------------------------

// Sums run in double lanes (each float vector widened in two halves): as exact as the reference's
// sequential double sum, at little cost since these loops are bound by memory.

// lo, hi += the two halves of v in double, squared there when Sq.
template <bool Sq>
inline void add_widened(V v, VD& lo, VD& hi) {
  VD a, b;
  vwiden(v, a, b);
  if constexpr (Sq) {
    lo += a * a;
    hi += b * b;
  } else {
    lo += a;
    hi += b;
  }
}

inline double hsum(VD v) {
  double s = 0.0;
  for (int i = 0; i < kW / 2; ++i) s += v[i];
  return s;
}

// Lanes at or above m set to 0.
inline V keep_lanes(V v, int64_t m) {
  VI idx;
  for (int j = 0; j < kW; ++j) idx[j] = j;
  return idx < static_cast<int32_t>(m) ? v : V{};
}

// The sum of f(x[i]), or of f(x[i])² when Sq, for i < n.
template <bool Sq = false, class F>
inline double sum_row(const float* x, int64_t n, F f) {
  VD s0{}, s1{}, s2{}, s3{};
  int64_t i = 0;
  for (; i + 2 * kW <= n; i += 2 * kW) {
    add_widened<Sq>(f(vload(x + i)), s0, s1);
    add_widened<Sq>(f(vload(x + i + kW)), s2, s3);
  }
  for (; i + kW <= n; i += kW) add_widened<Sq>(f(vload(x + i)), s0, s1);
  if (i < n) add_widened<Sq>(keep_lanes(f(vload_part(x + i, n - i)), n - i), s2, s3);
  return hsum((s0 + s1) + (s2 + s3));
}

template <class F>
inline float fold_row(const float* x, int64_t n, F f) {
  V m = n >= kW ? vload(x) : vload_part(x, n);
  int64_t i = n >= kW ? kW : n;
  for (; i + kW <= n; i += kW) m = f(m, vload(x + i));
  if (i < n) {
    // Pad the tail with its own first element, which the result already counts.
    V t = vload_part(x + i, n - i);
    const V first = splat(x[i]);
    for (int64_t j = n - i; j < kW; ++j) t[j] = first[0];
    m = f(m, t);
  }
  if (n < kW)
    for (int64_t j = n; j < kW; ++j) m[j] = x[0];
  float r = m[0];
  for (int j = 1; j < kW; ++j) r = f(splat(r), splat(m[j]))[0];
  return r;
}

double reduce_row(ReduceF32 op, const float* x, int64_t n) {
  switch (op) {
    case ReduceF32::Sum: return sum_row(x, n, Fn1<op_id>{});
    case ReduceF32::SumSquare: return sum_row<true>(x, n, Fn1<op_id>{});
    case ReduceF32::SumAbs: return sum_row(x, n, Fn1<vabs>{});
    case ReduceF32::Max: return fold_row(x, n, Fn2<vmax_nan>{});
    case ReduceF32::Min: return fold_row(x, n, Fn2<vmin_nan>{});
  }
  return 0.0;
}

// Accumulation steps of reduce_cols, on double lanes (acc, x).
inline VD dadd(VD a, VD v) { return a + v; }
inline VD dadd_square(VD a, VD v) { return a + v * v; }
inline VD dadd_abs(VD a, VD v) { return a + (v < 0.0 ? -v : v); }
inline VD dmax(VD a, VD v) { return ((v > a) | (v != v)) ? v : a; }
inline VD dmin(VD a, VD v) { return ((v < a) | (v != v)) ? v : a; }

template <VD (*F)(VD, VD)>
inline void cols(const float* x, int64_t rows, int64_t stride, int64_t n, double* acc) {
  constexpr int kH = kW / 2;
  for (int64_t r = 0; r < rows; ++r) {
    const float* p = x + r * stride;
    int64_t i = 0;
    for (; i + kW <= n; i += kW) {
      VD v0, v1, a0, a1;
      vwiden(vload(p + i), v0, v1);
      __builtin_memcpy(&a0, acc + i, sizeof a0);
      __builtin_memcpy(&a1, acc + i + kH, sizeof a1);
      a0 = F(a0, v0);
      a1 = F(a1, v1);
      __builtin_memcpy(acc + i, &a0, sizeof a0);
      __builtin_memcpy(acc + i + kH, &a1, sizeof a1);
    }
    for (; i < n; ++i) {  // the tail in lane 0
      VD a{}, v{};
      a[0] = acc[i];
      v[0] = p[i];
      acc[i] = F(a, v)[0];
    }
  }
}

void reduce_cols(ReduceF32 op, const float* x, int64_t rows, int64_t stride, int64_t n, double* acc) {
  switch (op) {
    case ReduceF32::Sum: return cols<dadd>(x, rows, stride, n, acc);
    case ReduceF32::SumSquare: return cols<dadd_square>(x, rows, stride, n, acc);
    case ReduceF32::SumAbs: return cols<dadd_abs>(x, rows, stride, n, acc);
    case ReduceF32::Max: return cols<dmax>(x, rows, stride, n, acc);
    case ReduceF32::Min: return cols<dmin>(x, rows, stride, n, acc);
  }
}

// ---- softmax ------------------------------------------------------------------------------------

// The row maximum. A NaN may be skipped here: it still reaches the sum through exp, so the whole
// row comes out NaN as it should.
inline float row_max(const float* x, int64_t n) {
  return fold_row(x, n, Fn2<op_max>{});
}

void softmax_rows(const float* x, float* y, int64_t rows, int64_t n, bool log) {
  for (int64_t r = 0; r < rows; ++r, x += n, y += n) {
    const V m = splat(row_max(x, n));
    V s0{}, s1{};
    int64_t i = 0;
    for (; i + 2 * kW <= n; i += 2 * kW) {
      const V e0 = vexp(vload(x + i) - m), e1 = vexp(vload(x + i + kW) - m);
      vstore(y + i, e0);
      vstore(y + i + kW, e1);
      s0 += e0;
      s1 += e1;
    }
    for (; i + kW <= n; i += kW) {
      const V e = vexp(vload(x + i) - m);
      vstore(y + i, e);
      s0 += e;
    }
    if (i < n) {
      V e = vexp(vload_part(x + i, n - i) - m);
      vstore_part(y + i, e, n - i);
      for (int64_t j = n - i; j < kW; ++j) e[j] = 0.0f;
      s1 += e;
    }
    const float s = hsum(s0 + s1);
    if (log) {
      const V ls = splat(__builtin_logf(s));
      map1(x, y, n, [&](V v) { return (v - m) - ls; });
    } else {
      const V inv = splat(1.0f / s);
      map1(y, y, n, [&](V v) { return v * inv; });
    }
  }
}

// Calls f(j, m) for column groups [j, j + m) of a row of n, m = kW except at the tail.
template <class F>
inline void for_groups(int64_t n, F f) {
  int64_t j = 0;
  for (; j + kW <= n; j += kW) f(j, kW);
  if (j < n) f(j, n - j);
}

inline V load_n(const float* p, int64_t m) { return m == kW ? vload(p) : vload_part(p, m); }
inline void store_n(float* p, V v, int64_t m) {
  if (m == kW) vstore(p, v);
  else vstore_part(p, v, m);
}

void softmax_strided(const float* x, float* y, int64_t n, int64_t inner, bool log, float* scratch) {
  float* mx = scratch;
  float* sm = scratch + inner;
  for_groups(inner, [&](int64_t j, int64_t m) {
    V mv = load_n(x + j, m);
    for (int64_t k = 1; k < n; ++k) mv = vmax(mv, load_n(x + k * inner + j, m));
    V sv{};
    for (int64_t k = 0; k < n; ++k) {
      const V e = vexp(load_n(x + k * inner + j, m) - mv);
      store_n(y + k * inner + j, e, m);
      sv += e;
    }
    store_n(mx + j, mv, m);
    store_n(sm + j, sv, m);
  });
  if (log) {
    // (x - max) - log(sum), in that order: the subtraction of the maximum is exact near it, so
    // results near 0 keep their relative precision.
    for (int64_t j = 0; j < inner; ++j) sm[j] = __builtin_logf(sm[j]);
    for (int64_t k = 0; k < n; ++k)
      for_groups(inner, [&](int64_t j, int64_t m) {
        store_n(y + k * inner + j, (load_n(x + k * inner + j, m) - load_n(mx + j, m)) - load_n(sm + j, m), m);
      });
  } else {
    for (int64_t j = 0; j < inner; ++j) sm[j] = 1.0f / sm[j];
    for (int64_t k = 0; k < n; ++k) map2(y + k * inner, 1, sm, 1, y + k * inner, inner, Fn2<op_mul>{});
  }
}

// ---- layer normalization ------------------------------------------------------------------------

void layer_norm_rows(const float* x, float* y, int64_t rows, int64_t n, const float* scale, const float* bias, float eps,
                     float* mean_out, float* inv_out) {
  for (int64_t r = 0; r < rows; ++r, x += n, y += n) {
    // Two passes (mean, then the squared deviations): no cancellation however large the mean.
    const double mean_d = sum_row(x, n, Fn1<op_id>{}) / static_cast<double>(n);
    const float mean = static_cast<float>(mean_d);
    const V mv = splat(mean);
    const double sq = sum_row<true>(x, n, [mv](V v) { return v - mv; });
    const double var = sq / static_cast<double>(n);
    const float inv = static_cast<float>(1.0 / __builtin_sqrt(var + static_cast<double>(eps)));
    if (mean_out) mean_out[r] = mean;
    if (inv_out) inv_out[r] = inv;
    const V iv = splat(inv);
    if (bias) {
      for_groups(n, [&](int64_t j, int64_t m) {
        const V d = (load_n(x + j, m) - mv) * iv;
        store_n(y + j, vfma(d, load_n(scale + j, m), load_n(bias + j, m)), m);
      });
    } else {
      for_groups(n, [&](int64_t j, int64_t m) { store_n(y + j, (load_n(x + j, m) - mv) * iv * load_n(scale + j, m), m); });
    }
  }
}

constexpr SimdF32Kernels kTable{
    .name = kName,
    .binary = binary,
    .unary = unary,
    .softmax_rows = softmax_rows,
    .softmax_strided = softmax_strided,
    .layer_norm_rows = layer_norm_rows,
    .reduce_row = reduce_row,
    .reduce_cols = reduce_cols,
};

}  // namespace
}  // namespace sz0::kernels
