// Internal: small dense symmetric positive definite algebra in double precision, for the
// reconstruction's Hessians (a few thousand dims at most). Matrices are row-major n × n.
#pragma once

#include <sz0/status.h>

#include <cstdint>
#include <vector>

namespace sz0::prune {

// A = L Lᵀ: replaces `a` with L (lower triangle; the strict upper triangle is zeroed). Fails
// when A is not positive definite (a pivot ≤ 0 or not finite); `a` is then unspecified.
Status cholesky(std::vector<double>& a, int64_t n);

// Solves A x = b in place for `nrhs` right-hand sides stored as rows of `b` (b is nrhs × n),
// given A's factor L from cholesky().
void cholesky_solve(const std::vector<double>& l, int64_t n, double* b, int64_t nrhs = 1);

// A⁻¹ of a symmetric positive definite A.
Result<std::vector<double>> spd_inverse(std::vector<double> a, int64_t n);

// The upper triangular U with positive diagonal such that A⁻¹ = Uᵀ U (the upper Cholesky factor
// of A⁻¹), computed without forming A⁻¹.
Result<std::vector<double>> inverse_upper_cholesky(std::vector<double> a, int64_t n);

}  // namespace sz0::prune
