#include "ops/quant/qfew.h"

#include "ops/quant/quant_util.h"

namespace sz0::ops::quant {

Status FewRows::init(const Node& node, bool trans, int64_t k, int64_t n, const int8_t* wv) {
  kernels::pack_s8_rows(trans, k, n, wv, w);
  colsum.assign(static_cast<size_t>(n), 0.f);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t kk = 0; kk < k; ++kk) colsum[j] += static_cast<float>(w.data[j * w.kp + kk]);
  if (!w.fits_7bit) w = {};  // the dot-product kernel would saturate: oneDNN only
  SZ0_ASSIGN(act, activation_step(node));
  return {};
}

std::vector<float> FewRows::folded_bias(const std::vector<float>& bias_acc, int32_t zp) const {
  std::vector<float> b(colsum.size());
  for (size_t j = 0; j < b.size(); ++j) b[j] = (bias_acc.empty() ? 0.f : bias_acc[j]) - static_cast<float>(zp) * colsum[j];
  return b;
}

void FewRows::run(int64_t rows, const uint8_t* a, int64_t lda, const float* bias, const float* unit, DType out,
                  float y_scale, int32_t y_zp, void* y, int threads) const {
  const int64_t n = w.n;
  thread_local std::vector<int32_t> acc;
  thread_local std::vector<float> real;
  acc.resize(static_cast<size_t>(rows * n));
  real.resize(static_cast<size_t>(n));
  kernels::qgemv_u8s8(rows, a, lda, w, acc.data(), n, threads);
  const kernels::SimdF32Kernels& simd = kernels::simd_f32();
  const QRange qr = qrange(out);
  const float inv = y_scale > 0 ? 1.0f / y_scale : 1.0f;
  const float lo = static_cast<float>(qr.lo - y_zp), hi = static_cast<float>(qr.hi - y_zp);
  for (int64_t i = 0; i < rows; ++i) {
    const int32_t* ai = acc.data() + i * n;
    for (int64_t j = 0; j < n; ++j) real[j] = (static_cast<float>(ai[j]) + bias[j]) * unit[j];
    if (act) simd.unary(act->op, act->args, real.data(), real.data(), n);
    if (out == DType::Float) {
      std::copy(real.begin(), real.end(), static_cast<float*>(y) + i * n);
    } else if (out == DType::UInt8) {
      uint8_t* yi = static_cast<uint8_t*>(y) + i * n;
      for (int64_t j = 0; j < n; ++j) yi[j] = static_cast<uint8_t>(quantize_value(real[j] * inv, y_zp, lo, hi));
    } else {
      int8_t* yi = static_cast<int8_t*>(y) + i * n;
      for (int64_t j = 0; j < n; ++j) yi[j] = static_cast<int8_t>(quantize_value(real[j] * inv, y_zp, lo, hi));
    }
  }
}

}  // namespace sz0::ops::quant
