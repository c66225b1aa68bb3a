package dev.cutover.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.Headers;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Closed-loop load: a fixed number of callers, each sending a request, reading the whole answer,
 * pausing for the think time and starting again, and a record of every request ({@link
 * Exchange}). Any {@link Throwable} a call or its body throws is recorded as that request's
 * failure, not only an {@code IOException}, and the caller goes on.
 *
 * <p>Callers stop by themselves when the load's duration has passed or each has sent its maximum
 * number of requests, or when the load is closed. A load has phases: {@link #markPhase()} starts a
 * new one, and only requests started in the current phase count towards it, so a test can wait for
 * "every caller has made N requests since the flip" ({@link #minimumInPhase()}) instead of
 * sleeping.
 *
 * <pre>{@code
 * try (Load load = Load.builder(client, request).callers(8).start()) {
 *   Poll.until(Duration.ofSeconds(20), "steady load", () -> load.minimumInPhase() >= 20);
 *   dns.setAddresses(host, ttl, "127.0.0.3");
 *   load.markPhase();
 *   Poll.until(Duration.ofSeconds(20), "20 more each", () -> load.minimumInPhase() >= 20);
 *   assertEquals(List.of(), load.failures());
 * }
 * }</pre>
 *
 * <p>To see each response on the wire (retries made by OkHttp, an interceptor or a wrapping
 * library), build the client with {@link #attemptRecorder()} as its event listener factory: the
 * attempts then appear in {@link Exchange#attempts()}.
 *
 * <p>Thread-safe: every method may be called from any thread while the callers run.
 */
public final class Load implements AutoCloseable {
  private static final Duration STOP_WAIT = Duration.ofSeconds(15);

  /** The header naming the server that answered, as {@link BackendServer} sets it. */
  private static final String BACKEND_HEADER = "X-Backend";

  /**
   * One response on the wire, retries included: when its request went out and who answered.
   *
   * @param sentNanos when the request headers started out, in nanoseconds since the load started
   * @param code the response's status
   * @param backend the response's {@code X-Backend} header, or null
   */
  public record Attempt(long sentNanos, int code, String backend) {}

  /**
   * One request as its caller saw it. Times are nanoseconds since the load started.
   *
   * @param caller the index of the caller that sent it, from 0
   * @param phase the phase it started in (see {@link #markPhase()})
   * @param startNanos when the call started
   * @param endNanos when the answer had been read, or the call had failed
   * @param code the response's status; -1 if no response arrived
   * @param protocol the protocol of the response; null if none arrived
   * @param headers the response's headers; null if none arrived
   * @param body the response body; null if it was not read whole
   * @param failure what the call or the body threw; null if nothing
   * @param attempts every response on the wire for this call, in order, if the client records
   *     them (see {@link #attemptRecorder()}); else empty
   */
  public record Exchange(int caller, int phase, long startNanos, long endNanos, int code,
      Protocol protocol, Headers headers, String body, Throwable failure,
      List<Attempt> attempts) {

    /**
     * Tells whether the call got a 200 and its whole body.
     *
     * @return true for a success
     */
    public boolean ok() {
      return failure == null && code == 200;
    }

    /**
     * Tells whether the response arrived but reading its body failed: the caller already held
     * the response, so no client could have retried it.
     *
     * @return true if the body broke after the headers
     */
    public boolean bodyFailed() {
      return code >= 0 && failure != null;
    }

    /**
     * Returns the status the caller ended with.
     *
     * @return the response's status, or -1 if anything threw, the body included
     */
    public int status() {
      return failure == null ? code : -1;
    }

    /**
     * Returns a response header.
     *
     * @param name the header's name, case-insensitive
     * @return its value, or null if absent or no response arrived
     */
    public String header(String name) {
      return headers == null ? null : headers.get(name);
    }

    /**
     * Returns the server that answered, as {@link BackendServer} names itself.
     *
     * @return the {@code X-Backend} header, or null
     */
    public String backend() {
      return header(BACKEND_HEADER);
    }

    /**
     * Describes the failure on one line, the same for the same failure whatever port it happened
     * on, so that failures can be counted by kind.
     *
     * @return the exception's simple class name and message, ports written {@code :PORT}; null
     *     if the call did not throw
     */
    public String error() {
      if (failure == null) {
        return null;
      }
      String message = failure.getMessage();
      if (message != null) {
        message = message.replaceAll(":\\d{2,5}\\b", ":PORT");
      }
      return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /**
     * Describes the request's outcome, for assertion messages.
     *
     * @return the caller, and the status and body or the failure
     */
    @Override
    public String toString() {
      String outcome = failure != null ? (code >= 0 ? code + ", body: " : "") + failure
          : code + " " + body;
      return "caller " + caller + " at " + startNanos / 1_000_000 + " ms: " + outcome;
    }
  }

  /**
   * Configures a {@link Load}. Not thread-safe; it starts one load per {@link #start()}.
   */
  public static final class Builder {
    private final List<OkHttpClient> clients;
    private final Request request;
    private int callers = 1;
    private Duration thinkTime = Duration.ZERO;
    private Duration duration = Duration.ofMinutes(10);
    private int maxRequestsPerCaller = Integer.MAX_VALUE;
    private boolean keepExchanges = true;
    private Duration rampInterval = Duration.ZERO;
    private Consumer<Exchange> onExchange = exchange -> { };

    private Builder(List<OkHttpClient> clients, Request request) {
      this.clients = clients;
      this.request = request;
    }

    /**
     * Sets the number of callers, each on its own thread; by default 1.
     *
     * @param callers 1 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code callers} is less than 1
     */
    public Builder callers(int callers) {
      this.callers = Checks.atLeastOne("callers", callers);
      return this;
    }

    /**
     * Sets each caller's pause after each request; by default none (back to back).
     *
     * @param thinkTime zero or more
     * @return this builder
     * @throws IllegalArgumentException if {@code thinkTime} is null or negative
     */
    public Builder thinkTime(Duration thinkTime) {
      this.thinkTime = Checks.nonNegative("thinkTime", thinkTime);
      return this;
    }

    /**
     * Sets how long the callers go on: none starts a request after this time. By default 10
     * minutes, a bound for loads that are closed when done.
     *
     * @param duration more than zero
     * @return this builder
     * @throws IllegalArgumentException if {@code duration} is null, zero or negative
     */
    public Builder duration(Duration duration) {
      if (Checks.nonNegative("duration", duration).isZero()) {
        throw new IllegalArgumentException("duration must be more than zero, got " + duration);
      }
      this.duration = duration;
      return this;
    }

    /**
     * Sets the most requests one caller sends; by default no limit but the duration.
     *
     * @param maxRequestsPerCaller 1 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code maxRequestsPerCaller} is less than 1
     */
    public Builder maxRequestsPerCaller(int maxRequestsPerCaller) {
      this.maxRequestsPerCaller =
          Checks.atLeastOne("maxRequestsPerCaller", maxRequestsPerCaller);
      return this;
    }

    /**
     * Spreads the callers' starts: caller {@code i} sends its first request {@code i} times this
     * interval after the load starts, rather than every caller at once. A client then makes its
     * connections over time, each with a fresh DNS lookup, as a service warming up does, instead
     * of all of them on the first answer. By default zero: every caller starts at once.
     *
     * @param rampInterval zero or more
     * @return this builder
     * @throws IllegalArgumentException if {@code rampInterval} is null or negative
     */
    public Builder rampInterval(Duration rampInterval) {
      this.rampInterval = Checks.nonNegative("rampInterval", rampInterval);
      return this;
    }

    /**
     * Sets whether the load keeps the exchanges of the current phase for {@link #exchanges()}
     * and {@link #exchangesInPhase()}; by default it does. A long load watched only through
     * {@link #onExchange(Consumer)} can keep none, so that its memory stays flat.
     *
     * @param keepExchanges whether to keep them
     * @return this builder
     */
    public Builder keepExchanges(boolean keepExchanges) {
      this.keepExchanges = keepExchanges;
      return this;
    }

    /**
     * Sets what is told of each exchange as it ends, on the caller's thread, before the caller's
     * pause; by default nothing. It must be quick and thread-safe; what it throws is counted in
     * {@link #failures()}.
     *
     * @param onExchange the consumer
     * @return this builder
     * @throws IllegalArgumentException if {@code onExchange} is null
     */
    public Builder onExchange(Consumer<Exchange> onExchange) {
      if (onExchange == null) {
        throw new IllegalArgumentException("onExchange must not be null");
      }
      this.onExchange = onExchange;
      return this;
    }

    /**
     * Starts the callers.
     *
     * @return the running load; close it when done
     */
    public Load start() {
      Load load = new Load(this);
      load.startCallers();
      return load;
    }
  }

  /** The attempts of one call, filled by {@link AttemptListener} as they go out and return. */
  private static final class AttemptLog {
    private final long loadStart;
    private final List<Attempt> answered = new ArrayList<>();
    private long sentAt;

    AttemptLog(long loadStart) {
      this.loadStart = loadStart;
    }

    synchronized void sent() {
      sentAt = System.nanoTime() - loadStart;
    }

    synchronized void answered(Response response) {
      answered.add(new Attempt(sentAt, response.code(), response.header(BACKEND_HEADER)));
    }

    synchronized List<Attempt> attempts() {
      return List.copyOf(answered);
    }
  }

  /** Records each response on the wire of a call sent by a {@link Load}. */
  private static final class AttemptListener extends EventListener {
    @Override
    public void requestHeadersStart(Call call) {
      AttemptLog log = call.request().tag(AttemptLog.class);
      if (log != null) {
        log.sent();
      }
    }

    @Override
    public void responseHeadersEnd(Call call, Response response) {
      AttemptLog log = call.request().tag(AttemptLog.class);
      if (log != null) {
        log.answered(response);
      }
    }
  }

  private static final EventListener.Factory ATTEMPT_RECORDER = call -> new AttemptListener();

  private final List<OkHttpClient> clients;
  private final Request request;
  private final long thinkNanos;
  private final long rampNanos;
  private final long durationNanos;
  private final int maxRequestsPerCaller;
  private final boolean keepExchanges;
  private final Consumer<Exchange> onExchange;
  private final List<Caller> callers = new ArrayList<>();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final List<String> bodyFailures = new CopyOnWriteArrayList<>();
  private volatile Throwable firstFailure;
  private volatile boolean running = true;
  private volatile int phase;
  private long startNanos;

  private Load(Builder builder) {
    this.clients = builder.clients;
    this.request = builder.request;
    this.thinkNanos = builder.thinkTime.toNanos();
    this.rampNanos = builder.rampInterval.toNanos();
    this.durationNanos = builder.duration.toNanos();
    this.maxRequestsPerCaller = builder.maxRequestsPerCaller;
    this.keepExchanges = builder.keepExchanges;
    this.onExchange = builder.onExchange;
    for (int i = 0; i < builder.callers; i++) {
      callers.add(new Caller(i));
    }
  }

  /**
   * Starts configuring a load whose callers all share one client.
   *
   * @param client the client
   * @param request the request each caller sends, again and again
   * @return a builder: one caller, no think time, 10 minutes at most
   * @throws IllegalArgumentException if an argument is null
   */
  public static Builder builder(OkHttpClient client, Request request) {
    if (client == null) {
      throw new IllegalArgumentException("client must not be null");
    }
    return builder(List.of(client), request);
  }

  /**
   * Starts configuring a load over several clients: caller {@code i} uses client {@code i}
   * modulo their number.
   *
   * @param clients the clients, at least one
   * @param request the request each caller sends, again and again
   * @return a builder: one caller, no think time, 10 minutes at most
   * @throws IllegalArgumentException if an argument is null or {@code clients} is empty or holds
   *     null
   */
  public static Builder builder(List<OkHttpClient> clients, Request request) {
    if (clients == null || clients.isEmpty() || clients.stream().anyMatch(Objects::isNull)
        || request == null) {
      throw new IllegalArgumentException("clients must be one or more clients and request must"
          + " not be null, got " + clients + " and " + request);
    }
    return new Builder(List.copyOf(clients), request);
  }

  /**
   * Returns the event listener factory that records each response on the wire into {@link
   * Exchange#attempts()}. Set it on the client's builder before any wrapping, which keeps it.
   *
   * @return a stateless factory; it ignores calls that no load sent
   */
  public static EventListener.Factory attemptRecorder() {
    return ATTEMPT_RECORDER;
  }

  private void startCallers() {
    startNanos = System.nanoTime();
    for (Caller caller : callers) {
      caller.thread.start();
    }
  }

  /**
   * Returns when the load started, as {@link System#nanoTime()}; the times of its records count
   * from here.
   *
   * @return the start
   */
  public long startNanos() {
    return startNanos;
  }

  /** Starts a new phase: only requests started from now on count towards it, and are kept. */
  public void markPhase() {
    phase++;
    for (Caller caller : callers) {
      synchronized (caller.exchanges) {
        caller.exchanges.clear();
        caller.inPhase.set(0);
      }
    }
  }

  /**
   * Returns the fewest requests any caller has completed in the current phase.
   *
   * @return the minimum over the callers
   */
  public int minimumInPhase() {
    int min = Integer.MAX_VALUE;
    for (Caller caller : callers) {
      min = Math.min(min, caller.inPhase.get());
    }
    return min;
  }

  /**
   * Returns each caller's exchanges in the current phase, in the order it made them.
   *
   * @return one list per caller, by caller index; empty lists if exchanges are not kept
   */
  public List<List<Exchange>> exchangesInPhase() {
    List<List<Exchange>> result = new ArrayList<>();
    for (Caller caller : callers) {
      synchronized (caller.exchanges) {
        result.add(List.copyOf(caller.exchanges));
      }
    }
    return result;
  }

  /**
   * Returns every caller's exchanges in the current phase, ordered by start.
   *
   * @return an immutable list; empty if exchanges are not kept
   */
  public List<Exchange> exchanges() {
    List<Exchange> all = new ArrayList<>();
    exchangesInPhase().forEach(all::addAll);
    all.sort(Comparator.comparingLong(Exchange::startNanos));
    return List.copyOf(all);
  }

  /**
   * Returns every request that failed since the start, in all phases: the call threw, or
   * answered other than 200. A body that broke after the headers is in {@link #bodyFailures()}
   * instead.
   *
   * @return one line per failure: the caller's thread and what happened
   */
  public List<String> failures() {
    return List.copyOf(failures);
  }

  /**
   * Returns every request whose response arrived but whose body broke while being read, since
   * the start: no client can retry those, since the caller already holds the response.
   *
   * @return one line per failure: the caller's thread and what happened
   */
  public List<String> bodyFailures() {
    return List.copyOf(bodyFailures);
  }

  /**
   * Returns the first failure, for its stack trace, wrapped in an exception naming the caller:
   * OkHttp may rethrow one connection-level exception to every stream, and its own trace shows
   * where it arose, not where the caller received it.
   *
   * @return the first failure, or null if there was none
   */
  public Throwable firstFailure() {
    return firstFailure;
  }

  /**
   * Waits until every caller has stopped by itself, at the end of the duration or after its
   * maximum number of requests, but no longer than the end of the duration plus {@code grace}.
   *
   * @param grace how long past the end of the duration to wait
   * @return true if every caller has stopped
   * @throws InterruptedException if the waiting thread is interrupted
   * @throws IllegalArgumentException if {@code grace} is null or negative
   */
  public boolean awaitEnd(Duration grace) throws InterruptedException {
    Checks.nonNegative("grace", grace);
    long deadline = startNanos + durationNanos + grace.toNanos();
    for (Caller caller : callers) {
      long left = deadline - System.nanoTime();
      caller.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
    for (Caller caller : callers) {
      if (caller.thread.isAlive()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Stops the callers after their current request and waits up to 15 s for them. What was
   * recorded stays readable.
   */
  @Override
  public void close() {
    running = false;
    long deadline = System.nanoTime() + STOP_WAIT.toNanos();
    for (Caller caller : callers) {
      try {
        caller.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(
            deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private final class Caller implements Runnable {
    final int index;
    final Thread thread;
    final OkHttpClient client;
    final AtomicInteger inPhase = new AtomicInteger();
    /** The current phase's exchanges; guarded by itself. */
    final List<Exchange> exchanges = new ArrayList<>();

    Caller(int index) {
      this.index = index;
      this.client = clients.get(index % clients.size());
      this.thread = new Thread(this, "load-caller-" + index);
      this.thread.setDaemon(true);
    }

    @Override
    public void run() {
      long end = startNanos + durationNanos;
      if (!awaitTurn(end)) {
        return;
      }
      int sent = 0;
      while (running && System.nanoTime() - end < 0 && sent < maxRequestsPerCaller) {
        sent++;
        Exchange exchange = exchange();
        record(exchange);
        try {
          onExchange.accept(exchange);
        } catch (RuntimeException | Error e) {
          failures.add(thread.getName() + ": onExchange threw " + e);
        }
        if (thinkNanos > 0) {
          try {
            TimeUnit.NANOSECONDS.sleep(thinkNanos);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }

    /**
     * Waits for this caller's start under the ramp (see {@link Builder#rampInterval}), in short
     * sleeps so that {@link #close()} is not kept waiting; false if the load ended first.
     */
    private boolean awaitTurn(long end) {
      long turn = startNanos + index * rampNanos;
      long left;
      while (running && (left = turn - System.nanoTime()) > 0) {
        if (turn - end >= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        } catch (InterruptedException e) {
          return false;
        }
      }
      return running;
    }

    private Exchange exchange() {
      int started = phase;
      AttemptLog log = new AttemptLog(startNanos);
      Request tagged = request.newBuilder().tag(AttemptLog.class, log).build();
      long began = System.nanoTime();
      int code = -1;
      Protocol protocol = null;
      Headers headers = null;
      String body = null;
      Throwable failure = null;
      Response response = null;
      try {
        response = client.newCall(tagged).execute();
      } catch (Throwable t) {
        failure = t;
      }
      if (response != null) {
        try (Response open = response) {
          code = open.code();
          protocol = open.protocol();
          headers = open.headers();
          body = open.body().string();
        } catch (Throwable t) {
          failure = t;
        }
      }
      return new Exchange(index, started, began - startNanos, System.nanoTime() - startNanos,
          code, protocol, headers, body, failure, log.attempts());
    }

    private void record(Exchange exchange) {
      if (exchange.failure() != null && firstFailure == null) {
        firstFailure = new Exception(thread.getName() + " received", exchange.failure());
      }
      if (exchange.bodyFailed()) {
        bodyFailures.add(thread.getName() + ": " + exchange.failure());
      } else if (exchange.failure() != null) {
        failures.add(thread.getName() + ": " + exchange.failure());
      } else if (exchange.code() != 200) {
        failures.add(thread.getName() + ": " + exchange.code() + " " + exchange.body());
      }
      synchronized (exchanges) {
        if (exchange.phase() == phase) {
          if (keepExchanges) {
            exchanges.add(exchange);
          }
          inPhase.incrementAndGet();
        }
      }
    }
  }
}
