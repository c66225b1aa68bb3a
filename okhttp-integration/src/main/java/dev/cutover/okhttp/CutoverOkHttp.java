package dev.cutover.okhttp;

import dev.cutover.CutoverResolver;
import dev.cutover.Ticker;
import dev.cutover.internal.Checks;
import dev.cutover.okhttp.internal.ClientWiring;
import dev.cutover.okhttp.internal.DefaultResolver;
import dev.cutover.okhttp.internal.DrainSettings;
import dev.cutover.okhttp.internal.RetrySettings;
import dev.cutover.okhttp.internal.Sleeper;
import dev.cutover.okhttp.internal.WrapSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import okhttp3.OkHttpClient;

/**
 * Wraps an {@link OkHttpClient} so that it follows DNS cutovers.
 *
 * <pre>{@code
 * OkHttpClient client = CutoverOkHttp.wrap(existingClient);
 * }</pre>
 *
 * <p>The returned client is {@code existing.newBuilder()} with four additions, and keeps
 * everything else (time-outs, TLS and hostname verification, interceptors, network
 * interceptors, event listener factory, dispatcher, connection pool, proxy):
 *
 * <ol>
 *   <li>its {@code Dns} is the {@link CutoverResolver}: TTL-honouring, refreshed ahead, no JVM
 *       cache in between. A client whose {@code Dns} is its own (not {@code Dns.SYSTEM}) is
 *       refused unless {@link Builder#replaceDns replaceDns(true)} says to replace it;
 *   <li>an event listener (delegating every event to the user's) follows which connection goes
 *       to which address; when the resolver reports that an address left a host's answer, the
 *       connections to it take no new requests, in-flight ones finish, idle ones close (see
 *       {@link DrainMode}); connections to addresses that stayed are untouched;
 *   <li>a network interceptor reports a 503 or a broken exchange to the resolver and asks DNS
 *       again (rate-limited): a failure is a cutover only if DNS no longer names the address,
 *       and then its connections are drained like any other removed address. A 503 alone
 *       retires nothing (a healthy server sheds load with 503s), nor does a keep-alive
 *       connection the server closed; a refused connect puts its address last in DNS answers
 *       for {@link Builder#addressQuarantine a while};
 *   <li>an application interceptor, after the user's, retries such a call when it is safe (see
 *       {@link Builder#retryNonIdempotent}), within bounded attempts and a retry budget: at once
 *       on a fresh connection when the address left DNS; after jittered back-off and the
 *       server's {@code Retry-After} when DNS still names it (see {@link
 *       Builder#retryUnavailable}). Anything it does not retry is returned or thrown exactly as
 *       OkHttp produced it.
 * </ol>
 *
 * <p><b>Lifecycle.</b> Wrapping costs no thread and leaves nothing behind: a client wrapped
 * without a {@link Builder#resolver resolver} shares the process's default resolver (made at the
 * first such wrap, on the system's name servers, never closed: it lives as long as the JVM, one
 * daemon thread); what a wrapped client registers on its resolver is released once the client is
 * no longer reachable. A resolver you pass in is yours: Cutover never closes it, and closing it
 * ends DNS for every client that uses it. Wrapping a wrapped client gives a client with one layer
 * of Cutover, with the new settings, not two.
 *
 * <p><b>Derived clients.</b> A client built from a wrapped one ({@code wrapped.newBuilder()})
 * shares its Cutover. A new pool, time-outs or interceptors change nothing for it. A new event
 * listener (factory) or {@code Dns} takes part of it away: connections are still drained when
 * their address leaves DNS, but with the listener replaced Cutover cannot count the calls on a
 * connection and never closes it (in {@link DrainMode#PUBLIC_API} it takes one more request), and
 * with the {@code Dns} replaced new connections go where that {@code Dns} says. The first call
 * that shows it logs one WARNING and tells the listeners ({@link
 * CutoverListener#derivedClientChanged}). Wrapping the derived client again restores everything,
 * with the user's new listener kept inside Cutover's.
 *
 * <p>A request that may not be replayed (a POST or PATCH without the idempotency key, unless
 * {@link Builder#retryNonIdempotent}; any one-shot or duplex body) is written to the network at
 * most once per call, counting OkHttp's own re-sends ({@code retryOnConnectionFailure}, and its
 * follow-up of a 503 with {@code Retry-After: 0}): the network interceptor refuses a further
 * attempt before sending it, and the caller gets the failure or 503 of the attempt that may have
 * reached the server.
 *
 * <p>Thread-safety: this class is stateless; the clients it returns are as thread-safe as any
 * {@code OkHttpClient}. Works with OkHttp 5.x ({@code okhttp-jvm}) and 4.12.
 */
public final class CutoverOkHttp {
  private CutoverOkHttp() {}

  /**
   * Wraps a client with default settings and the process's default {@link CutoverResolver}, on
   * the system's name servers, shared by every client wrapped without a resolver and never
   * closed. For other resolver settings, or a resolver you close yourself, use {@link
   * #wrap(OkHttpClient, CutoverResolver)}.
   *
   * @param existing the client to wrap; not modified
   * @return a new client that shares the existing one's dispatcher and connection pool
   * @throws NullPointerException if existing is null
   * @throws IllegalArgumentException if existing has a {@code Dns} of its own (see {@link
   *     Builder#replaceDns})
   * @throws IllegalStateException if the default resolver must be made and the system's DNS
   *     configuration names no name server
   */
  public static OkHttpClient wrap(OkHttpClient existing) {
    return builder(existing).build();
  }

  /**
   * Wraps a client with default settings, resolving through the given resolver.
   *
   * @param existing the client to wrap; not modified
   * @param resolver the resolver; may be shared by several clients; not closed by Cutover
   * @return a new client
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if existing has a {@code Dns} of its own (see {@link
   *     Builder#replaceDns})
   */
  public static OkHttpClient wrap(OkHttpClient existing, CutoverResolver resolver) {
    return builder(existing).resolver(resolver).build();
  }

  /**
   * Returns a builder for a wrapped client with custom settings.
   *
   * @param existing the client to wrap; not modified
   * @return a new builder
   * @throws NullPointerException if existing is null
   */
  public static Builder builder(OkHttpClient existing) {
    return new Builder(Objects.requireNonNull(existing, "existing"));
  }

  /**
   * Settings for a wrapped client. Setters validate at once and throw {@link
   * IllegalArgumentException} naming the setter, the value and what is expected.
   *
   * <p>Not thread-safe. {@link #build()} may be called more than once.
   */
  public static final class Builder {
    private final OkHttpClient existing;
    private CutoverResolver resolver;
    private int maxAttempts = 3;
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = Duration.ofSeconds(2);
    private Duration maxRetryAfter = Duration.ofSeconds(5);
    private double retryBudgetRatio = 0.2;
    private int minRetriesPerSecond = 10;
    private boolean retryNonIdempotent;
    private boolean retryUnavailable = true;
    private String idempotencyKeyHeader = "Idempotency-Key";
    private Duration addressQuarantine = Duration.ofSeconds(10);
    private DrainMode drainMode = DrainMode.PUBLIC_API;
    private Duration maxConnectionAge = Duration.ZERO;
    private final List<CutoverListener> listeners = new ArrayList<>();
    private Ticker ticker = Ticker.systemTicker();
    private Clock wallClock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.SYSTEM;
    private boolean replaceDns;
    private Duration evidenceWait = ClientWiring.EVIDENCE_WAIT;

    private Builder(OkHttpClient existing) {
      this.existing = existing;
    }

    /**
     * Sets the resolver. It is yours: Cutover never closes it. Default: the process's default
     * resolver, with default settings on the system's name servers, made at the first wrap that
     * needs it and shared by every client wrapped without one; it is never closed and lives as
     * long as the JVM (one daemon thread, {@code cutover-resolver-N}).
     *
     * @param resolver the resolver
     * @return this builder
     * @throws NullPointerException if resolver is null
     */
    public Builder resolver(CutoverResolver resolver) {
      this.resolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    /**
     * Sets how many attempts a call may make in all, the first included. Default 3; 1 turns
     * retries off (draining and re-resolution still work).
     *
     * @param maxAttempts 1 to 10
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = Checks.inRange("maxAttempts", maxAttempts, 1, 10);
      return this;
    }

    /**
     * Sets the back-off ceiling before the first retry; it doubles per attempt up to {@link
     * #maxBackoff}, and the actual wait is uniformly random below it (full jitter). Default 100
     * ms.
     *
     * @param initialBackoff zero or positive
     * @return this builder
     * @throws IllegalArgumentException if null or negative
     */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = Checks.nonNegative("initialBackoff", initialBackoff);
      return this;
    }

    /**
     * Sets the largest back-off ceiling. Default 2 s.
     *
     * @param maxBackoff zero or positive
     * @return this builder
     * @throws IllegalArgumentException if null or negative
     */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = Checks.nonNegative("maxBackoff", maxBackoff);
      return this;
    }

    /**
     * Sets the longest {@code Retry-After} that is waited out. A 503 asking for longer is
     * returned to the caller as it is. Default 5 s.
     *
     * @param maxRetryAfter zero or positive
     * @return this builder
     * @throws IllegalArgumentException if null or negative
     */
    public Builder maxRetryAfter(Duration maxRetryAfter) {
      this.maxRetryAfter = Checks.nonNegative("maxRetryAfter", maxRetryAfter);
      return this;
    }

    /**
     * Sets the share of recent requests (over a sliding 10 s window) that retries may add.
     * Default 0.2. Together with {@link #minRetriesPerSecond} this bounds retries when the new
     * environment fails too, so an outage does not become a retry storm.
     *
     * @param ratio 0 to 1
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder retryBudgetRatio(double ratio) {
      this.retryBudgetRatio = Checks.fraction("retryBudgetRatio", ratio);
      return this;
    }

    /**
     * Sets the retries per second allowed whatever the traffic, so a quiet client can still
     * retry. Default 10.
     *
     * @param minRetriesPerSecond zero or positive
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder minRetriesPerSecond(int minRetriesPerSecond) {
      this.minRetriesPerSecond =
          Checks.atLeast("minRetriesPerSecond", minRetriesPerSecond, 0);
      return this;
    }

    /**
     * Allows retrying requests whose method is not idempotent (POST, PATCH, ...) after a 503 or
     * a broken connection. Default false: only GET, HEAD, OPTIONS, TRACE, PUT and DELETE are
     * retried, and POST or PATCH only with an {@link #idempotencyKeyHeader idempotency key}. A
     * request that never left the client (connection refused) is retried whatever its method.
     * A one-shot or duplex body is never sent twice, whatever this says.
     *
     * @param retryNonIdempotent true to allow
     * @return this builder
     */
    public Builder retryNonIdempotent(boolean retryNonIdempotent) {
      this.retryNonIdempotent = retryNonIdempotent;
      return this;
    }

    /**
     * Sets the header whose presence makes a POST or PATCH safe to retry. Default {@code
     * Idempotency-Key}.
     *
     * @param headerName a header name
     * @return this builder
     * @throws IllegalArgumentException if blank or not a valid header name
     */
    public Builder idempotencyKeyHeader(String headerName) {
      if (headerName == null || headerName.isBlank()
          || !headerName.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
        throw new IllegalArgumentException(
            "idempotencyKeyHeader: expected a header name such as Idempotency-Key, got '"
                + headerName + "'");
      }
      this.idempotencyKeyHeader = headerName;
      return this;
    }

    /**
     * Sets whether a 503 from an address DNS still names is retried: after jittered back-off (at
     * least the server's {@code Retry-After}, if it is no longer than {@link #maxRetryAfter}),
     * within the attempt limit and the retry budget, on the same connection. Default true: such
     * a 503 is an overloaded server shedding load, or a balancer between two target groups, and
     * a retry a moment later usually succeeds, while the budget keeps the extra load to a small
     * share. False returns it to the caller as it is, as plain OkHttp does.
     *
     * <p>A 503 from an address that has left DNS is a cutover, and is retried at once on another
     * address whatever this says (when the request may be repeated at all).
     *
     * @param retryUnavailable false to return such a 503 as it is
     * @return this builder
     */
    public Builder retryUnavailable(boolean retryUnavailable) {
      this.retryUnavailable = retryUnavailable;
      return this;
    }

    /**
     * Sets how long an address whose new connection was refused or timed out is put last in the
     * host's DNS answers, so new connections try other addresses first. Default 10 s; zero turns
     * it off. A 503 or a broken keep-alive connection does not count: the address still works.
     *
     * @param quarantine zero or positive
     * @return this builder
     * @throws IllegalArgumentException if null or negative
     */
    public Builder addressQuarantine(Duration quarantine) {
      this.addressQuarantine = Checks.nonNegative("addressQuarantine", quarantine);
      return this;
    }

    /**
     * Sets a maximum connection age, a safety net for what DNS cannot show (a load balancer
     * replaced behind the same address): a connection older than this, give or take 10% per
     * connection so they do not all expire together, takes no new requests once it is next
     * acquired, its in-flight requests finish, and it closes when idle, as a drained one does.
     * Default zero: off.
     *
     * @param maxConnectionAge zero (off) or positive
     * @return this builder
     * @throws IllegalArgumentException if null or negative
     */
    public Builder maxConnectionAge(Duration maxConnectionAge) {
      this.maxConnectionAge = Checks.nonNegative("maxConnectionAge", maxConnectionAge);
      return this;
    }

    /**
     * Adds a listener for connection and retry events (see {@link CutoverListener}). It also
     * receives the resolver's events ({@link dev.cutover.ResolverListener}): {@link #build()}
     * registers it with the resolver, once however many clients it is given to, until the last of
     * those clients is garbage-collected. A {@link CutoverMetrics} given here therefore has both
     * the DNS and the client meters. Adding the same listener again changes nothing. The
     * resolver holds the listener strongly: one that refers to the wrapped client keeps that
     * client (and its registration) alive as long as the resolver.
     *
     * @param listener the listener
     * @return this builder
     * @throws NullPointerException if listener is null
     */
    public Builder listener(CutoverListener listener) {
      Objects.requireNonNull(listener, "listener");
      if (listeners.stream().noneMatch(added -> added == listener)) {
        listeners.add(listener);
      }
      return this;
    }

    /**
     * Allows replacing a {@code Dns} of the existing client's own. Default false: {@link
     * #build()} refuses a client whose {@code Dns} is neither {@code Dns.SYSTEM} nor Cutover's,
     * because Cutover resolves names through its {@link CutoverResolver} and that {@code Dns}
     * (service discovery, DNS over HTTPS, fixed answers) would no longer be asked. True replaces
     * it: names are then resolved by the resolver, from the name servers it is given.
     *
     * @param replaceDns true to replace the client's own {@code Dns}
     * @return this builder
     */
    public Builder replaceDns(boolean replaceDns) {
      this.replaceDns = replaceDns;
      return this;
    }

    /**
     * Sets how busy connections are stopped. Default {@link DrainMode#PUBLIC_API}.
     *
     * @param drainMode the mode
     * @return this builder
     * @throws NullPointerException if drainMode is null
     */
    public Builder drainMode(DrainMode drainMode) {
      this.drainMode = Objects.requireNonNull(drainMode, "drainMode");
      return this;
    }

    /**
     * Sets the time source for back-off, call deadlines, quarantine, the retry budget and
     * connection age.
     * Default {@link Ticker#systemTicker()}.
     *
     * @param ticker the time source
     * @return this builder
     * @throws NullPointerException if ticker is null
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** For tests: waits between attempts without sleeping. */
    Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /** For tests: the longest a failed attempt waits for the DNS answer it asked for. */
    Builder evidenceWait(Duration evidenceWait) {
      this.evidenceWait = Objects.requireNonNull(evidenceWait, "evidenceWait");
      return this;
    }

    /** For tests: the clock HTTP-date {@code Retry-After} values are measured against. */
    Builder wallClock(Clock wallClock) {
      this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
      return this;
    }

    /**
     * Builds the wrapped client. If {@code existing} is itself a wrapped client, the result has
     * one layer of Cutover, with this builder's settings: the old layer is taken off first.
     *
     * @return a new client; {@code existing} is not modified
     * @throws IllegalArgumentException if {@code initialBackoff} exceeds {@code maxBackoff}, or
     *     if {@code existing} has a {@code Dns} of its own and {@link #replaceDns} is not set (the
     *     message names its class)
     * @throws IllegalStateException if {@link DrainMode#OKHTTP_INTERNALS} is chosen and the
     *     OkHttp on the class path does not support it, or if the default resolver must be made
     *     and the system's DNS configuration names no name server
     */
    public OkHttpClient build() {
      if (initialBackoff.compareTo(maxBackoff) > 0) {
        throw new IllegalArgumentException("initialBackoff (" + initialBackoff
            + ") is greater than maxBackoff (" + maxBackoff + ")");
      }
      ClientWiring.checkDns(existing.dns(), replaceDns);
      CutoverResolver chosen = resolver != null ? resolver : DefaultResolver.get();
      RetrySettings retry = new RetrySettings(maxAttempts, initialBackoff, maxBackoff,
          maxRetryAfter, retryBudgetRatio, minRetriesPerSecond, retryNonIdempotent,
          idempotencyKeyHeader, retryUnavailable);
      DrainSettings drain = new DrainSettings(drainMode, addressQuarantine, maxConnectionAge);
      return ClientWiring.wrap(existing, chosen,
          new WrapSettings(retry, drain, listeners, ticker, wallClock, sleeper, evidenceWait));
    }
  }
}
