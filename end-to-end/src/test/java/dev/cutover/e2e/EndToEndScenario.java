package dev.cutover.e2e;

import dev.cutover.testkit.CutoverScript;
import dev.cutover.testkit.CutoverScript.Server;
import dev.cutover.testkit.CutoverScript.Step;
import java.time.Duration;
import java.util.List;

/**
 * The cutovers operators actually run, each as a {@link CutoverScript} of timed steps against
 * real BIND 9 and real servers. Times are offsets from the start of the load; the record TTL is
 * {@link #TTL}.
 *
 * <p>BIND answers a name's addresses in ascending order (see {@code Bind9Server}) and OkHttp
 * connects to the first address it is given, so every script knows which server a new connection
 * reaches: the lowest address in the answer.
 */
enum EndToEndScenario {
  FLIP_503_GONE(
      "DNS flip; later blue answers 503; later blue is gone",
      List.of(server("blue", "127.0.0.2"), server("green", "127.0.0.3")),
      List.of("blue"),
      Duration.ofMillis(7500),
      List.of(
          Step.dns(1500, "green"),
          Step.unavailable(4500, "blue"),
          Step.gone(6000, "blue"))),

  ROLLBACK(
      "DNS flip; green goes bad (503) as DNS flips back to blue; later green is gone",
      List.of(server("blue", "127.0.0.2"), server("green", "127.0.0.3")),
      List.of("blue"),
      Duration.ofMillis(7500),
      List.of(
          Step.dns(1500, "green"),
          Step.dns(4000, "blue"),
          Step.unavailable(4000, "green"),
          Step.gone(6000, "green"))),

  WEIGHTED(
      "weighted shift: both addresses in the answer, then only green; later blue is gone",
      List.of(server("blue", "127.0.0.2"), server("green", "127.0.0.3")),
      List.of("blue"),
      Duration.ofMillis(8000),
      List.of(
          Step.dns(1500, "blue", "green"),
          Step.dns(3500, "green"),
          Step.unavailable(5500, "blue"),
          Step.gone(6500, "blue"))),

  // c has the lowest address, so plain OkHttp (which takes the first address) starts on it and
  // the first rotation removes it. The wrapped client's resolver rotates the answer, so its
  // connections spread over a, b and c: both rotations then remove some and keep others.
  PARTIAL_ROTATION(
      "balancer rotates {a,b,c} to {a,b,d} (c is gone later), then {a,b,d} to {a,d,e}",
      List.of(server("c", "127.0.0.2"), server("a", "127.0.0.3"), server("b", "127.0.0.4"),
          server("d", "127.0.0.5"), server("e", "127.0.0.6")),
      List.of("a", "b", "c"),
      Duration.ofMillis(7000),
      List.of(
          Step.dns(1500, "a", "b", "d"),
          Step.gone(4000, "c"),
          Step.dns(5000, "a", "d", "e"))),

  DNS_OUTAGE(
      "DNS flip; BIND stops; blue answers 503, then is gone; BIND comes back",
      List.of(server("blue", "127.0.0.2"), server("green", "127.0.0.3")),
      List.of("blue"),
      Duration.ofMillis(9000),
      List.of(
          Step.dns(1500, "green"),
          // Well past TTL + 1 s, so the stop tests the outage, not a race with the refresh.
          Step.dnsDown(4000),
          Step.unavailable(5000, "blue"),
          Step.gone(6000, "blue"),
          Step.dnsUp(7500)));

  /** The TTL of every record; with the resolver's default bounds it is also the effective TTL. */
  static final Duration TTL = Duration.ofSeconds(1);

  final CutoverScript script;

  EndToEndScenario(String description, List<Server> servers, List<String> initialAnswer,
      Duration duration, List<Step> steps) {
    this.script = new CutoverScript(description, servers, initialAnswer, duration, steps);
  }

  private static Server server(String name, String ip) {
    return new Server(name, ip);
  }
}
