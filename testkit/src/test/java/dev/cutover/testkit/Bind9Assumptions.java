package dev.cutover.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/** Skips BIND 9 tests where named is missing, except on CI, where a missing named is a fault. */
final class Bind9Assumptions {

  private Bind9Assumptions() {}

  static void assumeBind9Installed() {
    if (Bind9Server.isInstalled()) {
      return;
    }
    if ("true".equals(System.getenv("CI"))) {
      fail("CI must install bind9 for the BIND 9 tests: " + Bind9Server.installHint());
    }
    Assumptions.assumeTrue(false, "named not installed: apt-get install bind9");
  }
}
