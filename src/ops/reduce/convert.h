// Element conversions shared by the reduce family's kernels, which compute in double.
#pragma once

#include <sz0/dtype.h>

#include <cmath>
#include <limits>
#include <type_traits>

namespace sz0::ops::reduce_detail {

template <class T>
inline constexpr bool is_floaty = std::is_floating_point_v<T> || std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;

template <class T>
double to_double(T v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) return static_cast<float>(v);
  else return static_cast<double>(v);
}

// A double result as T: halves round to nearest; integers truncate toward zero (as a cast of the
// exact result would) and saturate, NaN giving 0.
template <class T>
T from_double(double v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else if constexpr (std::is_same_v<T, double>) {
    return v;
  } else if constexpr (std::is_same_v<T, float>) {
    return static_cast<float>(v);
  } else if constexpr (is_floaty<T>) {
    return T(static_cast<float>(v));
  } else {
    if (std::isnan(v)) return T(0);
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  }
}

// Like from_double, but integers (and bool) round to nearest first: interpolated values of
// integer images should not lose a unit to a weight sum of 0.999999.
template <class T>
T from_double_rounded(double v) {
  if constexpr (is_floaty<T>) return from_double<T>(v);
  else return from_double<T>(std::round(v));
}

}  // namespace sz0::ops::reduce_detail
