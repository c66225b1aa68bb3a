package dev.cutover.internal;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The lock and state invariants are {@code assert} statements: they must run in the tests. */
class AssertionsEnabledTest {

  @Test
  void assertStatementsRun() {
    assertThrows(AssertionError.class, () -> {
      assert false : "assertions are enabled";
    });
  }
}
