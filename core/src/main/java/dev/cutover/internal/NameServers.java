package dev.cutover.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.SimpleResolver;

/**
 * The configured name servers, asked with one query time-out between them: the first server at
 * once, the next one after an equal share of the time-out or as soon as a server fails, so that
 * a dead first server costs a fraction of the budget instead of all of it (dnsjava's {@code
 * ExtendedResolver} would give each server the whole time-out). The first usable answer wins.
 *
 * <p>At most {@code maxInFlight} sends are out at once, across every query: each UDP send holds
 * a socket of its own until its answer or its time-out, so a burst of first lookups (or a long
 * search list, or many hosts refreshing together) would otherwise open sockets without bound.
 * Sends beyond the bound wait in order for a free slot, within their query's time-out.
 * Thread-safe.
 */
final class NameServers {
  private final List<InetSocketAddress> addresses;
  private final List<SimpleResolver> resolvers;
  private final long timeoutNanos;
  private final Executor executor;
  private final ScheduledExecutorService timer;
  private final int maxInFlight;
  /** Sends waiting for a slot, in order; guards inFlight too. */
  private final ArrayDeque<Launch> waiting = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param maxInFlight how many sends may be out at once
   * @param executor runs the completion of every query
   * @param timer schedules hedged sends and deadlines
   */
  NameServers(List<InetSocketAddress> addresses, Duration timeout, int maxInFlight,
      Executor executor, ScheduledExecutorService timer) {
    this.maxInFlight = maxInFlight;
    this.addresses = List.copyOf(addresses);
    List<SimpleResolver> list = new ArrayList<>();
    for (InetSocketAddress address : addresses) {
      SimpleResolver resolver = new SimpleResolver(address);
      resolver.setTimeout(timeout);
      list.add(resolver);
    }
    this.resolvers = List.copyOf(list);
    this.timeoutNanos = timeout.toNanos();
    this.executor = executor;
    this.timer = timer;
  }

  long timeoutNanos() {
    return timeoutNanos;
  }

  /** Sends one query; the future fails with the last problem seen if no server answers usably. */
  CompletableFuture<Message> send(Message query) {
    return new HedgedSend(query).start();
  }

  /**
   * How many sends one query gets: one per server, and at least two, so that a single server
   * that dropped a UDP packet is asked again within the time-out.
   */
  static int attempts(int servers) {
    return Math.max(2, servers);
  }

  /** Which server the n-th send (from 0) of a query goes to: each in order, then round again. */
  static int serverFor(int send, int servers) {
    return send % servers;
  }

  /** Sends out now, waiting for their answer or time-out. */
  int inFlight() {
    synchronized (waiting) {
      return inFlight;
    }
  }

  /** Sends waiting for a slot. */
  int waiting() {
    synchronized (waiting) {
      return waiting.size();
    }
  }

  /** Starts the send now if a slot is free, or queues it for the next free one. */
  private void submit(Launch launch) {
    synchronized (waiting) {
      if (inFlight >= maxInFlight) {
        waiting.add(launch);
        return;
      }
      inFlight++;
    }
    launch.run();
  }

  /** A send has ended: its slot goes to the next waiting send whose query still wants it. */
  private void released() {
    while (true) {
      Launch next;
      synchronized (waiting) {
        next = waiting.poll();
        if (next == null) {
          inFlight--;
          return;
        }
      }
      if (next.owner.result.isDone()) {
        continue; // answered or timed out meanwhile: nothing to send
      }
      next.run();
      return;
    }
  }

  /** One send of one query to one server, once it has a slot. */
  private record Launch(HedgedSend owner, int server) {
    void run() {
      owner.sendNow(server);
    }
  }

  static String hostPort(InetSocketAddress address) {
    String host = address.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  private final class HedgedSend {
    private final Message query;
    private final CompletableFuture<Message> result = new CompletableFuture<>();
    private final int attempts = attempts(resolvers.size());
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private int launched;
    private int pending;
    /** Whether a send got a slot and went out; false while they all wait for one. */
    private volatile boolean sent;
    private String lastProblem;
    private Throwable lastError;

    HedgedSend(Message query) {
      this.query = query;
    }

    CompletableFuture<Message> start() {
      long interval = timeoutNanos / attempts;
      synchronized (this) {
        launchNext();
        for (int i = 1; i < attempts; i++) {
          timers.add(timer.schedule(this::launchScheduled, interval * i, TimeUnit.NANOSECONDS));
        }
        timers.add(timer.schedule(this::expire, timeoutNanos, TimeUnit.NANOSECONDS));
      }
      result.whenComplete((message, error) -> cancelTimers());
      return result;
    }

    private synchronized void cancelTimers() {
      for (ScheduledFuture<?> scheduled : timers) {
        scheduled.cancel(false);
      }
    }

    private synchronized void launchScheduled() {
      if (!result.isDone()) {
        launchNext();
      }
    }

    /** Returns false when every attempt has been launched. */
    private boolean launchNext() {
      // launched, pending and the timer list are guarded by this send's monitor.
      assert Thread.holdsLock(this);
      if (launched >= attempts) {
        return false;
      }
      int index = serverFor(launched++, resolvers.size());
      pending++;
      submit(new Launch(this, index));
      return true;
    }

    /** Sends to one server, holding a slot until the answer or the send's own time-out. */
    void sendNow(int index) {
      sent = true;
      InetSocketAddress address = addresses.get(index);
      CompletableFuture<Message> sent;
      try {
        sent = resolvers.get(index).sendAsync(query, executor).toCompletableFuture();
      } catch (RuntimeException e) {
        sent = CompletableFuture.failedFuture(e);
      }
      // Always on the executor, never inline: this may run under another query's lock, and the
      // handler takes this query's lock and may start a third query's waiting send.
      sent.whenCompleteAsync((response, error) -> {
        released();
        onResponse(address, response, error);
      }, executor);
    }

    private synchronized void onResponse(InetSocketAddress from, Message response, Throwable error) {
      pending--;
      if (result.isDone()) {
        return;
      }
      if (error == null) {
        int rcode = response.getRcode();
        if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
          result.complete(response);
          return;
        }
        lastProblem = "name server " + hostPort(from) + " answered " + Rcode.string(rcode);
      } else {
        Throwable cause = DnsClient.unwrap(error);
        lastError = cause;
        lastProblem = "name server " + hostPort(from) + " failed: " + DnsClient.describe(cause);
      }
      // A server that answered badly is not worth waiting for: move on to the next one now.
      if (!launchNext() && pending == 0) {
        result.completeExceptionally(new IOException(lastProblem, lastError));
      }
    }

    private synchronized void expire() {
      if (!result.isDone()) {
        String servers = addresses.stream().map(NameServers::hostPort).toList().toString();
        String message = "no usable answer from " + servers + " within "
            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"
            + (lastProblem != null ? " (" + lastProblem + ")" : "")
            + (sent ? "" : ": never sent, all " + maxInFlight + " queries allowed in flight"
                + " (maxQueriesInFlight) were out");
        SocketTimeoutException timeout = new SocketTimeoutException(message);
        if (lastError != null) {
          timeout.initCause(lastError);
        }
        result.completeExceptionally(timeout);
      }
    }
  }
}
