// Channel removal: every weight, constant, attribute and shape constant that a channel analysis
// (channels.cpp) found on the removed channels' way is sliced; stale shapes are dropped.
#include "prune/channel_plan.h"

#include "passes/pass.h"

#include <cstring>
#include <numeric>

namespace sz0::prune {

namespace {

using Layout = ChannelPlan::Layout;

// Kept positions along a layout's axis, ascending; `kept` gives a raw group's kept channels
// (nullptr: all of them).
template <class Kept>
std::vector<int64_t> kept_positions(const Layout& l, const Kept& kept) {
  std::vector<int64_t> out;
  int64_t offset = 0;
  for (const auto& s : l.segs) {
    const std::vector<int64_t>* k = s.group >= 0 ? kept(s.group) : nullptr;
    for (int64_t i = 0; i < (k ? static_cast<int64_t>(k->size()) : s.count); ++i) {
      const int64_t c = offset + (k ? (*k)[static_cast<size_t>(i)] : i);
      for (int64_t j = 0; j < l.span; ++j) out.push_back(c * l.span + j);
    }
    offset += s.count;
  }
  return out;
}

std::vector<int64_t> expand(const std::vector<int64_t>& idx, int64_t width) {
  std::vector<int64_t> out;
  out.reserve(idx.size() * static_cast<size_t>(width));
  for (int64_t i : idx)
    for (int64_t j = 0; j < width; ++j) out.push_back(i * width + j);
  return out;
}

std::vector<int64_t> all_of(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

// `t` keeping only indices `keep` along `axis` (any dtype with a fixed element size).
Tensor slice_axis(const Tensor& t, int axis, const std::vector<int64_t>& keep) {
  Shape s = t.shape();
  const size_t es = dtype_size(t.dtype());
  const int64_t outer = shape_numel(std::span(s).first(static_cast<size_t>(axis)));
  const int64_t n = s[static_cast<size_t>(axis)];
  const size_t block = static_cast<size_t>(shape_numel(std::span(s).subspan(static_cast<size_t>(axis) + 1))) * es;
  s[static_cast<size_t>(axis)] = static_cast<int64_t>(keep.size());
  Tensor out(t.dtype(), s);
  const auto* src = static_cast<const char*>(t.raw());
  auto* dst = static_cast<char*>(out.raw());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k : keep) {
      std::memcpy(dst, src + (static_cast<size_t>(o * n + k)) * block, block);
      dst += block;
    }
  return out;
}

class Remover {
 public:
  explicit Remover(Model& m) : g_(m.graph), names_(m) {
    for (const Node& n : g_.nodes) {
      for (const std::string& in : n.inputs)
        if (!in.empty()) ++readers_[in];
      for (const std::string& in : subgraph_reads(n)) ++readers_[in];
    }
    for (const ValueInfo& o : g_.outputs) ++readers_[o.name];
  }

  void set_initializer(const std::string& name, Tensor t) {
    if (ValueInfo* in = find_input(name)) in->type = TypeInfo::of(t);
    g_.initializers[name] = std::move(t);
  }

  // Node input `input` becomes `t`: in place when nothing else reads the constant, otherwise
  // through a new initializer of its own.
  void replace_input(size_t node, size_t input, Tensor t) {
    std::string& name = g_.nodes[node].inputs[input];
    if (readers_[name] == 1 && g_.initializers.count(name)) {
      set_initializer(name, std::move(t));
      return;
    }
    const std::string fresh = names_.fresh(name + ".pruned");
    if (--readers_[name] == 0) orphans_.insert(name);
    g_.initializers[fresh] = std::move(t);
    readers_[fresh] = 1;
    name = fresh;
  }

  // Drops constants that lost their last reader (initializers, Constant nodes).
  void drop_orphans() {
    for (const std::string& name : orphans_)
      if (!find_input(name)) g_.initializers.erase(name);
    std::erase_if(g_.nodes, [&](const Node& n) {
      return n.op_type == "Constant" && n.domain.empty() && n.outputs.size() == 1 && orphans_.count(n.outputs[0]);
    });
    std::set<std::string> gone = orphans_;
    for (const auto& [name, t] : g_.initializers) gone.erase(name);
    for (const Node& n : g_.nodes)
      for (const std::string& o : n.outputs) gone.erase(o);
    std::erase_if(g_.value_info, [&](const ValueInfo& v) { return gone.count(v.name) > 0; });
  }

 private:
  ValueInfo* find_input(const std::string& name) {
    for (ValueInfo& v : g_.inputs)
      if (v.name == name) return &v;
    return nullptr;
  }

  Graph& g_;
  passes::NameGen names_;
  std::map<std::string, int> readers_;
  std::set<std::string> orphans_;
};

// The weight with only `rows` and `cols` of its matrix view.
Tensor shrink_weight(const Tensor& t, const WeightRef& w, const std::vector<int64_t>& rows,
                     const std::vector<int64_t>& cols) {
  Shape s = t.shape();
  WeightRef nw = w;
  nw.rows = static_cast<int64_t>(rows.size());
  nw.cols = static_cast<int64_t>(cols.size());
  if (w.directions > 0) {
    s = {w.directions, nw.rows / w.directions, nw.cols};
  } else if (s.size() >= 3) {
    s[0] = nw.rows;
    s[1] = nw.cols / w.kernel;
  } else {
    s = w.transposed ? Shape{nw.cols, nw.rows} : Shape{nw.rows, nw.cols};
  }
  Tensor out(DType::Float, s);
  const float* src = t.data<float>();
  float* dst = out.data<float>();
  for (int64_t r = 0; r < nw.rows; ++r)
    for (int64_t c = 0; c < nw.cols; ++c)
      dst[nw.index(r, c)] = src[w.index(rows[static_cast<size_t>(r)], cols[static_cast<size_t>(c)])];
  return out;
}

}  // namespace

Result<ChannelRemoval> remove_channels(Model& model, const ChannelAnalysis& a,
                                       const std::map<size_t, std::vector<int64_t>>& keep) {
  if (!a.plan) return error("remove_channels: the analysis holds no plan (make it with analyze_channels)");
  const ChannelPlan& p = *a.plan;
  Graph& g = model.graph;
  bool same = g.nodes.size() == p.node_ops.size();
  for (size_t i = 0; same && i < g.nodes.size(); ++i) same = g.nodes[i].op_type + "/" + g.nodes[i].name == p.node_ops[i];
  if (!same) return error("remove_channels: the model is not the one the channel analysis was made on");
  for (const auto& [gi, k] : keep) {
    if (gi >= a.groups.size()) return error("remove_channels: no channel group {} ({} groups)", gi, a.groups.size());
    const ChannelGroup& grp = a.groups[gi];
    const std::string who = fmt::format("channel group {} (producer '{}')", gi, grp.producers.front());
    if (!grp.blocked.empty()) return error("remove_channels: {} cannot be pruned: {}", who, grp.blocked);
    if (k.empty()) return error("remove_channels: {} would keep no channel", who);
    for (size_t i = 0; i < k.size(); ++i)
      if (k[i] < 0 || k[i] >= grp.channels || (i > 0 && k[i] <= k[i - 1]))
        return error("remove_channels: {}: kept channels must be ascending and within 0..{}", who, grp.channels - 1);
  }
  auto kept = [&](int raw) -> const std::vector<int64_t>* {
    auto it = keep.find(p.final_group[static_cast<size_t>(raw)]);
    return it == keep.end() ? nullptr : &it->second;
  };
  // Everything is checked before anything changes: a refusal leaves the model as it was.
  auto stale = [&](size_t node) {
    return error("remove_channels: {}: its parameters no longer match the channel analysis", g.nodes[node].label());
  };
  for (const ChannelPlan::WeightEdit& e : p.weights) {
    auto w = weight_ref(model, e.node, e.input);
    const int64_t rows = e.rows ? e.rows->positions() : a.groups[p.final_group[static_cast<size_t>(e.rows_group)]].channels;
    if (!w || w->rows != rows || (e.cols && e.cols->positions() * w->kernel != w->cols)) return stale(e.node);
  }
  for (const ChannelPlan::DepthwiseEdit& e : p.depthwise) {
    auto w = weight_ref(model, e.node, 1);
    if (!w || w->rows != e.in.positions() * e.mult) return stale(e.node);
  }
  for (const ChannelPlan::ConstEdit& e : p.consts)
    if (e.value.dim(e.axis) != e.layout.positions() || dtype_size(e.value.dtype()) == 0) return stale(e.node);

  ChannelRemoval removal;
  Remover rm(model);
  for (const ChannelPlan::WeightEdit& e : p.weights) {
    auto w = weight_ref(model, e.node, e.input);
    const std::vector<int64_t>* rk = kept(e.rows_group);
    std::vector<int64_t> rows = e.rows ? kept_positions(*e.rows, kept) : rk ? *rk : all_of(w->rows);
    std::vector<int64_t> cols = e.cols ? expand(kept_positions(*e.cols, kept), w->kernel) : all_of(w->cols);
    if (static_cast<int64_t>(rows.size()) == w->rows && static_cast<int64_t>(cols.size()) == w->cols) continue;
    rm.set_initializer(w->name, shrink_weight(g.initializers.at(w->name), *w, rows, cols));
    removal.weights[w->name] = {std::move(rows), std::move(cols)};
  }
  for (const ChannelPlan::DepthwiseEdit& e : p.depthwise) {
    auto w = weight_ref(model, e.node, 1);
    const std::vector<int64_t> in = kept_positions(e.in, kept);
    if (static_cast<int64_t>(in.size()) == e.in.positions()) continue;
    std::vector<int64_t> rows = expand(in, e.mult), cols = all_of(w->cols);
    rm.set_initializer(w->name, shrink_weight(g.initializers.at(w->name), *w, rows, cols));
    removal.weights[w->name] = {std::move(rows), std::move(cols)};
    g.nodes[e.node].set_attr(passes::make_attr_int("group", static_cast<int64_t>(in.size())));
  }
  for (const ChannelPlan::ConstEdit& e : p.consts) {
    const std::vector<int64_t> pos = kept_positions(e.layout, kept);
    if (static_cast<int64_t>(pos.size()) == e.layout.positions()) continue;
    rm.replace_input(e.node, e.input, slice_axis(e.value, e.axis, pos));
  }
  for (const ChannelPlan::AttrEdit& e : p.attrs)
    if (const std::vector<int64_t>* k = kept(e.group))
      g.nodes[e.node].set_attr(passes::make_attr_int(e.name, static_cast<int64_t>(k->size())));
  for (const ChannelPlan::ReshapeEdit& e : p.reshapes) {
    const std::vector<int64_t> pos = kept_positions(e.in, kept);
    if (static_cast<int64_t>(pos.size()) == e.in.positions()) continue;
    std::vector<int64_t> s = e.value.to_int64();
    s[e.pos] = s[e.pos] / e.in.positions() * static_cast<int64_t>(pos.size());
    rm.replace_input(e.node, 1, Tensor::from_vector(s, e.value.shape()));
  }
  for (const auto& [name, l] : p.tensors) {
    std::vector<int64_t> pos = kept_positions(l, kept);
    if (static_cast<int64_t>(pos.size()) == l.positions()) continue;
    std::erase_if(g.value_info, [&](const ValueInfo& v) { return v.name == name; });
    removal.kept_channels[name] = std::move(pos);
  }
  rm.drop_orphans();
  return removal;
}

}  // namespace sz0::prune
