package dev.cutover.internal;

import dev.cutover.QueryOutcome;
import dev.cutover.ResolvedAddressTypes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.hosts.HostsFileParser;

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

  private final NameServers servers;
  private final List<Name> searchPath;
  private final int ndots;
  private final ResolvedAddressTypes types;
  private final HostsFileParser hostsFile;
  /** Records read from an answer, per family, and addresses kept per name. */
  private final int maxAddresses;

  /**
   * @param settings the settings, system defaults filled in
   * @param maxAddresses how many addresses a name keeps at most
   * @param executor runs the completion of every query
   * @param timer schedules hedged sends and deadlines
   */
  DnsClient(DnsSettings settings, int maxAddresses, Executor executor,
      ScheduledExecutorService timer) {
    this.maxAddresses = maxAddresses;
    this.servers =
        new NameServers(settings.nameServers(), settings.queryTimeout(), executor, timer);
    this.searchPath = List.copyOf(settings.searchPath());
    this.ndots = settings.ndots();
    this.types = settings.addressTypes();
    Path hosts = settings.hostsFile();
    this.hostsFile =
        hosts != null && Files.isReadable(hosts) ? new HostsFileParser(hosts, false) : null;
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

  /** Resolves host (already validated and lower case). The future never completes exceptionally. */
  CompletableFuture<Resolution> resolve(String host) {
    Resolution fromHosts = fromHostsFile(host);
    if (fromHosts != null) {
      return CompletableFuture.completedFuture(fromHosts);
    }
    List<Name> candidates;
    try {
      candidates = candidates(host, searchPath, ndots);
    } catch (TextParseException e) {
      return CompletableFuture.completedFuture(
          Resolution.negative(QueryOutcome.NXDOMAIN, "not a valid DNS name: " + e.getMessage()));
    }
    CompletableFuture<Resolution> result = new CompletableFuture<>();
    tryCandidate(host, candidates, 0, null, null, result);
    return result;
  }

  private Resolution fromHostsFile(String host) {
    if (hostsFile == null) {
      return null;
    }
    try {
      Name name = Name.fromString(host, Name.root);
      List<InetAddress> v4 = new ArrayList<>(1);
      List<InetAddress> v6 = new ArrayList<>(1);
      if (types.includesIpv4()) {
        hostsFile.getAddressForHost(name, Type.A).ifPresent(a -> v4.add(withHost(host, a)));
      }
      if (types.includesIpv6()) {
        hostsFile.getAddressForHost(name, Type.AAAA).ifPresent(a -> v6.add(withHost(host, a)));
      }
      List<InetAddress> ordered = order(v4, v6);
      return ordered.isEmpty() ? null : Resolution.success(ordered, 0);
    } catch (IOException | RuntimeException e) {
      // An unreadable hosts file must not stop DNS from answering.
      return null;
    }
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

  private void tryCandidate(
      String host, List<Name> candidates, int index, Resolution negative, Resolution failure,
      CompletableFuture<Resolution> result) {
    if (index == candidates.size()) {
      // An answer under one search domain and a failure under another: the failure wins, because
      // the name might exist where we could not ask.
      result.complete(failure != null ? failure : negative);
      return;
    }
    resolveName(host, candidates.get(index)).whenComplete((resolution, error) -> {
      Resolution r = error != null ? Resolution.failure(describe(error), error) : resolution;
      if (r.outcome() == QueryOutcome.SUCCESS) {
        result.complete(r);
      } else if (r.outcome() == QueryOutcome.FAILURE) {
        tryCandidate(host, candidates, index + 1, negative, failure != null ? failure : r, result);
      } else {
        Resolution keep = negative == null || r.outcome() == QueryOutcome.NO_DATA ? r : negative;
        tryCandidate(host, candidates, index + 1, keep, failure, result);
      }
    });
  }

  /** Resolves one fully qualified name for every configured family, in parallel. */
  private CompletableFuture<Resolution> resolveName(String host, Name name) {
    CompletableFuture<TypeAnswer> v4 = types.includesIpv4()
        ? queryChain(name, Type.A, 0) : CompletableFuture.completedFuture(TypeAnswer.ABSENT);
    CompletableFuture<TypeAnswer> v6 = types.includesIpv6()
        ? queryChain(name, Type.AAAA, 0) : CompletableFuture.completedFuture(TypeAnswer.ABSENT);
    return v4.thenCombine(v6, (a, aaaa) -> combine(host, name, a, aaaa));
  }

  private Resolution combine(String host, Name name, TypeAnswer a, TypeAnswer aaaa) {
    // A failed family fails the whole name: answering with only the other family would look
    // like the failed family's addresses had been removed, and trigger a needless drain.
    for (TypeAnswer answer : List.of(a, aaaa)) {
      if (answer.outcome() == QueryOutcome.FAILURE) {
        return Resolution.failure(answer.detail(), answer.cause());
      }
    }
    List<InetAddress> v4 = toAddresses(host, a);
    List<InetAddress> v6 = toAddresses(host, aaaa);
    List<InetAddress> ordered = order(v4, v6);
    if (!ordered.isEmpty()) {
      long ttl = Math.min(a.records().isEmpty() ? Long.MAX_VALUE : a.ttlSeconds(),
          aaaa.records().isEmpty() ? Long.MAX_VALUE : aaaa.ttlSeconds());
      return Resolution.success(ordered, ttl);
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

  /** Queries one name and type, and follows CNAMEs the server did not chase for us. */
  private CompletableFuture<TypeAnswer> queryChain(Name name, int type, int hops) {
    Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
    return servers.send(query).handle((response, error) -> {
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
      return queryChain(current, type, localHops)
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
