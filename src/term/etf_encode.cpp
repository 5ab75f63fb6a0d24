// ETF encoding: otp::term to bytes, identical to OTP 25's term_to_binary.
//
// One iterative walk (an explicit stack, so deep terms cost heap, not native stack)
// writes straight into the caller's vector; encoded_size() runs the same walk
// counting instead of writing, so the two cannot disagree.
#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <limits>

#include <zlib.h>

#include "otp/etf.hpp"
#include "term/etf_atom_refs.hpp"
#include "term/etf_primitives.hpp"
#include "term/etf_splice.hpp"
#include "term/etf_tags.hpp"

namespace otp {
namespace {

using detail::tag;
using namespace etf_detail;

// Output that grows geometrically; positions survive growth, pointers do not.
class byte_sink {
  public:
    explicit byte_sink(std::vector<std::uint8_t>& out, splice_list* splices = nullptr)
        : out_(out), start_(out.size()), pos_(out.size()), splices_(splices) {}
    // Room for n bytes at the current position.
    std::uint8_t* need(std::size_t n) {
        if (out_.size() - pos_ < n) grow(n);
        return out_.data() + pos_;
    }
    void advance(std::size_t n) noexcept { pos_ += n; }
    // Appends n bytes. Without room for them, the slack is cut off and the bytes are
    // inserted, not first zero-filled by resize and then overwritten: for a large
    // binary that fill cost as much as the copy itself.
    void append(const std::uint8_t* src, std::size_t n) {
        if (out_.size() - pos_ >= n) {
            std::memcpy(out_.data() + pos_, src, n);
        } else {
            out_.resize(pos_);
            out_.insert(out_.end(), src, src + n);
        }
        pos_ += n;
    }
    // A binary's bytes: appended, or left out and recorded when splicing.
    void binary_bytes(const std::uint8_t* src, std::size_t n) {
        if (splices_ != nullptr && n >= splices_->min_size &&
            splices_->items.size() < splices_->max_items) {
            splices_->items.push_back({pos_, src, n});
            return;
        }
        append(src, n);
    }
    void put(std::uint8_t b) {
        *need(1) = b;
        ++pos_;
    }
    std::size_t pos() const noexcept { return pos_; }
    std::uint8_t* at(std::size_t pos) noexcept { return out_.data() + pos; }
    // The writable window [cur, limit) for a tight loop, and where it stopped.
    std::uint8_t* cur() noexcept { return out_.data() + pos_; }
    std::uint8_t* limit() noexcept { return out_.data() + out_.size(); }
    void set_cur(std::uint8_t* p) noexcept { pos_ = static_cast<std::size_t>(p - out_.data()); }
    void finish() { out_.resize(pos_); }

  private:
    // Doubles what this encoding wrote so far, not the whole vector: appending a small
    // term to a big buffer must not zero-fill a buffer's worth of bytes (resize
    // value-initialises; the vector's own reallocation stays geometric).
    void grow(std::size_t n) { out_.resize(pos_ + std::max({n, pos_ - start_, std::size_t{256}})); }
    std::vector<std::uint8_t>& out_;
    std::size_t start_;
    std::size_t pos_;
    splice_list* splices_;
};

// Counts instead of writing (encoded_size).
class count_sink {
  public:
    void add(std::size_t n) noexcept { n_ += n; }
    std::size_t size() const noexcept { return n_; }

  private:
    std::size_t n_ = 0;
};

enum class eframe_kind : std::uint8_t { seq, list, map, fun };

struct eframe {
    eframe_kind kind;
    bool second;                    // map: the value of *pair is next
    std::uint8_t fun_stage;         // fun: 0..2 old_index, old_uniq, creator; 3 free vars
    const term* cur;                // seq, list, fun free vars: next element
    const term* end;                // end of that range
    const detail::heap_node* node;  // list: current run; fun: the fun
    const detail::map_node::pair* pair;
    const detail::map_node::pair* pair_end;
    std::size_t patch;  // fun: position of its Size field
};

class eframe_stack {
  public:
    eframe_stack() noexcept = default;
    eframe_stack(const eframe_stack&) = delete;
    eframe_stack& operator=(const eframe_stack&) = delete;
    ~eframe_stack() {
        if (data_ != inline_) delete[] data_;
    }
    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }
    eframe& top() noexcept { return data_[size_ - 1]; }
    void pop() noexcept { --size_; }
    eframe& push() {
        if (size_ == cap_) {
            auto* d = new eframe[cap_ * 2];
            std::copy(data_, data_ + size_, d);
            if (data_ != inline_) delete[] data_;
            data_ = d;
            cap_ *= 2;
        }
        return data_[size_++];
    }

  private:
    static constexpr std::size_t inline_cap = 32;
    eframe inline_[inline_cap];
    eframe* data_ = inline_;
    std::size_t size_ = 0;
    std::size_t cap_ = inline_cap;
};

// What an atom's encoding needs: its tag, the bytes written and, for ATOM_EXT of a
// non-ASCII Latin-1 atom, that the text must be converted from UTF-8.
struct atom_form {
    std::uint8_t tag;
    std::size_t len;  // bytes of text written
    bool convert;     // UTF-8 -> Latin-1 needed
};

inline atom_form atom_form_of(const detail::atom_entry* e, int minor) noexcept {
    if (minor < 2 && e->latin1) return {atom_ext, e->chars, e->chars != e->size};
    return {e->size <= 255 ? small_atom_utf8_ext : atom_utf8_ext, e->size, false};
}

inline std::size_t atom_size(const detail::atom_entry* e, int minor) noexcept {
    const atom_form f = atom_form_of(e, minor);
    return (f.tag == small_atom_utf8_ext ? 2 : 3) + f.len;
}

// ATOM_CACHE_REF of reference `i` at `p`; returns the end.
inline std::uint8_t* put_atom_ref(std::uint8_t* p, int i) noexcept {
    p[0] = atom_cache_ref;
    p[1] = static_cast<std::uint8_t>(i);
    return p + 2;
}

// `refs`: the distribution packet being encoded, which may take the atom as a cache
// reference.
void write_atom(byte_sink& out, const detail::atom_entry* e, int minor, packet_atom_refs* refs) {
    if (refs != nullptr) {
        if (const int i = refs->ref(e); i >= 0) {
            put_atom_ref(out.need(2), i);
            out.advance(2);
            return;
        }
    }
    const atom_form f = atom_form_of(e, minor);
    std::uint8_t* p = out.need(3 + f.len);
    p[0] = f.tag;
    std::size_t h;
    if (f.tag == small_atom_utf8_ext) {
        p[1] = static_cast<std::uint8_t>(f.len);
        h = 2;
    } else {
        store_be16(p + 1, static_cast<std::uint16_t>(f.len));
        h = 3;
    }
    if (!f.convert) {
        std::memcpy(p + h, e->text, f.len);
    } else {
        // Latin-1 atoms hold only 1- and 2-byte UTF-8 sequences.
        const auto* s = reinterpret_cast<const std::uint8_t*>(e->text);
        std::uint8_t* d = p + h;
        for (std::size_t i = 0; i < e->size;) {
            if (s[i] < 0x80) {
                *d++ = s[i++];
            } else {
                *d++ = static_cast<std::uint8_t>(((s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F));
                i += 2;
            }
        }
    }
    out.advance(h + f.len);
}

void write_pid(byte_sink& out, const pid& v, int minor, packet_atom_refs* refs) {
    out.put(new_pid_ext);
    write_atom(out, v.node.entry(), minor, refs);
    std::uint8_t* p = out.need(12);
    store_be32(p, v.id);
    store_be32(p + 4, v.serial);
    store_be32(p + 8, v.creation);
    out.advance(12);
}

void write_reference(byte_sink& out, const reference& v, int minor, packet_atom_refs* refs) {
    std::uint8_t* p = out.need(3);
    p[0] = newer_reference_ext;
    store_be16(p + 1, v.len);
    out.advance(3);
    write_atom(out, v.node.entry(), minor, refs);
    p = out.need(4 + 4u * v.len);
    store_be32(p, v.creation);
    for (std::size_t i = 0; i < v.len; ++i)
        store_be32(p + 4 + 4 * i, v.ids[i]);
    out.advance(4 + 4u * v.len);
}

// Magnitude bytes (little-endian) of an int64's absolute value.
inline unsigned small_big_bytes(std::uint64_t m) noexcept {
    return static_cast<unsigned>((64 - std::countl_zero(m) + 7) / 8);
}

inline std::size_t bignum_bytes(const big_int& v) noexcept {
    const auto& be = v.backend();
    const std::size_t n = be.size();
    const auto top = be.limbs()[n - 1];
    using limb = std::remove_cvref_t<decltype(top)>;
    const std::size_t top_bytes = (sizeof(limb) * 8 - std::countl_zero(top) + 7) / 8;
    return (n - 1) * sizeof(limb) + top_bytes;
}

// A list's shape, found by walking its runs: how to encode it and how many elements.
struct list_shape {
    std::size_t count = 0;
    bool string = false;  // STRING_EXT: proper, 1..65535 elements, all 0..255
};

list_shape shape_of(const term& list) noexcept {
    list_shape s;
    bool bytes = true;
    const term* t = &list;
    while (t->raw_tag() == tag::list) {
        const auto* n = static_cast<const detail::list_node*>(t->raw_node());
        const std::uint32_t off = t->raw_aux();
        s.count += n->size - off;
        if (bytes) {
            if (s.count > 65535) {
                bytes = false;
            } else {
                const term* e = n->elems();
                for (std::uint32_t i = off; i < n->size; ++i)
                    if (e[i].raw_tag() != tag::small_int ||
                        static_cast<std::uint64_t>(e[i].raw_int()) > 255) {
                        bytes = false;
                        break;
                    }
            }
        }
        t = &n->tail;
    }
    s.string = bytes && t->raw_tag() == tag::nil;
    return s;
}

template <class Sink>
class encoder {
  public:
    encoder(Sink& out, const encode_options& opt, packet_atom_refs* refs = nullptr) noexcept
        : out_(out), opt_(opt), refs_(refs) {}

    // Encodes t; false (too_deep or too_large in error()) if it cannot.
    bool run(const term& root);
    term_errc error() const noexcept { return err_; }

  private:
    static constexpr bool counting = std::is_same_v<Sink, count_sink>;

    bool emit(const term& t);  // one term; containers push a frame
    const term* simple_run(const term* cur, const term* end);
    void put_atom(const detail::atom_entry* e) {
        if constexpr (counting) {
            out_.add(atom_size(e, opt_.minor_version));
        } else {
            write_atom(out_, e, opt_.minor_version, refs_);
        }
    }
    void put_int(std::int64_t v);
    void put_big(const big_int& v);
    void put_float(double d);
    void put_binary(const detail::binary_node* b);
    void put_string(const term& list, std::size_t count);
    bool push(eframe_kind k, eframe*& f) {
        if (stack_.size() >= opt_.max_depth) {
            err_ = term_errc::too_deep;
            return false;
        }
        f = &stack_.push();
        f->kind = k;
        return true;
    }

    Sink& out_;
    const encode_options& opt_;
    packet_atom_refs* const refs_;  // a distribution packet's atom cache references
    eframe_stack stack_;
    term_errc err_ = term_errc::too_deep;
};

template <class Sink>
void encoder<Sink>::put_int(std::int64_t v) {
    if (v >= 0 && v <= 255) {
        if constexpr (counting) {
            out_.add(2);
        } else {
            std::uint8_t* p = out_.need(2);
            p[0] = small_integer_ext;
            p[1] = static_cast<std::uint8_t>(v);
            out_.advance(2);
        }
    } else if (v >= std::numeric_limits<std::int32_t>::min() &&
               v <= std::numeric_limits<std::int32_t>::max()) {
        if constexpr (counting) {
            out_.add(5);
        } else {
            std::uint8_t* p = out_.need(5);
            p[0] = integer_ext;
            store_be32(p + 1, static_cast<std::uint32_t>(v));
            out_.advance(5);
        }
    } else {
        const std::uint64_t m =
            v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
        const unsigned n = small_big_bytes(m);
        if constexpr (counting) {
            out_.add(3 + n);
        } else {
            std::uint8_t* p = out_.need(3 + 8);
            p[0] = small_big_ext;
            p[1] = static_cast<std::uint8_t>(n);
            p[2] = v < 0 ? 1 : 0;
            std::uint64_t le = m;
            if constexpr (std::endian::native != std::endian::little) le = __builtin_bswap64(le);
            std::memcpy(p + 3, &le, 8);  // room for 8; only n count
            out_.advance(3 + n);
        }
    }
}

template <class Sink>
void encoder<Sink>::put_big(const big_int& v) {
    const std::size_t n = bignum_bytes(v);
    const std::size_t h = n <= 255 ? 3 : 6;
    if constexpr (counting) {
        out_.add(h + n);
    } else {
        const auto& be = v.backend();
        using limb = std::remove_cvref_t<decltype(be.limbs()[0])>;
        const std::size_t nlimbs = be.size();
        std::uint8_t* p = out_.need(h + nlimbs * sizeof(limb));
        if (h == 3) {
            p[0] = small_big_ext;
            p[1] = static_cast<std::uint8_t>(n);
        } else {
            p[0] = large_big_ext;
            store_be32(p + 1, static_cast<std::uint32_t>(n));
        }
        p[h - 1] = be.sign() ? 1 : 0;
        std::uint8_t* d = p + h;
        const limb* l = be.limbs();
        if constexpr (std::endian::native == std::endian::little) {
            std::memcpy(d, l,
                        nlimbs * sizeof(limb));  // the top limb's zero bytes are dropped below
        } else {
            for (std::size_t i = 0; i < nlimbs; ++i)
                for (std::size_t j = 0; j < sizeof(limb); ++j)
                    d[i * sizeof(limb) + j] = static_cast<std::uint8_t>(l[i] >> (8 * j));
        }
        out_.advance(h + n);
    }
}

template <class Sink>
void encoder<Sink>::put_float(double d) {
    if (opt_.minor_version == 0) {
        if constexpr (counting) {
            out_.add(1 + float_ext_text);
        } else {
            std::uint8_t* p = out_.need(1 + float_ext_text + 1);
            p[0] = float_ext;
            // What OTP writes: "%.20e", NUL padded to 31 bytes.
            char buf[64];
            const int n = std::snprintf(buf, sizeof buf, "%.20e", d);
            std::memset(p + 1, 0, float_ext_text);
            std::memcpy(p + 1, buf,
                        std::min<std::size_t>(static_cast<std::size_t>(n), float_ext_text));
            out_.advance(1 + float_ext_text);
        }
    } else {
        if constexpr (counting) {
            out_.add(9);
        } else {
            std::uint8_t* p = out_.need(9);
            p[0] = new_float_ext;
            store_be64(p + 1, std::bit_cast<std::uint64_t>(d));
            out_.advance(9);
        }
    }
}

template <class Sink>
void encoder<Sink>::put_binary(const detail::binary_node* b) {
    const bool bits = b->bits != 8 && b->size != 0;
    const std::size_t h = bits ? 6 : 5;
    if constexpr (counting) {
        out_.add(h + b->size);
    } else {
        std::uint8_t* p = out_.need(h);
        p[0] = bits ? bit_binary_ext : binary_ext;
        store_be32(p + 1, static_cast<std::uint32_t>(b->size));
        if (bits) p[5] = b->bits;
        out_.advance(h);
        if (b->size != 0) out_.binary_bytes(b->data, b->size);
    }
}

template <class Sink>
void encoder<Sink>::put_string(const term& list, std::size_t count) {
    if constexpr (counting) {
        out_.add(3 + count);
    } else {
        std::uint8_t* p = out_.need(3 + count);
        p[0] = string_ext;
        store_be16(p + 1, static_cast<std::uint16_t>(count));
        std::uint8_t* d = p + 3;
        const term* t = &list;
        while (t->raw_tag() == tag::list) {
            const auto* n = static_cast<const detail::list_node*>(t->raw_node());
            const term* e = n->elems();
            for (std::uint32_t i = t->raw_aux(); i < n->size; ++i)
                *d++ = static_cast<std::uint8_t>(e[i].raw_int());
            t = &n->tail;
        }
        out_.advance(3 + count);
    }
}

// Writes the leading immediates of [cur, end) (integers within int32, floats, atoms,
// []) in a tight loop and returns where it stopped. The output position lives in a
// local: byte stores would otherwise force the sink's state to be reloaded after
// every element.
template <class Sink>
const term* encoder<Sink>::simple_run(const term* cur, const term* end) {
    const int minor = opt_.minor_version;
    if constexpr (counting) {
        std::size_t n = 0;
        for (; cur != end; ++cur) {
            const tag k = cur->raw_tag();
            if (k == tag::small_int) {
                const std::int64_t v = cur->raw_int();
                if (v >= 0 && v <= 255) {
                    n += 2;
                } else if (v >= std::numeric_limits<std::int32_t>::min() &&
                           v <= std::numeric_limits<std::int32_t>::max()) {
                    n += 5;
                } else {
                    break;
                }
            } else if (k == tag::float_ && minor != 0) {
                n += 9;
            } else if (k == tag::atom) {
                n += atom_size(cur->raw_atom().entry(), minor);
            } else if (k == tag::nil) {
                n += 1;
            } else {
                break;
            }
        }
        out_.add(n);
        return cur;
    } else {
        std::uint8_t* p = out_.cur();
        std::uint8_t* const lim = out_.limit();
        for (; cur != end; ++cur) {
            // Every case below writes at most 9 bytes, atoms excepted.
            if (lim - p < 16) break;
            const tag k = cur->raw_tag();
            if (k == tag::small_int) {
                const std::int64_t v = cur->raw_int();
                if (v >= 0 && v <= 255) {
                    p[0] = small_integer_ext;
                    p[1] = static_cast<std::uint8_t>(v);
                    p += 2;
                } else if (v >= std::numeric_limits<std::int32_t>::min() &&
                           v <= std::numeric_limits<std::int32_t>::max()) {
                    p[0] = integer_ext;
                    store_be32(p + 1, static_cast<std::uint32_t>(v));
                    p += 5;
                } else {
                    break;
                }
            } else if (k == tag::float_ && minor != 0) {
                p[0] = new_float_ext;
                store_be64(p + 1, std::bit_cast<std::uint64_t>(cur->raw_float()));
                p += 9;
            } else if (k == tag::atom) {
                const detail::atom_entry* e = cur->raw_atom().entry();
                if (refs_ != nullptr) {
                    if (const int i = refs_->ref(e); i >= 0) {
                        p = put_atom_ref(p, i);
                        continue;
                    }
                }
                const atom_form f = atom_form_of(e, minor);
                if (f.convert || static_cast<std::size_t>(lim - p) < 3 + f.len) break;
                p[0] = f.tag;
                if (f.tag == small_atom_utf8_ext) {
                    p[1] = static_cast<std::uint8_t>(f.len);
                    p += 2;
                } else {
                    store_be16(p + 1, static_cast<std::uint16_t>(f.len));
                    p += 3;
                }
                std::memcpy(p, e->text, f.len);
                p += f.len;
            } else if (k == tag::nil) {
                *p++ = nil_ext;
            } else {
                break;
            }
        }
        out_.set_cur(p);
        return cur;
    }
}

template <class Sink>
bool encoder<Sink>::emit(const term& t) {
    switch (t.raw_tag()) {
        case tag::small_int:
            put_int(t.raw_int());
            return true;
        case tag::float_:
            put_float(t.raw_float());
            return true;
        case tag::atom:
            put_atom(t.raw_atom().entry());
            return true;
        case tag::nil:
            if constexpr (counting) {
                out_.add(1);
            } else {
                out_.put(nil_ext);
            }
            return true;
        case tag::big_int:
            put_big(static_cast<const detail::bigint_node*>(t.raw_node())->value);
            return true;
        case tag::binary: {
            const auto* b = static_cast<const detail::binary_node*>(t.raw_node());
            if (b->size > std::numeric_limits<std::uint32_t>::max()) {
                err_ = term_errc::too_large;  // the length field has 32 bits
                return false;
            }
            put_binary(b);
            return true;
        }
        case tag::tuple: {
            const auto* n = static_cast<const detail::tuple_node*>(t.raw_node());
            const std::uint32_t a = n->arity;
            if constexpr (counting) {
                out_.add(a <= 255 ? 2 : 5);
            } else {
                std::uint8_t* p = out_.need(5);
                if (a <= 255) {
                    p[0] = small_tuple_ext;
                    p[1] = static_cast<std::uint8_t>(a);
                    out_.advance(2);
                } else {
                    p[0] = large_tuple_ext;
                    store_be32(p + 1, a);
                    out_.advance(5);
                }
            }
            if (a == 0) return true;
            eframe* f;
            if (!push(eframe_kind::seq, f)) return false;
            f->cur = n->elems();
            f->end = n->elems() + a;
            return true;
        }
        case tag::list: {
            const list_shape s = shape_of(t);
            if (s.string) {
                put_string(t, s.count);
                return true;
            }
            if (s.count > std::numeric_limits<std::uint32_t>::max()) {
                err_ = term_errc::too_large;
                return false;
            }
            if constexpr (counting) {
                out_.add(5);
            } else {
                std::uint8_t* p = out_.need(5);
                p[0] = list_ext;
                store_be32(p + 1, static_cast<std::uint32_t>(s.count));
                out_.advance(5);
            }
            eframe* f;
            if (!push(eframe_kind::list, f)) return false;
            const auto* n = static_cast<const detail::list_node*>(t.raw_node());
            f->node = n;
            f->cur = n->elems() + t.raw_aux();
            f->end = n->elems() + n->size;
            return true;
        }
        case tag::map: {
            const auto* n = static_cast<const detail::map_node*>(t.raw_node());
            if constexpr (counting) {
                out_.add(5);
            } else {
                std::uint8_t* p = out_.need(5);
                p[0] = map_ext;
                store_be32(p + 1, n->size);
                out_.advance(5);
            }
            if (n->size == 0) return true;
            eframe* f;
            if (!push(eframe_kind::map, f)) return false;
            f->pair = n->pairs();
            f->pair_end = n->pairs() + n->size;
            f->second = false;
            return true;
        }
        case tag::pid: {
            const pid& v = static_cast<const detail::pid_node*>(t.raw_node())->value;
            if constexpr (counting) {
                out_.add(1 + atom_size(v.node.entry(), opt_.minor_version) + 12);
            } else {
                write_pid(out_, v, opt_.minor_version, refs_);
            }
            return true;
        }
        case tag::port: {
            const port& v = static_cast<const detail::port_node*>(t.raw_node())->value;
            const bool v4 = v.id > new_port_max_id;
            if constexpr (counting) {
                out_.add(1 + atom_size(v.node.entry(), opt_.minor_version) + (v4 ? 12 : 8));
            } else {
                out_.put(v4 ? v4_port_ext : new_port_ext);
                put_atom(v.node.entry());
                std::uint8_t* p = out_.need(12);
                if (v4) {
                    store_be64(p, v.id);
                    store_be32(p + 8, v.creation);
                    out_.advance(12);
                } else {
                    store_be32(p, static_cast<std::uint32_t>(v.id));
                    store_be32(p + 4, v.creation);
                    out_.advance(8);
                }
            }
            return true;
        }
        case tag::reference: {
            const reference& v = static_cast<const detail::ref_node*>(t.raw_node())->value;
            if constexpr (counting) {
                out_.add(3 + atom_size(v.node.entry(), opt_.minor_version) + 4 + 4u * v.len);
            } else {
                write_reference(out_, v, opt_.minor_version, refs_);
            }
            return true;
        }
        case tag::export_fun: {
            const export_fun& v = static_cast<const detail::export_node*>(t.raw_node())->value;
            if constexpr (counting) {
                out_.add(1 + atom_size(v.module.entry(), opt_.minor_version) +
                         atom_size(v.function.entry(), opt_.minor_version) + 2);
            } else {
                out_.put(export_ext);
                put_atom(v.module.entry());
                put_atom(v.function.entry());
                std::uint8_t* p = out_.need(2);
                p[0] = small_integer_ext;
                p[1] = v.arity;
                out_.advance(2);
            }
            return true;
        }
        case tag::fun: {
            const auto* n = static_cast<const detail::fun_node*>(t.raw_node());
            std::size_t patch = 0;
            if constexpr (counting) {
                out_.add(30);
            } else {
                std::uint8_t* p = out_.need(30);
                p[0] = new_fun_ext;
                patch = out_.pos() + 1;  // Size is filled in once the free variables are out
                p[5] = n->arity;
                std::memcpy(p + 6, n->uniq, 16);
                store_be32(p + 22, n->index);
                store_be32(p + 26, n->num_free);
                out_.advance(30);
            }
            put_atom(n->module.entry());
            eframe* f;
            if (!push(eframe_kind::fun, f)) return false;
            f->node = n;
            f->fun_stage = 0;
            f->cur = n->free_vars();
            f->end = n->free_vars() + n->num_free;
            f->patch = patch;
            return true;
        }
        case tag::owner:
        case tag::arena:
            break;
    }
    // Owner and arena nodes are never a term's own tag; refuse rather than write garbage.
    err_ = term_errc::bad_value;
    return false;
}

template <class Sink>
bool encoder<Sink>::run(const term& root) {
    const term* t = &root;
    for (;;) {
        if (!emit(*t)) return false;
        // Find the next term to write, closing finished containers.
        for (;;) {
            if (stack_.empty()) return true;
            eframe& f = stack_.top();
            if (f.kind == eframe_kind::seq) {
                f.cur = simple_run(f.cur, f.end);
                if (f.cur != f.end) {
                    t = f.cur++;
                    break;
                }
                stack_.pop();
            } else if (f.kind == eframe_kind::list) {
                f.cur = simple_run(f.cur, f.end);
                if (f.cur != f.end) {
                    t = f.cur++;
                    break;
                }
                const term& tail = static_cast<const detail::list_node*>(f.node)->tail;
                if (tail.raw_tag() == tag::list) {
                    const auto* n = static_cast<const detail::list_node*>(tail.raw_node());
                    f.node = n;
                    f.cur = n->elems() + tail.raw_aux();
                    f.end = n->elems() + n->size;
                    continue;
                }
                // The final tail ([] or an improper one) sits at the list's own level.
                stack_.pop();
                t = &tail;
                break;
            } else if (f.kind == eframe_kind::map) {
                if (f.pair == f.pair_end) {
                    stack_.pop();
                    continue;
                }
                if (!f.second) {
                    f.second = true;
                    t = &f.pair->first;
                } else {
                    f.second = false;
                    t = &(f.pair++)->second;
                }
                break;
            } else {  // fun
                const auto* n = static_cast<const detail::fun_node*>(f.node);
                if (f.fun_stage < 3) {
                    const std::uint8_t s = f.fun_stage++;
                    t = s == 0 ? &n->old_index : (s == 1 ? &n->old_uniq : &n->creator);
                    break;
                }
                if (f.cur != f.end) {
                    t = f.cur++;
                    break;
                }
                if constexpr (!counting) {
                    const std::size_t size = out_.pos() - f.patch;
                    if (size > std::numeric_limits<std::uint32_t>::max()) {
                        err_ = term_errc::too_large;
                        return false;
                    }
                    store_be32(out_.at(f.patch), static_cast<std::uint32_t>(size));
                }
                stack_.pop();
            }
        }
    }
}

// Compresses body (the term without 131) as term_to_binary(T, [{compressed, L}]):
// 131, 80, size, zlib stream, but only when that is not longer than 131 + body.
bool append_compressed(const std::uint8_t* body, std::size_t len, int level,
                       std::vector<std::uint8_t>& out) {
    if (len <= 5 || len > std::numeric_limits<std::uint32_t>::max()) return false;
    const std::size_t room = len - 5;  // 6 + zlib bytes <= 1 + len
    const std::size_t start = out.size();
    out.resize(start + 6 + room);
    std::uint8_t* p = out.data() + start;
    uLongf dest_len = static_cast<uLongf>(room);
    const int rc = compress2(p + 6, &dest_len, body, static_cast<uLong>(len), level);
    if (rc != Z_OK) {
        out.resize(start);
        return false;
    }
    p[0] = version_magic;
    p[1] = compressed_ext;
    store_be32(p + 2, static_cast<std::uint32_t>(len));
    out.resize(start + 6 + dest_len);
    return true;
}

result<std::size_t> encode_impl(const term& t, std::vector<std::uint8_t>& out,
                                const encode_options& opt, bool with_version,
                                splice_list* splices = nullptr, packet_atom_refs* refs = nullptr) {
    const std::size_t start = out.size();
    const std::size_t had = splices != nullptr ? splices->items.size() : 0;
    const bool compress = with_version && opt.compressed > 0 && opt.compressed <= 9;
    std::vector<std::uint8_t> scratch;
    std::vector<std::uint8_t>& dst = compress ? scratch : out;
    term_errc err{};
    bool ok;
    {
        // Compressing needs every byte in one place.
        byte_sink sink(dst, compress ? nullptr : splices);
        if (with_version) sink.put(version_magic);
        encoder<byte_sink> enc(sink, opt, refs);
        ok = enc.run(t);
        if (!ok) err = enc.error();
        sink.finish();
    }
    if (!ok) {
        if (!compress) out.resize(start);
        if (splices != nullptr) splices->items.resize(had);
        return err;
    }
    if (compress) {
        if (!append_compressed(scratch.data() + 1, scratch.size() - 1, opt.compressed, out))
            out.insert(out.end(), scratch.begin(), scratch.end());
    }
    return out.size() - start;
}

}  // namespace

namespace etf_detail {

void append_small_tuple(std::vector<std::uint8_t>& out, std::initializer_list<element> elems,
                        packet_atom_refs* refs) {
    byte_sink sink(out);
    std::uint8_t* p = sink.need(2);
    p[0] = small_tuple_ext;
    p[1] = static_cast<std::uint8_t>(elems.size());
    sink.advance(2);
    for (const element& e : elems) {
        if (const auto* i = std::get_if<std::uint8_t>(&e)) {
            p = sink.need(2);
            p[0] = small_integer_ext;
            p[1] = *i;
            sink.advance(2);
        } else if (const auto* a = std::get_if<atom>(&e)) {
            write_atom(sink, a->entry(), 2, refs);
        } else if (const auto* pp = std::get_if<const pid*>(&e)) {
            write_pid(sink, **pp, 2, refs);
        } else {
            write_reference(sink, *std::get<const reference*>(e), 2, refs);
        }
    }
    sink.finish();
}

}  // namespace etf_detail

std::vector<std::uint8_t> encode(const term& t, const encode_options& opt) {
    std::vector<std::uint8_t> out;
    // One exact allocation beats growing: the sizing walk is cheaper than the copies
    // and page faults of repeated doubling.
    if (opt.compressed <= 0) out.reserve(encoded_size(t, opt));
    auto r = encode_append(t, out, opt);
    if (!r) throw system_error(r.error(), "otp::encode");
    return out;
}

result<std::size_t> encode_append(const term& t, std::vector<std::uint8_t>& out,
                                  const encode_options& opt) {
    return encode_impl(t, out, opt, true);
}

result<std::size_t> encode_body_append(const term& t, std::vector<std::uint8_t>& out,
                                       const encode_options& opt) {
    return encode_impl(t, out, opt, false);
}

namespace etf_detail {

std::size_t splice_list::bytes() const noexcept {
    return bytes_since(0);
}

std::size_t splice_list::bytes_since(std::size_t first) const noexcept {
    std::size_t n = 0;
    for (std::size_t i = first; i < items.size(); ++i)
        n += items[i].size;
    return n;
}

result<std::size_t> encode_body_append_dist(const term& t, std::vector<std::uint8_t>& out,
                                            const encode_options& opt, splice_list* splices,
                                            packet_atom_refs* refs) {
    const std::size_t had = splices != nullptr ? splices->items.size() : 0;
    auto r = encode_impl(t, out, opt, false, splices, refs);
    if (!r || splices == nullptr) return r;
    return *r + splices->bytes_since(had);
}

void materialize(std::vector<std::uint8_t>& out, splice_list& splices, std::size_t skip) {
    // In output order, each insert moves only the few bytes after it that are already
    // in place (the big ones still to come are not yet there).
    out.reserve(out.size() + splices.bytes());
    std::size_t moved = 0;
    for (const splice& x : splices.items) {
        const auto at = out.begin() + static_cast<std::ptrdiff_t>(x.at + moved);
        out.insert(at, x.data, x.data + x.size);
        moved += x.size;
    }
    splices.items.clear();
    out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(std::min(skip, out.size())));
}

}  // namespace etf_detail

std::size_t encoded_size(const term& t, const encode_options& opt) {
    count_sink sink;
    encoder<count_sink> enc(sink, opt);
    if (!enc.run(t)) return 0;
    return 1 + sink.size();
}

}  // namespace otp
