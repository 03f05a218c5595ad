// Class labels for DATA samples: a plain list of indices, or CSV keyed by sample id.
#include <sz0/io.h>

#include <cstdlib>

namespace sz0 {

namespace {

bool parse_index(const std::string& field, int64_t& v) {
  char* stop = nullptr;
  const long long x = std::strtoll(field.c_str(), &stop, 10);
  v = x;
  return stop != field.c_str() && *stop == '\0' && x >= 0;
}

}  // namespace

Result<std::vector<int64_t>> read_labels(const std::string& path, const std::vector<std::string>& sample_ids) {
  SZ0_ASSIGN(std::string text, read_file_bytes(path));
  std::vector<int64_t> labels;
  std::map<std::string, int64_t> by_id;
  bool csv = false;
  size_t pos = 0;
  int line_no = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
    line.erase(0, line.find_first_not_of(" \t\r"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (line.empty()) continue;
    int64_t v = 0;
    if (const size_t comma = line.find(','); comma != std::string::npos) {
      csv = true;
      const size_t next = line.find(',', comma + 1);
      const std::string id = line.substr(0, comma);
      const std::string field = line.substr(comma + 1, next == std::string::npos ? std::string::npos : next - comma - 1);
      if (!parse_index(field, v)) {
        if (by_id.empty()) continue;  // a header line
        return error("{}:{}: expected a class index in the second column, got '{}'", path, line_no, field);
      }
      by_id[id] = v;
      continue;
    }
    if (!parse_index(line, v)) return error("{}:{}: expected a class index, got '{}'", path, line_no, line);
    labels.push_back(v);
  }
  if (csv) {
    for (const std::string& id : sample_ids) {
      auto it = by_id.find(id);
      if (it == by_id.end()) return error("{}: no label for sample '{}'", path, id);
      labels.push_back(it->second);
    }
  }
  if (labels.empty()) return error("{}: no labels", path);
  return labels;
}

}  // namespace sz0
