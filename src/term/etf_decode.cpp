// ETF decoding: bytes to otp::term.
//
// One iterative pass with an explicit stack of open containers, so hostile nesting
// costs heap (bounded by max_depth), never native stack. Every count is checked
// against the bytes left before anything is allocated: each element takes at least
// one byte, so a container can never claim more slots than the input could fill.
//
// All nodes of one decoded term go into one arena (term/arena.hpp). A slot inside it
// holds no count on the node it names, so slots are written with placement new and
// never assigned to or destroyed: that would release a count nobody took.
#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <string_view>

#include <zlib.h>

#include "otp/etf.hpp"
#include "term/arena.hpp"
#include "term/atom_cache.hpp"
#include "term/etf_tags.hpp"
#include "term/map_order.hpp"

namespace otp {
namespace {

using detail::tag;
using namespace etf_detail;

// Binaries below this size are copied even in zero-copy mode: a reference costs a
// node and an atomic count, which is more than copying a few bytes.
constexpr std::size_t zero_copy_min = 64;
// The largest ratio deflate can reach is about 1032:1, so a compressed term claiming
// more than this per compressed byte is corrupt and must not make us allocate.
constexpr std::size_t max_deflate_ratio = 1032;

// chain: the rest of a list whose tail is itself a list (see flatten_chain).
enum class frame_kind : std::uint8_t { tuple, list, map, fun, chain };

// An open container: slots from `next` on still have to be decoded.
struct frame {
    term* next;
    std::uint32_t remaining;  // slots left, the current one included
    frame_kind kind;
    detail::heap_node* node;
    const std::uint8_t* start;  // the container's tag
    // Lists, chains, funs: the slot holding the container itself.
    term* dst;
    // Funs only: the atom of the module.
    const detail::atom_entry* fun_module;
};

// A stack with inline room for ordinary nesting; deeper input spills to the heap.
class frame_stack {
  public:
    frame_stack() noexcept = default;
    frame_stack(const frame_stack&) = delete;
    frame_stack& operator=(const frame_stack&) = delete;
    ~frame_stack() {
        if (data_ != inline_) delete[] data_;
    }
    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }
    frame& top() noexcept { return data_[size_ - 1]; }
    void pop() noexcept { --size_; }
    frame& push() {
        if (size_ == cap_) grow();
        return data_[size_++];
    }

  private:
    void grow() {
        const std::size_t cap = cap_ * 2;
        auto* d = new frame[cap];
        std::copy(data_, data_ + size_, d);
        if (data_ != inline_) delete[] data_;
        data_ = d;
        cap_ = cap;
    }
    static constexpr std::size_t inline_cap = 32;
    frame inline_[inline_cap];
    frame* data_ = inline_;
    std::size_t size_ = 0;
    std::size_t cap_ = inline_cap;
};

// Writes an arena node into a slot (whatever the slot held is not released).
inline void put(term* dst, tag t, detail::heap_node* n) noexcept {
    new (dst) term(term::adopt(t, n));
}

// A term slot outside the arena that, like the slots inside it, holds no count on an
// arena node: it is cleared, never released, when it goes away. The root slot hands
// the decoder's reference to the arena over to the term that take() returns.
class slot {
  public:
    explicit slot(detail::arena_builder& a) noexcept : arena_(a) {}
    slot(const slot&) = delete;
    slot& operator=(const slot&) = delete;
    ~slot() {
        if (arena_.owns(t_.raw_node())) new (&t_) term();
    }
    term* get() noexcept { return &t_; }
    const term& peek() const noexcept { return t_; }
    term take() noexcept {
        if (arena_.owns(t_.raw_node())) arena_.hand_over();
        return std::move(t_);
    }

  private:
    detail::arena_builder& arena_;
    term t_;
};

// FLOAT_EXT text as OTP accepts it: [+-]digits.digits[(e|E)[+-]digits], NUL-ended.
// Underflow gives a signed zero; overflow is an error, as in OTP.
bool parse_float_text(const std::uint8_t* s, double& out) noexcept {
    const char* b = reinterpret_cast<const char*>(s);
    const std::size_t len = strnlen(b, float_ext_text);
    std::size_t i = 0;
    bool neg = false;
    if (i < len && (b[i] == '+' || b[i] == '-')) neg = b[i++] == '-';
    const std::size_t int_begin = i;
    while (i < len && b[i] >= '0' && b[i] <= '9')
        ++i;
    const std::size_t int_end = i;
    if (int_end == int_begin || i >= len || b[i] != '.') return false;
    const std::size_t frac_begin = ++i;
    while (i < len && b[i] >= '0' && b[i] <= '9')
        ++i;
    const std::size_t frac_end = i;
    if (frac_end == frac_begin) return false;
    long exp = 0;
    if (i < len && (b[i] == 'e' || b[i] == 'E')) {
        ++i;
        bool eneg = false;
        if (i < len && (b[i] == '+' || b[i] == '-')) eneg = b[i++] == '-';
        const std::size_t e_begin = i;
        while (i < len && b[i] >= '0' && b[i] <= '9') {
            // Saturate: beyond any double's range either way, and no overflow.
            if (exp < 100000) exp = exp * 10 + (b[i] - '0');
            ++i;
        }
        if (i == e_begin) return false;
        if (eneg) exp = -exp;
    }
    if (i != len) return false;
    // from_chars takes no '+' sign; the grammar above is stricter than its own.
    const char* first = b + (b[0] == '+' ? 1 : 0);
    double v = 0;
    const auto r = std::from_chars(first, b + len, v);
    if (r.ec == std::errc::result_out_of_range) {
        // Decimal exponent of the leading significant digit tells underflow from overflow.
        long lead = -1;
        for (std::size_t k = int_begin; k < int_end; ++k)
            if (b[k] != '0') {
                lead = static_cast<long>(int_end - k) - 1;
                break;
            }
        if (lead < 0)
            for (std::size_t k = frac_begin; k < frac_end; ++k)
                if (b[k] != '0') {
                    lead = -static_cast<long>(k - frac_begin) - 1;
                    break;
                }
        if (lead + exp >= 0) return false;
        out = neg ? -0.0 : 0.0;
        return true;
    }
    if (r.ec != std::errc() || r.ptr != b + len || !std::isfinite(v)) return false;
    out = v;
    return true;
}

// The slot of a map frame with `remaining` slots left: slots alternate key, value.
inline term* map_slot(detail::map_node* m, std::uint32_t remaining) noexcept {
    const std::uint32_t i = 2 * m->size - remaining;
    return (i & 1) ? &m->pairs()[i / 2].second : &m->pairs()[i / 2].first;
}

// OTP never writes a list whose tail is another LIST_EXT or STRING_EXT, but it reads
// one. Decoded as is, such input becomes a chain of runs, and comparing chains with
// differently split lists costs the comparison a level of recursion per run: a
// hostile peer could overflow the stack with a map of two such keys. So a chain is
// rebuilt as one run (moving the elements) once its last tail is known.
bool flatten_chain(term* head, detail::arena_builder& arena) {
    std::size_t n = 0;
    const term* t = head;
    while (t->raw_tag() == tag::list) {
        const auto* run = static_cast<const detail::list_node*>(t->raw_node());
        n += run->size - t->raw_aux();
        t = &run->tail;
    }
    // n is bounded by the input length, which the LIST_EXT counts already checked
    // against 32 bits per run; a chain could still exceed 2^32 elements in total.
    if (n > std::numeric_limits<std::uint32_t>::max()) return false;
    auto* flat = arena.list(static_cast<std::uint32_t>(n));
    term* out = flat->elems();
    term* cur = head;
    while (cur->raw_tag() == tag::list) {
        // Freshly decoded runs are referenced only from here, so their elements can
        // be moved out; the runs stay behind in the arena as unused room.
        auto* run = static_cast<detail::list_node*>(cur->raw_node());
        for (std::uint32_t i = cur->raw_aux(); i < run->size; ++i)
            new (out++) term(std::move(run->elems()[i]));
        cur = &run->tail;
    }
    new (&flat->tail) term(std::move(*cur));
    put(head, tag::list, flat);
    return true;
}

class decoder {
  public:
    decoder(const std::uint8_t* begin, const std::uint8_t* end, const decode_options& opt,
            detail::arena_builder& arena, detail::heap_node* zc_owner) noexcept
        : base_(begin),
          p_(begin),
          end_(end),
          opt_(opt),
          arena_(arena),
          zc_owner_(zc_owner),
          atoms_(thread_atom_cache()) {}

    // Decodes one term at the current position into *root (which holds `[]`).
    bool run(term* root);

    std::size_t consumed() const noexcept { return static_cast<std::size_t>(p_ - base_); }
    std::error_code error() const noexcept { return ec_; }
    std::size_t error_offset() const noexcept { return err_off_; }

  private:
    bool fail(term_errc e, const std::uint8_t* at) noexcept {
        ec_ = make_error_code(e);
        err_off_ = static_cast<std::size_t>(at - base_);
        return false;
    }
    bool fail(std::error_code e, const std::uint8_t* at) noexcept {
        ec_ = e;
        err_off_ = static_cast<std::size_t>(at - base_);
        return false;
    }
    std::size_t left() const noexcept { return static_cast<std::size_t>(end_ - p_); }
    // True when n more bytes exist at p_; else records truncation at the end.
    bool need(std::size_t n) noexcept { return left() >= n || fail(term_errc::truncated, end_); }

    bool leaf(term* dst);
    bool read_atom(atom& out);
    bool atom_utf8(const std::uint8_t* s, std::size_t n, const std::uint8_t* at, atom& out);
    // Writes the atom named s[0, n) to *dst if this thread's cache knows it.
    bool cached_atom(const std::uint8_t* s, std::size_t n, term* dst) noexcept {
        const detail::atom_entry* hit;
        find_atom(atoms_, s, n, hit);
        if (hit != nullptr) new (dst) term(atom::from_entry(hit));
        return hit != nullptr;
    }
    bool atom_latin1(const std::uint8_t* s, std::size_t n, const std::uint8_t* at, atom& out);
    bool integer(const std::uint8_t* digits, std::size_t n, bool neg, term* dst);
    bool binary(const std::uint8_t* data, std::size_t n, std::uint8_t bits, term* dst);
    bool pid_port_ref(std::uint8_t t, term* dst);
    bool read_export(term* dst);
    bool open_fun(term* dst);
    bool close_fun(frame& f);
    bool close_map(frame& f);
    enum class fill_result { filled, general, failed };
    template <bool Map>
    [[gnu::always_inline]] inline fill_result fill_slots(frame& f);
    bool string(term* dst);
    bool push(frame_kind k, detail::heap_node* node, term* first, std::uint32_t n,
              const std::uint8_t* start);

    const std::uint8_t* base_;
    const std::uint8_t* p_;
    const std::uint8_t* end_;
    const decode_options& opt_;
    detail::arena_builder& arena_;  // where every node goes
    detail::heap_node* zc_owner_;   // keeps zero-copy binaries' bytes alive, or nullptr
    atom_slot* atoms_;              // this thread's atom cache
    term* root_ = nullptr;          // the slot outside the arena that run() fills
    frame_stack stack_;
    map_sort_scratch sort_scratch_;
    std::error_code ec_;
    std::size_t err_off_ = 0;
};

inline bool decoder::push(frame_kind k, detail::heap_node* node, term* first, std::uint32_t n,
                          const std::uint8_t* start) {
    if (stack_.size() >= opt_.max_depth) return fail(term_errc::too_deep, start);
    frame& f = stack_.push();
    f.next = first;
    f.remaining = n;
    f.kind = k;
    f.node = node;
    f.start = start;
    return true;
}

bool decoder::atom_utf8(const std::uint8_t* s, std::size_t n, const std::uint8_t* at, atom& out) {
    const detail::atom_entry* hit;
    atom_slot& slot = find_atom(atoms_, s, n, hit);
    if (hit != nullptr) {
        out = atom::from_entry(hit);
        return true;
    }
    // 255 characters take at most 4 * 255 bytes.
    if (n > 1020) return fail(term_errc::atom_too_long, at);
    auto r = atom::make(std::string_view(reinterpret_cast<const char*>(s), n));
    if (!r) return fail(r.error(), at);
    out = *r;
    remember_atom(slot, out);
    return true;
}

bool decoder::atom_latin1(const std::uint8_t* s, std::size_t n, const std::uint8_t* at, atom& out) {
    // Only ASCII names read the same in Latin-1 and UTF-8, so only they share the
    // cache. Other Latin-1 bytes can still spell a cached UTF-8 name (E5 8E 9F is one
    // character in UTF-8 and three in Latin-1): a hit counts only if it is ASCII, which
    // is when its n bytes are n characters.
    const detail::atom_entry* hit;
    atom_slot& slot = find_atom(atoms_, s, n, hit);
    if (hit != nullptr && hit->chars == n) {
        out = atom::from_entry(hit);
        return true;
    }
    if (n > 255) return fail(term_errc::atom_too_long, at);
    auto r = atom::from_latin1(std::string_view(reinterpret_cast<const char*>(s), n));
    if (!r) return fail(r.error(), at);
    out = *r;
    if (out.entry()->size == n) remember_atom(slot, out);
    return true;
}

// An atom in a position that only takes atoms (node names, module names).
bool decoder::read_atom(atom& out) {
    const std::uint8_t* at = p_;
    if (!need(1)) return false;
    switch (*p_) {
        case small_atom_utf8_ext:
        case small_atom_ext: {
            if (!need(2)) return false;
            const std::size_t n = p_[1];
            if (left() - 2 < n) return fail(term_errc::truncated, end_);
            const std::uint8_t* s = p_ + 2;
            p_ += 2 + n;
            return *at == small_atom_utf8_ext ? atom_utf8(s, n, at, out)
                                              : atom_latin1(s, n, at, out);
        }
        case atom_utf8_ext:
        case atom_ext: {
            if (!need(3)) return false;
            const std::size_t n = load_be16(p_ + 1);
            if (left() - 3 < n) return fail(term_errc::truncated, end_);
            const std::uint8_t* s = p_ + 3;
            p_ += 3 + n;
            return *at == atom_utf8_ext ? atom_utf8(s, n, at, out) : atom_latin1(s, n, at, out);
        }
        case atom_cache_ref: {
            if (!need(2)) return false;
            if (opt_.atom_cache == nullptr) return fail(term_errc::atom_cache_ref, at);
            const atom* a = opt_.atom_cache->find(p_[1]);
            if (a == nullptr) return fail(term_errc::bad_value, at);
            out = *a;
            p_ += 2;
            return true;
        }
        default:
            return fail(term_errc::bad_tag, at);
    }
}

// Bignum magnitude, little-endian. Values that fit int64 become small integers, as
// the term model requires, whatever the (possibly non-minimal) encoding.
bool decoder::integer(const std::uint8_t* digits, std::size_t n, bool neg, term* dst) {
    while (n > 0 && digits[n - 1] == 0)
        --n;
    if (n <= 8) {
        std::uint64_t m = 0;
        for (std::size_t i = n; i-- > 0;)
            m = (m << 8) | digits[i];
        if (!neg && m <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            new (dst) term(static_cast<long>(m));
            return true;
        }
        if (neg && m <= (std::uint64_t{1} << 63)) {
            new (dst) term(static_cast<long>(0 - m));
            return true;
        }
    }
    big_int v;
    auto& be = v.backend();
    using limb = std::remove_pointer_t<decltype(be.limbs())>;
    const std::size_t nlimbs = (n + sizeof(limb) - 1) / sizeof(limb);
    be.resize(static_cast<unsigned>(nlimbs), static_cast<unsigned>(nlimbs));
    limb* l = be.limbs();
    for (std::size_t i = 0; i < nlimbs; ++i) {
        const std::size_t off = i * sizeof(limb);
        const std::size_t k = std::min(sizeof(limb), n - off);
        limb w = 0;
        if constexpr (std::endian::native == std::endian::little) {
            std::memcpy(&w, digits + off, k);
        } else {
            for (std::size_t j = k; j-- > 0;)
                w = (w << 8) | digits[off + j];
        }
        l[i] = w;
    }
    be.normalize();
    if (neg) be.negate();
    put(dst, tag::big_int, arena_.make_destroyed_later<detail::bigint_node>(std::move(v)));
    return true;
}

bool decoder::binary(const std::uint8_t* data, std::size_t n, std::uint8_t bits, term* dst) {
    const bool dirty = n != 0 && bits != 8 && (data[n - 1] & (0xFFu >> bits)) != 0;
    if (n >= zero_copy_min && n >= opt_.zero_copy_min && !dirty) {
        if (zc_owner_ == nullptr && opt_.zero_copy && opt_.owner)
            zc_owner_ = arena_.make_destroyed_later<detail::owner_node>(opt_.owner);
        if (zc_owner_ != nullptr) {
            // The owner is in the arena (or holds the arena's input), so the edge to
            // it needs no count of its own.
            auto* b = arena_.binary(0, bits);
            b->data = data;
            b->size = n;
            b->owner = zc_owner_;
            put(dst, tag::binary, b);
            return true;
        }
    }
    auto* b = arena_.binary(n, bits);
    if (n != 0) std::memcpy(b->inline_bytes(), data, n);
    // Unused low bits are cleared, as binary_to_term does.
    if (dirty) b->inline_bytes()[n - 1] &= static_cast<std::uint8_t>(0xFF << (8 - bits));
    put(dst, tag::binary, b);
    return true;
}

bool decoder::pid_port_ref(std::uint8_t t, term* dst) {
    const std::uint8_t* at = p_;
    std::uint16_t nwords = 0;
    if (t == newer_reference_ext || t == new_reference_ext) {
        if (!need(3)) return false;
        nwords = load_be16(p_ + 1);
        p_ += 3;
        // OTP 25 also accepts zero words; the term model requires 1..5.
        if (nwords < 1 || nwords > 5) return fail(term_errc::bad_value, at + 1);
    } else {
        ++p_;
    }
    atom node;
    if (!read_atom(node)) return false;
    const std::uint8_t* q = p_;
    switch (t) {
        case new_pid_ext:
        case pid_ext: {
            const std::size_t n = t == new_pid_ext ? 12 : 9;
            if (!need(n)) return false;
            pid v{node, load_be32(q), load_be32(q + 4), t == new_pid_ext ? load_be32(q + 8) : q[8]};
            // The old 2-bit creation field: OTP refuses larger values.
            if (t == pid_ext && v.creation > 3) return fail(term_errc::bad_value, q + 8);
            p_ += n;
            put(dst, tag::pid, arena_.make<detail::pid_node>(0, v));
            return true;
        }
        case new_port_ext:
        case port_ext:
        case v4_port_ext: {
            const std::size_t n = t == v4_port_ext ? 12 : (t == new_port_ext ? 8 : 5);
            if (!need(n)) return false;
            port v;
            v.node = node;
            if (t == v4_port_ext) {
                v.id = load_be64(q);
                v.creation = load_be32(q + 8);
            } else {
                v.id = load_be32(q);
                v.creation = t == new_port_ext ? load_be32(q + 4) : q[4];
                if (t == port_ext && v.creation > 3) return fail(term_errc::bad_value, q + 4);
            }
            p_ += n;
            put(dst, tag::port, arena_.make<detail::port_node>(0, v));
            return true;
        }
        default: {  // references
            reference v;
            v.node = node;
            std::size_t head;
            if (t == reference_ext) {
                if (!need(5)) return false;
                v.len = 1;
                v.ids[0] = load_be32(q);
                v.creation = q[4];
                head = 0;
                p_ += 5;
            } else {
                head = t == newer_reference_ext ? 4 : 1;
                if (!need(head + 4u * nwords)) return false;
                v.creation = t == newer_reference_ext ? load_be32(q) : q[0];
                v.len = static_cast<std::uint8_t>(nwords);
                for (std::size_t i = 0; i < nwords; ++i)
                    v.ids[i] = load_be32(q + head + 4 * i);
                p_ += head + 4u * nwords;
            }
            if (t != newer_reference_ext) {
                // Old formats: 2-bit creation and an 18-bit first word, as OTP checks.
                if (v.creation > 3)
                    return fail(term_errc::bad_value, q + (t == reference_ext ? 4 : 0));
                if (v.ids[0] > 0x3FFFF) return fail(term_errc::bad_value, q + head);
            }
            put(dst, tag::reference, arena_.make<detail::ref_node>(0, v));
            return true;
        }
    }
}

bool decoder::read_export(term* dst) {
    ++p_;
    otp::export_fun v;
    if (!read_atom(v.module) || !read_atom(v.function)) return false;
    const std::uint8_t* at = p_;
    if (!need(1)) return false;
    const std::uint8_t t = *p_;
    if (t != small_integer_ext && t != integer_ext && t != small_big_ext && t != large_big_ext)
        return fail(term_errc::bad_tag, at);
    slot arity(arena_);  // a bignum arity is an arena node
    if (!leaf(arity.get())) return false;
    // OTP takes any integer tag; arities above 255 cannot name a real function.
    const term& a = arity.peek();
    if (a.raw_tag() != tag::small_int || a.raw_int() < 0 || a.raw_int() > 255)
        return fail(term_errc::bad_value, at);
    v.arity = static_cast<std::uint8_t>(a.raw_int());
    put(dst, tag::export_fun, arena_.make<detail::export_node>(0, v));
    return true;
}

// NEW_FUN_EXT: the fixed part is read here; the free variables are decoded into a
// scratch tuple (old_index, old_uniq, creator, free...) that close_fun turns into the fun.
bool decoder::open_fun(term* dst) {
    const std::uint8_t* at = p_;
    if (!need(30)) return false;
    const std::uint8_t* hdr = p_ + 1;
    const std::uint32_t size = load_be32(hdr);
    if (size < 29) return fail(term_errc::bad_value, hdr);
    if (static_cast<std::size_t>(end_ - hdr) < size) return fail(term_errc::truncated, end_);
    const std::uint32_t nfree = load_be32(hdr + 25);
    p_ += 30;
    atom module;
    if (!read_atom(module)) return false;
    if (nfree > left()) return fail(term_errc::too_large, hdr + 25);
    auto* scratch = arena_.tuple(3 + nfree);
    put(dst, tag::tuple, scratch);
    term* parts = scratch->elems();
    static constexpr std::uint8_t int_tags[] = {small_integer_ext, integer_ext, small_big_ext,
                                                large_big_ext};
    for (int i = 0; i < 3; ++i) {
        if (!need(1)) return false;
        const std::uint8_t t = *p_;
        const bool ok =
            i < 2 ? std::find(std::begin(int_tags), std::end(int_tags), t) != std::end(int_tags)
                  : (t == new_pid_ext || t == pid_ext);
        if (!ok) return fail(term_errc::bad_tag, p_);
        if (!leaf(parts + i)) return false;
    }
    if (!push(frame_kind::fun, scratch, parts + 3, nfree, at)) return false;
    frame& f = stack_.top();
    f.dst = dst;
    f.fun_module = module.entry();
    return true;
}

bool decoder::close_fun(frame& f) {
    const std::uint8_t* hdr = f.start + 1;
    if (static_cast<std::size_t>(p_ - hdr) != load_be32(hdr))
        return fail(term_errc::bad_value, hdr);
    auto* scratch = static_cast<detail::tuple_node*>(f.node);
    term* parts = scratch->elems();
    const std::uint32_t nfree = scratch->arity - 3;
    auto* n = arena_.make<detail::fun_node>(std::size_t{nfree} * sizeof(term));
    n->arity = hdr[4];
    std::memcpy(n->uniq, hdr + 5, 16);
    n->index = load_be32(hdr + 21);
    n->num_free = nfree;
    n->module = atom::from_entry(f.fun_module);
    // The parts move out of the scratch tuple, which stays behind as unused room.
    new (&n->old_index) term(std::move(parts[0]));
    new (&n->old_uniq) term(std::move(parts[1]));
    new (&n->creator) term(std::move(parts[2]));
    for (std::uint32_t i = 0; i < nfree; ++i)
        new (n->free_vars() + i) term(std::move(parts[3 + i]));
    put(f.dst, tag::fun, n);
    return true;
}

bool decoder::close_map(frame& f) {
    if (!order_map(static_cast<detail::map_node*>(f.node), sort_scratch_))
        return fail(term_errc::duplicate_map_key, f.start);
    return true;
}

// Every tag that is not a container; `p_` is at the tag.
bool decoder::leaf(term* dst) {
    const std::uint8_t* at = p_;
    if (!need(1)) return false;
    const std::uint8_t t = *p_;
    switch (t) {
        case small_integer_ext:
            if (!need(2)) return false;
            new (dst) term(static_cast<long>(p_[1]));
            p_ += 2;
            return true;
        case integer_ext:
            if (!need(5)) return false;
            new (dst) term(static_cast<long>(static_cast<std::int32_t>(load_be32(p_ + 1))));
            p_ += 5;
            return true;
        case new_float_ext: {
            if (!need(9)) return false;
            const double d = std::bit_cast<double>(load_be64(p_ + 1));
            // Erlang has no infinities or NaNs; binary_to_term refuses them.
            if (!std::isfinite(d)) return fail(term_errc::bad_value, at);
            new (dst) term(d);
            p_ += 9;
            return true;
        }
        case float_ext: {
            if (!need(1 + float_ext_text)) return false;
            double d;
            if (!parse_float_text(p_ + 1, d)) return fail(term_errc::bad_value, at);
            new (dst) term(d);
            p_ += 1 + float_ext_text;
            return true;
        }
        case small_atom_utf8_ext:
        case small_atom_ext:
        case atom_utf8_ext:
        case atom_ext:
        case atom_cache_ref: {
            atom a;
            if (!read_atom(a)) return false;
            new (dst) term(a);
            return true;
        }
        case nil_ext:
            new (dst) term();
            ++p_;
            return true;
        case small_big_ext:
        case large_big_ext: {
            const std::size_t hl = t == small_big_ext ? 3 : 6;
            if (!need(hl)) return false;
            const std::size_t n = t == small_big_ext ? p_[1] : load_be32(p_ + 1);
            const bool neg = p_[hl - 1] != 0;
            if (left() - hl < n) return fail(term_errc::truncated, end_);
            const std::uint8_t* digits = p_ + hl;
            p_ += hl + n;
            return integer(digits, n, neg, dst);
        }
        case binary_ext: {
            if (!need(5)) return false;
            const std::size_t n = load_be32(p_ + 1);
            if (left() - 5 < n) return fail(term_errc::truncated, end_);
            const std::uint8_t* data = p_ + 5;
            p_ += 5 + n;
            return binary(data, n, 8, dst);
        }
        case bit_binary_ext: {
            if (!need(6)) return false;
            const std::size_t n = load_be32(p_ + 1);
            const std::uint8_t bits = p_[5];
            if (left() - 6 < n) return fail(term_errc::truncated, end_);
            // As binary_to_term: bits 1..8 with data, or the empty bitstring with bits 0.
            if (n == 0 ? bits != 0 : (bits == 0 || bits > 8))
                return fail(term_errc::bad_value, at + 5);
            const std::uint8_t* data = p_ + 6;
            p_ += 6 + n;
            return binary(data, n, n == 0 ? 8 : bits, dst);
        }
        case new_pid_ext:
        case pid_ext:
        case new_port_ext:
        case port_ext:
        case v4_port_ext:
        case newer_reference_ext:
        case new_reference_ext:
        case reference_ext:
            return pid_port_ref(t, dst);
        case export_ext:
            return read_export(dst);
        case local_ext: {
            if (!opt_.local_ext) return fail(term_errc::local_ext, at);
            std::size_t used = 0;
            auto r = opt_.local_ext(std::span<const std::uint8_t>(p_ + 1, left() - 1), used);
            if (!r) return fail(r.error(), at);
            if (used > left() - 1) return fail(term_errc::bad_value, at);
            new (dst) term(std::move(*r));
            p_ += 1 + used;
            // Inside the arena the slot holds no count, so the arena keeps the one
            // the resolver gave; the root slot keeps it itself.
            if (dst != root_ && dst->raw_node() != nullptr) arena_.keep_external(dst->raw_node());
            return true;
        }
        default:
            return fail(term_errc::bad_tag, at);
    }
}

// Fills consecutive slots of the top frame until one holds a container (which needs
// a frame of its own) or the frame is full. The immediates that dominate real data
// are decoded inline with the position in a local: a term store writes a char-typed
// tag, which would otherwise force every member to be reloaded after each element.
template <bool Map>
decoder::fill_result decoder::fill_slots(frame& f) {
    const std::uint8_t* p = p_;
    const std::uint8_t* const e = end_;
    term* d = f.next;
    std::uint32_t rem = f.remaining;
    [[maybe_unused]] auto* const m = static_cast<detail::map_node*>(f.node);
    fill_result r = fill_result::general;  // a slot for the general path
    for (;;) {
        const std::size_t left = static_cast<std::size_t>(e - p);
        if (left == 0) break;  // the general path reports the truncation
        const std::uint8_t t = *p;
        if (t == small_integer_ext && left >= 2) {
            new (d) term(static_cast<long>(p[1]));
            p += 2;
        } else if (t == integer_ext && left >= 5) {
            new (d) term(static_cast<long>(static_cast<std::int32_t>(load_be32(p + 1))));
            p += 5;
        } else if (t == new_float_ext && left >= 9) {
            const double v = std::bit_cast<double>(load_be64(p + 1));
            if (!std::isfinite(v)) break;
            new (d) term(v);
            p += 9;
        } else if (t == nil_ext) {
            new (d) term();
            ++p;
        } else if (t == small_atom_utf8_ext && left >= 2 && left - 2 >= p[1] &&
                   cached_atom(p + 2, p[1], d)) {
            // The common case of the commonest leaf: an atom this thread has seen.
            p += 2 + p[1];
        } else if (t == small_tuple_ext || t == large_tuple_ext || t == list_ext || t == map_ext ||
                   t == new_fun_ext) {
            break;
        } else {
            p_ = p;
            if (!(t == string_ext ? string(d) : leaf(d))) {
                r = fill_result::failed;
                break;
            }
            p = p_;
        }
        if (--rem == 0) {
            r = fill_result::filled;
            break;
        }
        if constexpr (Map) {
            d = map_slot(m, rem);
        } else {
            ++d;
        }
    }
    if (r == fill_result::failed) return r;
    p_ = p;
    f.next = d;
    f.remaining = rem;
    return r;
}

bool decoder::string(term* dst) {
    if (!need(3)) return false;
    const std::size_t n = load_be16(p_ + 1);
    if (left() - 3 < n) return fail(term_errc::truncated, end_);
    const std::uint8_t* s = p_ + 3;
    p_ += 3 + n;
    if (n == 0) {
        new (dst) term();
        return true;
    }
    auto* node = arena_.list(static_cast<std::uint32_t>(n));
    term* e = node->elems();
    for (std::size_t i = 0; i < n; ++i)
        new (e + i) term(static_cast<long>(s[i]));
    put(dst, tag::list, node);
    return true;
}

bool decoder::run(term* root) {
    root_ = root;
    term* dst = root;
    for (;;) {
        // Decode the term at p_ into *dst; containers open a frame and go on with
        // their first slot.
        bool filled = false;  // a container just opened and fill_slots filled it
        if (p_ == end_) return fail(term_errc::truncated, end_);
        const std::uint8_t* at = p_;
        switch (*p_) {
            case small_integer_ext:
                if (!need(2)) return false;
                new (dst) term(static_cast<long>(p_[1]));
                p_ += 2;
                break;
            case small_tuple_ext:
            case large_tuple_ext: {
                std::size_t n;
                if (*p_ == small_tuple_ext) {
                    if (!need(2)) return false;
                    n = p_[1];
                    p_ += 2;
                } else {
                    if (!need(5)) return false;
                    n = load_be32(p_ + 1);
                    p_ += 5;
                }
                if (n == 0) {
                    put(dst, tag::tuple, arena_.tuple(0));
                    break;
                }
                if (n > left()) return fail(term_errc::too_large, at + 1);
                auto* node = arena_.tuple(static_cast<std::uint32_t>(n));
                put(dst, tag::tuple, node);
                if (!push(frame_kind::tuple, node, node->elems(), static_cast<std::uint32_t>(n),
                          at))
                    return false;
                const fill_result r = fill_slots<false>(stack_.top());
                if (r == fill_result::failed) return false;
                if (r == fill_result::general) {
                    dst = stack_.top().next;
                    continue;
                }
                filled = true;
                break;
            }
            case list_ext: {
                if (!need(5)) return false;
                const std::size_t n = load_be32(p_ + 1);
                p_ += 5;
                // LIST_EXT of no elements is just its tail, as binary_to_term reads it.
                if (n == 0) continue;
                if (n >= left()) return fail(term_errc::too_large, at + 1);
                auto* node = arena_.list(static_cast<std::uint32_t>(n));
                put(dst, tag::list, node);
                if (!push(frame_kind::list, node, node->elems(), static_cast<std::uint32_t>(n), at))
                    return false;
                stack_.top().dst = dst;
                const fill_result r = fill_slots<false>(stack_.top());
                if (r == fill_result::failed) return false;
                if (r == fill_result::general) {
                    dst = stack_.top().next;
                    continue;
                }
                filled = true;
                break;
            }
            case string_ext:
                if (!string(dst)) return false;
                break;
            case map_ext: {
                if (!need(5)) return false;
                const std::size_t n = load_be32(p_ + 1);
                p_ += 5;
                if (n > left() / 2) return fail(term_errc::too_large, at + 1);
                if (n == 0) {
                    put(dst, tag::map, arena_.map(0));
                    break;
                }
                auto* node = arena_.map(static_cast<std::uint32_t>(n));
                put(dst, tag::map, node);
                if (!push(frame_kind::map, node, &node->pairs()[0].first,
                          static_cast<std::uint32_t>(2 * n), at))
                    return false;
                const fill_result r = fill_slots<true>(stack_.top());
                if (r == fill_result::failed) return false;
                if (r == fill_result::general) {
                    dst = stack_.top().next;
                    continue;
                }
                filled = true;
                break;
            }
            case new_fun_ext: {
                if (!open_fun(dst)) return false;
                frame& f = stack_.top();
                if (f.remaining == 0) {
                    filled = true;
                    break;
                }
                const fill_result r = fill_slots<false>(f);
                if (r == fill_result::failed) return false;
                if (r == fill_result::general) {
                    dst = f.next;
                    continue;
                }
                filled = true;
                break;
            }
            default:
                if (!leaf(dst)) return false;
                break;
        }
        // A term is complete: move to the next slot, closing finished containers.
        for (;;) {
            if (stack_.empty()) return true;
            frame& f = stack_.top();
            if (!filled && --f.remaining != 0) {
                if (f.kind == frame_kind::map) {
                    f.next = map_slot(static_cast<detail::map_node*>(f.node), f.remaining);
                    const fill_result r = fill_slots<true>(f);
                    if (r == fill_result::failed) return false;
                    if (r == fill_result::general) {
                        dst = f.next;
                        break;
                    }
                } else {
                    ++f.next;
                    const fill_result r = fill_slots<false>(f);
                    if (r == fill_result::failed) return false;
                    if (r == fill_result::general) {
                        dst = f.next;
                        break;
                    }
                }
            }
            filled = false;
            // Frame f is complete.
            if (f.kind == frame_kind::list) {
                // The tail takes the container's place, so long chains of list runs
                // do not nest.
                term* head = f.dst;
                const std::uint8_t* start = f.start;
                dst = &static_cast<detail::list_node*>(f.node)->tail;
                stack_.pop();
                if (p_ != end_ && *p_ == nil_ext) {
                    ++p_;
                    continue;
                }
                if (p_ != end_ && (*p_ == list_ext || *p_ == string_ext) &&
                    (stack_.empty() || stack_.top().kind != frame_kind::chain)) {
                    // The first run of a chained list: one frame waits for the whole
                    // chain, then makes it a single run.
                    if (!push(frame_kind::chain, nullptr, dst, 1, start)) return false;
                    stack_.top().dst = head;
                }
                break;
            }
            if (f.kind == frame_kind::chain && !flatten_chain(f.dst, arena_))
                return fail(term_errc::too_large, f.start);
            if (f.kind == frame_kind::map && !close_map(f)) return false;
            if (f.kind == frame_kind::fun && !close_fun(f)) return false;
            stack_.pop();
        }
    }
}

// Inflates a compressed term's payload into a binary node of exactly `size` bytes.
bool inflate_exact(const std::uint8_t* in, std::size_t in_len, std::uint8_t* out, std::size_t size,
                   std::size_t& in_used) {
    z_stream zs{};
    if (inflateInit(&zs) != Z_OK) return false;
    zs.next_out = out;
    zs.avail_out = static_cast<uInt>(size);
    zs.next_in = const_cast<Bytef*>(in);
    std::size_t in_left = in_len;
    int rc = Z_OK;
    for (;;) {
        if (zs.avail_in == 0 && in_left != 0) {
            const std::size_t chunk = std::min<std::size_t>(in_left, 1u << 30);
            zs.avail_in = static_cast<uInt>(chunk);
            in_left -= chunk;
        }
        const uInt before_in = zs.avail_in;
        const uInt before_out = zs.avail_out;
        rc = inflate(&zs, Z_FINISH);
        if (rc == Z_STREAM_END) break;
        if (rc != Z_OK && rc != Z_BUF_ERROR) break;
        // Without progress and with no more input to hand over, the stream is cut
        // short or inflates to more than it claimed: both are errors.
        const bool progress = zs.avail_in != before_in || zs.avail_out != before_out;
        if (!progress && (zs.avail_in != 0 || in_left == 0)) break;
    }
    const bool ok = rc == Z_STREAM_END && zs.total_out == size;
    in_used = static_cast<std::size_t>(zs.total_in);
    inflateEnd(&zs);
    return ok;
}

result<term> decode_compressed(std::span<const std::uint8_t> bytes, decode_error_info& err,
                               const decode_options& opt) {
    // bytes[0] is 131, bytes[1] is 80.
    if (bytes.size() < 6) {
        err = {make_error_code(term_errc::truncated), bytes.size(), false};
        return err.code;
    }
    const std::size_t size = load_be32(bytes.data() + 2);
    const std::size_t clen = bytes.size() - 6;
    if (size == 0) {
        err = {make_error_code(term_errc::bad_compressed), 2, false};
        return err.code;
    }
    if (size > opt.max_inflated_size || size / max_deflate_ratio > clen) {
        err = {make_error_code(term_errc::too_large), 2, false};
        return err.code;
    }
    // The inflated bytes live in a binary node, so zero-copy binaries can share them.
    term holder = term::adopt(tag::binary, detail::new_binary(size));
    auto* buf = static_cast<detail::binary_node*>(holder.raw_node());
    std::size_t in_used = 0;
    if (!inflate_exact(bytes.data() + 6, clen, buf->inline_bytes(), size, in_used)) {
        err = {make_error_code(term_errc::bad_compressed), 6, false};
        return err.code;
    }
    if (in_used != clen) {
        err = {make_error_code(term_errc::trailing_bytes), 6 + in_used, false};
        return err.code;
    }
    detail::arena_builder arena(size);
    if (opt.zero_copy) {
        // Zero-copy binaries point into the holder without a count each: the arena
        // holds one for them all.
        detail::retain(holder.raw_node());
        arena.keep_external(holder.raw_node());
    }
    decoder d(buf->inline_bytes(), buf->inline_bytes() + size, opt, arena,
              opt.zero_copy ? holder.raw_node() : nullptr);
    slot root(arena);
    if (!d.run(root.get())) {
        err = {d.error(), d.error_offset(), true};
        return err.code;
    }
    if (d.consumed() != size) {
        err = {make_error_code(term_errc::trailing_bytes), d.consumed(), true};
        return err.code;
    }
    return root.take();
}

}  // namespace

result<term> decode(std::span<const std::uint8_t> bytes, decode_error_info& err,
                    const decode_options& opt) {
    err = {};
    if (bytes.empty()) {
        err = {make_error_code(term_errc::truncated), 0, false};
        return err.code;
    }
    if (bytes[0] != version_magic) {
        err = {make_error_code(term_errc::bad_version), 0, false};
        return err.code;
    }
    if (bytes.size() >= 2 && bytes[1] == compressed_ext) return decode_compressed(bytes, err, opt);
    detail::arena_builder arena(bytes.size());
    decoder d(bytes.data() + 1, bytes.data() + bytes.size(), opt, arena, nullptr);
    slot root(arena);
    if (!d.run(root.get())) {
        err = {d.error(), d.error_offset() + 1, false};
        return err.code;
    }
    if (d.consumed() + 1 != bytes.size()) {
        err = {make_error_code(term_errc::trailing_bytes), d.consumed() + 1, false};
        return err.code;
    }
    return root.take();
}

result<term> decode(std::span<const std::uint8_t> bytes, const decode_options& opt) {
    decode_error_info err;
    return decode(bytes, err, opt);
}

result<term> decode_body(std::span<const std::uint8_t> bytes, std::size_t& used,
                         decode_error_info& err, const decode_options& opt) {
    err = {};
    used = 0;
    detail::arena_builder arena(bytes.size());
    decoder d(bytes.data(), bytes.data() + bytes.size(), opt, arena, nullptr);
    slot root(arena);
    if (!d.run(root.get())) {
        err = {d.error(), d.error_offset(), false};
        return err.code;
    }
    used = d.consumed();
    return root.take();
}

result<term> decode_body(std::span<const std::uint8_t> bytes, std::size_t& used,
                         const decode_options& opt) {
    decode_error_info err;
    return decode_body(bytes, used, err, opt);
}

}  // namespace otp
