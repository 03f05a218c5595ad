// Layer-wise reconstruction: the layer inputs' second moments, SparseGPT, least-squares re-fit.
#include "prune/reconstruct.h"

#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "ops/conv_geometry.h"
#include "passes/pass.h"
#include "prune/linalg.h"
#include "runtime/probe.h"

#include <sz0/session.h>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

namespace sz0::prune {

namespace {

// Input vectors per float block: the block's Gram matrix is summed in float by the GEMM (at most
// this many products per element), then added to the double Hessian.
constexpr int64_t kMaxBlockVectors = 512;
constexpr int64_t kBlockFloats = int64_t{1} << 21;

int64_t block_vectors(int64_t dim) {
  return std::clamp<int64_t>(kBlockFloats / std::max<int64_t>(dim, 1), 16, kMaxBlockVectors);
}

void add_block(Hessian& h, const std::vector<float>& gram) {
  for (size_t i = 0; i < h.h.size(); ++i) h.h[i] += gram[i];
}

void add_cross_block(Hessian& h, const std::vector<float>& gram) {
  if (h.cross.empty()) h.cross.assign(h.h.size(), 0.0);
  for (size_t i = 0; i < h.cross.size(); ++i) h.cross[i] += gram[i];
}

// H += Xᵀ X for X [n, dim] with row stride `ld`, or, when `columns`, for the X whose rows are
// the n columns of a [dim, n] matrix with row stride `ld`; and cross += X_refᵀ X when `ref` (laid
// out as x) is given.
void add_rows(Hessian& h, const float* x, const float* ref, int64_t n, int64_t ld, bool columns, std::vector<float>& gram) {
  const int64_t dim = h.dim, nb = block_vectors(dim);
  gram.resize(static_cast<size_t>(dim * dim));
  for (int64_t b = 0; b < n; b += nb) {
    const int64_t k = std::min(nb, n - b);
    const int64_t at = columns ? b : b * ld;
    kernels::gemm_f32(!columns, columns, dim, dim, k, 1.f, x + at, ld, x + at, ld, 0.f, gram.data(), dim);
    add_block(h, gram);
    if (!ref) continue;
    kernels::gemm_f32(!columns, columns, dim, dim, k, 1.f, ref + at, ld, x + at, ld, 0.f, gram.data(), dim);
    add_cross_block(h, gram);
  }
  h.vectors += n;
}

// The reference model's value of the same input, checked to have x's shape; nullptr without one.
Result<const float*> paired(const Tensor* ref, const Tensor& x, const Node& node, const std::string& input) {
  if (!ref) return static_cast<const float*>(nullptr);
  if (ref->shape() != x.shape() || ref->dtype() != DType::Float)
    return error("{}: input '{}' is {} in the reference model, {} here", node.label(), input, shape_str(ref->shape()),
                 shape_str(x.shape()));
  return ref->data<float>();
}

// What one weight reads: its activation tensor and how that becomes input vectors.
struct Probe {
  const WeightRef* weight = nullptr;
  const Node* node = nullptr;
  std::string input;
  Hessian* hessian = nullptr;
  // Recurrent weights R: `input` is the cell's output Y, whose step t is the state the step
  // after it (forward) or before it (reverse) multiplies.
  bool state = false;
  bool reverse = false;
  int layout = 0;
};

// Whether R of cell `n` multiplies exactly the states Y holds: one direction, no initial state
// (the first step's is zero), Y computed, and every gate's rows reading Ht-1 itself (GRU only
// with linear_before_reset; otherwise its h gate reads rt ⊙ Ht-1).
bool state_probe_possible(const Node& n) {
  if (!passes::is_recurrent_op(n.op_type)) return false;
  const std::string dir = n.attr_string("direction", "forward");
  if (dir == "bidirectional" || n.has_input(5) || n.outputs.empty() || n.outputs[0].empty()) return false;
  if (n.op_type == "LSTM" && n.has_input(6)) return false;
  return n.op_type != "GRU" || n.attr_int("linear_before_reset", 0) != 0;
}

// Y [S, 1, N, H] (layout 0) or [N, S, 1, H] (layout 1) → the states R multiplied, as rows: every
// step's but the last (forward) or the first (reverse).
Tensor states_of(const Probe& p, const Tensor& y) {
  const int64_t H = p.hessian->dim;
  if (y.rank() != 4 || y.dim(3) != H) return Tensor(DType::Float, {0, H});
  const int64_t S = p.layout == 0 ? y.dim(0) : y.dim(1), N = p.layout == 0 ? y.dim(2) : y.dim(0);
  if (S < 2) return Tensor(DType::Float, {0, H});
  Tensor out(DType::Float, {(S - 1) * N, H});
  float* o = out.data<float>();
  for (int64_t t = p.reverse ? 1 : 0; t < (p.reverse ? S : S - 1); ++t)
    for (int64_t b = 0; b < N; ++b, o += H) {
      const int64_t row = p.layout == 0 ? t * N + b : b * S + t;
      std::copy(y.data<float>() + row * H, y.data<float>() + (row + 1) * H, o);
    }
  return out;
}

Status add_gemm(const Probe& p, const Tensor& a, const Tensor* ref, std::vector<float>& gram) {
  Hessian& h = *p.hessian;
  const bool trans_a = p.node->attr_int("transA", 0) != 0;
  if (a.rank() != 2 || a.dim(trans_a ? 0 : 1) != h.dim)
    return error("{}: input '{}' has shape {}, expected {} along the reduction", p.node->label(), p.input,
                 shape_str(a.shape()), h.dim);
  SZ0_ASSIGN(const float* r, paired(ref, a, *p.node, p.input));
  // transA: the stored A is [K, M] and the input vectors are its columns.
  add_rows(h, a.data<float>(), r, trans_a ? a.dim(1) : a.dim(0), a.dim(1), trans_a, gram);
  return {};
}

Status add_matmul(const Probe& p, const Tensor& a, const Tensor* ref, std::vector<float>& gram) {
  Hessian& h = *p.hessian;
  if (a.rank() < 1 || a.dim(-1) != h.dim)
    return error("{}: input '{}' has shape {}, expected last dim {}", p.node->label(), p.input, shape_str(a.shape()),
                 h.dim);
  SZ0_ASSIGN(const float* r, paired(ref, a, *p.node, p.input));
  add_rows(h, a.data<float>(), r, a.numel() / h.dim, h.dim, false, gram);
  return {};
}

// im2col in blocks of output positions (over all batch items at once), each block stored
// transposed, [dim, positions], so that filling it and the GEMM both read contiguously.
Status add_conv(const Probe& p, const Shape& wshape, const Tensor& x, const Tensor* ref, std::vector<float>& patches,
                std::vector<float>& ref_patches, std::vector<float>& gram) {
  Hessian& h = *p.hessian;
  const Node& node = *p.node;
  const size_t nd = wshape.size() - 2;
  if (x.rank() != static_cast<int>(wshape.size()) || x.dim(1) != wshape[1])
    return error("{}: input '{}' has shape {}, weight '{}' has shape {}", node.label(), p.input, shape_str(x.shape()),
                 p.weight->name, shape_str(wshape));
  SZ0_ASSIGN(ops::WindowGeom g, ops::parse_window(node, Shape(wshape.begin() + 2, wshape.end()), false));
  const Shape in(x.shape().begin() + 2, x.shape().end());
  SZ0_ASSIGN(Shape out, ops::window_out_shape(node, g, in));
  const int64_t batch = x.dim(0), channels = x.dim(1);
  const int64_t in_size = shape_numel(in), out_size = shape_numel(out), kernel = shape_numel(g.kernel);
  const int64_t positions = batch * out_size, dim = h.dim, nb = block_vectors(dim);
  SZ0_ASSIGN(const float* rd, paired(ref, x, node, p.input));
  patches.resize(static_cast<size_t>(dim * nb));
  if (rd) ref_patches.resize(patches.size());
  gram.resize(static_cast<size_t>(dim * dim));
  // Per block, the offset into the input of (kernel position, output position) without the
  // channel term, or -1 in the padding.
  std::vector<int64_t> offsets(static_cast<size_t>(kernel * nb));
  std::vector<int64_t> oc(nd), kc(nd);
  for (int64_t b0 = 0; b0 < positions; b0 += nb) {
    const int64_t n = std::min(nb, positions - b0);
    for (int64_t j = 0; j < n; ++j) {
      const int64_t item = (b0 + j) / out_size;
      int64_t o = (b0 + j) % out_size;
      for (size_t d = nd; d-- > 0;) {
        oc[d] = o % out[d];
        o /= out[d];
      }
      for (int64_t kp = 0; kp < kernel; ++kp) {
        int64_t k = kp, off = 0, stride = 1;
        bool inside = true;
        for (size_t d = nd; d-- > 0;) {
          kc[d] = k % g.kernel[d];
          k /= g.kernel[d];
          const int64_t c = oc[d] * g.strides[d] - g.pads[d] + kc[d] * g.dilations[d];
          inside = inside && c >= 0 && c < in[d];
          off += c * stride;
          stride *= in[d];
        }
        offsets[static_cast<size_t>(kp * nb + j)] = inside ? item * channels * in_size + off : -1;
      }
    }
    auto fill = [&](const float* xd, std::vector<float>& out) {
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t kp = 0; kp < kernel; ++kp) {
          float* row = &out[static_cast<size_t>((c * kernel + kp) * n)];
          const int64_t* off = &offsets[static_cast<size_t>(kp * nb)];
          const float* xc = xd + c * in_size;
          for (int64_t j = 0; j < n; ++j) row[j] = off[j] >= 0 ? xc[off[j]] : 0.f;
        }
    };
    fill(x.data<float>(), patches);
    kernels::gemm_f32(false, true, dim, dim, n, 1.f, patches.data(), n, patches.data(), n, 0.f, gram.data(), dim);
    add_block(h, gram);
    if (!rd) continue;
    fill(rd, ref_patches);
    kernels::gemm_f32(false, true, dim, dim, n, 1.f, ref_patches.data(), n, patches.data(), n, 0.f, gram.data(), dim);
    add_cross_block(h, gram);
  }
  h.vectors += positions;
  return {};
}

Status validate_matrix(const std::vector<float>& w, int64_t rows, int64_t cols, const Hessian& h) {
  if (rows < 0 || cols < 0 || static_cast<int64_t>(w.size()) != rows * cols)
    return error("weight has {} values, expected {}x{}", w.size(), rows, cols);
  if (h.dim != cols || static_cast<int64_t>(h.h.size()) != cols * cols)
    return error("Hessian is {}x{}, the weight has {} columns", h.dim, h.dim, cols);
  return {};
}

int threads() { return omp_get_max_threads(); }

// Rows per thread so that each thread gets enough work to pay for waking it.
int64_t grain(int64_t work_per_row) {
  return std::max<int64_t>(1, (int64_t{1} << 20) / std::max<int64_t>(work_per_row, 1));
}

}  // namespace

Result<std::map<std::string, Hessian>> collect_hessians(const Model& model, const std::vector<WeightRef>& weights,
                                                        const SampleStream& stream,
                                                        const std::map<std::string, Shape>& input_shapes,
                                                        const std::function<void(size_t, size_t)>& progress,
                                                        const Model* reference) {
  std::map<std::string, Hessian> out;
  std::vector<Probe> probes;
  const Graph& graph = model.graph;
  for (const WeightRef& w : weights) {
    if (w.node >= graph.nodes.size()) return error("weight '{}': node index {} out of range", w.name, w.node);
    const Node& n = graph.nodes[w.node];
    const bool conv = n.op_type == "Conv" && w.group == 1;
    // GRU/LSTM input weights W multiply every time step's input x_t, in every direction: rows of
    // X like a MatMul's. The recurrent weights R multiply the states Y holds, one step apart.
    const bool recurrent = passes::is_recurrent_op(n.op_type);
    const bool state = recurrent && w.input == 2 && state_probe_possible(n);
    if ((w.input != 1 && !state) || !n.has_input(0) ||
        !(conv || recurrent || n.op_type == "Gemm" || n.op_type == "MatMul"))
      continue;
    Hessian& h = out[w.name];
    h.dim = w.cols;
    h.h.assign(static_cast<size_t>(w.cols * w.cols), 0.0);
    Probe p{&w, &n, state ? n.outputs[0] : n.inputs[0], nullptr};
    p.state = state;
    p.reverse = n.attr_string("direction", "forward") == "reverse";
    p.layout = static_cast<int>(n.attr_int("layout", 0));
    probes.push_back(std::move(p));
  }
  for (Probe& p : probes) p.hessian = &out.at(p.weight->name);
  if (probes.empty()) return out;
  if (stream.count == 0 || !stream.read) return error("no calibration samples");

  std::vector<std::string> inputs;
  for (const Probe& p : probes) inputs.push_back(p.input);
  SZ0_ASSIGN(TensorProbe probe, TensorProbe::create(model, inputs, input_shapes));
  std::optional<TensorProbe> ref_probe;
  if (reference) {
    auto rp = TensorProbe::create(*reference, inputs, input_shapes);
    if (!rp.ok()) return rp.status().context("reference model");
    ref_probe.emplace(std::move(*rp));
  }

  std::vector<float> patches, ref_patches, gram;
  // A probed value as float; nullopt when the sample gives none.
  auto value_of = [](const auto& values, const Probe& p) -> Result<Tensor> {
    auto it = values.find(p.input);
    if (it == values.end()) return error("{}: gives no value for input '{}'", p.node->label(), p.input);
    Tensor x = *it->second;
    if (x.dtype() == DType::Float) return x;
    if (!dtype_is_float(x.dtype())) return error("{}: input '{}' is {}, not float", p.node->label(), p.input, dtype_name(x.dtype()));
    return x.cast(DType::Float);
  };
  for (size_t s = 0; s < stream.count; ++s) {
    auto feeds = stream.read(s);
    if (!feeds.ok()) return feeds.status().context(fmt::format("calibration sample {}", s));
    auto values = probe.run(*feeds);
    if (!values.ok()) return values.status().context(fmt::format("calibration sample {}", s));
    decltype(values) ref_values = std::map<std::string, const Tensor*>{};
    if (ref_probe) {
      ref_values = ref_probe->run(*feeds);
      if (!ref_values.ok()) return ref_values.status().context(fmt::format("reference model, calibration sample {}", s));
    }
    for (const Probe& p : probes) {
      auto x = value_of(*values, p);
      if (!x.ok()) return x.status().context(fmt::format("calibration sample {}", s));
      std::optional<Tensor> r;
      if (ref_probe) {
        auto rv = value_of(*ref_values, p);
        if (!rv.ok()) return rv.status().context(fmt::format("reference model, calibration sample {}", s));
        r = std::move(*rv);
      }
      if (p.state) {
        *x = states_of(p, *x);
        if (r) r = states_of(p, *r);
      }
      const Tensor* ref = r ? &*r : nullptr;
      Status st;
      if (p.node->op_type == "Conv")
        st = add_conv(p, graph.initializers.at(p.weight->name).shape(), *x, ref, patches, ref_patches, gram);
      else if (p.node->op_type == "Gemm")
        st = add_gemm(p, *x, ref, gram);
      // MatMul, and GRU/LSTM input weights: every row of X (any layout) is one x_t.
      else
        st = add_matmul(p, *x, ref, gram);
      if (!st.ok()) return st.context(fmt::format("calibration sample {}", s));
    }
    if (progress) progress(s + 1, stream.count);
  }
  return out;
}

Status sparsegpt(std::vector<float>& w, int64_t rows, int64_t cols, const Hessian& h, const SparseGptOptions& o) {
  SZ0_TRY(validate_matrix(w, rows, cols, h));
  const bool nm = o.n > 0;
  if (nm && (o.m <= 0 || o.n > o.m)) return error("invalid N:M pattern {}:{}", o.n, o.m);
  if (!nm && !o.mask && !(o.sparsity >= 0 && o.sparsity <= 1)) return error("sparsity {} outside [0, 1]", o.sparsity);
  if (o.mask && static_cast<int64_t>(o.mask->size()) != rows * cols)
    return error("mask has {} values, expected {}", o.mask->size(), rows * cols);
  if (o.block <= 0) return error("block size {} must be positive", o.block);
  if (cols == 0 || rows == 0) return {};

  std::vector<double> hd = h.h;
  for (int64_t i = 0; i < cols; ++i) {
    double& d = hd[static_cast<size_t>(i * cols + i)];
    if (d != 0) continue;
    // An input that never fired carries no information: its weight does nothing on the data.
    d = 1;
    for (int64_t r = 0; r < rows; ++r) w[static_cast<size_t>(r * cols + i)] = 0;
  }
  double mean = 0;
  for (int64_t i = 0; i < cols; ++i) mean += hd[static_cast<size_t>(i * cols + i)];
  const double lambda = o.damp * mean / static_cast<double>(cols);
  for (int64_t i = 0; i < cols; ++i) hd[static_cast<size_t>(i * cols + i)] += lambda;
  auto factor = inverse_upper_cholesky(std::move(hd), cols);
  if (!factor.ok()) return factor.status().context("Hessian after damping");
  const std::vector<double>& u = *factor;
  const std::vector<float> uf(u.begin(), u.end());
  auto U = [&](int64_t i, int64_t j) { return u[static_cast<size_t>(i * cols + j)]; };

  // N:M groups must not straddle blocks: a group's later columns would miss the lazy updates.
  const int64_t block = nm ? std::max<int64_t>(o.m, o.block / o.m * o.m) : o.block;
  const double target = o.sparsity * static_cast<double>(rows);
  std::vector<double> w1;
  std::vector<float> err;
  std::vector<uint8_t> mask;
  std::vector<std::pair<double, int64_t>> scores;
  for (int64_t i1 = 0; i1 < cols; i1 += block) {
    const int64_t i2 = std::min(cols, i1 + block), bs = i2 - i1;
    w1.resize(static_cast<size_t>(rows * bs));
    err.assign(static_cast<size_t>(rows * bs), 0.f);
    mask.assign(static_cast<size_t>(rows * bs), 0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < bs; ++j) {
        w1[static_cast<size_t>(r * bs + j)] = w[static_cast<size_t>(r * cols + i1 + j)];
        if (o.mask) mask[static_cast<size_t>(r * bs + j)] = (*o.mask)[static_cast<size_t>(r * cols + i1 + j)] != 0;
      }
    if (!o.mask && !nm) {
      // The block's share of the total, rounded on the running sum so the zeros add up exactly.
      const int64_t k = std::clamp<int64_t>(
          std::llround(target * static_cast<double>(i2)) - std::llround(target * static_cast<double>(i1)), 0,
          rows * bs);
      scores.resize(static_cast<size_t>(rows * bs));
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < bs; ++j) {
          const double v = w1[static_cast<size_t>(r * bs + j)], d = U(i1 + j, i1 + j);
          scores[static_cast<size_t>(r * bs + j)] = {v * v / (d * d), r * bs + j};
        }
      if (k > 0 && k < rows * bs) std::nth_element(scores.begin(), scores.begin() + k, scores.end());
      for (int64_t i = 0; i < k; ++i) mask[static_cast<size_t>(scores[static_cast<size_t>(i)].second)] = 1;
    }
    // Rows are independent inside a block: each carries its own errors forward.
    auto sweep = [&](int64_t r0, int64_t r1) {
      std::vector<std::pair<double, int64_t>> group;
      for (int64_t r = r0; r < r1; ++r) {
        double* wr = &w1[static_cast<size_t>(r * bs)];
        uint8_t* mr = &mask[static_cast<size_t>(r * bs)];
        for (int64_t j = 0; j < bs; ++j) {
          if (nm && !o.mask && (i1 + j) % o.m == 0) {
            // Chosen on the weights as updated so far, so earlier errors inform the choice.
            const int64_t len = std::min<int64_t>(o.m, bs - j);
            group.clear();
            for (int64_t t = j; t < j + len; ++t) {
              const double d = U(i1 + t, i1 + t);
              group.push_back({wr[t] * wr[t] / (d * d), t});
            }
            const int64_t drop = std::max<int64_t>(0, len - o.n);
            std::sort(group.begin(), group.end());
            for (int64_t t = 0; t < drop; ++t) mr[group[static_cast<size_t>(t)].second] = 1;
          }
          const double q = mr[j] ? 0.0 : wr[j];
          const double e = (wr[j] - q) / U(i1 + j, i1 + j);
          wr[j] = q;
          if (e == 0) continue;
          const double* ui = &u[static_cast<size_t>((i1 + j) * cols + i1)];
          for (int64_t t = j + 1; t < bs; ++t) wr[t] -= e * ui[t];
          err[static_cast<size_t>(r * bs + j)] = static_cast<float>(e);
        }
      }
    };
    kernels::parallel_for(rows, threads(), sweep, grain(bs * bs));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < bs; ++j)
        w[static_cast<size_t>(r * cols + i1 + j)] = static_cast<float>(w1[static_cast<size_t>(r * bs + j)]);
    if (i2 < cols)
      kernels::gemm_f32(false, false, rows, cols - i2, bs, -1.f, err.data(), bs, uf.data() + i1 * cols + i2, cols, 1.f,
                        w.data() + i2, cols);
  }
  return {};
}

Result<std::vector<float>> refit_columns(const std::vector<float>& w, int64_t rows, int64_t cols, const Hessian& h,
                                         const std::vector<int64_t>& keep, double damp, bool to_reference) {
  SZ0_TRY(validate_matrix(w, rows, cols, h));
  if (to_reference && static_cast<int64_t>(h.cross.size()) != cols * cols)
    return error("no cross moments with a reference model for the re-fit");
  const int64_t k = static_cast<int64_t>(keep.size());
  for (int64_t j = 0; j < k; ++j)
    if (keep[static_cast<size_t>(j)] < 0 || keep[static_cast<size_t>(j)] >= cols ||
        (j > 0 && keep[static_cast<size_t>(j)] <= keep[static_cast<size_t>(j - 1)]))
      return error("kept columns must be ascending indices below {}", cols);
  if (k == 0) return std::vector<float>{};
  auto H = [&](int64_t i, int64_t j) { return h.h[static_cast<size_t>(i * cols + j)]; };

  std::vector<double> a(static_cast<size_t>(k * k));
  std::vector<uint8_t> dead(static_cast<size_t>(k));
  double mean = 0;
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < k; ++j)
      a[static_cast<size_t>(i * k + j)] = H(keep[static_cast<size_t>(i)], keep[static_cast<size_t>(j)]);
    mean += a[static_cast<size_t>(i * k + i)];
    dead[static_cast<size_t>(i)] = a[static_cast<size_t>(i * k + i)] == 0;
  }
  const double lambda = damp * mean / static_cast<double>(k);
  // A kept input that never fired has a zero row and column in H: the data say nothing about
  // its weight, which then stays as it was (a unit diagonal and right-hand side W[r, j]).
  for (int64_t i = 0; i < k; ++i)
    a[static_cast<size_t>(i * k + i)] = dead[static_cast<size_t>(i)] ? 1.0 : a[static_cast<size_t>(i * k + i)] + lambda;
  auto st = cholesky(a, k);
  if (!st.ok()) return st.context("H[keep, keep] after damping");

  // Right-hand sides, one per row: (W H[:, keep])[r], or (W C[:, keep])[r] to the reference.
  std::vector<double> hk(static_cast<size_t>(cols * k));
  for (int64_t c = 0; c < cols; ++c)
    for (int64_t j = 0; j < k; ++j) {
      const size_t at = static_cast<size_t>(c * cols + keep[static_cast<size_t>(j)]);
      hk[static_cast<size_t>(c * k + j)] = to_reference ? h.cross[at] : h.h[at];
    }
  std::vector<double> b(static_cast<size_t>(rows * k), 0.0);
  auto solve = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      double* br = &b[static_cast<size_t>(r * k)];
      for (int64_t c = 0; c < cols; ++c) {
        const double v = w[static_cast<size_t>(r * cols + c)];
        if (v == 0) continue;
        const double* hc = &hk[static_cast<size_t>(c * k)];
        for (int64_t j = 0; j < k; ++j) br[j] += v * hc[j];
      }
      for (int64_t j = 0; j < k; ++j)
        if (dead[static_cast<size_t>(j)]) br[j] = w[static_cast<size_t>(r * cols + keep[static_cast<size_t>(j)])];
      cholesky_solve(a, k, br, 1);
    }
  };
  kernels::parallel_for(rows, threads(), solve, grain(cols * k + k * k));
  return std::vector<float>(b.begin(), b.end());
}

double layer_sqnr_db(const std::vector<float>& w, const std::vector<float>& w_new, int64_t rows, int64_t cols,
                     const Hessian& h) {
  if (h.dim != cols || static_cast<int64_t>(h.h.size()) != cols * cols ||
      static_cast<int64_t>(w.size()) != rows * cols || w_new.size() != w.size())
    return std::nan("");
  double signal = 0, noise = 0;
  std::vector<double> x(static_cast<size_t>(cols)), d(static_cast<size_t>(cols));
  auto quad = [&](const std::vector<double>& v) {
    double s = 0;
    for (int64_t i = 0; i < cols; ++i) {
      if (v[static_cast<size_t>(i)] == 0) continue;
      const double* hi = &h.h[static_cast<size_t>(i * cols)];
      double t = 0;
      for (int64_t j = 0; j < cols; ++j) t += hi[j] * v[static_cast<size_t>(j)];
      s += v[static_cast<size_t>(i)] * t;
    }
    return s;
  };
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const size_t i = static_cast<size_t>(r * cols + c);
      x[static_cast<size_t>(c)] = w[i];
      d[static_cast<size_t>(c)] = static_cast<double>(w[i]) - w_new[i];
    }
    signal += quad(x);
    noise += quad(d);
  }
  if (!(noise > 0)) return 300;
  if (!(signal > 0)) return -300;
  return 10 * std::log10(signal / noise);
}

}  // namespace sz0::prune
