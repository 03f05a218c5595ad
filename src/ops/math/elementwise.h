// Shared machinery of the elementwise ops: dtype sets, the compute type of each element type,
// and one broadcasting engine (a plan that collapses the output shape into contiguous runs, and
// loops that walk those runs) used by every unary, binary, ternary and variadic op.
#pragma once

#include "kernels/parallel.h"
#include "kernels/simd_f32.h"
#include "ops/op.h"
#include "ops/math/halfconv.h"
#include "ops/math/vmath.h"
#include "ops/shape_util.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

namespace sz0::ops::math {

// ---- dtype sets -------------------------------------------------------------------------------

using TypeSet = uint32_t;
constexpr TypeSet bit(DType t) { return TypeSet{1} << static_cast<int>(t); }
constexpr TypeSet kFloatTypes = bit(DType::Float) | bit(DType::Double) | bit(DType::Float16) | bit(DType::BFloat16);
constexpr TypeSet kSignedIntTypes = bit(DType::Int8) | bit(DType::Int16) | bit(DType::Int32) | bit(DType::Int64);
constexpr TypeSet kUnsignedIntTypes = bit(DType::UInt8) | bit(DType::UInt16) | bit(DType::UInt32) | bit(DType::UInt64);
constexpr TypeSet kIntTypes = kSignedIntTypes | kUnsignedIntTypes;
constexpr TypeSet kNumericTypes = kFloatTypes | kIntTypes;
constexpr TypeSet kSignedTypes = kFloatTypes | kSignedIntTypes;
constexpr TypeSet kBoolType = bit(DType::Bool);
constexpr TypeSet kAllTypes = kNumericTypes | kBoolType;

template <class T>
constexpr bool in_set(TypeSet s) {
  return (s & bit(dtype_v<T>)) != 0;
}
inline bool in_set(DType t, TypeSet s) { return (s & bit(t)) != 0; }

// Fails unless input i's dtype is in `allowed` (an unknown dtype passes: inference may not know it).
Status check_type(const InferContext& ctx, size_t i, TypeSet allowed);
// Fails unless inputs i and j have the same dtype (when both are known).
Status check_same_type(const InferContext& ctx, size_t i, size_t j);

// ---- element types ----------------------------------------------------------------------------

template <class T>
constexpr bool is_half_v = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;
template <class T>
constexpr bool is_float_v = std::is_floating_point_v<T> || is_half_v<T>;

// Halves are computed in float; every other type in itself.
template <class T> struct compute_type { using type = T; };
template <> struct compute_type<Float16> { using type = float; };
template <> struct compute_type<BFloat16> { using type = float; };
template <class T> using compute_t = typename compute_type<T>::type;

template <class O, class C>
inline O to_out(C c) {
  if constexpr (is_half_v<O>) return O(static_cast<float>(c));
  else return static_cast<O>(c);
}

// float/double → integer without undefined behaviour: NaN → 0, out of range saturates.
template <class I, class F>
inline I saturate_cast(F f) {
  if constexpr (std::is_integral_v<I> && std::is_floating_point_v<F>) {
    if (std::isnan(f)) return I(0);
    if (f <= static_cast<F>(std::numeric_limits<I>::lowest())) return std::numeric_limits<I>::lowest();
    if (f >= static_cast<F>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
    return static_cast<I>(f);
  } else {
    return to_out<I>(f);
  }
}

// Wrapping integer arithmetic: computed in an unsigned type at least as wide as int, so that
// overflow is defined (two's complement) instead of undefined.
template <class T>
using wrap_t = std::make_unsigned_t<std::conditional_t<(sizeof(T) < sizeof(int)), int, T>>;

// Elements per parallel chunk for cheap elementwise work, and for transcendental functions
// (exp, erf, tanh: some tens of instructions per vector).
constexpr int64_t kGrain = 16384;
constexpr int64_t kMathGrain = 4096;

// ---- broadcasting -----------------------------------------------------------------------------

// The output shape collapsed into runs: an outer odometer over `dims`, and an inner contiguous
// run of `inner` elements. For each input, its element stride per outer dim and along the run
// (0 where it is broadcast, 1 otherwise).
struct BroadcastPlan {
  int64_t numel = 0;
  int64_t inner = 1;
  std::vector<int64_t> dims;                  // outer dims, slowest first
  std::vector<std::vector<int64_t>> strides;  // [input][outer dim]
  std::vector<int64_t> inner_stride;          // [input]
};

// Each input shape must broadcast (numpy rules) to `out`.
BroadcastPlan make_plan(std::span<const Shape* const> inputs, const Shape& out);
inline BroadcastPlan make_plan(std::initializer_list<const Shape*> inputs, const Shape& out) {
  return make_plan(std::span<const Shape* const>(inputs.begin(), inputs.size()), out);
}

// Calls f(out_offset, in_offsets, length) for every run piece of the output, split over threads.
// in_offsets[k] is input k's element offset at the start of the piece.
template <size_t N, class F>
void for_each_run(const BroadcastPlan& p, int threads, int64_t grain, F&& f) {
  const int64_t inner = p.inner;
  const size_t nd = p.dims.size();
  kernels::parallel_for(
      p.numel, threads,
      [&](int64_t begin, int64_t end) {
        // Odometer position of the run that holds `begin`.
        std::vector<int64_t> idx(nd, 0);
        std::array<int64_t, N> base{};
        int64_t row = begin / inner;
        for (size_t d = nd; d-- > 0;) {
          idx[d] = row % p.dims[d];
          row /= p.dims[d];
          for (size_t k = 0; k < N; ++k) base[k] += idx[d] * p.strides[k][d];
        }
        int64_t pos = begin, col = begin % inner;
        while (pos < end) {
          const int64_t len = std::min(inner - col, end - pos);
          std::array<int64_t, N> off;
          for (size_t k = 0; k < N; ++k) off[k] = base[k] + col * p.inner_stride[k];
          f(pos, off, len);
          pos += len;
          col = 0;
          for (size_t d = nd; d-- > 0;) {  // next run
            for (size_t k = 0; k < N; ++k) base[k] += p.strides[k][d];
            if (++idx[d] < p.dims[d]) break;
            for (size_t k = 0; k < N; ++k) base[k] -= idx[d] * p.strides[k][d];
            idx[d] = 0;
          }
        }
      },
      grain);
}

// o[i] = f(a[i], b[i]) over a plan of two inputs. `f` takes and returns storage types; the
// four stride patterns of a run get their own loops so the compiler vectorizes each.
template <class A, class B, class O, class F>
void binary_loop(const BroadcastPlan& p, const A* a, const B* b, O* o, int threads, F f, int64_t grain = kGrain) {
  const int64_t sa = p.inner_stride[0], sb = p.inner_stride[1];
  for_each_run<2>(p, threads, grain, [&](int64_t oo, const std::array<int64_t, 2>& off, int64_t n) {
    const A* pa = a + off[0];
    const B* pb = b + off[1];
    O* po = o + oo;
    if (sa == 1 && sb == 1) {
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
    } else if (sa == 1 && sb == 0) {
      const B y = *pb;
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], y);
    } else if (sa == 0 && sb == 1) {
      const A x = *pa;
      for (int64_t i = 0; i < n; ++i) po[i] = f(x, pb[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i * sa], pb[i * sb]);
    }
  });
}

// o[i] = f(a[i], b[i], c[i]) over a plan of three inputs (Where).
template <class A, class B, class C, class O, class F>
void ternary_loop(const BroadcastPlan& p, const A* a, const B* b, const C* c, O* o, int threads, F f,
                  int64_t grain = kGrain) {
  const int64_t sa = p.inner_stride[0], sb = p.inner_stride[1], sc = p.inner_stride[2];
  for_each_run<3>(p, threads, grain, [&](int64_t oo, const std::array<int64_t, 3>& off, int64_t n) {
    const A* pa = a + off[0];
    const B* pb = b + off[1];
    const C* pc = c + off[2];
    O* po = o + oo;
    if (sa == 1 && sb == 1 && sc == 1) {
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i], pc[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i * sa], pb[i * sb], pc[i * sc]);
    }
  });
}

// y[i] = f(x[i]) over n contiguous elements.
template <class T, class O, class F>
void unary_loop(const T* x, O* y, int64_t n, int threads, F f, int64_t grain = kGrain) {
  kernels::parallel_for(
      n, threads,
      [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) y[i] = f(x[i]);
      },
      grain);
}

// ---- halves through float blocks --------------------------------------------------------------

constexpr int64_t kBlock = 256;

// y = f(x) with f on compute types (float for halves); halves are converted a block at a time.
template <class T, class O, class F>
void unary_apply(const T* x, O* y, int64_t n, int threads, F f, int64_t grain = kGrain) {
  if constexpr (is_half_v<T>) {
    kernels::parallel_for(
        n, threads,
        [&](int64_t b, int64_t e) {
          float buf[kBlock];
          for (int64_t i = b; i < e; i += kBlock) {
            const int64_t m = std::min(kBlock, e - i);
            halves_to_float(x + i, buf, m);
            if constexpr (std::is_same_v<O, T>) {
              for (int64_t j = 0; j < m; ++j) buf[j] = static_cast<float>(f(buf[j]));
              float_to_halves(buf, y + i, m);
            } else {
              for (int64_t j = 0; j < m; ++j) y[i + j] = to_out<O>(f(buf[j]));
            }
          }
        },
        grain);
  } else {
    unary_loop(x, y, n, threads, [&](T v) { return to_out<O>(f(v)); }, grain);
  }
}

// Reads n elements of a broadcast run (stride 0 or 1) of halves as floats.
template <class H>
inline void load_run(const H* p, int64_t stride, int64_t n, float* dst) {
  if (stride == 1) {
    halves_to_float(p, dst, n);
  } else {
    const float v = stride == 0 ? static_cast<float>(*p) : 0.0f;
    for (int64_t j = 0; j < n; ++j) dst[j] = stride == 0 ? v : static_cast<float>(p[j * stride]);
  }
}

// o = f(a, b) over a plan, with f on compute types; halves go through float blocks.
template <class T, class O, class F>
void binary_apply(const BroadcastPlan& p, const T* a, const T* b, O* o, int threads, F f, int64_t grain = kGrain) {
  if constexpr (is_half_v<T>) {
    const int64_t sa = p.inner_stride[0], sb = p.inner_stride[1];
    for_each_run<2>(p, threads, grain, [&](int64_t oo, const std::array<int64_t, 2>& off, int64_t n) {
      float ba[kBlock], bb[kBlock];
      for (int64_t i = 0; i < n; i += kBlock) {
        const int64_t m = std::min(kBlock, n - i);
        load_run(a + off[0] + i * sa, sa, m, ba);
        load_run(b + off[1] + i * sb, sb, m, bb);
        if constexpr (std::is_same_v<O, T>) {
          for (int64_t j = 0; j < m; ++j) ba[j] = static_cast<float>(f(ba[j], bb[j]));
          float_to_halves(ba, o + oo + i, m);
        } else {
          for (int64_t j = 0; j < m; ++j) o[oo + i + j] = to_out<O>(f(ba[j], bb[j]));
        }
      }
    });
  } else {
    binary_loop(p, a, b, o, threads, [&](T x, T y) { return to_out<O>(f(x, y)); }, grain);
  }
}

// ---- float32 through the SIMD kernel table ------------------------------------------------------

// y = op(x) over n floats or halves (converted a block at a time), split over threads.
template <class T>
void unary_table(const T* x, T* y, int64_t n, int threads, kernels::UnaryF32 op, kernels::UnaryArgs args,
                 int64_t grain = kGrain) {
  const kernels::SimdF32Kernels& k = kernels::simd_f32();
  if constexpr (std::is_same_v<T, float>) {
    kernels::parallel_for(n, threads, [&](int64_t b, int64_t e) { k.unary(op, args, x + b, y + b, e - b); }, grain);
  } else {
    static_assert(is_half_v<T>);
    kernels::parallel_for(
        n, threads,
        [&](int64_t b, int64_t e) {
          float buf[kBlock];
          for (int64_t i = b; i < e; i += kBlock) {
            const int64_t m = std::min(kBlock, e - i);
            halves_to_float(x + i, buf, m);
            k.unary(op, args, buf, buf, m);
            float_to_halves(buf, y + i, m);
          }
        },
        grain);
  }
}

// o = a op b over a plan of two float32 inputs: the plan's innermost dims go to the kernel as
// rows of contiguous runs, so no element pays for index arithmetic.
void binary_f32(const BroadcastPlan& p, kernels::BinaryF32 op, const float* a, const float* b, float* o, int threads);

// ---- op-level helpers -------------------------------------------------------------------------

// Applies f (on compute types, e.g. a generic lambda) to every element of input 0; output 0 has
// the input's dtype, or `Out` when given. Types outside `Set` fail.
template <TypeSet Set, class Out = void, class F>
Status map_unary(KernelContext& ctx, F f, int64_t grain = kGrain) {
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.output_for_overwrite(0);
  bool done = false;
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (in_set<T>(Set)) {
      using O = std::conditional_t<std::is_void_v<Out>, T, Out>;
      unary_apply(x.data<T>(), y.data<O>(), x.numel(), ctx.threads(), f, grain);
      done = true;
    }
  });
  if (!done) return ctx.fail("unsupported dtype {}", dtype_name(x.dtype()));
  return {};
}

// Like map_unary, but float32 and the halves run `op` (with `args`) from the SIMD kernel table;
// the other dtypes in `Set` (double, integers) use f.
template <TypeSet Set, class F>
Status map_unary_table(KernelContext& ctx, kernels::UnaryF32 op, kernels::UnaryArgs args, F f,
                       int64_t grain = kGrain) {
  const Tensor& x = ctx.in(0);
  const DType t = x.dtype();
  if (t != DType::Float && t != DType::Float16 && t != DType::BFloat16) return map_unary<Set>(ctx, f, grain);
  static_assert((Set & bit(DType::Float)) && (Set & bit(DType::Float16)) && (Set & bit(DType::BFloat16)));
  Tensor& y = ctx.output_for_overwrite(0);
  visit_dtype(t, [&]<class T>() {
    if constexpr (std::is_same_v<compute_t<T>, float>)
      unary_table(x.data<T>(), y.data<T>(), x.numel(), ctx.threads(), op, args, grain);
  });
  return {};
}

// Before opset 7, binary ops broadcast B onto A only with broadcast=1, aligning B at `axis`
// (suffix alignment without it). Returns B's shape rewritten for numpy rules.
Result<Shape> legacy_b_shape(const Node& node, int64_t opset, size_t rank_a, const Shape& b);
Result<std::vector<Dim>> legacy_b_dims(const Node& node, int64_t opset, size_t rank_a, const std::vector<Dim>& b);

// Inference of a binary op (both inputs the same dtype in `Set`): broadcast shape, output dtype
// = input's or `out` (Bool for comparisons). Handles the legacy broadcast attributes.
Status infer_binary(InferContext& ctx, TypeSet set, DType out = DType::Undefined);

// Applies f (on compute types) to inputs 0 and 1 broadcast together; output dtype is the
// input's, or `Out`. Both inputs have the same dtype. With `op`, float32 inputs run that kernel
// of the SIMD table instead of f.
template <TypeSet Set, class Out = void, class F>
Status map_binary(KernelContext& ctx, F f, int64_t grain = kGrain, const kernels::BinaryF32* op = nullptr) {
  const Tensor& a = ctx.in(0);
  SZ0_ASSIGN(Shape bshape, legacy_b_shape(ctx.node(), ctx.opset(), a.shape().size(), ctx.in(1).shape()));
  const Tensor b = ctx.in(1).reshaped(bshape);
  if (a.dtype() != b.dtype())
    return ctx.fail("input types differ: {} vs {}", dtype_name(a.dtype()), dtype_name(b.dtype()));
  Tensor& o = ctx.output_for_overwrite(0);
  const BroadcastPlan plan = make_plan({&a.shape(), &b.shape()}, o.shape());
  if (op && a.dtype() == DType::Float && (std::is_void_v<Out> || std::is_same_v<Out, float>)) {
    binary_f32(plan, *op, a.data<float>(), b.data<float>(), o.data<float>(), ctx.threads());
    return {};
  }
  bool done = false;
  visit_dtype(a.dtype(), [&]<class T>() {
    if constexpr (in_set<T>(Set)) {
      using O = std::conditional_t<std::is_void_v<Out>, T, Out>;
      binary_apply(plan, a.data<T>(), b.data<T>(), o.data<O>(), ctx.threads(), f, grain);
      done = true;
    }
  });
  if (!done) return ctx.fail("unsupported dtype {}", dtype_name(a.dtype()));
  return {};
}

// map_binary with float32 through the table's `op`.
template <TypeSet Set, class F>
Status map_binary_table(KernelContext& ctx, kernels::BinaryF32 op, F f) {
  return map_binary<Set>(ctx, f, kGrain, &op);
}

// Inference of a unary op: output = input 0's shape, dtype = input's or `out`.
Status infer_unary(InferContext& ctx, TypeSet set, DType out = DType::Undefined);

}  // namespace sz0::ops::math
