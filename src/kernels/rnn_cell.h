// One time step of a recurrent cell (RNN, GRU, LSTM) in float with the default activations:
// the recurrent product Ht-1·Rᵀ and the gate math fused, for one direction and a batch of rows.
//
// The recurrent weights are packed once (rnn_pack_cell). At small batch a step is a matrix-vector
// product over R, so the packed layout streams R contiguously and the gate math runs on the
// products while they are still in registers. Larger batches use the GEMM and the same gate math
// read back from memory.
//
// Each instruction set has its own translation unit (rnn_cell_scalar.cpp, rnn_cell_avx2.cpp);
// the best one the CPU runs is chosen once (rnn_cell_kernels). SZ0_RNN_ISA=scalar in the
// environment forces the portable one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace sz0::kernels {

enum class RnnCellKind { Rnn, Gru, Lstm };

// Hidden units are grouped in blocks of this many (one AVX register of floats).
constexpr int64_t kRnnBlock = 8;
// Batches up to this size use the matrix-vector kernel, whose tiles share each weight load among
// up to 4 rows; larger ones the GEMM, which blocks for cache over many rows.
constexpr int64_t kRnnGemvMaxBatch = 16;

inline int64_t rnn_padded(int64_t h) { return (h + kRnnBlock - 1) / kRnnBlock * kRnnBlock; }

// 64-byte aligned float storage: the packed rows then start on cache lines.
template <class T>
struct CacheAligned {
  using value_type = T;
  CacheAligned() = default;
  template <class U>
  CacheAligned(const CacheAligned<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t{64}); }
  bool operator==(const CacheAligned&) const { return true; }
};
using AlignedFloats = std::vector<float, CacheAligned<float>>;

struct RnnCellInt8;  // int8 recurrent weights (kernels/rnn_cell_int8.h)

// One direction's recurrent weights, in ONNX gate order (RNN: i; GRU: z, r, h; LSTM: i, o, f, c).
// Gate g of unit j sits at g * Hp + j wherever gates are laid side by side; units H..Hp-1 are
// padding whose weights are zero.
struct RnnCellWeights {
  RnnCellKind kind = RnnCellKind::Rnn;
  bool linear_before_reset = false;  // GRU
  int64_t H = 0, Hp = 0, G = 0;
  // Block layout for the matrix-vector kernel: block q, row k < H, gate g, lane u holds
  // R[g * H + q * kRnnBlock + u, k], so one block's weights are one contiguous stream. GRU
  // without linear_before_reset keeps z, r here and the h gate apart (it multiplies rt ⊙ Ht-1).
  AlignedFloats blocks;    // [Hp / kRnnBlock][H][Gb][kRnnBlock]
  AlignedFloats blocks_h;  // GRU, linear_before_reset = 0: [Hp / kRnnBlock][H][1][kRnnBlock]
  int64_t Gb = 0;          // gates in `blocks`
  // Rᵀ for the GEMM: row k, column g * Hp + j.
  std::vector<float> rt;  // [H][G * Hp]
  std::vector<float> rbh;   // GRU with linear_before_reset: Rbh [Hp]; empty otherwise
  std::vector<float> peep;  // LSTM: Pi, Po, Pf [3][Hp]; empty when absent
  // Set when R is int8 (rnn_pack_cell_int8): the steps then multiply in int8 and `blocks`,
  // `blocks_h` and `rt` stay empty.
  std::shared_ptr<const RnnCellInt8> int8;
};

// The fields every packing shares (kind, sizes, Rbh, peepholes), with no recurrent weights.
RnnCellWeights rnn_cell_shell(RnnCellKind kind, bool linear_before_reset, int64_t H, const float* rbh,
                              const float* peep);

// r: R of one direction, [G * H, H] row-major. rbh: Rbh (GRU with linear_before_reset; nullptr
// means zero). peep: P of one direction, [3 * H] (LSTM; nullptr: no peepholes).
RnnCellWeights rnn_pack_cell(RnnCellKind kind, bool linear_before_reset, int64_t H, const float* r,
                             const float* rbh, const float* peep);

// What one step of one direction reads and writes. Rows are `Hp` floats apart in the state
// buffers; their padding lanes must be finite (zero at the start) and stay so.
struct RnnStepArgs {
  const RnnCellWeights* w = nullptr;
  int64_t batch = 0;
  // Xt·Wᵀ plus every bias that does not sit behind the reset gate: row b at x + b * ldx, gate g
  // at g * Hp.
  const float* x = nullptr;
  int64_t ldx = 0;
  const float* h_prev = nullptr;  // [batch][Hp]
  float* h_next = nullptr;        // [batch][Hp]: the new state; inactive rows get h_prev
  float* c = nullptr;             // LSTM [batch][Hp], updated in place for active rows
  const char* active = nullptr;   // [batch]; nullptr: every row
  float* work = nullptr;          // rnn_step_work_floats(w, batch) floats
  int threads = 1;
};

// The phases a step runs: GRU without linear_before_reset needs rt before it can form the h
// gate's product, so it takes two; the other cells one.
enum class RnnPhase { Rnn, Lstm, GruLbr, GruZr, GruH };

// One phase over rows [b0, b1). `in` holds the vector the weights multiply (row b at in + b * Hp):
// Ht-1, or rt ⊙ Ht-1 for GruH. GruZr writes zt to z and rt ⊙ Ht-1 to rh; GruH reads z.
struct RnnPhaseArgs {
  RnnPhase phase = RnnPhase::Rnn;
  const RnnStepArgs* step = nullptr;
  const float* weights = nullptr;  // block layout for the phase
  const float* in = nullptr;
  float* z = nullptr;   // [batch][Hp]
  float* rh = nullptr;  // [batch][Hp]
};

// The kernels of one instruction set.
struct RnnCellKernels {
  const char* name;
  // The whole phase for rows [b0, b1): product and gate math.
  void (*gemv)(const RnnPhaseArgs& a, int64_t b0, int64_t b1);
  // Gate math only, the products given: row b's gates at acc + b * ldacc, gate g at g * Hp.
  void (*gates)(const RnnPhaseArgs& a, const float* acc, int64_t ldacc, int64_t b0, int64_t b1);
  // The activations the gate math uses, over whole arrays (n a multiple of kRnnBlock); for tests.
  void (*sigmoid)(const float* in, float* out, int64_t n);
  void (*tanh)(const float* in, float* out, int64_t n);
};

const RnnCellKernels& rnn_cell_kernels_scalar();
// nullptr where the CPU lacks AVX2 and FMA.
const RnnCellKernels* rnn_cell_kernels_avx2();
// The fastest the CPU supports, chosen on first use.
const RnnCellKernels& rnn_cell_kernels();

int64_t rnn_step_work_floats(const RnnCellWeights& w, int64_t batch);

// One step with the given kernels.
void rnn_step(const RnnCellKernels& k, const RnnStepArgs& a);

}  // namespace sz0::kernels
