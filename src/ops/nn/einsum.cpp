// Einsum: a general strided sum of products. Each label gets one size; an operand's stride for
// a label is the sum of its strides on every axis with that label (diagonals), 0 where the axis
// broadcasts.
#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "ops/nn/nn_util.h"

#include <array>
#include <cctype>
#include <map>

namespace sz0::ops::nn {
namespace {

// Letters are labelled by their character code; ellipsis axes by kEllipsis + position, aligned
// to the right across operands like numpy broadcasting.
constexpr int kEllipsis = 128;

struct EinsumSpec {
  std::vector<std::vector<int>> inputs;  // label per axis of each operand
  std::vector<int> output;               // label per output axis
  std::vector<int> summed;               // labels reduced away
};

Result<EinsumSpec> parse_einsum(const Node& node, std::span<const int> ranks) {
  std::string eq;
  for (char ch : node.attr_string("equation", "")) {
    if (!std::isspace(static_cast<unsigned char>(ch))) eq.push_back(ch);
  }
  if (eq.empty()) return error("{}: equation is required", node.label());
  const size_t arrow = eq.find("->");
  const bool explicit_out = arrow != std::string::npos;
  const std::string lhs = explicit_out ? eq.substr(0, arrow) : eq;
  const std::string rhs = explicit_out ? eq.substr(arrow + 2) : "";
  std::vector<std::string> terms(1);
  for (char ch : lhs) {
    if (ch == ',') terms.emplace_back();
    else terms.back().push_back(ch);
  }
  if (terms.size() != ranks.size())
    return error("{}: equation has {} operands, node has {} inputs", node.label(), terms.size(), ranks.size());

  // Letters of one term, with the ellipsis as -1.
  auto scan = [&](const std::string& t, std::vector<int>& out) -> Status {
    bool seen_ellipsis = false;
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '.') {
        if (t.compare(i, 3, "...") != 0 || seen_ellipsis) return error("{}: bad ellipsis in '{}'", node.label(), eq);
        seen_ellipsis = true;
        out.push_back(-1);
        i += 2;
      } else if (std::isalpha(static_cast<unsigned char>(t[i]))) {
        out.push_back(static_cast<unsigned char>(t[i]));
      } else {
        return error("{}: unexpected character '{}' in equation '{}'", node.label(), t[i], eq);
      }
    }
    return {};
  };

  EinsumSpec spec;
  int ell_rank = 0;
  std::vector<std::vector<int>> raw(terms.size());
  for (size_t k = 0; k < terms.size(); ++k) {
    SZ0_TRY(scan(terms[k], raw[k]));
    const bool has_ell = std::find(raw[k].begin(), raw[k].end(), -1) != raw[k].end();
    const int letters = static_cast<int>(raw[k].size()) - (has_ell ? 1 : 0);
    if (has_ell ? ranks[k] < letters : ranks[k] != letters)
      return error("{}: operand {} has rank {}, equation term '{}' needs {}", node.label(), k, ranks[k], terms[k],
                   has_ell ? fmt::format("at least {}", letters) : fmt::format("{}", letters));
    if (has_ell) ell_rank = std::max(ell_rank, ranks[k] - letters);
  }
  std::map<int, int> count;
  for (size_t k = 0; k < terms.size(); ++k) {
    const bool has_ell = std::find(raw[k].begin(), raw[k].end(), -1) != raw[k].end();
    const int own = ranks[k] - (static_cast<int>(raw[k].size()) - (has_ell ? 1 : 0));
    std::vector<int>& labels = spec.inputs.emplace_back();
    for (int l : raw[k]) {
      if (l == -1) {
        for (int j = 0; j < own; ++j) labels.push_back(kEllipsis + ell_rank - own + j);
      } else {
        labels.push_back(l);
        ++count[l];
      }
    }
  }
  if (explicit_out) {
    std::vector<int> out_raw;
    SZ0_TRY(scan(rhs, out_raw));
    for (int l : out_raw) {
      if (l == -1) {
        for (int j = 0; j < ell_rank; ++j) spec.output.push_back(kEllipsis + j);
        continue;
      }
      if (!count.count(l)) return error("{}: output label '{}' not among the inputs", node.label(), static_cast<char>(l));
      if (std::find(spec.output.begin(), spec.output.end(), l) != spec.output.end())
        return error("{}: output label '{}' repeated", node.label(), static_cast<char>(l));
      spec.output.push_back(l);
    }
  } else {
    for (int j = 0; j < ell_rank; ++j) spec.output.push_back(kEllipsis + j);
    for (auto& [l, c] : count)
      if (c == 1) spec.output.push_back(l);
  }
  std::vector<int> all;
  for (auto& in : spec.inputs)
    for (int l : in)
      if (std::find(all.begin(), all.end(), l) == all.end()) all.push_back(l);
  for (int l : all)
    if (std::find(spec.output.begin(), spec.output.end(), l) == spec.output.end()) spec.summed.push_back(l);
  return spec;
}

std::vector<int> ranks_of(const InferContext& ctx, bool& known) {
  std::vector<int> r;
  known = true;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.in(i).has_rank()) known = false;
    r.push_back(ctx.in(i).rank());
  }
  return r;
}

Status infer_einsum(InferContext& ctx) {
  if (ctx.num_inputs() < 1) return ctx.fail("expects at least one input");
  const DType t = ctx.in(0).dtype;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const DType ti = ctx.in(i).dtype;
    if (ti != DType::Undefined && (ti == DType::Bool || ti == DType::String))
      return ctx.fail("unsupported element type {}", dtype_name(ti));
    if (ti != DType::Undefined && t != DType::Undefined && ti != t) return ctx.fail("inputs must share one type");
  }
  ctx.out(0).dtype = t;
  bool known = false;
  const auto ranks = ranks_of(ctx, known);
  if (!known) return {};
  SZ0_ASSIGN(EinsumSpec spec, parse_einsum(ctx.node, ranks));
  std::map<int, Dim> size;
  for (size_t k = 0; k < spec.inputs.size(); ++k)
    for (size_t a = 0; a < spec.inputs[k].size(); ++a) {
      const Dim& d = (*ctx.in(k).shape)[a];
      auto it = size.find(spec.inputs[k][a]);
      if (it == size.end()) {
        size[spec.inputs[k][a]] = d;
      } else if (d.known() && it->second.known() && d.value != it->second.value) {
        if (it->second.value == 1) it->second = d;
        else if (d.value != 1)
          return ctx.fail("label size mismatch: {} vs {}", it->second.value, d.value);
      } else if (!it->second.known() && d.known() && d.value != 1) {
        it->second = d;
      }
    }
  std::vector<Dim> out;
  for (int l : spec.output) out.push_back(size.count(l) ? size[l] : Dim(1));
  ctx.out(0).shape = std::move(out);
  return {};
}

template <class T>
using acc_t = std::conditional_t<std::is_floating_point_v<compute_t<T>>, double,
                                 std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

// Copies the strided view (sizes, strides) of src into contiguous dst.
template <class T>
void gather(const T* src, const Shape& sizes, const std::vector<int64_t>& st, T* dst) {
  const int64_t total = shape_numel(sizes);
  std::vector<int64_t> idx(sizes.size(), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < total; ++i) {
    dst[i] = src[off];
    for (size_t d = sizes.size(); d-- > 0;) {
      off += st[d];
      if (++idx[d] < sizes[d]) break;
      off -= st[d] * sizes[d];
      idx[d] = 0;
    }
  }
}

// A contiguous view of src in the given label order: src itself when already laid out so.
template <class T>
const T* contiguous(const T* src, const Shape& sizes, const std::vector<int64_t>& st, std::vector<T>& buf) {
  const Shape want = shape_strides(sizes);
  bool same = true;
  for (size_t d = 0; d < sizes.size(); ++d) same = same && (sizes[d] == 1 || st[d] == want[d]);
  if (same) return src;
  buf.resize(static_cast<size_t>(shape_numel(sizes)));
  gather(src, sizes, st, buf.data());
  return buf.data();
}

// Two float operands without diagonals or broadcasting: labels split into batch (both operands
// and the output), m (A and output), n (B and output) and k (both, summed); the operands are laid
// out as [batch, m, k] and [batch, k, n] and multiplied with one GEMM per batch.
template <class StridesFor>
Status einsum_gemm(KernelContext& ctx, const EinsumSpec& spec, std::map<int, int64_t>& size, StridesFor&& strides_for,
                   bool& done) {
  const auto& la = spec.inputs[0];
  const auto& lb = spec.inputs[1];
  for (size_t k = 0; k < 2; ++k) {
    const auto& l = spec.inputs[k];
    for (size_t a = 0; a < l.size(); ++a) {
      if (std::count(l.begin(), l.end(), l[a]) != 1) return {};
      if (ctx.in(k).dim(static_cast<int>(a)) != size[l[a]]) return {};
    }
  }
  auto has = [](const std::vector<int>& v, int l) { return std::find(v.begin(), v.end(), l) != v.end(); };
  std::vector<int> batch, ms, ns, ks;
  for (int l : spec.output) (has(la, l) && has(lb, l) ? batch : has(la, l) ? ms : ns).push_back(l);
  for (int l : spec.summed) {
    if (!has(la, l) || !has(lb, l)) return {};
    ks.push_back(l);
  }
  auto sizes_of = [&](std::initializer_list<const std::vector<int>*> groups, std::vector<int>& labels) {
    Shape sz;
    for (auto* g : groups)
      for (int l : *g) {
        labels.push_back(l);
        sz.push_back(size[l]);
      }
    return sz;
  };
  auto numel_of = [&](const std::vector<int>& g) {
    int64_t p = 1;
    for (int l : g) p *= size[l];
    return p;
  };
  const int64_t nb = numel_of(batch), m = numel_of(ms), n = numel_of(ns), k = numel_of(ks);
  std::vector<int> a_labels, b_labels, c_labels;
  const Shape a_sizes = sizes_of({&batch, &ms, &ks}, a_labels);
  const Shape b_sizes = sizes_of({&batch, &ks, &ns}, b_labels);
  const Shape c_sizes = sizes_of({&batch, &ms, &ns}, c_labels);
  std::vector<float> abuf, bbuf, cbuf(static_cast<size_t>(nb * m * n));
  const float* a = contiguous(ctx.in(0).data<float>(), a_sizes, strides_for(a_labels)[0], abuf);
  const float* b = contiguous(ctx.in(1).data<float>(), b_sizes, strides_for(b_labels)[1], bbuf);
  for (int64_t i = 0; i < nb; ++i)
    kernels::gemm_f32(false, false, m, n, k, 1.f, a + i * m * k, k, b + i * k * n, n, 0.f, cbuf.data() + i * m * n, n);
  // Output axes gathered from the [batch, m, n] result.
  Shape out_shape;
  std::vector<int64_t> out_st;
  const Shape c_st = shape_strides(c_sizes);
  for (int l : spec.output) {
    out_shape.push_back(size[l]);
    out_st.push_back(c_st[std::find(c_labels.begin(), c_labels.end(), l) - c_labels.begin()]);
  }
  Tensor& y = ctx.output(0, DType::Float, out_shape);
  gather(cbuf.data(), out_shape, out_st, y.data<float>());
  done = true;
  return {};
}

Status run_einsum(KernelContext& ctx) {
  const size_t n_in = ctx.num_inputs();
  std::vector<int> ranks;
  for (size_t i = 0; i < n_in; ++i) {
    if (!ctx.has_input(i)) return ctx.fail("input {} missing", i);
    if (ctx.in(i).dtype() != ctx.in(0).dtype()) return ctx.fail("inputs must share one type");
    ranks.push_back(ctx.in(i).rank());
  }
  const DType dt = ctx.in(0).dtype();
  if (dt == DType::Bool || dt == DType::String || dt == DType::Undefined)
    return ctx.fail("unsupported element type {}", dtype_name(dt));
  SZ0_ASSIGN(EinsumSpec spec, parse_einsum(ctx.node(), ranks));
  std::map<int, int64_t> size;
  for (size_t k = 0; k < n_in; ++k)
    for (size_t a = 0; a < spec.inputs[k].size(); ++a) {
      const int64_t d = ctx.in(k).dim(static_cast<int>(a));
      auto [it, fresh] = size.emplace(spec.inputs[k][a], d);
      if (!fresh && it->second != d) {
        if (it->second == 1) it->second = d;
        else if (d != 1) return ctx.fail("label size mismatch: {} vs {}", it->second, d);
      }
    }
  // Per-label strides of each operand; size-1 axes broadcast with stride 0.
  auto strides_for = [&](const std::vector<int>& labels) {
    std::vector<std::vector<int64_t>> st(n_in, std::vector<int64_t>(labels.size(), 0));
    for (size_t k = 0; k < n_in; ++k) {
      const Shape es = shape_strides(ctx.in(k).shape());
      for (size_t a = 0; a < spec.inputs[k].size(); ++a) {
        if (ctx.in(k).dim(static_cast<int>(a)) == 1 && size[spec.inputs[k][a]] != 1) continue;
        const auto pos = std::find(labels.begin(), labels.end(), spec.inputs[k][a]) - labels.begin();
        if (pos < static_cast<long>(labels.size())) st[k][pos] += es[a];
      }
    }
    return st;
  };
  if (n_in == 2 && dt == DType::Float) {
    bool done = false;
    SZ0_TRY(einsum_gemm(ctx, spec, size, strides_for, done));
    if (done) return {};
  }
  const auto out_st = strides_for(spec.output);
  const auto sum_st = strides_for(spec.summed);
  Shape out_shape, sum_shape;
  for (int l : spec.output) out_shape.push_back(size.count(l) ? size[l] : 1);
  for (int l : spec.summed) sum_shape.push_back(size[l]);
  const int64_t out_n = shape_numel(out_shape), sum_n = shape_numel(sum_shape);
  Tensor& y = ctx.output(0, dt, out_shape);
  visit_dtype(dt, [&]<class T>() {
    if constexpr (!std::is_same_v<T, bool>) {
      using A = acc_t<T>;
      std::vector<const T*> ptr(n_in);
      for (size_t k = 0; k < n_in; ++k) ptr[k] = ctx.in(k).data<T>();
      T* yp = y.data<T>();
      const size_t ns = sum_shape.size();
      kernels::parallel_for(out_n, ctx.threads(), [&](int64_t lo, int64_t hi) {
        std::vector<int64_t> base(n_in), off(n_in), idx(ns);
        for (int64_t o = lo; o < hi; ++o) {
          std::fill(base.begin(), base.end(), 0);
          int64_t rem = o;
          for (size_t d = out_shape.size(); d-- > 0;) {
            const int64_t v = rem % out_shape[d];
            rem /= out_shape[d];
            for (size_t k = 0; k < n_in; ++k) base[k] += v * out_st[k][d];
          }
          A acc = 0;
          off = base;
          std::fill(idx.begin(), idx.end(), 0);
          for (int64_t s = 0; s < sum_n; ++s) {
            A p = static_cast<A>(static_cast<compute_t<T>>(ptr[0][off[0]]));
            for (size_t k = 1; k < n_in; ++k) p *= static_cast<A>(static_cast<compute_t<T>>(ptr[k][off[k]]));
            acc += p;
            for (size_t d = ns; d-- > 0;) {
              for (size_t k = 0; k < n_in; ++k) off[k] += sum_st[k][d];
              if (++idx[d] < sum_shape[d]) break;
              for (size_t k = 0; k < n_in; ++k) off[k] -= sum_st[k][d] * sum_shape[d];
              idx[d] = 0;
            }
          }
          yp[o] = static_cast<T>(static_cast<compute_t<T>>(acc));
        }
      });
    }
  });
  return {};
}

SZ0_REGISTER_OP(.op_type = "Einsum", .since = 12, .infer = infer_einsum, .compute = run_einsum);

}  // namespace
}  // namespace sz0::ops::nn
