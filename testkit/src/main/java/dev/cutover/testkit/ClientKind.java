package dev.cutover.testkit;

import java.time.Duration;

/**
 * The clients a cutover is played against, side by side: what an application has by default,
 * what teams usually add after their first cutover outage, and the client wrapped by a library
 * that handles cutovers. {@link CutoverRun} builds the first two itself and takes the third from
 * the caller.
 *
 * <p>Thread-safe: immutable.
 */
public enum ClientKind {
  /** Plain OkHttp with the JVM's usual DNS caching: answers kept for 30 s. */
  PLAIN("plain OkHttp", "JVM-style DNS cache of 30 s, the JVM's usual default",
      Duration.ofSeconds(30)),

  /**
   * The usual recipe: the JVM's DNS cache lowered to 5 s and, on a 503, every pooled connection
   * evicted and the request retried once.
   */
  RECIPE("usual recipe", "JVM DNS cache lowered to 5 s (filled by the first request, so it"
      + " expires about 5 s into the run); on a 503, evictAll() and retry once",
      Duration.ofSeconds(5)),

  /** The same client wrapped by the library under test, which resolves names itself. */
  WRAPPED("CutoverOkHttp.wrap", "the same client wrapped, resolver on its defaults", null);

  private final String label;
  private final String setup;
  private final Duration jvmCacheTtl;

  ClientKind(String label, String setup, Duration jvmCacheTtl) {
    this.label = label;
    this.setup = setup;
    this.jvmCacheTtl = jvmCacheTtl;
  }

  /**
   * Returns a short name for tables and charts.
   *
   * @return the label, such as {@code plain OkHttp}
   */
  public String label() {
    return label;
  }

  /**
   * Returns how this client is set up, in a sentence for reports.
   *
   * @return the description
   */
  public String setup() {
    return setup;
  }

  /**
   * Returns how long this client's DNS answers are kept, as the JVM keeps them.
   *
   * @return the cache time; null for {@link #WRAPPED}, whose resolver follows each record's TTL
   */
  public Duration jvmCacheTtl() {
    return jvmCacheTtl;
  }
}
