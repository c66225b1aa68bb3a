package dev.cutover.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.CutoverRun.ExecutedStep;
import dev.cutover.testkit.CutoverRun.Result;
import dev.cutover.testkit.CutoverScript.Action;
import dev.cutover.testkit.CutoverScript.Server;
import dev.cutover.testkit.CutoverScript.Step;
import dev.cutover.testkit.Load.Exchange;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import okhttp3.ConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The runner, played for real: embedded DNS, blue and green on loopback, OkHttp callers. */
class CutoverRunTest {
  private static final String HOST = "api.cutover.test";
  private static final List<Server> BLUE_GREEN =
      List.of(new Server("blue", "127.0.0.2"), new Server("green", "127.0.0.3"));

  private EmbeddedDnsServer dns;

  @BeforeEach
  void start() throws IOException {
    dns = EmbeddedDnsServer.start();
  }

  @AfterEach
  void stop() {
    dns.close();
  }

  @Test
  void playsEveryStepOnTimeAndRecordsEveryRequest() throws Exception {
    CutoverScript script = new CutoverScript("every action", BLUE_GREEN, List.of("blue"),
        Duration.ofMillis(2000), List.of(
            Step.dns(300, "green"),
            Step.unavailable(700, "blue"),
            Step.dnsDown(900),
            Step.gone(1200, "blue"),
            Step.dnsUp(1500)));
    for (ClientKind kind : List.of(ClientKind.PLAIN, ClientKind.RECIPE)) {
      RecordingObserver observer = new RecordingObserver();
      CutoverRun run = CutoverRun.builder(dns, HOST).callers(4).observer(observer).build();
      Result result = run.play(script, kind, null);

      assertEquals(kind, result.kind());
      assertEquals(script.steps(),
          result.steps().stream().map(ExecutedStep::step).collect(Collectors.toList()));
      assertEquals(List.of(0, 1, 2, 3, 4), observer.stepIndexes);
      for (ExecutedStep step : result.steps()) {
        assertTrue(step.atNanos() >= TimeUnit.MILLISECONDS.toNanos(step.step().atMillis()),
            "not early: " + step);
        assertTrue(step.atNanos() < TimeUnit.MILLISECONDS.toNanos(step.step().atMillis() + 1000),
            "on time: " + step);
      }
      assertEquals(result.exchanges().size(), observer.exchanges.get(),
          "the observer heard of every request");
      assertTrue(observer.ticks.size() >= 10, "ticks: " + observer.ticks.size());
      assertEquals(observer.ticks.stream().sorted().collect(Collectors.toList()), observer.ticks);
      assertTrue(observer.ticks.get(observer.ticks.size() - 1)
          >= TimeUnit.MILLISECONDS.toNanos(2000), "a last tick when time is up");

      // A 30 s (or 5 s) JVM-style cache never sees the flip: green gets nothing, blue's 503s and
      // its going away are failures.
      assertEquals(0, result.servers().get("green").requests(), kind.label());
      long unavailable = result.step(Action.UNAVAILABLE, "blue").atNanos();
      long gone = result.step(Action.GONE, "blue").atNanos();
      assertTrue(result.exchanges().stream().anyMatch(e -> e.status() == 503
          && e.startNanos() >= unavailable && e.startNanos() < gone), kind.label());
      assertTrue(result.failuresStartedAfter(gone) > 0, kind.label());
      assertTrue(result.exchanges().stream().filter(e -> e.endNanos() < unavailable)
          .allMatch(Exchange::ok), kind.label() + ": all well before blue's 503s");
      assertTrue(result.failures() > 0);
      assertFalse(result.step(Action.GONE, "blue").connections().get("blue").isEmpty(),
          kind.label() + ": connections were open to blue as it went");
      assertTrue(result.servers().get("blue").requests() >= result.exchanges().stream()
          .filter(e -> e.code() >= 0).count(), kind.label() + ": blue answered every response");
      if (kind == ClientKind.RECIPE) {
        assertTrue(result.retries() > 0, "the recipe retries a 503 once");
        assertTrue(result.exchanges().stream().filter(e -> e.attempts().size() > 1)
            .allMatch(e -> e.attempts().size() == 2 && e.attempts().get(0).code() == 503),
            "only a 503 is retried, and once");
      } else {
        assertEquals(0, result.retries(), "plain OkHttp does not retry a 503");
      }
    }
    assertTrue(dns.queryCount() > 0);
  }

  @Test
  void theWrappedClientIsTheCallersAndTheOthersAreBuiltHere() throws Exception {
    CutoverScript script = new CutoverScript("flip, then blue gone", BLUE_GREEN,
        List.of("blue"), Duration.ofMillis(1200),
        List.of(Step.dns(300, "green"), Step.gone(600, "blue")));
    AtomicInteger wrapped = new AtomicInteger();
    CutoverRun run = CutoverRun.builder(dns, HOST).callers(2).build();
    // Stands in for a library: no cache, so new connections follow DNS.
    Result result = run.play(script, ClientKind.WRAPPED, plain -> {
      wrapped.incrementAndGet();
      return plain.newBuilder().dns(new JvmCachingDns(dns.address(), Duration.ZERO)).build();
    });

    assertEquals(1, wrapped.get());
    assertEquals(ClientKind.WRAPPED, result.kind());
    long gone = result.step(Action.GONE, "blue").atNanos();
    assertTrue(result.exchanges().stream()
            .anyMatch(e -> e.startNanos() > gone && "green".equals(e.backend())),
        "after blue went, new connections reached green");
    assertEquals(result.servers().get("green").requests(),
        result.exchanges().stream().filter(e -> "green".equals(e.backend())).count());
    assertEquals("HTTP/1.1", result.protocol());
  }

  @Test
  void http2OverTlsIsSpokenWhenAskedFor() throws Exception {
    CutoverScript script = new CutoverScript("steady", BLUE_GREEN, List.of("blue"),
        Duration.ofMillis(400), List.of());
    CutoverRun run = CutoverRun.builder(dns, HOST).callers(2)
        .tls(TestCertificates.forHosts(HOST)).http2(true).build();
    Result result = run.play(script, ClientKind.PLAIN, null);
    assertFalse(result.exchanges().isEmpty());
    assertTrue(result.exchanges().stream().allMatch(e -> e.ok() && e.protocol().toString()
        .equals("h2")), result.exchanges().toString());
    assertEquals("HTTP/2", result.protocol());
  }

  @Test
  void badArgumentsAreRejectedNamingThem() {
    CutoverScript script = new CutoverScript("steady", BLUE_GREEN, List.of("blue"),
        Duration.ofMillis(400), List.of());
    CutoverRun run = CutoverRun.builder(dns, HOST).build();
    IllegalArgumentException noWrap = assertThrows(IllegalArgumentException.class,
        () -> run.play(script, ClientKind.WRAPPED, null));
    assertTrue(noWrap.getMessage().contains("wrap for WRAPPED"), noWrap.getMessage());
    IllegalArgumentException noTls = assertThrows(IllegalArgumentException.class,
        () -> CutoverRun.builder(dns, HOST).http2(true).build());
    assertTrue(noTls.getMessage().contains("http2(true) needs tls"), noTls.getMessage());
    IllegalArgumentException noHost = assertThrows(IllegalArgumentException.class,
        () -> CutoverRun.builder(dns, " "));
    assertTrue(noHost.getMessage().contains("dns and host must be given"), noHost.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> CutoverRun.builder(dns, HOST).callers(0));
  }

  @Test
  void scriptsAreChecked() {
    assertScript("names an unknown server", () -> new CutoverScript("x", BLUE_GREEN,
        List.of("purple"), Duration.ofSeconds(1), List.of()));
    assertScript("names an unknown server", () -> new CutoverScript("x", BLUE_GREEN,
        List.of("blue"), Duration.ofSeconds(1), List.of(Step.gone(10, "purple"))));
    assertScript("in time order", () -> new CutoverScript("x", BLUE_GREEN, List.of("blue"),
        Duration.ofSeconds(1), List.of(Step.dns(500, "green"), Step.dns(400, "blue"))));
    assertScript("within the duration", () -> new CutoverScript("x", BLUE_GREEN,
        List.of("blue"), Duration.ofSeconds(1), List.of(Step.dns(1001, "green"))));
    assertScript("distinct names and addresses", () -> new CutoverScript("x",
        List.of(new Server("blue", "127.0.0.2"), new Server("green", "127.0.0.2")),
        List.of("blue"), Duration.ofSeconds(1), List.of()));
    assertScript("GONE takes 1 server",
        () -> new Step(10, Action.GONE, List.of("blue", "green")));
    assertScript("DNS_DOWN takes no server", () -> new Step(10, Action.DNS_DOWN, List.of("blue")));
    assertScript("ROTATING takes one or more distinct servers",
        () -> Step.rotating(10, 1, "blue", "blue"));
    assertScript("a whole number from 1 to 2", () -> Step.rotating(10, 3, "blue", "green"));
    assertScript("a whole number from 1 to 2",
        () -> new Step(10, Action.ROTATING, List.of("blue", "green"), List.of(1.5)));
    assertScript("one weight per server", () -> Step.weighted(10, List.of("blue", "green"),
        List.of(90.0)));
    assertScript("not all zero", () -> Step.weighted(10, List.of("blue", "green"),
        List.of(0.0, 0.0)));
    assertScript("zero or more", () -> Step.weighted(10, List.of("blue", "green"),
        List.of(-1.0, 2.0)));
    assertScript("from 0 to 1", () -> Step.unavailableShare(10, "blue", 1.5));
    assertScript("from 0 to 1", () -> Step.unavailableShare(10, "blue", Double.NaN));
    assertScript("GONE takes no amounts",
        () -> new Step(10, Action.GONE, List.of("blue"), List.of(1.0)));

    CutoverScript script = new CutoverScript("x", BLUE_GREEN, List.of("blue"),
        Duration.ofSeconds(1), List.of());
    assertEquals(List.of("127.0.0.3", "127.0.0.2"),
        List.of(script.ips(List.of("green", "blue"))));
    assertEquals(List.of("DNS [blue, green]", "blue 503", "green gone", "DNS down", "DNS back"),
        List.of(Step.dns(0, "blue", "green"), Step.unavailable(0, "blue"),
            Step.gone(0, "green"), Step.dnsDown(0), Step.dnsUp(0)).stream()
            .map(Step::label).collect(Collectors.toList()));
    assertEquals(List.of("DNS 1 of [blue, green]", "DNS blue 90 / green 10", "blue 6% 503"),
        List.of(Step.rotating(0, 1, "blue", "green"),
            Step.weighted(0, List.of("blue", "green"), List.of(90.0, 10.0)),
            Step.unavailableShare(0, "blue", 0.06)).stream()
            .map(Step::label).collect(Collectors.toList()));
    assertEquals(List.of("green"), Step.weighted(0, List.of("blue", "green"),
        List.of(0.0, 100.0)).answerable());
    assertEquals(List.of("blue", "green"), Step.rotating(0, 1, "blue", "green").answerable());
    assertThrows(IllegalStateException.class, () -> Step.gone(0, "blue").answerable());
  }

  @Test
  void stepsAtZeroComeBeforeTheLoadAndNoiseIsPlayed() throws Exception {
    List<Server> pool = List.of(new Server("s1", "127.0.0.2"), new Server("s2", "127.0.0.3"),
        new Server("s3", "127.0.0.4"));
    CutoverScript script = new CutoverScript("rotating pool, shedding load", pool,
        List.of("s1"), Duration.ofMillis(2000), List.of(
            Step.rotating(0, 1, "s1", "s2", "s3"),
            Step.unavailableShare(0, "s1", 0.5),
            Step.weighted(1200, List.of("s1", "s2", "s3"), List.of(0.0, 0.0, 1.0))));
    CutoverRun run = CutoverRun.builder(dns, HOST).callers(4).thinkTime(Duration.ofMillis(5))
        .rampInterval(Duration.ofMillis(100)).ttl(Duration.ZERO).build();
    // No cache and no idle connection kept: every request is a new connection after a lookup.
    Result result = run.play(script, ClientKind.WRAPPED, plain -> plain.newBuilder()
        .dns(new JvmCachingDns(dns.address(), Duration.ZERO))
        .connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS)).build());

    assertEquals(List.of(0L, 0L), result.steps().subList(0, 2).stream()
        .map(ExecutedStep::atNanos).collect(Collectors.toList()), "before the load");
    long weighted = result.steps().get(2).atNanos();
    assertTrue(weighted >= TimeUnit.MILLISECONDS.toNanos(1200), "on time: " + weighted);
    for (int caller = 0; caller < 4; caller++) {
      int index = caller;
      long first = result.exchanges().stream().filter(e -> e.caller() == index)
          .mapToLong(Exchange::startNanos).min().orElseThrow();
      assertTrue(first >= TimeUnit.MILLISECONDS.toNanos(100L * caller),
          "caller " + caller + " started at " + first / 1_000_000 + " ms");
    }
    List<Exchange> before = result.exchanges().stream()
        .filter(e -> e.endNanos() < weighted).collect(Collectors.toList());
    assertEquals(Set.of("s1", "s2", "s3"), before.stream().map(Exchange::backend)
        .collect(Collectors.toSet()), "lookups drew every server of the pool");
    assertTrue(before.stream().anyMatch(e -> e.status() == 503), "s1 sheds load from the start");
    assertTrue(before.stream().filter(e -> e.status() == 503)
        .allMatch(e -> "s1".equals(e.backend())), "only s1 does");
    assertTrue(before.stream().anyMatch(e -> e.status() == 200 && "s1".equals(e.backend())),
        "and answers the rest");
    List<Exchange> after = result.exchanges().stream()
        .filter(e -> e.startNanos() > weighted).collect(Collectors.toList());
    assertFalse(after.isEmpty());
    assertEquals(Set.of("s3"), after.stream().map(Exchange::backend)
        .collect(Collectors.toSet()), "weights 0/0/1 answer s3 alone");
  }

  private static void assertScript(String expected, Runnable action) {
    IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, action::run);
    assertTrue(thrown.getMessage().contains(expected), thrown.getMessage());
  }

  private static final class RecordingObserver implements CutoverRun.Observer {
    final AtomicInteger exchanges = new AtomicInteger();
    final List<Integer> stepIndexes = Collections.synchronizedList(new ArrayList<>());
    final List<Long> ticks = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void exchanged(Exchange exchange) {
      exchanges.incrementAndGet();
    }

    @Override
    public void stepDone(int index, ExecutedStep step) {
      stepIndexes.add(index);
    }

    @Override
    public void tick(long elapsedNanos) {
      ticks.add(elapsedNanos);
    }
  }
}
