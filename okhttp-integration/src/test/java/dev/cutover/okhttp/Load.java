package dev.cutover.okhttp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A fixed number of callers issuing GETs back to back, each recording who answered. A caller
 * counts the requests it started after {@link #markPhase()}, so tests can wait for "every caller
 * has made N requests since the flip" instead of sleeping.
 */
final class Load implements AutoCloseable {
  private final List<OkHttpClient> clients;
  private final Request request;
  private final List<Caller> callers = new ArrayList<>();
  /** Calls that failed: execute() threw, or answered other than 200. */
  final List<String> failures = new CopyOnWriteArrayList<>();
  /**
   * Responses that arrived (200, headers in hand) but whose body broke while being read: no
   * client can retry those, since the caller already holds the response.
   */
  final List<String> bodyFailures = new CopyOnWriteArrayList<>();
  /** The first failure with its stack trace, printed for diagnosis when a test fails. */
  volatile IOException firstFailure;
  private volatile boolean running = true;
  private volatile int phase;

  Load(OkHttpClient client, Request request, int callers) {
    this(List.of(client), request, callers);
  }

  /** Caller i uses client i modulo the number of clients. */
  Load(List<OkHttpClient> clients, Request request, int callers) {
    this.clients = List.copyOf(clients);
    this.request = request;
    for (int i = 0; i < callers; i++) {
      Caller caller = new Caller(i);
      this.callers.add(caller);
      caller.thread.start();
    }
  }

  /** Starts a new phase: only requests started from now on count towards it. */
  void markPhase() {
    phase++;
    for (Caller caller : callers) {
      synchronized (caller.answers) {
        caller.answers.clear();
        caller.inPhase.set(0);
      }
    }
  }

  /** The fewest requests any caller has completed in the current phase. */
  int minimumInPhase() {
    int min = Integer.MAX_VALUE;
    for (Caller caller : callers) {
      min = Math.min(min, caller.inPhase.get());
    }
    return min;
  }

  /** Each caller's answers in the current phase, in order. */
  List<List<String>> answersInPhase() {
    List<List<String>> result = new ArrayList<>();
    for (Caller caller : callers) {
      synchronized (caller.answers) {
        result.add(List.copyOf(caller.answers));
      }
    }
    return result;
  }

  @Override
  public void close() {
    running = false;
    if (firstFailure != null) {
      firstFailure.printStackTrace();
    }
    for (Caller caller : callers) {
      try {
        caller.thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private final class Caller implements Runnable {
    final Thread thread;
    final OkHttpClient client;
    final AtomicInteger inPhase = new AtomicInteger();
    final List<String> answers = new ArrayList<>();

    Caller(int index) {
      this.client = clients.get(index % clients.size());
      this.thread = new Thread(this, "load-caller-" + index);
      this.thread.setDaemon(true);
    }

    @Override
    public void run() {
      while (running) {
        int started = phase;
        String answer;
        Response response;
        try {
          response = client.newCall(request).execute();
        } catch (IOException e) {
          answer = e.toString();
          failures.add(thread.getName() + ": " + e);
          if (firstFailure == null) {
            // Wrapped here: OkHttp may rethrow one connection-level exception to every stream,
            // and its own trace shows where it arose, not where this caller received it.
            firstFailure = new IOException(thread.getName() + " received", e);
          }
          record(started, answer);
          continue;
        }
        try (Response open = response) {
          String body = open.body().string();
          answer = open.code() == 200 ? body : open.code() + " " + body;
          if (open.code() != 200) {
            failures.add(thread.getName() + ": " + answer);
          }
        } catch (IOException e) {
          answer = "body: " + e;
          bodyFailures.add(thread.getName() + ": " + e);
        }
        record(started, answer);
      }
    }

    private void record(int started, String answer) {
      synchronized (answers) {
        if (started == phase) {
          answers.add(answer);
          inPhase.incrementAndGet();
        }
      }
    }
  }
}
