package dev.cutover.samples;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.okhttp.CutoverOkHttp;
import dev.cutover.samples.EndToEndScenario.Server;
import dev.cutover.samples.EndToEndScenario.Step;
import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.Bind9Server;
import dev.cutover.testkit.TestCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.Dns;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Plays one {@link EndToEndScenario} against one client kind: fresh servers on their loopback
 * addresses, the name set in BIND, {@value #CALLERS} callers issuing GETs, the script's steps on
 * time, and every request recorded (when, who answered, status or exception, attempts).
 */
final class EndToEndRun {
  static final String HOST = "api.cutover.test";
  static final int CALLERS = 32;
  /** Each caller's pause between requests, so the load is steady rather than CPU-bound. */
  static final Duration THINK_TIME = Duration.ofMillis(10);
  /** The bound on each caller's requests; far above what a script's duration allows. */
  static final int MAX_REQUESTS_PER_CALLER = 5_000;
  static final Duration PLAIN_JVM_CACHE = Duration.ofSeconds(30);
  static final Duration RECIPE_JVM_CACHE = Duration.ofSeconds(5);

  /** The three clients compared. */
  enum ClientKind {
    PLAIN("plain OkHttp", "JVM-style DNS cache of 30 s, the JVM's usual default"),
    RECIPE("usual recipe", "JVM DNS cache lowered to 5 s (filled by the first request, so it"
        + " expires about 5 s into the run); on a 503, evictAll() and retry once"),
    WRAPPED("CutoverOkHttp.wrap", "the same client wrapped, resolver on its defaults");

    final String label;
    final String setup;

    ClientKind(String label, String setup) {
      this.label = label;
      this.setup = setup;
    }
  }

  /**
   * One request as the caller saw it. Times are microseconds from the start of the load.
   *
   * @param attempts every response the client received for it, retries included, in order
   */
  record Call(long startMicros, long endMicros, String server, int status, String error,
      String protocol, List<Attempt> attempts) {
    boolean failed() {
      return status != 200;
    }
  }

  /** One response on the wire: when its request went out and which server answered. */
  record Attempt(long startMicros, String server, int status) {}

  /** Filled by the event listener as a call's attempts go out and are answered. */
  private static final class AttemptLog {
    final List<Attempt> answered = new ArrayList<>();
    long sentAt;
  }

  /**
   * One step as it happened: when, and the connections the client held open to each server just
   * before it (by id), as the client sees them: sockets of connections that carried requests.
   */
  record ExecutedStep(Step step, long atMicros, Map<String, Set<Integer>> connections) {}

  /** A server's books at the end of the run. */
  record ServerTotals(String ip, int requests, int connections, int acceptedConnections,
      int openConnections) {}

  /** Everything one run produced. */
  record Result(EndToEndScenario scenario, boolean http2, ClientKind kind, List<Call> calls,
      List<ExecutedStep> steps, Map<String, Set<Integer>> connectionsAtEnd,
      Map<String, ServerTotals> servers) {

    long failures() {
      return calls.stream().filter(Call::failed).count();
    }

    long answeredBy(String server) {
      return calls.stream().filter(c -> server.equals(c.server())).count();
    }

    long retries() {
      return calls.stream().mapToLong(c -> Math.max(0, c.attempts().size() - 1)).sum();
    }

    /**
     * Responses, retried ones included, to requests sent in {@code [fromMicros, untilMicros)}
     * by {@code server}.
     */
    List<Attempt> answeredBy(String server, long fromMicros, long untilMicros) {
      List<Attempt> found = new ArrayList<>();
      for (Call call : calls) {
        for (Attempt attempt : call.attempts()) {
          if (server.equals(attempt.server()) && attempt.startMicros() >= fromMicros
              && attempt.startMicros() < untilMicros) {
            found.add(attempt);
          }
        }
      }
      return found;
    }

    /** Failed calls started at or after {@code fromMicros}. */
    long failuresStartedAfter(long fromMicros) {
      return calls.stream().filter(c -> c.startMicros() >= fromMicros && c.failed()).count();
    }

    ExecutedStep step(EndToEndScenario.Action action, String server) {
      return steps.stream()
          .filter(s -> s.step().action() == action
              && (server == null || s.step().servers().contains(server)))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no step " + action + " " + server));
    }

    String protocol() {
      return http2 ? "HTTP/2" : "HTTP/1.1";
    }
  }

  private final Bind9Server bind;
  private final TestCertificates certificates;
  // Every connection a request went out on, by an id of our own: Connection has identity
  // equality, and its socket tells whether the client still holds it open.
  private final Map<Connection, Integer> connectionIds = new ConcurrentHashMap<>();
  private final AtomicInteger nextConnectionId = new AtomicInteger();
  /** The start of the load, for the listener's times; set before the first call. */
  private final AtomicLong loadStart = new AtomicLong();

  EndToEndRun(Bind9Server bind, TestCertificates certificates) {
    this.bind = bind;
    this.certificates = certificates;
  }

  Result play(EndToEndScenario scenario, boolean http2, ClientKind kind)
      throws IOException, InterruptedException {
    if (!bind.isRunning()) {
      bind.restart();
    }
    connectionIds.clear();
    List<BackendServer.Builder> builders = new ArrayList<>();
    for (Server server : scenario.servers) {
      builders.add(BackendServer.builder(server.name()).address(InetAddress.getByName(server.ip()))
          .tls(certificates).http2(http2));
    }
    Map<String, BackendServer> servers = new LinkedHashMap<>();
    for (BackendServer server : BackendServer.startGroup(builders)) {
      servers.put(server.name(), server);
    }
    CutoverResolver resolver = null;
    OkHttpClient client = null;
    try {
      bind.setAddresses(HOST, EndToEndScenario.TTL, ips(scenario, scenario.initialAnswer));
      HttpUrl url = servers.values().iterator().next().url(HOST, "/orders");
      ConnectionPool pool = new ConnectionPool(CALLERS * 2, 5, TimeUnit.MINUTES);
      OkHttpClient.Builder builder = new OkHttpClient.Builder()
          .connectionPool(pool)
          .connectTimeout(Duration.ofSeconds(2))
          .readTimeout(Duration.ofSeconds(5))
          .sslSocketFactory(certificates.clientSocketFactory(), certificates.clientTrustManager())
          .protocols(http2 ? List.of(Protocol.HTTP_2, Protocol.HTTP_1_1)
              : List.of(Protocol.HTTP_1_1))
          .addNetworkInterceptor(this::noteConnection)
          .eventListenerFactory(call -> new AttemptListener(loadStart));
      switch (kind) {
        case PLAIN:
          client = builder.dns(new JvmStyleDns(bind.address(), PLAIN_JVM_CACHE)).build();
          break;
        case RECIPE:
          client = builder.dns(new JvmStyleDns(bind.address(), RECIPE_JVM_CACHE))
              .addInterceptor(chain -> evictAndRetryOn503(chain, pool))
              .build();
          break;
        case WRAPPED:
          resolver = CutoverResolver.builder()
              .nameServers(bind.address())
              .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY)
              .hostsFile(null)
              .build();
          client = CutoverOkHttp.wrap(builder.build(), resolver);
          break;
        default:
          throw new AssertionError(kind);
      }
      return load(scenario, http2, kind, client, url, servers);
    } finally {
      List<AutoCloseable> toClose = new ArrayList<>();
      if (client != null) {
        OkHttpClient closing = client;
        toClose.add(() -> closing.dispatcher().executorService().shutdown());
        toClose.add(() -> closing.connectionPool().evictAll());
      }
      if (resolver != null) {
        toClose.add(resolver::close);
      }
      toClose.addAll(servers.values());
      closeAll(toClose);
    }
  }

  private Result load(EndToEndScenario scenario, boolean http2, ClientKind kind,
      OkHttpClient client, HttpUrl url, Map<String, BackendServer> servers)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    loadStart.set(start);
    long end = start + scenario.duration.toNanos();
    List<List<Call>> perCaller = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      List<Call> calls = new ArrayList<>();
      perCaller.add(calls);
      Thread thread = new Thread(() -> callLoop(client, url, start, end, calls),
          "e2e-caller-" + i);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
    List<ExecutedStep> executed = new ArrayList<>();
    try {
      for (Step step : scenario.steps) {
        sleepUntil(start + TimeUnit.MILLISECONDS.toNanos(step.atMillis()));
        Map<String, Set<Integer>> open = openConnections(servers);
        long before = System.nanoTime();
        execute(scenario, step, servers);
        // A DNS change counts from when BIND acknowledged it; a server's change from its start.
        boolean dns = step.action() == EndToEndScenario.Action.DNS
            || step.action() == EndToEndScenario.Action.DNS_UP;
        long at = micros((dns ? System.nanoTime() : before) - start);
        executed.add(new ExecutedStep(step, at, open));
      }
    } finally {
      for (Thread thread : threads) {
        thread.join(TimeUnit.NANOSECONDS.toMillis(Math.max(0, end - System.nanoTime()))
            + 15_000);
      }
    }
    for (Thread thread : threads) {
      if (thread.isAlive()) {
        throw new AssertionError(thread.getName() + " still running 15 s after the script ended");
      }
    }
    Map<String, Set<Integer>> atEnd = openConnections(servers);
    Map<String, ServerTotals> totals = new LinkedHashMap<>();
    servers.forEach((name, server) -> totals.put(name, new ServerTotals(
        server.address().getHostAddress(), server.requestCount(), server.connectionCount(),
        server.acceptedConnectionCount(), server.openConnectionCount())));
    List<Call> calls = new ArrayList<>();
    perCaller.forEach(calls::addAll);
    calls.sort(Comparator.comparingLong(Call::startMicros));
    return new Result(scenario, http2, kind, List.copyOf(calls), List.copyOf(executed), atEnd,
        totals);
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

  private void execute(EndToEndScenario scenario, Step step, Map<String, BackendServer> servers)
      throws IOException {
    switch (step.action()) {
      case DNS:
        bind.setAddresses(HOST, EndToEndScenario.TTL, ips(scenario, step.servers()));
        break;
      case UNAVAILABLE:
        servers.get(step.servers().get(0)).unavailable();
        break;
      case GONE:
        servers.get(step.servers().get(0)).shutdown();
        break;
      case DNS_DOWN:
        bind.stop();
        break;
      case DNS_UP:
        bind.restart();
        break;
      default:
        throw new AssertionError(step);
    }
  }

  private static void callLoop(OkHttpClient client, HttpUrl url, long start, long end,
      List<Call> calls) {
    long pauseMillis = THINK_TIME.toMillis();
    while (System.nanoTime() - end < 0 && calls.size() < MAX_REQUESTS_PER_CALLER) {
      AttemptLog log = new AttemptLog();
      Request request = new Request.Builder().url(url).tag(AttemptLog.class, log).build();
      long began = System.nanoTime();
      String server = null;
      int status = -1;
      String error = null;
      String protocol = null;
      try (Response response = client.newCall(request).execute()) {
        server = response.header("X-Backend");
        status = response.code();
        protocol = response.protocol().toString();
        response.body().string();
      } catch (IOException e) {
        error = CutoverScenario.describe(e);
        status = -1; // Also when the body broke after the headers: the call failed all the same.
      }
      List<Attempt> attempts;
      synchronized (log) {
        attempts = List.copyOf(log.answered);
      }
      calls.add(new Call(micros(began - start), micros(System.nanoTime() - start), server,
          status, error, protocol, attempts));
      try {
        Thread.sleep(pauseMillis);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Notes each connection a request goes out on, to tell later whether it is still open. */
  private Response noteConnection(Interceptor.Chain chain) throws IOException {
    Connection connection = chain.connection();
    if (connection != null) {
      connectionIds.computeIfAbsent(connection, c -> nextConnectionId.incrementAndGet());
    }
    return chain.proceed(chain.request());
  }

  /**
   * Records every response on the wire, retries included, by the server that sent it: the
   * events fire for each attempt, whoever (OkHttp, the library, the recipe) makes it.
   */
  private static final class AttemptListener extends EventListener {
    private final AtomicLong start;

    AttemptListener(AtomicLong start) {
      this.start = start;
    }

    @Override
    public void requestHeadersStart(okhttp3.Call call) {
      AttemptLog log = call.request().tag(AttemptLog.class);
      if (log != null) {
        synchronized (log) {
          log.sentAt = micros(System.nanoTime() - start.get());
        }
      }
    }

    @Override
    public void responseHeadersEnd(okhttp3.Call call, Response response) {
      AttemptLog log = call.request().tag(AttemptLog.class);
      if (log != null) {
        synchronized (log) {
          log.answered.add(new Attempt(log.sentAt, response.header("X-Backend"),
              response.code()));
        }
      }
    }
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

  private static String[] ips(EndToEndScenario scenario, List<String> names) {
    return names.stream()
        .map(name -> scenario.servers.stream().filter(s -> s.name().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no server " + name)).ip())
        .toArray(String[]::new);
  }

  private static void sleepUntil(long deadline) throws InterruptedException {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  private static long micros(long nanos) {
    return TimeUnit.NANOSECONDS.toMicros(nanos);
  }

  /**
   * What an application gets from {@code InetAddress} by default: the first answer, kept for a
   * fixed time whatever its TTL ({@code networkaddress.cache.ttl}), and an {@link
   * UnknownHostException} once it has expired while DNS does not answer (the JDK serves no stale
   * answers unless {@code networkaddress.cache.stale.ttl} is set). It asks BIND directly with a
   * plain A query, since the JVM's own resolver does not know the test zone.
   */
  static final class JvmStyleDns implements Dns {
    private final InetSocketAddress server;
    private final long cacheNanos;
    private List<InetAddress> cached;
    private long expiresAt;

    JvmStyleDns(InetSocketAddress server, Duration cache) {
      this.server = server;
      this.cacheNanos = cache.toNanos();
    }

    @Override
    public synchronized List<InetAddress> lookup(String hostname) throws UnknownHostException {
      if (!HOST.equals(hostname)) {
        throw new UnknownHostException(hostname + ": this test resolver knows only " + HOST);
      }
      long now = System.nanoTime();
      if (cached != null && expiresAt - now > 0) {
        return cached;
      }
      List<InetAddress> addresses = query(hostname);
      cached = addresses;
      expiresAt = now + cacheNanos;
      return addresses;
    }

    private List<InetAddress> query(String hostname) throws UnknownHostException {
      try {
        SimpleResolver resolver = new SimpleResolver(server);
        resolver.setTimeout(Duration.ofSeconds(2));
        Message answer = resolver.send(Message.newQuery(
            org.xbill.DNS.Record.newRecord(Name.fromString(hostname + "."), Type.A, DClass.IN)));
        List<InetAddress> addresses = new ArrayList<>();
        // Qualified: inside an okhttp3.Dns, OkHttp 5's nested Dns.Record would shadow it.
        for (org.xbill.DNS.Record record : answer.getSection(Section.ANSWER)) {
          if (record instanceof ARecord) {
            addresses.add(InetAddress.getByAddress(hostname,
                ((ARecord) record).getAddress().getAddress()));
          }
        }
        if (answer.getRcode() != Rcode.NOERROR || addresses.isEmpty()) {
          throw new UnknownHostException(hostname + ": " + Rcode.string(answer.getRcode()));
        }
        return List.copyOf(addresses);
      } catch (UnknownHostException e) {
        throw e;
      } catch (IOException e) {
        UnknownHostException failure = new UnknownHostException(hostname + ": " + e);
        failure.initCause(e);
        throw failure;
      }
    }
  }
}
