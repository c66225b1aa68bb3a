package dev.cutover;

import dev.cutover.internal.CacheSettings;
import dev.cutover.internal.CachingResolver;
import dev.cutover.internal.Checks;
import dev.cutover.internal.DnsSettings;
import dev.cutover.internal.ResolverSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.xbill.DNS.Name;
import org.xbill.DNS.ResolverConfig;

/**
 * Resolves host names through DNS itself, honouring each answer's TTL, so that no JVM cache
 * stands between a DNS change and the client.
 *
 * <h2>What it does</h2>
 *
 * <ul>
 *   <li><b>TTL.</b> An answer is kept for its TTL, the smallest along a CNAME chain, clamped to
 *       [{@link Builder#minTtl minTtl}, {@link Builder#maxTtl maxTtl}] (1 s and 30 s by default).
 *   <li><b>Refresh ahead.</b> A name in use is queried again in the background when 80% of its
 *       TTL has passed, and the old answer is served until the new one arrives, so after the first
 *       lookup a caller never waits for DNS. Concurrent lookups of one name share one query. A
 *       name not looked up for {@link Builder#idleTimeout idleTimeout} is forgotten; at most
 *       {@link Builder#maxHosts maxHosts} names are tracked (least recently used goes first).
 *   <li><b>DNS down.</b> When DNS cannot be asked (time-out, SERVFAIL, REFUSED, unreachable
 *       servers), the last good answer keeps being served for up to {@link Builder#maxStale
 *       maxStale} past its TTL, with retries backing off from {@code minTtl} to {@code maxTtl};
 *       listeners hear of it through {@link ResolverListener#staleAnswerServed}. After that,
 *       lookups fail with an {@link UnknownHostException} that says why. A name with nothing to
 *       serve (its first lookups failed) is asked again by a lookup after {@code minTtl}, however
 *       long the back-off has grown, so it answers within {@code minTtl} of DNS coming back.
 *   <li><b>One family down.</b> A and AAAA are asked together and each is used on its own: when
 *       one answers and the other fails (SERVFAIL, or no answer within a fifth of the time the
 *       first took plus 50 ms, as when a middlebox drops AAAA queries), the answer is used, the
 *       failed family keeps the addresses it last had (for up to {@code maxStale}), and no
 *       address change is reported for it; listeners hear of it through {@link
 *       ResolverListener#addressFamilyFailed}.
 *   <li><b>Bounded.</b> A name keeps at most {@link Builder#maxAddresses maxAddresses}
 *       addresses (64), whatever an answer holds; at most {@link Builder#maxQueriesInFlight
 *       maxQueriesInFlight} queries (256) are out at once.
 *   <li><b>Search list.</b> As resolv.conf says: a name with at least {@link Builder#ndots
 *       ndots} dots is tried as it is first, others under the search domains first. The name
 *       that answered is remembered and asked alone on refresh; the list is walked again only if
 *       it stops existing.
 *   <li><b>The name is gone.</b> NXDOMAIN and an empty answer (NODATA) are answers, not failures:
 *       lookups fail at once with an {@link UnknownHostException} naming the host and the outcome,
 *       cached for {@link Builder#negativeTtl negativeTtl}. They are not reported as an address
 *       change, so connections already open are left alone (dropping them would turn a DNS
 *       mistake into failed requests); when the name comes back, the change is reported against
 *       the last addresses it had.
 *   <li><b>Members, not the last answer.</b> A host's addresses are learned from its answers
 *       over time (the last 64), so that a flip is told apart from noise:
 *       <ul>
 *         <li>a <em>stable</em> host (the same answer, answer after answer) that changes has
 *             flipped: an address missing from the new answer is removed at once;
 *         <li>a host whose answers <em>rotate</em> (a pool answering a different subset per
 *             query, as S3 and large balancers do, or a weighted record answering one record
 *             set per query) keeps an address missing from an answer until its absence is clear:
 *             the chance of a run of absences that long, given how often the address appeared,
 *             below 1 in 1,000; at most 64 answers; at most 8 answers when the host alternates
 *             between two answers (a weighted blue/green shift), so that the end of a shift is
 *             followed in bounded time. A failure of an address missing from the latest answer
 *             ({@link #reportFailure}) removes it at once.
 *       </ul>
 *       Every change of these <em>members</em> is reported to the {@link ResolverListener}s as an
 *       {@link AddressChange}.
 *   <li><b>Without DNS.</b> IP literals and {@code localhost} are answered without any query; the
 *       {@link Builder#hostsFile hosts file} is read before DNS, and read again when it changes.
 *   <li><b>Order.</b> See {@link ResolvedAddressTypes}: the preferred family first, and within it
 *       the members rotated at random on each lookup, each coming first as often as DNS names
 *       it, so new connections spread over all of them (evenly for a stable answer, by weight
 *       for a weighted record, over the whole pool for a rotating one).
 * </ul>
 *
 * <h2>Example</h2>
 *
 * <pre>{@code
 * CutoverResolver resolver = CutoverResolver.builder()
 *     .maxTtl(Duration.ofSeconds(10))
 *     .build();
 * List<InetAddress> addresses = resolver.lookup("api.example.com");
 * }</pre>
 *
 * <p>Thread-safety: instances are thread-safe; one resolver is meant to be shared by every
 * client in a process. It owns one daemon thread, named {@code cutover-resolver-N}, that sends
 * queries, applies their answers and reads the hosts file, and up to 8 daemon threads for
 * listeners, named {@code cutover-listeners-N}, started when events need them and ended after a
 * second idle (see {@link ResolverListener}); {@link #close()} stops them all.
 */
public final class CutoverResolver implements AutoCloseable {
  private final CachingResolver impl;

  private CutoverResolver(ResolverSettings settings) {
    this.impl = new CachingResolver(settings);
  }

  /**
   * Returns a builder with the defaults described on each setter.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the addresses of a host, from the cache when it holds a servable answer, from DNS
   * otherwise. Only the first lookup of a name (or one after a long idle period, a negative
   * answer running out, or {@code maxStale} passing) waits for DNS, at most about the query
   * time-out per search domain tried.
   *
   * @param host a host name such as {@code api.example.com} (a trailing dot means "no search
   *     domains"), or an IPv4 or IPv6 literal
   * @return the addresses, never empty; the list is immutable
   * @throws UnknownHostException if the name is malformed, does not exist (NXDOMAIN), has no
   *     address of the configured families (NODATA), or DNS failed and no answer is servable; the
   *     message names the host and says which
   * @throws IllegalArgumentException if host is null
   * @throws IllegalStateException if this resolver is closed
   */
  public List<InetAddress> lookup(String host) throws UnknownHostException {
    return impl.lookup(host);
  }

  /**
   * Asks DNS for a host again now, instead of waiting for its TTL, for example because a server
   * behind it just failed. Rate-limited per host: if a forced refresh of the host was sent less
   * than {@code minTtl} ago, or a query is already in flight, no new query is sent and the stage
   * completes with the current (or in-flight) answer. Listeners are told of any change as usual.
   *
   * @param host the host name
   * @return a stage completed with the addresses, or exceptionally with an {@link
   *     UnknownHostException} (wrapped in a {@link java.util.concurrent.CompletionException})
   * @throws IllegalArgumentException if host is null
   * @throws IllegalStateException if this resolver is closed
   */
  public CompletionStage<List<InetAddress>> refresh(String host) {
    return impl.refresh(host);
  }

  /**
   * Tells the resolver a host is still in use, so it keeps refreshing it and reporting its
   * changes even though no lookup is made: a client that reuses pooled connections does not look
   * names up, yet is exactly the client whose connections must follow a DNS change. A host not
   * tracked yet starts resolving in the background. Never blocks and never queries DNS on the
   * caller's thread; IP literals, {@code localhost} and malformed names are ignored.
   *
   * @param host the host name
   */
  public void track(String host) {
    impl.track(host);
  }

  /**
   * Tells the resolver that reaching an address of a host failed (a refused or reset connection,
   * a 503), as evidence for whether the address is still the host's. A failure alone is not: if
   * DNS still names the address, nothing changes. If the host's answers rotate and the address
   * is missing from the latest one, the failure settles it: the address is removed now, and
   * listeners hear of the change, instead of after the run of absences that would otherwise be
   * needed (see {@link #cachedAddresses}). Never blocks and never queries DNS; ask for a {@link
   * #refresh} as well to look for fresh evidence.
   *
   * @param host the host name, as passed to {@link #lookup}
   * @param address the address that failed
   */
  public void reportFailure(String host, InetAddress address) {
    impl.reportFailure(host, address);
  }

  /**
   * Returns the addresses currently cached for a host, without any DNS traffic and without
   * waiting, or an empty list if none are (never looked up, negative, failed, or forgotten).
   * Stale addresses served under {@code maxStale} are included. These are the host's
   * <em>members</em>, the set address changes are reported on: the latest answer's addresses,
   * and addresses missing from it that still count as the host's because its answers rotate
   * (a pool answering a subset per query, a weighted record answering one record set per query)
   * and their absence is not yet clear. See the class documentation.
   *
   * @param host the host name, exactly as passed to {@link #lookup}
   * @return an immutable list, possibly empty
   */
  public List<InetAddress> cachedAddresses(String host) {
    return impl.cachedAddresses(host);
  }

  /**
   * Registers a listener for address changes, query outcomes and stale answers. Listeners are
   * told apart by identity, and each is called once per event however often it was added: a
   * listener added again (by several clients that share this resolver and one metrics listener,
   * say) is counted, not called twice, and stays registered until {@link #removeListener removed}
   * as many times as it was added. The resolver holds its listeners strongly.
   *
   * @param listener the listener
   * @throws NullPointerException if listener is null
   */
  public void addListener(ResolverListener listener) {
    impl.addListener(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Undoes one {@link #addListener}: the listener is no longer called once it has been removed as
   * many times as it was added. Does nothing if it is not registered.
   *
   * @param listener the listener
   */
  public void removeListener(ResolverListener listener) {
    impl.removeListener(listener);
  }

  /**
   * Returns the name servers this resolver asks, in order.
   *
   * @return an immutable list
   */
  public List<InetSocketAddress> nameServers() {
    return impl.nameServers();
  }

  /**
   * Stops the background refresh thread and forgets every cached name. Lookups waiting for DNS
   * fail; later calls throw {@link IllegalStateException}. Idempotent.
   */
  @Override
  public void close() {
    impl.close();
  }

  /**
   * Builds a {@link CutoverResolver}. Setters validate their argument at once and throw {@link
   * IllegalArgumentException} naming the setter, the value and what is expected.
   *
   * <p>Not thread-safe; {@link #build()} may be called more than once, each call returning an
   * independent resolver.
   */
  public static final class Builder {
    /** Longer would overflow the wait for a resolution through a long search list. */
    private static final Duration MAX_QUERY_TIMEOUT = Duration.ofDays(1);

    private List<InetSocketAddress> nameServers;
    private Duration queryTimeout = Duration.ofSeconds(3);
    private Duration minTtl = Duration.ofSeconds(1);
    private Duration maxTtl = Duration.ofSeconds(30);
    private Duration negativeTtl = Duration.ofSeconds(1);
    private Duration maxStale = Duration.ofMinutes(5);
    private Duration idleTimeout = Duration.ofMinutes(10);
    private int maxHosts = 10_000;
    private int maxAddresses = 64;
    private int maxQueriesInFlight = 256;
    private List<Name> searchDomains;
    private int ndots = -1;
    private ResolvedAddressTypes resolvedAddressTypes = ResolvedAddressTypes.IPV4_PREFERRED;
    private Path hostsFile = DnsSettings.systemHostsFile();
    private Ticker ticker = Ticker.systemTicker();

    private Builder() {}

    /**
     * Sets the name servers to ask, in order of preference. Default: the system's ({@code
     * /etc/resolv.conf} and its equivalents, as dnsjava's {@link ResolverConfig} reads them).
     * Any port may be used.
     *
     * @param servers IP addresses with ports; not empty, not unresolved, port 1 to 65535
     * @return this builder
     * @throws IllegalArgumentException if the list is empty or an address is unusable
     */
    public Builder nameServers(InetSocketAddress... servers) {
      this.nameServers = Checks.nameServers(servers);
      return this;
  }

    /**
     * Sets how long one resolution may wait for a name server's answer, across all servers: the
     * query goes to the first server at once and to the next ones after an equal share of this
     * time (or at once when a server fails), and the first usable answer wins. Default 3 s.
     *
     * @param timeout a positive duration, at most 1 day
     * @return this builder
     * @throws IllegalArgumentException if timeout is null, zero, negative or longer than 1 day
     */
    public Builder queryTimeout(Duration timeout) {
      this.queryTimeout = Checks.positive("queryTimeout", timeout, MAX_QUERY_TIMEOUT);
      return this;
    }

    /**
     * Sets the shortest time an answer is kept, whatever its TTL says, and the shortest interval
     * between two forced {@link #refresh} queries for a host. Default 1 s.
     *
     * @param minTtl a positive duration, at most {@link #maxTtl} (and 3650 days)
     * @return this builder
     * @throws IllegalArgumentException if minTtl is null, zero, negative or over 3650 days
     */
    public Builder minTtl(Duration minTtl) {
      this.minTtl = Checks.positive("minTtl", minTtl);
      return this;
    }

    /**
     * Sets the longest time an answer is kept, whatever its TTL says: the bound on how long a DNS
     * change can go unseen. Default 30 s.
     *
     * @param maxTtl a positive duration, at least {@link #minTtl}, at most 3650 days
     * @return this builder
     * @throws IllegalArgumentException if maxTtl is null, zero, negative or over 3650 days
     */
    public Builder maxTtl(Duration maxTtl) {
      this.maxTtl = Checks.positive("maxTtl", maxTtl);
      return this;
    }

    /**
     * Sets how long an NXDOMAIN or empty answer is kept before DNS is asked again. Default 1 s.
     * Zero means negative answers are not cached.
     *
     * @param negativeTtl zero or a positive duration, at most 3650 days
     * @return this builder
     * @throws IllegalArgumentException if negativeTtl is null, negative or over 3650 days
     */
    public Builder negativeTtl(Duration negativeTtl) {
      this.negativeTtl = Checks.nonNegative("negativeTtl", negativeTtl);
      return this;
    }

    /**
     * Sets how long past its TTL the last good answer may be served while DNS cannot be reached.
     * Default 5 minutes. Zero disables serving stale answers.
     *
     * @param maxStale zero or a positive duration, at most 3650 days
     * @return this builder
     * @throws IllegalArgumentException if maxStale is null, negative or over 3650 days
     */
    public Builder maxStale(Duration maxStale) {
      this.maxStale = Checks.nonNegative("maxStale", maxStale);
      return this;
    }

    /**
     * Sets how long a name may go without a lookup before it stops being refreshed and is
     * forgotten. Default 10 minutes.
     *
     * @param idleTimeout a positive duration, at most 3650 days
     * @return this builder
     * @throws IllegalArgumentException if idleTimeout is null, zero, negative or over 3650 days
     */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = Checks.positive("idleTimeout", idleTimeout);
      return this;
    }

    /**
     * Sets how many names are tracked at most; when a new one arrives at the limit, the least
     * recently used is forgotten. Default 10,000.
     *
     * @param maxHosts at least 1
     * @return this builder
     * @throws IllegalArgumentException if maxHosts is less than 1
     */
    public Builder maxHosts(int maxHosts) {
      this.maxHosts = Checks.atLeast("maxHosts", maxHosts, 1);
      return this;
  }

    /**
     * Sets how many addresses a name keeps at most. An answer with more (a huge record set from a
     * misconfigured or hostile server, a name taken from untrusted input) is read no further:
     * the preferred family's first addresses are kept, in the order DNS gave them, and the rest
     * dropped before anything is copied, so that one name costs a bounded amount of memory.
     * This is also how many distinct addresses a name's members are learned over (see the class
     * documentation). Default 64, which is also the most.
     *
     * @param maxAddresses 1 to 64
     * @return this builder
     * @throws IllegalArgumentException if maxAddresses is out of range
     */
    public Builder maxAddresses(int maxAddresses) {
      this.maxAddresses = Checks.inRange("maxAddresses", maxAddresses, 1, 64);
      return this;
    }

    /**
     * Sets how many DNS queries may be out at once, across every host: each query sent over UDP
     * holds a socket of its own until its answer or its time-out, so this bounds the sockets and
     * the load a burst of first lookups, many hosts refreshing together or a long search list
     * can cause. Queries beyond it wait, in order, for one to end, within their own time-out.
     * Default 256.
     *
     * @param maxQueriesInFlight 1 to 65,535
     * @return this builder
     * @throws IllegalArgumentException if maxQueriesInFlight is out of range
     */
    public Builder maxQueriesInFlight(int maxQueriesInFlight) {
      this.maxQueriesInFlight =
          Checks.inRange("maxQueriesInFlight", maxQueriesInFlight, 1, 65_535);
      return this;
    }

    /**
     * Sets the search domains appended to names with fewer than {@link #ndots} dots. Default:
     * the system's when the system's name servers are used, none when {@link #nameServers} is
     * set.
     *
     * @param domains domain names such as {@code svc.cluster.local}; none to disable the search
     * @return this builder
     * @throws IllegalArgumentException if a domain is null or not a valid DNS name
     */
    public Builder searchDomains(String... domains) {
      this.searchDomains = Checks.searchDomains(domains);
      return this;
  }

    /**
     * Sets how many dots a name needs to be tried as absolute before the search domains. Default:
     * the system's (usually 1).
     *
     * @param ndots 0 to 15
     * @return this builder
     * @throws IllegalArgumentException if ndots is out of range
     */
    public Builder ndots(int ndots) {
      this.ndots = Checks.inRange("ndots", ndots, 0, 15);
      return this;
  }

    /**
     * Sets which address families are resolved and in which order. Default {@link
     * ResolvedAddressTypes#IPV4_PREFERRED}.
     *
     * @param types the families
     * @return this builder
     * @throws NullPointerException if types is null
     */
    public Builder resolvedAddressTypes(ResolvedAddressTypes types) {
      this.resolvedAddressTypes = Objects.requireNonNull(types, "resolvedAddressTypes");
      return this;
    }

    /**
     * Sets the hosts file read before DNS. A name it lists gets every address it gives the name
     * (in the file's order, the preferred family first), kept for {@link #minTtl}; the file is
     * read again when its modification time or size changes (checked at most twice a second),
     * and a change is reported like a DNS one. It is read on the resolver's thread, never on a
     * caller's. Lines that are not an IP address followed by names are skipped, with one warning
     * per reading. Default: the system's ({@code /etc/hosts}, or the Windows equivalent). {@code
     * null} or a missing file means no hosts file.
     *
     * @param hostsFile the file, or null
     * @return this builder
     */
    public Builder hostsFile(Path hostsFile) {
      this.hostsFile = hostsFile;
      return this;
    }

    /**
     * Sets the time source for TTLs, refreshes, back-off and idle expiry. Default {@link
     * Ticker#systemTicker()}. Tests pass a fake ticker to move time without sleeping.
     *
     * @param ticker the time source
     * @return this builder
     * @throws NullPointerException if ticker is null
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Builds the resolver and starts its background thread.
     *
     * @return a new resolver
     * @throws IllegalArgumentException if {@code minTtl} is greater than {@code maxTtl}
     * @throws IllegalStateException if no name server is set and the system lists none
     */
    public CutoverResolver build() {
      if (minTtl.compareTo(maxTtl) > 0) {
        throw new IllegalArgumentException("minTtl (" + minTtl + ") is greater than maxTtl ("
            + maxTtl + "); expected minTtl <= maxTtl");
      }
      DnsSettings dns = new DnsSettings(nameServers, queryTimeout, searchDomains, ndots,
          resolvedAddressTypes, hostsFile, maxQueriesInFlight);
      CacheSettings cache = new CacheSettings(minTtl, maxTtl, negativeTtl, maxStale, idleTimeout,
          maxHosts, maxAddresses);
      return new CutoverResolver(new ResolverSettings(dns, cache, ticker));
    }
  }
}
