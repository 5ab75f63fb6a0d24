// Keeps the library's sockets out of programs the application starts.
#pragma once

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#endif

namespace otp::epmd::detail {

/// Marks a socket close-on-exec (Asio does not). A registration ends when its
/// connection closes; a copy inherited by a child process would keep the connection,
/// and with it the registration, alive after we close ours.
inline void set_cloexec([[maybe_unused]] int fd) noexcept {
#if defined(__unix__) || defined(__APPLE__)
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
#endif
}

}  // namespace otp::epmd::detail
