package dev.cutover.jvm;

import dev.cutover.CutoverResolver;
import dev.cutover.testkit.Poll;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Runs in a child JVM for {@link CutoverJvmResolverTest}: carries out its arguments in order, each
 * a step, and prints one line per step for the test to check.
 *
 * <ul>
 *   <li>{@code status}: prints {@code status=<Status>};
 *   <li>{@code install=IP:PORT}: installs a resolver asking that name server; prints {@code
 *       install=<Status>};
 *   <li>{@code lookup=NAME}: {@code InetAddress.getAllByName}; prints {@code lookup NAME=IP,IP}
 *       or {@code lookup NAME failed: <message>};
 *   <li>{@code follow=NAME}: prints {@code first NAME=IPS}, then looks the name up until its
 *       addresses change (30 s at most) and prints {@code then NAME=IPS after N ms};
 *   <li>{@code active}: prints {@code active=none}, {@code active=installed} (the resolver this
 *       probe installed) or {@code active=IP:PORT,...} (the name servers of another).
 * </ul>
 */
public final class JvmResolverProbe {
  private static CutoverResolver installed;

  private JvmResolverProbe() {}

  /**
   * Entry point.
   *
   * @param args the steps
   * @throws Exception on any failure, which fails the parent test
   */
  public static void main(String[] args) throws Exception {
    for (String step : args) {
      String[] parts = step.split("=", 2);
      switch (parts[0]) {
        case "status" -> System.out.println("status=" + CutoverJvmResolver.status());
        case "install" -> install(parts[1]);
        case "lookup" -> System.out.println("lookup " + parts[1] + lookup(parts[1]));
        case "follow" -> follow(parts[1]);
        case "active" -> System.out.println("active=" + active());
        default -> throw new IllegalArgumentException("unknown step: " + step);
      }
    }
  }

  private static void install(String server) {
    int colon = server.lastIndexOf(':');
    installed = CutoverResolver.builder()
        .nameServers(new InetSocketAddress(server.substring(0, colon),
            Integer.parseInt(server.substring(colon + 1))))
        .hostsFile(null)
        .build();
    System.out.println("install=" + CutoverJvmResolver.install(installed));
  }

  private static String lookup(String name) {
    try {
      return "=" + addresses(name);
    } catch (UnknownHostException e) {
      return " failed: " + e.getMessage();
    }
  }

  private static void follow(String name) throws UnknownHostException {
    String first = addresses(name);
    System.out.println("first " + name + "=" + first);
    long started = System.nanoTime();
    String[] now = {first};
    Poll.until(Duration.ofSeconds(30), "new addresses for " + name + " (still " + first + ")",
        () -> {
          try {
            now[0] = addresses(name);
          } catch (UnknownHostException e) {
            throw new AssertionError(e);
          }
          return !now[0].equals(first);
        });
    System.out.println("then " + name + "=" + now[0] + " after "
        + (System.nanoTime() - started) / 1_000_000 + " ms");
  }

  private static String addresses(String name) throws UnknownHostException {
    return Arrays.stream(InetAddress.getAllByName(name))
        .map(InetAddress::getHostAddress)
        .collect(Collectors.joining(","));
  }

  private static String active() {
    Optional<CutoverResolver> active = CutoverJvmResolver.active();
    if (active.isEmpty()) {
      return "none";
    }
    if (active.get() == installed) {
      return "installed";
    }
    return active.get().nameServers().stream()
        .map(server -> server.getAddress().getHostAddress() + ":" + server.getPort())
        .collect(Collectors.joining(","));
  }
}
