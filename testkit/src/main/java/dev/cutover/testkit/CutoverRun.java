package dev.cutover.testkit;

import dev.cutover.testkit.CutoverScript.Action;
import dev.cutover.testkit.CutoverScript.Server;
import dev.cutover.testkit.CutoverScript.Step;
import dev.cutover.testkit.Load.Exchange;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Plays a {@link CutoverScript} against one {@link ClientKind}: fresh {@link BackendServer}s on
 * the script's addresses, the name set in a {@link DnsServer}, a closed-loop {@link Load} of GETs,
 * the script's steps on time, and every request recorded with each response on the wire.
 *
 * <p>The client is what an application has: a pool sized to the callers, 2 s connect and 5 s read
 * time-outs, TLS when certificates are given. {@link ClientKind#PLAIN} and {@link
 * ClientKind#RECIPE} are built here, on a {@link JvmCachingDns}; {@link ClientKind#WRAPPED} is made
 * by the caller from the plain client, so this kit needs no library under test.
 *
 * <p>Not thread-safe: one run at a time.
 */
public final class CutoverRun {
  private static final Duration TICK = Duration.ofMillis(50);
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);

  /**
   * Told what happens during a run, as it happens; every method does nothing by default.
   * Implementations must be quick.
   */
  public interface Observer {
    /**
     * An exchange ended. Called on the caller's thread, concurrently with other callers.
     *
     * @param exchange the request and what came of it
     */
    default void exchanged(Exchange exchange) {}

    /**
     * A step was carried out. Called on the thread that called {@link #play}.
     *
     * @param index the step's index in the script
     * @param step the step as it happened
     */
    default void stepDone(int index, ExecutedStep step) {}

    /**
     * Time passes: called on the thread that called {@link #play}, before each step, at least
     * every 50 ms in between, and once when the script's time is up.
     *
     * @param elapsedNanos nanoseconds since the load started
     */
    default void tick(long elapsedNanos) {}
  }

  /**
   * One step as it happened.
   *
   * @param step the step
   * @param atNanos when, in nanoseconds since the load started: for a DNS change or the DNS
   *     server coming back, when the server had taken it; for the others, when it began; 0 for a
   *     step at 0 ms, carried out before the load started
   * @param connections the connections the client held open to each server just before it, by
   *     an id of the run's own: sockets of connections that carried requests
   */
  public record ExecutedStep(Step step, long atNanos, Map<String, Set<Integer>> connections) {}

  /**
   * A server's books at the end of a run (see {@link BackendServer}).
   *
   * @param ip its address
   * @param requests requests it answered
   * @param connections connections that carried requests
   * @param acceptedConnections TCP connections it accepted
   * @param openConnections connections still open at the end
   */
  public record ServerTotals(String ip, int requests, int connections, int acceptedConnections,
      int openConnections) {}

  /**
   * Everything a run produced.
   *
   * @param script the script played
   * @param http2 whether HTTP/2 was offered
   * @param kind the client
   * @param exchanges every request, by start
   * @param steps the steps as they happened
   * @param connectionsAtEnd the connections the client held open to each server at the end
   * @param servers each server's books, by name
   */
  public record Result(CutoverScript script, boolean http2, ClientKind kind,
      List<Exchange> exchanges, List<ExecutedStep> steps,
      Map<String, Set<Integer>> connectionsAtEnd, Map<String, ServerTotals> servers) {

    /**
     * Returns how many requests failed (any status but 200, or an exception).
     *
     * @return the failures
     */
    public long failures() {
      return exchanges.stream().filter(e -> !e.ok()).count();
    }

    /**
     * Returns how many responses on the wire were retried.
     *
     * @return for each request, its attempts less one, summed
     */
    public long retries() {
      return exchanges.stream().mapToLong(e -> Math.max(0, e.attempts().size() - 1)).sum();
    }

    /**
     * Returns how many requests started at or after a time failed.
     *
     * @param fromNanos the time, in nanoseconds since the load started
     * @return the failures
     */
    public long failuresStartedAfter(long fromNanos) {
      return exchanges.stream().filter(e -> e.startNanos() >= fromNanos && !e.ok()).count();
    }

    /**
     * Returns the first executed step with an action, on a server.
     *
     * @param action the action
     * @param server a server the step names, or null for any
     * @return the step
     * @throws IllegalArgumentException if there is none
     */
    public ExecutedStep step(Action action, String server) {
      return steps.stream()
          .filter(s -> s.step().action() == action
              && (server == null || s.step().servers().contains(server)))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no step " + action + " " + server));
    }

    /**
     * Returns the protocol offered, for reports.
     *
     * @return {@code HTTP/2} or {@code HTTP/1.1}
     */
    public String protocol() {
      return http2 ? "HTTP/2" : "HTTP/1.1";
    }
  }

  /** Configures a {@link CutoverRun}. Not thread-safe. */
  public static final class Builder {
    private final DnsServer dns;
    private final String host;
    private Duration ttl = Duration.ofSeconds(1);
    private int callers = 8;
    private Duration thinkTime = Duration.ofMillis(10);
    private int maxRequestsPerCaller = Integer.MAX_VALUE;
    private TestCertificates tls;
    private boolean http2;
    private boolean keepExchanges = true;
    private Duration rampInterval = Duration.ZERO;
    private long seed = 1;
    private Observer observer = new Observer() {};

    private Builder(DnsServer dns, String host) {
      this.dns = dns;
      this.host = host;
    }

    /**
     * Sets the TTL of the name's records; by default 1 s.
     *
     * @param ttl whole seconds, zero or more
     * @return this builder
     * @throws IllegalArgumentException if {@code ttl} is null or negative
     */
    public Builder ttl(Duration ttl) {
      this.ttl = Checks.nonNegative("ttl", ttl);
      return this;
    }

    /**
     * Sets the number of callers; by default 8.
     *
     * @param callers 1 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code callers} is less than 1
     */
    public Builder callers(int callers) {
      this.callers = Checks.atLeastOne("callers", callers);
      return this;
    }

    /**
     * Sets each caller's pause between requests; by default 10 ms, so that the load is steady
     * rather than CPU-bound.
     *
     * @param thinkTime zero or more
     * @return this builder
     * @throws IllegalArgumentException if {@code thinkTime} is null or negative
     */
    public Builder thinkTime(Duration thinkTime) {
      this.thinkTime = Checks.nonNegative("thinkTime", thinkTime);
      return this;
    }

    /**
     * Spreads the callers' starts: caller {@code i} sends its first request {@code i} times this
     * interval into the run (see {@link Load.Builder#rampInterval}), so that the client makes new
     * connections, each with a DNS lookup, over time rather than all on the first answer. By
     * default zero: every caller starts at once.
     *
     * @param rampInterval zero or more
     * @return this builder
     * @throws IllegalArgumentException if {@code rampInterval} is null or negative
     */
    public Builder rampInterval(Duration rampInterval) {
      this.rampInterval = Checks.nonNegative("rampInterval", rampInterval);
      return this;
    }

    /**
     * Seeds what a run draws at random: the DNS server's rotating and weighted answers (see
     * {@link DnsServer#seed}) and which requests a server shedding load answers 503. By default
     * 1, so runs repeat.
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Bounds each caller's requests; by default only the script's duration does.
     *
     * @param maxRequestsPerCaller 1 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code maxRequestsPerCaller} is less than 1
     */
    public Builder maxRequestsPerCaller(int maxRequestsPerCaller) {
      this.maxRequestsPerCaller =
          Checks.atLeastOne("maxRequestsPerCaller", maxRequestsPerCaller);
      return this;
    }

    /**
     * Serves HTTPS with these certificates, which the client trusts; by default plain HTTP.
     *
     * @param certificates the certificates, or null for plain HTTP
     * @return this builder
     */
    public Builder tls(TestCertificates certificates) {
      this.tls = certificates;
      return this;
    }

    /**
     * Offers HTTP/2 on both ends; it needs {@link #tls(TestCertificates)}. By default only
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
     * Sets whether {@link Result#exchanges()} holds every request; by default it does. A long run
     * watched through {@link Observer#exchanged(Exchange)} can keep none.
     *
     * @param keepExchanges whether to keep them
     * @return this builder
     */
    public Builder keepExchanges(boolean keepExchanges) {
      this.keepExchanges = keepExchanges;
      return this;
    }

    /**
     * Sets who is told what happens during a run; by default nobody.
     *
     * @param observer the observer
     * @return this builder
     * @throws IllegalArgumentException if {@code observer} is null
     */
    public Builder observer(Observer observer) {
      if (observer == null) {
        throw new IllegalArgumentException("observer must not be null");
      }
      this.observer = observer;
      return this;
    }

    /**
     * Makes the runner.
     *
     * @return the runner
     * @throws IllegalArgumentException if HTTP/2 was asked for without TLS
     */
    public CutoverRun build() {
      if (http2 && tls == null) {
        throw new IllegalArgumentException("http2(true) needs tls(certificates): HTTP/2 is"
            + " offered only over TLS, by ALPN");
      }
      return new CutoverRun(this);
    }
  }

  private final DnsServer dns;
  private final String host;
  private final Duration ttl;
  private final int callers;
  private final Duration thinkTime;
  private final int maxRequestsPerCaller;
  private final TestCertificates tls;
  private final boolean http2;
  private final boolean keepExchanges;
  private final Duration rampInterval;
  private final long seed;
  private final Observer observer;
  // Every connection a request went out on, by an id of our own: Connection has identity
  // equality, and its socket tells whether the client still holds it open.
  private final Map<Connection, Integer> connectionIds = new ConcurrentHashMap<>();
  private final AtomicInteger nextConnectionId = new AtomicInteger();

  private CutoverRun(Builder builder) {
    this.dns = builder.dns;
    this.host = builder.host;
    this.ttl = builder.ttl;
    this.callers = builder.callers;
    this.thinkTime = builder.thinkTime;
    this.maxRequestsPerCaller = builder.maxRequestsPerCaller;
    this.tls = builder.tls;
    this.http2 = builder.http2;
    this.keepExchanges = builder.keepExchanges;
    this.rampInterval = builder.rampInterval;
    this.seed = builder.seed;
    this.observer = builder.observer;
  }

  /**
   * Starts configuring a runner.
   *
   * @param dns the DNS server that serves {@code host}; the runner changes its records and, for
   *     an outage, stops it
   * @param host the name the client asks for, such as {@code api.cutover.test}
   * @return a builder: TTL 1 s, 8 callers with a 10 ms pause, plain HTTP/1.1
   * @throws IllegalArgumentException if an argument is null or {@code host} is blank
   */
  public static Builder builder(DnsServer dns, String host) {
    if (dns == null || host == null || host.isBlank()) {
      throw new IllegalArgumentException("dns and host must be given, got " + dns + " and "
          + host);
    }
    return new Builder(dns, host);
  }

  /**
   * Plays a script against one client kind and returns once the load has ended and the servers
   * are closed. The DNS server is brought up first if an earlier run left it down.
   *
   * @param script the script
   * @param kind the client kind
   * @param wrap makes the {@link ClientKind#WRAPPED} client from the plain one (which has no
   *     {@link okhttp3.Dns} of its own); not called for the other kinds, and may then be null
   * @return what happened
   * @throws IOException if a server cannot start, DNS cannot be changed, or cleaning up fails
   * @throws InterruptedException if the calling thread is interrupted
   * @throws IllegalStateException if a caller still runs 15 s after the script ended
   * @throws IllegalArgumentException if {@code script} or {@code kind} is null, or {@code wrap}
   *     is null for {@link ClientKind#WRAPPED}
   */
  public Result play(CutoverScript script, ClientKind kind, UnaryOperator<OkHttpClient> wrap)
      throws IOException, InterruptedException {
    if (script == null || kind == null || (kind == ClientKind.WRAPPED && wrap == null)) {
      throw new IllegalArgumentException("script and kind must be given, and wrap for WRAPPED;"
          + " got " + script + ", " + kind + ", " + wrap);
    }
    dns.up();
    connectionIds.clear();
    List<BackendServer.Builder> builders = new ArrayList<>();
    for (Server server : script.servers()) {
      builders.add(BackendServer.builder(server.name())
          .address(InetAddress.getByName(server.ip())).tls(tls).http2(http2));
    }
    Map<String, BackendServer> servers = new LinkedHashMap<>();
    for (BackendServer server : BackendServer.startGroup(builders)) {
      servers.put(server.name(), server);
    }
    OkHttpClient client = null;
    try {
      dns.seed(seed);
      dns.setAddresses(host, ttl, script.ips(script.initialAnswer()));
      for (Step step : script.steps()) {
        if (step.atMillis() == 0) {
          execute(script, step, servers);
        }
      }
      HttpUrl url = servers.values().iterator().next().url(host, "/orders");
      client = client(kind, wrap);
      return load(script, kind, client, url, servers);
    } finally {
      List<AutoCloseable> toClose = new ArrayList<>();
      if (client != null) {
        OkHttpClient closing = client;
        toClose.add(() -> closing.dispatcher().executorService().shutdown());
        toClose.add(() -> closing.connectionPool().evictAll());
      }
      toClose.addAll(servers.values());
      closeAll(toClose);
    }
  }

  /** The client as an application has it, then made into the kind asked for. */
  private OkHttpClient client(ClientKind kind, UnaryOperator<OkHttpClient> wrap) {
    ConnectionPool pool = new ConnectionPool(Math.max(5, callers * 2), 5, TimeUnit.MINUTES);
    OkHttpClient.Builder builder = new OkHttpClient.Builder()
        .connectionPool(pool)
        .connectTimeout(Duration.ofSeconds(2))
        .readTimeout(Duration.ofSeconds(5))
        .protocols(http2 ? List.of(Protocol.HTTP_2, Protocol.HTTP_1_1)
            : List.of(Protocol.HTTP_1_1))
        .addNetworkInterceptor(this::noteConnection)
        .eventListenerFactory(Load.attemptRecorder());
    if (tls != null) {
      builder.sslSocketFactory(tls.clientSocketFactory(), tls.clientTrustManager());
    }
    switch (kind) {
      case PLAIN:
        return builder.dns(new JvmCachingDns(dns.address(), kind.jvmCacheTtl())).build();
      case RECIPE:
        return builder.dns(new JvmCachingDns(dns.address(), kind.jvmCacheTtl()))
            .addInterceptor(chain -> evictAndRetryOn503(chain, pool))
            .build();
      case WRAPPED:
        return wrap.apply(builder.build());
      default:
        throw new AssertionError(kind);
    }
  }

  private Result load(CutoverScript script, ClientKind kind, OkHttpClient client, HttpUrl url,
      Map<String, BackendServer> servers) throws IOException, InterruptedException {
    List<ExecutedStep> executed = new ArrayList<>();
    Load load = Load.builder(client, new Request.Builder().url(url).build())
        .callers(callers)
        .thinkTime(thinkTime)
        .duration(script.duration())
        .maxRequestsPerCaller(maxRequestsPerCaller)
        .rampInterval(rampInterval)
        .keepExchanges(keepExchanges)
        .onExchange(observer::exchanged)
        .start();
    boolean stepsDone = false;
    try {
      long start = load.startNanos();
      List<Step> steps = script.steps();
      for (int i = 0; i < steps.size(); i++) {
        Step step = steps.get(i);
        if (step.atMillis() == 0) {
          // Carried out before the load started (see CutoverScript).
          ExecutedStep done = new ExecutedStep(step, 0, openConnections(servers));
          executed.add(done);
          observer.stepDone(i, done);
          continue;
        }
        waitUntil(start, start + TimeUnit.MILLISECONDS.toNanos(step.atMillis()));
        observer.tick(System.nanoTime() - start);
        Map<String, Set<Integer>> open = openConnections(servers);
        long before = System.nanoTime();
        execute(script, step, servers);
        // A DNS change counts from when the server took it; a server's change from its start.
        boolean dnsChange = step.setsAnswers() || step.action() == Action.DNS_UP;
        ExecutedStep done = new ExecutedStep(step, (dnsChange ? System.nanoTime() : before)
            - start, open);
        executed.add(done);
        observer.stepDone(i, done);
      }
      waitUntil(start, start + script.duration().toNanos());
      observer.tick(System.nanoTime() - start);
      stepsDone = true;
    } finally {
      if (!stepsDone) {
        load.close();
      }
    }
    if (!load.awaitEnd(STOP_GRACE)) {
      load.close();
      throw new IllegalStateException("a caller was still running " + STOP_GRACE.toSeconds()
          + " s after the script ended");
    }
    Map<String, Set<Integer>> atEnd = openConnections(servers);
    Map<String, ServerTotals> totals = new LinkedHashMap<>();
    servers.forEach((name, server) -> totals.put(name, new ServerTotals(
        server.address().getHostAddress(), server.requestCount(), server.connectionCount(),
        server.acceptedConnectionCount(), server.openConnectionCount())));
    return new Result(script, http2, kind, load.exchanges(), List.copyOf(executed), atEnd,
        totals);
  }

  private void execute(CutoverScript script, Step step, Map<String, BackendServer> servers)
      throws IOException {
    switch (step.action()) {
      case DNS:
        dns.setAddresses(host, ttl, script.ips(step.servers()));
        break;
      case ROTATING:
        dns.setRotating(host, ttl, (int) (double) step.amounts().get(0),
            script.ips(step.servers()));
        break;
      case WEIGHTED: {
        Map<List<String>, Double> weights = new LinkedHashMap<>();
        for (int i = 0; i < step.servers().size(); i++) {
          weights.put(List.of(script.ips(List.of(step.servers().get(i)))),
              step.amounts().get(i));
        }
        dns.setWeighted(host, ttl, weights);
        break;
      }
      case UNAVAILABLE:
        servers.get(step.servers().get(0)).unavailable();
        break;
      case UNAVAILABLE_SHARE: {
        String name = step.servers().get(0);
        // Each server draws on its own, from the run's seed.
        servers.get(name).unavailableShare(step.amounts().get(0), seed * 31 + name.hashCode());
        break;
      }
      case GONE:
        servers.get(step.servers().get(0)).shutdown();
        break;
      case DNS_DOWN:
        dns.down();
        break;
      case DNS_UP:
        dns.up();
        break;
      default:
        throw new AssertionError(step);
    }
  }

  /** Sleeps until {@code deadline}, telling the observer the time at least every 50 ms. */
  private void waitUntil(long start, long deadline) throws InterruptedException {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(Math.min(left, TICK.toNanos()));
      if (deadline - System.nanoTime() > 0) {
        observer.tick(System.nanoTime() - start);
      }
    }
  }

  /** The connections the client holds open now, by server. */
  private Map<String, Set<Integer>> openConnections(Map<String, BackendServer> servers) {
    Map<String, Set<Integer>> open = new LinkedHashMap<>();
    servers.forEach((name, server) -> open.put(name, new TreeSet<>()));
    connectionIds.forEach((connection, id) -> {
      if (connection.socket().isClosed()) {
        return;
      }
      InetAddress address = connection.route().socketAddress().getAddress();
      servers.forEach((name, server) -> {
        if (server.address().equals(address)) {
          open.get(name).add(id);
        }
      });
    });
    return open;
  }

  /** Notes each connection a request goes out on, to tell later whether it is still open. */
  private Response noteConnection(Interceptor.Chain chain) throws IOException {
    Connection connection = chain.connection();
    if (connection != null) {
      connectionIds.computeIfAbsent(connection, c -> nextConnectionId.incrementAndGet());
    }
    return chain.proceed(chain.request());
  }

  /** What many teams add after their first cutover outage: start afresh on a 503. */
  private static Response evictAndRetryOn503(Interceptor.Chain chain, ConnectionPool pool)
      throws IOException {
    Response response = chain.proceed(chain.request());
    if (response.code() != 503) {
      return response;
    }
    response.close();
    pool.evictAll();
    return chain.proceed(chain.request());
  }

  /** Closes everything, even when one of them fails; the first failure carries the others. */
  private static void closeAll(List<AutoCloseable> resources) throws IOException {
    Exception first = null;
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw new IOException("cleaning up after the run failed", first);
    }
  }
}
