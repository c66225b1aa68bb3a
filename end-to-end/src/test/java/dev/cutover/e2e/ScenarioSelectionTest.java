package dev.cutover.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which scenarios {@code -Dcutover.e2e.scenarios} makes the end-to-end suite play. */
class ScenarioSelectionTest {

  @Test
  void unsetOrBlankPlaysEveryScenario() {
    List<EndToEndScenario> all = List.of(EndToEndScenario.values());
    assertEquals(all, EndToEndCutoverTest.selected(null));
    assertEquals(all, EndToEndCutoverTest.selected(""));
    assertEquals(all, EndToEndCutoverTest.selected("  "));
  }

  @Test
  void namedScenariosArePlayedOnceEachInTheSuitesOrder() {
    assertEquals(List.of(EndToEndScenario.FLIP_503_GONE, EndToEndScenario.LOAD_SHEDDING),
        EndToEndCutoverTest.selected("LOAD_SHEDDING, FLIP_503_GONE,LOAD_SHEDDING"));
  }

  @Test
  void anUnknownNameFailsNamingItAndTheChoices() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EndToEndCutoverTest.selected("FLIP_503_GONE,LOAD_SHEDING"));
    assertTrue(e.getMessage().contains("cutover.e2e.scenarios"), e.getMessage());
    assertTrue(e.getMessage().contains("'LOAD_SHEDING'"), e.getMessage());
    assertTrue(e.getMessage().contains("WEIGHTED_SHIFT"), e.getMessage());
  }

  @Test
  void anEmptyNameBetweenCommasIsAMistakeToo() {
    assertThrows(IllegalArgumentException.class,
        () -> EndToEndCutoverTest.selected("FLIP_503_GONE,,ROLLBACK"));
  }
}
