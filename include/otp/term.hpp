// Erlang terms as C++ values: construction, typed access, ordering and hashing.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/multiprecision/cpp_int.hpp>

static_assert(sizeof(long) == 8, "otpcpp assumes LP64");

#include "otp/atom.hpp"
#include "otp/detail/term_node.hpp"
#include "otp/error.hpp"

namespace otp {

class term;

/// Arbitrary-precision integer used for Erlang integers outside int64.
using big_int = boost::multiprecision::cpp_int;

/// The kinds of Erlang term, declared in Erlang's term order
/// (number < atom < reference < fun < port < pid < tuple < map < nil < list < bitstring).
enum class term_type : std::uint8_t {
    integer,
    float_,
    atom,
    reference,
    fun,  ///< a local fun (NEW_FUN_EXT) or an external fun `fun M:F/A` (EXPORT_EXT)
    port,
    pid,
    tuple,
    map,
    nil,
    list,    ///< a non-empty list, proper or improper
    binary,  ///< a binary or a bitstring (see binary_view::bits)
};

/// Name of a term type as Erlang's guards call it ("integer", "float", ...).
std::string_view to_string(term_type t) noexcept;

/// An Erlang process identifier. A plain value: node name, id, serial, creation.
struct pid {
    atom node;
    std::uint32_t id = 0;
    std::uint32_t serial = 0;
    std::uint32_t creation = 0;
    friend bool operator==(const pid&, const pid&) = default;
};

/// An Erlang port identifier (64-bit id since OTP 24's V4_PORT_EXT).
struct port {
    atom node;
    std::uint64_t id = 0;
    std::uint32_t creation = 0;
    friend bool operator==(const port&, const port&) = default;
};

/// An Erlang reference: node, creation and 1 to 5 id words (OTP 25+ uses up to 5).
struct reference {
    atom node;
    std::uint32_t creation = 0;
    std::uint8_t len = 0;  ///< number of id words used, 1..5
    std::array<std::uint32_t, 5> ids{};
    /// The used id words.
    std::span<const std::uint32_t> words() const noexcept { return {ids.data(), len}; }
    /// Equal as Erlang's =:= sees it: missing id words count as zero, so a 3-word
    /// and a 4-word reference whose fourth word is 0 are the same reference.
    friend bool operator==(const reference& a, const reference& b) noexcept {
        if (a.node != b.node || a.creation != b.creation) return false;
        const std::size_t n = a.len > b.len ? a.len : b.len;
        for (std::size_t i = 0; i < n && i < 5; ++i)
            if ((i < a.len ? a.ids[i] : 0u) != (i < b.len ? b.ids[i] : 0u)) return false;
        return true;
    }
};

/// An external fun `fun Module:Function/Arity`.
struct export_fun {
    atom module;
    atom function;
    std::uint8_t arity = 0;
    friend bool operator==(const export_fun&, const export_fun&) = default;
};

/// The bytes of a binary or bitstring. `bits` is the number of bits used in the last
/// byte (1..8; 8 for a binary with whole bytes, and for the empty binary). Unused
/// low bits of the last byte are zero. Valid while the term it came from lives.
struct binary_view {
    std::span<const std::uint8_t> bytes;
    std::uint8_t bits = 8;
    /// True for a binary of whole bytes (not a bitstring).
    bool is_binary() const noexcept { return bits == 8; }
    /// Size in bits.
    std::size_t bit_size() const noexcept {
        return bytes.empty() ? 0 : (bytes.size() - 1) * 8 + bits;
    }
    /// The bytes as characters (no copy).
    std::string_view as_string_view() const noexcept {
        return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
    }
};

/// Iterates a list's elements; for an improper list, the last tail is reachable via
/// list_view::tail(). Valid while the term it came from lives.
class list_view;
/// A map's key/value pairs, sorted in Erlang's map-key order (integers before floats,
/// then term order). Valid while the term it came from lives.
class map_view;
/// A local fun (NEW_FUN_EXT); only useful to pass back to the node that made it.
class fun_view;

/// An Erlang term: an immutable value of any Erlang type.
///
/// 16 bytes; small integers, floats, atoms and [] are stored inline, everything else
/// in a reference-counted immutable node, so copies are cheap and large binaries are
/// shared, never copied. A default-constructed term is `[]`.
///
/// Memory of decoded terms: otp::decode() puts all the nodes of one decoded term in
/// one arena, counted as a whole and freed in one step when the last term referring
/// into it dies. A sub-term kept from a decoded term (an element, a tail, a map value,
/// a sub-binary) therefore keeps the whole decoded term's memory alive: typically three
/// to five times its encoded size, more for input made of tiny containers. To keep a
/// small part of a large decoded term for long,
/// copy it out: `otp::decode(otp::encode(part))` gives a term with an arena of its own.
///
/// Thread safety: a term may be read, copied and destroyed from many threads at
/// once (the reference count is atomic); assigning to one term object from two
/// threads at once is a data race, as for any value type.
///
/// `==` is Erlang's exact equality `=:=`; `<=>` is Erlang's term order, in which
/// `1 == 1.0` compare equivalent (use equal() for `==`, exact_compare() for a
/// strict total order).
class term {
  public:
    /// `[]`.
    term() noexcept : tag_(detail::tag::nil), aux_(0), i_(0) {}
    term(const term& o) noexcept : tag_(o.tag_), aux_(o.aux_), i_(o.i_) {
        if (is_heap()) detail::retain(h_);
    }
    term(term&& o) noexcept : tag_(o.tag_), aux_(o.aux_), i_(o.i_) { o.tag_ = detail::tag::nil; }
    term& operator=(const term& o) noexcept {
        term tmp(o);
        swap(tmp);
        return *this;
    }
    term& operator=(term&& o) noexcept {
        term tmp(std::move(o));
        swap(tmp);
        return *this;
    }
    ~term() {
        if (is_heap()) detail::release(h_);
    }
    void swap(term& o) noexcept {
        std::swap(tag_, o.tag_);
        std::swap(aux_, o.aux_);
        std::swap(i_, o.i_);
    }

    // --- construction from C++ values -------------------------------------------
    term(int v) noexcept : term(static_cast<long>(v)) {}
    term(long v) noexcept : tag_(detail::tag::small_int), aux_(0), i_(v) {}
    term(long long v) noexcept : term(static_cast<long>(v)) {}
    term(unsigned v) noexcept : term(static_cast<long>(v)) {}
    term(unsigned long v);
    term(unsigned long long v);
    term(const big_int& v);
    term(double v) noexcept : tag_(detail::tag::float_), aux_(0), f_(v) {}
    /// `true` or `false`.
    term(bool v) noexcept;
    term(atom a) noexcept : tag_(detail::tag::atom), aux_(0), a_(a.entry()) {}
    /// A UTF-8 binary (Erlang's modern string convention); see otp::charlist for a list.
    term(std::string_view utf8);
    term(const std::string& utf8) : term(std::string_view(utf8)) {}
    term(const char* utf8) : term(std::string_view(utf8)) {}
    term(const pid& p);
    term(const port& p);
    term(const reference& r);
    term(const export_fun& f);

    // --- type tests ---------------------------------------------------------------
    /// The Erlang type.
    term_type type() const noexcept;
    bool is_integer() const noexcept {
        return tag_ == detail::tag::small_int || tag_ == detail::tag::big_int;
    }
    bool is_float() const noexcept { return tag_ == detail::tag::float_; }
    bool is_number() const noexcept { return is_integer() || is_float(); }
    bool is_atom() const noexcept { return tag_ == detail::tag::atom; }
    /// True for the atoms `true` and `false`.
    bool is_boolean() const noexcept;
    bool is_reference() const noexcept { return tag_ == detail::tag::reference; }
    bool is_fun() const noexcept {
        return tag_ == detail::tag::fun || tag_ == detail::tag::export_fun;
    }
    bool is_port() const noexcept { return tag_ == detail::tag::port; }
    bool is_pid() const noexcept { return tag_ == detail::tag::pid; }
    bool is_tuple() const noexcept { return tag_ == detail::tag::tuple; }
    bool is_map() const noexcept { return tag_ == detail::tag::map; }
    bool is_nil() const noexcept { return tag_ == detail::tag::nil; }
    /// True for `[]` and for non-empty lists (proper or not), like is_list/1.
    bool is_list() const noexcept { return is_nil() || tag_ == detail::tag::list; }
    /// True for a non-empty list cell.
    bool is_cons() const noexcept { return tag_ == detail::tag::list; }
    /// True for a binary of whole bytes.
    bool is_binary() const noexcept;
    /// True for binaries and bitstrings.
    bool is_bitstring() const noexcept { return tag_ == detail::tag::binary; }

    // --- typed access (errors instead of undefined behaviour) ----------------------
    /// The integer as int64; out_of_range for a bignum, wrong_type otherwise.
    result<std::int64_t> as_int64() const noexcept;
    /// The integer as any C++ integral type, range-checked.
    template <class Int>
    result<Int> as_int() const noexcept;
    /// The integer at any size.
    result<big_int> as_big_int() const;
    /// A float as double; integers are not converted (wrong_type), as in Erlang guards.
    result<double> as_double() const noexcept;
    /// A float, or an integer converted to double (out_of_range if it does not fit).
    result<double> as_number() const noexcept;
    result<atom> as_atom() const noexcept;
    /// `true`/`false` as bool.
    result<bool> as_bool() const noexcept;
    result<pid> as_pid() const noexcept;
    result<port> as_port() const noexcept;
    result<reference> as_ref() const noexcept;
    result<export_fun> as_export_fun() const noexcept;
    result<fun_view> as_fun() const noexcept;
    /// Binary or bitstring bytes (no copy).
    result<binary_view> as_binary() const noexcept;
    /// Tuple elements (no copy).
    result<std::span<const term>> as_tuple() const noexcept;
    /// `[]` or a list, proper or improper (no copy).
    result<list_view> as_list() const noexcept;
    result<map_view> as_map() const noexcept;

    /// Element `i` (0-based) of a tuple; out_of_range or wrong_type on error.
    result<term> element(std::size_t i) const noexcept;
    /// Number of elements of a tuple, pairs of a map, bytes of a binary, or
    /// elements of a proper list (counting); 0 for other terms.
    std::size_t size() const noexcept;

    /// The first cell's head and tail of a non-empty list.
    result<term> head() const noexcept;
    result<term> tail() const noexcept;

    // --- comparison ------------------------------------------------------------------
    /// Erlang's exact equality (=:=).
    friend bool operator==(const term& a, const term& b) noexcept;
    /// Erlang's term order (numbers compare by value: 1 and 1.0 are equivalent).
    friend std::weak_ordering operator<=>(const term& a, const term& b) noexcept;

    /// Hash consistent with =:= (equal terms hash equal).
    std::size_t hash() const noexcept;

    // --- internal ------------------------------------------------------------------
    /// The internal tag; internal.
    detail::tag raw_tag() const noexcept { return tag_; }
    /// The heap node of a boxed term, or nullptr; internal.
    detail::heap_node* raw_node() const noexcept { return is_heap() ? h_ : nullptr; }
    /// The list offset of a list term; internal.
    std::uint32_t raw_aux() const noexcept { return aux_; }
    /// Adopts a freshly built node (count already 1); internal.
    static term adopt(detail::tag t, detail::heap_node* n, std::uint32_t aux = 0) noexcept {
        term r;
        r.tag_ = t;
        r.aux_ = aux;
        r.h_ = n;
        return r;
    }
    /// The raw inline int64 of a small integer; internal.
    std::int64_t raw_int() const noexcept { return i_; }
    /// The raw inline double of a float; internal.
    double raw_float() const noexcept { return f_; }
    /// The raw atom entry of an atom; internal.
    atom raw_atom() const noexcept { return atom::from_entry(a_); }

  private:
    bool is_heap() const noexcept { return tag_ >= detail::first_heap_tag; }

    detail::tag tag_;
    std::uint8_t pad8_ = 0;
    std::uint16_t pad16_ = 0;
    std::uint32_t aux_;  // list: offset of the first element within its node
    union {
        std::int64_t i_;
        double f_;
        const detail::atom_entry* a_;
        detail::heap_node* h_;
    };
};
static_assert(sizeof(term) == 16, "term must stay two words");

inline void swap(term& a, term& b) noexcept {
    a.swap(b);
}

/// Erlang's arithmetic equality (==): like =:= except that 1 == 1.0.
bool equal(const term& a, const term& b) noexcept;
/// A strict total order consistent with =:= (map-key order): like the term order,
/// except that every integer sorts before every float, as OTP orders map keys.
std::strong_ordering exact_compare(const term& a, const term& b) noexcept;

// --- list / map / fun views -----------------------------------------------------

class list_view {
  public:
    /// Iterator over the elements (the heads of successive cells).
    class iterator {
      public:
        using value_type = term;
        using difference_type = std::ptrdiff_t;
        using reference = const term&;
        using pointer = const term*;
        using iterator_category = std::forward_iterator_tag;
        iterator() = default;
        const term& operator*() const noexcept;
        const term* operator->() const noexcept { return &**this; }
        iterator& operator++() noexcept;
        iterator operator++(int) noexcept {
            iterator t = *this;
            ++*this;
            return t;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.node_ == b.node_ && a.pos_ == b.pos_;
        }

      private:
        friend class list_view;
        iterator(const detail::heap_node* n, std::uint32_t pos) noexcept : node_(n), pos_(pos) {}
        const detail::heap_node* node_ = nullptr;
        std::uint32_t pos_ = 0;
    };

    explicit list_view(const term& list) noexcept : list_(&list) {}
    iterator begin() const noexcept;
    iterator end() const noexcept { return {}; }
    /// The tail after the last element: `[]` for a proper list.
    const term& tail() const noexcept;
    /// True when the final tail is `[]`.
    bool is_proper() const noexcept { return tail().is_nil(); }
    /// Number of elements (walks the list).
    std::size_t size() const noexcept;
    bool empty() const noexcept { return list_->is_nil(); }
    /// Copies the elements out.
    std::vector<term> to_vector() const;

  private:
    const term* list_;
};

class map_view {
  public:
    using value_type = std::pair<term, term>;
    explicit map_view(std::span<const value_type> pairs) noexcept : pairs_(pairs) {}
    auto begin() const noexcept { return pairs_.begin(); }
    auto end() const noexcept { return pairs_.end(); }
    std::size_t size() const noexcept { return pairs_.size(); }
    bool empty() const noexcept { return pairs_.empty(); }
    /// The value stored under a key (=:= match), or nullptr.
    const term* find(const term& key) const noexcept;
    /// The pairs in map-key order.
    std::span<const value_type> pairs() const noexcept { return pairs_; }

  private:
    std::span<const value_type> pairs_;
};

class fun_view {
  public:
    explicit fun_view(const detail::heap_node* n) noexcept : n_(n) {}
    std::uint8_t arity() const noexcept;
    std::span<const std::uint8_t, 16> uniq() const noexcept;
    std::uint32_t index() const noexcept;
    atom module() const noexcept;
    const term& old_index() const noexcept;
    const term& old_uniq() const noexcept;
    const term& creator() const noexcept;  ///< the pid that created the fun
    std::span<const term> free_vars() const noexcept;

  private:
    const detail::heap_node* n_;
};

// --- builders ---------------------------------------------------------------------

/// A tuple of the given elements: `otp::tuple(otp::atom("ok"), 42)`.
term make_tuple(std::span<const term> elements);
/// A tuple from a vector, taking the elements.
term make_tuple(std::vector<term>&& elements);
template <class... Ts>
term tuple(Ts&&... elements) {
    if constexpr (sizeof...(Ts) == 0) {
        return make_tuple(std::span<const term>{});
    } else {
        const term elems[] = {term(std::forward<Ts>(elements))...};
        return make_tuple(std::span<const term>(elems));
    }
}
/// A proper list of the elements, or an improper one ending in `tail`.
term make_list(std::span<const term> elements, term tail = term());
term make_list(std::vector<term>&& elements, term tail = term());
template <class... Ts>
term list(Ts&&... elements) {
    if constexpr (sizeof...(Ts) == 0) {
        return term();
    } else {
        const term elems[] = {term(std::forward<Ts>(elements))...};
        return make_list(std::span<const term>(elems));
    }
}
/// `[Head | Tail]`.
term cons(term head, term tail);
/// A list of the Unicode code points of a UTF-8 string (an Erlang string);
/// throws otp::system_error(invalid_utf8) on invalid UTF-8.
term charlist(std::string_view utf8);
/// A map; for a repeated key the last value wins, as in an Erlang map expression.
term make_map(std::span<const std::pair<term, term>> pairs);
term make_map(std::vector<std::pair<term, term>>&& pairs);
inline term map(std::initializer_list<std::pair<term, term>> pairs) {
    return make_map(std::span<const std::pair<term, term>>(pairs.begin(), pairs.size()));
}
/// A binary holding a copy of the bytes.
term binary(std::span<const std::uint8_t> bytes);
term binary(std::string_view bytes);
/// A bitstring: `bits` (1..8) used bits in the last byte; unused bits are cleared.
term bitstring(std::span<const std::uint8_t> bytes, std::uint8_t bits);
/// A binary that references memory kept alive by `owner` (zero copy).
term binary_ref(std::span<const std::uint8_t> bytes, std::shared_ptr<const void> owner,
                std::uint8_t bits = 8);
/// A sub-binary sharing the parent's storage: bytes [offset, offset + size).
result<term> sub_binary(const term& binary, std::size_t offset, std::size_t size);
/// A local fun (NEW_FUN_EXT) from its parts; used by the decoder.
term make_fun(std::uint8_t arity, std::span<const std::uint8_t, 16> uniq, std::uint32_t index,
              atom module, term old_index, term old_uniq, term creator,
              std::span<const term> free_vars);

}  // namespace otp

template <>
struct std::hash<otp::term> {
    std::size_t operator()(const otp::term& t) const noexcept { return t.hash(); }
};

#include "otp/detail/term_impl.hpp"
