package dev.cutover.e2e;

import dev.cutover.testkit.CutoverRun.ExecutedStep;
import dev.cutover.testkit.CutoverRun.Result;
import dev.cutover.testkit.CutoverRun.ServerTotals;
import dev.cutover.testkit.CutoverScript.Action;
import dev.cutover.testkit.CutoverScript.Step;
import dev.cutover.testkit.Load.Attempt;
import dev.cutover.testkit.Load.Exchange;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The figures the end-to-end suite asserts and reports, computed once from a run's records so
 * that the assertions and the report can never disagree. Times are microseconds from the start
 * of the load.
 */
final class EndToEndFigures {
  private static final long TTL_MICROS = EndToEndScenario.TTL.toNanos() / 1000;

  /**
   * How long after a DNS change is published a client may still send to a removed address: the
   * effective TTL (the record's 1 s, inside the resolver's default bounds of 1 s to 30 s) plus
   * 1 s.
   */
  static final long GRACE_MICROS = TTL_MICROS + 1_000_000;

  /**
   * The same when the answers before the change were drawn per query (a weighted record): the
   * README's bound for a host that alternates between two answers, an address missing from 8
   * answers in a row is removed. The resolver asks again at 80% of the TTL, on a sweep every
   * 100 ms, so an answer comes at least every 0.9 s: the first one without the address at most
   * 0.9 s after the change, the eighth at most 7.2 s after it; plus the 1 s every flip gets.
   */
  static final long DRAWN_GRACE_MICROS = 8 * (TTL_MICROS * 4 / 5 + 100_000) + 1_000_000;

  /**
   * The same for a change DNS took as it stopped answering: no client can learn of it before DNS
   * answers again, and then only at its next retry. The resolver retries a failed refresh after a
   * back-off of 1 s doubling per failure (minTtl to maxTtl), jittered by 0.8 to 1.2, on a sweep
   * every 100 ms. An outage of {@code outageMicros}, from the change to DNS answering again,
   * holds at most n failures, where 0.8 s x (2^(n-1) - 1) is within it (the first as it starts,
   * each later one at least 0.8 x the wait before it); the wait after the n-th, at most 1.2 x
   * 2^(n-1) s plus a sweep, is when the next retry comes; plus the 1 s every flip gets.
   */
  static long hiddenGraceMicros(long outageMicros) {
    int failures = 1;
    while (800_000L * ((1L << failures) - 1) <= outageMicros) {
      failures++;
    }
    return (long) (1.2 * TTL_MICROS * (1L << (failures - 1))) + 100_000 + 1_000_000;
  }

  /**
   * The shortest a "late request" window may be: the time, after the grace, in which the removed
   * server still listens, DNS no longer names it and the load runs. Shorter, and a client that
   * never left the server could pass unseen.
   */
  static final long MIN_WINDOW_MICROS = 1_500_000;

  /**
   * A step that sets the name's answers, with the servers that could be answered before and
   * after it.
   *
   * @param step the step
   * @param before the servers that could be answered before it
   * @param after the servers that can be answered after it
   * @param drawnBefore whether the answers before it were drawn per query (rotating or weighted)
   * @param visibleMicros when a client could first learn of it: when DNS took it, or, if DNS
   *     stopped before the grace had passed, when DNS answered again
   * @param graceMicros how long after {@code visibleMicros} a client may still send to an
   *     address it removed
   */
  record DnsChange(ExecutedStep step, List<String> before, List<String> after,
      boolean drawnBefore, long visibleMicros, long graceMicros) {
    Set<String> removed() {
      Set<String> removed = new LinkedHashSet<>(before);
      removed.removeAll(after);
      return removed;
    }

    Set<String> kept() {
      Set<String> kept = new LinkedHashSet<>(before);
      kept.retainAll(after);
      return kept;
    }

    /** Whether both the answers before and after it were stable (one record set, every query). */
    boolean betweenStableAnswers() {
      return !drawnBefore && step.step().action() == Action.DNS;
    }
  }

  /**
   * A server a change took out of the answers, and the window in which it must no longer be
   * answering: from the grace's end until a later change puts it back, it goes, or the load ends.
   *
   * @param change the change
   * @param server the server removed
   * @param untilMicros the window's end
   */
  record Removal(DnsChange change, String server, long untilMicros) {
    /** When the window starts: the grace after the change could be seen. */
    long fromMicros() {
      return change.visibleMicros() + change.graceMicros();
    }

    long windowMicros() {
      return untilMicros - fromMicros();
    }

    /** Responses from the removed server to requests sent in the window. */
    List<Attempt> late(Result result) {
      return answeredBy(result, server, fromMicros(), untilMicros);
    }

    /** Requests, to any server, sent in the window: what a client that stayed would have sent. */
    long sentInWindow(Result result) {
      return sentBetween(result, fromMicros(), untilMicros);
    }

    /** From when the change could be seen to the last request the server answered; -1 if none. */
    long lastAfterMicros(Result result) {
      long last = -1;
      for (Attempt attempt : answeredBy(result, server, change.visibleMicros(), untilMicros)) {
        last = Math.max(last, micros(attempt.sentNanos()) - change.visibleMicros());
      }
      return last;
    }

    String describe() {
      return server + " after '" + change.step().step().label() + "' (window "
          + millis(fromMicros()) + " to " + millis(untilMicros) + " ms)";
    }
  }

  final EndToEndScenario scenario;
  final Result result;
  final long requests;
  final long failures;
  final long http503;
  final long exceptions;
  final long retries;
  final List<DnsChange> changes;
  final List<Removal> removals;
  /** Responses from removed servers after the grace period, over every removal. */
  final long lateToRemoved;
  /** The longest time from a change to the last request a removed server answered; -1 if none. */
  final long lastToRemovedMicros;
  /** Connections the client held open to each server that went away, as it went, summed. */
  final int openWhenGone;
  /**
   * Connections that carried requests, summed over the servers: what the client opened and
   * used. Over HTTP/2, calls that find no connection each dial one at once and OkHttp keeps one,
   * closing the others unused; those are in {@link #connectionsAccepted} only.
   */
  final int connectionsOpened;
  /** TCP connections the servers accepted from the client, summed, used or not. */
  final int connectionsAccepted;
  /** The servers that answered at least one request. */
  final Set<String> serversUsed;
  /** Requests each caller completed, by caller index. */
  final long[] perCaller;

  EndToEndFigures(EndToEndScenario scenario, Result result) {
    this.scenario = scenario;
    this.result = result;
    this.requests = result.exchanges().size();
    this.failures = result.failures();
    this.http503 = result.exchanges().stream().filter(e -> e.status() == 503).count();
    this.exceptions = result.exchanges().stream().filter(e -> e.failure() != null).count();
    this.retries = result.retries();
    this.changes = changes(scenario, result);
    this.removals = removals(result, changes);
    long late = 0;
    long last = -1;
    for (Removal removal : removals) {
      late += removal.late(result).size();
      last = Math.max(last, removal.lastAfterMicros(result));
    }
    this.lateToRemoved = late;
    this.lastToRemovedMicros = last;
    int open = 0;
    for (ExecutedStep step : result.steps()) {
      if (step.step().action() == Action.GONE) {
        open += step.connections().get(step.step().servers().get(0)).size();
      }
    }
    this.openWhenGone = open;
    int opened = 0;
    int accepted = 0;
    Set<String> used = new LinkedHashSet<>();
    for (Map.Entry<String, ServerTotals> server : result.servers().entrySet()) {
      opened += server.getValue().connections();
      accepted += server.getValue().acceptedConnections();
      if (server.getValue().requests() > 0) {
        used.add(server.getKey());
      }
    }
    this.connectionsOpened = opened;
    this.connectionsAccepted = accepted;
    this.serversUsed = Set.copyOf(used);
    this.perCaller = new long[scenario.shape.callers];
    for (Exchange exchange : result.exchanges()) {
      perCaller[exchange.caller()]++;
    }
  }

  /** Requests per second sent in {@code [fromMicros, untilMicros)}. */
  double ratePerSecond(long fromMicros, long untilMicros) {
    return sentBetween(result, fromMicros, untilMicros) * 1e6 / (untilMicros - fromMicros);
  }

  /** The connections open just before a change to the servers it kept, by server. */
  static Map<String, Set<Integer>> keptConnections(DnsChange change) {
    Map<String, Set<Integer>> kept = new TreeMap<>();
    for (String server : change.kept()) {
      Set<Integer> open = change.step().connections().get(server);
      if (!open.isEmpty()) {
        kept.put(server, open);
      }
    }
    return kept;
  }

  /**
   * Responses, retried ones included, that {@code server} sent to requests that went out in
   * {@code [fromMicros, untilMicros)}.
   */
  static List<Attempt> answeredBy(Result result, String server, long fromMicros,
      long untilMicros) {
    List<Attempt> found = new ArrayList<>();
    for (Exchange exchange : result.exchanges()) {
      for (Attempt attempt : exchange.attempts()) {
        long sent = micros(attempt.sentNanos());
        if (server.equals(attempt.backend()) && sent >= fromMicros && sent < untilMicros) {
          found.add(attempt);
        }
      }
    }
    return found;
  }

  /** Requests that started in {@code [fromMicros, untilMicros)}. */
  static long sentBetween(Result result, long fromMicros, long untilMicros) {
    return result.exchanges().stream()
        .filter(e -> micros(e.startNanos()) >= fromMicros && micros(e.startNanos()) < untilMicros)
        .count();
  }

  private static List<DnsChange> changes(EndToEndScenario scenario, Result result) {
    List<DnsChange> changes = new ArrayList<>();
    List<String> answer = scenario.script.initialAnswer();
    boolean drawn = false;
    List<ExecutedStep> steps = result.steps();
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i).step();
      if (step.setsAnswers()) {
        long taken = micros(steps.get(i).atNanos());
        long visible = taken;
        long grace = drawn ? DRAWN_GRACE_MICROS : GRACE_MICROS;
        for (int j = i + 1; j < steps.size(); j++) {
          Step later = steps.get(j).step();
          if (later.setsAnswers() || micros(steps.get(j).atNanos()) >= taken + grace) {
            break;
          }
          if (later.action() == Action.DNS_DOWN) {
            // No client can learn of the change before DNS answers again.
            visible = micros(result.step(Action.DNS_UP, null).atNanos());
            grace = hiddenGraceMicros(visible - taken);
            break;
          }
        }
        changes.add(new DnsChange(steps.get(i), answer, step.answerable(), drawn, visible,
            grace));
        answer = step.answerable();
        drawn = step.action() != Action.DNS;
      }
    }
    return changes;
  }

  private static List<Removal> removals(Result result, List<DnsChange> changes) {
    long loadEnd = result.script().duration().toNanos() / 1000;
    List<Removal> removals = new ArrayList<>();
    for (int i = 0; i < changes.size(); i++) {
      for (String server : changes.get(i).removed()) {
        long until = loadEnd;
        for (int j = i + 1; j < changes.size(); j++) {
          if (changes.get(j).after().contains(server)) {
            until = Math.min(until, changes.get(j).visibleMicros());
            break;
          }
        }
        for (ExecutedStep step : result.steps()) {
          if (step.step().action() == Action.GONE && step.step().servers().contains(server)
              && step.atNanos() > changes.get(i).step().atNanos()) {
            until = Math.min(until, micros(step.atNanos()));
            break;
          }
        }
        removals.add(new Removal(changes.get(i), server, until));
      }
    }
    return removals;
  }

  /** Nanoseconds from the start of the load as whole microseconds, as every figure counts. */
  static long micros(long nanos) {
    return TimeUnit.NANOSECONDS.toMicros(nanos);
  }

  /** Microseconds as whole milliseconds, the one rounding every report uses; "none" if -1. */
  static String millis(long micros) {
    return micros < 0 ? "none" : String.valueOf(Math.round(micros / 1000.0));
  }
}
