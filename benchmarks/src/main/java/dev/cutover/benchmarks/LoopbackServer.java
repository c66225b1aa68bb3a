package dev.cutover.benchmarks;

import dev.cutover.testkit.TestCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ServerSocketFactory;
import okhttp3.HttpUrl;
import okhttp3.Protocol;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * A MockWebServer on 127.0.0.1 that answers every request with 200 (or 503 and 200 in turn), with
 * Nagle's algorithm off on its sockets.
 *
 * <p>Not the testkit's {@code BackendServer}: MockWebServer writes a response's head and body in
 * two flushes, and with Nagle on the body then waits for the client's delayed ACK, about 40 ms per
 * HTTP/1.1 request on Linux. That would bury the few microseconds being measured. This server
 * also keeps no record of requests, so it costs the same for every call of a long run.
 */
final class LoopbackServer implements AutoCloseable {
  private final MockWebServer server = new MockWebServer();
  /** When on, requests alternate 503, 200, 503, ...; counts requests answered so far. */
  private volatile boolean alternating;
  private final AtomicInteger answered = new AtomicInteger();
  /** When set, each request waits here until the latch opens: holds N calls on N connections. */
  private volatile CountDownLatch gate;
  private final boolean tls;
  private final InetAddress address;

  LoopbackServer(TestCertificates certificates, boolean http2) throws IOException {
    this(certificates, http2, InetAddress.getLoopbackAddress());
  }

  LoopbackServer(TestCertificates certificates, boolean http2, InetAddress address)
      throws IOException {
    this.tls = certificates != null;
    this.address = address;
    server.setServerSocketFactory(new NoDelayServerSocketFactory());
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        CountDownLatch held = gate;
        if (held != null) {
          held.countDown();
          held.await(30, TimeUnit.SECONDS);
        }
        int code = alternating && answered.getAndIncrement() % 2 == 0 ? 503 : 200;
        return new MockResponse().setResponseCode(code).setBody("ok");
      }
    });
    if (tls) {
      server.useHttps(certificates.serverSocketFactory(), false);
    }
    server.setProtocols(
        http2 ? List.of(Protocol.HTTP_2, Protocol.HTTP_1_1) : List.of(Protocol.HTTP_1_1));
    server.start(address, 0);
  }

  /**
   * Answers every other request with 503, starting with the next one: a backend being swapped out
   * under a single-threaded client, whose every call meets one 503 and then a 200.
   */
  void alternate503() {
    answered.set(0);
    alternating = true;
  }

  /**
   * Makes the next {@code requests} requests wait for each other, so that a client sending them
   * at once needs as many connections.
   */
  void holdUntil(int requests) {
    gate = new CountDownLatch(requests);
  }

  InetAddress address() {
    return address;
  }

  int port() {
    return server.getPort();
  }

  HttpUrl url(String host) {
    return new HttpUrl.Builder().scheme(tls ? "https" : "http").host(host).port(port()).build();
  }

  @Override
  public void close() throws IOException {
    server.shutdown();
  }

  /** Plain server sockets whose accepted sockets send small writes at once. */
  private static final class NoDelayServerSocketFactory extends ServerSocketFactory {
    @Override
    public ServerSocket createServerSocket() throws IOException {
      return new ServerSocket() {
        @Override
        public Socket accept() throws IOException {
          Socket accepted = super.accept();
          accepted.setTcpNoDelay(true);
          return accepted;
        }
      };
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      return createServerSocket(port, 50, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      return createServerSocket(port, backlog, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address)
        throws IOException {
      ServerSocket socket = createServerSocket();
      try {
        socket.bind(new InetSocketAddress(address, port), backlog);
      } catch (IOException | RuntimeException e) {
        socket.close();
        throw e;
      }
      return socket;
    }
  }
}
