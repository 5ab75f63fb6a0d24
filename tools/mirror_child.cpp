// A mirror child: a mailbox driven by commands, reporting the rest to its owner.
#include "mirror_child.hpp"

#include <memory>

namespace otp::cli {
namespace {

const atom a_link("link"), a_unlink("unlink"), a_monitor("monitor"), a_demonitor("demonitor"),
    a_exit("exit"), a_exit2("exit2"), a_send("send"), a_message("message"), a_exit_msg("EXIT"),
    a_down("DOWN"), a_child_event("child_event"), a_monitor_ref("monitor_ref");

class child : public std::enable_shared_from_this<child> {
  public:
    child(mailbox box, pid owner) : box_(std::move(box)), owner_(std::move(owner)) {}

    // Waits for the next message; the pending receive keeps the child alive, and ends
    // (mailbox_closed) when the child exits or the node shuts down.
    void next() {
        box_.async_receive([self = shared_from_this()](std::error_code ec, envelope e) {
            if (ec) return;
            self->handle(e.message);
            self->next();
        });
    }

  private:
    void report(term event) {
        box_.send(owner_, tuple(a_child_event, box_.self(), std::move(event)));
    }

    // Carries out a command; false when `msg` is not one (it is then reported).
    bool obey(const term& msg) {
        auto t = msg.as_tuple();
        if (!t || t->empty() || !(*t)[0].is_atom()) return false;
        const atom op = *(*t)[0].as_atom();
        const std::size_t n = t->size();
        if (n == 2 && op == a_link && (*t)[1].is_pid()) {
            box_.link(*(*t)[1].as_pid());
        } else if (n == 2 && op == a_unlink && (*t)[1].is_pid()) {
            box_.unlink(*(*t)[1].as_pid());
        } else if (n == 2 && op == a_monitor && (*t)[1].is_pid()) {
            report(tuple(a_monitor_ref, box_.monitor(*(*t)[1].as_pid())));
        } else if (n == 2 && op == a_demonitor && (*t)[1].is_reference()) {
            box_.demonitor(*(*t)[1].as_ref());
        } else if (n == 2 && op == a_exit) {
            box_.close((*t)[1]);
        } else if (n == 3 && op == a_exit2 && (*t)[1].is_pid()) {
            box_.exit(*(*t)[1].as_pid(), (*t)[2]);
        } else if (n == 3 && op == a_send) {
            return send((*t)[1], (*t)[2]);
        } else {
            return false;
        }
        return true;
    }

    // {send, To, Msg}: a bare name is one on the owner's node.
    bool send(const term& to, const term& msg) {
        if (auto name = to.as_atom()) {
            box_.send(*name, owner_.node, msg);
            return true;
        }
        return !box_.send_to(to, msg);
    }

    void handle(const term& msg) {
        if (obey(msg)) return;
        auto t = msg.as_tuple();
        // Trapped exit signals and monitor DOWNs are reported as they are; the rest
        // wrapped as messages.
        const bool signal = t && ((t->size() == 3 && (*t)[0] == term(a_exit_msg)) ||
                                  (t->size() == 5 && (*t)[0] == term(a_down)));
        report(signal ? msg : tuple(a_message, msg));
    }

    mailbox box_;
    pid owner_;
};

}  // namespace

pid spawn_child(node& n, const pid& owner) {
    mailbox box = n.create_mailbox();
    // Exit signals become messages to report; only `kill` still ends the child.
    box.trap_exit(true);
    const pid self = box.self();
    std::make_shared<child>(std::move(box), owner)->next();
    return self;
}

}  // namespace otp::cli
