package dev.cutover;


import dev.cutover.testkit.Bind9Server;
import dev.cutover.testkit.Poll;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;

/** Small shared helpers for the resolver tests. */
final class Testing {
  private Testing() {}

  /** Polls until the condition holds; fails with the message at the deadline. */
  static void await(Duration timeout, String what, BooleanSupplier condition) {
    Poll.until(timeout, what, condition);
  }

  static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  static List<InetAddress> ips(String... literals) {
    return java.util.Arrays.stream(literals).map(Testing::ip).toList();
  }

  /** The sorted literals of addresses, so assertions ignore the rotation order. */
  static List<String> literals(List<InetAddress> addresses) {
    return addresses.stream().map(InetAddress::getHostAddress).sorted().toList();
  }

  /**
   * Skips a test that needs BIND 9 on a developer machine without it, but fails under CI, where
   * .ci/run installs it: a skipped end-to-end test must never pass for a green build.
   */
  static void requireBind9() {
    Assumptions.assumeTrue(Bind9Server.availableForTests(), Bind9Server.installHint());
  }
}
