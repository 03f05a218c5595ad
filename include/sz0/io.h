// Tensor files: NumPy .npy/.npz and ONNX TensorProto .pb; sample datasets in the DATA layout.
#pragma once

#include <sz0/status.h>
#include <sz0/tensor.h>

#include <map>
#include <string>
#include <vector>

namespace sz0 {

// .npy: every dtype of DType. bfloat16 is written with descr '<V2' (NumPy has no bfloat16; a
// reader views it with ml_dtypes) and read back from '<V2'. Fortran order and big-endian
// arrays are read and converted.
Result<Tensor> parse_npy(const std::string& bytes);
std::string serialize_npy(const Tensor& t);
Result<Tensor> read_npy(const std::string& path);

// .npz: a zip of .npy members (stored or deflated); keys are member names without ".npy".
Result<std::map<std::string, Tensor>> read_npz(const std::string& path);
Status write_npz(const std::map<std::string, Tensor>& tensors, const std::string& path);

// A tensor file by extension: .npy or .pb (ONNX TensorProto).
Result<Tensor> read_tensor_file(const std::string& path);
// Writes .npy or .pb by extension, atomically (temporary + rename).
Status write_tensor_file(const Tensor& t, const std::string& path);
// Writes bytes to `path` through a temporary beside it and a rename: never a half-written file.
Status write_file_atomic(const std::string& path, const std::string& bytes);
Result<std::string> read_file_bytes(const std::string& path);

// One sample of a dataset: input name → tensor.
struct Sample {
  std::string id;
  std::map<std::string, Tensor> inputs;
};

// A DATA directory listed once, its samples read one at a time: memory holds one sample
// however many the directory has.
class Dataset {
 public:
  // Lists the samples (sorted by name); fails when there are none.
  static Result<Dataset> open(const std::string& dir, std::vector<std::string> input_names);
  size_t size() const { return entries_.size(); }
  const std::string& dir() const { return dir_; }
  std::string id(size_t i) const;  // the sample's name (its directory or .npz file), as Sample::id
  Result<Sample> read(size_t i) const;

 private:
  std::string dir_;
  std::vector<std::string> entries_;  // sample paths: .npz files or directories
  std::vector<std::string> input_names_;
};

// Reads a DATA directory: one sub-directory per sample holding <input>.npy (or .pb) files,
// or one .npz per sample, or ONNX test-data folders (test_data_set_*/input_K.pb, mapped to
// `input_names` by position). Samples are sorted by name.
Result<std::vector<Sample>> read_dataset(const std::string& dir, const std::vector<std::string>& input_names);

// Class labels of DATA samples, from either form:
//  - one class index per line ('#' comments and blank lines skipped): one per row of the
//    class-score output, over the samples in DATA order; returned as read;
//  - CSV lines "sample,label[,...]" (a header line allowed, as `sz0 zoo data` writes): one label
//    per sample id, returned in the order of `sample_ids`.
Result<std::vector<int64_t>> read_labels(const std::string& path, const std::vector<std::string>& sample_ids);

// File-name-safe form of a tensor name: every character outside [A-Za-z0-9_.-] becomes '_'.
std::string safe_file_name(const std::string& name);

}  // namespace sz0
