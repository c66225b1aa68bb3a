package dev.cutover.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

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

  /** Stops the server for good and frees what it holds. Calling it again does nothing. */
  @Override
  void close();
}
