package dev.cutover.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ServerSocketFactory;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Protocol;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;

/**
 * One HTTP server playing "blue" or "green" in a blue-green deployment test.
 *
 * <p>It listens on one address and port, plain HTTP/1.1 or HTTPS (optionally offering HTTP/2 by
 * ALPN), and answers every request itself: by default {@code 200} with the server's name as the
 * body and in an {@code X-Backend} header, so a test can see which environment served a call. The
 * behaviour can be switched at any time, from any thread, to simulate an environment being drained
 * or torn down: {@link #unavailable()}, {@link #status(int)}, {@link #resetConnections()}, {@link
 * #delay(Duration)} and finally {@link #shutdown()}. A switch applies to requests that arrive after
 * it; a request already being answered keeps the behaviour it arrived under.
 *
 * <p>Typical use, with blue and green on distinct loopback addresses but the same port, as they
 * would be behind one DNS name:
 *
 * <pre>{@code
 * TestCertificates certs = TestCertificates.forHosts("api.cutover.test");
 * List<BackendServer> pair = BackendServer.startPair(
 *     BackendServer.builder("blue").address(InetAddress.getByName("127.0.0.2")).tls(certs).http2(true),
 *     BackendServer.builder("green").address(InetAddress.getByName("127.0.0.3")).tls(certs).http2(true));
 * BackendServer blue = pair.get(0);
 * HttpUrl url = blue.url("api.cutover.test", "/health"); // the client's Dns decides which one
 * }</pre>
 *
 * <p>Every request the server answers is counted and recorded (see {@link #requests()}); the
 * counters are exact and mutually consistent. A connection is counted when the first request on it
 * arrives, as told by the request's sequence number on its connection being zero; this holds for
 * HTTP/1.1 and HTTP/2 alike, with OkHttp's MockWebServer 4.12 and 5.x. Connections that carry no
 * request (a client's speculative connection that lost a race, or one cut off by {@link
 * #resetConnections()}) are visible only in {@link #acceptedConnectionCount()}.
 *
 * <p>Built on the legacy {@code okhttp3.mockwebserver} API, which both the OkHttp 4.12 and 5.x
 * lines ship, so the same tests run against both.
 */
public final class BackendServer implements AutoCloseable {

  /** How many of the most recent requests {@link #requests()} keeps. */
  public static final int MAX_RECORDED_REQUESTS = 10_000;

  private static final int PAIR_ATTEMPTS = 5;
  private static final int MIN_PRUNE = 1024;
  private static final int MIN_STATUS = 200;
  private static final int MAX_STATUS = 599;
  private static final String BACKEND_HEADER = "X-Backend";
  private static final String CONTENT_TYPE = "text/plain; charset=utf-8";

  /** What the server does with the next request. */
  private enum Mode {
    STATUS,
    ALTERNATE,
    SHARE,
    CLOSE_AFTER,
    RESET
  }

  /** One immutable setting, so that a request never sees half of a switch. */
  private static final class Behavior {
    final Mode mode;
    final int code;
    final String body;
    final String retryAfter;
    /** For {@link Mode#ALTERNATE}: requests answered under this behaviour so far. */
    final AtomicInteger answered = new AtomicInteger();
    /** For {@link Mode#SHARE}: the share of requests answered 503, and the draws. */
    final double share;
    final java.util.Random random;

    Behavior(Mode mode, int code, String body, String retryAfter) {
      this(mode, code, body, retryAfter, 0, null);
    }

    Behavior(Mode mode, int code, String body, String retryAfter, double share,
        java.util.Random random) {
      this.mode = mode;
      this.code = code;
      this.body = body;
      this.retryAfter = retryAfter;
      this.share = share;
      this.random = random;
    }
  }

  /**
   * One request as the server received it.
   *
   * @param method the request method, such as {@code GET}
   * @param path the request target: the path and any query, such as {@code /a?b=c}
   * @param headers the request headers as received; for HTTP/2 they include the pseudo-headers
   *     {@code :authority} and {@code :scheme} (but not {@code :method} and {@code :path}), and
   *     {@code :authority} takes the place of {@code Host}
   * @param body the request body decoded as UTF-8; empty if there was none
   * @param sequenceNumber the index of this request on its connection: 0 for the first
   * @param receivedAtNanos the {@link System#nanoTime()} at which the whole request had been read
   * @param protocol {@link Protocol#HTTP_2} or {@link Protocol#HTTP_1_1}
   */
  public record Recorded(
      String method,
      String path,
      Headers headers,
      String body,
      int sequenceNumber,
      long receivedAtNanos,
      Protocol protocol) {

    /**
     * Checks the components.
     *
     * @param method the request method
     * @param path the request target
     * @param headers the request headers
     * @param body the request body
     * @param sequenceNumber the index of the request on its connection
     * @param receivedAtNanos when the request had been read
     * @param protocol the protocol that carried the request
     * @throws IllegalArgumentException if any object is null or the sequence number is negative
     */
    public Recorded {
      if (method == null || path == null || headers == null || body == null || protocol == null) {
        throw new IllegalArgumentException(
            "method, path, headers, body and protocol must not be null, got "
                + method + ", " + path + ", " + headers + ", " + body + ", " + protocol);
      }
      if (sequenceNumber < 0) {
        throw new IllegalArgumentException(
            "sequenceNumber must not be negative, got " + sequenceNumber);
      }
    }
  }

  /**
   * Configures a {@link BackendServer} before it starts. Not thread-safe; it can start any number
   * of servers, each with the settings at the time.
   */
  public static final class Builder {
    private final String name;
    private InetAddress address = InetAddress.getLoopbackAddress();
    private int port;
    private TestCertificates tls;
    private boolean http2;

    private Builder(String name) {
      this.name = name;
    }

    /**
     * Sets the address to listen on; by default the loopback address.
     *
     * @param address a local address, such as {@code 127.0.0.2}
     * @return this builder
     * @throws IllegalArgumentException if {@code address} is null
     */
    public Builder address(InetAddress address) {
      if (address == null) {
        throw new IllegalArgumentException("address must not be null");
      }
      this.address = address;
      return this;
    }

    /**
     * Sets the port to listen on; by default 0, any free port.
     *
     * @param port 0 for any free port, or 1 to 65535
     * @return this builder
     * @throws IllegalArgumentException if {@code port} is outside 0 to 65535
     */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be 0 (any) or 1 to 65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Serves HTTPS with the server certificate of {@code certificates}, or plain HTTP if null (the
     * default).
     *
     * @param certificates the certificates to serve with, or null for plain HTTP
     * @return this builder
     */
    public Builder tls(TestCertificates certificates) {
      this.tls = certificates;
      return this;
    }

    /**
     * Offers HTTP/2 as well as HTTP/1.1; by default only HTTP/1.1 is offered. HTTP/2 is negotiated
     * by ALPN, so it needs {@link #tls(TestCertificates)}; a client that does not offer HTTP/2 gets
     * HTTP/1.1.
     *
     * @param http2 whether to offer HTTP/2
     * @return this builder
     */
    public Builder http2(boolean http2) {
      this.http2 = http2;
      return this;
    }

    /**
     * Starts a server with this builder's settings.
     *
     * @return the running server
     * @throws IOException if the server cannot listen, for example because the port is in use (a
     *     {@link BindException})
     * @throws IllegalArgumentException if HTTP/2 was asked for without TLS
     */
    public BackendServer start() throws IOException {
      return start(port);
    }

    private BackendServer start(int portToUse) throws IOException {
      validate();
      return new BackendServer(this, portToUse);
    }

    private void validate() {
      if (http2 && tls == null) {
        throw new IllegalArgumentException(
            "http2(true) needs tls(certificates): HTTP/2 is offered only over TLS, by ALPN;"
                + " got tls(null) for " + name);
      }
    }
  }

  /**
   * A socket whose addresses already carry their IP literal as their host name.
   *
   * <p>MockWebServer 4.12 asks for the host name of the local address of every request, and of
   * the peer of every HTTP/2 connection. For an address such as 127.0.0.2, which no hosts file
   * names, that is a reverse DNS query to the machine's resolver, which can take seconds and
   * time the test out. Literal names make those answers immediate and independent of the machine.
   */
  private static final class LiteralNamedSocket extends Socket {
    @Override
    public InetAddress getInetAddress() {
      return literallyNamed(super.getInetAddress());
    }

    @Override
    public InetAddress getLocalAddress() {
      return literallyNamed(super.getLocalAddress());
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
      return literallyNamed(super.getRemoteSocketAddress());
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
      return literallyNamed(super.getLocalSocketAddress());
    }

    private static SocketAddress literallyNamed(SocketAddress socketAddress) {
      if (!(socketAddress instanceof InetSocketAddress)) {
        return socketAddress;
      }
      InetSocketAddress inet = (InetSocketAddress) socketAddress;
      if (inet.getAddress() == null) {
        return inet;
      }
      return new InetSocketAddress(literallyNamed(inet.getAddress()), inet.getPort());
    }

    private static InetAddress literallyNamed(InetAddress address) {
      if (address == null) {
        return null;
      }
      try {
        return InetAddress.getByAddress(address.getHostAddress(), address.getAddress());
      } catch (UnknownHostException e) {
        return address; // Not reached: the address bytes come from a valid address.
      }
    }
  }

  /** Counts accepted sockets and keeps hold of the listening socket, to close it on failure. */
  private final class CountingServerSocketFactory extends ServerSocketFactory {
    volatile ServerSocket created;

    @Override
    public ServerSocket createServerSocket() throws IOException {
      ServerSocket socket =
          new ServerSocket() {
            @Override
            public Socket accept() throws IOException {
              if (isClosed()) {
                throw new SocketException("Socket is closed");
              }
              if (!isBound()) {
                throw new SocketException("Socket is not bound yet");
              }
              Socket accepted = new LiteralNamedSocket();
              implAccept(accepted);
              // MockWebServer writes a response's headers and body separately; with Nagle on,
              // the second write waits for the client's delayed ACK, about 40 ms a request.
              accepted.setTcpNoDelay(true);
              acceptedConnections.incrementAndGet();
              openSockets.add(accepted);
              pruneClosedSockets();
              return accepted;
            }
          };
      created = socket;
      return socket;
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

  /** Answers from the current behaviour and keeps the books. */
  private final class BackendDispatcher extends Dispatcher {
    @Override
    public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
      return respond(request);
    }

    @Override
    public MockResponse peek() {
      // MockWebServer asks peek() when it accepts a connection (and, in 5.x, when an HTTP/2
      // stream opens) whether to drop it before reading anything; that is how new connections
      // are cut off. Requests on connections that are already open reach dispatch().
      if (behavior.mode == Mode.RESET && !isShutdown()) {
        return new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START);
      }
      return new MockResponse();
    }

    @Override
    public void shutdown() {
      markClosed();
    }
  }

  private final String name;
  private final InetAddress address;
  private final boolean tls;
  private final boolean http2;
  private final MockWebServer server;
  private final int port;

  private volatile Behavior behavior;
  private final Object delayLock = new Object();
  // Guarded by delayLock; held requests wait on it and look again whenever it changes.
  private long delayNanos;
  // Guarded by delayLock: requests waiting out the delay now.
  private int heldCount;
  private volatile boolean closed;
  private final AtomicBoolean shutdownStarted = new AtomicBoolean();
  private final AtomicInteger acceptedConnections = new AtomicInteger();
  // Accepted sockets not yet seen closed; pruned whenever they are counted or have piled up.
  private final Set<Socket> openSockets = ConcurrentHashMap.newKeySet();
  // Only the accepting thread reads and writes it.
  private int pruneAt = MIN_PRUNE;

  private final Object lock = new Object();
  // Guarded by lock, so that the counters and the recorded requests always agree.
  private final ArrayDeque<Recorded> recorded = new ArrayDeque<>();
  private final Map<String, Integer> requestsByMethod = new HashMap<>();
  private int requestCount;
  private int connectionCount;

  private BackendServer(Builder builder, int portToUse) throws IOException {
    this.name = builder.name;
    this.address = builder.address;
    this.tls = builder.tls != null;
    this.http2 = builder.http2;
    this.behavior = serving(name);

    MockWebServer mock = new MockWebServer();
    CountingServerSocketFactory socketFactory = new CountingServerSocketFactory();
    mock.setServerSocketFactory(socketFactory);
    mock.setDispatcher(new BackendDispatcher());
    if (builder.tls != null) {
      mock.useHttps(builder.tls.serverSocketFactory(), false);
    }
    mock.setProtocols(
        http2 ? List.of(Protocol.HTTP_2, Protocol.HTTP_1_1) : List.of(Protocol.HTTP_1_1));
    try {
      mock.start(address, portToUse);
    } catch (IOException | RuntimeException e) {
      closeAfterFailedStart(mock, socketFactory, e);
      throw e;
    }
    this.server = mock;
    this.port = mock.getPort();
  }

  private static void closeAfterFailedStart(
      MockWebServer mock, CountingServerSocketFactory socketFactory, Exception failure) {
    try {
      mock.shutdown();
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
    ServerSocket socket = socketFactory.created;
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
    }
  }

  /**
   * Starts configuring a server.
   *
   * @param name the server's name, such as {@code blue}: the body of its default response and the
   *     value of its {@code X-Backend} header; printable ASCII, not blank
   * @return a builder with the defaults: loopback address, any free port, plain HTTP/1.1
   * @throws IllegalArgumentException if {@code name} is null, blank or not printable ASCII
   */
  public static Builder builder(String name) {
    if (name == null) {
      throw new IllegalArgumentException("name must not be null");
    }
    if (name.isBlank() || !isPrintableAscii(name)) {
      throw new IllegalArgumentException(
          "name must be non-blank printable ASCII (it is sent as a header value), got \""
              + name + "\"");
    }
    return new Builder(name);
  }

  /**
   * Starts two servers, typically blue and green, on their two addresses but the same port, as
   * two environments behind one DNS name would be. Same as {@link #startGroup(List)} with the two.
   *
   * @param blue the first server's settings
   * @param green the second server's settings; its address must differ from blue's
   * @return the two running servers, blue first
   * @throws IOException if the servers cannot listen; a {@link BindException} if no shared port
   *     could be found
   * @throws IllegalArgumentException if a builder is null, both have the same address, or they
   *     set different non-zero ports
   */
  public static List<BackendServer> startPair(Builder blue, Builder green) throws IOException {
    if (blue == null || green == null) {
      throw new IllegalArgumentException(
          (blue == null ? "blue" : "green") + " must not be null");
    }
    return startGroup(List.of(blue, green));
  }

  /**
   * Starts servers on distinct addresses but one shared port, as the addresses of one balancer
   * (or the environments behind one DNS name) would be.
   *
   * <p>If no builder sets a port, the first server takes any free port and the others then bind
   * the same port on their own addresses; when that port turns out to be taken on one of them,
   * all are closed and the group is tried again on a new port, up to five times. If a builder
   * sets a port, every server uses it and there is no retry.
   *
   * @param builders the servers' settings, in order; at least one, addresses all distinct
   * @return the running servers, in the order of {@code builders}
   * @throws IOException if the servers cannot listen; a {@link BindException} if no shared port
   *     could be found
   * @throws IllegalArgumentException if the list is null or empty or holds null, two builders have
   *     the same address, or they set different non-zero ports
   */
  public static List<BackendServer> startGroup(List<Builder> builders) throws IOException {
    if (builders == null || builders.isEmpty()) {
      throw new IllegalArgumentException("builders must name at least one server, got "
          + builders);
    }
    int fixedPort = 0;
    Set<InetAddress> addresses = new LinkedHashSet<>();
    for (Builder builder : builders) {
      if (builder == null) {
        throw new IllegalArgumentException("builders must not hold null, got " + builders);
      }
      builder.validate();
      if (!addresses.add(builder.address)) {
        throw new IllegalArgumentException(
            "servers need distinct addresses to share a port, " + builder.address.getHostAddress()
                + " is given twice");
      }
      if (builder.port != 0) {
        if (fixedPort != 0 && fixedPort != builder.port) {
          throw new IllegalArgumentException(
              "servers must share a port, got " + fixedPort + " and " + builder.port);
        }
        fixedPort = builder.port;
      }
    }
    int attempts = fixedPort == 0 ? PAIR_ATTEMPTS : 1;
    BindException lastFailure = null;
    for (int attempt = 0; attempt < attempts; attempt++) {
      List<BackendServer> started = new ArrayList<>();
      try {
        int port = fixedPort;
        for (Builder builder : builders) {
          BackendServer server = builder.start(port);
          started.add(server);
          port = server.port();
        }
        return List.copyOf(started);
      } catch (BindException e) {
        started.forEach(BackendServer::shutdown);
        if (lastFailure != null) {
          e.addSuppressed(lastFailure);
        }
        lastFailure = e;
      } catch (IOException | RuntimeException e) {
        started.forEach(BackendServer::shutdown);
        throw e;
      }
    }
    StringBuilder names = new StringBuilder();
    for (InetAddress address : addresses) {
      names.append(names.length() == 0 ? "" : ", ").append(address.getHostAddress());
    }
    BindException failure =
        new BindException("no port free on all of " + names + " after " + attempts
            + " attempt(s)");
    failure.initCause(lastFailure);
    throw failure;
  }

  /** Answers 200 with the server's name, the default. */
  public void serve() {
    behavior = serving(name);
  }

  /** Answers 503 with the body "<i>name</i> unavailable" and no {@code Retry-After}. */
  public void unavailable() {
    behavior = new Behavior(Mode.STATUS, 503, name + " unavailable", null);
  }

  /**
   * Answers 503 with the body "<i>name</i> unavailable" and the given {@code Retry-After}.
   *
   * @param retryAfter the header value: seconds, such as {@code 1}, or an HTTP date
   * @throws IllegalArgumentException if {@code retryAfter} is null, blank or not printable ASCII
   */
  public void unavailable(String retryAfter) {
    if (retryAfter == null || retryAfter.isBlank() || !isPrintableAscii(retryAfter)) {
      throw new IllegalArgumentException(
          "retryAfter must be a non-blank printable ASCII header value, got "
              + (retryAfter == null ? "null" : "\"" + retryAfter + "\""));
    }
    behavior = new Behavior(Mode.STATUS, 503, name + " unavailable", retryAfter);
  }

  /**
   * Answers 503 and 200 in turn, starting with a 503 (as {@link #unavailable()}) for the next
   * request, then a 200 (as {@link #serve()}): a server being swapped out, seen by a
   * single-threaded client as exactly one 503 and then a 200 for each call that retries once.
   */
  public void unavailableEveryOther() {
    behavior = new Behavior(Mode.ALTERNATE, 503, name + " unavailable", null);
  }

  /**
   * Answers 503 (as {@link #unavailable()}) to a share of requests, drawn at random from the given
   * seed, and 200 to the rest: a healthy server shedding load, as an overloaded one does while DNS
   * still names it.
   *
   * @param share the share of requests answered 503, from 0 to 1
   * @param seed the seed of the draws, so a run can be repeated
   * @throws IllegalArgumentException if {@code share} is not within 0 to 1
   */
  public void unavailableShare(double share, long seed) {
    if (!(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException("share must be 0 to 1, got " + share);
    }
    behavior = new Behavior(Mode.SHARE, 503, name + " unavailable", null, share,
        new java.util.Random(seed));
  }

  /**
   * Answers 200 as {@link #serve()} does, then closes the connection without saying so (no
   * {@code Connection: close}): the keep-alive connection a server drops when its idle time-out
   * is shorter than the client's. A client that sends its next request on that connection gets
   * "unexpected end of stream" (OkHttp then retries it on a new one). HTTP/1.1 only: over
   * HTTP/2 the whole connection would go, streams and all.
   */
  public void closeAfterEachResponse() {
    behavior = new Behavior(Mode.CLOSE_AFTER, 200, name, null);
  }

  /**
   * Answers with the given status, the server's name as the body (none for 204, 205 and 304) and
   * the usual {@code X-Backend} header.
   *
   * @param code an HTTP status from 200 to 599
   * @throws IllegalArgumentException if {@code code} is outside 200 to 599
   */
  public void status(int code) {
    if (code < MIN_STATUS || code > MAX_STATUS) {
      throw new IllegalArgumentException("code must be 200 to 599, got " + code);
    }
    behavior = new Behavior(Mode.STATUS, code, name, null);
  }

  /**
   * Cuts off every request without a response: a new connection is closed as soon as it is
   * accepted (before any TLS handshake), and an open connection is closed when its next request
   * arrives. The client sees an {@link IOException} such as "unexpected end of stream" or a failed
   * handshake. Requests cut off are not counted; see {@link #acceptedConnectionCount()}.
   */
  public void resetConnections() {
    behavior = new Behavior(Mode.RESET, 0, "", null);
  }

  /**
   * Holds every response back for a while after its request has been read, to keep requests in
   * flight. Requests are counted on arrival, before the delay, so a test can wait for {@link
   * #requestCount()} to know they are being held.
   *
   * <p>A new delay applies to requests already held too, counted from their arrival: {@code
   * delay(Duration.ZERO)} releases them all at once, while {@link #shutdown()} ends them with the
   * connections. What they are answered is still what was in force when they arrived.
   *
   * @param delay how long; {@link Duration#ZERO} for no delay (the default)
   * @throws IllegalArgumentException if {@code delay} is null or negative
   */
  public void delay(Duration delay) {
    if (delay == null) {
      throw new IllegalArgumentException("delay must not be null");
    }
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, got " + delay);
    }
    synchronized (delayLock) {
      delayNanos = saturatedNanos(delay);
      delayLock.notifyAll();
    }
  }

  /**
   * Stops listening and closes every connection, as when an environment is torn down: new
   * connections are refused and requests in flight fail. Counters stay readable. Does nothing if
   * already shut down.
   *
   * @throws UncheckedIOException if the server's threads did not stop
   */
  public void shutdown() {
    if (!shutdownStarted.compareAndSet(false, true)) {
      return;
    }
    // Held requests are released by the dispatcher's shutdown(), which MockWebServer calls once it
    // has closed every connection: released any earlier, MockWebServer 5.x would write their
    // HTTP/2 responses before the connections close.
    try {
      server.shutdown();
    } catch (IOException e) {
      throw new UncheckedIOException("could not shut down " + this, e);
    } finally {
      markClosed();
    }
  }

  /**
   * Same as {@link #shutdown()}.
   *
   * @throws UncheckedIOException if the server's threads did not stop
   */
  @Override
  public void close() {
    shutdown();
  }

  /**
   * Returns the number of requests answered (or being answered, under {@link #delay(Duration)})
   * since the start or the last {@link #resetCounters()}.
   *
   * @return the number of requests
   */
  public int requestCount() {
    synchronized (lock) {
      return requestCount;
    }
  }

  /**
   * Returns the number of requests held by {@link #delay(Duration)} right now: read, and not yet
   * answered. Unlike {@link #requestCount()}, it tells a request being held from one answered a
   * moment ago whose response is still on its way, so a test can wait until each of its callers
   * has a request held.
   *
   * @return the number of requests held
   */
  public int heldCount() {
    synchronized (delayLock) {
      return heldCount;
    }
  }

  /**
   * Returns the number of requests with one method, counted as {@link #requestCount()} is.
   *
   * @param method the method, case-sensitive, such as {@code GET}
   * @return the number of requests with that method
   * @throws IllegalArgumentException if {@code method} is null
   */
  public int requestCount(String method) {
    if (method == null) {
      throw new IllegalArgumentException("method must not be null");
    }
    synchronized (lock) {
      return requestsByMethod.getOrDefault(method, 0);
    }
  }

  /**
   * Returns the number of connections whose first request was counted since the start or the last
   * {@link #resetCounters()}: the distinct connections that carried requests. A connection opened
   * before a reset and reused after it is not counted again.
   *
   * @return the number of connections
   */
  public int connectionCount() {
    synchronized (lock) {
      return connectionCount;
    }
  }

  /**
   * Returns the number of TCP connections accepted since the start or the last {@link
   * #resetCounters()}, whether or not they carried a request. This exceeds {@link
   * #connectionCount()} when connections are cut off by {@link #resetConnections()} or fail their
   * TLS handshake, and when a client opens connections it does not use (OkHttp may race several
   * connections to an HTTP/2 server and keep one).
   *
   * @return the number of accepted connections
   */
  public int acceptedConnectionCount() {
    return acceptedConnections.get();
  }

  /**
   * Returns the number of accepted TCP connections that are still open on the server's side.
   *
   * <p>The server closes its side when the client closes a connection (it reads the end of the
   * stream) or when {@link #shutdown()} closes everything, so a connection the client has just
   * closed may still count for a moment: poll (see {@link Poll#until}) rather than read once when
   * waiting for a client to let go. Unlike the other counters, this one is not affected by {@link
   * #resetCounters()}.
   *
   * @return the number of open connections
   */
  public int openConnectionCount() {
    openSockets.removeIf(Socket::isClosed);
    return openSockets.size();
  }

  /**
   * Returns the requests counted so far, oldest first; at most the {@value #MAX_RECORDED_REQUESTS}
   * most recent.
   *
   * @return an immutable snapshot
   */
  public List<Recorded> requests() {
    synchronized (lock) {
      return List.copyOf(recorded);
    }
  }

  /** Sets every counter to zero and forgets the recorded requests. */
  public void resetCounters() {
    synchronized (lock) {
      recorded.clear();
      requestsByMethod.clear();
      requestCount = 0;
      connectionCount = 0;
      acceptedConnections.set(0);
    }
  }

  /**
   * Returns the server's name.
   *
   * @return the name given to {@link #builder(String)}
   */
  public String name() {
    return name;
  }

  /**
   * Returns the address the server listens on.
   *
   * @return the local address
   */
  public InetAddress address() {
    return address;
  }

  /**
   * Returns the port the server listens on.
   *
   * @return the port, never 0
   */
  public int port() {
    return port;
  }

  /**
   * Returns the URL scheme the server speaks.
   *
   * @return {@code https} with TLS, else {@code http}
   */
  public String scheme() {
    return tls ? "https" : "http";
  }

  /**
   * Returns a URL on this server's scheme and port under a host name that the client resolves, so
   * that the client's DNS decides which server it reaches.
   *
   * @param host a host name such as {@code api.cutover.test} (or an IP literal)
   * @param path the path and any query, starting with {@code /}
   * @return a URL such as {@code https://api.cutover.test:41234/health}
   * @throws IllegalArgumentException if {@code host} or {@code path} is null or invalid
   */
  public HttpUrl url(String host, String path) {
    if (host == null || path == null) {
      throw new IllegalArgumentException(
          "host and path must not be null, got " + host + " and " + path);
    }
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with /, got \"" + path + "\"");
    }
    HttpUrl base = new HttpUrl.Builder().scheme(scheme()).host(host).port(port).build();
    HttpUrl url = base.resolve(path);
    if (url == null || !url.host().equals(base.host()) || url.port() != port) {
      throw new IllegalArgumentException("path is not a valid path, got \"" + path + "\"");
    }
    return url;
  }

  /**
   * Describes this server for test failure messages.
   *
   * @return the name, scheme, address and port
   */
  @Override
  public String toString() {
    return "BackendServer["
        + name
        + " "
        + scheme()
        + "://"
        + address.getHostAddress()
        + ":"
        + port
        + (http2 ? " h2" : "")
        + "]";
  }

  private boolean isShutdown() {
    return closed;
  }

  /**
   * Forgets closed sockets once the set has doubled since the last time, so that a long run of
   * short connections (a benchmark's) costs the same per connection throughout and holds no more
   * than twice the open sockets.
   */
  private void pruneClosedSockets() {
    int size = openSockets.size();
    if (size >= pruneAt) {
      openSockets.removeIf(Socket::isClosed);
      pruneAt = Math.max(MIN_PRUNE, 2 * openSockets.size());
    }
  }

  private void markClosed() {
    closed = true;
    synchronized (delayLock) {
      delayLock.notifyAll();
    }
  }

  private MockResponse respond(RecordedRequest request) throws InterruptedException {
    // MockWebServer also dispatches made-up "bookkeeping" requests for connections it drops by
    // peek(): without a method (4.12) or without any header (5.x, which calls them "GET /").
    // Real requests always carry Host or :authority.
    String method = request.getMethod();
    Headers headers = request.getHeaders();
    Behavior current = behavior;
    if (method == null || headers.size() == 0 || current.mode == Mode.RESET || isShutdown()) {
      return disconnect();
    }
    long receivedAt = System.nanoTime();
    record(request, method, headers, receivedAt);
    if (!awaitDelay(receivedAt)) {
      return disconnect();
    }
    return response(current, method);
  }

  /** Holds a request for the current delay; returns false if the server shut down meanwhile. */
  private boolean awaitDelay(long receivedAt) throws InterruptedException {
    synchronized (delayLock) {
      boolean held = false;
      try {
        while (!isShutdown()) {
          // Written so that it cannot overflow, even for a delay of Long.MAX_VALUE.
          long remaining = delayNanos - (System.nanoTime() - receivedAt);
          if (remaining <= 0) {
            return true;
          }
          if (!held) {
            held = true;
            heldCount++;
          }
          TimeUnit.NANOSECONDS.timedWait(delayLock, remaining);
        }
        return false;
      } finally {
        if (held) {
          heldCount--;
        }
      }
    }
  }

  private void record(RecordedRequest request, String method, Headers headers, long receivedAt) {
    String path = request.getPath();
    Recorded entry =
        new Recorded(
            method,
            path == null ? "/" : path,
            headers,
            request.getBody().snapshot().utf8(),
            request.getSequenceNumber(),
            receivedAt,
            headers.get(":authority") != null || headers.get(":scheme") != null
                ? Protocol.HTTP_2
                : Protocol.HTTP_1_1);
    synchronized (lock) {
      requestCount++;
      requestsByMethod.merge(method, 1, Integer::sum);
      if (entry.sequenceNumber() == 0) {
        connectionCount++;
      }
      if (recorded.size() == MAX_RECORDED_REQUESTS) {
        recorded.removeFirst();
      }
      recorded.addLast(entry);
    }
  }

  private MockResponse response(Behavior current, String method) {
    if (current.mode == Mode.ALTERNATE && current.answered.getAndIncrement() % 2 != 0) {
      current = serving(name);
    }
    boolean closeAfter = current.mode == Mode.CLOSE_AFTER;
    if (current.mode == Mode.SHARE) {
      boolean unavailable;
      synchronized (current.random) {
        unavailable = current.random.nextDouble() < current.share;
      }
      if (!unavailable) {
        current = serving(name);
      }
    }
    MockResponse response =
        new MockResponse()
            .setResponseCode(current.code)
            .setHeader(BACKEND_HEADER, name)
            .setHeader("Content-Type", CONTENT_TYPE);
    if (current.retryAfter != null) {
      response.setHeader("Retry-After", current.retryAfter);
    }
    String body = hasNoBody(current.code) ? "" : current.body;
    if ("HEAD".equals(method)) {
      // A HEAD response announces the length of the body a GET would get, but must not send it,
      // or the bytes would be read as the next response on a kept-alive connection.
      response.setBody("");
      response.setHeader("Content-Length", body.getBytes(StandardCharsets.UTF_8).length);
    } else {
      response.setBody(body);
    }
    if (closeAfter) {
      response.setSocketPolicy(SocketPolicy.DISCONNECT_AT_END);
    }
    return response;
  }

  /** A response that MockWebServer never writes: it closes the connection instead. */
  private MockResponse disconnect() {
    // If a switch races with MockWebServer 5.x's HTTP/2 handling, which takes the socket policy
    // from peek() rather than from this response, this is written after all; make that visible.
    return new MockResponse()
        .setResponseCode(503)
        .setHeader(BACKEND_HEADER, name)
        .setBody(name + " connection reset")
        .setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST);
  }

  private static Behavior serving(String name) {
    return new Behavior(Mode.STATUS, 200, name, null);
  }

  private static boolean hasNoBody(int code) {
    return code == 204 || code == 205 || code == 304;
  }

  private static boolean isPrintableAscii(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
