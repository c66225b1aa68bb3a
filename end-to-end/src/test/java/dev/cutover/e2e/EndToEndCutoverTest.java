package dev.cutover.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.cutover.e2e.EndToEndFigures.micros;

import dev.cutover.e2e.EndToEndFigures.DnsChange;
import dev.cutover.e2e.EndToEndFigures.Removal;
import dev.cutover.okhttp.internal.OkHttpCompat;
import dev.cutover.testkit.Bind9Server;
import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.ClientKind;
import dev.cutover.testkit.CutoverRun.ExecutedStep;
import dev.cutover.testkit.CutoverRun.Result;
import dev.cutover.testkit.CutoverScript.Action;
import dev.cutover.testkit.Load.Attempt;
import dev.cutover.testkit.TestCertificates;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The claims "clients survive a blue-green cutover" and "what is not a cutover costs nothing",
 * measured: every {@link EndToEndScenario} over HTTP/1.1 and HTTP/2 (both over TLS, host name
 * verified), against real BIND 9 taking RFC 2136 updates (or, for answers drawn per query, the
 * kit's embedded DNS server) and real servers on their own loopback addresses, played three
 * times: plain OkHttp with the JVM's usual DNS caching, the usual hand-made recipe, and the
 * wrapped client.
 *
 * <p>It asserts what the library promises for the wrapped client, and that plain OkHttp really
 * fails (or, for noise, what it costs) in this harness, so the harness is shown able to see what
 * the library prevents. Every caller of the wrapped client must keep up with plain OkHttp's, so a
 * client that throws, hangs or stalls cannot pass by making few requests. Reports go to {@code
 * target/e2e}: JSON with every request, an HTML chart page per scenario and protocol, and {@code
 * summary.md}.
 */
class EndToEndCutoverTest {
  private static final Path REPORTS = Path.of(System.getProperty("cutover.e2e.dir",
      "target/e2e"));

  /**
   * The least share of plain OkHttp's requests each caller of the wrapped client must complete
   * (same caller, same run length). Seen on a loaded 2-CPU machine: 0.34 to 3.8; a caller that
   * hangs a second per call makes a few hundredths.
   */
  static final double MIN_CALLER_SHARE = 0.2;
  /**
   * The least request rate of the wrapped client while DNS is down, as a share of its rate
   * before (0.87 to 1.16 seen on a loaded 2-CPU machine). A client that waited on DNS for each
   * request (a DNS time-out is seconds) would fall far below it.
   */
  static final double MIN_OUTAGE_RATE_SHARE = 0.6;

  private static Bind9Server bind;
  private static EmbeddedDnsServer embedded;
  private static TestCertificates certificates;
  private static final List<EndToEndFigures> ALL = Collections.synchronizedList(
      new ArrayList<>());

  @BeforeAll
  static void startBind() throws Exception {
    Assumptions.assumeTrue(Bind9Server.availableForTests(), Bind9Server.installHint());
    bind = Bind9Server.start("cutover.test");
    embedded = EmbeddedDnsServer.start();
    certificates = TestCertificates.forHosts(EndToEndRun.HOST);
    new EndToEndRun(bind, embedded, certificates).warmUp();
  }

  @AfterAll
  static void stopBindAndWriteSummary() throws Exception {
    if (bind != null) {
      bind.close();
    }
    if (embedded != null) {
      embedded.close();
    }
    if (!ALL.isEmpty()) {
      List<EndToEndFigures> ordered = new ArrayList<>(ALL);
      ordered.sort((a, b) -> {
        int byScenario = a.scenario.compareTo(b.scenario);
        if (byScenario != 0) {
          return byScenario;
        }
        int byProtocol = Boolean.compare(a.result.http2(), b.result.http2());
        return byProtocol != 0 ? byProtocol : a.result.kind().compareTo(b.result.kind());
      });
      EndToEndReport.writeSummary(REPORTS, ordered);
    }
  }

  /**
   * The suite runs on the OkHttp line the build chose (okhttp-jvm 5.x; okhttp 4.12 under
   * -Pokhttp4), not on whichever a class path happened to hold.
   */
  @Test
  void runsOnTheOkHttpTheBuildChose() {
    String expected = System.getProperty("cutover.test.okhttp.version");
    assertNotNull(expected, "set by the end-to-end pom for surefire");
    assertEquals(expected, OkHttpCompat.version());
  }

  /**
   * The scenarios this run plays: all of them, or those {@value #SCENARIOS_PROPERTY} names
   * (comma-separated, e.g. {@code FLIP_503_GONE,LOAD_SHEDDING}), so that a CI job with little
   * time can run a subset. Filtered here, not skipped: a scenario left out is never a test.
   */
  static Stream<Arguments> scenarios() {
    return selected(System.getProperty(SCENARIOS_PROPERTY)).stream()
        .flatMap(s -> Stream.of(Arguments.of(s, false), Arguments.of(s, true)));
  }

  /** The system property naming the scenarios to play; unset or blank, all of them. */
  static final String SCENARIOS_PROPERTY = "cutover.e2e.scenarios";

  /**
   * The scenarios a value of {@value #SCENARIOS_PROPERTY} names, in the enum's order.
   *
   * @throws IllegalArgumentException if it names no scenario, or one that does not exist: a typo
   *     must not quietly run fewer scenarios than were asked for
   */
  static List<EndToEndScenario> selected(String names) {
    if (names == null || names.isBlank()) {
      return List.of(EndToEndScenario.values());
    }
    Set<EndToEndScenario> chosen = EnumSet.noneOf(EndToEndScenario.class);
    List<String> unknown = new ArrayList<>();
    for (String name : names.split(",", -1)) {
      String trimmed = name.trim();
      try {
        chosen.add(EndToEndScenario.valueOf(trimmed));
      } catch (IllegalArgumentException e) {
        unknown.add("'" + trimmed + "'");
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("-D" + SCENARIOS_PROPERTY + "=" + names + ": no scenario"
          + " named " + String.join(", ", unknown) + "; expected comma-separated names from "
          + Arrays.toString(EndToEndScenario.values()) + ", or unset for all");
    }
    return List.copyOf(chosen);
  }

  @ParameterizedTest(name = "{0}, http2={1}")
  @MethodSource("scenarios")
  void cutover(EndToEndScenario scenario, boolean http2) throws Exception {
    EndToEndRun run = new EndToEndRun(bind, embedded, certificates);
    List<EndToEndFigures> runs = new ArrayList<>();
    for (ClientKind kind : ClientKind.values()) {
      runs.add(run.play(scenario, http2, kind));
    }
    ALL.addAll(runs);
    EndToEndReport.writeRuns(REPORTS, runs);

    EndToEndFigures plain = runs.get(ClientKind.PLAIN.ordinal());
    EndToEndFigures wrapped = runs.get(ClientKind.WRAPPED.ordinal());
    List<Executable> checks = new ArrayList<>();
    checks.add(() -> everyCallerKeptUp(wrapped, plain));
    switch (scenario) {
      case ROTATING_POOL:
        checks.addAll(rotatingPoolCostsNothing(wrapped, plain));
        break;
      case LOAD_SHEDDING:
        checks.addAll(loadSheddingCostsLittle(wrapped, plain));
        break;
      case WEIGHTED_SHIFT:
        checks.addAll(wrappedSurvives(wrapped));
        checks.add(() -> assertTrue(wrapped.connectionsOpened <= 4 * plain.connectionsOpened,
            "wrapped: opened " + wrapped.connectionsOpened + " connections, more than 4 x plain"
                + " OkHttp's " + plain.connectionsOpened));
        checks.addAll(plainFails(plain));
        break;
      default:
        checks.addAll(wrappedSurvives(wrapped));
        checks.addAll(plainFails(plain));
        break;
    }
    for (EndToEndFigures figures : runs) {
      checks.add(() -> spokeTheProtocol(figures.result));
    }
    assertAll(scenario + " over " + wrapped.result.protocol() + " (reports in "
        + REPORTS.toAbsolutePath() + ")", checks);
  }

  /** What the library promises, in every scenario. */
  private static List<Executable> wrappedSurvives(EndToEndFigures wrapped) {
    Result result = wrapped.result;
    List<Executable> checks = new ArrayList<>();
    checks.add(() -> assertEquals(0, wrapped.failures,
        "wrapped: failed GETs (all idempotent), first: " + firstFailures(result)));
    for (Removal removal : wrapped.removals) {
      checks.add(() -> {
        List<Attempt> late = removal.late(result);
        assertEquals(0, late.size(), "wrapped: requests " + removal.server()
            + " answered although sent more than " + removal.change().graceMicros() / 1000
            + " ms after '" + removal.change().step().step().label() + "' could be seen; first: "
            + late.stream().limit(3).collect(Collectors.toList()));
      });
      checks.add(() -> windowCanSeeAClientThatStayed(wrapped, removal));
    }
    for (ExecutedStep step : result.steps()) {
      if (step.step().action() == Action.GONE) {
        String server = step.step().servers().get(0);
        checks.add(() -> assertEquals(Set.of(), step.connections().get(server),
            "wrapped: connections still open to " + server + " when it went"));
      }
    }
    for (DnsChange change : wrapped.changes) {
      // A change of answers drawn per query cannot be told from a flip at first (README, "A
      // cutover, or an answer that rotates?"): only a change between stable answers keeps all.
      if (change.betweenStableAnswers()) {
        checks.add(() -> keptConnectionsStay(result, change));
      }
    }
    // Over HTTP/1.1 the resolver's rotation spreads a dozen connections over every address, so
    // some always sit on a kept one. Over HTTP/2 there is one connection, on a random address,
    // and both rotations may remove the one it is on (1 run in 9): nothing to check that time.
    if (wrapped.scenario == EndToEndScenario.PARTIAL_ROTATION && !result.http2()) {
      checks.add(() -> assertTrue(wrapped.changes.stream()
              .anyMatch(c -> !EndToEndFigures.keptConnections(c).isEmpty()),
          "wrapped: no connection to a kept address at any rotation; the check proved nothing"));
    }
    if (wrapped.scenario == EndToEndScenario.DNS_OUTAGE) {
      checks.add(() -> answeredThroughOutage(wrapped));
    }
    return checks;
  }

  /**
   * A late-request window proves something only if a client that stayed on the removed server
   * would have been seen: it must last, and the load must have run through it.
   */
  private static void windowCanSeeAClientThatStayed(EndToEndFigures run, Removal removal) {
    assertTrue(removal.windowMicros() >= EndToEndFigures.MIN_WINDOW_MICROS,
        "the late-request window for " + removal.describe() + " is shorter than "
            + EndToEndFigures.MIN_WINDOW_MICROS / 1000 + " ms: a client that stayed could pass");
    double averagePerMicro = (double) run.requests / run.result.script().duration().toNanos()
        * 1000;
    long expected = Math.round(averagePerMicro * removal.windowMicros() / 4);
    long sent = removal.sentInWindow(run.result);
    assertTrue(sent >= expected, run.result.kind().label() + ": only " + sent + " requests in"
        + " the late-request window for " + removal.describe() + ", less than a quarter of the"
        + " run's average rate (" + expected + "): the window saw too little traffic to prove"
        + " anything");
  }

  /**
   * Each caller of the wrapped client completed at least {@link #MIN_CALLER_SHARE} of what the
   * same caller of plain OkHttp did: a caller that died, hung or was stalled fails here even
   * where it would make no late request (one that throws fails as every exception is a failed
   * request). Not a performance claim (those are the benchmarks'): runs follow one another on a
   * shared machine whose load swings.
   */
  private static void everyCallerKeptUp(EndToEndFigures wrapped, EndToEndFigures plain) {
    List<String> behind = new ArrayList<>();
    for (int i = 0; i < wrapped.perCaller.length; i++) {
      if (wrapped.perCaller[i] < MIN_CALLER_SHARE * plain.perCaller[i]
          || wrapped.perCaller[i] == 0) {
        behind.add("caller " + i + ": " + wrapped.perCaller[i] + " vs " + plain.perCaller[i]);
      }
    }
    assertEquals(List.of(), behind, "wrapped: callers that completed less than "
        + MIN_CALLER_SHARE + " x the requests of plain OkHttp's same caller");
  }

  /**
   * A pool answering one healthy server per query is not a cutover: no error, no more than twice
   * plain OkHttp's connections, and (over HTTP/1.1, where each caller has its own connection)
   * every server used, where plain OkHttp's cached answer keeps it on one.
   */
  private static List<Executable> rotatingPoolCostsNothing(EndToEndFigures wrapped,
      EndToEndFigures plain) {
    List<Executable> checks = new ArrayList<>();
    checks.add(() -> assertEquals(0, wrapped.failures,
        "wrapped: failed GETs, first: " + firstFailures(wrapped.result)));
    checks.add(() -> assertTrue(wrapped.connectionsOpened <= 2 * plain.connectionsOpened,
        "wrapped: opened " + wrapped.connectionsOpened + " connections, more than 2 x plain"
            + " OkHttp's " + plain.connectionsOpened));
    if (!wrapped.result.http2()) {
      checks.add(() -> assertEquals(Set.copyOf(wrapped.result.servers().keySet()),
          wrapped.serversUsed, "wrapped: servers that answered"));
    }
    checks.add(() -> assertEquals(1, plain.serversUsed.size(),
        "plain: servers that answered; its 30 s cache holds the first answer"));
    return checks;
  }

  /**
   * A healthy server shedding load (some 503s, DNS unchanged) is not a cutover: no more than
   * twice plain OkHttp's connections; and, since 503s are retried with back-off by default, at
   * most a tenth of plain OkHttp's failed requests for at least 0.7 of its requests.
   */
  private static List<Executable> loadSheddingCostsLittle(EndToEndFigures wrapped,
      EndToEndFigures plain) {
    List<Executable> checks = new ArrayList<>();
    checks.add(() -> assertTrue(plain.failures > 0,
        "plain: no 503 reached the caller; the harness shed no load"));
    checks.add(() -> assertTrue(wrapped.connectionsOpened <= 2 * plain.connectionsOpened,
        "wrapped: opened " + wrapped.connectionsOpened + " connections, more than 2 x plain"
            + " OkHttp's " + plain.connectionsOpened));
    checks.add(() -> assertTrue(wrapped.failures <= 0.1 * plain.failures,
        "wrapped: " + wrapped.failures + " failed requests, more than 0.1 x plain OkHttp's "
            + plain.failures));
    checks.add(() -> assertTrue(wrapped.requests >= 0.7 * plain.requests,
        "wrapped: " + wrapped.requests + " requests, less than 0.7 x plain OkHttp's "
            + plain.requests + " in the same time"));
    return checks;
  }

  /**
   * A DNS change must not cost the connections to the addresses it kept: each one open before
   * the change is still open when that address is itself removed, or at the end.
   */
  private static void keptConnectionsStay(Result result, DnsChange change) {
    EndToEndFigures.keptConnections(change).forEach((server, before) -> {
      Set<Integer> later = result.connectionsAtEnd().get(server);
      for (ExecutedStep step : result.steps()) {
        if (step.atNanos() > change.step().atNanos() && step.step().action() == Action.DNS
            && !step.step().servers().contains(server)) {
          later = step.connections().get(server);
          break;
        }
      }
      Set<Integer> closed = new TreeSet<>(before);
      closed.removeAll(later);
      assertEquals(Set.of(), closed, "wrapped: connections to " + server + ", kept by '"
          + change.step().step().label() + "', closed although the address stayed");
    });
  }

  /**
   * DNS stopped as it took the flip: every refresh fails until it is back. The wrapped client
   * must go on, on its last good answer, at the rate it had before (pooled connections need no
   * lookup; a client that waited on DNS, or dropped its answer, would slow down or fail).
   */
  private static void answeredThroughOutage(EndToEndFigures wrapped) {
    Result result = wrapped.result;
    // Later, and the client would already be on green's pooled connections, needing no DNS.
    assertTrue(result.step(Action.DNS_DOWN, null).step().atMillis()
            <= result.step(Action.DNS, null).step().atMillis(),
        "the outage must start at or before the flip");
    long down = micros(result.step(Action.DNS_DOWN, null).atNanos());
    // Until BIND is asked to start again: its restart is not part of what a client sees.
    long up = result.step(Action.DNS_UP, null).step().atMillis() * 1000;
    long flip = micros(result.step(Action.DNS, null).atNanos());
    // From 1 s, once the callers' first connections are made and the load is warm.
    double before = wrapped.ratePerSecond(1_000_000, flip);
    double during = wrapped.ratePerSecond(down, up);
    assertTrue(during >= MIN_OUTAGE_RATE_SHARE * before, String.format(Locale.ROOT,
        "wrapped: %.0f requests/s while DNS was down, less than %.2f x the %.0f/s before",
        during, MIN_OUTAGE_RATE_SHARE, before));
  }

  /** Every answer came over the protocol the run is named after: ALPN did not fall back. */
  private static void spokeTheProtocol(Result result) {
    String expected = result.http2() ? "h2" : "http/1.1";
    List<String> others = result.exchanges().stream()
        .filter(c -> c.protocol() != null && !c.protocol().toString().equals(expected))
        .map(c -> c.protocol().toString()).distinct().collect(Collectors.toList());
    assertEquals(List.of(), others, result.kind().label() + ": answers not over " + expected);
  }

  /** Proof that the harness sees what the seeds describe: plain OkHttp really fails. */
  private static List<Executable> plainFails(EndToEndFigures plain) {
    Result result = plain.result;
    List<Executable> checks = new ArrayList<>();
    Removal first = plain.removals.get(0);
    checks.add(() -> assertTrue(first.late(result).size() > 0,
        "plain: " + first.server() + " answered nothing in the late-request window of "
            + first.describe() + "; the harness cannot see the problem"));
    switch (plain.scenario) {
      case FLIP_503_GONE:
      case WEIGHTED:
      case DNS_OUTAGE: {
        // Plain OkHttp's cached answer names only blue, so once blue is gone it has nowhere to go.
        long unavailable = micros(result.step(Action.UNAVAILABLE, "blue").atNanos());
        long gone = micros(result.step(Action.GONE, "blue").atNanos());
        checks.add(() -> assertTrue(result.exchanges().stream()
                .filter(c -> micros(c.startNanos()) >= gone && !c.ok()).count() > 0,
            "plain: no failure once blue was gone"));
        checks.add(() -> assertTrue(result.exchanges().stream().anyMatch(c -> c.status() == 503
                && "blue".equals(c.backend()) && micros(c.startNanos()) >= unavailable
                && micros(c.startNanos()) < gone),
            "plain: no 503 from blue while it answered 503"));
        break;
      }
      case WEIGHTED_SHIFT: {
        long gone = micros(result.step(Action.GONE, "blue").atNanos());
        checks.add(() -> assertTrue(result.exchanges().stream()
                .filter(c -> micros(c.startNanos()) >= gone && !c.ok()).count() > 0,
            "plain: no failure once blue was gone"));
        break;
      }
      case PARTIAL_ROTATION:
        checks.add(() -> assertTrue(plain.openWhenGone > 0,
            "plain: no connection open to c when it went"));
        break;
      default:
        break;
    }
    return checks;
  }

  private static List<String> firstFailures(Result result) {
    return result.exchanges().stream().filter(c -> !c.ok()).limit(5)
        .map(c -> micros(c.startNanos()) / 1000 + " ms: " + (c.error() != null ? c.error()
            : c.status() + " from " + c.backend()))
        .collect(Collectors.toList());
  }
}
