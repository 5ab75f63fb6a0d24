// Replays handshakes captured against a real erl through the pure state machines.
// The machine under test gets the configuration the capturing peer used and must
// write exactly the bytes that peer wrote.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "handshake/acceptor_fsm.hpp"
#include "handshake/initiator_fsm.hpp"
#include "otp/dist_flags.hpp"
#include "support/vectors.hpp"

using namespace otp;
using namespace otp::handshake;

namespace {

struct io {
    bool out;
    std::vector<std::uint8_t> bytes;
};
struct transcript {
    std::map<std::string, std::string> config;
    std::vector<io> steps;
};

std::map<std::string, transcript> load() {
    std::ifstream in(std::string(OTPCPP_TEST_VECTORS_DIR) + "/handshake_vectors.txt");
    std::map<std::string, transcript> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        std::string key;
        ls >> key;
        const std::string name = key.substr(0, key.find('.'));
        const std::string what = key.substr(key.find('.') + 1);
        if (what == "config") {
            std::string kv;
            while (ls >> kv)
                out[name].config[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
        } else {
            std::string dir, hex;
            ls >> dir >> hex;
            out[name].steps.push_back({dir == "out", otp::test::from_hex(hex)});
        }
    }
    return out;
}

const transcript& get(const std::string& name) {
    static const auto all = load();
    return all.at(name);
}

std::uint64_t num(const transcript& t, const char* key) {
    return std::stoull(t.config.at(key), nullptr, 16);
}

initiator_config initiator_for(const transcript& t) {
    initiator_config c;
    c.our_name = t.config.at("our_name");
    c.our_flags = num(t, "our_flags");
    c.our_creation = static_cast<std::uint32_t>(num(t, "our_creation"));
    c.peer_name = t.config.at("peer_name");
    c.cookie = c.peer_cookie = t.config.at("cookie");
    c.challenge = static_cast<std::uint32_t>(num(t, "challenge"));
    c.required_flags = dflag::mandatory_otp26;
    return c;
}

acceptor_config acceptor_for(const transcript& t) {
    acceptor_config c;
    c.our_name = t.config.at("our_name");
    c.our_flags = num(t, "our_flags");
    c.our_creation = static_cast<std::uint32_t>(num(t, "our_creation"));
    c.challenge = static_cast<std::uint32_t>(num(t, "challenge"));
    c.required_flags = dflag::mandatory_otp26;
    return c;
}

// Plays a transcript through a machine: the machine's writes must equal the `out`
// steps; `in` steps are fed `chunk` bytes at a time. Returns the final step (a read
// request when the peer closed, i.e. an empty `in`).
template <class Fsm>
step play(Fsm& fsm, const transcript& t, std::size_t chunk, const std::string& cookie) {
    step s = fsm.resume({});
    for (const io& e : t.steps) {
        if (e.out) {
            if (s.what != step::kind::write) {
                ADD_FAILURE() << "expected a write, got kind " << static_cast<int>(s.what) << " "
                              << s.error.message();
                return s;
            }
            EXPECT_EQ(std::vector<std::uint8_t>(s.bytes.begin(), s.bytes.end()), e.bytes);
            s = fsm.resume({});
            continue;
        }
        if (e.bytes.empty()) return s;  // erl closed here
        for (std::size_t i = 0; i < e.bytes.size(); i += chunk) {
            EXPECT_EQ(s.what, step::kind::read) << "at byte " << i;
            const std::size_t n = std::min(chunk, e.bytes.size() - i);
            s = fsm.resume({e.bytes.data() + i, n});
        }
        if constexpr (std::is_same_v<Fsm, acceptor_fsm>) {
            if (s.what == step::kind::decide)
                s = fsm.decide({handshake_status::ok, cookie, cookie, {}});
        }
    }
    return s;
}

class Transcripts : public ::testing::TestWithParam<std::size_t> {};

}  // namespace

TEST_P(Transcripts, InitiatorOk) {
    const auto& t = get("init_ok");
    initiator_fsm fsm(initiator_for(t));
    const step s = play(fsm, t, GetParam(), "");
    ASSERT_EQ(s.what, step::kind::done) << s.error.message();
    EXPECT_EQ(fsm.result().peer_name, "srv@vm");
    EXPECT_EQ(fsm.result().peer_flags, 0xD07DF7FBDull);  // an OTP 25.2 visible node
    EXPECT_EQ(fsm.result().flags, 0xD07DF7FBDull & 0x4075F0FBCull);
    EXPECT_EQ(fsm.result().peer_creation, 0x6B05AD00u);
    EXPECT_TRUE(fsm.result().leftover.empty());
}

TEST_P(Transcripts, InitiatorWrongCookieIsClosedByErl) {
    const auto& t = get("init_wrong_cookie");
    initiator_fsm fsm(initiator_for(t));
    EXPECT_EQ(play(fsm, t, GetParam(), "").what, step::kind::read);
}

TEST_P(Transcripts, InitiatorNotAllowed) {
    const auto& t = get("init_not_allowed");
    initiator_fsm fsm(initiator_for(t));
    const step s = play(fsm, t, GetParam(), "");
    EXPECT_EQ(s.what, step::kind::failed);
    EXPECT_EQ(s.error, handshake_errc::not_allowed);
}

TEST_P(Transcripts, InitiatorAliveReplacesTheOldConnection) {
    const auto& t = get("init_alive");
    initiator_fsm fsm(initiator_for(t));
    const step s = play(fsm, t, GetParam(), "");
    ASSERT_EQ(s.what, step::kind::done) << s.error.message();
    EXPECT_TRUE(fsm.result().replaces_existing);
}

TEST_P(Transcripts, InitiatorNamedByThePeer) {
    const auto& t = get("init_named");
    initiator_fsm fsm(initiator_for(t));
    const step s = play(fsm, t, GetParam(), "");
    ASSERT_EQ(s.what, step::kind::done) << s.error.message();
    EXPECT_EQ(fsm.result().our_name, "2UPP19VTU1IEL@vm");
    EXPECT_EQ(fsm.result().our_creation, 0xE098F933u);
    // The peer's challenge carried NAME_ME and no PUBLISHED: a hidden connection.
    EXPECT_EQ(fsm.result().peer_flags & dflag::published, 0u);
}

TEST_P(Transcripts, AcceptorOk) {
    const auto& t = get("acc_ok");
    acceptor_fsm fsm(acceptor_for(t));
    const step s = play(fsm, t, GetParam(), t.config.at("cookie"));
    ASSERT_EQ(s.what, step::kind::done) << s.error.message();
    EXPECT_EQ(fsm.result().peer_name, "cc_ok@vm");
    EXPECT_EQ(fsm.result().peer_creation, 0x6B05AD03u);
    EXPECT_EQ(fsm.result().flags, 0xD07DF7FBDull & 0x4075F0FBCull);
}

TEST_P(Transcripts, AcceptorRefusesAWrongCookie) {
    const auto& t = get("acc_wrong_cookie");
    acceptor_fsm fsm(acceptor_for(t));
    const step s = play(fsm, t, GetParam(), t.config.at("cookie"));
    EXPECT_EQ(s.what, step::kind::failed);
    EXPECT_EQ(s.error, handshake_errc::bad_cookie);
}

// Whole messages, one byte at a time, and odd chunk sizes.
INSTANTIATE_TEST_SUITE_P(Chunks, Transcripts, ::testing::Values(1, 3, 7, 4096));

TEST(HandshakeTranscript, TruncatedInputNeverCompletes) {
    for (const char* name : {"init_ok", "init_alive", "init_named"}) {
        const auto& t = get(name);
        std::vector<std::uint8_t> all_in;
        for (const io& e : t.steps)
            if (!e.out) all_in.insert(all_in.end(), e.bytes.begin(), e.bytes.end());
        for (std::size_t cut = 0; cut + 1 < all_in.size(); ++cut) {
            initiator_fsm fsm(initiator_for(t));
            step s = fsm.resume({});
            std::size_t fed = 0;
            while (s.what == step::kind::write || (s.what == step::kind::read && fed < cut)) {
                if (s.what == step::kind::write) {
                    s = fsm.resume({});
                } else {
                    s = fsm.resume({all_in.data() + fed, 1});
                    ++fed;
                }
            }
            EXPECT_EQ(s.what, step::kind::read) << name << " cut " << cut;
        }
    }
}
