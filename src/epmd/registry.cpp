// The embedded epmd server's registry.
#include "epmd/registry.hpp"

#include <algorithm>

#include "term/utf8.hpp"

namespace otp::epmd {
namespace {
// epmd never hands out creations 0..3 to 32-bit registrations: those are the values
// old 2-bit creations used.
constexpr std::uint32_t min_creation = 4;
std::uint32_t at_least_min(std::uint32_t c) noexcept {
    return c < min_creation ? min_creation : c;
}
}  // namespace

registry::registry(std::uint32_t creation_seed, std::size_t max_nodes, std::size_t max_old_names)
    : seed_(creation_seed), max_nodes_(max_nodes), max_old_(max_old_names) {}

std::uint32_t registry::next_creation_for(std::string_view name) {
    // A name seen before continues from its last creation, so a restarted node never
    // reuses the creation of its previous incarnation; new names take the seed.
    for (auto it = old_.rbegin(); it != old_.rend(); ++it)
        if (it->name == name) {
            const std::uint32_t c = at_least_min(it->creation + 1);
            old_.erase(std::next(it).base());
            return c;
        }
    return at_least_min(seed_++);
}

result<alive2_result> registry::register_node(conn_id owner, const node_entry& node) {
    const detail::utf8_info info = detail::inspect_utf8(node.name);
    if (!info.valid || info.chars > 255 || node.extra.size() > max_name_bytes ||
        find(node.name) != nullptr || nodes_.size() >= max_nodes_)
        return epmd_errc::name_taken;
    const std::uint32_t creation = next_creation_for(node.name);
    nodes_.push_back({node, owner, creation});
    const bool extended = node.highest_version >= 6;
    return alive2_result{extended ? creation : creation % 3 + 1, extended};
}

void registry::connection_closed(conn_id owner) {
    auto it = std::find_if(nodes_.begin(), nodes_.end(),
                           [&](const active& a) { return a.owner == owner; });
    if (it == nodes_.end()) return;
    old_.push_back({it->node.name, it->node.port, it->owner, it->creation});
    if (old_.size() > max_old_) old_.pop_front();
    nodes_.erase(it);
}

registry::conn_id registry::stop(std::string_view name) {
    auto it = std::find_if(nodes_.begin(), nodes_.end(),
                           [&](const active& a) { return a.node.name == name; });
    if (it == nodes_.end()) return 0;
    const conn_id owner = it->owner;
    connection_closed(owner);
    return owner;
}

const node_entry* registry::find(std::string_view name) const noexcept {
    for (const active& a : nodes_)
        if (a.node.name == name) return &a.node;
    return nullptr;
}

std::string registry::names_text() const {
    std::string out;
    for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it)
        out += "name " + it->node.name + " at port " + std::to_string(it->node.port) + "\n";
    return out;
}

std::string registry::dump_text() const {
    std::string out;
    for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
        out += "active name     <" + it->node.name + "> at port " + std::to_string(it->node.port) +
               ", fd = " + std::to_string(it->owner) + "\n";
        out.push_back('\0');
    }
    for (auto it = old_.rbegin(); it != old_.rend(); ++it) {
        out += "old/unused name <" + it->name + ">, port = " + std::to_string(it->port) +
               ", fd = " + std::to_string(it->owner) + " \n";
        out.push_back('\0');
    }
    return out;
}

}  // namespace otp::epmd
