package dev.cutover.testkit;

import java.time.Duration;

/** Argument checks shared by the kit's builders, each naming the argument and what it must be. */
final class Checks {
  private Checks() {}

  static int atLeastOne(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be 1 or more, got " + value);
    }
    return value;
  }

  static Duration nonNegative(String name, Duration value) {
    if (value == null || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be zero or more, got " + value);
    }
    return value;
  }
}
