// IR → ONNX protobuf, with external data for large tensors; files are written atomically.
#include <sz0/onnx.h>

#include <onnx/onnx_pb.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace sz0 {

namespace {

namespace fs = std::filesystem;

constexpr size_t kProtoLimit = size_t{1} << 31;  // protobuf cannot serialize messages past 2 GB

struct Exporter {
  // When set, tensors of at least `threshold` bytes are appended to this file instead.
  std::ofstream* external = nullptr;
  std::string external_name;
  size_t external_offset = 0;
  size_t threshold = 0;

  void tensor(const Tensor& t, const std::string& name, onnx::TensorProto* tp) {
    tp->set_name(name);
    tp->set_data_type(static_cast<int>(t.dtype()));
    for (int64_t d : t.shape()) tp->add_dims(d);
    if (external && t.nbytes() >= threshold) {
      const size_t pad = (64 - external_offset % 64) % 64;  // keep each tensor 64-byte aligned
      static const char zeros[64] = {};
      external->write(zeros, static_cast<std::streamsize>(pad));
      external_offset += pad;
      external->write(static_cast<const char*>(t.raw()), static_cast<std::streamsize>(t.nbytes()));
      tp->set_data_location(onnx::TensorProto::EXTERNAL);
      auto add = [&](const char* k, const std::string& v) {
        auto* e = tp->add_external_data();
        e->set_key(k);
        e->set_value(v);
      };
      add("location", external_name);
      add("offset", std::to_string(external_offset));
      add("length", std::to_string(t.nbytes()));
      external_offset += t.nbytes();
      return;
    }
    tp->set_raw_data(t.raw(), t.nbytes());
  }

  void type(const TypeInfo& t, onnx::TypeProto* tp) {
    if (!t.opaque_type.empty()) {
      tp->ParseFromString(t.opaque_type);
      return;
    }
    auto* tt = tp->mutable_tensor_type();
    tt->set_elem_type(static_cast<int>(t.dtype));
    if (!t.shape) return;
    auto* sh = tt->mutable_shape();
    for (const Dim& d : *t.shape) {
      auto* dp = sh->add_dim();
      if (d.known()) dp->set_dim_value(d.value);
      else if (!d.symbol.empty()) dp->set_dim_param(d.symbol);
    }
  }

  void value_info(const ValueInfo& v, onnx::ValueInfoProto* vp) {
    vp->set_name(v.name);
    if (!v.doc.empty()) vp->set_doc_string(v.doc);
    if (v.type.dtype != DType::Undefined || !v.type.opaque_type.empty()) type(v.type, vp->mutable_type());
  }

  void attribute(const Attribute& a, onnx::AttributeProto* ap) {
    using K = Attribute::Kind;
    if (a.kind == K::Opaque) {
      ap->ParseFromString(a.opaque);
      return;
    }
    ap->set_name(a.name);
    if (!a.doc.empty()) ap->set_doc_string(a.doc);
    if (!a.ref_attr_name.empty()) ap->set_ref_attr_name(a.ref_attr_name);
    switch (a.kind) {
      case K::Float: ap->set_type(onnx::AttributeProto::FLOAT); ap->set_f(a.f); break;
      case K::Int: ap->set_type(onnx::AttributeProto::INT); ap->set_i(a.i); break;
      case K::String: ap->set_type(onnx::AttributeProto::STRING); ap->set_s(a.s); break;
      case K::Tensor: ap->set_type(onnx::AttributeProto::TENSOR); tensor(a.t, "", ap->mutable_t()); break;
      case K::Graph: ap->set_type(onnx::AttributeProto::GRAPH); graph(*a.g, ap->mutable_g()); break;
      case K::Floats:
        ap->set_type(onnx::AttributeProto::FLOATS);
        for (float f : a.floats) ap->add_floats(f);
        break;
      case K::Ints:
        ap->set_type(onnx::AttributeProto::INTS);
        for (int64_t i : a.ints) ap->add_ints(i);
        break;
      case K::Strings:
        ap->set_type(onnx::AttributeProto::STRINGS);
        for (const auto& s : a.strings) ap->add_strings(s);
        break;
      case K::Tensors:
        ap->set_type(onnx::AttributeProto::TENSORS);
        for (const auto& t : a.tensors) tensor(t, "", ap->add_tensors());
        break;
      case K::Graphs:
        ap->set_type(onnx::AttributeProto::GRAPHS);
        for (const auto& g : a.graphs) graph(*g, ap->add_graphs());
        break;
      default: break;
    }
  }

  void graph(const Graph& g, onnx::GraphProto* gp) {
    gp->set_name(g.name);
    if (!g.doc.empty()) gp->set_doc_string(g.doc);
    for (const Node& n : g.nodes) {
      auto* np = gp->add_node();
      np->set_name(n.name);
      np->set_op_type(n.op_type);
      if (!n.domain.empty()) np->set_domain(n.domain);
      if (!n.doc.empty()) np->set_doc_string(n.doc);
      for (const auto& i : n.inputs) np->add_input(i);
      for (const auto& o : n.outputs) np->add_output(o);
      for (const Attribute& a : n.attributes) attribute(a, np->add_attribute());
    }
    for (auto& [name, t] : g.initializers) tensor(t, name, gp->add_initializer());
    for (const auto& s : g.opaque_sparse_initializers) gp->add_sparse_initializer()->ParseFromString(s);
    for (const auto& v : g.inputs) value_info(v, gp->add_input());
    for (const auto& v : g.outputs) value_info(v, gp->add_output());
    for (const auto& v : g.value_info) value_info(v, gp->add_value_info());
  }

  void model(const Model& m, onnx::ModelProto* mp) {
    mp->set_ir_version(m.ir_version);
    for (const auto& o : m.opsets) {
      auto* op = mp->add_opset_import();
      op->set_domain(o.domain);
      op->set_version(o.version);
    }
    if (!m.producer_name.empty()) mp->set_producer_name(m.producer_name);
    if (!m.producer_version.empty()) mp->set_producer_version(m.producer_version);
    if (!m.domain.empty()) mp->set_domain(m.domain);
    if (m.model_version) mp->set_model_version(m.model_version);
    if (!m.doc.empty()) mp->set_doc_string(m.doc);
    for (const auto& [k, v] : m.metadata) {
      auto* kv = mp->add_metadata_props();
      kv->set_key(k);
      kv->set_value(v);
    }
    for (const auto& f : m.opaque_functions) mp->add_functions()->ParseFromString(f);
    for (const auto& t : m.opaque_training_info) mp->add_training_info()->ParseFromString(t);
    graph(m.graph, mp->mutable_graph());
  }
};

size_t tensor_bytes(const Graph& g) {
  size_t n = 0;
  for (auto& [name, t] : g.initializers) n += t.nbytes();
  for (const Node& node : g.nodes)
    for (const Attribute& a : node.attributes) {
      n += a.t.nbytes();
      if (a.g) n += tensor_bytes(*a.g);
      for (auto& sg : a.graphs) n += tensor_bytes(*sg);
    }
  return n;
}

std::string temp_beside(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

}  // namespace

Status save_model(const Model& m, const std::string& path, const SaveOptions& options) {
  const fs::path target(path);
  const bool external = options.force_external_data || tensor_bytes(m.graph) + (64u << 20) >= kProtoLimit;
  const std::string data_name = target.filename().string() + ".data";
  const std::string data_tmp = temp_beside((target.parent_path() / data_name).string());
  std::ofstream data_file;
  Exporter ex;
  if (external) {
    data_file.open(data_tmp, std::ios::binary | std::ios::trunc);
    if (!data_file) return error("cannot write '{}'", data_tmp);
    ex.external = &data_file;
    ex.external_name = data_name;
    ex.threshold = options.external_threshold_bytes;
  }
  onnx::ModelProto mp;
  ex.model(m, &mp);
  if (external) {
    data_file.close();
    if (!data_file) {
      std::remove(data_tmp.c_str());
      return error("cannot write '{}'", data_tmp);
    }
  }
  const std::string tmp = temp_beside(path);
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) {
      if (external) std::remove(data_tmp.c_str());
      return error("cannot write '{}'", path);
    }
    if (!mp.SerializeToOstream(&f) || !(f.flush())) {
      f.close();
      std::remove(tmp.c_str());
      if (external) std::remove(data_tmp.c_str());
      return error("cannot write '{}' (disk full, or the model passes 2 GB without external data)", path);
    }
  }
  std::error_code ec;
  if (external) fs::rename(data_tmp, target.parent_path() / data_name, ec);
  if (!ec) fs::rename(tmp, target, ec);
  if (ec) {
    std::remove(tmp.c_str());
    std::remove(data_tmp.c_str());
    return error("cannot write '{}': {}", path, ec.message());
  }
  return {};
}

Result<std::string> serialize_tensor_proto(const Tensor& t, const std::string& name) {
  onnx::TensorProto tp;
  Exporter ex;
  ex.tensor(t, name, &tp);
  return tp.SerializeAsString();
}

}  // namespace sz0
