package dev.cutover.samples;

import java.time.Duration;
import java.util.List;

/**
 * The cutovers operators actually run, each as a script of timed steps against real BIND 9 and
 * real servers. Times are offsets from the start of the load; the record TTL is {@link #TTL}.
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

  /** A server of the scenario: its name (also its {@code X-Backend}) and address. */
  record Server(String name, String ip) {}

  /** What a step does. */
  enum Action {
    DNS,
    UNAVAILABLE,
    GONE,
    DNS_DOWN,
    DNS_UP
  }

  /**
   * One timed step.
   *
   * @param atMillis when, from the start of the load
   * @param action what
   * @param servers for DNS, the servers the name answers from now on; else the server acted on
   */
  record Step(long atMillis, Action action, List<String> servers) {
    static Step dns(long at, String... servers) {
      return new Step(at, Action.DNS, List.of(servers));
    }

    static Step unavailable(long at, String server) {
      return new Step(at, Action.UNAVAILABLE, List.of(server));
    }

    static Step gone(long at, String server) {
      return new Step(at, Action.GONE, List.of(server));
    }

    static Step dnsDown(long at) {
      return new Step(at, Action.DNS_DOWN, List.of());
    }

    static Step dnsUp(long at) {
      return new Step(at, Action.DNS_UP, List.of());
    }

    String label() {
      switch (action) {
        case DNS:
          return "DNS " + servers;
        case UNAVAILABLE:
          return servers.get(0) + " 503";
        case GONE:
          return servers.get(0) + " gone";
        case DNS_DOWN:
          return "DNS down";
        case DNS_UP:
          return "DNS back";
        default:
          throw new AssertionError(action);
      }
    }
  }

  final String description;
  final List<Server> servers;
  final List<String> initialAnswer;
  final Duration duration;
  final List<Step> steps;

  EndToEndScenario(String description, List<Server> servers, List<String> initialAnswer,
      Duration duration, List<Step> steps) {
    this.description = description;
    this.servers = servers;
    this.initialAnswer = initialAnswer;
    this.duration = duration;
    this.steps = steps;
  }

  private static Server server(String name, String ip) {
    return new Server(name, ip);
  }
}
