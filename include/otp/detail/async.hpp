// Glue between token-generic async_* templates and operations implemented in .cpp
// files: the implementation receives a move-only, type-erased callback, and the
// template turns any Asio completion token (callback, use_future, use_awaitable)
// into one. The handler then runs on its associated executor, as Asio requires.
#pragma once

#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/dispatch.hpp>

namespace otp::detail {

/// A move-only `void(Args...)` callable, called at most once. Not thread-safe.
template <class... Args>
class unique_callback {
  public:
    unique_callback() = default;
    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, unique_callback>>>
    unique_callback(F&& f)  // NOLINT(google-explicit-constructor): a callable converts
        : impl_(std::make_unique<model<std::decay_t<F>>>(std::forward<F>(f))) {}

    /// True until called (or when default-constructed: false).
    explicit operator bool() const noexcept { return impl_ != nullptr; }

    /// Calls the callable once; afterwards this is empty.
    void operator()(Args... args) {
        auto impl = std::move(impl_);
        impl->call(std::forward<Args>(args)...);
    }

  private:
    struct concept_t {
        virtual ~concept_t() = default;
        virtual void call(Args&&... args) = 0;
    };
    template <class F>
    struct model final : concept_t {
        explicit model(F&& f) : f_(std::move(f)) {}
        explicit model(const F& f) : f_(f) {}
        void call(Args&&... args) override { f_(std::forward<Args>(args)...); }
        F f_;
    };
    std::unique_ptr<concept_t> impl_;
};

/// The composed operation behind async_erased: starts the implementation with a
/// callback that completes the handler on the handler's associated executor.
template <class Start, class... Args>
struct erased_op {
    Start start;

    template <class Self>
    void operator()(Self& self) {
        Start s = std::move(start);  // `self` (holding *this) moves into the callback
        s(unique_callback<Args...>([self = std::move(self)](Args... args) mutable {
            auto ex = self.get_executor();
            boost::asio::dispatch(
                ex, [self = std::move(self), t = std::make_tuple(std::move(args)...)]() mutable {
                    std::apply([&](auto&&... a) { self.complete(std::move(a)...); }, std::move(t));
                });
        }));
    }
};

/// Runs `start(unique_callback<Args...>)` as an Asio operation with signature
/// `void(Args...)` on `io_ex`. The implementation must never call the callback from
/// inside `start` (post it instead), so that no handler runs before initiation returns.
template <class... Args, class Start, class Token>
auto async_erased(const boost::asio::any_io_executor& io_ex, Start&& start, Token&& token) {
    return boost::asio::async_compose<Token, void(Args...)>(
        erased_op<std::decay_t<Start>, Args...>{std::forward<Start>(start)}, token, io_ex);
}

}  // namespace otp::detail
