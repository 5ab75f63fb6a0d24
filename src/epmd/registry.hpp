// The embedded epmd server's registry: pure bookkeeping, no I/O and no clock.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "otp/epmd_protocol.hpp"

namespace otp::epmd {

/// Registered nodes keyed by name, each tied to the connection that registered it, and
/// the recently unregistered names whose creation the next registration continues.
/// Not thread-safe: the server uses it from one strand.
class registry {
  public:
    /// Identifies the server connection that owns a registration.
    using conn_id = std::uint64_t;

    /// `creation_seed` plays the role of epmd's wall-clock seed for new names.
    explicit registry(std::uint32_t creation_seed, std::size_t max_nodes = 4096,
                      std::size_t max_old_names = 1000);

    /// Registers a node for a connection. name_taken if the name is registered, or if
    /// epmd would refuse it (invalid UTF-8, over 255 characters, extra over 1020 bytes).
    /// The creation is 32-bit for highest_version >= 6, else 1..3 as epmd gives.
    result<alive2_result> register_node(conn_id owner, const node_entry& node);
    /// Drops the registration a closed connection owned (if any).
    void connection_closed(conn_id owner);
    /// Force-unregisters a name (STOP_REQ); returns the owning connection, or 0.
    conn_id stop(std::string_view name);
    /// The node registered under a name, or nullptr.
    const node_entry* find(std::string_view name) const noexcept;
    /// NAMES text, newest registration first, exactly as epmd writes it.
    std::string names_text() const;
    /// DUMP text, each entry followed by a NUL byte, exactly as epmd writes it.
    std::string dump_text() const;
    /// Number of live registrations.
    std::size_t size() const noexcept { return nodes_.size(); }

  private:
    struct active {
        node_entry node;
        conn_id owner;
        std::uint32_t creation;
    };
    struct old_name {
        std::string name;
        std::uint16_t port;
        conn_id owner;
        std::uint32_t creation;
    };
    std::uint32_t next_creation_for(std::string_view name);

    std::vector<active> nodes_;  // newest last
    std::deque<old_name> old_;   // newest last
    std::uint32_t seed_;
    std::size_t max_nodes_;
    std::size_t max_old_;
};

}  // namespace otp::epmd
