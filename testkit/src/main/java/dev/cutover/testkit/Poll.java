package dev.cutover.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition with a deadline, for tests where real time is unavoidable (sockets,
 * background threads): they poll instead of sleeping a fixed time, so they are as fast as the
 * machine allows and fail with a message saying what never happened.
 *
 * <p>Thread-safe: stateless.
 */
public final class Poll {
  private static final long INTERVAL_NANOS = 5_000_000L;

  private Poll() {}

  /**
   * Returns as soon as the condition holds; throws once the timeout has passed without it.
   *
   * @param timeout how long to wait at most
   * @param what what is awaited, for the failure message
   * @param condition the condition, checked every few milliseconds
   * @throws AssertionError if the condition did not hold in time, or the thread was interrupted
   */
  public static void until(Duration timeout, String what, BooleanSupplier condition) {
    Objects.requireNonNull(condition, "condition");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
      }
      LockSupport.parkNanos(INTERVAL_NANOS);
      if (Thread.currentThread().isInterrupted()) {
        throw new AssertionError("interrupted while waiting for: " + what);
      }
    }
  }
}
