package dev.cutover.demo;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.demo.RunResult.Outcome;
import dev.cutover.okhttp.CutoverOkHttp;
import dev.cutover.testkit.ClientKind;
import dev.cutover.testkit.CutoverRun;
import dev.cutover.testkit.CutoverScript;
import dev.cutover.testkit.CutoverScript.Server;
import dev.cutover.testkit.CutoverScript.Step;
import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.Load.Exchange;
import dev.cutover.testkit.TestCertificates;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The demo's cutover on this machine, played against one client kind by the kit's {@link
 * CutoverRun}: embedded DNS, blue and green servers on one port, callers in a loop, and the four
 * phases on a timer, counted into a {@link RunResult} as answers arrive.
 */
final class CutoverScenario {
  static final String HOST = "api.cutover.test";

  /**
   * How the cutover is played.
   *
   * @param phaseDuration the length of each phase
   * @param callers concurrent callers
   * @param thinkTime each caller's pause between requests
   * @param http2 TLS + HTTP/2 instead of plain HTTP/1.1
   * @param ttl the TTL of the DNS record, which is also the resolver's maxTtl
   * @param loopback the addresses of blue and green
   * @param progress where the once-a-second line goes, or null for none
   */
  record Settings(
      Duration phaseDuration,
      int callers,
      Duration thinkTime,
      boolean http2,
      Duration ttl,
      Loopback loopback,
      PrintStream progress) {}

  private final Settings settings;

  CutoverScenario(Settings settings) {
    this.settings = settings;
  }

  /** The four phases as a script: DNS moves, then blue answers 503, then blue goes. */
  CutoverScript script() {
    Loopback loopback = settings.loopback();
    long phase = settings.phaseDuration().toMillis();
    return new CutoverScript("the demo's blue-green cutover",
        List.of(new Server("blue", loopback.blueIp()), new Server("green", loopback.greenIp())),
        List.of("blue"), settings.phaseDuration().multipliedBy(Phase.values().length),
        List.of(Step.dns(phase * Phase.FLIPPED.ordinal(), "green"),
            Step.unavailable(phase * Phase.BLUE_503.ordinal(), "blue"),
            Step.gone(phase * Phase.BLUE_DOWN.ordinal(), "blue")));
  }

  RunResult run(ClientKind kind) throws IOException, InterruptedException {
    RunResult result = new RunResult(kind.label(), settings.phaseDuration());
    TestCertificates certificates = settings.http2() ? TestCertificates.forHosts(HOST) : null;
    try (EmbeddedDnsServer dns = EmbeddedDnsServer.start();
        CutoverResolver resolver = CutoverResolver.builder()
            .nameServers(dns.address())
            .hostsFile(null)
            // The fallback pair is 127.0.0.1 and ::1, so DNS moves from an A to an AAAA record.
            .resolvedAddressTypes(settings.loopback().fallback()
                ? ResolvedAddressTypes.IPV4_PREFERRED : ResolvedAddressTypes.IPV4_ONLY)
            .maxTtl(settings.ttl())
            .build()) {
      CutoverRun run = CutoverRun.builder(dns, HOST)
          .ttl(settings.ttl())
          .callers(settings.callers())
          .thinkTime(settings.thinkTime())
          .tls(certificates)
          .http2(settings.http2())
          // Counted as they arrive; a long demo keeps no per-request records.
          .keepExchanges(false)
          .observer(new Counting(kind, result, settings.progress()))
          .build();
      run.play(script(), kind, plain -> CutoverOkHttp.wrap(plain, resolver));
    }
    return result;
  }

  /** Counts each answer under the phase it arrived in, and prints the live line. */
  private static final class Counting implements CutoverRun.Observer {
    private final RunResult result;
    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.STEADY);
    private final Progress progress;

    Counting(ClientKind kind, RunResult result, PrintStream out) {
      this.result = result;
      this.progress = out == null ? null : new Progress(kind, result, phase, out);
    }

    @Override
    public void exchanged(Exchange exchange) {
      Outcome outcome;
      if (exchange.failure() != null) {
        outcome = Outcome.EXCEPTION;
        result.recordException(exchange.error());
      } else if (exchange.code() == 200) {
        outcome = exchange.body().startsWith("green") ? Outcome.GREEN : Outcome.BLUE;
      } else if (exchange.code() == 503) {
        outcome = Outcome.HTTP_503;
      } else {
        outcome = Outcome.OTHER_STATUS;
      }
      result.record(exchange.endNanos(), phase.get(), outcome);
    }

    @Override
    public void stepDone(int index, CutoverRun.ExecutedStep step) {
      phase.set(Phase.values()[index + 1]);
    }

    @Override
    public void tick(long elapsedNanos) {
      if (progress != null) {
        // Called before each step too: the second that just ended is reported under the phase
        // it belonged to.
        progress.printDue(elapsedNanos);
      }
    }
  }

  /** The live line, once a second: what the last second brought, by server. */
  private static final class Progress {
    private final ClientKind kind;
    private final RunResult result;
    private final AtomicReference<Phase> phase;
    private final PrintStream out;
    private int printed;
    private int blue;
    private int green;
    private int errors;

    Progress(ClientKind kind, RunResult result, AtomicReference<Phase> phase, PrintStream out) {
      this.kind = kind;
      this.result = result;
      this.phase = phase;
      this.out = out;
    }

    void printDue(long elapsedNanos) {
      int second = (int) TimeUnit.NANOSECONDS.toSeconds(elapsedNanos);
      if (second <= printed) {
        return;
      }
      printed = second;
      int nowBlue = result.count(Outcome.BLUE);
      int nowGreen = result.count(Outcome.GREEN);
      int nowErrors = result.errors();
      out.printf(Locale.ROOT, "  [%-18s] %3ds  %-17s  blue %5d/s  green %5d/s  errors %5d/s%n",
          kind.label(), second, phase.get().label, nowBlue - blue, nowGreen - green,
          nowErrors - errors);
      out.flush();
      blue = nowBlue;
      green = nowGreen;
      errors = nowErrors;
    }
  }
}
