// Dense Cholesky factorization, solves and inverses for the reconstruction's Hessians.
#include "prune/linalg.h"

#include <algorithm>
#include <cmath>

namespace sz0::prune {

namespace {

// Four partial sums let the compiler keep several multiply-adds in flight.
double dot(const double* x, const double* y, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * y[i];
    s1 += x[i + 1] * y[i + 1];
    s2 += x[i + 2] * y[i + 2];
    s3 += x[i + 3] * y[i + 3];
  }
  for (; i < n; ++i) s0 += x[i] * y[i];
  return (s0 + s1) + (s2 + s3);
}

// L⁻¹ of a lower triangular L (row-major, n × n), lower triangular. Row i of L⁻¹ is
// -(Σ_{k<i} L[i][k] · row k of L⁻¹) / L[i][i] off the diagonal: contiguous row updates.
std::vector<double> lower_inverse(const std::vector<double>& l, int64_t n) {
  std::vector<double> m(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    double* mi = &m[static_cast<size_t>(i * n)];
    const double* li = &l[static_cast<size_t>(i * n)];
    for (int64_t k = 0; k < i; ++k) {
      const double f = li[k];
      if (f == 0) continue;
      const double* mk = &m[static_cast<size_t>(k * n)];
      for (int64_t q = 0; q <= k; ++q) mi[q] -= f * mk[q];
    }
    const double inv = 1.0 / li[i];
    for (int64_t q = 0; q < i; ++q) mi[q] *= inv;
    mi[i] = inv;
  }
  return m;
}

}  // namespace

Status cholesky(std::vector<double>& a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    double* ai = &a[static_cast<size_t>(i * n)];
    for (int64_t j = 0; j < i; ++j) {
      const double* aj = &a[static_cast<size_t>(j * n)];
      ai[j] = (ai[j] - dot(ai, aj, j)) / aj[j];
    }
    const double d = ai[i] - dot(ai, ai, i);
    if (!(d > 0) || !std::isfinite(d)) return error("matrix is not positive definite (pivot {} of {} is {})", i, n, d);
    ai[i] = std::sqrt(d);
    std::fill(ai + i + 1, ai + n, 0.0);
  }
  return {};
}

void cholesky_solve(const std::vector<double>& l, int64_t n, double* b, int64_t nrhs) {
  for (int64_t r = 0; r < nrhs; ++r) {
    double* x = b + r * n;
    for (int64_t i = 0; i < n; ++i) {
      const double* li = &l[static_cast<size_t>(i * n)];
      x[i] = (x[i] - dot(li, x, i)) / li[i];
    }
    // Lᵀ x = y by columns of Lᵀ (rows of L), so every access is contiguous.
    for (int64_t i = n - 1; i >= 0; --i) {
      const double* li = &l[static_cast<size_t>(i * n)];
      x[i] /= li[i];
      const double xi = x[i];
      for (int64_t k = 0; k < i; ++k) x[k] -= li[k] * xi;
    }
  }
}

Result<std::vector<double>> spd_inverse(std::vector<double> a, int64_t n) {
  SZ0_TRY(cholesky(a, n));
  const std::vector<double> m = lower_inverse(a, n);
  // A⁻¹ = Mᵀ M with M = L⁻¹ lower: row k of M contributes M[k][p] · M[k][0..k] to rows p ≤ k.
  std::vector<double> inv(static_cast<size_t>(n * n), 0.0);
  for (int64_t k = 0; k < n; ++k) {
    const double* mk = &m[static_cast<size_t>(k * n)];
    for (int64_t p = 0; p <= k; ++p) {
      const double f = mk[p];
      if (f == 0) continue;
      double* row = &inv[static_cast<size_t>(p * n)];
      for (int64_t q = 0; q <= k; ++q) row[q] += f * mk[q];
    }
  }
  return inv;
}

Result<std::vector<double>> inverse_upper_cholesky(std::vector<double> a, int64_t n) {
  // With J the index reversal, J A J = L̃ L̃ᵀ gives A = R Rᵀ for the upper triangular R = J L̃ J,
  // so A⁻¹ = (R⁻¹)ᵀ R⁻¹ and R⁻¹ = J L̃⁻¹ J is the factor wanted: one factorization and one
  // triangular inverse instead of an inverse and a second factorization.
  std::reverse(a.begin(), a.end());  // (J A J)[i][j] = A[n-1-i][n-1-j]: the flat array reversed
  SZ0_TRY(cholesky(a, n));
  std::vector<double> u = lower_inverse(a, n);
  std::reverse(u.begin(), u.end());
  return u;
}

}  // namespace sz0::prune
