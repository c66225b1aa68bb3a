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

  @Override
  public List<InetAddress> lookup(String hostname) throws UnknownHostException {
    return quarantine.reorder(hostname, resolver.lookup(hostname));
  }

  @Override
  public String toString() {
    return "CutoverDns";
  }
}
