package dev.cutover.e2e;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.okhttp.CutoverOkHttp;
import dev.cutover.testkit.Bind9Server;
import dev.cutover.testkit.ClientKind;
import dev.cutover.testkit.CutoverRun;
import dev.cutover.testkit.TestCertificates;
import java.io.IOException;
import java.time.Duration;

/**
 * Plays one {@link EndToEndScenario} against one client kind with the kit's {@link CutoverRun}:
 * fresh servers on their loopback addresses, the name set in BIND, {@value #CALLERS} callers
 * issuing GETs, the script's steps on time, and every request recorded (when, who answered,
 * status or exception, each response on the wire).
 */
final class EndToEndRun {
  static final String HOST = "api.cutover.test";
  static final int CALLERS = 32;
  /** Each caller's pause between requests, so the load is steady rather than CPU-bound. */
  static final Duration THINK_TIME = Duration.ofMillis(10);
  /** The bound on each caller's requests; far above what a script's duration allows. */
  static final int MAX_REQUESTS_PER_CALLER = 5_000;

  private final Bind9Server bind;
  private final TestCertificates certificates;

  EndToEndRun(Bind9Server bind, TestCertificates certificates) {
    this.bind = bind;
    this.certificates = certificates;
  }

  EndToEndFigures play(EndToEndScenario scenario, boolean http2, ClientKind kind)
      throws IOException, InterruptedException {
    CutoverRun run = CutoverRun.builder(bind, HOST)
        .ttl(EndToEndScenario.TTL)
        .callers(CALLERS)
        .thinkTime(THINK_TIME)
        .maxRequestsPerCaller(MAX_REQUESTS_PER_CALLER)
        .tls(certificates)
        .http2(http2)
        .build();
    if (kind != ClientKind.WRAPPED) {
      return new EndToEndFigures(scenario, run.play(scenario.script, kind, null));
    }
    // The resolver on its defaults, as a user would start.
    try (CutoverResolver resolver = CutoverResolver.builder()
        .nameServers(bind.address())
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY)
        .hostsFile(null)
        .build()) {
      return new EndToEndFigures(scenario,
          run.play(scenario.script, kind, plain -> CutoverOkHttp.wrap(plain, resolver)));
    }
  }
}
