package dev.cutover;

/**
 * A source of monotonic time in nanoseconds, used for every TTL, back-off and idle decision so
 * that tests can move time forward instead of sleeping.
 *
 * <p>Only differences between two readings are meaningful; the origin is arbitrary, as with
 * {@link System#nanoTime()}.
 *
 * <p>Implementations must be thread-safe and cheap: the resolver reads the ticker on every
 * lookup.
 */
@FunctionalInterface
public interface Ticker {

  /**
   * Returns the current reading of this ticker.
   *
   * @return nanoseconds since an arbitrary, fixed origin
   */
  long read();

  /**
   * Returns the ticker backed by {@link System#nanoTime()}.
   *
   * @return the system ticker
   */
  static Ticker systemTicker() {
    return System::nanoTime;
  }
}
