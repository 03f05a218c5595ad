// numpy matmul shapes, symbolic and concrete.
#include "ops/matmul_shape.h"

#include "ops/shape_util.h"

#include <string>

namespace sz0::ops {

namespace {

std::string dims_str(std::span<const Dim> d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) {
    if (i) s += ",";
    s += d[i].known() ? std::to_string(d[i].value) : (d[i].symbol.empty() ? "?" : d[i].symbol);
  }
  return s + "]";
}

}  // namespace

Result<std::vector<Dim>> matmul_dims(const Node& node, std::span<const Dim> a, std::span<const Dim> b) {
  if (a.empty() || b.empty())
    return error("{}: matmul operands must have rank >= 1, got ranks {} and {}", node.label(), a.size(), b.size());
  std::vector<Dim> a2(a.begin(), a.end()), b2(b.begin(), b.end());
  const bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  if (a_vec) a2.insert(a2.begin(), Dim(1));
  if (b_vec) b2.push_back(Dim(1));
  const Dim& ka = a2.back();
  const Dim& kb = b2[b2.size() - 2];
  if (ka.known() && kb.known() && ka.value != kb.value)
    return error("{}: inner dimensions differ: A is {} and B is {}", node.label(), dims_str(a), dims_str(b));
  std::vector<std::vector<Dim>> batches = {std::vector<Dim>(a2.begin(), a2.end() - 2),
                                           std::vector<Dim>(b2.begin(), b2.end() - 2)};
  SZ0_ASSIGN(std::vector<Dim> out, broadcast_dims(node, batches));
  if (!a_vec) out.push_back(a2[a2.size() - 2]);
  if (!b_vec) out.push_back(b2.back());
  return out;
}

Result<MatmulPlan> plan_matmul(const Node& node, const Shape& a, const Shape& b) {
  if (a.empty() || b.empty())
    return error("{}: matmul operands must have rank >= 1, got ranks {} and {}", node.label(), a.size(), b.size());
  Shape a2 = a, b2 = b;
  if (a.size() == 1) a2.insert(a2.begin(), 1);
  if (b.size() == 1) b2.push_back(1);
  MatmulPlan p;
  p.m = a2[a2.size() - 2];
  p.k = a2.back();
  p.n = b2.back();
  if (b2[b2.size() - 2] != p.k)
    return error("{}: inner dimensions differ: A is {} and B is {}", node.label(), shape_str(a), shape_str(b));
  p.a_batch.assign(a2.begin(), a2.end() - 2);
  p.b_batch.assign(b2.begin(), b2.end() - 2);
  std::vector<Shape> batches = {p.a_batch, p.b_batch};
  SZ0_ASSIGN(p.out_batch, broadcast_shapes(node, batches));
  p.out = p.out_batch;
  if (a.size() != 1) p.out.push_back(p.m);
  if (b.size() != 1) p.out.push_back(p.n);
  p.a_batches = shape_numel(p.a_batch);
  p.b_batches = shape_numel(p.b_batch);
  p.out_batches = shape_numel(p.out_batch);
  const auto sa = broadcast_strides(p.a_batch, p.out_batch), sb = broadcast_strides(p.b_batch, p.out_batch);
  p.a_index.resize(static_cast<size_t>(p.out_batches));
  p.b_index.resize(static_cast<size_t>(p.out_batches));
  for (int64_t o = 0; o < p.out_batches; ++o) {
    int64_t rest = o, ia = 0, ib = 0;
    for (size_t d = p.out_batch.size(); d-- > 0;) {
      const int64_t i = rest % p.out_batch[d];
      rest /= p.out_batch[d];
      ia += i * sa[d];
      ib += i * sb[d];
    }
    p.a_index[o] = ia;
    p.b_index[o] = ib;
  }
  return p;
}

}  // namespace sz0::ops
