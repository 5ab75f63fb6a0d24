// Message control tuples read straight from their bytes.
#include "node/message_control.hpp"

#include "term/atom_cache.hpp"
#include "term/etf_tags.hpp"

namespace otp::dist {
namespace {

using namespace etf_detail;

// A bounded cursor; every read checks what is left.
struct cursor {
    const std::uint8_t* p;
    const std::uint8_t* end;
    const std::vector<atom>* refs;

    bool byte(std::uint8_t& b) {
        if (p == end) return false;
        b = *p++;
        return true;
    }
    bool expect(std::uint8_t want) {
        std::uint8_t b;
        return byte(b) && b == want;
    }
    // An atom as a cache reference or SMALL_ATOM_UTF8_EXT; other forms are left to
    // the general decoder.
    bool read_atom(atom& out) {
        std::uint8_t t, n;
        if (!byte(t) || !byte(n)) return false;
        if (t == atom_cache_ref) {
            if (refs == nullptr || n >= refs->size()) return false;
            out = (*refs)[n];
            return true;
        }
        if (t != small_atom_utf8_ext || static_cast<std::size_t>(end - p) < n) return false;
        const detail::atom_entry* hit;
        atom_slot& slot = find_atom(thread_atom_cache(), p, n, hit);
        if (hit != nullptr) {
            out = atom::from_entry(hit);
        } else {
            auto a = atom::make({reinterpret_cast<const char*>(p), n});
            if (!a) return false;
            remember_atom(slot, *a);
            out = *a;
        }
        p += n;
        return true;
    }
    bool read_pid(pid& out) {
        if (!expect(new_pid_ext) || !read_atom(out.node) || end - p < 12) return false;
        out.id = load_be32(p);
        out.serial = load_be32(p + 4);
        out.creation = load_be32(p + 8);
        p += 12;
        return true;
    }
};

}  // namespace

std::optional<message_control> read_message_control(std::span<const std::uint8_t> in,
                                                    const std::vector<atom>* cache_refs,
                                                    std::size_t& used) {
    cursor c{in.data(), in.data() + in.size(), cache_refs};
    std::uint8_t arity, code;
    if (!c.expect(small_tuple_ext) || !c.byte(arity) || !c.expect(small_integer_ext) ||
        !c.byte(code))
        return std::nullopt;
    message_control m;
    m.op = code;
    atom unused;
    bool ok;
    if (code == 2 && arity == 3) {
        ok = c.read_atom(unused) && c.read_pid(m.to);
    } else if (code == 22 && arity == 3) {
        ok = c.read_pid(m.from) && c.read_pid(m.to);
    } else if (code == 6 && arity == 4) {
        ok = c.read_pid(m.from) && c.read_atom(unused) && c.read_atom(m.to_name);
    } else {
        ok = false;
    }
    if (!ok) return std::nullopt;
    used = static_cast<std::size_t>(c.p - in.data());
    return m;
}

}  // namespace otp::dist
