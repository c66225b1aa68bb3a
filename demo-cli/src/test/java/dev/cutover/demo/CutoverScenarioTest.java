package dev.cutover.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.demo.RunResult.Outcome;
import dev.cutover.testkit.ClientKind;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The demo's cutover, shortened: the plain client is hurt by it, the wrapped one is not. */
class CutoverScenarioTest {

  @Test
  void plainClientFailsAndWrappedClientDoesNot() throws Exception {
    // A 1 s TTL so that, with 1 s phases, the flip is seen before blue starts answering 503.
    CutoverScenario scenario = new CutoverScenario(new CutoverScenario.Settings(
        Duration.ofSeconds(1), 4, Duration.ofMillis(10), false, Duration.ofSeconds(1),
        Loopback.choose(false), System.out));

    RunResult plain = scenario.run(ClientKind.PLAIN);
    RunResult wrapped = scenario.run(ClientKind.WRAPPED);
    CutoverDemo.printSummary(System.out, java.util.List.of(plain, wrapped));

    assertTrue(plain.count(Phase.STEADY, Outcome.BLUE) > 0, "plain client reached blue at all");
    assertTrue(plain.blueAfterFlip() > 0 && plain.errors() > 0,
        "plain client kept reaching blue after the flip and failed once blue went: "
            + plain.blueAfterFlip() + " on blue, " + plain.errors() + " errors");

    assertEquals(0, wrapped.errors(), () -> "wrapped client errors: " + wrapped.exceptionKinds());
    assertEquals(0, wrapped.count(Phase.BLUE_DOWN, Outcome.BLUE)
        + wrapped.count(Phase.BLUE_DOWN, Outcome.HTTP_503), "blue requests in the last phase");
    assertTrue(wrapped.count(Phase.BLUE_DOWN, Outcome.GREEN) > 0, "green served the last phase");
  }
}
