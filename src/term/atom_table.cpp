// The process-wide atom table: interning, validation and its size limit.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <unordered_map>

#include "otp/atom.hpp"
#include "term/utf8.hpp"

namespace otp {
namespace detail {
namespace {

std::uint32_t hash_bytes(std::string_view s) noexcept {
    // FNV-1a over 8-byte words then the tail: atoms are short, and this stays cheap.
    std::uint64_t h = 0xcbf29ce484222325ull ^ s.size();
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; i < s.size(); ++i)
        h = (h ^ static_cast<unsigned char>(s[i])) * 0x100000001b3ull;
    h ^= h >> 32;
    return static_cast<std::uint32_t>(h);
}

atom_entry* make_entry(std::string_view utf8, std::uint32_t hash, std::uint16_t chars, bool latin1,
                       std::uint32_t index) {
    // Zeros pad the text to at least 8 bytes past its end, so that comparisons may read
    // the name a word at a time (atom_prefix).
    const std::size_t bytes = sizeof(atom_entry) + utf8.size() + atom_text_padding;
    void* mem = std::malloc(bytes);
    if (mem == nullptr) throw std::bad_alloc();
    std::memset(mem, 0, bytes);
    auto* e = static_cast<atom_entry*>(mem);
    e->index = index;
    e->hash = hash;
    e->size = static_cast<std::uint16_t>(utf8.size());
    e->chars = chars;
    e->latin1 = latin1;
    if (!utf8.empty()) std::memcpy(e->text, utf8.data(), utf8.size());
    e->text[utf8.size()] = '\0';
    return e;
}

struct view_hash {
    std::size_t operator()(std::string_view s) const noexcept { return hash_bytes(s); }
};

// Entries are never freed (atoms are immortal, as in the BEAM); the table's size is
// bounded by max_atoms instead.
struct table {
    std::shared_mutex mutex;
    std::unordered_map<std::string_view, const atom_entry*, view_hash> by_name;
    std::atomic<std::size_t> count{0};
    std::atomic<std::size_t> max_atoms{atom_table_limits{}.max_atoms};
    const atom_entry* empty = nullptr;

    table() {
        by_name.reserve(4096);
        empty = make_entry({}, hash_bytes({}), 0, true, 0);
        by_name.emplace(std::string_view{}, empty);
        count = 1;
    }
};

table& the_table() {
    static table* t = new table();  // leaked on purpose: atoms outlive static destructors
    return *t;
}

// A per-thread direct-mapped cache in front of the shared table: decoding hot atoms
// then takes no lock at all.
struct cache_slot {
    const atom_entry* entry = nullptr;
};
thread_local cache_slot tl_cache[512];

}  // namespace

const atom_entry* empty_atom() noexcept {
    static const atom_entry* e = the_table().empty;
    return e;
}

const atom_entry* intern_atom(std::string_view utf8, std::error_code& ec) noexcept {
    const std::uint32_t h = hash_bytes(utf8);
    cache_slot& slot = tl_cache[h & 511];
    if (const atom_entry* e = slot.entry; e != nullptr && e->hash == h && e->size == utf8.size() &&
                                          std::memcmp(e->text, utf8.data(), utf8.size()) == 0)
        return e;

    table& t = the_table();
    {
        std::shared_lock lock(t.mutex);
        auto it = t.by_name.find(utf8);
        if (it != t.by_name.end()) {
            slot.entry = it->second;
            return it->second;
        }
    }
    const utf8_info info = inspect_utf8(utf8);
    if (!info.valid) {
        ec = term_errc::invalid_utf8;
        return nullptr;
    }
    if (info.chars > 255) {
        ec = term_errc::atom_too_long;
        return nullptr;
    }
    try {
        std::unique_lock lock(t.mutex);
        auto it = t.by_name.find(utf8);
        if (it != t.by_name.end()) {
            slot.entry = it->second;
            return it->second;
        }
        const std::size_t n = t.count.load(std::memory_order_relaxed);
        if (n >= t.max_atoms.load(std::memory_order_relaxed)) {
            ec = term_errc::atom_table_full;
            return nullptr;
        }
        const atom_entry* e = make_entry(utf8, h, static_cast<std::uint16_t>(info.chars),
                                         info.max_code_point < 256, static_cast<std::uint32_t>(n));
        t.by_name.emplace(std::string_view(e->text, e->size), e);
        t.count.store(n + 1, std::memory_order_relaxed);
        slot.entry = e;
        return e;
    } catch (const std::bad_alloc&) {
        ec = term_errc::atom_table_full;
        return nullptr;
    }
}

}  // namespace detail

void set_atom_table_limits(const atom_table_limits& limits) noexcept {
    detail::the_table().max_atoms.store(limits.max_atoms, std::memory_order_relaxed);
}

std::size_t atom_count() noexcept {
    return detail::the_table().count.load(std::memory_order_relaxed);
}

atom::atom(std::string_view utf8_name) {
    std::error_code ec;
    e_ = detail::intern_atom(utf8_name, ec);
    if (e_ == nullptr) throw system_error(ec, "otp::atom");
}

result<atom> atom::make(std::string_view utf8_name) noexcept {
    std::error_code ec;
    const detail::atom_entry* e = detail::intern_atom(utf8_name, ec);
    if (e == nullptr) return ec;
    return atom(e);
}

result<atom> atom::from_latin1(std::string_view latin1_name) noexcept {
    if (latin1_name.size() > 255) return term_errc::atom_too_long;
    bool ascii = true;
    for (char c : latin1_name)
        ascii &= static_cast<unsigned char>(c) < 0x80;
    if (ascii) return make(latin1_name);
    char buf[510];
    std::size_t n = 0;
    for (char c : latin1_name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80) {
            buf[n++] = c;
        } else {
            buf[n++] = static_cast<char>(0xC0 | (u >> 6));
            buf[n++] = static_cast<char>(0x80 | (u & 0x3F));
        }
    }
    return make(std::string_view(buf, n));
}

namespace atoms {
#define OTPCPP_STATIC_ATOM(fn, text)      \
    atom fn() noexcept {                  \
        static const atom a = atom(text); \
        return a;                         \
    }
OTPCPP_STATIC_ATOM(ok, "ok")
OTPCPP_STATIC_ATOM(error, "error")
OTPCPP_STATIC_ATOM(true_, "true")
OTPCPP_STATIC_ATOM(false_, "false")
OTPCPP_STATIC_ATOM(undefined, "undefined")
OTPCPP_STATIC_ATOM(nonode_nohost, "nonode@nohost")
#undef OTPCPP_STATIC_ATOM
}  // namespace atoms

}  // namespace otp
