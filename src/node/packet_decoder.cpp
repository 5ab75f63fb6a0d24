// Decoding of distribution packets.
#include "node/packet_decoder.hpp"

namespace otp::dist {
namespace {

constexpr std::uint8_t version_magic = 131;
constexpr std::uint8_t pass_through = 112;
constexpr std::uint8_t dist_header = 68;
constexpr std::uint8_t frag_start = 69;
constexpr std::uint8_t frag_cont = 70;
constexpr std::size_t cache_slots = 2048;

std::uint64_t get_u64(const std::uint8_t* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | p[i];
    return v;
}

}  // namespace

packet_decoder::packet_decoder(decoder_config cfg) : cfg_(std::move(cfg)), opts_(cfg_.terms) {}

bool packet_decoder::read_cache_section(std::span<const std::uint8_t> in, std::size_t& pos,
                                        std::vector<atom>& atoms) {
    atoms.clear();
    if (pos >= in.size()) return false;
    const std::size_t n = in[pos++];
    if (n == 0) return true;
    const std::size_t flag_bytes = n / 2 + 1;
    if (in.size() - pos < flag_bytes) return false;
    const std::uint8_t* flags = &in[pos];
    pos += flag_bytes;
    const auto nibble = [&](std::size_t i) { return (flags[i / 2] >> ((i % 2) * 4)) & 0xF; };
    const bool long_atoms = (nibble(n) & 1) != 0;
    // Made on first use: a peer that never uses the cache (another otpcpp node) costs
    // an idle connection nothing for it.
    if (cache_.empty()) {
        cache_.resize(cache_slots);
        cache_set_.assign(cache_slots, false);
    }
    atoms.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned f = nibble(i);
        if (pos >= in.size()) return false;
        const std::size_t slot = (f & 7) * 256 + in[pos++];
        if (f & 8) {
            // A new entry: the atom's text follows and replaces the slot.
            std::size_t len;
            if (long_atoms) {
                if (in.size() - pos < 2) return false;
                len = (std::size_t{in[pos]} << 8) | in[pos + 1];
                pos += 2;
            } else {
                if (pos >= in.size()) return false;
                len = in[pos++];
            }
            if (in.size() - pos < len) return false;
            auto a = atom::make({reinterpret_cast<const char*>(&in[pos]), len});
            if (!a) return false;
            pos += len;
            cache_[slot] = *a;
            cache_set_[slot] = true;
        } else if (!cache_set_[slot]) {
            return false;
        }
        atoms.push_back(cache_[slot]);
    }
    return true;
}

packet_decoder::status packet_decoder::decode_terms(std::span<const std::uint8_t> in,
                                                    const std::vector<atom>* atoms, bool versioned,
                                                    const std::shared_ptr<const void>& owner,
                                                    message& out, std::error_code& ec) {
    // The reader's own options, adjusted per packet rather than copied (a copy costs
    // atomic counts on the owner and copies the resolver).
    atom_cache_view view{atoms ? std::span<const atom>(*atoms) : std::span<const atom>()};
    decode_options& opts = opts_;
    opts.zero_copy = cfg_.terms.zero_copy && owner != nullptr;
    if (opts.zero_copy) opts.owner = owner;
    opts.atom_cache = atoms ? &view : nullptr;
    struct release_owner {
        decode_options& o;
        ~release_owner() {
            o.owner.reset();
            o.atom_cache = nullptr;
        }
    } release{opts};
    std::size_t pos = 0;
    const auto one = [&](term& t) {
        if (versioned) {
            if (pos >= in.size() || in[pos] != version_magic) return false;
            ++pos;
        }
        std::size_t used = 0;
        auto r = decode_body(in.subspan(pos), used, opts);
        if (!r) return false;
        t = std::move(*r);
        pos += used;
        return true;
    };
    out.direct.reset();
    out.control = term();
    if (cfg_.direct_control) {
        const std::size_t at = pos + (versioned ? 1 : 0);
        std::size_t used = 0;
        if ((!versioned || (pos < in.size() && in[pos] == version_magic)) &&
            (out.direct = read_message_control(in.subspan(at), atoms, used)))
            pos = at + used;
    }
    if (!out.direct && !one(out.control)) {
        ec = dist_errc::bad_term;
        return status::error;
    }
    out.payload.reset();
    if (pos < in.size()) {
        term p;
        if (!one(p) || pos != in.size()) {
            ec = dist_errc::bad_term;
            return status::error;
        }
        out.payload = std::move(p);
    }
    return status::message;
}

packet_decoder::status packet_decoder::decode(std::span<const std::uint8_t> packet,
                                              const std::shared_ptr<const void>& owner,
                                              message& out, std::error_code& ec) {
    if (packet.empty()) return status::tick;
    const auto fail = [&](dist_errc e) {
        ec = e;
        return status::error;
    };
    if (!cfg_.header_format) {
        if (packet[0] != pass_through) return fail(dist_errc::bad_packet);
        return decode_terms(packet.subspan(1), nullptr, true, owner, out, ec);
    }
    if (packet.size() < 2 || packet[0] != version_magic) return fail(dist_errc::bad_packet);
    std::size_t pos = 2;
    switch (packet[1]) {
        case dist_header:
            if (!read_cache_section(packet, pos, scratch_atoms_))
                return fail(dist_errc::bad_atom_cache);
            return decode_terms(packet.subspan(pos), &scratch_atoms_, false, owner, out, ec);
        case frag_start: {
            if (!cfg_.fragments || packet.size() < 18) return fail(dist_errc::bad_packet);
            const std::uint64_t seq = get_u64(&packet[2]);
            const std::uint64_t frag = get_u64(&packet[10]);
            pos = 18;
            if (frag == 0) return fail(dist_errc::bad_fragment);
            std::vector<atom> atoms;
            if (!read_cache_section(packet, pos, atoms)) return fail(dist_errc::bad_atom_cache);
            if (frag == 1) return decode_terms(packet.subspan(pos), &atoms, false, owner, out, ec);
            if (sequences_.count(seq) != 0) return fail(dist_errc::bad_fragment);
            const std::size_t bytes = packet.size() - pos;
            if (sequences_.size() >= cfg_.max_sequences ||
                pending_bytes_ + bytes > cfg_.max_fragment_bytes)
                return fail(dist_errc::fragment_limit);
            auto data = std::make_shared<std::vector<std::uint8_t>>(
                packet.begin() + static_cast<std::ptrdiff_t>(pos), packet.end());
            sequences_.emplace(seq, sequence{frag - 1, std::move(atoms), std::move(data)});
            pending_bytes_ += bytes;
            return status::pending;
        }
        case frag_cont: {
            if (!cfg_.fragments || packet.size() < 18) return fail(dist_errc::bad_packet);
            const std::uint64_t seq = get_u64(&packet[2]);
            const std::uint64_t frag = get_u64(&packet[10]);
            auto it = sequences_.find(seq);
            if (it == sequences_.end() || it->second.next_fragment != frag)
                return fail(dist_errc::bad_fragment);
            const std::size_t bytes = packet.size() - 18;
            if (pending_bytes_ + bytes > cfg_.max_fragment_bytes)
                return fail(dist_errc::fragment_limit);
            auto& s = it->second;
            s.data->insert(s.data->end(), packet.begin() + 18, packet.end());
            pending_bytes_ += bytes;
            if (frag > 1) {
                --s.next_fragment;
                return status::pending;
            }
            sequence done = std::move(s);
            sequences_.erase(it);
            pending_bytes_ -= done.data->size();
            return decode_terms(*done.data, &done.atoms, false, done.data, out, ec);
        }
        default:
            return fail(dist_errc::bad_packet);
    }
}

}  // namespace otp::dist
