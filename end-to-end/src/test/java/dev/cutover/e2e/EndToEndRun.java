package dev.cutover.e2e;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.okhttp.CutoverOkHttp;
import dev.cutover.testkit.ClientKind;
import dev.cutover.testkit.CutoverRun;
import dev.cutover.testkit.DnsServer;
import dev.cutover.testkit.TestCertificates;
import java.io.IOException;

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

  EndToEndFigures play(EndToEndScenario scenario, boolean http2, ClientKind kind)
      throws IOException, InterruptedException {
    DnsServer dns = dnsFor(scenario);
    CutoverRun run = CutoverRun.builder(dns, HOST)
        .ttl(EndToEndScenario.TTL)
        .callers(scenario.shape.callers)
        .thinkTime(scenario.shape.thinkTime)
        .rampInterval(scenario.shape.rampInterval)
        .maxRequestsPerCaller(MAX_REQUESTS_PER_CALLER)
        .seed(SEED)
        .tls(certificates)
        .http2(http2)
        .build();
    if (kind != ClientKind.WRAPPED) {
      return new EndToEndFigures(scenario, run.play(scenario.script, kind, null));
    }
    // The resolver on its defaults, as a user would start.
    try (CutoverResolver resolver = CutoverResolver.builder()
        .nameServers(dns.address())
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY)
        .hostsFile(null)
        .build()) {
      return new EndToEndFigures(scenario, run.play(scenario.script, kind,
          plain -> CutoverOkHttp.wrap(plain, resolver)));
    }
  }
}
