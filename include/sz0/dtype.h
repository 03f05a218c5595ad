// Element types. The numeric codes are ONNX's TensorProto.DataType values.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace sz0 {

enum class DType : int8_t {
  Undefined = 0,
  Float = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  UInt32 = 12,
  UInt64 = 13,
  BFloat16 = 16,
};

// IEEE 754 half precision, stored as bits; arithmetic goes through float.
struct Float16 {
  uint16_t bits = 0;
  Float16() = default;
  explicit Float16(float f) : bits(from_float(f)) {}
  operator float() const { return to_float(bits); }  // NOLINT: implicit by design
  static uint16_t from_float(float f);
  static float to_float(uint16_t h);
};

// bfloat16: the top 16 bits of a float, rounded to nearest even.
struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  explicit BFloat16(float f) : bits(from_float(f)) {}
  operator float() const { return to_float(bits); }  // NOLINT
  static uint16_t from_float(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<uint16_t>(u >> 16);
  }
  static float to_float(uint16_t b) {
    uint32_t u = static_cast<uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
};

size_t dtype_size(DType t);            // bytes per element; 0 for Undefined/String
std::string_view dtype_name(DType t);  // "float32", "int64", ... (numpy names)
bool dtype_is_float(DType t);          // float, double, float16, bfloat16
bool dtype_is_signed_int(DType t);
bool dtype_is_unsigned_int(DType t);
inline bool dtype_is_int(DType t) { return dtype_is_signed_int(t) || dtype_is_unsigned_int(t); }
bool dtype_valid(int code);  // a code this runtime can hold in a tensor

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::Float; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Double; };
template <> struct dtype_of<Float16> { static constexpr DType value = DType::Float16; };
template <> struct dtype_of<BFloat16> { static constexpr DType value = DType::BFloat16; };
template <> struct dtype_of<int8_t> { static constexpr DType value = DType::Int8; };
template <> struct dtype_of<int16_t> { static constexpr DType value = DType::Int16; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct dtype_of<uint16_t> { static constexpr DType value = DType::UInt16; };
template <> struct dtype_of<uint32_t> { static constexpr DType value = DType::UInt32; };
template <> struct dtype_of<uint64_t> { static constexpr DType value = DType::UInt64; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <class T> inline constexpr DType dtype_v = dtype_of<T>::value;

// Calls f.template operator()<T>() with the C++ type of `t`:
//   visit_dtype(t, [&]<class T>() { ... });
// Returns false (without calling f) for Undefined/String.
template <class F>
bool visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::Float: f.template operator()<float>(); return true;
    case DType::Double: f.template operator()<double>(); return true;
    case DType::Float16: f.template operator()<Float16>(); return true;
    case DType::BFloat16: f.template operator()<BFloat16>(); return true;
    case DType::Int8: f.template operator()<int8_t>(); return true;
    case DType::Int16: f.template operator()<int16_t>(); return true;
    case DType::Int32: f.template operator()<int32_t>(); return true;
    case DType::Int64: f.template operator()<int64_t>(); return true;
    case DType::UInt8: f.template operator()<uint8_t>(); return true;
    case DType::UInt16: f.template operator()<uint16_t>(); return true;
    case DType::UInt32: f.template operator()<uint32_t>(); return true;
    case DType::UInt64: f.template operator()<uint64_t>(); return true;
    case DType::Bool: f.template operator()<bool>(); return true;
    default: return false;
  }
}

}  // namespace sz0
