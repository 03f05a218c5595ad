// The SentinelZer0 threat detectors: a window of 64 file-system events (32 features each) →
// threat_score [batch, 1] (sigmoid) and attack_type [batch, 4] (softmax over benign,
// ransomware, exfiltration, wiper).
#include "zoo/models.h"

namespace sz0::zoo {

namespace {

constexpr int64_t kEvents = 64;
constexpr int64_t kFeatures = 32;
constexpr int64_t kAttackTypes = 4;

// The shared head: features [batch, n] → the two outputs.
void detector_head(ModelBuilder& b, Var features) {
  b.push_scope("head");
  Var h = b.relu(b.linear(features, 64, {.init = Init::Kaiming, .name = "fc"}));
  b.output(b.sigmoid(b.linear(h, 1, {.name = "threat"})), "threat_score");
  b.output(b.softmax(b.linear(h, kAttackTypes, {.name = "attack"}), -1), "attack_type");
  b.pop_scope();
}

}  // namespace

Result<Model> build_sentinel_gru(const ZooBuildOptions& options) {
  const std::string name = "sentinel-gru";
  ModelBuilder b = zoo_builder(name, options);
  Var events = b.input("events", DType::Float, {kEvents, kFeatures});
  Var seq = b.gru(events, 128, {.layers = 2, .name = "gru"});  // [batch, 64, 128]
  // Attention pooling: a learned score per step, softmax over time, weighted sum of the steps.
  b.push_scope("attn");
  Var score = b.linear(b.tanh(b.linear(seq, 64, {.name = "proj"})), 1, {.name = "score"});  // [batch, 64, 1]
  Var weights = b.softmax(b.transpose(score, {0, 2, 1}), -1);                                // [batch, 1, 64]
  Var pooled = b.reshape(b.matmul(weights, seq), {0, -1});                                   // [batch, 128]
  b.pop_scope();
  detector_head(b, pooled);
  return finish_zoo_model(b, name, options);
}

Result<Model> build_sentinel_tcn(const ZooBuildOptions& options) {
  const std::string name = "sentinel-tcn";
  constexpr int64_t kChannels = 64;
  ModelBuilder b = zoo_builder(name, options);
  Var events = b.input("events", DType::Float, {kEvents, kFeatures});
  Var x = b.transpose(events, {0, 2, 1});  // [batch, 32, 64]: features as channels
  x = b.conv1d(x, kChannels, 1, {.init = Init::Xavier, .name = "stem"});
  // Causal dilated residual blocks: the receptive field covers 1 + 2 * 2 * (1 + 2 + 4 + 8) = 61 events.
  for (int64_t dilation : {1, 2, 4, 8}) {
    b.push_scope(fmt::format("block{}", dilation));
    Var y = b.conv1d(x, kChannels, 3, {.dilation = dilation, .causal = true, .bias = false, .name = "conv1"});
    y = b.relu(b.batch_norm(y, "bn1"));
    y = b.conv1d(y, kChannels, 3, {.dilation = dilation, .causal = true, .bias = false, .name = "conv2"});
    y = b.batch_norm(y, "bn2");
    x = b.relu(b.add(x, y));
    b.pop_scope();
  }
  Var pooled = b.concat({b.global_avg_pool(x), b.global_max_pool(x)}, 1);  // [batch, 128]
  detector_head(b, b.layer_norm(pooled, "pool_ln"));
  return finish_zoo_model(b, name, options);
}

}  // namespace sz0::zoo
