// Feeds at other batch sizes: rows of one sample repeated, and a model's batch axis relaxed.
#include <sz0/bench.h>

#include <cstring>

namespace sz0 {

Result<Tensor> repeat_rows(const Tensor& t, int64_t batch) {
  if (t.rank() == 0) return error("a scalar has no batch dimension");
  if (t.dim(0) == 0) return error("holds no rows to repeat");
  if (batch < 1) return error("batch {} (must be at least 1)", batch);
  Shape shape = t.shape();
  shape[0] = batch;
  Tensor b(t.dtype(), shape);
  const size_t row = t.nbytes() / static_cast<size_t>(t.dim(0));
  for (int64_t r = 0; r < batch; ++r)
    std::memcpy(static_cast<char*>(b.raw()) + static_cast<size_t>(r) * row,
                static_cast<const char*>(t.raw()) + static_cast<size_t>(r % t.dim(0)) * row, row);
  return b;
}

FeedFactory repeated_feeds(std::map<std::string, Tensor> sample) {
  return [sample = std::move(sample)](int64_t batch) -> Result<std::map<std::string, Tensor>> {
    if (batch <= 0) return sample;
    std::map<std::string, Tensor> out;
    for (const auto& [name, t] : sample) {
      auto b = repeat_rows(t, batch);
      if (!b.ok()) return b.status().context(fmt::format("input '{}'", name));
      out[name] = std::move(*b);
    }
    return out;
  };
}

void relax_batch(Model& model) {
  for (ValueInfo& v : model.graph.inputs)
    if (!model.graph.initializers.count(v.name) && v.type.shape && !v.type.shape->empty())
      (*v.type.shape)[0] = Dim(std::string("batch"));
  for (ValueInfo& v : model.graph.outputs)
    if (v.type.shape && !v.type.shape->empty()) (*v.type.shape)[0] = Dim(std::string("batch"));
}

}  // namespace sz0
