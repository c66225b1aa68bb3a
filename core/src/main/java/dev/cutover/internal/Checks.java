package dev.cutover.internal;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * Argument checks for the public builders, so every setter fails the same way: an {@link
 * IllegalArgumentException} whose message starts with the setter's name, then says what is
 * expected and what was given. Public only so that the OkHttp module's builder can use it too.
 * Stateless.
 */
public final class Checks {
  /**
   * The longest duration any setting takes: ten years. Settings are kept in nanoseconds and
   * added to clock readings; a duration near {@link Duration}'s own range would overflow into
   * an exception or a negative wait, so it is refused instead, naming the setter.
   */
  public static final Duration MAX_DURATION = Duration.ofDays(3650);

  private Checks() {}

  /** Returns value if it is a positive duration, at most {@link #MAX_DURATION}. */
  public static Duration positive(String name, Duration value) {
    return positive(name, value, MAX_DURATION);
  }

  /** Returns value if it is a positive duration, at most max. */
  public static Duration positive(String name, Duration value, Duration max) {
    if (value == null || value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + ": expected a positive duration, got " + value);
    }
    return atMost(name, value, max);
  }

  /**
   * Returns value if it is zero or a positive duration (zero usually meaning "off"), at most
   * {@link #MAX_DURATION}.
   */
  public static Duration nonNegative(String name, Duration value) {
    if (value == null || value.isNegative()) {
      throw new IllegalArgumentException(
          name + ": expected zero or a positive duration, got " + value);
    }
    return atMost(name, value, MAX_DURATION);
  }

  private static Duration atMost(String name, Duration value, Duration max) {
    if (value.compareTo(max) > 0) {
      throw new IllegalArgumentException(name + ": expected at most " + describe(max)
          + ", got " + value);
    }
    return value;
  }

  /** A bound as people say it: "1 day", "3650 days", "1 hour", else the ISO form. */
  private static String describe(Duration bound) {
    if (bound.equals(Duration.ofDays(bound.toDays()))) {
      return bound.toDays() + (bound.toDays() == 1 ? " day" : " days");
    }
    if (bound.equals(Duration.ofHours(bound.toHours()))) {
      return bound.toHours() + (bound.toHours() == 1 ? " hour" : " hours");
    }
    return bound.toString();
  }

  /** Returns value if it is in [min, max]. */
  public static int inRange(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + ": expected " + min + " to " + max + ", got " + value);
    }
    return value;
  }

  /** Returns value if it is min or more. */
  public static int atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + ": expected "
          + (min == 0 ? "zero or more" : "at least " + min) + ", got " + value);
    }
    return value;
  }

  /** Returns value if it is a share, 0 to 1 (NaN is not). */
  public static double fraction(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(name + ": expected 0 to 1, got " + value);
    }
    return value;
  }

  /** Returns the servers as an immutable list if every one is an IP address with a usable port. */
  public static List<InetSocketAddress> nameServers(InetSocketAddress... servers) {
    if (servers == null || servers.length == 0) {
      throw new IllegalArgumentException(
          "nameServers: expected at least one name server address, got none");
    }
    List<InetSocketAddress> checked = new ArrayList<>(servers.length);
    for (InetSocketAddress server : servers) {
      if (server == null) {
        throw new IllegalArgumentException("nameServers: null in the list of name servers");
      }
      if (server.isUnresolved() || server.getAddress() == null) {
        throw new IllegalArgumentException("nameServers: " + server + " is unresolved;"
            + " give the name server as an IP address, e.g. new InetSocketAddress(\"10.0.0.2\","
            + " 53)");
      }
      if (server.getPort() < 1 || server.getPort() > 65535) {
        throw new IllegalArgumentException("nameServers: port " + server.getPort() + " of "
            + server + " is out of range; expected 1 to 65535 (53 for standard DNS)");
      }
      checked.add(server);
    }
    return List.copyOf(checked);
  }

  /** Returns the domains as absolute DNS names if every one is a valid domain name. */
  public static List<Name> searchDomains(String... domains) {
    Objects.requireNonNull(domains, "domains");
    List<Name> names = new ArrayList<>(domains.length);
    for (String domain : domains) {
      if (domain == null || domain.isBlank()) {
        throw new IllegalArgumentException(
            "searchDomains: expected a domain name such as example.com, got '" + domain + "'");
      }
      try {
        names.add(Name.fromString(domain, Name.root));
      } catch (TextParseException e) {
        throw new IllegalArgumentException(
            "searchDomains: '" + domain + "' is not a valid domain name: " + e.getMessage(), e);
      }
    }
    return List.copyOf(names);
  }
}
