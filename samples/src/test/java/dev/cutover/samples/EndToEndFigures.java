package dev.cutover.samples;

import dev.cutover.samples.EndToEndRun.Call;
import dev.cutover.samples.EndToEndRun.ExecutedStep;
import dev.cutover.samples.EndToEndRun.Result;
import dev.cutover.samples.EndToEndScenario.Action;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The figures the end-to-end suite asserts and reports, computed once from a run's records so
 * that the assertions and the report can never disagree.
 */
final class EndToEndFigures {
  /** How long after a DNS change publishes a client may still send to a removed address. */
  static final long GRACE_MICROS = EndToEndScenario.TTL.toNanos() / 1000 + 1_000_000;

  /**
   * A DNS step that took servers out of the answer, and until when they stayed out.
   *
   * @param step the step
   * @param removed the servers it removed
   * @param untilMicros when a later step put one of them back, or {@link Long#MAX_VALUE}
   */
  record Removal(ExecutedStep step, Set<String> removed, long untilMicros) {
    /** Calls started once the grace period had passed, answered by a removed server. */
    List<Call> lateCalls(Result result) {
      long from = step.atMicros() + GRACE_MICROS;
      List<Call> late = new ArrayList<>();
      for (Call call : result.startedAfterAnsweredBy(from, removed)) {
        if (call.startMicros() < untilMicros) {
          late.add(call);
        }
      }
      return late;
    }

    /** From the publish to the start of the last call a removed server answered; -1 if none. */
    long lastCallAfterMicros(Result result) {
      long last = -1;
      for (Call call : result.startedAfterAnsweredBy(step.atMicros(), removed)) {
        if (call.startMicros() < untilMicros) {
          last = Math.max(last, call.startMicros() - step.atMicros());
        }
      }
      return last;
    }
  }

  final Result result;
  final long requests;
  final long failures;
  final long http503;
  final long exceptions;
  final long retries;
  final List<Removal> removals;
  /** Calls answered by a removed server after the grace period, over every removal. */
  final long lateToRemoved;
  /** The longest time from a publish to the last call a removed server answered; -1 if none. */
  final long lastToRemovedMicros;
  /** Connections the client held open to each server that went away, as it went, summed. */
  final int openWhenGone;

  EndToEndFigures(Result result) {
    this.result = result;
    this.requests = result.calls().size();
    this.failures = result.failures();
    this.http503 = result.calls().stream().filter(c -> c.status() == 503).count();
    this.exceptions = result.calls().stream().filter(c -> c.error() != null).count();
    this.retries = result.retries();
    this.removals = removals(result);
    long late = 0;
    long last = -1;
    for (Removal removal : removals) {
      late += removal.lateCalls(result).size();
      last = Math.max(last, removal.lastCallAfterMicros(result));
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

  private static List<Removal> removals(Result result) {
    List<Removal> removals = new ArrayList<>();
    List<String> answer = result.scenario().initialAnswer;
    List<ExecutedStep> steps = result.steps();
    for (int i = 0; i < steps.size(); i++) {
      ExecutedStep step = steps.get(i);
      if (step.step().action() != Action.DNS) {
        continue;
      }
      Set<String> removed = EndToEndScenario.removedBy(answer, step.step());
      answer = step.step().servers();
      if (removed.isEmpty()) {
        continue;
      }
      long until = Long.MAX_VALUE;
      for (int j = i + 1; j < steps.size() && until == Long.MAX_VALUE; j++) {
        ExecutedStep later = steps.get(j);
        if (later.step().action() == Action.DNS) {
          Set<String> back = new TreeSet<>(later.step().servers());
          back.retainAll(removed);
          if (!back.isEmpty()) {
            until = later.atMicros();
          }
        }
      }
      removals.add(new Removal(step, removed, until));
    }
    return removals;
  }

  static String millis(long micros) {
    return micros < 0 ? "none" : String.valueOf(Math.round(micros / 1000.0));
  }
}
