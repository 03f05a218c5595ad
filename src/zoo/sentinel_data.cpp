// Synthetic file-system event windows for the sentinel-gru detector: benign activity and three
// attack kinds (ransomware, exfiltration, wiper), 32 features per event. The feature layout and
// the behaviours are documented in docs/sentinel-data.md; keep the two in step.
#include <sz0/io.h>
#include <sz0/zoo_data.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace sz0::zoo {
namespace {

namespace fs = std::filesystem;

// ---- Feature layout (docs/sentinel-data.md) ----
enum class Op : int { Open = 0, Read, Write, Create, Rename, Delete, Chmod, Close };
enum class Ext : int { Document = 0, Image, Executable, Archive, Encrypted, Other };
constexpr int kFeatOp = 0;           // 0..7 operation one-hot
constexpr int kFeatDepth = 8;        // path depth / 16, capped at 1
constexpr int kFeatExt = 9;          // 9..14 extension class one-hot
constexpr int kFeatBytes = 15;       // log2(1 + bytes transferred) / 32
constexpr int kFeatEntropy = 16;     // entropy of written data in bits / 8
constexpr int kFeatInterval = 17;    // log10(1 + microseconds since previous event) / 8
constexpr int kFeatExtChanged = 18;  // a rename that changes the extension class
constexpr int kFeatDestroys = 19;    // delete, or a write that overwrites existing content
constexpr int kFeatProcess = 20;     // 20..27 process id hash bucket one-hot
constexpr int kFeatFirstTouch = 28;  // first event on this file in the window
constexpr int kFeatSameFile = 29;    // same file as the previous event
constexpr int kFeatUserArea = 30;    // path under a user's home
constexpr int kFeatRemote = 31;      // path on a network share or removable drive
constexpr int kProcessBuckets = 8;
static_assert(kFeatProcess + kProcessBuckets + 4 == kSentinelFeatures);

constexpr double kKiB = 1024.0;
constexpr double kMiB = 1024.0 * 1024.0;

// xoshiro256** seeded through splitmix64; all distributions are derived here, so a seed gives
// the same stream with every standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& w : s_) w = splitmix(seed);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Inclusive range.
  int integer(int lo, int hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool chance(double p) { return uniform() < p; }
  double normal() {  // Box-Muller, one value per call
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double log_uniform(double lo, double hi) { return std::exp(uniform(std::log(lo), std::log(hi))); }
  double lognormal(double median, double sigma) { return median * std::exp(sigma * normal()); }
  // Index drawn with the given (unnormalised) weights.
  int weighted(std::initializer_list<double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = uniform() * total;
    int i = 0;
    for (double w : weights) {
      if (x < w) return i;
      x -= w;
      ++i;
    }
    return i - 1;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
};

struct File {
  Ext ext;
  int depth;
  double size;  // bytes
  bool user;
  bool remote;
};

struct Event {
  Op op;
  int file;
  Ext ext;  // the file's extension class when the event happened (after it, for a rename)
  double dt_us;
  int process;
  double bytes;
  double entropy;
  bool ext_changed;
  bool destroys;
};

// One window under construction: the files it touches and its events in order.
struct Window {
  std::vector<File> files;
  std::vector<Event> events;

  int add_file(Ext ext, int depth, double size, bool user, bool remote) {
    files.push_back({ext, depth, size, user, remote});
    return static_cast<int>(files.size()) - 1;
  }
  void emit(Op op, int file, double dt_us, int process, double bytes = 0, double entropy = 0,
            bool ext_changed = false, bool destroys = false) {
    events.push_back({op, file, files[file].ext, dt_us, process, bytes, entropy, ext_changed, destroys});
  }
  int size() const { return static_cast<int>(events.size()); }
};

double file_size(Rng& rng, Ext ext) {
  switch (ext) {
    case Ext::Document: return rng.log_uniform(4 * kKiB, 4 * kMiB);
    case Ext::Image: return rng.log_uniform(50 * kKiB, 12 * kMiB);
    case Ext::Executable: return rng.log_uniform(100 * kKiB, 60 * kMiB);
    case Ext::Archive: return rng.log_uniform(100 * kKiB, 200 * kMiB);
    case Ext::Encrypted: return rng.log_uniform(1 * kKiB, 10 * kMiB);
    case Ext::Other: return rng.log_uniform(200, 200 * kKiB);
  }
  return 4 * kKiB;
}

// Entropy (bits per byte) of what an ordinary program writes into a file of this class.
double benign_entropy(Rng& rng, Ext ext) {
  switch (ext) {
    case Ext::Document: return rng.uniform(3.2, 5.4);
    case Ext::Image: return rng.uniform(4.8, 6.2);
    case Ext::Executable: return rng.uniform(5.2, 6.4);
    case Ext::Archive: return rng.uniform(7.0, 7.7);
    case Ext::Encrypted: return rng.uniform(6.0, 7.4);
    case Ext::Other: return rng.uniform(3.0, 4.8);
  }
  return 4.0;
}

// Human activity: a few processes, a small working set of files revisited, irregular timing.
// Occasionally a benign batch job (backup, cache cleanup, photo import) that looks machine-like.
class Benign {
 public:
  enum class Batch { None, Backup, Cleanup, Import };

  Benign(Rng& rng, Window& w) : rng_(rng), w_(w) {
    const int n = rng_.integer(2, 4);
    while (static_cast<int>(procs_.size()) < n) {
      const int b = rng_.integer(0, kProcessBuckets - 1);
      if (std::find(procs_.begin(), procs_.end(), b) == procs_.end()) procs_.push_back(b);
    }
    home_ = rng_.integer(2, 4);
    const int files = rng_.integer(3, 8);
    for (int i = 0; i < files; ++i) working_.push_back(new_file());
  }

  // One user action: a handful of events.
  void session() {
    const int p = process();
    switch (rng_.weighted({0.45, 0.30, 0.08, 0.06, 0.05, 0.03, 0.03})) {
      case 0: {  // read
        const int f = pick();
        w_.emit(Op::Open, f, think(), p);
        for (int i = rng_.integer(1, 3); i > 0; --i) w_.emit(Op::Read, f, gap(), p, chunk(f));
        w_.emit(Op::Close, f, gap(), p);
        break;
      }
      case 1: {  // edit and save
        const int f = pick_writable();
        w_.emit(Op::Open, f, think(), p);
        for (int i = rng_.integer(0, 2); i > 0; --i) w_.emit(Op::Read, f, gap(), p, chunk(f));
        const bool overwrite = rng_.chance(0.3);
        for (int i = rng_.integer(1, 3); i > 0; --i)
          w_.emit(Op::Write, f, gap(), p, write_bytes(f), benign_entropy(rng_, w_.files[f].ext), false, overwrite);
        w_.emit(Op::Close, f, gap(), p);
        break;
      }
      case 2: {  // "safe save": write a temporary, rename it over the document
        const int doc = pick_writable();
        const File d = w_.files[doc];
        const int tmp = w_.add_file(Ext::Other, d.depth, d.size, d.user, d.remote);
        w_.emit(Op::Create, tmp, think(), p);
        const double entropy = benign_entropy(rng_, d.ext);
        for (int i = rng_.integer(1, 2); i > 0; --i) w_.emit(Op::Write, tmp, gap(), p, write_bytes(tmp), entropy);
        w_.emit(Op::Close, tmp, gap(), p);
        if (rng_.chance(0.5)) w_.emit(Op::Delete, doc, gap(), p, 0, 0, false, true);
        w_.files[tmp].ext = d.ext;
        w_.emit(Op::Rename, tmp, gap(), p, 0, 0, d.ext != Ext::Other);
        replace(doc, tmp);
        break;
      }
      case 3: {  // new file
        const Ext ext = rng_.chance(0.7) ? Ext::Document : Ext::Image;
        const int f = w_.add_file(ext, home_ + rng_.integer(0, 3), file_size(rng_, ext), true, rng_.chance(0.05));
        w_.emit(Op::Create, f, think(), p);
        for (int i = rng_.integer(1, 2); i > 0; --i)
          w_.emit(Op::Write, f, gap(), p, write_bytes(f), benign_entropy(rng_, ext));
        w_.emit(Op::Close, f, gap(), p);
        working_.push_back(f);
        break;
      }
      case 4: {  // delete a temporary or two
        double dt = think();
        for (int i = rng_.integer(1, 2); i > 0; --i) {
          const int f = w_.add_file(Ext::Other, home_ + rng_.integer(1, 3), file_size(rng_, Ext::Other), true, false);
          w_.emit(Op::Delete, f, dt, p, 0, 0, false, true);
          dt = gap();
        }
        break;
      }
      case 5: {  // rename, extension kept
        const int f = pick_writable();
        w_.emit(Op::Rename, f, think(), p);
        break;
      }
      default: {  // chmod
        const int f = pick();
        w_.emit(Op::Chmod, f, think(), p);
        break;
      }
    }
  }

  // One unit of a benign batch job.
  void batch_step(Batch kind) {
    if (batch_proc_ < 0) batch_proc_ = rng_.integer(0, kProcessBuckets - 1);
    const int p = batch_proc_;
    auto fast = [&] { return rng_.lognormal(700, 0.9); };
    if (kind == Batch::Backup) {
      if (backup_ < 0) {
        backup_ = w_.add_file(Ext::Archive, rng_.integer(2, 4), 0, rng_.chance(0.5), rng_.chance(0.5));
        w_.emit(Op::Create, backup_, think(), p);
      }
      const Ext ext = rng_.chance(0.7) ? Ext::Document : Ext::Image;
      const int f = w_.add_file(ext, home_ + rng_.integer(0, 3), file_size(rng_, ext), true, false);
      w_.emit(Op::Open, f, fast(), p);
      const double bytes = std::min(w_.files[f].size, 1 * kMiB);
      w_.emit(Op::Read, f, fast(), p, bytes);
      w_.emit(Op::Close, f, fast(), p);
      if (rng_.chance(0.5)) w_.emit(Op::Write, backup_, fast(), p, bytes * rng_.uniform(0.3, 0.9), rng_.uniform(7.4, 7.9));
    } else if (kind == Batch::Cleanup) {
      const int f = w_.add_file(Ext::Other, home_ + rng_.integer(2, 5), file_size(rng_, Ext::Other), true, false);
      w_.emit(Op::Delete, f, rng_.lognormal(300, 0.8), p, 0, 0, false, true);
    } else {
      const int f = w_.add_file(Ext::Image, home_ + rng_.integer(1, 3), file_size(rng_, Ext::Image), true, false);
      w_.emit(Op::Create, f, rng_.lognormal(2000, 0.7), p);
      for (int i = rng_.integer(1, 2); i > 0; --i)
        w_.emit(Op::Write, f, fast(), p, std::min(w_.files[f].size, 1 * kMiB), rng_.uniform(7.2, 7.8));
      w_.emit(Op::Close, f, fast(), p);
    }
  }

 private:
  int process() { return rng_.chance(0.6) ? procs_[0] : procs_[rng_.integer(0, static_cast<int>(procs_.size()) - 1)]; }
  double think() { return std::clamp(rng_.lognormal(1.2e6, 1.5), 50.0, 1e8); }  // between actions
  double gap() { return std::clamp(rng_.lognormal(1500, 1.1), 5.0, 1e7); }      // inside an action
  int new_file() {
    const Ext ext = static_cast<Ext>(rng_.weighted({0.45, 0.25, 0.05, 0.05, 0.02, 0.18}));
    const bool system = ext == Ext::Executable && rng_.chance(0.7);
    return w_.add_file(ext, system ? rng_.integer(2, 4) : home_ + rng_.integer(0, 4), file_size(rng_, ext), !system,
                       rng_.chance(0.04));
  }
  int pick() {
    if (rng_.chance(0.08)) working_.push_back(new_file());
    return working_[static_cast<size_t>(rng_.integer(0, static_cast<int>(working_.size()) - 1))];
  }
  int pick_writable() {
    for (int tries = 0; tries < 4; ++tries) {
      const int f = pick();
      const Ext e = w_.files[f].ext;
      if (e == Ext::Document || e == Ext::Image || e == Ext::Other) return f;
    }
    const int f = w_.add_file(Ext::Document, home_ + rng_.integer(0, 3), file_size(rng_, Ext::Document), true, false);
    working_.push_back(f);
    return f;
  }
  void replace(int old_file, int new_file) {
    for (int& f : working_)
      if (f == old_file) f = new_file;
  }
  double chunk(int f) { return std::min(w_.files[f].size, rng_.log_uniform(4 * kKiB, 1 * kMiB)); }
  double write_bytes(int f) { return std::max(1.0, std::min(w_.files[f].size, rng_.log_uniform(512, 1 * kMiB))); }

  Rng& rng_;
  Window& w_;
  std::vector<int> procs_;
  std::vector<int> working_;
  int home_ = 3;
  int batch_proc_ = -1;
  int backup_ = -1;
};

// Ransomware: one process walks directories, per file read → encrypt → write (≈7.9 bits, size
// kept) → rename to an encrypted extension (or write a new encrypted copy and delete the
// original), at a fast, regular pace; sometimes drops a ransom note first.
class Ransomware {
 public:
  Ransomware(Rng& rng, Window& w)
      : rng_(rng), w_(w), process_(rng.integer(0, kProcessBuckets - 1)), in_place_(rng.chance(0.7)),
        period_(rng.log_uniform(120, 700)), depth_(rng.integer(3, 6)), note_(rng.chance(0.5)) {}

  void step() {
    const int p = process_;
    if (note_) {
      note_ = false;
      const int f = w_.add_file(Ext::Other, depth_, rng_.uniform(800, 3000), true, false);
      w_.emit(Op::Create, f, tick(), p);
      w_.emit(Op::Write, f, tick(), p, w_.files[f].size, rng_.uniform(4.0, 4.6));
      w_.emit(Op::Close, f, tick(), p);
      return;
    }
    if (rng_.chance(0.12)) depth_ = std::clamp(depth_ + rng_.integer(-1, 1), 2, 9);  // next directory
    const Ext ext = static_cast<Ext>(
        std::array<int, 4>{0, 1, 3, 5}[static_cast<size_t>(rng_.weighted({0.5, 0.3, 0.1, 0.1}))]);
    const int f = w_.add_file(ext, depth_, file_size(rng_, ext), true, false);
    const double size = w_.files[f].size;
    const int chunks = std::min(3, 1 + static_cast<int>(size / (4 * kMiB)));
    const double part = size / chunks;
    w_.emit(Op::Open, f, tick(), p);
    if (in_place_) {
      for (int i = 0; i < chunks; ++i) {
        w_.emit(Op::Read, f, tick(), p, part);
        w_.emit(Op::Write, f, tick(), p, part * rng_.uniform(1.0, 1.01) + rng_.uniform(0, 512), cipher_entropy(),
                false, true);
      }
      w_.emit(Op::Close, f, tick(), p);
      w_.files[f].ext = Ext::Encrypted;
      w_.emit(Op::Rename, f, tick(), p, 0, 0, true);
    } else {
      const int out = w_.add_file(Ext::Encrypted, depth_, size, true, false);
      for (int i = 0; i < chunks; ++i) w_.emit(Op::Read, f, tick(), p, part);
      w_.emit(Op::Create, out, tick(), p);
      for (int i = 0; i < chunks; ++i)
        w_.emit(Op::Write, out, tick(), p, part * rng_.uniform(1.0, 1.01) + rng_.uniform(0, 512), cipher_entropy());
      w_.emit(Op::Close, out, tick(), p);
      w_.emit(Op::Delete, f, tick(), p, 0, 0, false, true);
    }
  }

 private:
  double tick() { return period_ * std::max(0.3, 1.0 + 0.08 * rng_.normal()); }
  double cipher_entropy() { return std::clamp(7.94 + 0.03 * rng_.normal(), 7.8, 7.999); }

  Rng& rng_;
  Window& w_;
  int process_;
  bool in_place_;
  double period_;
  int depth_;
  bool note_;
};

// Exfiltration: one process reads many documents and archives in chunks at a network-like
// periodic pace and writes little: directly, through a staged archive that is later read out,
// or (sometimes) by copying to a removable or network drive.
class Exfiltration {
 public:
  Exfiltration(Rng& rng, Window& w)
      : rng_(rng), w_(w), process_(rng.integer(0, kProcessBuckets - 1)), period_(rng.log_uniform(2e4, 4e5)),
        staged_(rng.chance(0.4)), copy_out_(!staged_ && rng.chance(0.2)), flush_every_(rng.integer(3, 5)),
        upload_after_(rng.integer(3, 6)), depth_(rng.integer(3, 6)) {}

  void step() {
    const int p = process_;
    if (staged_ && archive_ < 0) {
      archive_ = w_.add_file(Ext::Archive, rng_.integer(2, 3), 0, rng_.chance(0.5), false);
      w_.emit(Op::Create, archive_, quick(), p);
      return;
    }
    if (staged_ && flushes_ >= upload_after_) {  // read the archive out to the network
      w_.emit(Op::Open, archive_, quick(), p);
      for (int i = rng_.integer(2, 4); i > 0; --i) w_.emit(Op::Read, archive_, tick(), p, rng_.log_uniform(256 * kKiB, 4 * kMiB));
      w_.emit(Op::Close, archive_, quick(), p);
      archive_ = -1;
      flushes_ = 0;
      return;
    }
    if (rng_.chance(0.15)) depth_ = std::clamp(depth_ + rng_.integer(-1, 1), 2, 9);
    const Ext ext = static_cast<Ext>(std::array<int, 3>{0, 3, 1}[static_cast<size_t>(rng_.weighted({0.6, 0.3, 0.1}))]);
    const int f = w_.add_file(ext, depth_, file_size(rng_, ext), rng_.chance(0.8), rng_.chance(0.1));
    const double size = w_.files[f].size;
    const double chunk = rng_.log_uniform(64 * kKiB, 1 * kMiB);
    const int reads = std::clamp(static_cast<int>(std::ceil(size / chunk)), 1, 4);
    w_.emit(Op::Open, f, quick(), p);
    for (int i = 0; i < reads; ++i) w_.emit(Op::Read, f, tick(), p, std::min(size, chunk));
    w_.emit(Op::Close, f, quick(), p);
    pending_ += std::min(size, chunk * reads);
    if (staged_ && ++files_since_flush_ >= flush_every_) {
      w_.emit(Op::Write, archive_, quick(), p, pending_ * rng_.uniform(0.3, 0.7), rng_.uniform(7.6, 7.95));
      files_since_flush_ = 0;
      pending_ = 0;
      ++flushes_;
    }
    if (copy_out_ && rng_.chance(0.4)) {
      const int out = w_.add_file(ext, rng_.integer(2, 4), size, false, true);
      w_.emit(Op::Create, out, quick(), p);
      w_.emit(Op::Write, out, tick(), p, std::min(size, chunk * reads), benign_entropy(rng_, ext));
      w_.emit(Op::Close, out, quick(), p);
    }
  }

 private:
  double tick() { return period_ * std::max(0.5, 1.0 + 0.04 * rng_.normal()); }
  double quick() { return rng_.lognormal(250, 0.4); }

  Rng& rng_;
  Window& w_;
  int process_;
  double period_;
  bool staged_;
  bool copy_out_;
  int flush_every_;
  int upload_after_;
  int depth_;
  int archive_ = -1;
  int files_since_flush_ = 0;
  int flushes_ = 0;
  double pending_ = 0;
};

// Wiper: an overwrite storm (zeros or random bytes over whole files, system files too) then a
// delete storm, or overwrite-and-delete per file, at a very fast pace.
class Wiper {
 public:
  Wiper(Rng& rng, Window& w, int budget)
      : rng_(rng), w_(w), process_(rng.integer(0, kProcessBuckets - 1)), zeros_(rng.chance(0.5)),
        interleaved_(rng.chance(0.3)), period_(rng.log_uniform(15, 150)), start_(w.size()),
        overwrite_events_(static_cast<int>(budget * rng.uniform(0.4, 0.65))) {}

  void step() {
    const int p = process_;
    if (!interleaved_ && w_.size() - start_ >= overwrite_events_) {  // delete storm
      int f;
      if (!victims_.empty()) {
        f = victims_.back();
        victims_.pop_back();
      } else {
        f = target();
      }
      w_.emit(Op::Delete, f, tick(), p, 0, 0, false, true);
      return;
    }
    const int f = target();
    if (rng_.chance(0.1)) w_.emit(Op::Chmod, f, tick(), p);
    w_.emit(Op::Open, f, tick(), p);
    const int writes = rng_.integer(1, 2);
    for (int i = 0; i < writes; ++i) {
      const double entropy = zeros_ ? rng_.uniform(0.0, 0.05) : rng_.uniform(7.97, 8.0);
      w_.emit(Op::Write, f, tick(), p, std::max(1.0, w_.files[f].size / writes), entropy, false, true);
    }
    w_.emit(Op::Close, f, tick(), p);
    if (interleaved_) {
      w_.emit(Op::Delete, f, tick(), p, 0, 0, false, true);
    } else {
      victims_.push_back(f);
    }
  }

 private:
  int target() {
    const Ext ext = static_cast<Ext>(std::array<int, 5>{0, 1, 2, 3, 5}[static_cast<size_t>(
        rng_.weighted({0.3, 0.15, 0.2, 0.1, 0.25}))]);
    const bool user = ext != Ext::Executable && rng_.chance(0.6);
    return w_.add_file(ext, rng_.integer(2, 7), file_size(rng_, ext), user, rng_.chance(0.05));
  }
  double tick() { return period_ * std::max(0.2, 1.0 + 0.3 * rng_.normal()); }

  Rng& rng_;
  Window& w_;
  int process_;
  bool zeros_;
  bool interleaved_;
  double period_;
  int start_;
  int overwrite_events_;
  std::vector<int> victims_;
};

Tensor featurize(const Window& w, int events) {
  Tensor t(DType::Float, {1, events, kSentinelFeatures});
  float* out = t.data<float>();
  std::vector<char> touched(w.files.size(), 0);
  int prev = -1;
  for (int i = 0; i < events; ++i) {
    const Event& e = w.events[static_cast<size_t>(i)];
    const File& f = w.files[static_cast<size_t>(e.file)];
    float* r = out + static_cast<size_t>(i) * kSentinelFeatures;
    r[kFeatOp + static_cast<int>(e.op)] = 1.0f;
    r[kFeatDepth] = static_cast<float>(std::min(f.depth, 16) / 16.0);
    r[kFeatExt + static_cast<int>(e.ext)] = 1.0f;
    const bool io = e.op == Op::Read || e.op == Op::Write;
    r[kFeatBytes] = io ? static_cast<float>(std::clamp(std::log2(1.0 + e.bytes) / 32.0, 0.0, 1.0)) : 0.0f;
    r[kFeatEntropy] = e.op == Op::Write ? static_cast<float>(std::clamp(e.entropy / 8.0, 0.0, 1.0)) : 0.0f;
    r[kFeatInterval] = static_cast<float>(std::clamp(std::log10(1.0 + std::max(0.0, e.dt_us)) / 8.0, 0.0, 1.0));
    r[kFeatExtChanged] = e.op == Op::Rename && e.ext_changed ? 1.0f : 0.0f;
    r[kFeatDestroys] = e.destroys ? 1.0f : 0.0f;
    r[kFeatProcess + e.process] = 1.0f;
    r[kFeatFirstTouch] = touched[static_cast<size_t>(e.file)] ? 0.0f : 1.0f;
    r[kFeatSameFile] = e.file == prev ? 1.0f : 0.0f;
    r[kFeatUserArea] = f.user ? 1.0f : 0.0f;
    r[kFeatRemote] = f.remote ? 1.0f : 0.0f;
    touched[static_cast<size_t>(e.file)] = 1;
    prev = e.file;
  }
  return t;
}

Tensor make_window(AttackType label, int events, uint64_t seed) {
  Rng rng(seed);
  Window w;
  Benign benign(rng, w);
  if (label == AttackType::Benign) {
    // Some benign windows contain a machine-like batch job: the hard negatives.
    Benign::Batch batch = Benign::Batch::None;
    int batch_begin = events, batch_end = events;
    if (rng.chance(0.2)) {
      batch = static_cast<Benign::Batch>(1 + rng.integer(0, 2));
      batch_begin = rng.integer(0, events / 2);
      batch_end = batch_begin + std::max(1, static_cast<int>(events * rng.uniform(0.2, 0.5)));
    }
    while (w.size() < events) {
      if (w.size() >= batch_begin && w.size() < batch_end) {
        benign.batch_step(batch);
      } else {
        benign.session();
      }
    }
    return featurize(w, events);
  }
  // Realistic onset: most attack windows open with benign activity.
  int onset = rng.chance(0.3) ? 0 : rng.integer(1, std::max(1, events / 2));
  onset = std::min(onset, events - 1);
  while (w.size() < onset) benign.session();
  w.events.resize(static_cast<size_t>(onset));
  const int budget = events - onset;
  Ransomware ransomware(rng, w);
  Exfiltration exfiltration(rng, w);
  Wiper wiper(rng, w, budget);
  while (w.size() < events) {
    if (rng.chance(0.08)) {  // background activity goes on during the attack
      benign.session();
    } else if (label == AttackType::Ransomware) {
      ransomware.step();
    } else if (label == AttackType::Exfiltration) {
      exfiltration.step();
    } else {
      wiper.step();
    }
  }
  return featurize(w, events);
}

}  // namespace

const char* attack_name(AttackType t) {
  switch (t) {
    case AttackType::Benign: return "benign";
    case AttackType::Ransomware: return "ransomware";
    case AttackType::Exfiltration: return "exfiltration";
    case AttackType::Wiper: return "wiper";
  }
  return "unknown";
}

std::vector<SentinelSample> generate_sentinel_events(const SentinelDataOptions& options) {
  std::vector<SentinelSample> out;
  if (options.samples < 1 || options.events < 1) return out;
  const double fraction = options.attack_fraction >= 0 ? std::min(options.attack_fraction, 1.0) : 0.0;  // NaN → 0
  const int n = options.samples;
  const int attacks = static_cast<int>(std::llround(n * fraction));
  // Exactly `attacks` attack windows, the kinds in turn, then shuffled (Fisher-Yates).
  std::vector<AttackType> labels(static_cast<size_t>(n), AttackType::Benign);
  for (int i = 0; i < attacks; ++i) labels[static_cast<size_t>(i)] = static_cast<AttackType>(1 + i % 3);
  Rng rng(0x53454E54494E454CULL ^ options.seed);
  for (int i = n - 1; i > 0; --i) std::swap(labels[static_cast<size_t>(i)], labels[static_cast<size_t>(rng.integer(0, i))]);
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const uint64_t window_seed = rng.next();
    out.push_back({make_window(labels[static_cast<size_t>(i)], options.events, window_seed), labels[static_cast<size_t>(i)]});
  }
  return out;
}

Status write_sentinel_data(const std::string& dir, const SentinelDataOptions& options) {
  if (options.samples < 1) return error("sentinel data: --samples must be at least 1 (got {})", options.samples);
  if (options.events < 1) return error("sentinel data: events per window must be at least 1 (got {})", options.events);
  if (options.events > 1000000) return error("sentinel data: events per window must be at most 1000000 (got {})", options.events);
  if (!(options.attack_fraction >= 0.0 && options.attack_fraction <= 1.0))
    return error("sentinel data: attack fraction must be in [0, 1] (got {})", options.attack_fraction);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return error("{}: cannot create data directory: {}", dir, ec ? ec.message() : "not a directory");
  }
  const std::vector<SentinelSample> samples = generate_sentinel_events(options);
  const int width = std::max(5, static_cast<int>(std::to_string(options.samples - 1).size()));
  std::string csv = "sample,label,name\n";
  for (size_t i = 0; i < samples.size(); ++i) {
    const std::string id = fmt::format("sample_{:0{}}", i, width);
    const fs::path sub = fs::path(dir) / id;
    fs::create_directory(sub, ec);
    if (ec) return error("{}: cannot create sample directory: {}", sub.string(), ec.message());
    SZ0_TRY(write_tensor_file(samples[i].events, (sub / "events.npy").string()));
    csv += fmt::format("{},{},{}\n", id, static_cast<int>(samples[i].label), attack_name(samples[i].label));
  }
  return write_file_atomic((fs::path(dir) / "labels.csv").string(), csv);
}

}  // namespace sz0::zoo
