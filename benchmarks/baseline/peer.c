// Non-Node baseline for the loopback and lab benchmarks: drives the same kernel socket (TCP or MPTCP) with plain
// blocking syscalls, speaking the same tiny protocol as benchmarks/loopback/node-peer.js so either end can
// be swapped for the other.
//   peer server <tcp|mptcp> <sink|source|accept> [--bytes N] [--read-buffer N] [--write-size N]
//               [--rcvbuf N] [--sndbuf N] [--bind A]                        prints "PORT <n>"
//   peer send <tcp|mptcp> <port> <bytes> [--write-size N] [--sndbuf N] [--host A]   prints a JSON result
//   peer recv <tcp|mptcp> <port> [--read-buffer N] [--rcvbuf N] [--host A] [--start-delay-ms N]
//                                                                                   prints a JSON result
//   peer connect <tcp|mptcp> <port> <count> [--host A]                             prints a JSON result
// Addresses are IPv4 (default 127.0.0.1). Servers print one JSON line per served connection on stderr
// (its CPU time, and for a source the MPTCP retransmitted bytes); clients include their own CPU time.
// sink: read to EOF, answer one byte, close.  source: write --bytes, close.  accept: answer one byte at
// once, close (a connect client waits for it, so every connection counted was accepted by the server).
// Results carry the sender's MPTCP-level retransmitted bytes (MPTCP_INFO), where there is one, and the
// receiver's stalls: gaps of more than 100 ms between two reads (count and total seconds).
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif
#define TCP_IS_MPTCP_ 43
#define MPTCP_INFO_ 1

static void die(const char *what) {
  fprintf(stderr, "peer: %s: %s\n", what, strerror(errno));
  exit(1);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long opt(int argc, char **argv, const char *name, long def) {
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], name)) return atol(argv[i + 1]);
  return def;
}

static const char *sopt(int argc, char **argv, const char *name, const char *def) {
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], name)) return argv[i + 1];
  return def;
}

// User + system CPU time of this process so far, in microseconds.
static long long cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static int open_socket(const char *proto) {
  int p = !strcmp(proto, "mptcp") ? IPPROTO_MPTCP : IPPROTO_TCP;
  int fd = socket(AF_INET, SOCK_STREAM, p);
  if (fd < 0) die("socket");
  return fd;
}

static void set_buf(int fd, int name, long size) {
  int v = (int)size;
  if (size > 0 && setsockopt(fd, SOL_SOCKET, name, &v, sizeof v) < 0) die("setsockopt");
}

static struct sockaddr_in address(const char *ip, int port) {
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
    fprintf(stderr, "peer: not an IPv4 address: %s\n", ip);
    exit(2);
  }
  return a;
}

static int is_mptcp(int fd) {
  int v = 0;
  socklen_t len = sizeof v;
  return getsockopt(fd, IPPROTO_TCP, TCP_IS_MPTCP_, &v, &len) == 0 ? v : 0;
}

// struct mptcp_info: u64 bytes_retrans at offset 48 (cumulative; retransmits at 44 is only the current
// backoff); -1 when the socket is not MPTCP or the kernel is older than 5.12.
static long mptcp_retrans(int fd) {
  unsigned char info[256];
  socklen_t len = sizeof info;
  if (getsockopt(fd, SOL_MPTCP, MPTCP_INFO_, info, &len) < 0 || len < 56) return -1;
  unsigned long long v;
  memcpy(&v, info + 48, 8);
  return (long)v;
}

// Reads until EOF, adding up the gaps between two reads that exceed 100 ms (kernel stalls, see README).
struct drained {
  long long bytes;
  double stall_s;
  int stalls;
};

static struct drained drain(int fd, char *buf, long rbuf) {
  struct drained d = {0, 0, 0};
  double last = now();
  for (;;) {
    ssize_t n = read(fd, buf, rbuf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      die("read");
    }
    double t = now();
    if (d.bytes > 0 && t - last > 0.1) {
      d.stall_s += t - last;
      d.stalls++;
    }
    last = t;
    d.bytes += n;
  }
  return d;
}

static long long write_all(int fd, long long total, long wsize) {
  char *buf = malloc(wsize);
  memset(buf, 'x', wsize);
  long long sent = 0;
  while (sent < total) {
    long chunk = total - sent < wsize ? (long)(total - sent) : wsize;
    ssize_t n = write(fd, buf, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("write");
    }
    sent += n;
  }
  free(buf);
  return sent;
}

static int server(int argc, char **argv) {
  const char *proto = argv[2];
  int sink = !strcmp(argv[3], "sink"), source = !strcmp(argv[3], "source");
  long rbuf = opt(argc, argv, "--read-buffer", 65536), wsize = opt(argc, argv, "--write-size", 65536);
  long long bytes = opt(argc, argv, "--bytes", 0);
  int fd = open_socket(proto), one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  set_buf(fd, SO_RCVBUF, opt(argc, argv, "--rcvbuf", 0));
  set_buf(fd, SO_SNDBUF, opt(argc, argv, "--sndbuf", 0));
  struct sockaddr_in a = address(sopt(argc, argv, "--bind", "127.0.0.1"), 0);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  if (listen(fd, 511) < 0) die("listen");
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &len);
  printf("PORT %d\n", ntohs(a.sin_port));
  fflush(stdout);
  char *buf = malloc(rbuf);
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      die("accept");
    }
    long long cpu0 = cpu_us();
    if (source) {
      write_all(c, bytes, wsize);
      fprintf(stderr, "{\"retrans\":%ld,\"cpuUs\":%lld}\n", mptcp_retrans(c), cpu_us() - cpu0);
      close(c);
      continue;
    }
    struct drained d = {0, 0, 0};
    if (sink) d = drain(c, buf, rbuf);
    if (write(c, "k", 1) < 0) {}
    close(c);
    if (sink) fprintf(stderr, "{\"cpuUs\":%lld,\"stallS\":%.6f,\"stalls\":%d}\n", cpu_us() - cpu0, d.stall_s, d.stalls);
  }
  return 0;
}

static int sender(int argc, char **argv) {
  int port = atoi(argv[3]);
  long long total = atoll(argv[4]);
  long wsize = opt(argc, argv, "--write-size", 65536);
  long long cpu0 = cpu_us();
  double t0 = now();
  int fd = open_socket(argv[2]);
  set_buf(fd, SO_SNDBUF, opt(argc, argv, "--sndbuf", 0));
  struct sockaddr_in a = address(sopt(argc, argv, "--host", "127.0.0.1"), port);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
  int mptcp = is_mptcp(fd);
  long long sent = write_all(fd, total, wsize);
  shutdown(fd, SHUT_WR);
  char k;
  if (read(fd, &k, 1) != 1) die("read ack");
  double secs = now() - t0;
  long retrans = mptcp_retrans(fd);
  close(fd);
  printf("{\"bytes\":%lld,\"seconds\":%.6f,\"mptcp\":%s,\"retrans\":%ld,\"cpuUs\":%lld}\n", sent, secs, mptcp ? "true" : "false", retrans, cpu_us() - cpu0);
  return 0;
}

static int receiver(int argc, char **argv) {
  int port = atoi(argv[3]);
  long rbuf = opt(argc, argv, "--read-buffer", 65536);
  char *buf = malloc(rbuf);
  long long cpu0 = cpu_us();
  double t0 = now();
  int fd = open_socket(argv[2]);
  set_buf(fd, SO_RCVBUF, opt(argc, argv, "--rcvbuf", 0));
  struct sockaddr_in a = address(sopt(argc, argv, "--host", "127.0.0.1"), port);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
  int mptcp = is_mptcp(fd);
  // A reader that starts late lets the receive window fill up once (as a busy event loop does).
  long delay = opt(argc, argv, "--start-delay-ms", 0);
  if (delay > 0) usleep(delay * 1000);
  struct drained d = drain(fd, buf, rbuf);
  double secs = now() - t0;
  close(fd);
  printf("{\"bytes\":%lld,\"seconds\":%.6f,\"mptcp\":%s,\"cpuUs\":%lld,\"stallS\":%.6f,\"stalls\":%d}\n", d.bytes, secs, mptcp ? "true" : "false", cpu_us() - cpu0, d.stall_s, d.stalls);
  return 0;
}

static int connector(int argc, char **argv) {
  (void)argc;
  int port = atoi(argv[3]);
  long count = atol(argv[4]);
  struct sockaddr_in a = address(sopt(argc, argv, "--host", "127.0.0.1"), port);
  int mptcp = 1;
  double t0 = now();
  for (long i = 0; i < count; i++) {
    int fd = open_socket(argv[2]);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
    if (i == 0) mptcp = is_mptcp(fd);
    char k;
    if (read(fd, &k, 1) != 1) die("read");
    close(fd);
  }
  double secs = now() - t0;
  printf("{\"count\":%ld,\"seconds\":%.6f,\"mptcp\":%s}\n", count, secs, mptcp ? "true" : "false");
  return 0;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc >= 4 && !strcmp(argv[1], "server")) return server(argc, argv);
  if (argc >= 5 && !strcmp(argv[1], "send")) return sender(argc, argv);
  if (argc >= 4 && !strcmp(argv[1], "recv")) return receiver(argc, argv);
  if (argc >= 5 && !strcmp(argv[1], "connect")) return connector(argc, argv);
  fprintf(stderr, "usage: peer server <tcp|mptcp> <sink|accept> | send <tcp|mptcp> <port> <bytes> | recv <tcp|mptcp> <port> | connect <tcp|mptcp> <port> <count>\n");
  return 2;
}
