// Synthetic data for the zoo models: file-system event windows for the sentinel-gru detector.
// The 32-feature layout and the behaviour of each class are documented in docs/sentinel-data.md.
#pragma once
#include <sz0/status.h>
#include <sz0/tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sz0::zoo {

enum class AttackType : int { Benign = 0, Ransomware = 1, Exfiltration = 2, Wiper = 3 };
const char* attack_name(AttackType t);

struct SentinelDataOptions {
  int samples = 64;       // event windows
  uint32_t seed = 1;
  int events = 64;        // events per window
  double attack_fraction = 0.5;  // share of windows that contain an attack, spread over the three kinds
};

constexpr int kSentinelFeatures = 32;

struct SentinelSample {
  Tensor events;       // float32 [1, events, 32]
  AttackType label;
};

// Deterministic for a given seed (own PRNG transforms, identical across standard libraries).
std::vector<SentinelSample> generate_sentinel_events(const SentinelDataOptions& options);

// Writes DIR/sample_00000/events.npy ... (the DATA layout: one sub-directory per sample holding
// <input name>.npy, batch dim 1) and DIR/labels.csv ("sample,label,name" rows) atomically per file.
Status write_sentinel_data(const std::string& dir, const SentinelDataOptions& options);

}  // namespace sz0::zoo
