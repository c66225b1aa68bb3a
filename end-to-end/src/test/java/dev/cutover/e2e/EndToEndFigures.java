package dev.cutover.e2e;

import dev.cutover.testkit.CutoverRun.ExecutedStep;
import dev.cutover.testkit.CutoverRun.Result;
import dev.cutover.testkit.CutoverScript.Action;
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
  /**
   * How long after a DNS change is published a client may still send to a removed address: the
   * effective TTL (the record's 1 s, inside the resolver's default bounds of 1 s to 30 s) plus
   * 1 s.
   */
  static final long GRACE_MICROS = EndToEndScenario.TTL.toNanos() / 1000 + 1_000_000;

  /**
   * A DNS step, with the answer before and after it.
   *
   * @param step the step
   * @param before the servers in the answer before it
   * @param after the servers in the answer after it
   */
  record DnsChange(ExecutedStep step, List<String> before, List<String> after) {
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

    long atMicros() {
      return micros(step.atNanos());
    }
  }

  /**
   * A server a DNS step took out of the answer, and until when it stayed out.
   *
   * @param change the step
   * @param server the server removed
   * @param untilMicros when a later step put it back, or {@link Long#MAX_VALUE}
   */
  record Removal(DnsChange change, String server, long untilMicros) {
    long atMicros() {
      return change.atMicros();
    }

    /** Responses from the removed server to requests sent once the grace period had passed. */
    List<Attempt> late(Result result) {
      return answeredBy(result, server, atMicros() + GRACE_MICROS, untilMicros);
    }

    /** From the publish to the last request the removed server answered; -1 if none. */
    long lastAfterMicros(Result result) {
      long last = -1;
      for (Attempt attempt : answeredBy(result, server, atMicros(), untilMicros)) {
        last = Math.max(last, micros(attempt.sentNanos()) - atMicros());
      }
      return last;
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
  /** The longest time from a publish to the last request a removed server answered; -1 if none. */
  final long lastToRemovedMicros;
  /** Connections the client held open to each server that went away, as it went, summed. */
  final int openWhenGone;

  EndToEndFigures(EndToEndScenario scenario, Result result) {
    this.scenario = scenario;
    this.result = result;
    this.requests = result.exchanges().size();
    this.failures = result.failures();
    this.http503 = result.exchanges().stream().filter(e -> e.status() == 503).count();
    this.exceptions = result.exchanges().stream().filter(e -> e.failure() != null).count();
    this.retries = result.retries();
    this.changes = changes(scenario, result);
    this.removals = removals(changes);
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

  private static List<DnsChange> changes(EndToEndScenario scenario, Result result) {
    List<DnsChange> changes = new ArrayList<>();
    List<String> answer = scenario.script.initialAnswer();
    for (ExecutedStep step : result.steps()) {
      if (step.step().action() == Action.DNS) {
        changes.add(new DnsChange(step, answer, step.step().servers()));
        answer = step.step().servers();
      }
    }
    return changes;
  }

  private static List<Removal> removals(List<DnsChange> changes) {
    List<Removal> removals = new ArrayList<>();
    for (int i = 0; i < changes.size(); i++) {
      for (String server : changes.get(i).removed()) {
        long until = Long.MAX_VALUE;
        for (int j = i + 1; j < changes.size(); j++) {
          if (changes.get(j).after().contains(server)) {
            until = changes.get(j).atMicros();
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
