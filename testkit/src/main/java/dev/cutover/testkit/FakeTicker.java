package dev.cutover.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock for tests that moves only when told to, so time-based behaviour (TTLs, back-off, idle
 * expiry) is tested without sleeping.
 *
 * <p>Pass it to a resolver as a method reference: {@code
 * CutoverResolver.builder().ticker(fakeTicker::read)}. This kit deliberately does not depend on
 * Cutover's core, so it can test any client.
 *
 * <p>Thread-safe: reads and advances may come from any thread.
 */
public final class FakeTicker {
  private final AtomicLong nanos = new AtomicLong();

  /** Creates a ticker reading zero. */
  public FakeTicker() {}

  /**
   * Returns the current reading.
   *
   * @return nanoseconds since this ticker was created, plus every advance
   */
  public long read() {
    return nanos.get();
  }

  /**
   * Moves time forward.
   *
   * @param duration how far; zero or positive
   * @return this ticker
   * @throws IllegalArgumentException if duration is negative
   */
  public FakeTicker advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException(
          "duration: time only moves forward, got " + duration);
    }
    nanos.addAndGet(duration.toNanos());
    return this;
  }
}
