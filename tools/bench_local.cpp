// Two otpcpp nodes in one process: embedded epmd, C++ peer, client workloads.
#include "bench_local.hpp"

#include <memory>

#include "bench_peer.hpp"

namespace otp::cli::bench {

local_epmd::local_epmd() : guard_(io_.get_executor()) {
    epmd::server_options o;
    o.address = "0.0.0.0";  // peers look up by host name, which may not be 127.0.0.1
    o.port = 0;
    server_ = std::make_unique<epmd::server>(io_, o);
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
}

local_epmd::~local_epmd() {
    server_->stop();
    guard_.reset();
    io_.stop();
    thread_.join();
    server_.reset();
}

std::uint16_t local_epmd::port() const noexcept {
    return server_->port();
}

namespace {

node_options options(const local_setup& s, const char* name, std::uint16_t epmd_port) {
    node_options o;
    o.name = name;
    o.cookie = s.cookie;
    o.epmd_port = epmd_port;
    o.hidden = true;
    o.io_threads = s.io_threads;
    o.logger = s.logger;
    return o;
}

}  // namespace

report run_local(std::string_view workload, const local_setup& s) {
    local_epmd epmd;
    node peer_node(options(s, "cppbenchpeer", epmd.port()));
    cpp_peer peer(peer_node);
    node client_node(options(s, "cppbenchclient", epmd.port()));

    client_setup c;
    c.self = &client_node;
    c.peer = peer_node.name();
    c.n = s.n;
    c.size = s.size;
    c.connect = s.connect;
    c.rpc_raw = s.rpc_raw;
    c.async = s.async;
    c.make_node = [&s, port = epmd.port()] {
        node_options o = options(s, "cppbenchfresh", port);
        o.register_with_epmd = false;
        return std::make_unique<node>(o);
    };
    report r = run_workload(workload, c);
    r.workload = "cpp-" + std::string(workload);
    return r;
}

}  // namespace otp::cli::bench
