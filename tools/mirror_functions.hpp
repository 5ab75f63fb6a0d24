// The C++ functions `otpcpp mirror` offers to rpc:call and erpc:call.
#pragma once

#include "otp/node.hpp"

namespace otp::cli {

/// Registers mirror:echo/1 (returns its argument) and mirror:add/2 (the sum of two
/// integers of any size; badarith otherwise, as erlang:'+'/2 raises).
void register_mirror_functions(node& n);

}  // namespace otp::cli
