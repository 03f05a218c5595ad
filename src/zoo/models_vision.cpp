// Dense and convolutional zoo models: mlp, resnet-s (ResNet-18 layout), mobilenet-s
// (MobileNetV3-small layout).
#include "zoo/models.h"

namespace sz0::zoo {

namespace {

constexpr int64_t kClasses = 1000;

// Channels rounded to a multiple of 8, never below 90% of the request (MobileNet's rule).
int64_t make_divisible(double v) {
  const int64_t r = std::max<int64_t>(8, static_cast<int64_t>(v + 4) / 8 * 8);
  return r < 0.9 * v ? r + 8 : r;
}

// ResNet basic block: two 3x3 conv + BN, identity (or 1x1 conv + BN) shortcut, ReLU after the add.
Var basic_block(ModelBuilder& b, Var x, int64_t channels, int64_t stride) {
  Var y = b.conv2d(x, channels, 3, {.stride = stride, .bias = false, .name = "conv1"});
  y = b.relu(b.batch_norm(y, "bn1"));
  y = b.conv2d(y, channels, 3, {.bias = false, .name = "conv2"});
  y = b.batch_norm(y, "bn2");
  Var shortcut = x;
  const std::vector<Dim> d = b.dims(x);
  if (stride != 1 || d.size() < 2 || !(d[1] == Dim(channels))) {
    shortcut = b.conv2d(x, channels, 1, {.stride = stride, .padding = 0, .bias = false, .name = "downsample.conv"});
    shortcut = b.batch_norm(shortcut, "downsample.bn");
  }
  return b.relu(b.add(y, shortcut));
}

struct InvertedResidual {
  int64_t kernel, expanded, out;
  bool se, hard_swish;
  int64_t stride;
};

Var activation(ModelBuilder& b, Var x, bool hard_swish) { return hard_swish ? b.hard_swish(x) : b.relu(x); }

// Squeeze-excitation: global average → 1x1 reduce, ReLU → 1x1 expand, hard-sigmoid → channel scale.
Var squeeze_excite(ModelBuilder& b, Var x, int64_t channels) {
  b.push_scope("se");
  const int64_t squeezed = make_divisible(static_cast<double>(channels) / 4);
  Var s = b.global_avg_pool(x, false);  // [batch, C, 1, 1]
  s = b.relu(b.conv2d(s, squeezed, 1, {.init = Init::Kaiming, .name = "fc1"}));
  s = b.hard_sigmoid(b.conv2d(s, channels, 1, {.init = Init::Xavier, .name = "fc2"}));
  b.pop_scope();
  return b.mul(x, s);
}

Var inverted_residual(ModelBuilder& b, Var x, const InvertedResidual& c) {
  const std::vector<Dim> d = b.dims(x);
  const int64_t in = d.size() > 1 && d[1].known() ? d[1].value : 0;
  Var y = x;
  if (c.expanded != in) {
    y = b.conv2d(y, c.expanded, 1, {.padding = 0, .bias = false, .name = "expand.conv"});
    y = activation(b, b.batch_norm(y, "expand.bn"), c.hard_swish);
  }
  y = b.conv2d(y, c.expanded, c.kernel,
               {.stride = c.stride, .groups = c.expanded, .bias = false, .name = "depthwise.conv"});
  y = activation(b, b.batch_norm(y, "depthwise.bn"), c.hard_swish);
  if (c.se) y = squeeze_excite(b, y, c.expanded);
  y = b.conv2d(y, c.out, 1, {.padding = 0, .bias = false, .init = Init::Xavier, .name = "project.conv"});
  y = b.batch_norm(y, "project.bn");
  return c.stride == 1 && in == c.out ? b.add(x, y) : y;
}

}  // namespace

Result<Model> build_mlp(const ZooBuildOptions& options) {
  const std::string name = "mlp";
  ModelBuilder b = zoo_builder(name, options);
  Var x = b.input("x", DType::Float, {256});
  for (int i = 0; i < 3; ++i)
    x = b.relu(b.linear(x, 1024, {.init = Init::Kaiming, .name = fmt::format("fc{}", i + 1)}));
  b.output(b.linear(x, 10, {.name = "classifier"}), "logits");
  return finish_zoo_model(b, name, options);
}

Result<Model> build_resnet_s(const ZooBuildOptions& options) {
  const std::string name = "resnet-s";
  ModelBuilder b = zoo_builder(name, options);
  Var x = b.input("image", DType::Float, {3, 128, 128});
  x = b.conv2d(x, 64, 7, {.stride = 2, .padding = 3, .bias = false, .name = "conv1"});  // 64x64
  x = b.relu(b.batch_norm(x, "bn1"));
  x = b.max_pool(x, 3, {.stride = 2, .padding = 1, .name = "maxpool"});  // 32x32
  const int64_t channels[] = {64, 128, 256, 512};
  for (int stage = 0; stage < 4; ++stage) {
    for (int block = 0; block < 2; ++block) {
      b.push_scope(fmt::format("layer{}.{}", stage + 1, block));
      x = basic_block(b, x, channels[stage], stage > 0 && block == 0 ? 2 : 1);
      b.pop_scope();
    }
  }
  x = b.global_avg_pool(x);  // [batch, 512]
  b.output(b.linear(x, kClasses, {.name = "fc"}), "logits");
  return finish_zoo_model(b, name, options);
}

Result<Model> build_mobilenet_s(const ZooBuildOptions& options) {
  const std::string name = "mobilenet-s";
  // kernel, expanded channels, output channels, squeeze-excitation, hard-swish, stride.
  static const InvertedResidual kBlocks[] = {
      {3, 16, 16, true, false, 2},   {3, 72, 24, false, false, 2}, {3, 88, 24, false, false, 1},
      {5, 96, 40, true, true, 2},    {5, 240, 40, true, true, 1},  {5, 240, 40, true, true, 1},
      {5, 120, 48, true, true, 1},   {5, 144, 48, true, true, 1},  {5, 288, 96, true, true, 2},
      {5, 576, 96, true, true, 1},   {5, 576, 96, true, true, 1},
  };
  ModelBuilder b = zoo_builder(name, options);
  Var x = b.input("image", DType::Float, {3, 160, 160});
  x = b.conv2d(x, 16, 3, {.stride = 2, .bias = false, .name = "stem.conv"});  // 80x80
  x = b.hard_swish(b.batch_norm(x, "stem.bn"));
  int i = 0;
  for (const InvertedResidual& c : kBlocks) {
    b.push_scope(fmt::format("blocks.{}", i++));
    x = inverted_residual(b, x, c);
    b.pop_scope();
  }
  x = b.conv2d(x, 576, 1, {.padding = 0, .bias = false, .name = "last.conv"});  // 5x5
  x = b.hard_swish(b.batch_norm(x, "last.bn"));
  x = b.global_avg_pool(x);  // [batch, 576]
  x = b.hard_swish(b.linear(x, 1024, {.init = Init::Kaiming, .name = "classifier.fc1"}));
  b.output(b.linear(x, kClasses, {.name = "classifier.fc2"}), "logits");
  return finish_zoo_model(b, name, options);
}

}  // namespace sz0::zoo
