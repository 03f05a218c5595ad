// NumPy .npy reading and writing.
#include <sz0/io.h>
#include <sz0/onnx.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace sz0 {

namespace {

struct Descr {
  DType dtype;
  const char* code;  // without the byte-order character
};
constexpr Descr kDescrs[] = {
    {DType::Float, "f4"},  {DType::Double, "f8"}, {DType::Float16, "f2"}, {DType::BFloat16, "V2"},
    {DType::Int8, "i1"},   {DType::Int16, "i2"},  {DType::Int32, "i4"},   {DType::Int64, "i8"},
    {DType::UInt8, "u1"},  {DType::UInt16, "u2"}, {DType::UInt32, "u4"},  {DType::UInt64, "u8"},
    {DType::Bool, "b1"},
};

// Value of `key` in the header dict, as raw text up to the next top-level comma or brace.
std::string header_field(const std::string& h, const std::string& key) {
  auto k = h.find("'" + key + "'");
  if (k == std::string::npos) return {};
  auto colon = h.find(':', k);
  if (colon == std::string::npos) return {};
  size_t i = colon + 1, depth = 0;
  std::string v;
  for (; i < h.size(); ++i) {
    const char c = h[i];
    if (c == '(') ++depth;
    if (c == ')') {
      if (depth == 0) break;
      --depth;
      v += c;
      continue;
    }
    if (depth == 0 && (c == ',' || c == '}')) break;
    v += c;
  }
  v.erase(0, v.find_first_not_of(" \t"));
  v.erase(v.find_last_not_of(" \t") + 1);
  return v;
}

}  // namespace

Result<Tensor> parse_npy(const std::string& b) {
  if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY", 6) != 0) return error("not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(b[6]);
  size_t hlen, hstart;
  if (major == 1) {
    hlen = static_cast<unsigned char>(b[8]) | (static_cast<size_t>(static_cast<unsigned char>(b[9])) << 8);
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) return error("truncated .npy header");
    hlen = 0;
    for (int i = 0; i < 4; ++i) hlen |= static_cast<size_t>(static_cast<unsigned char>(b[8 + i])) << (8 * i);
    hstart = 12;
  } else {
    return error("unsupported .npy version {}", major);
  }
  if (hstart + hlen > b.size()) return error("truncated .npy header");
  const std::string h = b.substr(hstart, hlen);
  std::string descr = header_field(h, "descr");
  const std::string fortran = header_field(h, "fortran_order");
  std::string shape_s = header_field(h, "shape");
  if (descr.size() < 4 || shape_s.empty()) return error("malformed .npy header: {}", h);
  descr = descr.substr(1, descr.size() - 2);  // strip quotes
  const char order = descr[0];
  const std::string code = descr.substr(1);
  DType dt = DType::Undefined;
  for (const Descr& d : kDescrs)
    if (code == d.code) dt = d.dtype;
  if (code == "?") dt = DType::Bool;
  if (dt == DType::Undefined) return error(".npy dtype '{}' is not supported", descr);
  Shape shape;
  std::string num;
  for (char c : shape_s + ",") {
    if (std::isdigit(static_cast<unsigned char>(c))) num += c;
    else if (c == ',' && !num.empty()) {
      shape.push_back(std::stoll(num));
      num.clear();
    }
  }
  size_t n = 1;
  for (int64_t d : shape) {
    if (d > 0 && n > (size_t{1} << 46) / static_cast<size_t>(d)) return error(".npy shape too large");
    n *= static_cast<size_t>(d);
  }
  const size_t esize = dtype_size(dt);
  const size_t data_at = hstart + hlen;
  if (b.size() - data_at < n * esize)
    return error(".npy data truncated: {} bytes for shape {} of {}", b.size() - data_at, shape_str(shape), dtype_name(dt));
  Tensor t(dt, shape);
  std::memcpy(t.raw(), b.data() + data_at, n * esize);
  if (order == '>' && esize > 1) {
    auto* p = static_cast<unsigned char*>(t.raw());
    for (size_t i = 0; i < n; ++i) std::reverse(p + i * esize, p + (i + 1) * esize);
  }
  if (fortran == "True" && shape.size() > 1) {
    // Column-major: element (i0..ik) sits at sum(i_j * prod(d_0..d_{j-1})).
    Tensor c(dt, shape);
    const Shape rs = shape_strides(shape);
    std::vector<int64_t> fs(shape.size());
    int64_t acc = 1;
    for (size_t j = 0; j < shape.size(); ++j) {
      fs[j] = acc;
      acc *= shape[j];
    }
    const auto* src = static_cast<const unsigned char*>(t.raw());
    auto* dst = static_cast<unsigned char*>(c.raw());
    for (size_t i = 0; i < n; ++i) {
      int64_t rem = static_cast<int64_t>(i), off = 0;
      for (size_t j = 0; j < shape.size(); ++j) {
        off += (rem / rs[j]) * fs[j];
        rem %= rs[j];
      }
      std::memcpy(dst + i * esize, src + off * esize, esize);
    }
    t = c;
  }
  return t;
}

std::string serialize_npy(const Tensor& t) {
  std::string code;
  for (const Descr& d : kDescrs)
    if (d.dtype == t.dtype()) code = d.code;
  const char order = dtype_size(t.dtype()) == 1 ? '|' : '<';
  std::string shape = "(";
  for (size_t i = 0; i < t.shape().size(); ++i) shape += (i ? ", " : "") + std::to_string(t.shape()[i]);
  if (t.shape().size() == 1) shape += ",";
  shape += ")";
  std::string h = fmt::format("{{'descr': '{}{}', 'fortran_order': False, 'shape': {}, }}", order, code, shape);
  const size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>((h.size() >> 8) & 0xff);
  out += h;
  out.append(static_cast<const char*>(t.raw()), t.nbytes());
  return out;
}

Result<std::string> read_file_bytes(const std::string& path) {
  if (std::filesystem::is_directory(path)) return error("{}: is a directory", path);
  std::ifstream f(path, std::ios::binary);
  if (!f) return error("{}: cannot open", path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Result<Tensor> read_npy(const std::string& path) {
  SZ0_ASSIGN(std::string b, read_file_bytes(path));
  auto t = parse_npy(b);
  if (!t.ok()) return t.status().context(path);
  return t;
}

Result<Tensor> read_tensor_file(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".npy") return read_npy(path);
  if (ext == ".pb") {
    SZ0_ASSIGN(std::string b, read_file_bytes(path));
    auto t = parse_tensor_proto(b);
    if (!t.ok()) return t.status().context(path);
    return t;
  }
  return error("{}: unknown tensor file type (expected .npy or .pb)", path);
}

Status write_file_atomic(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return error("{}: cannot write", path);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.flush();
    if (!f) {
      f.close();
      std::remove(tmp.c_str());
      return error("{}: write failed (disk full?)", path);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return error("{}: cannot write: {}", path, ec.message());
  }
  return {};
}

Status write_tensor_file(const Tensor& t, const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".pb") {
    SZ0_ASSIGN(std::string b, serialize_tensor_proto(t, std::filesystem::path(path).stem().string()));
    return write_file_atomic(path, b);
  }
  return write_file_atomic(path, serialize_npy(t));
}

std::string safe_file_name(const std::string& name) {
  std::string s = name;
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) c = '_';
  return s;
}

}  // namespace sz0
