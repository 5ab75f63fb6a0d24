// The plumbing both handshake roles share: framing what they write and taking whole
// messages out of what was read.
#pragma once

#include <vector>

#include "handshake/messages.hpp"
#include "handshake/step.hpp"
#include "otp/handshake.hpp"

namespace otp::handshake {

class fsm_io {
  protected:
    explicit fsm_io(const framing& f) : framing_(f), reader_(f.length_width, f.max_message) {}

    /// A write step for one message body, framed; the bytes live until the next write.
    step write(const std::vector<std::uint8_t>& body) {
        out_ = frame(body, framing_.length_width);
        return {step::kind::write, out_, {}};
    }
    /// Feeds `input` and hands the next whole message to `on_message`; asks for more
    /// bytes while none is complete.
    template <class OnMessage, class OnError>
    step next_message(std::span<const std::uint8_t> input, OnMessage&& on_message, OnError&& fail) {
        reader_.feed(input);
        std::span<const std::uint8_t> body;
        switch (reader_.next(body)) {
            case message_reader::status::need_more:
                return {step::kind::read, {}, {}};
            case message_reader::status::too_large:
                return fail(handshake_errc::message_too_large);
            case message_reader::status::tls_record:
                return fail(handshake_errc::peer_uses_tls);
            case message_reader::status::message:
                return on_message(body);
        }
        return fail(handshake_errc::bad_message);
    }
    /// Bytes read past the last message taken.
    std::vector<std::uint8_t> take_rest() { return reader_.take_rest(); }

  private:
    framing framing_;
    message_reader reader_;
    std::vector<std::uint8_t> out_;
};

}  // namespace otp::handshake
