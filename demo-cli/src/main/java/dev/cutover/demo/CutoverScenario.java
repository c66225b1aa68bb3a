package dev.cutover.samples;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.okhttp.CutoverOkHttp;
import dev.cutover.samples.RunResult.Outcome;
import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.TestCertificates;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.ConnectionPool;
import okhttp3.Dns;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One scripted blue-green cutover on this machine, played against one client kind: embedded DNS,
 * blue and green servers on one port, callers in a loop, and the four phases on a timer.
 */
final class CutoverScenario {
  static final String HOST = "api.cutover.test";

  /** The two clients compared. */
  enum ClientKind {
    PLAIN("plain OkHttp"),
    WRAPPED("CutoverOkHttp.wrap");

    final String label;

    ClientKind(String label) {
      this.label = label;
    }
  }

  /**
   * How the cutover is played.
   *
   * @param phaseDuration the length of each phase
   * @param callers concurrent callers
   * @param thinkTime each caller's pause between requests
   * @param http2 TLS + HTTP/2 instead of plain HTTP/1.1
   * @param ttl the TTL of the DNS record, which is also the resolver's maxTtl
   * @param jvmCache how long the plain client's Dns keeps an answer, as the JVM's cache does
   * @param loopback the addresses of blue and green
   * @param progress where the once-a-second line goes, or null for none
   */
  record Settings(
      Duration phaseDuration,
      int callers,
      Duration thinkTime,
      boolean http2,
      Duration ttl,
      Duration jvmCache,
      Loopback loopback,
      PrintStream progress) {}

  private final Settings settings;

  CutoverScenario(Settings settings) {
    this.settings = settings;
  }

  RunResult run(ClientKind kind) throws IOException, InterruptedException {
    Loopback loopback = settings.loopback();
    RunResult result = new RunResult(kind.label, settings.phaseDuration());
    TestCertificates certificates = settings.http2() ? TestCertificates.forHosts(HOST) : null;
    try (EmbeddedDnsServer dns = EmbeddedDnsServer.start()) {
      // Port 0: a port the previous run shut down may not be bindable again yet.
      List<BackendServer> pair = BackendServer.startPair(
          backend("blue", loopback.blue(), certificates),
          backend("green", loopback.green(), certificates));
      BackendServer blue = pair.get(0);
      BackendServer green = pair.get(1);
      dns.setAddresses(HOST, settings.ttl(), loopback.blueIp());
      CutoverResolver resolver = CutoverResolver.builder()
          .nameServers(dns.address())
          .hostsFile(null)
          // The fallback pair is 127.0.0.1 and ::1, so DNS moves from an A to an AAAA record.
          .resolvedAddressTypes(loopback.fallback()
              ? ResolvedAddressTypes.IPV4_PREFERRED : ResolvedAddressTypes.IPV4_ONLY)
          .maxTtl(settings.ttl())
          .build();
      OkHttpClient plain = plainClient(certificates, new JvmCachingDns(resolver,
          settings.jvmCache()));
      OkHttpClient client = kind == ClientKind.PLAIN ? plain : CutoverOkHttp.wrap(plain, resolver);
      Request request = new Request.Builder().url(blue.url(HOST, "/orders")).build();
      try {
        play(kind, client, request, result, dns, blue);
      } finally {
        client.connectionPool().evictAll();
        resolver.close();
        blue.close();
        green.close();
      }
    }
    return result;
  }

  private void play(ClientKind kind, OkHttpClient client, Request request, RunResult result,
      EmbeddedDnsServer dns, BackendServer blue) throws InterruptedException {
    long start = System.nanoTime();
    AtomicReference<Phase> phase = new AtomicReference<>(Phase.STEADY);
    List<Caller> callers = new ArrayList<>();
    for (int i = 0; i < settings.callers(); i++) {
      Caller caller = new Caller(client, request, result, phase, start, i);
      callers.add(caller);
      caller.thread.start();
    }
    Progress progress = settings.progress() == null
        ? null : new Progress(kind, result, phase, start, settings.progress());
    try {
      long phaseNanos = settings.phaseDuration().toNanos();
      for (Phase next : Phase.values()) {
        if (progress != null) {
          // The second that just ended is reported under the phase it belonged to.
          progress.printDue();
        }
        switch (next) {
          case FLIPPED:
            dns.setAddresses(HOST, settings.ttl(), settings.loopback().greenIp());
            break;
          case BLUE_503:
            blue.unavailable();
            break;
          case BLUE_DOWN:
            blue.shutdown();
            break;
          default:
            break;
        }
        phase.set(next);
        long end = start + (next.ordinal() + 1) * phaseNanos;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
          if (progress != null) {
            progress.printDue();
          }
          TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        }
      }
      if (progress != null) {
        progress.printDue();
      }
    } finally {
      for (Caller caller : callers) {
        caller.running = false;
      }
      for (Caller caller : callers) {
        caller.thread.join(15_000);
      }
    }
  }

  private BackendServer.Builder backend(String name, InetAddress address,
      TestCertificates certificates) {
    BackendServer.Builder builder = BackendServer.builder(name).address(address).port(0);
    return certificates == null ? builder : builder.tls(certificates).http2(true);
  }

  /** The client as an application has it: keep-alive pool, time-outs, its JVM-cached DNS. */
  private OkHttpClient plainClient(TestCertificates certificates, Dns dns) {
    OkHttpClient.Builder builder = new OkHttpClient.Builder()
        .dns(dns)
        .connectionPool(new ConnectionPool(Math.max(5, settings.callers() * 2), 5,
            TimeUnit.MINUTES))
        .connectTimeout(Duration.ofSeconds(2))
        .readTimeout(Duration.ofSeconds(5));
    if (certificates != null) {
      builder.sslSocketFactory(certificates.clientSocketFactory(),
          certificates.clientTrustManager());
      builder.protocols(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
    } else {
      builder.protocols(List.of(Protocol.HTTP_1_1));
    }
    return builder.build();
  }

  /**
   * What a client gets from {@code InetAddress} by default: the first answer, kept for a fixed
   * time whatever its TTL ({@code networkaddress.cache.ttl}, 30 s on many JVMs).
   */
  static final class JvmCachingDns implements Dns {
    private final CutoverResolver resolver;
    private final long cacheNanos;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(List<InetAddress> addresses, long expiresAt) {}

    JvmCachingDns(CutoverResolver resolver, Duration cache) {
      this.resolver = resolver;
      this.cacheNanos = cache.toNanos();
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
      long now = System.nanoTime();
      Cached cached = cache.get(hostname);
      if (cached != null && cached.expiresAt() - now > 0) {
        return cached.addresses();
      }
      List<InetAddress> addresses = resolver.lookup(hostname);
      cache.put(hostname, new Cached(addresses, now + cacheNanos));
      return addresses;
    }
  }

  /** One caller: GETs back to back on the shared client, each answer counted when it lands. */
  private final class Caller implements Runnable {
    final Thread thread;
    final OkHttpClient client;
    final Request request;
    final RunResult result;
    final AtomicReference<Phase> phase;
    final long start;
    volatile boolean running = true;

    Caller(OkHttpClient client, Request request, RunResult result, AtomicReference<Phase> phase,
        long start, int index) {
      this.client = client;
      this.request = request;
      this.result = result;
      this.phase = phase;
      this.start = start;
      this.thread = new Thread(this, "demo-caller-" + index);
      this.thread.setDaemon(true);
    }

    @Override
    public void run() {
      long pause = settings.thinkTime().toMillis();
      while (running) {
        Outcome outcome;
        try (Response response = client.newCall(request).execute()) {
          String body = response.body().string();
          if (response.code() == 200) {
            outcome = body.startsWith("green") ? Outcome.GREEN : Outcome.BLUE;
          } else if (response.code() == 503) {
            outcome = Outcome.HTTP_503;
          } else {
            outcome = Outcome.OTHER_STATUS;
          }
        } catch (IOException e) {
          outcome = Outcome.EXCEPTION;
          result.recordException(describe(e));
        }
        result.record(System.nanoTime() - start, phase.get(), outcome);
        if (pause > 0) {
          try {
            Thread.sleep(pause);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }
  }

  /** An exception as one line, the same for the same failure whatever port it happened on. */
  static String describe(IOException e) {
    String message = e.getMessage();
    if (message != null) {
      // Ports change from run to run; without them the same failure reads the same.
      message = message.replaceAll(":\\d{2,5}\\b", ":PORT");
    }
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  /** The live line, once a second: what the last second brought, by server. */
  private static final class Progress {
    private final ClientKind kind;
    private final RunResult result;
    private final AtomicReference<Phase> phase;
    private final long start;
    private final PrintStream out;
    private int printed;
    private int blue;
    private int green;
    private int errors;

    Progress(ClientKind kind, RunResult result, AtomicReference<Phase> phase, long start,
        PrintStream out) {
      this.kind = kind;
      this.result = result;
      this.phase = phase;
      this.start = start;
      this.out = out;
    }

    void printDue() {
      long elapsed = System.nanoTime() - start;
      int second = (int) TimeUnit.NANOSECONDS.toSeconds(elapsed);
      if (second <= printed) {
        return;
      }
      printed = second;
      int nowBlue = result.count(Outcome.BLUE);
      int nowGreen = result.count(Outcome.GREEN);
      int nowErrors = result.errors();
      out.printf(Locale.ROOT, "  [%-18s] %3ds  %-17s  blue %5d/s  green %5d/s  errors %5d/s%n",
          kind.label, second, phase.get().label, nowBlue - blue, nowGreen - green,
          nowErrors - errors);
      out.flush();
      blue = nowBlue;
      green = nowGreen;
      errors = nowErrors;
    }
  }
}
