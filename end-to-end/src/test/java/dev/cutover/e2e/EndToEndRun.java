package dev.cutover.e2e;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.okhttp.CutoverOkHttp;
import dev.cutover.testkit.ClientKind;
import dev.cutover.testkit.CutoverRun;
import dev.cutover.testkit.CutoverScript;
import dev.cutover.testkit.CutoverScript.Server;
import dev.cutover.testkit.DnsServer;
import dev.cutover.testkit.TestCertificates;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Plays one {@link EndToEndScenario} against one client kind with the kit's {@link CutoverRun}:
 * fresh servers on their loopback addresses, the name set in the scenario's DNS server (BIND 9,
 * or the embedded one for answers BIND cannot give), the scenario's callers issuing GETs, the
 * script's steps on time, and every request recorded (when, who answered, status or exception,
 * each response on the wire).
 */
final class EndToEndRun {
  static final String HOST = "api.cutover.test";
  /** The bound on each caller's requests; far above what a script's duration allows. */
  static final int MAX_REQUESTS_PER_CALLER = 50_000;
  /** What every random draw of a run starts from (rotating and weighted answers, 503 shares). */
  static final long SEED = 11;

  private final DnsServer bind;
  private final DnsServer embedded;
  private final TestCertificates certificates;

  EndToEndRun(DnsServer bind, DnsServer embedded, TestCertificates certificates) {
    this.bind = bind;
    this.embedded = embedded;
    this.certificates = certificates;
  }

  DnsServer dnsFor(EndToEndScenario scenario) {
    return scenario.dns == EndToEndScenario.Dns.BIND ? bind : embedded;
  }

  /**
   * Plays a short steady load with every client kind over both protocols, and keeps nothing.
   * The first runs in a fresh JVM pay for class loading, the JIT and the first TLS handshakes; on
   * a loaded machine that stalled every caller of the first scenario for seconds (handshakes cut
   * off, the first requests done only after blue had gone), which measured the JVM's start, not
   * the client.
   */
  void warmUp() throws IOException, InterruptedException {
    CutoverScript steady = new CutoverScript("warm-up", List.of(new Server("blue", "127.0.0.2")),
        List.of("blue"), Duration.ofMillis(1500), List.of());
    for (boolean http2 : new boolean[] {false, true}) {
      for (ClientKind kind : ClientKind.values()) {
        CutoverRun run = runner(bind, EndToEndScenario.Shape.STEADY, http2);
        if (kind != ClientKind.WRAPPED) {
          run.play(steady, kind, null);
          continue;
        }
        try (CutoverResolver resolver = resolver(bind)) {
          run.play(steady, kind, plain -> CutoverOkHttp.wrap(plain, resolver));
        }
      }
    }
  }

  EndToEndFigures play(EndToEndScenario scenario, boolean http2, ClientKind kind)
      throws IOException, InterruptedException {
    DnsServer dns = dnsFor(scenario);
    CutoverRun run = runner(dns, scenario.shape, http2);
    if (kind != ClientKind.WRAPPED) {
      return new EndToEndFigures(scenario, run.play(scenario.script, kind, null));
    }
    try (CutoverResolver resolver = resolver(dns)) {
      return new EndToEndFigures(scenario, run.play(scenario.script, kind,
          plain -> CutoverOkHttp.wrap(plain, resolver)));
    }
  }

  private CutoverRun runner(DnsServer dns, EndToEndScenario.Shape shape, boolean http2) {
    return CutoverRun.builder(dns, HOST)
        .ttl(EndToEndScenario.TTL)
        .callers(shape.callers)
        .thinkTime(shape.thinkTime)
        .rampInterval(shape.rampInterval)
        .maxRequestsPerCaller(MAX_REQUESTS_PER_CALLER)
        .seed(SEED)
        .tls(certificates)
        .http2(http2)
        .build();
  }

  /** The resolver on its defaults, as a user would start. */
  private static CutoverResolver resolver(DnsServer dns) {
    return CutoverResolver.builder()
        .nameServers(dns.address())
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY)
        .hostsFile(null)
        .build();
  }
}
