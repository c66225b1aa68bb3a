package dev.cutover.internal;

import dev.cutover.QueryOutcome;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.Ticker;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Resolves one host name to addresses: hosts file first, then DNS over the configured name
 * servers, following the search list, CNAME chains, and both address families as configured.
 *
 * <p>Queries are sent with dnsjava's {@code SimpleResolver.sendAsync} (see {@link NameServers})
 * rather than its {@code ExtendedResolver} or {@code LookupSession}: we need the TTL of every
 * CNAME along the chain (LookupSession hides them) and a bound on the whole resolution that a
 * dead first server cannot eat (ExtendedResolver gives each server the full timeout).
 * Thread-safe.
 */
final class DnsClient {
  private static final int MAX_CNAME_HOPS = 8;
  /**
   * How long the other address family is waited for once one has answered, on top of a fifth of
   * the time the first took: the "resolution delay" of RFC 8305 (Happy Eyeballs v2), so that the
   * AAAA answer that comes a moment after the A answer on a healthy network is not lost.
   */
  static final long FAMILY_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final NameServers servers;
  private final List<Name> searchPath;
  private final int ndots;
  private final ResolvedAddressTypes types;
  private final HostsFile hostsFile;
  private final Executor executor;
  private final ScheduledExecutorService timer;
  /** Records read from an answer, per family, and addresses kept per name. */
  private final int maxAddresses;

  /**
   * @param settings the settings, system defaults filled in
   * @param maxAddresses how many addresses a name keeps at most
   * @param ticker the time source, for how often the hosts file is checked for changes
   * @param executor runs the completion of every query, and reads the hosts file
   * @param timer schedules hedged sends and deadlines
   */
  DnsClient(DnsSettings settings, int maxAddresses, Ticker ticker, Executor executor,
      ScheduledExecutorService timer) {
    this.maxAddresses = maxAddresses;
    this.timer = timer;
    this.executor = executor;
    this.servers =
        new NameServers(settings.nameServers(), settings.queryTimeout(),
            settings.maxQueriesInFlight(), executor, timer);
    this.searchPath = List.copyOf(settings.searchPath());
    this.ndots = settings.ndots();
    this.types = settings.addressTypes();
    Path hosts = settings.hostsFile();
    this.hostsFile = hosts != null ? new HostsFile(hosts, ticker) : null;
  }

  /** The longest a {@link #resolve} can take: one query time-out per name tried, chained. */
  long worstCaseNanos() {
    try {
      return Math.multiplyExact(servers.timeoutNanos(),
          (long) (searchPath.size() + 1) * (MAX_CNAME_HOPS / 4 + 1));
    } catch (ArithmeticException overflow) {
      return Long.MAX_VALUE / 4; // a search list so long that the bound is "forever"
    }
  }

  /**
   * Resolves host (already validated and lower case). The future never completes exceptionally.
   *
   * @param candidate which search-list candidate answered for host last time (see {@link
   *     Resolution#candidate()}), asked first and alone; -1 to walk the search list
   */
  CompletableFuture<Resolution> resolve(String host, int candidate) {
    if (hostsFile == null) {
      return resolveDns(host, candidate);
    }
    // The hosts file is read on the executor, never on the caller's thread: track() and
    // refreshes promise not to block, and reading a file can.
    return CompletableFuture.supplyAsync(() -> fromHostsFile(host), executor)
        .thenCompose(fromHosts -> fromHosts != null
            ? CompletableFuture.completedFuture(fromHosts) : resolveDns(host, candidate));
  }

  private CompletableFuture<Resolution> resolveDns(String host, int candidate) {
    List<Name> candidates;
    try {
      candidates = candidates(host, searchPath, ndots);
    } catch (TextParseException e) {
      return CompletableFuture.completedFuture(
          Resolution.negative(QueryOutcome.NXDOMAIN, "not a valid DNS name: " + e.getMessage()));
    }
    CompletableFuture<Resolution> result = new CompletableFuture<>();
    if (candidate < 0 || candidate >= candidates.size() || candidates.size() < 2) {
      tryCandidate(host, candidates, 0, -1, null, null, result);
      return result;
    }
    // The name that answered last time is asked alone: with ndots:5 and three search domains, an
    // external name would otherwise cost eight queries per refresh instead of two. Only if it no
    // longer exists are the others tried, in their usual order; if it cannot be asked, that is a
    // failure like any other (the last answer is served stale).
    resolveName(host, candidates.get(candidate)).whenComplete((resolution, error) -> {
      Resolution r = error != null ? Resolution.failure(describe(error), error) : resolution;
      if (r.outcome() == QueryOutcome.SUCCESS) {
        result.complete(r.answeredBy(candidate));
      } else if (r.outcome() == QueryOutcome.FAILURE) {
        result.complete(r);
      } else {
        tryCandidate(host, candidates, 0, candidate, r, null, result);
      }
    });
    return result;
  }

  private Resolution fromHostsFile(String host) {
    InetAddress[] found;
    try {
      found = hostsFile.addresses(host);
    } catch (RuntimeException e) {
      // A broken hosts file must not stop DNS from answering.
      return null;
    }
    if (found == null) {
      return null;
    }
    List<InetAddress> v4 = new ArrayList<>(found.length);
    List<InetAddress> v6 = new ArrayList<>(found.length);
    for (InetAddress address : found) {
      if (address instanceof Inet4Address ? types.includesIpv4() : types.includesIpv6()) {
        (address instanceof Inet4Address ? v4 : v6).add(withHost(host, address));
      }
    }
    List<InetAddress> ordered = order(v4, v6);
    return ordered.isEmpty() ? null : Resolution.success(ordered, 0);
  }

  private static InetAddress withHost(String host, InetAddress address) {
    try {
      return InetAddress.getByAddress(host, address.getAddress());
    } catch (UnknownHostException impossible) {
      throw new AssertionError(impossible);
    }
  }

  /** The names to try, in order, as a stub resolver with resolv.conf semantics would. */
  static List<Name> candidates(String host, List<Name> searchPath, int ndots)
      throws TextParseException {
    if (host.endsWith(".")) {
      return List.of(Name.fromString(host));
    }
    Name relative = Name.fromString(host);
    Name absolute = Name.fromString(host, Name.root);
    List<Name> searched = new ArrayList<>();
    for (Name domain : searchPath) {
      try {
        searched.add(Name.concatenate(relative, domain));
      } catch (org.xbill.DNS.NameTooLongException tooLong) {
        // That search domain cannot apply to a name this long; the others still can.
      }
    }
    long dots = host.chars().filter(c -> c == '.').count();
    List<Name> result = new ArrayList<>(searched.size() + 1);
    if (dots >= ndots) {
      result.add(absolute);
      result.addAll(searched);
    } else {
      result.addAll(searched);
      result.add(absolute);
    }
    return result;
  }

  /**
   * Tries the candidates from index on, in order, skipping the one at {@code skip} (asked
   * already), until one answers with addresses.
   */
  private void tryCandidate(
      String host, List<Name> candidates, int index, int skip, Resolution negative,
      Resolution failure, CompletableFuture<Resolution> result) {
    if (index == skip) {
      index++;
    }
    if (index >= candidates.size()) {
      // An answer under one search domain and a failure under another: the failure wins, because
      // the name might exist where we could not ask.
      result.complete(failure != null ? failure : negative);
      return;
    }
    int current = index;
    resolveName(host, candidates.get(current)).whenComplete((resolution, error) -> {
      Resolution r = error != null ? Resolution.failure(describe(error), error) : resolution;
      if (r.outcome() == QueryOutcome.SUCCESS) {
        // Remembered only where there is a choice, and within what an entry keeps (a byte).
        boolean remember = candidates.size() > 1 && current <= Byte.MAX_VALUE;
        result.complete(remember ? r.answeredBy(current) : r);
      } else if (r.outcome() == QueryOutcome.FAILURE) {
        tryCandidate(host, candidates, current + 1, skip, negative,
            failure != null ? failure : r, result);
      } else {
        Resolution keep = negative == null || r.outcome() == QueryOutcome.NO_DATA ? r : negative;
        tryCandidate(host, candidates, current + 1, skip, keep, failure, result);
      }
    });
  }

  /** Resolves one fully qualified name for every configured family, in parallel. */
  private CompletableFuture<Resolution> resolveName(String host, Name name) {
    if (!types.includesIpv6()) {
      return queryChain(name, Type.A, 0, new AtomicReference<>())
          .thenApply(a -> combine(host, name, a, TypeAnswer.ABSENT));
    }
    if (!types.includesIpv4()) {
      return queryChain(name, Type.AAAA, 0, new AtomicReference<>())
          .thenApply(aaaa -> combine(host, name, TypeAnswer.ABSENT, aaaa));
    }
    return new BothFamilies(host, name).start();
  }

  /**
   * The A and AAAA queries of one name, sent together. Once one has answered with addresses,
   * the other is waited for a fifth of the time the first took plus {@link #FAMILY_GRACE_NANOS}
   * more at most, then given up as failed: a family that a middlebox drops must not make every
   * lookup wait for the query time-out when the other family has answered long before.
   */
  private final class BothFamilies {
    private final String host;
    private final Name name;
    private final long started = System.nanoTime();
    private final CompletableFuture<Resolution> result = new CompletableFuture<>();
    /** The send in flight for each family, so that a family given up stops sending. */
    private final AtomicReference<CompletableFuture<?>> aSend = new AtomicReference<>();
    private final AtomicReference<CompletableFuture<?>> aaaaSend = new AtomicReference<>();
    // Guarded by this.
    private TypeAnswer a;
    private TypeAnswer aaaa;
    private ScheduledFuture<?> grace;

    BothFamilies(String host, Name name) {
      this.host = host;
      this.name = name;
    }

    CompletableFuture<Resolution> start() {
      queryChain(name, Type.A, 0, aSend).whenComplete((answer, error) ->
          arrived(Type.A, error != null ? TypeAnswer.failure(describe(error), error) : answer));
      queryChain(name, Type.AAAA, 0, aaaaSend).whenComplete((answer, error) ->
          arrived(Type.AAAA, error != null ? TypeAnswer.failure(describe(error), error) : answer));
      return result;
    }

    private void arrived(int type, TypeAnswer answer) {
      boolean both;
      boolean startGrace = false;
      long waited = 0;
      synchronized (this) {
        if (type == Type.A ? a != null : aaaa != null) {
          return; // already given up
        }
        if (type == Type.A) {
          a = answer;
        } else {
          aaaa = answer;
        }
        both = a != null && aaaa != null;
        if (!both && answer.outcome() == QueryOutcome.SUCCESS) {
          waited = System.nanoTime() - started;
          startGrace = true;
        }
      }
      if (both) {
        finish();
      } else if (startGrace) {
        long answeredAfter = waited;
        int other = type == Type.A ? Type.AAAA : Type.A;
        try {
          ScheduledFuture<?> timer = DnsClient.this.timer.schedule(
              () -> giveUp(other, type, answeredAfter), answeredAfter / 5 + FAMILY_GRACE_NANOS,
              TimeUnit.NANOSECONDS);
          synchronized (this) {
            grace = timer;
          }
        } catch (RejectedExecutionException closed) {
          giveUp(other, type, answeredAfter);
        }
      }
    }

    private void giveUp(int type, int answeredType, long answeredAfterNanos) {
      String detail = "no " + Type.string(type) + " answer within "
          + TimeUnit.NANOSECONDS.toMillis(answeredAfterNanos / 5 + FAMILY_GRACE_NANOS)
          + " ms of the " + Type.string(answeredType) + " answer, which came after "
          + TimeUnit.NANOSECONDS.toMillis(answeredAfterNanos) + " ms";
      TypeAnswer failure = TypeAnswer.failure(detail, new SocketTimeoutException(detail));
      synchronized (this) {
        if (type == Type.A ? a != null : aaaa != null) {
          return; // it answered meanwhile
        }
        if (type == Type.A) {
          a = failure;
        } else {
          aaaa = failure;
        }
      }
      // Outside the lock: cancelling runs the send's own clean-up, which takes its lock.
      CompletableFuture<?> send = (type == Type.A ? aSend : aaaaSend).get();
      if (send != null) {
        send.cancel(false);
      }
      finish();
    }

    private void finish() {
      TypeAnswer answerA;
      TypeAnswer answerAaaa;
      ScheduledFuture<?> timer;
      synchronized (this) {
        answerA = a;
        answerAaaa = aaaa;
        timer = grace;
      }
      if (timer != null) {
        timer.cancel(false);
      }
      try {
        result.complete(combine(host, name, answerA, answerAaaa));
      } catch (RuntimeException bug) {
        result.completeExceptionally(bug);
      }
    }
  }

  private Resolution combine(String host, Name name, TypeAnswer a, TypeAnswer aaaa) {
    List<InetAddress> v4 = toAddresses(host, a);
    List<InetAddress> v6 = toAddresses(host, aaaa);
    List<InetAddress> ordered = order(v4, v6);
    if (!ordered.isEmpty()) {
      long ttl = Math.min(a.records().isEmpty() ? Long.MAX_VALUE : a.ttlSeconds(),
          aaaa.records().isEmpty() ? Long.MAX_VALUE : aaaa.ttlSeconds());
      // One family answered and the other failed: the answer is used, and the failed family is
      // marked so that its addresses are not taken for removed (see Transitions).
      TypeAnswer failed = a.outcome() == QueryOutcome.FAILURE ? a
          : aaaa.outcome() == QueryOutcome.FAILURE ? aaaa : null;
      if (failed != null) {
        return Resolution.partial(ordered, ttl, failed == a ? Type.A : Type.AAAA,
            failed.detail(), failed.cause());
      }
      return Resolution.success(ordered, ttl);
    }
    // Nothing answered: a failure of either family fails the name, since the addresses might be
    // in the family that could not be asked.
    for (TypeAnswer answer : List.of(a, aaaa)) {
      if (answer.outcome() == QueryOutcome.FAILURE) {
        return Resolution.failure(answer.detail(), answer.cause());
      }
    }
    boolean nxdomain = (a == TypeAnswer.ABSENT || a.outcome() == QueryOutcome.NXDOMAIN)
        && (aaaa == TypeAnswer.ABSENT || aaaa.outcome() == QueryOutcome.NXDOMAIN);
    String families = types == ResolvedAddressTypes.IPV4_ONLY ? "A"
        : types == ResolvedAddressTypes.IPV6_ONLY ? "AAAA" : "A or AAAA";
    return nxdomain
        ? Resolution.negative(QueryOutcome.NXDOMAIN, "DNS says " + name + " does not exist (NXDOMAIN)")
        : Resolution.negative(
            QueryOutcome.NO_DATA, "DNS has no " + families + " record for " + name + " (NODATA)");
  }

  /** The preferred family first; beyond maxAddresses, the rest is dropped. */
  private List<InetAddress> order(List<InetAddress> v4, List<InetAddress> v6) {
    List<InetAddress> first = types == ResolvedAddressTypes.IPV6_PREFERRED ? v6 : v4;
    List<InetAddress> second = first == v4 ? v6 : v4;
    List<InetAddress> ordered =
        new ArrayList<>(Math.min(maxAddresses, first.size() + second.size()));
    for (List<InetAddress> family : List.of(first, second)) {
      for (InetAddress address : family) {
        if (ordered.size() == maxAddresses) {
          return ordered;
        }
        ordered.add(address);
      }
    }
    return ordered;
  }

  private static List<InetAddress> toAddresses(String host, TypeAnswer answer) {
    List<InetAddress> addresses = new ArrayList<>(answer.records().size());
    for (Record record : answer.records()) {
      try {
        InetAddress address = InetAddress.getByAddress(host, record.rdataToWireCanonical());
        if (!addresses.contains(address)) {
          addresses.add(address);
        }
      } catch (UnknownHostException wrongLength) {
        // A record whose data is not 4 or 16 bytes is corrupt; the others are still good.
      }
    }
    return addresses;
  }

  /**
   * Queries one name and type, and follows CNAMEs the server did not chase for us.
   *
   * @param send set to each send as it starts, so that the caller can cancel the one in flight
   */
  private CompletableFuture<TypeAnswer> queryChain(Name name, int type, int hops,
      AtomicReference<CompletableFuture<?>> send) {
    Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
    CompletableFuture<Message> sent = servers.send(query);
    send.set(sent);
    return sent.handle((response, error) -> {
      if (error != null) {
        return CompletableFuture.completedFuture(TypeAnswer.failure(describe(error), error));
      }
      if (response.getRcode() == Rcode.NXDOMAIN) {
        return CompletableFuture.completedFuture(TypeAnswer.negative(QueryOutcome.NXDOMAIN));
      }
      Name current = name;
      long minTtl = Long.MAX_VALUE;
      int localHops = hops;
      List<Record> answer = response.getSection(Section.ANSWER);
      while (true) {
        List<Record> matches = new ArrayList<>();
        CNAMERecord alias = null;
        for (Record record : answer) {
          if (record.getName().equals(current)) {
            if (record.getType() == type) {
              // A huge answer (thousands of records, from a hostile or broken server) is read
              // no further than a name can keep: nothing beyond the cap is ever copied.
              if (matches.size() < maxAddresses) {
                matches.add(record);
              }
            } else if (record.getType() == Type.CNAME) {
              alias = (CNAMERecord) record;
            }
          }
        }
        if (!matches.isEmpty()) {
          for (Record match : matches) {
            minTtl = Math.min(minTtl, match.getTTL());
          }
          return CompletableFuture.completedFuture(TypeAnswer.success(matches, minTtl));
        }
        if (alias == null) {
          break;
        }
        if (++localHops > MAX_CNAME_HOPS) {
          return CompletableFuture.completedFuture(TypeAnswer.failure(
              "CNAME chain from " + name + " is longer than " + MAX_CNAME_HOPS + " hops", null));
        }
        minTtl = Math.min(minTtl, alias.getTTL());
        current = alias.getTarget();
      }
      if (current.equals(name)) {
        return CompletableFuture.completedFuture(TypeAnswer.negative(QueryOutcome.NO_DATA));
      }
      // The chain left the server's data (another zone): ask for the target, keep the minimum.
      long chainTtl = minTtl;
      return queryChain(current, type, localHops, send)
          .thenApply(rest -> rest.outcome() == QueryOutcome.SUCCESS
              ? TypeAnswer.success(rest.records(), Math.min(chainTtl, rest.ttlSeconds())) : rest);
    }).thenCompose(f -> f);
  }

  static Throwable unwrap(Throwable error) {
    Throwable current = error;
    while ((current instanceof java.util.concurrent.CompletionException
        || current instanceof java.util.concurrent.ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  static String describe(Throwable error) {
    Throwable cause = unwrap(error);
    String message = cause.getMessage();
    return message == null || message.isBlank()
        ? cause.getClass().getSimpleName() : message;
  }
}
