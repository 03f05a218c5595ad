// Defines networks layer by layer in C++ and produces a standard ONNX model (ai.onnx, opset 17).
//
//   ModelBuilder b("tiny", {.seed = 7});
//   Var x = b.input("x", DType::Float, {256});          // float32[batch,256]
//   x = b.relu(b.linear(x, 1024, {.init = Init::Kaiming}));
//   b.output(b.linear(x, 10), "logits");
//   Result<Model> m = b.build();
//
// Every input gets a leading batch axis: symbolic ("batch") by default, fixed when
// BuilderOptions::batch > 0. Layers only emit standard ops, and every Reshape they emit keeps
// the batch axis dynamic (0 copies it), so one exported file serves any batch size.
//
// Errors are sticky: the first invalid call (bad shape, wrong rank, invalid Var) is remembered,
// later calls return an invalid Var, and build() returns that first error.
//
// Parameters are seeded and deterministic: each tensor draws from its own stream, derived from
// the seed and the tensor's name (std::mt19937 with our own uniform/normal transforms), so the
// same seed gives the same weights with any standard library, and adding a layer does not
// change the weights of the others. Initializer names are "<layer>.<param>", where <layer> is the
// name given in the options or an automatic "<kind>_<n>".
#pragma once

#include <sz0/graph.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace sz0 {

// A value in the graph under construction (its name); default-constructed = invalid.
struct Var {
  std::string name;
  bool valid() const { return !name.empty(); }
};

// Weight initialization. Kaiming (He) normal, std sqrt(2 / fan_in), suits layers followed by
// ReLU-family activations; Xavier (Glorot) uniform, bound sqrt(6 / (fan_in + fan_out)), the rest.
enum class Init { Kaiming, Xavier };

struct BuilderOptions {
  uint32_t seed = 0;
  int64_t batch = 0;  // 0: symbolic batch axis named `batch_symbol`; > 0: that fixed size
  std::string batch_symbol = "batch";
  std::string doc;    // model doc string
};

struct LinearOptions {
  bool bias = true;
  Init init = Init::Xavier;
  std::string name;
};

struct ConvOptions {
  int64_t stride = 1;
  int64_t padding = -1;  // per side; -1: dilation * (kernel - 1) / 2 ("same" at stride 1)
  int64_t dilation = 1;
  int64_t groups = 1;    // groups == in_channels == out_channels: depthwise
  bool causal = false;   // 1-D only: all padding, dilation * (kernel - 1), at the start
  bool bias = true;
  Init init = Init::Kaiming;
  std::string name;
};

struct PoolOptions {
  int64_t stride = -1;  // -1: the kernel size
  int64_t padding = 0;
  std::string name;
};

struct RnnOptions {
  int64_t layers = 1;
  bool bidirectional = false;
  // true: the whole sequence, [batch, time, directions * hidden];
  // false: the last layer's final hidden state, [batch, directions * hidden].
  bool return_sequences = true;
  std::string name;
};

class ModelBuilder {
 public:
  explicit ModelBuilder(std::string model_name, BuilderOptions options = {});

  // A graph input of shape [batch, dims...].
  Var input(const std::string& name, DType dtype, const std::vector<int64_t>& dims);
  // Marks `v` as a graph output named `name` (the value is renamed); returns the renamed Var.
  Var output(Var v, const std::string& name);

  // Layer names (given or automatic) inside a scope are prefixed "<scope>.", and scopes nest:
  // push_scope("layer1"); push_scope("0"); conv2d(x, 64, 3, {.name = "conv1"}) → "layer1.0.conv1".
  void push_scope(const std::string& scope);
  void pop_scope();

  // A learnable tensor (normal, std `stddev`), e.g. a positional embedding. Usable as a Var.
  Var parameter(const std::string& name, const Shape& shape, float stddev);

  // --- layers (code in src/zoo/builder_layers.cpp) ---
  // y = x W^T + b over the last axis. 2-D input: Gemm(transB=1) with weight [out, in];
  // higher ranks: MatMul with weight [in, out], then Add.
  Var linear(Var x, int64_t out_features, const LinearOptions& o = {});
  // x [batch, C, L] → [batch, out, L']; weight [out, C / groups, k].
  Var conv1d(Var x, int64_t out_channels, int64_t kernel, const ConvOptions& o = {});
  // x [batch, C, H, W] → [batch, out, H', W']; weight [out, C / groups, k, k].
  Var conv2d(Var x, int64_t out_channels, int64_t kernel, const ConvOptions& o = {});
  // Inference-mode BatchNormalization over axis 1 with non-trivial running statistics.
  Var batch_norm(Var x, const std::string& name = "", float epsilon = 1e-5f);
  // LayerNormalization over the last axis.
  Var layer_norm(Var x, const std::string& name = "", float epsilon = 1e-5f);
  Var max_pool(Var x, int64_t kernel, const PoolOptions& o = {});  // 1-D or 2-D by rank
  Var avg_pool(Var x, int64_t kernel, const PoolOptions& o = {});  // padding not counted
  // [batch, C, spatial...] → [batch, C] (or [batch, C, 1...] without flatten).
  Var global_avg_pool(Var x, bool flatten = true);
  Var global_max_pool(Var x, bool flatten = true);

  Var relu(Var x);
  Var gelu(Var x);        // exact: 0.5 x (1 + erf(x / sqrt 2))
  Var silu(Var x);        // x * sigmoid(x)
  Var hard_swish(Var x);  // HardSwish (opset 14)
  Var hard_sigmoid(Var x, float alpha = 1.f / 6.f, float beta = 0.5f);
  Var sigmoid(Var x);
  Var tanh(Var x);
  Var softmax(Var x, int64_t axis = -1);

  Var add(Var a, Var b);  // numpy broadcasting
  Var mul(Var a, Var b);
  Var matmul(Var a, Var b);
  Var concat(const std::vector<Var>& xs, int64_t axis);
  Var transpose(Var x, const std::vector<int64_t>& perm);
  // ONNX Reshape: 0 copies the input dim, -1 is inferred. A symbolic dim must be copied by 0.
  Var reshape(Var x, const std::vector<int64_t>& shape);
  Var flatten(Var x);  // [batch, ...] → [batch, product]
  Var reduce_mean(Var x, int64_t axis, bool keepdims = false);

  // --- sequence layers (code in src/zoo/builder_seq.cpp) ---
  // x [batch, time, features]. Each layer is one ONNX GRU / LSTM node (time-major inside, with
  // Transposes around, since runtimes commonly lack layout=1). GRU uses linear_before_reset=1.
  // Per layer: W [D, gates*H, in], R [D, gates*H, H], B [D, 2*gates*H] (ONNX gate order).
  Var gru(Var x, int64_t hidden, const RnnOptions& o = {});
  Var lstm(Var x, int64_t hidden, const RnnOptions& o = {});
  // Multi-head self-attention over x [batch, time, d]: q/k/v/out linears ("<name>.q" ...),
  // softmax(q k^T / sqrt(d / heads)) v, heads merged back to [batch, time, d].
  Var self_attention(Var x, int64_t heads, const std::string& name = "");
  // ids int64 [batch, ...] → [batch, ..., dim] through Gather on a [vocab, dim] table.
  Var embedding(Var ids, int64_t vocab, int64_t dim, const std::string& name = "");

  // Type of a value (nullptr for an unknown Var); dims of a value (empty when unknown).
  const TypeInfo* type_of(const Var& v) const;
  std::vector<Dim> dims(const Var& v) const;
  // Learnable parameters and normalization statistics created so far (elements).
  int64_t parameter_count() const { return parameter_count_; }
  // First error so far (ok when none).
  Status status() const { return status_; }
  const BuilderOptions& options() const { return options_; }

  // The finished model; the builder should not be used afterwards.
  Result<Model> build();

 private:
  std::string layer_name(const std::string& given, const std::string& kind);
  std::string fresh_value(const std::string& base);
  bool check(const Var& v, const char* what);
  bool fail(std::string message);
  Var failed(std::string message) {
    fail(std::move(message));
    return {};
  }
  Var emit(const std::string& op, const std::vector<std::string>& inputs, TypeInfo out_type,
           std::vector<Attribute> attrs = {}, const std::string& name = "");
  Node& emit_node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                  std::vector<std::string> outputs, std::vector<Attribute> attrs);
  std::string add_initializer(const std::string& name, Tensor t);
  std::string weight(const std::string& name, const Shape& shape, Init init, int64_t fan_in, int64_t fan_out);
  std::string uniform_param(const std::string& name, const Shape& shape, float lo, float hi);
  std::string constant_i64(const std::vector<int64_t>& values, bool scalar = false);
  std::string constant_f32(float value);
  Var unary(const std::string& op, Var x, std::vector<Attribute> attrs = {});
  Var binary(const std::string& op, Var a, Var b);
  Var conv(Var x, int64_t out_channels, int64_t kernel, int nd, const ConvOptions& o);
  Var pool(const std::string& op, Var x, int64_t kernel, const PoolOptions& o);
  Var global_pool(const std::string& op, Var x, bool flatten);
  Var recurrent(const std::string& op, Var x, int64_t hidden, const RnnOptions& o);

  BuilderOptions options_;
  Model model_;
  std::map<std::string, TypeInfo> types_;
  std::map<std::string, int> counters_;
  std::vector<std::string> scopes_;
  std::map<std::string, std::string> constants_;  // value key → constant name
  int64_t parameter_count_ = 0;
  Status status_;
  bool built_ = false;
};

// The seeded random streams the builder uses, exposed for tests and data generators.
class SeededRandom {
 public:
  SeededRandom(uint32_t seed, const std::string& stream);
  uint32_t next_u32();
  double uniform();                      // [0, 1), 53-bit
  double uniform(double lo, double hi);  // [lo, hi)
  double normal();                       // Box-Muller, mean 0, std 1

 private:
  std::mt19937 engine_;  // its output sequence is fixed by the C++ standard
  bool has_spare_ = false;
  double spare_ = 0;
};

}  // namespace sz0
