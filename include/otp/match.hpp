// Pattern matching of terms against Erlang patterns written as text, e.g.
// `otp::match(msg, "{reply, Ref, {ok, Value}}", &b)`.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "otp/error.hpp"
#include "otp/term.hpp"
#include "otp/text.hpp"

namespace otp {

/// Variable bindings produced by a successful match: name -> term, in the order the
/// variables first appear in the pattern.
class bindings {
  public:
    using value_type = std::pair<std::string, term>;

    /// The term bound to `name`; term_errc::out_of_range if it is not bound.
    result<term> get(std::string_view name) const;
    /// Same as get().
    result<term> operator[](std::string_view name) const { return get(name); }
    /// The bound term, or nullptr.
    const term* find(std::string_view name) const noexcept;
    /// True when `name` is bound.
    bool contains(std::string_view name) const noexcept { return find(name) != nullptr; }
    /// Binds `name`, replacing an earlier binding.
    void set(std::string_view name, term value);
    /// Number of bound variables.
    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }
    /// Removes every binding.
    void clear() noexcept { items_.clear(); }
    auto begin() const noexcept { return items_.begin(); }
    auto end() const noexcept { return items_.end(); }

  private:
    std::vector<value_type> items_;
};

namespace detail {
struct pattern_impl;
}

/// A compiled Erlang pattern: literals (compared with =:=, so 1 does not match 1.0),
/// variables (repeated ones must be equal; `_` never binds, `_X` binds), tuples, lists
/// with `[H|T]`, `"prefix" ++ T`, map patterns `#{key := V}`, binaries with integer,
/// float, binary, bitstring and utf segments (sizes may name earlier variables), and
/// aliases `P1 = P2`.
///
/// Immutable once compiled: copies share the compiled form and match() may be called
/// from any number of threads at once.
class pattern {
  public:
    /// The pattern `_`, which matches anything.
    pattern() noexcept = default;

    /// Compiles a pattern; term_errc::syntax_error (or too_deep, ...) on bad text.
    static result<pattern> compile(std::string_view text);
    /// As compile(text), filling `err` on failure.
    static result<pattern> compile(std::string_view text, parse_error_info& err);

    /// Matches `value`; on success stores the variables in `*out` (replacing its
    /// contents) when `out` is given. On failure `*out` is left unchanged.
    bool match(const term& value, bindings* out = nullptr) const;

    /// The pattern's variable names (excluding `_`) in order of first appearance.
    std::span<const std::string> variables() const noexcept;
    /// The source text.
    std::string_view source() const noexcept;

  private:
    explicit pattern(std::shared_ptr<const detail::pattern_impl> impl) noexcept
        : impl_(std::move(impl)) {}
    std::shared_ptr<const detail::pattern_impl> impl_;
};

/// Matches `value` against a pattern given as text. Compiled patterns are cached
/// (bounded, thread-safe), so repeated calls with the same text compile once.
/// Throws otp::system_error if the pattern text is invalid.
bool match(const term& value, std::string_view pattern_text, bindings* out = nullptr);

}  // namespace otp
