// .npz (zip of .npy members) reading and writing, and DATA directories of samples.
#include <sz0/io.h>

#include <zlib.h>

#include <algorithm>
#include <filesystem>

namespace sz0 {

namespace fs = std::filesystem;

namespace {

uint32_t u32(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(b[at + i])) << (8 * i);
  return v;
}
uint16_t u16(const std::string& b, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(b[at]) | (static_cast<unsigned char>(b[at + 1]) << 8));
}
void put16(std::string& b, uint16_t v) {
  b += static_cast<char>(v & 0xff);
  b += static_cast<char>(v >> 8);
}
void put32(std::string& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b += static_cast<char>((v >> (8 * i)) & 0xff);
}

Result<std::string> inflate_raw(const char* data, size_t size, size_t out_size) {
  std::string out(out_size, '\0');
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return error("zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  zs.avail_in = static_cast<uInt>(size);
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out_size);
  const int rc = inflate(&zs, Z_FINISH);
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return error("corrupt deflate data");
  return out;
}

}  // namespace

Result<std::map<std::string, Tensor>> read_npz(const std::string& path) {
  SZ0_ASSIGN(std::string b, read_file_bytes(path));
  // End of central directory: last record with signature 0x06054b50.
  if (b.size() < 22) return error("{}: not a .npz (zip) file", path);
  size_t eocd = std::string::npos;
  for (size_t i = b.size() - 22 + 1; i-- > 0 && b.size() - i <= 22 + 65535;)
    if (u32(b, i) == 0x06054b50u) {
      eocd = i;
      break;
    }
  if (eocd == std::string::npos) return error("{}: not a .npz (zip) file", path);
  const size_t count = u16(b, eocd + 10);
  size_t at = u32(b, eocd + 16);
  std::map<std::string, Tensor> out;
  for (size_t e = 0; e < count; ++e) {
    if (at + 46 > b.size() || u32(b, at) != 0x02014b50u) return error("{}: corrupt zip directory", path);
    const uint16_t method = u16(b, at + 10);
    const uint32_t csize = u32(b, at + 20), usize = u32(b, at + 24);
    const uint16_t nlen = u16(b, at + 28), xlen = u16(b, at + 30), clen = u16(b, at + 32);
    const uint32_t local = u32(b, at + 42);
    if (at + 46 + nlen > b.size()) return error("{}: corrupt zip directory", path);
    std::string name = b.substr(at + 46, nlen);
    at += 46 + nlen + xlen + clen;
    if (csize == 0xffffffffu || usize == 0xffffffffu || local == 0xffffffffu)
      return error("{}: member '{}' needs zip64, which is not supported", path, name);
    if (local + 30 > b.size() || u32(b, local) != 0x04034b50u) return error("{}: corrupt zip member '{}'", path, name);
    const size_t data_at = local + 30 + u16(b, local + 26) + u16(b, local + 28);
    if (data_at + csize > b.size()) return error("{}: member '{}' is truncated", path, name);
    std::string bytes;
    if (method == 0) {
      bytes = b.substr(data_at, csize);
    } else if (method == 8) {
      auto r = inflate_raw(b.data() + data_at, csize, usize);
      if (!r.ok()) return r.status().context(path + ": " + name);
      bytes = std::move(r).value();
    } else {
      return error("{}: member '{}' uses zip method {}, not supported", path, name, method);
    }
    auto t = parse_npy(bytes);
    if (!t.ok()) return t.status().context(path + ": " + name);
    if (name.size() > 4 && name.substr(name.size() - 4) == ".npy") name.resize(name.size() - 4);
    out[name] = std::move(t).value();
  }
  return out;
}

Status write_npz(const std::map<std::string, Tensor>& tensors, const std::string& path) {
  std::string zip, dir;
  uint16_t n = 0;
  for (auto& [key, t] : tensors) {
    const std::string name = key + ".npy";
    const std::string data = serialize_npy(t);
    if (data.size() >= 0xffffffffu) return error("{}: member '{}' needs zip64, which is not supported", path, name);
    const uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    const uint32_t offset = static_cast<uint32_t>(zip.size());
    auto header = [&](std::string& out, bool central) {
      put32(out, central ? 0x02014b50u : 0x04034b50u);
      if (central) put16(out, 20);
      put16(out, 20);  // version needed
      put16(out, 0);   // flags
      put16(out, 0);   // stored
      put16(out, 0);   // time
      put16(out, 0x21);  // date 1980-01-01
      put32(out, crc);
      put32(out, static_cast<uint32_t>(data.size()));
      put32(out, static_cast<uint32_t>(data.size()));
      put16(out, static_cast<uint16_t>(name.size()));
      put16(out, 0);
      if (central) {
        put16(out, 0);
        put16(out, 0);
        put16(out, 0);
        put32(out, 0);
        put32(out, offset);
      }
      out += name;
    };
    header(zip, false);
    zip += data;
    header(dir, true);
    ++n;
  }
  const uint32_t dir_at = static_cast<uint32_t>(zip.size());
  zip += dir;
  put32(zip, 0x06054b50u);
  put16(zip, 0);
  put16(zip, 0);
  put16(zip, n);
  put16(zip, n);
  put32(zip, static_cast<uint32_t>(dir.size()));
  put32(zip, dir_at);
  put16(zip, 0);
  return write_file_atomic(path, zip);
}

Result<Dataset> Dataset::open(const std::string& dir, std::vector<std::string> input_names) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return error("{}: data directory not found", dir);
  Dataset d;
  d.dir_ = dir;
  d.input_names_ = std::move(input_names);
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const fs::path& p = e.path();
    // Labels files, and directories without tensors (notes, checkpoints), live beside the samples.
    if (fs::is_regular_file(p, ec) && p.extension() == ".npz") {
      d.entries_.push_back(p.string());
    } else if (fs::is_directory(p, ec)) {
      bool tensors = false;
      for (const auto& f : fs::directory_iterator(p, ec))
        if (f.path().extension() == ".npy" || f.path().extension() == ".pb") {
          tensors = true;
          break;
        }
      if (tensors) d.entries_.push_back(p.string());
    }
  }
  if (ec) return error("{}: {}", dir, ec.message());
  std::sort(d.entries_.begin(), d.entries_.end());
  if (d.entries_.empty())
    return error("{}: no samples (expected sub-directories of .npy files, .npz files or test_data_set_*)", dir);
  return d;
}

std::string Dataset::id(size_t i) const { return i < entries_.size() ? fs::path(entries_[i]).filename().string() : std::string(); }

Result<Sample> Dataset::read(size_t i) const {
  if (i >= entries_.size()) return error("{}: sample {} of {}", dir_, i, entries_.size());
  const fs::path p(entries_[i]);
  Sample s;
  s.id = id(i);
  if (p.extension() == ".npz") {
    SZ0_ASSIGN(s.inputs, read_npz(p.string()));
  } else {
    const bool onnx_set = s.id.rfind("test_data_set_", 0) == 0;
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(p, ec)) files.push_back(f.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      const std::string stem = f.stem().string();
      if (onnx_set) {
        if (stem.rfind("input_", 0) != 0 || f.extension() != ".pb") continue;
        const std::string digits = stem.substr(6);
        if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos)
          return error("{}: expected input_<number>.pb", f.string());
        const size_t k = std::stoul(digits);
        if (k >= input_names_.size()) return error("{}: the model has only {} inputs", f.string(), input_names_.size());
        SZ0_ASSIGN(s.inputs[input_names_[k]], read_tensor_file(f.string()));
      } else if (f.extension() == ".npy" || f.extension() == ".pb") {
        SZ0_ASSIGN(s.inputs[stem], read_tensor_file(f.string()));
      }
    }
  }
  if (s.inputs.empty()) return error("{}: sample holds no .npy or .pb tensors", p.string());
  return s;
}

Result<std::vector<Sample>> read_dataset(const std::string& dir, const std::vector<std::string>& input_names) {
  SZ0_ASSIGN(Dataset d, Dataset::open(dir, input_names));
  std::vector<Sample> samples;
  for (size_t i = 0; i < d.size(); ++i) {
    SZ0_ASSIGN(Sample s, d.read(i));
    samples.push_back(std::move(s));
  }
  return samples;
}

}  // namespace sz0
