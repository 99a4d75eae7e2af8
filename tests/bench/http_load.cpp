#include "tests/bench/http_load.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace sb::bench {
namespace {

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Reads one response; returns its status or -1. `buf` keeps bytes past the response.
int read_response(int fd, std::string& buf) {
  while (true) {
    size_t end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      int status = std::atoi(buf.c_str() + 9);
      size_t cl = 0;
      std::string head = buf.substr(0, end);
      std::transform(head.begin(), head.end(), head.begin(), ::tolower);
      size_t p = head.find("content-length:");
      if (p != std::string::npos) cl = std::strtoul(head.c_str() + p + 15, nullptr, 10);
      size_t total = end + 4 + cl;
      while (buf.size() < total) {
        char tmp[16384];
        ssize_t n = ::read(fd, tmp, sizeof tmp);
        if (n <= 0) return -1;
        buf.append(tmp, static_cast<size_t>(n));
      }
      buf.erase(0, total);
      return status;
    }
    char tmp[16384];
    ssize_t n = ::read(fd, tmp, sizeof tmp);
    if (n <= 0) return -1;
    buf.append(tmp, static_cast<size_t>(n));
  }
}

}  // namespace

LoadResult run_http_load(uint16_t port, const std::string& path, int connections, double seconds,
                         const std::function<std::string(int, uint64_t)>& body, const std::string& headers) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> ok{0}, failed{0};
  std::mutex mu;
  std::vector<double> latencies;
  std::vector<std::thread> threads;
  auto t0 = std::chrono::steady_clock::now();
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      std::vector<double> mine;
      int fd = connect_to(port);
      std::string buf;
      for (uint64_t n = 0; !stop && fd >= 0; ++n) {
        std::string b = body(c, n);
        std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                          headers + "Content-Length: " + std::to_string(b.size()) + "\r\n\r\n" + b;
        auto s = std::chrono::steady_clock::now();
        if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) break;
        int status = read_response(fd, buf);
        if (status < 0) break;
        mine.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
        (status >= 200 && status < 300 ? ok : failed)++;
      }
      if (fd >= 0) ::close(fd);
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  LoadResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.ok = ok;
  r.failed = failed;
  r.requests = ok + failed;
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    r.p50_ms = latencies[latencies.size() / 2];
    r.p99_ms = latencies[latencies.size() * 99 / 100];
  }
  return r;
}

}  // namespace sb::bench
