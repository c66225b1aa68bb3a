package dev.cutover.testkit;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A cutover as operators run one, written as a script that {@link CutoverRun} plays: the servers
 * behind one DNS name, the name's first answer, and timed steps (DNS changes, a server answering
 * 503 or going away, a DNS outage). Times are offsets from the start of the load.
 *
 * <pre>{@code
 * CutoverScript flip = new CutoverScript("DNS flip; later blue answers 503; later blue is gone",
 *     List.of(new Server("blue", "127.0.0.2"), new Server("green", "127.0.0.3")),
 *     List.of("blue"), Duration.ofMillis(7500),
 *     List.of(Step.dns(1500, "green"), Step.unavailable(4500, "blue"), Step.gone(6000, "blue")));
 * }</pre>
 *
 * <p>Thread-safe: immutable.
 *
 * @param description what happens, in a sentence for reports
 * @param servers the servers, each on its own address and all on one port
 * @param initialAnswer the servers the name answers at the start, by name
 * @param duration how long the load runs
 * @param steps what happens when, in time order
 */
public record CutoverScript(String description, List<Server> servers, List<String> initialAnswer,
    Duration duration, List<Step> steps) {

  /**
   * A server of the script.
   *
   * @param name its name, also its {@code X-Backend} header (see {@link BackendServer})
   * @param ip the address it listens on, such as {@code 127.0.0.2}
   */
  public record Server(String name, String ip) {
    /**
     * Checks the components.
     *
     * @param name the server's name
     * @param ip its address literal
     * @throws IllegalArgumentException if either is null or blank
     */
    public Server {
      if (name == null || name.isBlank() || ip == null || ip.isBlank()) {
        throw new IllegalArgumentException(
            "name and ip must not be null or blank, got " + name + " and " + ip);
      }
    }
  }

  /** What a step does. */
  public enum Action {
    /** The name answers the step's servers from now on. */
    DNS,
    /** The step's server answers 503 from now on. */
    UNAVAILABLE,
    /** The step's server stops listening and closes its connections. */
    GONE,
    /** The DNS server stops answering (see {@link DnsServer#down()}). */
    DNS_DOWN,
    /** The DNS server answers again (see {@link DnsServer#up()}). */
    DNS_UP
  }

  /**
   * One timed step.
   *
   * @param atMillis when, in milliseconds from the start of the load
   * @param action what
   * @param servers for {@link Action#DNS}, the servers the name answers from now on; for {@link
   *     Action#UNAVAILABLE} and {@link Action#GONE}, the one server acted on; else none
   */
  public record Step(long atMillis, Action action, List<String> servers) {
    /**
     * Checks the components.
     *
     * @param atMillis when
     * @param action what
     * @param servers which servers
     * @throws IllegalArgumentException if {@code atMillis} is negative, an argument is null, or
     *     the number of servers does not suit the action
     */
    public Step {
      if (atMillis < 0 || action == null || servers == null
          || servers.stream().anyMatch(Objects::isNull)) {
        throw new IllegalArgumentException("atMillis must not be negative, action and servers not"
            + " null, got " + atMillis + ", " + action + ", " + servers);
      }
      servers = List.copyOf(servers);
      int expected = action == Action.DNS ? -1
          : action == Action.UNAVAILABLE || action == Action.GONE ? 1 : 0;
      if (expected >= 0 && servers.size() != expected) {
        throw new IllegalArgumentException(action + " takes " + expected + " server(s), got "
            + servers);
      }
    }

    /**
     * The name answers these servers from {@code atMillis} on.
     *
     * @param atMillis when
     * @param servers the servers in the new answer, in the order DNS gives them
     * @return the step
     */
    public static Step dns(long atMillis, String... servers) {
      return new Step(atMillis, Action.DNS, List.of(servers));
    }

    /**
     * A server answers 503 from {@code atMillis} on.
     *
     * @param atMillis when
     * @param server the server
     * @return the step
     */
    public static Step unavailable(long atMillis, String server) {
      return new Step(atMillis, Action.UNAVAILABLE, List.of(server));
    }

    /**
     * A server goes away at {@code atMillis}.
     *
     * @param atMillis when
     * @param server the server
     * @return the step
     */
    public static Step gone(long atMillis, String server) {
      return new Step(atMillis, Action.GONE, List.of(server));
    }

    /**
     * The DNS server stops answering at {@code atMillis}.
     *
     * @param atMillis when
     * @return the step
     */
    public static Step dnsDown(long atMillis) {
      return new Step(atMillis, Action.DNS_DOWN, List.of());
    }

    /**
     * The DNS server answers again from {@code atMillis} on.
     *
     * @param atMillis when
     * @return the step
     */
    public static Step dnsUp(long atMillis) {
      return new Step(atMillis, Action.DNS_UP, List.of());
    }

    /**
     * Describes the step in a few words, for charts.
     *
     * @return such as {@code DNS [green]} or {@code blue 503}
     */
    public String label() {
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

  /**
   * Checks the script.
   *
   * @param description what happens
   * @param servers the servers
   * @param initialAnswer the first answer
   * @param duration how long the load runs
   * @param steps the steps
   * @throws IllegalArgumentException if anything is null, two servers share a name or an
   *     address, a step or the first answer names an unknown server, or the steps are out of
   *     order or past the duration
   */
  public CutoverScript {
    if (description == null || servers == null || servers.isEmpty()
        || servers.stream().anyMatch(Objects::isNull) || initialAnswer == null
        || duration == null || duration.isNegative() || duration.isZero() || steps == null || steps.stream().anyMatch(Objects::isNull)) {
      throw new IllegalArgumentException("description, servers (one or more), initialAnswer,"
          + " duration (more than zero) and steps must be given, got " + description + ", "
          + servers + ", " + initialAnswer + ", " + duration + ", " + steps);
    }
    servers = List.copyOf(servers);
    initialAnswer = List.copyOf(initialAnswer);
    steps = List.copyOf(steps);
    Set<String> names = new HashSet<>();
    Set<String> ips = new HashSet<>();
    for (Server server : servers) {
      if (!names.add(server.name()) || !ips.add(server.ip())) {
        throw new IllegalArgumentException("servers need distinct names and addresses, got "
            + servers);
      }
    }
    if (!names.containsAll(initialAnswer)) {
      throw new IllegalArgumentException("initialAnswer names an unknown server: "
          + initialAnswer + ", servers " + names);
    }
    long previous = 0;
    for (Step step : steps) {
      if (!names.containsAll(step.servers())) {
        throw new IllegalArgumentException("step '" + step.label() + "' names an unknown server;"
            + " servers " + names);
      }
      if (step.atMillis() < previous || step.atMillis() > duration.toMillis()) {
        throw new IllegalArgumentException("steps must be in time order within the duration ("
            + duration.toMillis() + " ms), got '" + step.label() + "' at " + step.atMillis());
      }
      previous = step.atMillis();
    }
  }

  /**
   * Returns the address literals of servers, by name, in the order given.
   *
   * @param names server names
   * @return their addresses
   * @throws IllegalArgumentException if a name is not a server of this script
   */
  public String[] ips(List<String> names) {
    String[] ips = new String[names.size()];
    for (int i = 0; i < ips.length; i++) {
      String name = names.get(i);
      ips[i] = servers.stream().filter(s -> s.name().equals(name)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no server " + name)).ip();
    }
    return ips;
  }
}
