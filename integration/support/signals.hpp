// Shapes of the messages links, monitors and puppets produce, and taking them out of a
// mailbox: shared by the integration tests of signals between nodes.
#pragma once

#include <chrono>
#include <string_view>

#include "otp/mailbox.hpp"
#include "otp/text.hpp"

namespace otp::itest {

/// A term written in Erlang syntax (the test's own literal: fails loudly if invalid).
inline term msg(std::string_view text) {
    return parse(text).value();
}

/// True for a tuple whose first element is `tag`.
inline bool tagged(const term& t, atom tag) {
    auto tp = t.as_tuple();
    return tp && !tp->empty() && (*tp)[0] == term(tag);
}

/// The next queued message tagged `tag` ('EXIT', 'DOWN' ...); nil on timeout.
inline term next_tagged(mailbox& m, atom tag,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto r = m.receive_if([&](const envelope& e) { return tagged(e.message, tag); }, timeout);
    return r ? r->message : term();
}

/// The next queued {Tag, Key, Value} message: Value; nil on timeout.
inline term next_keyed(mailbox& m, atom tag, const term& key,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto r = m.receive_if(
        [&](const envelope& e) {
            auto t = e.message.as_tuple();
            return t && t->size() == 3 && (*t)[0] == term(tag) && (*t)[1] == key;
        },
        timeout);
    return r ? (*r->message.as_tuple())[2] : term();
}

/// The next {got, From, Msg} report from the puppet `from`: Msg; nil on timeout.
inline term got_from(mailbox& ctl, const pid& from,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return next_keyed(ctl, atom("got"), from, timeout);
}

/// {'EXIT', From, Reason}.
inline term exit_msg(const pid& from, const term& reason) {
    return tuple(atom("EXIT"), from, reason);
}
/// {'DOWN', Ref, process, Object, Reason}.
inline term down_msg(const term& ref, const term& object, const term& reason) {
    return tuple(atom("DOWN"), ref, atom("process"), object, reason);
}

}  // namespace otp::itest
