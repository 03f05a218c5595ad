// Errors as values: Status for operations without a result, Result<T> for those with one.
#pragma once

#include <fmt/format.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sz0 {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status error(std::string message) {
    Status s;
    s.message_ = std::make_shared<const std::string>(std::move(message));
    return s;
  }
  bool ok() const { return message_ == nullptr; }
  const std::string& message() const {
    static const std::string kOk = "ok";
    return message_ ? *message_ : kOk;
  }
  // Prefixes the message: "context: message". No-op on success.
  Status context(std::string_view what) const {
    if (ok()) return *this;
    return error(fmt::format("{}: {}", what, *message_));
  }

 private:
  std::shared_ptr<const std::string> message_;
};

template <class... A>
Status error(fmt::format_string<A...> f, A&&... args) {
  return Status::error(fmt::format(f, std::forward<A>(args)...));
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  Status status() const { return ok() ? Status() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sz0

#define SZ0_CAT_(a, b) a##b
#define SZ0_CAT(a, b) SZ0_CAT_(a, b)

// Returns the status from the enclosing function when `expr` failed.
#define SZ0_TRY(expr)                          \
  do {                                         \
    ::sz0::Status sz0_try_s_ = (expr);         \
    if (!sz0_try_s_.ok()) return sz0_try_s_;   \
  } while (0)

// `SZ0_ASSIGN(auto x, f());` binds the value of a Result or returns its error.
#define SZ0_ASSIGN(decl, expr) SZ0_ASSIGN_(SZ0_CAT(sz0_r_, __LINE__), decl, expr)
#define SZ0_ASSIGN_(tmp, decl, expr)           \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  decl = std::move(tmp).value()
