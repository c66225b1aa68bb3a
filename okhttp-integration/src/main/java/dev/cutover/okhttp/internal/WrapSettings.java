package dev.cutover.okhttp.internal;

import dev.cutover.Ticker;
import dev.cutover.okhttp.CutoverListener;
import java.time.Clock;
import java.util.List;

/**
 * Everything {@code CutoverOkHttp.Builder} was told, validated, handed whole to {@link
 * ClientWiring}. The resolver is not in it: it is a shared service with its own life, not a
 * setting. Immutable.
 *
 * @param retry when and how calls are retried
 * @param drain how connections are retired
 * @param listeners the user's listeners, in the order added
 * @param ticker the time source for back-off, deadlines, quarantine, budget and connection age
 * @param wallClock the clock HTTP-date {@code Retry-After} values are measured against
 * @param sleeper how the wait between attempts is spent
 * @param evidenceWait the longest a failed attempt waits for the DNS answer it asked for
 */
public record WrapSettings(
    RetrySettings retry,
    DrainSettings drain,
    List<CutoverListener> listeners,
    Ticker ticker,
    Clock wallClock,
    Sleeper sleeper,
    java.time.Duration evidenceWait) {

  public WrapSettings {
    listeners = List.copyOf(listeners);
  }
}
