// Pattern matching of terms against patterns written in Erlang syntax.
#include "otp/match.hpp"

#include <list>
#include <mutex>
#include <unordered_map>

#include "term/parse.hpp"

namespace otp {

namespace detail {
/// A compiled pattern: the AST with variable slots resolved.
struct pattern_impl {
    text::node root;
    std::vector<std::string> names;  // slot -> variable name
    std::string source;
};
}  // namespace detail

namespace {

using detail::text::bit_reader;
using detail::text::node;
using detail::text::seg_spec;
using detail::text::seg_type;

// Resolves variables to slots in matching order and checks that segment sizes only
// use variables bound earlier.
class slot_assigner {
  public:
    explicit slot_assigner(std::vector<std::string>& names) : names_(names) {}

    bool run(node& n, parse_error_info& err) {
        err_ = &err;
        return walk(n);
    }

  private:
    int find(const std::string& name) const {
        for (std::size_t i = 0; i < names_.size(); ++i)
            if (names_[i] == name) return static_cast<int>(i);
        return -1;
    }

    bool walk(node& n) {
        switch (n.k) {
            case node::kind::var: {
                int s = find(n.name);
                if (s < 0) {
                    names_.push_back(n.name);
                    s = static_cast<int>(names_.size() - 1);
                }
                n.slot = s;
                return true;
            }
            case node::kind::map:
                for (std::size_t i = 1; i < n.elems.size(); i += 2)
                    if (!walk(n.elems[i])) return false;
                return true;
            case node::kind::binary:
                for (std::size_t i = 0; i < n.elems.size(); ++i) {
                    seg_spec& s = n.segs[i];
                    if (!s.size_var.empty()) {
                        s.size_slot = find(s.size_var);
                        if (s.size_slot < 0) {
                            err_->code = make_error_code(term_errc::syntax_error);
                            err_->line = s.line;
                            err_->column = s.col;
                            err_->message =
                                std::to_string(s.line) + ":" + std::to_string(s.col) +
                                ": variable '" + s.size_var +
                                "' in a segment size must be bound earlier in the pattern";
                            return false;
                        }
                    }
                    if (!walk(n.elems[i])) return false;
                }
                return true;
            case node::kind::tuple:
            case node::kind::list:
            case node::kind::alias:
                for (node& e : n.elems)
                    if (!walk(e)) return false;
                return true;
            default:
                return true;
        }
    }

    std::vector<std::string>& names_;
    parse_error_info* err_ = nullptr;
};

// Per-call matching state, so compiled patterns stay immutable and shareable.
class matcher {
  public:
    explicit matcher(std::size_t slots) : values_(slots), bound_(slots, 0) {}

    bool match(const node& p, const term& t) {
        switch (p.k) {
            case node::kind::literal:
                return t == p.value;
            case node::kind::wildcard:
                return true;
            case node::kind::var:
                return bind(p.slot, t);
            case node::kind::alias:
                return match(p.elems[0], t) && match(p.elems[1], t);
            case node::kind::tuple: {
                auto elems = t.as_tuple();
                if (!elems || elems->size() != p.elems.size()) return false;
                for (std::size_t i = 0; i < p.elems.size(); ++i)
                    if (!match(p.elems[i], (*elems)[i])) return false;
                return true;
            }
            case node::kind::list: {
                const std::size_t regular = p.elems.size() - (p.has_tail ? 1 : 0);
                term cur = t;
                for (std::size_t i = 0; i < regular; ++i) {
                    if (!cur.is_cons()) return false;
                    if (!match(p.elems[i], cur.head().value())) return false;
                    cur = cur.tail().value();
                }
                if (p.has_tail) return match(p.elems.back(), cur);
                return cur.is_nil();
            }
            case node::kind::map: {
                auto mv = t.as_map();
                if (!mv) return false;
                for (std::size_t i = 0; i + 1 < p.elems.size(); i += 2) {
                    const term* v = mv->find(p.elems[i].value);
                    if (v == nullptr || !match(p.elems[i + 1], *v)) return false;
                }
                return true;
            }
            case node::kind::binary:
                return match_binary(p, t);
        }
        return false;
    }

    void export_to(const std::vector<std::string>& names, bindings& out) const {
        out.clear();
        for (std::size_t i = 0; i < names.size(); ++i)
            if (bound_[i]) out.set(names[i], values_[i]);
    }

  private:
    bool bind(int slot, const term& t) {
        const auto s = static_cast<std::size_t>(slot);
        if (bound_[s]) return values_[s] == t;
        values_[s] = t;
        bound_[s] = 1;
        return true;
    }

    // The size of a segment in bits, or false if it cannot be satisfied.
    bool segment_bits(const seg_spec& s, std::int64_t dflt, std::size_t remaining,
                      std::size_t& bits) const {
        std::int64_t size = s.has_size ? s.size : dflt;
        if (s.size_slot >= 0) {
            auto v = values_[static_cast<std::size_t>(s.size_slot)].as_int64();
            if (!v) return false;
            size = *v;
        }
        if (size < 0) return false;
        const auto unit = static_cast<std::uint64_t>(s.effective_unit());
        if (static_cast<std::uint64_t>(size) > remaining / unit) return false;
        bits = static_cast<std::size_t>(size) * unit;
        return true;
    }

    bool match_binary(const node& p, const term& t) {
        if (!t.is_bitstring()) return false;
        bit_reader r(t);
        for (std::size_t i = 0; i < p.segs.size(); ++i) {
            const seg_spec& s = p.segs[i];
            const node& vp = p.elems[i];
            term value;
            std::size_t bits = 0;
            switch (s.type) {
                case seg_type::integer:
                    if (!segment_bits(s, 8, r.remaining(), bits)) return false;
                    value = detail::text::get_integer(r, bits, s.little, s.is_signed);
                    break;
                case seg_type::float_: {
                    if (!segment_bits(s, 64, r.remaining(), bits)) return false;
                    if (bits != 16 && bits != 32 && bits != 64) return false;
                    double d = 0.0;
                    if (!detail::text::get_float(r, bits, s.little, d)) return false;
                    value = term(d);
                    // A literal integer in a float segment matches by value.
                    if (vp.k == node::kind::literal && vp.value.is_integer()) {
                        if (!equal(value, vp.value)) return false;
                        continue;
                    }
                    break;
                }
                case seg_type::binary:
                case seg_type::bitstring:
                    if (s.has_size) {
                        if (!segment_bits(s, 0, r.remaining(), bits)) return false;
                    } else {
                        bits = r.remaining();
                        if (bits % static_cast<std::size_t>(s.effective_unit()) != 0) return false;
                    }
                    value = r.get_bitstring(bits);
                    break;
                case seg_type::utf8:
                case seg_type::utf16:
                case seg_type::utf32: {
                    std::int64_t cp = 0;
                    if (!detail::text::get_utf(r, s.type, s.little, cp)) return false;
                    value = term(static_cast<long>(cp));
                    break;
                }
            }
            if (!match(vp, value)) return false;
        }
        return r.remaining() == 0;
    }

    std::vector<term> values_;
    std::vector<char> bound_;
};

class pattern_cache {
  public:
    static constexpr std::size_t capacity = 256;

    result<pattern> get(std::string_view text, parse_error_info& err) {
        {
            const std::lock_guard lock(mu_);
            if (auto it = index_.find(text); it != index_.end()) {
                lru_.splice(lru_.begin(), lru_, it->second);
                return it->second->second;
            }
        }
        // Compile outside the lock: it may be slow and cannot touch the cache.
        auto compiled = pattern::compile(text, err);
        if (!compiled) return compiled;
        const std::lock_guard lock(mu_);
        if (auto it = index_.find(text); it != index_.end()) return it->second->second;
        lru_.emplace_front(std::string(text), *compiled);
        index_.emplace(lru_.front().first, lru_.begin());
        while (lru_.size() > capacity) {
            index_.erase(lru_.back().first);
            lru_.pop_back();
        }
        return compiled;
    }

  private:
    std::mutex mu_;
    std::list<std::pair<std::string, pattern>> lru_;
    // Keys view the strings held by lru_ nodes, which never move.
    std::unordered_map<std::string_view, std::list<std::pair<std::string, pattern>>::iterator>
        index_;
};

pattern_cache& cache() {
    static pattern_cache c;
    return c;
}

}  // namespace

result<term> bindings::get(std::string_view name) const {
    if (const term* t = find(name)) return *t;
    return term_errc::out_of_range;
}

const term* bindings::find(std::string_view name) const noexcept {
    for (const auto& [n, v] : items_)
        if (n == name) return &v;
    return nullptr;
}

void bindings::set(std::string_view name, term value) {
    for (auto& [n, v] : items_) {
        if (n == name) {
            v = std::move(value);
            return;
        }
    }
    items_.emplace_back(std::string(name), std::move(value));
}

result<pattern> pattern::compile(std::string_view text, parse_error_info& err) {
    auto impl = std::make_shared<detail::pattern_impl>();
    detail::text::parse_config cfg;
    cfg.pattern = true;
    if (!detail::text::parse_text(text, cfg, impl->root, err)) return err.code;
    if (!slot_assigner(impl->names).run(impl->root, err)) return err.code;
    impl->source = std::string(text);
    return pattern(std::shared_ptr<const detail::pattern_impl>(std::move(impl)));
}

result<pattern> pattern::compile(std::string_view text) {
    parse_error_info err;
    return compile(text, err);
}

bool pattern::match(const term& value, bindings* out) const {
    if (!impl_) {
        if (out) out->clear();
        return true;
    }
    matcher m(impl_->names.size());
    if (!m.match(impl_->root, value)) return false;
    if (out) m.export_to(impl_->names, *out);
    return true;
}

std::span<const std::string> pattern::variables() const noexcept {
    if (!impl_) return {};
    return impl_->names;
}

std::string_view pattern::source() const noexcept {
    if (!impl_) return "_";
    return impl_->source;
}

bool match(const term& value, std::string_view pattern_text, bindings* out) {
    parse_error_info err;
    auto p = cache().get(pattern_text, err);
    if (!p) throw system_error(err.code, err.message);
    return p->match(value, out);
}

}  // namespace otp
