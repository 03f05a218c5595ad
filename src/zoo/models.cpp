// The zoo registry: names, descriptions and interfaces of the reference networks.
#include "zoo/models.h"

#include <fmt/format.h>

namespace sz0::zoo {

const std::vector<ZooModel>& models() {
  static const std::vector<ZooModel> kModels = {
      {"sentinel-gru",
       "SentinelZer0 file-system threat detector: 2-layer GRU (hidden 128) over 64 events of 32 features, "
       "attention pooling over time, MLP head with threat score and attack type",
       {{"events", DType::Float, {64, 32}}},
       {"threat_score", "attack_type"},
       build_sentinel_gru},
      {"sentinel-tcn",
       "SentinelZer0 threat detector, convolutional: causal dilated Conv1d blocks (dilation 1, 2, 4, 8) with "
       "residuals, global average and max pooling, LayerNorm, MLP head with threat score and attack type",
       {{"events", DType::Float, {64, 32}}},
       {"threat_score", "attack_type"},
       build_sentinel_tcn},
      {"mlp", "multilayer perceptron: 256 inputs, 3 hidden layers of 1024 with ReLU, 10 outputs",
       {{"x", DType::Float, {256}}},
       {"logits"},
       build_mlp},
      {"resnet-s",
       "ResNet-18 layout: 7x7 stem, 4 stages of 2 basic blocks (64/128/256/512 channels), 128x128 RGB input, "
       "1000 classes",
       {{"image", DType::Float, {3, 128, 128}}},
       {"logits"},
       build_resnet_s},
      {"mobilenet-s",
       "MobileNetV3-small layout: inverted residual blocks with depthwise convolutions, squeeze-excitation and "
       "hard-swish, 160x160 RGB input, 1000 classes",
       {{"image", DType::Float, {3, 160, 160}}},
       {"logits"},
       build_mobilenet_s},
      {"lstm-seq",
       "sequence classifier: 2-layer bidirectional LSTM (hidden 128) over 100 frames of 40 features, "
       "final states to 12 classes",
       {{"features", DType::Float, {100, 40}}},
       {"logits"},
       build_lstm_seq},
      {"transformer-s",
       "text encoder: token and learned position embeddings, 4 pre-norm encoder layers (d 256, 4 heads, "
       "FFN 1024, GELU), mean pooling, 10 classes; 128 int64 tokens, vocabulary 8192",
       {{"tokens", DType::Int64, {128}}},
       {"logits"},
       build_transformer_s},
  };
  return kModels;
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const ZooModel& m : models()) names.push_back(m.name);
  return names;
}

const ZooModel* find_model(std::string_view name) {
  for (const ZooModel& m : models())
    if (m.name == name) return &m;
  return nullptr;
}

Result<Model> build_model(std::string_view name, const ZooBuildOptions& options) {
  const ZooModel* m = find_model(name);
  if (!m) return error("unknown zoo model '{}' (known: {})", name, fmt::join(model_names(), ", "));
  if (options.batch < 0) return error("zoo model '{}': batch must be positive, got {}", name, options.batch);
  return m->build(options);
}

ModelBuilder zoo_builder(const std::string& name, const ZooBuildOptions& options) {
  const ZooModel* m = find_model(name);
  BuilderOptions bo;
  bo.seed = options.seed;
  bo.batch = options.batch;
  bo.doc = fmt::format("{}: {}. Weights are seeded random (seed {}), not trained.", name,
                       m ? m->description : std::string(), options.seed);
  return ModelBuilder(name, bo);
}

Result<Model> finish_zoo_model(ModelBuilder& b, const std::string& name, const ZooBuildOptions& options) {
  SZ0_ASSIGN(Model model, b.build());
  model.metadata = {{"sz0.zoo.model", name},
                    {"sz0.zoo.seed", std::to_string(options.seed)},
                    {"sz0.zoo.weights", "seeded random, not trained"}};
  return model;
}

}  // namespace sz0::zoo
