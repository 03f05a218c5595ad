// ModelBuilder sequence layers: GRU, LSTM, multi-head self-attention, embedding.
#include <sz0/builder.h>

#include "zoo/builder_util.h"

#include <cmath>

namespace sz0 {

using builder_util::attr_int;
using builder_util::attr_string;
using builder_util::dims_str;

Var ModelBuilder::recurrent(const std::string& op, Var x, int64_t hidden, const RnnOptions& o) {
  const char* what = op == "GRU" ? "gru" : "lstm";
  if (!check(x, what)) return {};
  const std::vector<Dim> d = dims(x);
  if (d.size() != 3 || !d[2].known())
    return failed(fmt::format("{}: input '{}' {} must be [batch, time, features] with known features", what, x.name,
                              dims_str(d)));
  if (hidden <= 0 || o.layers <= 0)
    return failed(fmt::format("{}: hidden size and layer count must be positive", what));
  const int64_t gates = op == "GRU" ? 3 : 4;
  const int64_t dirs = o.bidirectional ? 2 : 1;
  const Dim batch = d[0], time = d[1];
  const std::string name = layer_name(o.name, what);
  const float bound = 1.f / std::sqrt(static_cast<float>(hidden));

  Var seq = transpose(x, {1, 0, 2});  // [time, batch, features]: ONNX's layout 0
  int64_t in = d[2].value;
  for (int64_t l = 0; l < o.layers; ++l) {
    if (!status_.ok()) return {};
    const std::string layer = fmt::format("{}.l{}", name, l);
    const std::string w = weight(layer + ".W", {dirs, gates * hidden, in}, Init::Xavier, in, hidden);
    const std::string r = weight(layer + ".R", {dirs, gates * hidden, hidden}, Init::Xavier, hidden, hidden);
    const std::string b = uniform_param(layer + ".B", {dirs, 2 * gates * hidden}, -bound, bound);
    const bool last = l + 1 == o.layers;
    const bool want_state = last && !o.return_sequences;
    const std::string y = want_state ? "" : fresh_value(layer + ".Y");
    const std::string y_h = want_state ? fresh_value(layer + ".Y_h") : "";
    std::vector<Attribute> attrs{attr_int("hidden_size", hidden),
                                 attr_string("direction", o.bidirectional ? "bidirectional" : "forward")};
    if (op == "GRU") attrs.push_back(attr_int("linear_before_reset", 1));
    emit_node(op, layer, {seq.name, w, r, b}, {y, y_h}, std::move(attrs));
    if (want_state) {
      types_[y_h] = TypeInfo(DType::Float, {Dim(dirs), batch, Dim(hidden)});
      Var state = transpose(Var{y_h}, {1, 0, 2});  // [batch, dirs, hidden]
      return reshape(state, {0, -1});
    }
    types_[y] = TypeInfo(DType::Float, {time, Dim(dirs), batch, Dim(hidden)});
    if (dirs == 1) {
      seq = emit("Squeeze", {y, constant_i64({1})}, TypeInfo(DType::Float, {time, batch, Dim(hidden)}));
    } else {
      seq = reshape(transpose(Var{y}, {0, 2, 1, 3}), {0, 0, -1});  // [time, batch, 2 * hidden]
    }
    in = dirs * hidden;
  }
  return transpose(seq, {1, 0, 2});  // [batch, time, dirs * hidden]
}

Var ModelBuilder::gru(Var x, int64_t hidden, const RnnOptions& o) { return recurrent("GRU", x, hidden, o); }
Var ModelBuilder::lstm(Var x, int64_t hidden, const RnnOptions& o) { return recurrent("LSTM", x, hidden, o); }

Var ModelBuilder::self_attention(Var x, int64_t heads, const std::string& given) {
  if (!check(x, "self_attention")) return {};
  const std::vector<Dim> d = dims(x);
  if (d.size() != 3 || !d[2].known())
    return failed(fmt::format("self_attention: input '{}' {} must be [batch, time, d] with known d", x.name,
                              dims_str(d)));
  const int64_t model_dim = d[2].value;
  if (heads <= 0 || model_dim % heads != 0)
    return failed(fmt::format("self_attention: d = {} is not divisible by {} heads", model_dim, heads));
  const int64_t head_dim = model_dim / heads;
  const std::string name = layer_name(given, "attention");
  push_scope(name);
  Var q = linear(x, model_dim, {.name = "q"});
  Var k = linear(x, model_dim, {.name = "k"});
  Var v = linear(x, model_dim, {.name = "v"});
  q = transpose(reshape(q, {0, 0, heads, head_dim}), {0, 2, 1, 3});  // [batch, heads, time, head_dim]
  k = transpose(reshape(k, {0, 0, heads, head_dim}), {0, 2, 3, 1});  // [batch, heads, head_dim, time]
  v = transpose(reshape(v, {0, 0, heads, head_dim}), {0, 2, 1, 3});
  Var scores = matmul(q, k);  // [batch, heads, time, time]
  if (status_.ok()) {
    const std::string scale = constant_f32(static_cast<float>(1.0 / std::sqrt(static_cast<double>(head_dim))));
    scores = emit("Mul", {scores.name, scale}, *type_of(scores));
  }
  Var ctx = matmul(softmax(scores, -1), v);                          // [batch, heads, time, head_dim]
  ctx = reshape(transpose(ctx, {0, 2, 1, 3}), {0, 0, model_dim});    // [batch, time, d]
  Var out = linear(ctx, model_dim, {.name = "out"});
  pop_scope();
  return out;
}

Var ModelBuilder::embedding(Var ids, int64_t vocab, int64_t dim, const std::string& given) {
  if (!check(ids, "embedding")) return {};
  const TypeInfo& t = *type_of(ids);
  if (t.dtype != DType::Int64 && t.dtype != DType::Int32)
    return failed(fmt::format("embedding: ids '{}' are {}, expected int64 or int32", ids.name, dtype_name(t.dtype)));
  if (vocab <= 0 || dim <= 0) return failed("embedding: vocabulary and dim must be positive");
  const std::string name = layer_name(given, "embedding");
  // Normal with std 1, as common frameworks initialize embedding tables.
  Tensor table(DType::Float, {vocab, dim});
  SeededRandom rng(options_.seed, name + ".weight");
  for (float& w : table.span<float>()) w = static_cast<float>(rng.normal());
  const std::string w = add_initializer(name + ".weight", std::move(table));
  std::vector<Dim> out = dims(ids);
  out.push_back(Dim(dim));
  return emit("Gather", {w, ids.name}, TypeInfo(DType::Float, out), {attr_int("axis", 0)}, name);
}

}  // namespace sz0
