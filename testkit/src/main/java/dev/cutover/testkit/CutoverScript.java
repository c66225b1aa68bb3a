package dev.cutover.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A cutover as operators run one, written as a script that {@link CutoverRun} plays: the servers
 * behind one DNS name, the name's first answer, and timed steps (DNS changes, a server answering
 * 503 or going away, a DNS outage). Times are offsets from the start of the load. Steps at 0 ms
 * are carried out before the load starts, just after the first answer is set, so that a script
 * can start with an answer that rotates or a server that sheds load.
 *
 * <p>Besides cutovers, a script can play what is not one (the noise a client must not take for a
 * cutover): a pool answering a few of its servers per query ({@link Step#rotating}), a weighted
 * record ({@link Step#weighted}), a server shedding load with some 503s ({@link
 * Step#unavailableShare}). The first two need a {@link DnsServer} that can answer so, such as
 * {@link EmbeddedDnsServer}; BIND 9 answers a name's whole record set every time.
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
    DNS_UP,
    /**
     * The name answers a random few of the step's servers per query from now on, as a large pool
     * does (see {@link DnsServer#setRotating}); the step's one amount is how many per answer.
     */
    ROTATING,
    /**
     * The name answers one of the step's servers per query from now on, drawn by weight, as a
     * weighted record does (see {@link DnsServer#setWeighted}); the step's amounts are the
     * servers' weights, in order.
     */
    WEIGHTED,
    /**
     * The step's server answers 503 to a random share of requests from now on, as an overloaded
     * server shedding load does (see {@link BackendServer#unavailableShare}); the step's one
     * amount is that share.
     */
    UNAVAILABLE_SHARE
  }

  /**
   * One timed step.
   *
   * @param atMillis when, in milliseconds from the start of the load
   * @param action what
   * @param servers for {@link Action#DNS}, the servers the name answers from now on; for {@link
   *     Action#ROTATING} and {@link Action#WEIGHTED}, those it draws from; for {@link
   *     Action#UNAVAILABLE}, {@link Action#UNAVAILABLE_SHARE} and {@link Action#GONE}, the one
   *     server acted on; else none
   * @param amounts for {@link Action#ROTATING}, how many servers each answer holds; for {@link
   *     Action#WEIGHTED}, each server's weight, in the order of {@code servers}; for {@link
   *     Action#UNAVAILABLE_SHARE}, the share of requests answered 503; else none
   */
  public record Step(long atMillis, Action action, List<String> servers, List<Double> amounts) {
    /**
     * Checks the components.
     *
     * @param atMillis when
     * @param action what
     * @param servers which servers
     * @param amounts how much
     * @throws IllegalArgumentException if {@code atMillis} is negative, an argument is null, or
     *     the servers or amounts do not suit the action
     */
    public Step {
      if (atMillis < 0 || action == null || servers == null || amounts == null
          || servers.stream().anyMatch(Objects::isNull)
          || amounts.stream().anyMatch(Objects::isNull)) {
        throw new IllegalArgumentException("atMillis must not be negative, action, servers and"
            + " amounts not null, got " + atMillis + ", " + action + ", " + servers + ", "
            + amounts);
      }
      servers = List.copyOf(servers);
      amounts = List.copyOf(amounts);
      checkServers(action, servers);
      checkAmounts(action, servers, amounts);
    }

    /**
     * A step with no amounts: any action but {@link Action#ROTATING}, {@link Action#WEIGHTED}
     * and {@link Action#UNAVAILABLE_SHARE}.
     *
     * @param atMillis when
     * @param action what
     * @param servers which servers
     * @throws IllegalArgumentException as the canonical constructor does
     */
    public Step(long atMillis, Action action, List<String> servers) {
      this(atMillis, action, servers, List.of());
    }

    private static void checkServers(Action action, List<String> servers) {
      switch (action) {
        case DNS:
          return;
        case ROTATING:
        case WEIGHTED:
          if (servers.isEmpty() || servers.size() != Set.copyOf(servers).size()) {
            throw new IllegalArgumentException(action + " takes one or more distinct servers, got "
                + servers);
          }
          return;
        case UNAVAILABLE:
        case UNAVAILABLE_SHARE:
        case GONE:
          if (servers.size() != 1) {
            throw new IllegalArgumentException(action + " takes 1 server, got " + servers);
          }
          return;
        default:
          if (!servers.isEmpty()) {
            throw new IllegalArgumentException(action + " takes no server, got " + servers);
          }
      }
    }

    private static void checkAmounts(Action action, List<String> servers, List<Double> amounts) {
      switch (action) {
        case ROTATING: {
          double perAnswer = amounts.size() == 1 ? amounts.get(0) : 0;
          if (perAnswer != Math.rint(perAnswer) || perAnswer < 1 || perAnswer > servers.size()) {
            throw new IllegalArgumentException("ROTATING takes one amount, the servers per"
                + " answer: a whole number from 1 to " + servers.size() + ", got " + amounts);
          }
          return;
        }
        case WEIGHTED: {
          double sum = 0;
          for (double weight : amounts) {
            if (!(weight >= 0) || Double.isInfinite(weight)) {
              sum = Double.NaN;
              break;
            }
            sum += weight;
          }
          if (amounts.size() != servers.size() || !(sum > 0)) {
            throw new IllegalArgumentException("WEIGHTED takes one weight per server, finite, zero"
                + " or more and not all zero, got " + amounts + " for " + servers);
          }
          return;
        }
        case UNAVAILABLE_SHARE: {
          double share = amounts.size() == 1 ? amounts.get(0) : Double.NaN;
          if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException("UNAVAILABLE_SHARE takes one amount, the share of"
                + " requests answered 503, from 0 to 1, got " + amounts);
          }
          return;
        }
        default:
          if (!amounts.isEmpty()) {
            throw new IllegalArgumentException(action + " takes no amounts, got " + amounts);
          }
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
     * The name answers {@code perAnswer} of these servers per query from {@code atMillis} on,
     * drawn at random: a pool such as S3's, whose every answer differs and none means a server
     * left.
     *
     * @param atMillis when
     * @param perAnswer how many servers each answer holds, 1 to their number
     * @param servers the pool
     * @return the step
     */
    public static Step rotating(long atMillis, int perAnswer, String... servers) {
      return new Step(atMillis, Action.ROTATING, List.of(servers), List.of((double) perAnswer));
    }

    /**
     * The name answers one of these servers per query from {@code atMillis} on, drawn by weight:
     * a weighted record (Route 53 weighted routing, one record set per query).
     *
     * @param atMillis when
     * @param servers the servers, one record set each
     * @param weights each server's weight, in the same order; relative, such as 90 and 10
     * @return the step
     */
    public static Step weighted(long atMillis, List<String> servers, List<Double> weights) {
      return new Step(atMillis, Action.WEIGHTED, servers, weights);
    }

    /**
     * A server answers 503 to a random share of requests from {@code atMillis} on, 200 to the
     * rest: a healthy server shedding load, which DNS goes on naming.
     *
     * @param atMillis when
     * @param server the server
     * @param share the share answered 503, from 0 to 1
     * @return the step
     */
    public static Step unavailableShare(long atMillis, String server, double share) {
      return new Step(atMillis, Action.UNAVAILABLE_SHARE, List.of(server), List.of(share));
    }

    /**
     * Returns the servers that may appear in the name's answers after this step.
     *
     * @return for {@link Action#DNS} and {@link Action#ROTATING}, its servers; for {@link
     *     Action#WEIGHTED}, those of weight above zero
     * @throws IllegalStateException if the step does not set the name's answers
     */
    public List<String> answerable() {
      switch (action) {
        case DNS:
        case ROTATING:
          return servers;
        case WEIGHTED: {
          List<String> named = new ArrayList<>();
          for (int i = 0; i < servers.size(); i++) {
            if (amounts.get(i) > 0) {
              named.add(servers.get(i));
            }
          }
          return List.copyOf(named);
        }
        default:
          throw new IllegalStateException(action + " does not set the name's answers");
      }
    }

    /**
     * Tells whether this step sets the name's answers.
     *
     * @return true for {@link Action#DNS}, {@link Action#ROTATING} and {@link Action#WEIGHTED}
     */
    public boolean setsAnswers() {
      return action == Action.DNS || action == Action.ROTATING || action == Action.WEIGHTED;
    }

    /**
     * Describes the step in a few words, for charts.
     *
     * @return such as {@code DNS [green]}, {@code blue 503}, {@code DNS 1 of [a, b, c, d]},
     *     {@code DNS blue 90 / green 10} or {@code blue 6% 503}
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
        case ROTATING:
          return "DNS " + amount(amounts.get(0)) + " of " + servers;
        case WEIGHTED: {
          StringBuilder label = new StringBuilder("DNS");
          for (int i = 0; i < servers.size(); i++) {
            label.append(i == 0 ? " " : " / ").append(servers.get(i)).append(' ')
                .append(amount(amounts.get(i)));
          }
          return label.toString();
        }
        case UNAVAILABLE_SHARE:
          return servers.get(0) + " " + amount(Math.round(amounts.get(0) * 10_000) / 100.0) + "% 503";
        default:
          throw new AssertionError(action);
      }
    }
  }

  /** A number as a report writes it: whole numbers without a fraction. */
  private static String amount(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? String.valueOf((long) value)
        : String.valueOf(value);
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
