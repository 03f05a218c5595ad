#include "ops/tensor/tensor_util.h"

#include "kernels/parallel.h"

#include <algorithm>
#include <cstring>

namespace sz0::ops::tensorops {
namespace {

struct Axis {
  int64_t n;  // size
  int64_t s;  // source stride
  int64_t d;  // destination stride
};

// Drops size-1 axes and merges an axis into its outer neighbour when both sides step over it as
// one block. Empty result: a single element.
std::vector<Axis> simplify(std::span<const int64_t> shape, std::span<const int64_t> ss, std::span<const int64_t> ds) {
  std::vector<Axis> out;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 1) continue;
    const Axis a{shape[k], ss[k], ds[k]};
    if (!out.empty() && out.back().s == a.s * a.n && out.back().d == a.d * a.n) {
      out.back() = Axis{out.back().n * a.n, a.s, a.d};
    } else {
      out.push_back(a);
    }
  }
  return out;
}

// Source/destination offsets of outer index `o` over `axes` (row-major, last fastest).
void decompose(int64_t o, const std::vector<Axis>& axes, int64_t& so, int64_t& dd) {
  so = 0;
  dd = 0;
  for (size_t k = axes.size(); k-- > 0;) {
    const int64_t i = o % axes[k].n;
    o /= axes[k].n;
    so += i * axes[k].s;
    dd += i * axes[k].d;
  }
}

template <class U>
void copy_rows(const U* src, U* dst, const std::vector<Axis>& ax, int threads) {
  const Axis last = ax.back();
  const std::vector<Axis> outer(ax.begin(), ax.end() - 1);
  int64_t rows = 1;
  for (const Axis& a : outer) rows *= a.n;
  const int64_t len = last.n;
  kernels::parallel_for(
      rows, threads,
      [&](int64_t b, int64_t e) {
        std::vector<int64_t> idx(outer.size(), 0);
        int64_t rem = b;
        int64_t so = 0, dd = 0;
        for (size_t k = outer.size(); k-- > 0;) {
          idx[k] = rem % outer[k].n;
          rem /= outer[k].n;
          so += idx[k] * outer[k].s;
          dd += idx[k] * outer[k].d;
        }
        for (int64_t r = b; r < e; ++r) {
          const U* s = src + so;
          U* d = dst + dd;
          if (last.s == 1 && last.d == 1) {
            std::memcpy(d, s, static_cast<size_t>(len) * sizeof(U));
          } else if (last.s == 0) {
            const U v = *s;
            for (int64_t i = 0; i < len; ++i) d[i * last.d] = v;
          } else if (last.d == 1) {
            for (int64_t i = 0; i < len; ++i) d[i] = s[i * last.s];
          } else {
            for (int64_t i = 0; i < len; ++i) d[i * last.d] = s[i * last.s];
          }
          for (size_t k = outer.size(); k-- > 0;) {
            so += outer[k].s;
            dd += outer[k].d;
            if (++idx[k] < outer[k].n) break;
            so -= outer[k].s * outer[k].n;
            dd -= outer[k].d * outer[k].n;
            idx[k] = 0;
          }
        }
      },
      std::max<int64_t>(1, 32768 / std::max<int64_t>(len, 1)));
}

// Transpose-like copy: the destination's innermost axis `ax.back()` is contiguous, the source's
// contiguous axis is ax[j]. Square tiles of one cache line per side go through a small buffer, so
// every source and destination line is touched once per tile even when the strides are powers of
// two (which would make a direct strided walk evict its own lines).
template <class U>
void copy_tiled(const U* src, U* dst, const std::vector<Axis>& ax, size_t j, int threads) {
  constexpr int64_t B = std::clamp<int64_t>(64 / static_cast<int64_t>(sizeof(U)), 8, 64);
  const Axis last = ax.back(), inner = ax[j];
  std::vector<Axis> outer;
  for (size_t k = 0; k + 1 < ax.size(); ++k)
    if (k != j) outer.push_back(ax[k]);
  int64_t n_outer = 1;
  for (const Axis& a : outer) n_outer *= a.n;
  // A task is one band of B source rows (B destination columns): the source is read in order and
  // each destination line is written whole.
  const int64_t bands = (last.n + B - 1) / B;
  kernels::parallel_for(
      n_outer * bands, threads,
      [&](int64_t b, int64_t e) {
        alignas(64) U tile[B][B];
        for (int64_t t = b; t < e; ++t) {
          int64_t so, dd;
          decompose(t / bands, outer, so, dd);
          const int64_t c0 = (t % bands) * B, nc = std::min(last.n - c0, B);
          const U* s0 = src + so + c0 * last.s;  // inner.s == 1
          U* d0 = dst + dd + c0;
          for (int64_t a0 = 0; a0 < inner.n; a0 += B) {
            const int64_t na = std::min(inner.n - a0, B);
            if (na == B && nc == B) {
              for (int64_t c = 0; c < B; ++c) {
                const U* s = s0 + c * last.s + a0;
                for (int64_t a = 0; a < B; ++a) tile[a][c] = s[a];
              }
              for (int64_t a = 0; a < B; ++a) std::memcpy(d0 + (a0 + a) * inner.d, tile[a], sizeof(U) * B);
            } else {
              for (int64_t c = 0; c < nc; ++c) {
                const U* s = s0 + c * last.s + a0;
                for (int64_t a = 0; a < na; ++a) tile[a][c] = s[a];
              }
              for (int64_t a = 0; a < na; ++a) std::memcpy(d0 + (a0 + a) * inner.d, tile[a], sizeof(U) * nc);
            }
          }
        }
      },
      std::max<int64_t>(1, 16384 / std::max<int64_t>(B * inner.n, 1)));
}

template <class U>
void copy_impl(const U* src, U* dst, const std::vector<Axis>& ax, int threads) {
  if (ax.empty()) {
    *dst = *src;
    return;
  }
  const Axis& last = ax.back();
  if (last.d == 1 && last.s != 1 && last.s != 0 && last.n >= 8) {
    for (size_t j = 0; j + 1 < ax.size(); ++j)
      if (ax[j].s == 1 && ax[j].n >= 8) return copy_tiled(src, dst, ax, j, threads);
  }
  copy_rows(src, dst, ax, threads);
}

}  // namespace

void strided_copy(size_t elem_size, const void* src, std::span<const int64_t> src_strides, void* dst,
                  std::span<const int64_t> dst_strides, std::span<const int64_t> shape, int threads) {
  for (int64_t n : shape)
    if (n == 0) return;
  const std::vector<Axis> ax = simplify(shape, src_strides, dst_strides);
  switch (elem_size) {
    case 1: copy_impl(static_cast<const uint8_t*>(src), static_cast<uint8_t*>(dst), ax, threads); break;
    case 2: copy_impl(static_cast<const uint16_t*>(src), static_cast<uint16_t*>(dst), ax, threads); break;
    case 4: copy_impl(static_cast<const uint32_t*>(src), static_cast<uint32_t*>(dst), ax, threads); break;
    case 8: copy_impl(static_cast<const uint64_t*>(src), static_cast<uint64_t*>(dst), ax, threads); break;
    default: break;
  }
}

void strided_gather(size_t elem_size, const void* src, std::span<const int64_t> src_strides, void* dst,
                    std::span<const int64_t> shape, int threads) {
  const Shape ds = shape_strides(shape);
  strided_copy(elem_size, src, src_strides, dst, ds, shape, threads);
}

}  // namespace sz0::ops::tensorops
