// ModelBuilder layers: linear, convolution, normalization, pooling, activations, tensor plumbing.
#include <sz0/builder.h>

#include "zoo/builder_util.h"

#include <cmath>

namespace sz0 {

using builder_util::attr_float;
using builder_util::attr_int;
using builder_util::attr_ints;
using builder_util::dims_str;

namespace {

int64_t normalize_axis(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

}  // namespace

Var ModelBuilder::linear(Var x, int64_t out_features, const LinearOptions& o) {
  if (!check(x, "linear")) return {};
  const std::vector<Dim> d = dims(x);
  if (d.size() < 2 || !d.back().known())
    return failed(fmt::format("linear: input '{}' {} needs rank >= 2 and a known last dim", x.name, dims_str(d)));
  if (out_features <= 0) return failed(fmt::format("linear: out_features must be positive, got {}", out_features));
  const int64_t in = d.back().value;
  const std::string name = layer_name(o.name, "linear");
  std::vector<Dim> out_dims = d;
  out_dims.back() = Dim(out_features);
  const TypeInfo out_type(DType::Float, out_dims);
  const float bound = 1.f / std::sqrt(static_cast<float>(in));
  if (d.size() == 2) {
    const std::string w = weight(name + ".weight", {out_features, in}, o.init, in, out_features);
    std::vector<std::string> inputs{x.name, w};
    if (o.bias) inputs.push_back(uniform_param(name + ".bias", {out_features}, -bound, bound));
    return emit("Gemm", inputs, out_type, {attr_int("transB", 1)}, name);
  }
  const std::string w = weight(name + ".weight", {in, out_features}, o.init, in, out_features);
  if (!o.bias) return emit("MatMul", {x.name, w}, out_type, {}, name);
  const std::string b = uniform_param(name + ".bias", {out_features}, -bound, bound);
  Var y = emit("MatMul", {x.name, w}, out_type, {}, name + ".matmul");
  return emit("Add", {y.name, b}, out_type, {}, name);
}

Var ModelBuilder::conv(Var x, int64_t out_channels, int64_t kernel, int nd, const ConvOptions& o) {
  const char* what = nd == 1 ? "conv1d" : "conv2d";
  if (!check(x, what)) return {};
  const std::vector<Dim> d = dims(x);
  if (static_cast<int>(d.size()) != nd + 2 || !d[1].known())
    return failed(fmt::format("{}: input '{}' {} needs rank {} and known channels", what, x.name, dims_str(d), nd + 2));
  const int64_t c = d[1].value;
  if (out_channels <= 0 || kernel <= 0 || o.stride <= 0 || o.dilation <= 0 || o.groups <= 0)
    return failed(fmt::format("{}: out_channels, kernel, stride, dilation and groups must be positive", what));
  if (c % o.groups != 0 || out_channels % o.groups != 0)
    return failed(fmt::format("{}: {} in / {} out channels not divisible by {} groups", what, c, out_channels, o.groups));
  if (o.causal && nd != 1) return failed(fmt::format("{}: causal padding is for 1-D convolutions", what));
  const int64_t span = o.dilation * (kernel - 1);
  const int64_t pad = o.padding < 0 ? span / 2 : o.padding;
  std::vector<int64_t> pads(2 * nd, pad);
  if (o.causal) pads = {span, 0};
  std::vector<Dim> out_dims{d[0], Dim(out_channels)};
  for (int i = 0; i < nd; ++i) {
    const Dim s = builder_util::window_out(d[2 + i], kernel, o.stride, o.dilation, pads[i], pads[nd + i]);
    if (s.known() && s.value <= 0)
      return failed(fmt::format("{}: input '{}' {} is too small for kernel {}", what, x.name, dims_str(d), kernel));
    out_dims.push_back(s);
  }
  const std::string name = layer_name(o.name, nd == 1 ? "conv1d" : "conv2d");
  Shape wshape{out_channels, c / o.groups};
  int64_t window = 1;
  for (int i = 0; i < nd; ++i) {
    wshape.push_back(kernel);
    window *= kernel;
  }
  const int64_t fan_in = c / o.groups * window, fan_out = out_channels / o.groups * window;
  std::vector<std::string> inputs{x.name, weight(name + ".weight", wshape, o.init, fan_in, fan_out)};
  if (o.bias) {
    const float bound = 1.f / std::sqrt(static_cast<float>(fan_in));
    inputs.push_back(uniform_param(name + ".bias", {out_channels}, -bound, bound));
  }
  std::vector<Attribute> attrs{attr_ints("kernel_shape", std::vector<int64_t>(nd, kernel)),
                               attr_ints("strides", std::vector<int64_t>(nd, o.stride)), attr_ints("pads", pads),
                               attr_ints("dilations", std::vector<int64_t>(nd, o.dilation)),
                               attr_int("group", o.groups)};
  return emit("Conv", inputs, TypeInfo(DType::Float, out_dims), std::move(attrs), name);
}

Var ModelBuilder::conv1d(Var x, int64_t out_channels, int64_t kernel, const ConvOptions& o) {
  return conv(x, out_channels, kernel, 1, o);
}

Var ModelBuilder::conv2d(Var x, int64_t out_channels, int64_t kernel, const ConvOptions& o) {
  return conv(x, out_channels, kernel, 2, o);
}

Var ModelBuilder::batch_norm(Var x, const std::string& given, float epsilon) {
  if (!check(x, "batch_norm")) return {};
  const std::vector<Dim> d = dims(x);
  if (d.size() < 2 || !d[1].known())
    return failed(fmt::format("batch_norm: input '{}' {} needs known channels (axis 1)", x.name, dims_str(d)));
  const int64_t c = d[1].value;
  const std::string name = layer_name(given, "bn");
  // Running statistics as a trained network would have them: none of them trivial.
  const std::string scale = uniform_param(name + ".weight", {c}, 0.5f, 1.5f);
  const std::string bias = uniform_param(name + ".bias", {c}, -0.2f, 0.2f);
  const std::string mean = uniform_param(name + ".running_mean", {c}, -0.2f, 0.2f);
  const std::string var = uniform_param(name + ".running_var", {c}, 0.5f, 2.0f);
  return emit("BatchNormalization", {x.name, scale, bias, mean, var}, *type_of(x), {attr_float("epsilon", epsilon)},
              name);
}

Var ModelBuilder::layer_norm(Var x, const std::string& given, float epsilon) {
  if (!check(x, "layer_norm")) return {};
  const std::vector<Dim> d = dims(x);
  if (d.empty() || !d.back().known())
    return failed(fmt::format("layer_norm: input '{}' {} needs a known last dim", x.name, dims_str(d)));
  const int64_t n = d.back().value;
  const std::string name = layer_name(given, "ln");
  const std::string scale = uniform_param(name + ".weight", {n}, 0.8f, 1.2f);
  const std::string bias = uniform_param(name + ".bias", {n}, -0.1f, 0.1f);
  return emit("LayerNormalization", {x.name, scale, bias}, *type_of(x),
              {attr_int("axis", -1), attr_float("epsilon", epsilon)}, name);
}

Var ModelBuilder::pool(const std::string& op, Var x, int64_t kernel, const PoolOptions& o) {
  if (!check(x, op.c_str())) return {};
  const std::vector<Dim> d = dims(x);
  if (d.size() != 3 && d.size() != 4)
    return failed(fmt::format("{}: input '{}' {} must have rank 3 or 4", op, x.name, dims_str(d)));
  const int64_t stride = o.stride < 0 ? kernel : o.stride;
  if (kernel <= 0 || stride <= 0 || o.padding < 0 || o.padding >= kernel)
    return failed(fmt::format("{}: bad kernel {} / stride {} / padding {}", op, kernel, stride, o.padding));
  const int nd = static_cast<int>(d.size()) - 2;
  std::vector<Dim> out_dims{d[0], d[1]};
  for (int i = 0; i < nd; ++i) {
    const Dim s = builder_util::window_out(d[2 + i], kernel, stride, 1, o.padding, o.padding);
    if (s.known() && s.value <= 0)
      return failed(fmt::format("{}: input '{}' {} is too small for kernel {}", op, x.name, dims_str(d), kernel));
    out_dims.push_back(s);
  }
  const std::string name = layer_name(o.name, op == "MaxPool" ? "maxpool" : "avgpool");
  return emit(op, {x.name}, TypeInfo(DType::Float, out_dims),
              {attr_ints("kernel_shape", std::vector<int64_t>(nd, kernel)),
               attr_ints("strides", std::vector<int64_t>(nd, stride)),
               attr_ints("pads", std::vector<int64_t>(2 * nd, o.padding))},
              name);
}

Var ModelBuilder::max_pool(Var x, int64_t kernel, const PoolOptions& o) { return pool("MaxPool", x, kernel, o); }
Var ModelBuilder::avg_pool(Var x, int64_t kernel, const PoolOptions& o) { return pool("AveragePool", x, kernel, o); }

Var ModelBuilder::global_pool(const std::string& op, Var x, bool flatten_out) {
  if (!check(x, op.c_str())) return {};
  const std::vector<Dim> d = dims(x);
  if (d.size() < 3) return failed(fmt::format("{}: input '{}' {} needs rank >= 3", op, x.name, dims_str(d)));
  std::vector<Dim> out_dims(d.size(), Dim(1));
  out_dims[0] = d[0];
  out_dims[1] = d[1];
  Var y = emit(op, {x.name}, TypeInfo(DType::Float, out_dims));
  return flatten_out ? flatten(y) : y;
}

Var ModelBuilder::global_avg_pool(Var x, bool flatten_out) { return global_pool("GlobalAveragePool", x, flatten_out); }
Var ModelBuilder::global_max_pool(Var x, bool flatten_out) { return global_pool("GlobalMaxPool", x, flatten_out); }

// --- activations and elementwise ---

Var ModelBuilder::unary(const std::string& op, Var x, std::vector<Attribute> attrs) {
  if (!check(x, op.c_str())) return {};
  return emit(op, {x.name}, *type_of(x), std::move(attrs));
}

Var ModelBuilder::binary(const std::string& op, Var a, Var b) {
  if (!check(a, op.c_str()) || !check(b, op.c_str())) return {};
  const TypeInfo& ta = *type_of(a);
  const TypeInfo& tb = *type_of(b);
  if (ta.dtype != tb.dtype)
    return failed(fmt::format("{}: '{}' is {} but '{}' is {}", op, a.name, dtype_name(ta.dtype), b.name,
                            dtype_name(tb.dtype)));
  auto shape = builder_util::broadcast(dims(a), dims(b));
  if (!shape)
    return failed(fmt::format("{}: shapes {} and {} do not broadcast", op, dims_str(dims(a)), dims_str(dims(b))));
  return emit(op, {a.name, b.name}, TypeInfo(ta.dtype, *shape));
}

Var ModelBuilder::relu(Var x) { return unary("Relu", x); }
Var ModelBuilder::sigmoid(Var x) { return unary("Sigmoid", x); }
Var ModelBuilder::tanh(Var x) { return unary("Tanh", x); }
Var ModelBuilder::hard_swish(Var x) { return unary("HardSwish", x); }

Var ModelBuilder::hard_sigmoid(Var x, float alpha, float beta) {
  return unary("HardSigmoid", x, {attr_float("alpha", alpha), attr_float("beta", beta)});
}

Var ModelBuilder::gelu(Var x) {
  if (!check(x, "gelu")) return {};
  const TypeInfo t = *type_of(x);
  const std::string name = layer_name("", "gelu");
  Var s = emit("Div", {x.name, constant_f32(static_cast<float>(std::sqrt(2.0)))}, t, {}, name + ".div");
  Var e = emit("Erf", {s.name}, t, {}, name + ".erf");
  Var p = emit("Add", {e.name, constant_f32(1.f)}, t, {}, name + ".add");
  Var m = emit("Mul", {x.name, p.name}, t, {}, name + ".mul");
  return emit("Mul", {m.name, constant_f32(0.5f)}, t, {}, name);
}

Var ModelBuilder::silu(Var x) {
  if (!check(x, "silu")) return {};
  const std::string name = layer_name("", "silu");
  Var s = emit("Sigmoid", {x.name}, *type_of(x), {}, name + ".sigmoid");
  return emit("Mul", {x.name, s.name}, *type_of(x), {}, name);
}

Var ModelBuilder::softmax(Var x, int64_t axis) {
  if (!check(x, "softmax")) return {};
  const int64_t rank = static_cast<int64_t>(dims(x).size());
  if (normalize_axis(axis, rank) < 0 || normalize_axis(axis, rank) >= rank)
    return failed(fmt::format("softmax: axis {} out of range for rank {}", axis, rank));
  return unary("Softmax", x, {attr_int("axis", axis)});
}

Var ModelBuilder::add(Var a, Var b) { return binary("Add", a, b); }
Var ModelBuilder::mul(Var a, Var b) { return binary("Mul", a, b); }

Var ModelBuilder::matmul(Var a, Var b) {
  if (!check(a, "matmul") || !check(b, "matmul")) return {};
  std::vector<Dim> da = dims(a), db = dims(b);
  if (da.size() < 2 || db.size() < 2)
    return failed(fmt::format("matmul: operands {} and {} need rank >= 2", dims_str(da), dims_str(db)));
  const Dim k1 = da.back(), k2 = db[db.size() - 2];
  if (k1.known() && k2.known() && k1.value != k2.value)
    return failed(fmt::format("matmul: inner dims of {} and {} differ", dims_str(da), dims_str(db)));
  const Dim m = da[da.size() - 2], n = db.back();
  auto batch = builder_util::broadcast(std::vector<Dim>(da.begin(), da.end() - 2),
                                       std::vector<Dim>(db.begin(), db.end() - 2));
  if (!batch)
    return failed(fmt::format("matmul: batch dims of {} and {} do not broadcast", dims_str(da), dims_str(db)));
  batch->push_back(m);
  batch->push_back(n);
  return emit("MatMul", {a.name, b.name}, TypeInfo(type_of(a)->dtype, *batch));
}

Var ModelBuilder::concat(const std::vector<Var>& xs, int64_t axis) {
  if (xs.empty()) return failed("concat: no inputs");
  for (const Var& x : xs)
    if (!check(x, "concat")) return {};
  std::vector<Dim> out = dims(xs[0]);
  const int64_t rank = static_cast<int64_t>(out.size());
  const int64_t ax = normalize_axis(axis, rank);
  if (ax < 0 || ax >= rank) return failed(fmt::format("concat: axis {} out of range for rank {}", axis, rank));
  std::vector<std::string> names;
  for (size_t i = 0; i < xs.size(); ++i) {
    const std::vector<Dim> d = dims(xs[i]);
    names.push_back(xs[i].name);
    if (static_cast<int64_t>(d.size()) != rank || type_of(xs[i])->dtype != type_of(xs[0])->dtype)
      return failed(fmt::format("concat: '{}' {} does not match '{}' {}", xs[i].name, dims_str(d), xs[0].name,
                              dims_str(out)));
    for (int64_t j = 0; j < rank; ++j) {
      if (j != ax && !(d[j] == out[j]))
        return failed(fmt::format("concat: '{}' {} does not match '{}' along axis {}", xs[i].name, dims_str(d),
                                xs[0].name, j));
    }
    if (i > 0) out[ax] = out[ax].known() && d[ax].known() ? Dim(out[ax].value + d[ax].value) : Dim();
  }
  return emit("Concat", names, TypeInfo(type_of(xs[0])->dtype, out), {attr_int("axis", ax)});
}

Var ModelBuilder::transpose(Var x, const std::vector<int64_t>& perm) {
  if (!check(x, "transpose")) return {};
  const std::vector<Dim> d = dims(x);
  std::vector<bool> seen(d.size(), false);
  if (perm.size() != d.size()) return failed(fmt::format("transpose: perm size {} for rank {}", perm.size(), d.size()));
  std::vector<Dim> out;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(d.size()) || seen[p])
      return failed(fmt::format("transpose: perm is not a permutation of 0..{}", d.size() - 1));
    seen[p] = true;
    out.push_back(d[p]);
  }
  return emit("Transpose", {x.name}, TypeInfo(type_of(x)->dtype, out), {attr_ints("perm", perm)});
}

Var ModelBuilder::reshape(Var x, const std::vector<int64_t>& target) {
  if (!check(x, "reshape")) return {};
  const std::vector<Dim> d = dims(x);
  std::vector<Dim> out(target.size());
  std::vector<bool> copied(d.size(), false);
  int infer_at = -1;
  int64_t known_out = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0) {
      if (i >= d.size()) return failed(fmt::format("reshape: 0 at position {} beyond rank {}", i, d.size()));
      out[i] = d[i];
      copied[i] = true;
      if (d[i].known()) known_out *= d[i].value;
    } else if (target[i] == -1) {
      if (infer_at >= 0) return failed("reshape: more than one -1");
      infer_at = static_cast<int>(i);
    } else if (target[i] > 0) {
      out[i] = Dim(target[i]);
      known_out *= target[i];
    } else {
      return failed(fmt::format("reshape: bad target dim {}", target[i]));
    }
  }
  // Every symbolic or unknown input dim must be carried over by a 0, or the result would
  // depend on the batch size.
  int64_t known_in = 1;
  for (size_t i = 0; i < d.size(); ++i) {
    if (d[i].known()) known_in *= d[i].value;
    else if (!copied[i])
      return failed(fmt::format("reshape: '{}' {} has dim {} that is not copied by 0", x.name, dims_str(d), i));
  }
  if (infer_at >= 0) {
    if (known_out == 0 || known_in % known_out != 0)
      return failed(fmt::format("reshape: cannot reshape {} to {}", dims_str(d), shape_str(target)));
    out[infer_at] = Dim(known_in / known_out);
  } else if (known_in != known_out) {
    return failed(fmt::format("reshape: cannot reshape {} to {}", dims_str(d), shape_str(target)));
  }
  return emit("Reshape", {x.name, constant_i64(target)}, TypeInfo(type_of(x)->dtype, out));
}

Var ModelBuilder::flatten(Var x) {
  if (!check(x, "flatten")) return {};
  const std::vector<Dim> d = dims(x);
  if (d.empty()) return failed("flatten: scalar input");
  int64_t n = 1;
  for (size_t i = 1; i < d.size(); ++i) n = (n >= 0 && d[i].known()) ? n * d[i].value : -1;
  return emit("Flatten", {x.name}, TypeInfo(type_of(x)->dtype, {d[0], n >= 0 ? Dim(n) : Dim()}),
              {attr_int("axis", 1)});
}

Var ModelBuilder::reduce_mean(Var x, int64_t axis, bool keepdims) {
  if (!check(x, "reduce_mean")) return {};
  std::vector<Dim> d = dims(x);
  const int64_t rank = static_cast<int64_t>(d.size());
  const int64_t ax = normalize_axis(axis, rank);
  if (ax < 0 || ax >= rank) return failed(fmt::format("reduce_mean: axis {} out of range for rank {}", axis, rank));
  if (keepdims) d[ax] = Dim(1);
  else d.erase(d.begin() + ax);
  // ReduceMean takes its axes as an attribute up to opset 17.
  return emit("ReduceMean", {x.name}, TypeInfo(type_of(x)->dtype, d),
              {attr_ints("axes", {ax}), attr_int("keepdims", keepdims ? 1 : 0)});
}

}  // namespace sz0
