// The synthetic sentinel event generator: determinism, layout, value ranges, class behaviour,
// the files it writes and its errors.
#include <sz0/io.h>
#include <sz0/zoo_data.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace sz0;
using namespace sz0::zoo;
namespace fs = std::filesystem;

namespace {

// The layout documented in docs/sentinel-data.md.
constexpr int kOpen = 0, kRead = 1, kWrite = 2, kCreate = 3, kRename = 4, kDelete = 5, kClose = 7;
constexpr int kOps = 0, kNumOps = 8;
constexpr int kDepth = 8;
constexpr int kExt = 9, kNumExt = 6, kExtEncrypted = 13;
constexpr int kBytes = 15, kEntropy = 16, kInterval = 17, kExtChanged = 18, kDestroys = 19;
constexpr int kProcess = 20, kNumProcess = 8;
constexpr int kFirstTouch = 28, kSameFile = 29, kUserArea = 30, kRemote = 31;

float at(const Tensor& t, int event, int feature) {
  return t.data<float>()[static_cast<size_t>(event) * kSentinelFeatures + feature];
}

int argmax_group(const Tensor& t, int event, int first, int count) {
  int best = first;
  for (int k = first; k < first + count; ++k)
    if (at(t, event, k) > at(t, event, best)) best = k;
  return best - first;
}

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("sz0_sentinel_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  return d;
}

// Aggregates per class.
struct ClassStats {
  int windows = 0;
  double reads = 0, writes = 0, deletes = 0, ext_changes = 0;
  double write_entropy_sum = 0;
  double interval_sum = 0, events = 0;
  double first_touch = 0;
  double mean_write_entropy() const { return writes > 0 ? write_entropy_sum / writes * 8.0 : 0.0; }
  double read_write_ratio() const { return reads / std::max(1.0, writes); }
  double deletes_per_window() const { return deletes / std::max(1, windows); }
  double mean_interval() const { return interval_sum / std::max(1.0, events); }
};

std::map<AttackType, ClassStats> class_stats(const std::vector<SentinelSample>& samples) {
  std::map<AttackType, ClassStats> stats;
  for (const SentinelSample& s : samples) {
    ClassStats& c = stats[s.label];
    ++c.windows;
    for (int e = 0; e < s.events.dim(1); ++e) {
      const int op = argmax_group(s.events, e, kOps, kNumOps);
      c.reads += op == kRead;
      c.writes += op == kWrite;
      c.deletes += op == kDelete;
      c.ext_changes += at(s.events, e, kExtChanged);
      if (op == kWrite) c.write_entropy_sum += at(s.events, e, kEntropy);
      c.interval_sum += at(s.events, e, kInterval);
      c.first_touch += at(s.events, e, kFirstTouch);
      c.events += 1;
    }
  }
  return stats;
}

}  // namespace

TEST(SentinelData, AttackNames) {
  EXPECT_STREQ(attack_name(AttackType::Benign), "benign");
  EXPECT_STREQ(attack_name(AttackType::Ransomware), "ransomware");
  EXPECT_STREQ(attack_name(AttackType::Exfiltration), "exfiltration");
  EXPECT_STREQ(attack_name(AttackType::Wiper), "wiper");
}

TEST(SentinelData, DeterministicPerSeed) {
  SentinelDataOptions o;
  o.samples = 24;
  o.seed = 7;
  const auto a = generate_sentinel_events(o);
  const auto b = generate_sentinel_events(o);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].label, b[i].label);
    ASSERT_EQ(a[i].events.nbytes(), b[i].events.nbytes());
    EXPECT_EQ(std::memcmp(a[i].events.raw(), b[i].events.raw(), a[i].events.nbytes()), 0) << "sample " << i;
  }
  o.seed = 8;
  const auto c = generate_sentinel_events(o);
  int differ = 0;
  for (size_t i = 0; i < a.size(); ++i)
    differ += std::memcmp(a[i].events.raw(), c[i].events.raw(), a[i].events.nbytes()) != 0;
  EXPECT_GT(differ, 20);
}

TEST(SentinelData, ShapesAndDtype) {
  for (int events : {1, 7, 64, 200}) {
    SentinelDataOptions o;
    o.samples = 9;
    o.events = events;
    o.seed = 3;
    const auto samples = generate_sentinel_events(o);
    ASSERT_EQ(samples.size(), 9u);
    for (const SentinelSample& s : samples) {
      EXPECT_EQ(s.events.dtype(), DType::Float);
      EXPECT_EQ(s.events.shape(), (Shape{1, events, kSentinelFeatures}));
    }
  }
  SentinelDataOptions none;
  none.samples = 0;
  EXPECT_TRUE(generate_sentinel_events(none).empty());
}

TEST(SentinelData, FeatureRanges) {
  SentinelDataOptions o;
  o.samples = 120;
  o.seed = 11;
  o.attack_fraction = 0.75;
  for (const SentinelSample& s : generate_sentinel_events(o)) {
    for (int e = 0; e < s.events.dim(1); ++e) {
      for (int k = 0; k < kSentinelFeatures; ++k) {
        const float v = at(s.events, e, k);
        ASSERT_TRUE(std::isfinite(v));
        ASSERT_GE(v, 0.0f) << "feature " << k;
        ASSERT_LE(v, 1.0f) << "feature " << k;
      }
      auto group_sum = [&](int first, int count) {
        float sum = 0;
        for (int k = first; k < first + count; ++k) {
          const float v = at(s.events, e, k);
          EXPECT_TRUE(v == 0.0f || v == 1.0f);
          sum += v;
        }
        return sum;
      };
      EXPECT_EQ(group_sum(kOps, kNumOps), 1.0f);
      EXPECT_EQ(group_sum(kExt, kNumExt), 1.0f);
      EXPECT_EQ(group_sum(kProcess, kNumProcess), 1.0f);
      for (int flag : {kExtChanged, kDestroys, kFirstTouch, kSameFile, kUserArea, kRemote}) {
        const float v = at(s.events, e, flag);
        EXPECT_TRUE(v == 0.0f || v == 1.0f) << "flag " << flag;
      }
      const int op = argmax_group(s.events, e, kOps, kNumOps);
      if (op != kWrite) { EXPECT_EQ(at(s.events, e, kEntropy), 0.0f); }
      if (op != kRead && op != kWrite) { EXPECT_EQ(at(s.events, e, kBytes), 0.0f); }
      if (op != kRename) { EXPECT_EQ(at(s.events, e, kExtChanged), 0.0f); }
      if (op == kDelete) { EXPECT_EQ(at(s.events, e, kDestroys), 1.0f); }
      EXPECT_GT(at(s.events, e, kDepth), 0.0f);
    }
    EXPECT_EQ(at(s.events, 0, kFirstTouch), 1.0f);  // nothing touched before the first event
    EXPECT_EQ(at(s.events, 0, kSameFile), 0.0f);
  }
}

TEST(SentinelData, LabelDistributionFollowsAttackFraction) {
  SentinelDataOptions o;
  o.samples = 300;
  o.attack_fraction = 0.5;
  o.seed = 5;
  std::map<AttackType, int> count;
  for (const auto& s : generate_sentinel_events(o)) ++count[s.label];
  EXPECT_EQ(count[AttackType::Benign], 150);
  for (AttackType t : {AttackType::Ransomware, AttackType::Exfiltration, AttackType::Wiper})
    EXPECT_EQ(count[t], 50) << attack_name(t);

  o.attack_fraction = 0.2;
  count.clear();
  for (const auto& s : generate_sentinel_events(o)) ++count[s.label];
  EXPECT_EQ(count[AttackType::Benign], 240);

  o.attack_fraction = 0.0;
  for (const auto& s : generate_sentinel_events(o)) EXPECT_EQ(s.label, AttackType::Benign);
  o.attack_fraction = 1.0;
  for (const auto& s : generate_sentinel_events(o)) EXPECT_NE(s.label, AttackType::Benign);

  // Labels are spread over the set, not grouped.
  o.attack_fraction = 0.5;
  const auto samples = generate_sentinel_events(o);
  int first_half_attacks = 0;
  for (size_t i = 0; i < samples.size() / 2; ++i) first_half_attacks += samples[i].label != AttackType::Benign;
  EXPECT_GT(first_half_attacks, 50);
  EXPECT_LT(first_half_attacks, 100);
}

TEST(SentinelData, ClassStatisticsDifferAsDesigned) {
  SentinelDataOptions o;
  o.samples = 400;
  o.attack_fraction = 0.75;
  o.seed = 21;
  auto stats = class_stats(generate_sentinel_events(o));
  const ClassStats& benign = stats[AttackType::Benign];
  const ClassStats& ransom = stats[AttackType::Ransomware];
  const ClassStats& exfil = stats[AttackType::Exfiltration];
  const ClassStats& wiper = stats[AttackType::Wiper];
  ASSERT_EQ(benign.windows, 100);
  ASSERT_EQ(ransom.windows, 100);

  // Benign writes have normal entropy; ransomware writes are ciphertext.
  EXPECT_GT(benign.mean_write_entropy(), 3.0);
  EXPECT_LT(benign.mean_write_entropy(), 6.5);
  EXPECT_GT(ransom.mean_write_entropy(), 7.0);
  EXPECT_GT(ransom.mean_write_entropy(), benign.mean_write_entropy() + 1.5);
  // Ransomware renames to an encrypted extension; benign activity rarely changes extensions.
  EXPECT_GT(ransom.ext_changes, 3 * std::max(1.0, benign.ext_changes));
  // Wipers delete far more.
  EXPECT_GT(wiper.deletes_per_window(), 3 * benign.deletes_per_window());
  EXPECT_GT(wiper.deletes_per_window(), 5.0);
  // Exfiltration reads much and writes little.
  EXPECT_GT(exfil.read_write_ratio(), 2 * benign.read_write_ratio());
  EXPECT_GT(exfil.read_write_ratio(), 5.0);
  // Attacks are machine-fast; wipers fastest of all. Ransomware and wipers touch many new files.
  EXPECT_LT(ransom.mean_interval(), benign.mean_interval());
  EXPECT_LT(wiper.mean_interval(), ransom.mean_interval());
  EXPECT_GT(ransom.first_touch / ransom.events, benign.first_touch / benign.events);
  EXPECT_GT(wiper.first_touch / wiper.events, benign.first_touch / benign.events);
}

TEST(SentinelData, EveryAttackWindowShowsItsAttack) {
  SentinelDataOptions o;
  o.samples = 150;
  o.attack_fraction = 1.0;
  o.seed = 2;
  int onset_later = 0;
  for (const SentinelSample& s : generate_sentinel_events(o)) {
    int cipher_writes = 0, deletes = 0, destroying_writes = 0, reads = 0, encrypted = 0;
    for (int e = 0; e < s.events.dim(1); ++e) {
      const int op = argmax_group(s.events, e, kOps, kNumOps);
      cipher_writes += op == kWrite && at(s.events, e, kEntropy) * 8 > 7.8;
      deletes += op == kDelete;
      destroying_writes += op == kWrite && at(s.events, e, kDestroys) == 1.0f;
      reads += op == kRead;
      encrypted += at(s.events, e, kExtEncrypted) == 1.0f;
    }
    if (s.label == AttackType::Ransomware) {
      EXPECT_GE(cipher_writes, 1);
      EXPECT_GE(encrypted, 1);
    } else if (s.label == AttackType::Wiper) {
      EXPECT_GE(deletes + destroying_writes, 4);
    } else {
      EXPECT_GE(reads, 4);
    }
    // A benign-looking first event hints at a later onset: irregular human timing (>= 10 ms).
    onset_later += at(s.events, 0, kInterval) * 8 > 4.0;
  }
  EXPECT_GT(onset_later, 30);  // many attack windows open with benign activity
}

TEST(SentinelData, WritesDataLayoutAndLabels) {
  const fs::path dir = temp_dir("roundtrip");
  SentinelDataOptions o;
  o.samples = 6;
  o.events = 16;
  o.seed = 9;
  ASSERT_TRUE(write_sentinel_data(dir.string(), o).ok());
  EXPECT_TRUE(fs::is_regular_file(dir / "sample_00000" / "events.npy"));
  EXPECT_TRUE(fs::is_regular_file(dir / "sample_00005" / "events.npy"));
  EXPECT_FALSE(fs::exists(dir / "sample_00006"));

  auto data = read_dataset(dir.string(), {"events"});
  ASSERT_TRUE(data.ok()) << data.status().message();
  const auto expected = generate_sentinel_events(o);
  ASSERT_EQ(data->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const Tensor& got = data->at(i).inputs.at("events");
    ASSERT_EQ(got.dtype(), DType::Float);
    ASSERT_EQ(got.shape(), (Shape{1, 16, kSentinelFeatures}));
    EXPECT_EQ(std::memcmp(got.raw(), expected[i].events.raw(), got.nbytes()), 0);
  }

  std::ifstream f(dir / "labels.csv");
  std::string line;
  ASSERT_TRUE(std::getline(f, line));
  EXPECT_EQ(line, "sample,label,name");
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_TRUE(std::getline(f, line));
    char id[32];
    std::snprintf(id, sizeof id, "sample_%05zu", i);
    EXPECT_EQ(line, std::string(id) + "," + std::to_string(static_cast<int>(expected[i].label)) + "," +
                        attack_name(expected[i].label));
  }
  EXPECT_FALSE(std::getline(f, line));
  // No temporaries left behind.
  for (const auto& e : fs::recursive_directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();

  // Rewriting into the same directory replaces the files.
  o.seed = 10;
  ASSERT_TRUE(write_sentinel_data(dir.string(), o).ok());
  auto again = read_dataset(dir.string(), {"events"});
  ASSERT_TRUE(again.ok());
  const auto expected2 = generate_sentinel_events(o);
  EXPECT_EQ(std::memcmp(again->at(0).inputs.at("events").raw(), expected2[0].events.raw(), expected2[0].events.nbytes()), 0);
  fs::remove_all(dir);
}

TEST(SentinelData, WideSampleNamesKeepOrder) {
  const fs::path dir = temp_dir("wide");
  SentinelDataOptions o;
  o.samples = 3;
  o.events = 2;
  ASSERT_TRUE(write_sentinel_data(dir.string(), o).ok());
  EXPECT_TRUE(fs::is_directory(dir / "sample_00002"));
  fs::remove_all(dir);
}

TEST(SentinelData, Errors) {
  const fs::path dir = temp_dir("errors");
  SentinelDataOptions o;
  o.samples = 0;
  Status s = write_sentinel_data(dir.string(), o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("samples"), std::string::npos) << s.message();

  o = {};
  o.events = 0;
  s = write_sentinel_data(dir.string(), o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("events"), std::string::npos) << s.message();

  o = {};
  o.attack_fraction = 1.5;
  s = write_sentinel_data(dir.string(), o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("attack fraction"), std::string::npos) << s.message();
  o.attack_fraction = std::nan("");
  EXPECT_FALSE(write_sentinel_data(dir.string(), o).ok());
  EXPECT_FALSE(fs::exists(dir));  // nothing created for invalid options

  // A directory below a regular file cannot be created, whoever runs the test.
  fs::create_directories(dir);
  { std::ofstream(dir / "plain") << "x"; }
  o = {};
  o.samples = 2;
  const std::string bad = (dir / "plain" / "data").string();
  s = write_sentinel_data(bad, o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(bad), std::string::npos) << s.message();
  fs::remove_all(dir);
}
