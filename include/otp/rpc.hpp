// Exposing C++ functions to Erlang: `rpc:call(CppNode, M, F, Args)` and
// `erpc:call(...)` from any OTP 23+ node reach a function registered as M:F/Arity.
#pragma once

#include <exception>
#include <functional>
#include <span>
#include <string>

#include "otp/term.hpp"

namespace otp {

/// The class of an Erlang exception.
enum class exception_class { error, exit, throw_ };

/// Thrown by a C++ function called from Erlang to raise an Erlang exception of the
/// given class: erlang:error(Reason), exit(Reason) or throw(Reason) as the caller
/// sees it. Any other C++ exception raises `error` with `{cpp_exception, What}`.
class erlang_exception : public std::exception {
  public:
    erlang_exception(exception_class c, term reason);
    exception_class kind() const noexcept { return class_; }
    const term& reason() const noexcept { return reason_; }
    const char* what() const noexcept override { return what_.c_str(); }

  private:
    exception_class class_;
    term reason_;
    std::string what_;
};

/// A C++ function callable from Erlang: gets the arguments, returns the result.
/// Runs on the node's function pool, never on an I/O thread; may block.
using erlang_function = std::function<term(std::span<const term> args)>;

}  // namespace otp
