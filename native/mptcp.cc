// Thin wrappers around the socket syscalls that libuv cannot make for us.
// Every call returns a number (>= 0 on success, -errno on failure) or fills a caller's Buffer.
#include <napi.h>
#include <uv.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

// The system headers may be older than the running kernel.
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif
#ifndef SOL_TCP
#define SOL_TCP IPPROTO_TCP
#endif
#ifndef SO_PROTOCOL
#define SO_PROTOCOL 38
#endif
#ifndef SOCK_CLOEXEC
#define SOCK_CLOEXEC 0
#endif
#ifndef TCP_INFO
#define TCP_INFO 11
#endif
#define MPTCP_INFO_ 1
#define MPTCP_TCPINFO_ 2
#define MPTCP_SUBFLOW_ADDRS_ 3
#define MPTCP_FULL_INFO_ 4
#define TCP_IS_MPTCP_ 43

// struct mptcp_full_info from include/uapi/linux/mptcp.h (6.5+): the two arrays are user pointers.
struct full_info_header {
  uint32_t size_tcpinfo_kernel;
  uint32_t size_tcpinfo_user;
  uint32_t size_sfinfo_kernel;
  uint32_t size_sfinfo_user;
  uint32_t num_subflows;
  uint32_t size_arrays_user;
  uint64_t subflow_info;
  uint64_t tcp_info;
};

static int Fd(const Napi::CallbackInfo &info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

static Napi::Value Result(Napi::Env env, int rc) { return Napi::Number::New(env, rc < 0 ? -errno : rc); }

static Napi::Value Socket(const Napi::CallbackInfo &info) {
  int family = Fd(info, 0), type = Fd(info, 1), protocol = Fd(info, 2);
  return Result(info.Env(), socket(family, type | SOCK_CLOEXEC, protocol));
}

static Napi::Value Bind(const Napi::CallbackInfo &info) {
  int fd = Fd(info, 0);
  std::string ip = info[1].As<Napi::String>().Utf8Value();
  int port = Fd(info, 2);
  struct sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  socklen_t len;
  int err;
  if (ip.find(':') != std::string::npos) {
    err = uv_ip6_addr(ip.c_str(), port, reinterpret_cast<struct sockaddr_in6 *>(&ss));
    len = sizeof(struct sockaddr_in6);
  } else {
    err = uv_ip4_addr(ip.c_str(), port, reinterpret_cast<struct sockaddr_in *>(&ss));
    len = sizeof(struct sockaddr_in);
  }
  if (err) return Napi::Number::New(info.Env(), -EINVAL);
  return Result(info.Env(), bind(fd, reinterpret_cast<struct sockaddr *>(&ss), len));
}

static Napi::Value Setsockopt(const Napi::CallbackInfo &info) {
  int fd = Fd(info, 0), level = Fd(info, 1), name = Fd(info, 2);
  if (info[3].IsBuffer()) {
    auto buf = info[3].As<Napi::Buffer<uint8_t>>();
    return Result(info.Env(), setsockopt(fd, level, name, buf.Data(), buf.Length()));
  }
  int value = info[3].As<Napi::Number>().Int32Value();
  return Result(info.Env(), setsockopt(fd, level, name, &value, sizeof value));
}

// The Buffer is both input (some MPTCP options read a header from it) and output; returns optlen.
static Napi::Value Getsockopt(const Napi::CallbackInfo &info) {
  int fd = Fd(info, 0), level = Fd(info, 1), name = Fd(info, 2);
  auto buf = info[3].As<Napi::Buffer<uint8_t>>();
  socklen_t len = buf.Length();
  int rc = getsockopt(fd, level, name, buf.Data(), &len);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int>(len));
}

// MPTCP_FULL_INFO carries pointers to two arrays; JS sizes the header and both arrays.
static Napi::Value GetsockoptFullInfo(const Napi::CallbackInfo &info) {
  int fd = Fd(info, 0);
  auto head = info[1].As<Napi::Buffer<uint8_t>>();
  auto subflows = info[2].As<Napi::Buffer<uint8_t>>();
  auto tcpinfo = info[3].As<Napi::Buffer<uint8_t>>();
  if (head.Length() < sizeof(full_info_header)) return Napi::Number::New(info.Env(), -EINVAL);
  full_info_header h;
  std::memcpy(&h, head.Data(), sizeof h);
  h.subflow_info = reinterpret_cast<uintptr_t>(subflows.Data());
  h.tcp_info = reinterpret_cast<uintptr_t>(tcpinfo.Data());
  if (static_cast<uint64_t>(h.size_sfinfo_user) * h.size_arrays_user > subflows.Length() ||
      static_cast<uint64_t>(h.size_tcpinfo_user) * h.size_arrays_user > tcpinfo.Length())
    return Napi::Number::New(info.Env(), -EINVAL);
  std::memcpy(head.Data(), &h, sizeof h);
  socklen_t len = head.Length();
  int rc = getsockopt(fd, SOL_MPTCP, MPTCP_FULL_INFO_, head.Data(), &len);
  return Result(info.Env(), rc < 0 ? rc : static_cast<int>(len));
}

static Napi::Value Close(const Napi::CallbackInfo &info) { return Result(info.Env(), close(Fd(info, 0))); }

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("socket", Napi::Function::New(env, Socket));
  exports.Set("bind", Napi::Function::New(env, Bind));
  exports.Set("setsockopt", Napi::Function::New(env, Setsockopt));
  exports.Set("getsockopt", Napi::Function::New(env, Getsockopt));
  exports.Set("getsockoptFullInfo", Napi::Function::New(env, GetsockoptFullInfo));
  exports.Set("close", Napi::Function::New(env, Close));

  Napi::Object c = Napi::Object::New(env);
  auto def = [&](const char *name, int value) { c.Set(name, Napi::Number::New(env, value)); };
  def("AF_INET", AF_INET);
  def("AF_INET6", AF_INET6);
  def("SOCK_STREAM", SOCK_STREAM);
  def("IPPROTO_TCP", IPPROTO_TCP);
  def("IPPROTO_MPTCP", IPPROTO_MPTCP);
  def("IPPROTO_IPV6", IPPROTO_IPV6);
  def("IPV6_V6ONLY", IPV6_V6ONLY);
  def("SOL_SOCKET", SOL_SOCKET);
  def("SO_REUSEADDR", SO_REUSEADDR);
#ifdef SO_REUSEPORT
  def("SO_REUSEPORT", SO_REUSEPORT);
#endif
  def("SO_PROTOCOL", SO_PROTOCOL);
  def("SOL_TCP", SOL_TCP);
  def("TCP_INFO", TCP_INFO);
  def("TCP_IS_MPTCP", TCP_IS_MPTCP_);
  def("SOL_MPTCP", SOL_MPTCP);
  def("MPTCP_INFO", MPTCP_INFO_);
  def("MPTCP_TCPINFO", MPTCP_TCPINFO_);
  def("MPTCP_SUBFLOW_ADDRS", MPTCP_SUBFLOW_ADDRS_);
  def("MPTCP_FULL_INFO", MPTCP_FULL_INFO_);
  exports.Set("constants", c);
  return exports;
}

NODE_API_MODULE(mptcp, Init)
