// Sequence zoo models: lstm-seq (bidirectional LSTM classifier) and transformer-s (text encoder).
#include "zoo/models.h"

namespace sz0::zoo {

Result<Model> build_lstm_seq(const ZooBuildOptions& options) {
  const std::string name = "lstm-seq";
  ModelBuilder b = zoo_builder(name, options);
  Var x = b.input("features", DType::Float, {100, 40});
  // The last layer's final states of both directions: [batch, 256].
  Var h = b.lstm(x, 128, {.layers = 2, .bidirectional = true, .return_sequences = false, .name = "lstm"});
  b.output(b.linear(h, 12, {.name = "classifier"}), "logits");
  return finish_zoo_model(b, name, options);
}

Result<Model> build_transformer_s(const ZooBuildOptions& options) {
  const std::string name = "transformer-s";
  constexpr int64_t kSeq = 128, kDim = 256, kHeads = 4, kFfn = 1024, kLayers = 4, kVocab = 8192, kClasses = 10;
  ModelBuilder b = zoo_builder(name, options);
  Var tokens = b.input("tokens", DType::Int64, {kSeq});
  Var x = b.embedding(tokens, kVocab, kDim, "embed");                    // [batch, 128, 256]
  x = b.add(x, b.parameter("position_embedding", {kSeq, kDim}, 0.1f));  // broadcast over the batch
  for (int64_t l = 0; l < kLayers; ++l) {
    b.push_scope(fmt::format("layers.{}", l));
    // Pre-norm encoder layer: x + attention(ln(x)), then x + ffn(ln(x)).
    x = b.add(x, b.self_attention(b.layer_norm(x, "ln1"), kHeads, "attn"));
    Var f = b.gelu(b.linear(b.layer_norm(x, "ln2"), kFfn, {.name = "ffn.fc1"}));
    x = b.add(x, b.linear(f, kDim, {.name = "ffn.fc2"}));
    b.pop_scope();
  }
  x = b.layer_norm(x, "final_ln");
  x = b.reduce_mean(x, 1);  // mean over tokens: [batch, 256]
  b.output(b.linear(x, kClasses, {.name = "classifier"}), "logits");
  return finish_zoo_model(b, name, options);
}

}  // namespace sz0::zoo
