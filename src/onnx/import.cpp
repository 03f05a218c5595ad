// ONNX protobuf → IR.
#include <sz0/onnx.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sz0 {

namespace {

namespace fs = std::filesystem;

Result<std::string> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return error("cannot open '{}'", path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

template <class Msg>
bool parse_big(Msg& msg, const std::string& bytes) {
  google::protobuf::io::ArrayInputStream ais(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream cis(&ais);
  cis.SetTotalBytesLimit(INT_MAX);
  return msg.ParseFromCodedStream(&cis) && cis.ConsumedEntireMessage();
}

struct Importer {
  std::string base_dir;

  Result<std::string> external_bytes(const onnx::TensorProto& tp, size_t expected) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto& kv : tp.external_data()) {
      if (kv.key() == "location") location = kv.value();
      else if (kv.key() == "offset") offset = std::stoll(kv.value());
      else if (kv.key() == "length") length = std::stoll(kv.value());
    }
    if (location.empty()) return error("tensor '{}': external data without a location", tp.name());
    const fs::path p = fs::path(location).is_absolute() ? fs::path(location) : fs::path(base_dir) / location;
    std::ifstream f(p, std::ios::binary);
    if (!f) return error("tensor '{}': cannot open external data '{}'", tp.name(), p.string());
    if (length < 0) length = static_cast<int64_t>(expected);
    std::string buf(static_cast<size_t>(length), '\0');
    f.seekg(offset);
    f.read(buf.data(), length);
    if (f.gcount() != length)
      return error("tensor '{}': external data '{}' is shorter than offset {} + length {}", tp.name(), p.string(), offset, length);
    return buf;
  }

  Result<Tensor> tensor(const onnx::TensorProto& tp) {
    if (!dtype_valid(tp.data_type()))
      return error("tensor '{}': unsupported data type {}{}", tp.name(), tp.data_type(),
                   tp.data_type() == onnx::TensorProto::STRING ? " (string)" : "");
    const DType dt = static_cast<DType>(tp.data_type());
    Shape shape(tp.dims().begin(), tp.dims().end());
    size_t n = 1;
    for (int64_t d : shape) {
      if (d < 0) return error("tensor '{}': negative dimension {}", tp.name(), d);
      if (d > 0 && n > (size_t{1} << 46) / static_cast<size_t>(d))
        return error("tensor '{}': shape {} is too large", tp.name(), shape_str(shape));
      n *= static_cast<size_t>(d);
    }
    const size_t bytes = n * dtype_size(dt);
    // Check the data is there before allocating: a corrupt header must not allocate terabytes.
    size_t available = 0;
    if (tp.data_location() == onnx::TensorProto::EXTERNAL) available = bytes;
    else if (tp.has_raw_data()) available = tp.raw_data().size();
    else available = dtype_size(dt) * static_cast<size_t>(std::max({tp.float_data_size(), tp.double_data_size(),
        tp.int64_data_size(), tp.uint64_data_size(), tp.int32_data_size()}));
    if (available != bytes)
      return error("tensor '{}': data does not match shape {} of {}", tp.name(), shape_str(shape), dtype_name(dt));
    Tensor t(dt, shape);
    auto fill_raw = [&](const std::string& raw) -> Status {
      if (raw.size() != bytes)
        return error("tensor '{}': {} bytes of data for shape {} of {} ({} expected)", tp.name(), raw.size(),
                     shape_str(shape), dtype_name(dt), bytes);
      if (bytes) std::memcpy(t.raw(), raw.data(), bytes);
      return {};
    };
    if (tp.data_location() == onnx::TensorProto::EXTERNAL) {
      SZ0_ASSIGN(std::string raw, external_bytes(tp, bytes));
      SZ0_TRY(fill_raw(raw));
      return t;
    }
    if (tp.has_raw_data()) {
      SZ0_TRY(fill_raw(tp.raw_data()));
      return t;
    }
    auto check = [&](size_t got) -> Status {
      if (got != n) return error("tensor '{}': {} values for shape {}", tp.name(), got, shape_str(shape));
      return {};
    };
    switch (dt) {
      case DType::Float:
        SZ0_TRY(check(tp.float_data_size()));
        std::copy(tp.float_data().begin(), tp.float_data().end(), t.data<float>());
        break;
      case DType::Double:
        SZ0_TRY(check(tp.double_data_size()));
        std::copy(tp.double_data().begin(), tp.double_data().end(), t.data<double>());
        break;
      case DType::Int64:
        SZ0_TRY(check(tp.int64_data_size()));
        std::copy(tp.int64_data().begin(), tp.int64_data().end(), t.data<int64_t>());
        break;
      case DType::UInt32:
      case DType::UInt64:
        SZ0_TRY(check(tp.uint64_data_size()));
        for (size_t i = 0; i < n; ++i) {
          if (dt == DType::UInt32) t.data<uint32_t>()[i] = static_cast<uint32_t>(tp.uint64_data(i));
          else t.data<uint64_t>()[i] = tp.uint64_data(i);
        }
        break;
      default:  // int32_data holds int8/16/32, uint8/16, bool, and the bits of float16/bfloat16
        SZ0_TRY(check(tp.int32_data_size()));
        visit_dtype(dt, [&]<class T>() {
          for (size_t i = 0; i < n; ++i) {
            if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>)
              t.data<T>()[i].bits = static_cast<uint16_t>(tp.int32_data(i));
            else
              t.data<T>()[i] = static_cast<T>(tp.int32_data(i));
          }
        });
    }
    return t;
  }

  TypeInfo type(const onnx::TypeProto& tp) {
    TypeInfo t;
    if (!tp.has_tensor_type()) {
      t.opaque_type = tp.SerializeAsString();
      return t;
    }
    const auto& tt = tp.tensor_type();
    t.dtype = static_cast<DType>(tt.elem_type());
    if (tt.has_shape()) {
      std::vector<Dim> dims;
      for (const auto& d : tt.shape().dim()) {
        if (d.has_dim_value()) dims.emplace_back(d.dim_value());
        else if (d.has_dim_param()) dims.emplace_back(Dim(d.dim_param()));
        else dims.emplace_back();
      }
      t.shape = std::move(dims);
    }
    return t;
  }

  ValueInfo value_info(const onnx::ValueInfoProto& vp) {
    ValueInfo v;
    v.name = vp.name();
    v.doc = vp.doc_string();
    if (vp.has_type()) v.type = type(vp.type());
    return v;
  }

  Result<Attribute> attribute(const onnx::AttributeProto& ap) {
    using K = Attribute::Kind;
    Attribute a;
    a.name = ap.name();
    a.doc = ap.doc_string();
    a.ref_attr_name = ap.ref_attr_name();
    switch (ap.type()) {
      case onnx::AttributeProto::FLOAT: a.kind = K::Float; a.f = ap.f(); break;
      case onnx::AttributeProto::INT: a.kind = K::Int; a.i = ap.i(); break;
      case onnx::AttributeProto::STRING: a.kind = K::String; a.s = ap.s(); break;
      case onnx::AttributeProto::TENSOR: {
        a.kind = K::Tensor;
        auto t = tensor(ap.t());
        if (!t.ok()) {  // e.g. a string tensor: keep it, refuse only if a kernel needs it
          a.kind = K::Opaque;
          a.opaque = ap.SerializeAsString();
        } else {
          a.t = std::move(t).value();
        }
        break;
      }
      case onnx::AttributeProto::GRAPH: {
        a.kind = K::Graph;
        SZ0_ASSIGN(Graph g, graph(ap.g()));
        a.g = std::make_shared<Graph>(std::move(g));
        break;
      }
      case onnx::AttributeProto::FLOATS: a.kind = K::Floats; a.floats.assign(ap.floats().begin(), ap.floats().end()); break;
      case onnx::AttributeProto::INTS: a.kind = K::Ints; a.ints.assign(ap.ints().begin(), ap.ints().end()); break;
      case onnx::AttributeProto::STRINGS: a.kind = K::Strings; a.strings.assign(ap.strings().begin(), ap.strings().end()); break;
      case onnx::AttributeProto::TENSORS:
        a.kind = K::Tensors;
        for (const auto& tp : ap.tensors()) {
          SZ0_ASSIGN(Tensor t, tensor(tp));
          a.tensors.push_back(std::move(t));
        }
        break;
      case onnx::AttributeProto::GRAPHS:
        a.kind = K::Graphs;
        for (const auto& gp : ap.graphs()) {
          SZ0_ASSIGN(Graph g, graph(gp));
          a.graphs.push_back(std::make_shared<Graph>(std::move(g)));
        }
        break;
      default:
        a.kind = K::Opaque;
        a.opaque = ap.SerializeAsString();
    }
    return a;
  }

  Result<Graph> graph(const onnx::GraphProto& gp) {
    Graph g;
    g.name = gp.name();
    g.doc = gp.doc_string();
    for (const auto& tp : gp.initializer()) {
      auto t = tensor(tp);
      if (!t.ok()) return t.status().context(fmt::format("graph '{}': initializer", gp.name()));
      g.initializers[tp.name()] = std::move(t).value();
    }
    for (const auto& sp : gp.sparse_initializer()) g.opaque_sparse_initializers.push_back(sp.SerializeAsString());
    for (const auto& v : gp.input()) g.inputs.push_back(value_info(v));
    for (const auto& v : gp.output()) g.outputs.push_back(value_info(v));
    for (const auto& v : gp.value_info()) g.value_info.push_back(value_info(v));
    for (const auto& np : gp.node()) {
      Node n;
      n.name = np.name();
      n.op_type = np.op_type();
      n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
      n.doc = np.doc_string();
      n.inputs.assign(np.input().begin(), np.input().end());
      n.outputs.assign(np.output().begin(), np.output().end());
      for (const auto& ap : np.attribute()) {
        auto a = attribute(ap);
        if (!a.ok()) return a.status().context(n.label());
        n.attributes.push_back(std::move(a).value());
      }
      g.nodes.push_back(std::move(n));
    }
    return g;
  }

  Result<Model> model(const onnx::ModelProto& mp) {
    Model m;
    m.ir_version = mp.ir_version();
    for (const auto& o : mp.opset_import()) m.opsets.push_back({o.domain(), o.version()});
    m.producer_name = mp.producer_name();
    m.producer_version = mp.producer_version();
    m.domain = mp.domain();
    m.model_version = mp.model_version();
    m.doc = mp.doc_string();
    for (const auto& kv : mp.metadata_props()) m.metadata.emplace_back(kv.key(), kv.value());
    for (const auto& f : mp.functions()) m.opaque_functions.push_back(f.SerializeAsString());
    for (const auto& t : mp.training_info()) m.opaque_training_info.push_back(t.SerializeAsString());
    if (!mp.has_graph()) return error("the model has no graph");
    SZ0_ASSIGN(m.graph, graph(mp.graph()));
    return m;
  }
};

}  // namespace

Result<Model> load_model_from_bytes(const std::string& bytes, const std::string& base_dir) {
  onnx::ModelProto mp;
  if (bytes.empty()) return error("empty file");
  if (!parse_big(mp, bytes)) return error("not a valid ONNX model (protobuf parse failed; truncated or another format?)");
  if (!mp.has_graph() || mp.opset_import_size() == 0)
    return error("not a valid ONNX model (no graph or no opset import)");
  Importer imp{base_dir};
  return imp.model(mp);
}

Result<Model> load_model(const std::string& path, const LoadOptions& options) {
  if (fs::is_directory(path)) return error("{}: is a directory, not a model file", path);
  auto bytes = read_file(path);
  if (!bytes.ok()) return bytes.status();
  std::string dir = options.external_data_dir;
  if (dir.empty()) dir = fs::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  auto m = load_model_from_bytes(*bytes, dir);
  if (!m.ok()) return m.status().context(path);
  return m;
}

Result<Tensor> parse_tensor_proto(const std::string& bytes, std::string* name) {
  onnx::TensorProto tp;
  if (!parse_big(tp, bytes)) return error("not a valid ONNX TensorProto");
  if (name) *name = tp.name();
  Importer imp{"."};
  return imp.tensor(tp);
}

}  // namespace sz0
