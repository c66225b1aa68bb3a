package dev.cutover.e2e;

import dev.cutover.testkit.CutoverScript;
import dev.cutover.testkit.CutoverScript.Server;
import dev.cutover.testkit.CutoverScript.Step;
import java.time.Duration;
import java.util.List;

/**
 * The cutovers operators actually run, and the noise that is not one, each as a {@link
 * CutoverScript} of timed steps against a real DNS server and real servers. Times are offsets from
 * the start of the load; the record TTL is {@link #TTL}.
 *
 * <p>The five cutovers run against real BIND 9. BIND answers a name's addresses in ascending order
 * (see {@code Bind9Server}) and OkHttp connects to the first address it is given, so every script
 * knows which server a new connection reaches: the lowest address in the answer. Every window in
 * which a removed server must no longer be answering is at least {@link
 * EndToEndFigures#MIN_WINDOW_MICROS} long, while that server still listens and the load still
 * runs, so that a client that did not follow would be seen.
 *
 * <p>The three that are not cutovers (issue #11) need answers BIND cannot give (a different
 * address per query, one record set per query by weight) and run against the kit's {@code
 * EmbeddedDnsServer}, except load shedding, whose DNS does not change.
 */
enum EndToEndScenario {
  FLIP_503_GONE(
      "DNS flip; later blue answers 503; later blue is gone",
      Dns.BIND, Shape.STEADY,
      List.of(server("blue", "127.0.0.2"), server("green", "127.0.0.3")),
      List.of("blue"),
      Duration.ofMillis(7500),
      List.of(
          Step.dns(1500, "green"),
          Step.unavailable(4500, "blue"),
          Step.gone(6000, "blue"))),

  // Blue's window runs from 2 s after the flip to the flip back, green's from 2 s after the flip
  // back to green's end: 2 s each, with green answering 503 through it.
  ROLLBACK(
      "DNS flip; green goes bad (503) as DNS flips back to blue; later green is gone",
      Dns.BIND, Shape.STEADY,
      List.of(server("blue", "127.0.0.2"), server("green", "127.0.0.3")),
      List.of("blue"),
      Duration.ofMillis(10500),
      List.of(
          Step.dns(1500, "green"),
          Step.dns(5500, "blue"),
          Step.unavailable(5500, "green"),
          Step.gone(9500, "green"))),

  WEIGHTED(
      "weighted shift: both addresses in the answer, then only green; later blue is gone",
      Dns.BIND, Shape.STEADY,
      List.of(server("blue", "127.0.0.2"), server("green", "127.0.0.3")),
      List.of("blue"),
      Duration.ofMillis(8500),
      List.of(
          Step.dns(1500, "blue", "green"),
          Step.dns(3500, "green"),
          Step.unavailable(6500, "blue"),
          Step.gone(7500, "blue"))),

  // c has the lowest address, so plain OkHttp (which takes the first address) starts on it and
  // the first rotation removes it. The wrapped client's resolver spreads its connections over a,
  // b and c: both rotations then remove some and keep others.
  PARTIAL_ROTATION(
      "balancer rotates {a,b,c} to {a,b,d} (c is gone later), then {a,b,d} to {a,d,e}",
      Dns.BIND, Shape.STEADY,
      List.of(server("c", "127.0.0.2"), server("a", "127.0.0.3"), server("b", "127.0.0.4"),
          server("d", "127.0.0.5"), server("e", "127.0.0.6")),
      List.of("a", "b", "c"),
      Duration.ofMillis(10000),
      List.of(
          Step.dns(1500, "a", "b", "d"),
          Step.gone(5500, "c"),
          Step.dns(6000, "a", "d", "e"))),

  // DNS stops right as it takes the flip, so the clients learn of it only when DNS is back: the
  // outage tests a client whose every refresh fails (it must go on, at the rate it had, on its
  // last good answer) and that then follows a change it could not see before, at its first retry
  // once DNS is back (see EndToEndFigures.hiddenGraceMicros). The flip comes at 3 s, so that the
  // rate before it is measured over 2 s of warm load. BIND takes up to a few seconds to start
  // again on a loaded machine: blue's window still lasts 1.5 s if that takes 3 s.
  DNS_OUTAGE(
      "DNS flip, and BIND stops at once; BIND comes back; later blue answers 503, then is gone",
      Dns.BIND, Shape.STEADY,
      List.of(server("blue", "127.0.0.2"), server("green", "127.0.0.3")),
      List.of("blue"),
      Duration.ofMillis(16000),
      List.of(
          Step.dns(3000, "green"),
          Step.dnsDown(3000),
          Step.dnsUp(4500),
          Step.unavailable(12000, "blue"),
          Step.gone(15000, "blue"))),

  // Not a cutover: S3-like, one healthy server of four per answer. The callers start one by one,
  // so connections are made over the whole run, each after a lookup, as a service warming up.
  ROTATING_POOL(
      "not a cutover: 4 healthy servers, DNS answers one at random per query",
      Dns.EMBEDDED, Shape.RAMPED,
      List.of(server("s1", "127.0.0.2"), server("s2", "127.0.0.3"), server("s3", "127.0.0.4"),
          server("s4", "127.0.0.5")),
      List.of("s1", "s2", "s3", "s4"),
      Duration.ofMillis(14000),
      List.of(Step.rotating(0, 1, "s1", "s2", "s3", "s4"))),

  // Not a cutover: a healthy, overloaded server answering some 503s while DNS goes on naming it.
  // Callers at the usual 10 ms pace: back to back, a request here takes about 2 ms and each 503
  // retried after back-off (up to 100 ms, the default) costs far more than that, so a caller
  // completes half of plain OkHttp's requests (0.4 to 0.97 seen): the back-off at work, not a
  // cost of the client. At a service's pace the retries cost nothing that shows.
  LOAD_SHEDDING(
      "not a cutover: one server, DNS unchanged, about 6% of requests answered 503",
      Dns.BIND, Shape.STEADY,
      List.of(server("blue", "127.0.0.2")),
      List.of("blue"),
      Duration.ofMillis(10000),
      List.of(Step.unavailableShare(0, "blue", 0.06))),

  // Route 53 weighted routing, one record set per query: the shift itself is noise (blue still
  // works while it is drawn less and less); only the end of it removes blue, which the wrapped
  // client must then leave within DRAWN_GRACE_MICROS. 3 s a step: about three answers each at a
  // 1 s TTL. Blue goes 10.5 s after 0/100.
  WEIGHTED_SHIFT(
      "weighted record, one answer per query: 100/0, 90/10, 50/50, 10/90, 0/100; later blue is"
          + " gone",
      Dns.EMBEDDED, Shape.STEADY,
      List.of(server("blue", "127.0.0.2"), server("green", "127.0.0.3")),
      List.of("blue"),
      Duration.ofMillis(23000),
      List.of(
          weights(0, 100, 0),
          weights(2000, 90, 10),
          weights(5000, 50, 50),
          weights(8000, 10, 90),
          weights(11000, 0, 100),
          Step.gone(21500, "blue")));

  /** The TTL of every record; with the resolver's default bounds it is also the effective TTL. */
  static final Duration TTL = Duration.ofSeconds(1);

  /** Which DNS server a scenario needs. */
  enum Dns {
    /** Real BIND 9, taking RFC 2136 updates: whatever a record can express. */
    BIND,
    /** The kit's in-process server: answers drawn per query, which BIND cannot give. */
    EMBEDDED
  }

  /** The load: how many callers, how they pace and when they start. */
  enum Shape {
    /** 32 callers from the start, each pausing 10 ms between GETs. */
    STEADY(32, Duration.ofMillis(10), Duration.ZERO),
    /**
     * 32 callers, one more every 375 ms (the last starts at 11.6 s), back to back: connections
     * are made over the run, not all on the first answer.
     */
    RAMPED(32, Duration.ZERO, Duration.ofMillis(375));

    final int callers;
    final Duration thinkTime;
    final Duration rampInterval;

    Shape(int callers, Duration thinkTime, Duration rampInterval) {
      this.callers = callers;
      this.thinkTime = thinkTime;
      this.rampInterval = rampInterval;
    }

    /** The load in a few words, for reports. */
    String describe() {
      return callers + " callers" + (rampInterval.isZero() ? ""
          : ", one more every " + rampInterval.toMillis() + " ms")
          + (thinkTime.isZero() ? ", back to back"
          : ", each pausing " + thinkTime.toMillis() + " ms between GETs");
    }
  }

  final String description;
  final Dns dns;
  final Shape shape;
  final CutoverScript script;

  EndToEndScenario(String description, Dns dns, Shape shape, List<Server> servers,
      List<String> initialAnswer, Duration duration, List<Step> steps) {
    this.description = description;
    this.dns = dns;
    this.shape = shape;
    this.script = new CutoverScript(description, servers, initialAnswer, duration, steps);
  }

  /** Whether this scenario is one of the five cutovers, not noise (issue #11). */
  boolean isCutover() {
    return ordinal() <= DNS_OUTAGE.ordinal();
  }

  private static Server server(String name, String ip) {
    return new Server(name, ip);
  }

  private static Step weights(long atMillis, double blue, double green) {
    return Step.weighted(atMillis, List.of("blue", "green"), List.of(blue, green));
  }
}
