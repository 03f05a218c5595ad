// Micro-benchmark of one recurrent step (kernels/rnn_cell.h): per cell, hidden size and batch,
// the fused matrix-vector path and the GEMM path of each instruction set, and whole steps in
// float and with int8 recurrent weights (kernels/rnn_cell_int8.h), in µs per step.
//   bench_rnn_cell [--steps N] [--hidden H]
#include "kernels/gemm.h"
#include "kernels/rnn_cell.h"
#include "kernels/rnn_cell_int8.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace sz0::kernels;

namespace {

struct Cell {
  const char* name;
  RnnCellKind kind;
  bool lbr;
};

// Best of 60 timings of `steps` chained steps, µs per step: the machine's other work only ever
// adds time.
template <class F>
double time_steps(int steps, F&& step) {
  std::vector<double> t;
  for (int rep = 0; rep < 60; ++rep) {
    const auto a = std::chrono::steady_clock::now();
    for (int s = 0; s < steps; ++s) step();
    const auto b = std::chrono::steady_clock::now();
    t.push_back(std::chrono::duration<double, std::micro>(b - a).count() / steps);
  }
  return *std::min_element(t.begin(), t.end());
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 100;
  std::vector<int64_t> hiddens = {64, 128};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--steps")) steps = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--hidden")) hiddens = {std::atoll(argv[i + 1])};
  }
  const Cell cells[] = {{"RNN", RnnCellKind::Rnn, false},
                        {"GRU", RnnCellKind::Gru, false},
                        {"GRU lbr", RnnCellKind::Gru, true},
                        {"LSTM", RnnCellKind::Lstm, false}};
  std::vector<const RnnCellKernels*> isas = {&rnn_cell_kernels_scalar()};
  if (rnn_cell_kernels_avx2()) isas.push_back(rnn_cell_kernels_avx2());
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.1f, 0.1f);
  std::printf("%-8s %5s %5s  %-7s %12s %12s %12s %12s %12s\n", "cell", "H", "batch", "isa", "gemv us", "gemm us",
              "gates us", "step us", "int8 step us");
  for (const Cell& cell : cells)
    for (int64_t H : hiddens) {
      const int64_t G = cell.kind == RnnCellKind::Rnn ? 1 : cell.kind == RnnCellKind::Gru ? 3 : 4;
      std::vector<float> r(static_cast<size_t>(G * H * H)), rbh(static_cast<size_t>(H));
      for (float& v : r) v = u(rng);
      for (float& v : rbh) v = u(rng);
      const RnnCellWeights w = rnn_pack_cell(cell.kind, cell.lbr, H, r.data(), rbh.data(), nullptr);
      std::vector<int8_t> r8(r.size());
      for (size_t i = 0; i < r.size(); ++i) r8[i] = static_cast<int8_t>(std::lround(r[i] * 630.0f));  // |r8| <= 63
      const float r8_scale = 1.0f / 630.0f;
      const RnnCellWeights w8 = rnn_pack_cell_int8(cell.kind, cell.lbr, H, r8.data(), &r8_scale, 1, rbh.data(), nullptr);
      for (int64_t N : {1, 2, 4, 8, 16, 64}) {
        const int64_t Hp = w.Hp;
        std::vector<float> x(static_cast<size_t>(N * G * Hp)), h(static_cast<size_t>(2 * N * Hp), 0.0f),
            c(static_cast<size_t>(N * Hp), 0.0f), work(static_cast<size_t>(rnn_step_work_floats(w8, N)));
        for (float& v : x) v = u(rng);
        for (const RnnCellKernels* k : isas) {
          RnnStepArgs a;
          a.w = &w;
          a.batch = N;
          a.x = x.data();
          a.ldx = G * Hp;
          a.h_prev = h.data();
          a.h_next = h.data() + N * Hp;
          a.c = c.data();
          a.work = work.data();
          float* acc = work.data();
          const RnnPhase phase = cell.kind == RnnCellKind::Rnn    ? RnnPhase::Rnn
                                 : cell.kind == RnnCellKind::Lstm ? RnnPhase::Lstm
                                 : cell.lbr                       ? RnnPhase::GruLbr
                                                                  : RnnPhase::GruZr;
          const int64_t gates = phase == RnnPhase::GruZr ? 2 : G;
          RnnPhaseArgs pa{phase, &a, w.blocks.data(), a.h_prev, acc + N * G * Hp, acc + N * G * Hp + N * Hp};
          // The first phase only (GRU without linear_before_reset has a second, smaller one).
          // Each step reads the state the previous one wrote, as in a sequence.
          auto next = [&] {
            float* prev = a.h_next;
            a.h_next = const_cast<float*>(a.h_prev);
            a.h_prev = prev;
            pa.in = prev;
          };
          const double gemv = time_steps(steps, [&] {
            k->gemv(pa, 0, N);
            next();
          });
          const double gemm = time_steps(steps, [&] {
            gemm_f32(false, false, N, gates * Hp, H, 1.0f, a.h_prev, Hp, w.rt.data(), G * Hp, 0.0f, acc, gates * Hp);
            k->gates(pa, acc, gates * Hp, 0, N);
            next();
          });
          const double gate_math = time_steps(steps, [&] {
            k->gates(pa, acc, gates * Hp, 0, N);
            next();
          });
          auto whole = [&](const RnnCellWeights& weights) {
            RnnStepArgs s = a;
            s.w = &weights;
            return time_steps(steps, [&] {
              rnn_step(*k, s);
              float* written = s.h_next;
              s.h_next = const_cast<float*>(s.h_prev);
              s.h_prev = written;
            });
          };
          const double step = whole(w), step8 = whole(w8);
          std::printf("%-8s %5lld %5lld  %-7s %12.3f %12.3f %12.3f %12.3f %12.3f\n", cell.name, static_cast<long long>(H),
                      static_cast<long long>(N), k->name, gemv, gemm, gate_math, step, step8);
        }
      }
    }
  return 0;
}
