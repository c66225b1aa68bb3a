package dev.cutover.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.cutover.e2e.EndToEndFigures.micros;

import dev.cutover.e2e.EndToEndFigures.DnsChange;
import dev.cutover.e2e.EndToEndFigures.Removal;
import dev.cutover.testkit.Bind9Server;
import dev.cutover.testkit.ClientKind;
import dev.cutover.testkit.CutoverRun.ExecutedStep;
import dev.cutover.testkit.CutoverRun.Result;
import dev.cutover.testkit.CutoverScript.Action;
import dev.cutover.testkit.Load.Attempt;
import dev.cutover.testkit.TestCertificates;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The claim "clients survive a blue-green cutover", measured: every {@link EndToEndScenario}
 * over HTTP/1.1 and HTTP/2 (both over TLS, host name verified), against real BIND 9 taking RFC
 * 2136 updates and real servers on their own loopback addresses, played three times: plain
 * OkHttp with the JVM's usual DNS caching, the usual hand-made recipe, and the wrapped client.
 *
 * <p>It asserts what the library promises for the wrapped client, and that plain OkHttp really
 * fails in this harness, so the harness is shown able to see what the library prevents. Reports
 * go to {@code target/e2e}: JSON with every request, an HTML chart page per scenario and
 * protocol, and {@code summary.md}.
 */
class EndToEndCutoverTest {
  private static final Path REPORTS = Path.of(System.getProperty("cutover.e2e.dir",
      "target/e2e"));

  private static Bind9Server bind;
  private static TestCertificates certificates;
  private static final List<EndToEndFigures> ALL = Collections.synchronizedList(
      new ArrayList<>());

  @BeforeAll
  static void startBind() throws Exception {
    Assumptions.assumeTrue(Bind9Server.availableForTests(), Bind9Server.installHint());
    bind = Bind9Server.start("cutover.test");
    certificates = TestCertificates.forHosts(EndToEndRun.HOST);
  }

  @AfterAll
  static void stopBindAndWriteSummary() throws Exception {
    if (bind != null) {
      bind.close();
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

  static Stream<Arguments> scenarios() {
    return Stream.of(EndToEndScenario.values())
        .flatMap(s -> Stream.of(Arguments.of(s, false), Arguments.of(s, true)));
  }

  @ParameterizedTest(name = "{0}, http2={1}")
  @MethodSource("scenarios")
  void cutover(EndToEndScenario scenario, boolean http2) throws Exception {
    EndToEndRun run = new EndToEndRun(bind, certificates);
    List<EndToEndFigures> runs = new ArrayList<>();
    for (ClientKind kind : ClientKind.values()) {
      runs.add(run.play(scenario, http2, kind));
    }
    ALL.addAll(runs);
    EndToEndReport.writeRuns(REPORTS, runs);

    EndToEndFigures plain = runs.get(ClientKind.PLAIN.ordinal());
    EndToEndFigures wrapped = runs.get(ClientKind.WRAPPED.ordinal());
    List<Executable> checks = new ArrayList<>();
    checks.addAll(wrappedSurvives(wrapped));
    checks.addAll(plainFails(plain));
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
            + " answered although sent more than TTL + 1 s after '"
            + removal.change().step().step().label() + "' was published; first: "
            + late.stream().limit(3).collect(Collectors.toList()));
      });
    }
    for (ExecutedStep step : result.steps()) {
      if (step.step().action() == Action.GONE) {
        String server = step.step().servers().get(0);
        checks.add(() -> assertEquals(Set.of(), step.connections().get(server),
            "wrapped: connections still open to " + server + " when it went"));
      }
    }
    for (DnsChange change : wrapped.changes) {
      checks.add(() -> keptConnectionsStay(result, change));
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
      checks.add(() -> answeredThroughOutage(result));
    }
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
   * While BIND was down the wrapped client went on being answered by green. (That the resolver
   * serves its last good answer when DNS fails is shown in core, against BIND stopped; here the
   * pooled connections mostly need no lookup.)
   */
  private static void answeredThroughOutage(Result result) {
    long down = micros(result.step(Action.DNS_DOWN, null).atNanos());
    long up = micros(result.step(Action.DNS_UP, null).atNanos());
    long servedByGreen = result.exchanges().stream()
        .filter(c -> micros(c.startNanos()) >= down && micros(c.startNanos()) < up
            && c.status() == 200 && "green".equals(c.backend()))
        .count();
    assertTrue(servedByGreen > 100,
        "wrapped: only " + servedByGreen + " GETs answered by green during the DNS outage");
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
        "plain: " + first.server() + " answered nothing sent more than TTL + 1 s after '"
            + first.change().step().step().label() + "'; the harness cannot see the problem"));
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
