package dev.cutover.okhttp.internal;

import dev.cutover.CutoverResolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import okhttp3.Dns;

/**
 * OkHttp's {@link Dns}, answered by the {@link CutoverResolver}: cached, TTL-honouring, never the
 * JVM's cache. One instance per wrapped client, because OkHttp compares Dns instances when it
 * decides whether a pooled connection may be reused.
 */
final class ResolverDns implements Dns {
  private final CutoverResolver resolver;
  private final Quarantine quarantine;

  ResolverDns(CutoverResolver resolver, Quarantine quarantine) {
    this.resolver = resolver;
    this.quarantine = quarantine;
  }

  /**
   * Looks the host up. A closed resolver is an {@link UnknownHostException} here, the exception
   * OkHttp expects of a {@code Dns} and reports as the call's failure; an {@link
   * IllegalStateException} would escape OkHttp's handling of I/O failures (and, for an enqueued
   * call, reach the dispatcher thread's uncaught-exception handler instead of the callback).
   */
  @Override
  public List<InetAddress> lookup(String hostname) throws UnknownHostException {
    List<InetAddress> addresses;
    try {
      addresses = resolver.lookup(hostname);
    } catch (IllegalStateException closed) {
      UnknownHostException failure = new UnknownHostException(hostname
          + ": the CutoverResolver of this client was closed (" + closed.getMessage() + ")");
      failure.initCause(closed);
      throw failure;
    }
    return quarantine.reorder(hostname, addresses);
  }

  @Override
  public String toString() {
    return "CutoverDns";
  }
}
