package dev.cutover.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import okhttp3.Dns;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * An OkHttp {@link Dns} that behaves as {@code InetAddress} does by default, for the "plain
 * OkHttp" side of a comparison: the first answer for a name is kept for a fixed time whatever the
 * record's TTL ({@code networkaddress.cache.ttl}, 30 s on most JVMs), and once it has expired
 * while the DNS server does not answer, lookups fail with an {@link UnknownHostException} (the JDK
 * serves no stale answers unless {@code networkaddress.cache.stale.ttl} is set). Failed lookups
 * are not cached.
 *
 * <p>It asks one DNS server directly, A then AAAA (IPv4 first, as the JDK does by default), since
 * the JVM's own resolver does not know a test's names.
 *
 * <p>Thread-safe. Lookups are serialized, so a lookup that finds the answer expired holds up the
 * others until the server has answered, as the JDK's cache does for one name.
 */
public final class JvmCachingDns implements Dns {
  /** How long one query may take; the JDK's resolver gives up after a few seconds too. */
  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(2);

  private final InetSocketAddress server;
  private final long cacheNanos;
  private final LongSupplier nanoClock;
  private final Map<String, Cached> cache = new HashMap<>();

  private record Cached(List<InetAddress> addresses, long expiresAt) {}

  /**
   * Creates one on the system's monotonic clock.
   *
   * @param server the DNS server to ask
   * @param cacheTtl how long an answer is kept, whatever its TTL; zero keeps none
   * @throws IllegalArgumentException if an argument is null or {@code cacheTtl} is negative
   */
  public JvmCachingDns(InetSocketAddress server, Duration cacheTtl) {
    this(server, cacheTtl, System::nanoTime);
  }

  /**
   * Creates one on the given clock, so that tests can expire the cache without waiting.
   *
   * @param server the DNS server to ask
   * @param cacheTtl how long an answer is kept, whatever its TTL; zero keeps none
   * @param nanoClock the time in nanoseconds, such as {@code fakeTicker::read}
   * @throws IllegalArgumentException if an argument is null or {@code cacheTtl} is negative
   */
  public JvmCachingDns(InetSocketAddress server, Duration cacheTtl, LongSupplier nanoClock) {
    if (server == null || cacheTtl == null || nanoClock == null) {
      throw new IllegalArgumentException("server, cacheTtl and nanoClock must not be null, got "
          + server + ", " + cacheTtl + ", " + nanoClock);
    }
    if (cacheTtl.isNegative()) {
      throw new IllegalArgumentException("cacheTtl must not be negative, got " + cacheTtl);
    }
    this.server = server;
    this.cacheNanos = cacheTtl.toNanos();
    this.nanoClock = nanoClock;
  }

  /**
   * Returns the cached answer while it is fresh, else asks the server.
   *
   * @param hostname the name to look up
   * @return the addresses, IPv4 first
   * @throws UnknownHostException if the answer expired and the server does not answer, or the
   *     name has no address
   */
  @Override
  public synchronized List<InetAddress> lookup(String hostname) throws UnknownHostException {
    Objects.requireNonNull(hostname, "hostname");
    long now = nanoClock.getAsLong();
    Cached cached = cache.get(hostname);
    if (cached != null && cached.expiresAt() - now > 0) {
      return cached.addresses();
    }
    List<InetAddress> addresses = query(hostname);
    cache.put(hostname, new Cached(addresses, now + cacheNanos));
    return addresses;
  }

  private List<InetAddress> query(String hostname) throws UnknownHostException {
    Name name;
    try {
      name = Name.fromString(hostname.endsWith(".") ? hostname : hostname + ".");
    } catch (TextParseException e) {
      throw unknown(hostname, "not a valid name", e);
    }
    SimpleResolver resolver = new SimpleResolver(server);
    resolver.setTimeout(QUERY_TIMEOUT);
    List<InetAddress> addresses = new ArrayList<>();
    int rcode = Rcode.NOERROR;
    for (int type : new int[] {Type.A, Type.AAAA}) {
      Message answer;
      try {
        answer = resolver.send(Message.newQuery(
            org.xbill.DNS.Record.newRecord(name, type, DClass.IN)));
      } catch (IOException e) {
        throw unknown(hostname, e.toString(), e);
      }
      // Qualified: inside an okhttp3.Dns, OkHttp 5's nested Dns.Record would shadow it.
      for (org.xbill.DNS.Record record : answer.getSection(Section.ANSWER)) {
        if (record instanceof ARecord) {
          addresses.add(InetAddress.getByAddress(hostname,
              ((ARecord) record).getAddress().getAddress()));
        } else if (record instanceof AAAARecord) {
          addresses.add(InetAddress.getByAddress(hostname,
              ((AAAARecord) record).getAddress().getAddress()));
        }
      }
      if (answer.getRcode() != Rcode.NOERROR) {
        rcode = answer.getRcode();
        break;
      }
    }
    if (rcode != Rcode.NOERROR || addresses.isEmpty()) {
      throw new UnknownHostException(hostname + ": " + Rcode.string(rcode));
    }
    return List.copyOf(addresses);
  }

  private static UnknownHostException unknown(String hostname, String why, Exception cause) {
    UnknownHostException failure = new UnknownHostException(hostname + ": " + why);
    failure.initCause(cause);
    return failure;
  }

  /**
   * Describes it, for test failure messages.
   *
   * @return the server and the cache time
   */
  @Override
  public String toString() {
    return "JvmCachingDns[" + server + ", cache " + Duration.ofNanos(cacheNanos) + "]";
  }
}
