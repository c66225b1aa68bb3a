package dev.cutover.okhttp.internal;

import dev.cutover.CutoverResolver;

/**
 * The resolver of every client wrapped without one: one per process, made at the first such wrap
 * and never closed, so that wrapping per tenant, per test or per request costs no thread. A
 * resolver is meant to be shared (see {@link CutoverResolver}); this one is shared by default.
 *
 * <p>Not the holder idiom: if the first attempt fails (no name server in the system's
 * configuration, say), that wrap throws and the next one tries again, rather than every later
 * wrap failing with a {@code NoClassDefFoundError}. Thread-safe.
 */
public final class DefaultResolver {
  private static volatile CutoverResolver instance;

  private DefaultResolver() {}

  /**
   * The process's default resolver, made now if this is the first call.
   *
   * @throws IllegalStateException if the system's DNS configuration names no name server
   */
  public static CutoverResolver get() {
    CutoverResolver resolver = instance;
    if (resolver == null) {
      synchronized (DefaultResolver.class) {
        resolver = instance;
        if (resolver == null) {
          resolver = CutoverResolver.builder().build();
          instance = resolver;
        }
      }
    }
    return resolver;
  }
}
