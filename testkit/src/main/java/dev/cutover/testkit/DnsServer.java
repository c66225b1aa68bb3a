package dev.cutover.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An authoritative DNS server a test controls: what a name resolves to, and whether the server
 * answers at all. {@link EmbeddedDnsServer} runs in-process; {@link Bind9Server} is a real BIND 9.
 * Code that plays a cutover (see {@link CutoverRun}) works against either.
 *
 * <p>Names are case-insensitive and may be written with or without a trailing dot; each
 * implementation says which names it accepts. Implementations are thread-safe.
 */
public interface DnsServer extends AutoCloseable {

  /**
   * Returns the address and port the server listens on, for both UDP and TCP.
   *
   * @return the server's socket address
   */
  InetSocketAddress address();

  /**
   * Replaces the A and AAAA records of a name, and removes a CNAME at it.
   *
   * @param name the owner name
   * @param ttl the TTL of every record, whole seconds (fractions are dropped), from 0 to
   *     2<sup>31</sup>-1 seconds
   * @param ipLiterals IPv4 and IPv6 address literals, in any mix
   * @return this server
   * @throws IOException if the server did not take the change
   * @throws IllegalArgumentException if the name, the TTL or a literal is invalid
   */
  DnsServer setAddresses(String name, Duration ttl, String... ipLiterals) throws IOException;

  /**
   * Makes a CNAME the only record of a name.
   *
   * @param name the alias
   * @param ttl the CNAME's TTL, whole seconds (fractions are dropped), from 0 to 2<sup>31</sup>-1
   *     seconds
   * @param target the canonical name the alias points to
   * @return this server
   * @throws IOException if the server did not take the change
   * @throws IllegalArgumentException if the name, the TTL or the target is invalid
   */
  DnsServer setCname(String name, Duration ttl, String target) throws IOException;

  /**
   * Removes every record of a name, so that queries for it get NXDOMAIN.
   *
   * @param name the name
   * @return this server
   * @throws IOException if the server did not take the change
   * @throws IllegalArgumentException if the name is invalid
   */
  DnsServer remove(String name) throws IOException;

  /**
   * Starts a DNS outage: from now on no query is answered, until {@link #up()}. The records are
   * kept. How the outage looks to a client depends on the server: the embedded server reads
   * queries and never answers them (the client times out); BIND 9 is stopped (its port is
   * closed). Calling it during an outage does nothing.
   *
   * @throws IOException if the outage could not be started
   */
  void down() throws IOException;

  /**
   * Ends an outage started by {@link #down()}: queries are answered again, from the records as
   * they were before it. Returns once the server answers. Calling it when the server is up does
   * nothing.
   *
   * @throws IOException if the server could not be brought back
   */
  void up() throws IOException;

  /**
   * Makes a name answer a random few of its addresses per query, as a large pool does (S3 answers
   * one address of many per query, CloudFront and big balancers a few): every answer may differ
   * although no address left. Replaces the name's records, as {@link #setAddresses} does; a later
   * {@code setAddresses}, {@code setCname} or {@code remove} ends it. Only servers that can draw
   * an answer per query support it; by default this throws.
   *
   * @param name the owner name
   * @param ttl the TTL of every record, whole seconds (fractions are dropped)
   * @param perAnswer how many addresses each answer holds, from 1 to their number
   * @param ipLiterals the pool: IPv4 and IPv6 address literals, in any mix
   * @return this server
   * @throws IOException if the server did not take the change
   * @throws IllegalArgumentException if the name, the TTL, {@code perAnswer} or a literal is
   *     invalid
   * @throws UnsupportedOperationException if this server cannot answer so (BIND 9 answers a name's
   *     whole record set to every query)
   */
  default DnsServer setRotating(String name, Duration ttl, int perAnswer, String... ipLiterals)
      throws IOException {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot answer a"
        + " different subset of a name's addresses per query (setRotating); use an"
        + " EmbeddedDnsServer for that");
  }

  /**
   * Makes a name answer one record set per query, drawn by weight, as a weighted record does
   * (Route 53 weighted routing): a shift from blue to green is a series of weights such as 90/10,
   * 50/50, 0/100. Replaces the name's records, as {@link #setAddresses} does; a later {@code
   * setAddresses}, {@code setCname} or {@code remove} ends it. Only servers that can draw an
   * answer per query support it; by default this throws.
   *
   * @param name the owner name
   * @param ttl the TTL of every record, whole seconds (fractions are dropped)
   * @param weights each record set (IPv4 and IPv6 address literals, one or more) and its weight:
   *     relative, finite, zero or more, not all zero; a set of weight zero is never answered
   * @return this server
   * @throws IOException if the server did not take the change
   * @throws IllegalArgumentException if the name, the TTL, a weight or a literal is invalid
   * @throws UnsupportedOperationException if this server cannot answer so (BIND 9 answers a name's
   *     whole record set to every query)
   */
  default DnsServer setWeighted(String name, Duration ttl, Map<List<String>, Double> weights)
      throws IOException {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot answer one"
        + " weighted record set per query (setWeighted); use an EmbeddedDnsServer for that");
  }

  /**
   * Seeds the draws of {@link #setRotating} and {@link #setWeighted} answers, so that a run can
   * be repeated. A server that draws nothing ignores it, which is what this default does.
   *
   * @param seed the seed
   * @return this server
   */
  default DnsServer seed(long seed) {
    return this;
  }

  /** Stops the server for good and frees what it holds. Calling it again does nothing. */
  @Override
  void close();
}
