// Builders of the zoo models, one per network, listed in models.cpp.
#pragma once

#include <sz0/builder.h>
#include <sz0/zoo.h>

namespace sz0::zoo {

Result<Model> build_sentinel_gru(const ZooBuildOptions& options);
Result<Model> build_sentinel_tcn(const ZooBuildOptions& options);
Result<Model> build_mlp(const ZooBuildOptions& options);
Result<Model> build_resnet_s(const ZooBuildOptions& options);
Result<Model> build_mobilenet_s(const ZooBuildOptions& options);
Result<Model> build_lstm_seq(const ZooBuildOptions& options);
Result<Model> build_transformer_s(const ZooBuildOptions& options);

// A builder for zoo model `name` (doc string and options from the registry entry).
ModelBuilder zoo_builder(const std::string& name, const ZooBuildOptions& options);
// Finishes a zoo model: metadata naming the model, its seed and that its weights are random.
Result<Model> finish_zoo_model(ModelBuilder& b, const std::string& name, const ZooBuildOptions& options);

}  // namespace sz0::zoo
