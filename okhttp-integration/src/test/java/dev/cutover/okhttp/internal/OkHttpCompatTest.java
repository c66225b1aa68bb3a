package dev.cutover.okhttp.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import okhttp3.EventListener;
import org.junit.jupiter.api.Test;

/** Runs on every OkHttp line the build tests (5.x, and 4.12 under -Pokhttp4). */
class OkHttpCompatTest {

  @Test
  void theVersionIsTheOneTheBuildPutOnTheClassPath() {
    String expected = System.getProperty("cutover.test.okhttp.version");
    assertNotNull(expected, "set by the okhttp-integration pom for surefire");
    assertEquals(expected, OkHttpCompat.version());
    assertEquals(expected.startsWith("4."), OkHttpCompat.isOkHttp4());
    // Detected from the codec's methods, not the version: the two must agree on both lines.
    assertEquals(OkHttpCompat.isOkHttp4(), OkHttpCompat.releasesCallAtContentLength());
  }

  @Test
  void theSocketIsAskedOnEveryOkHttpNotKnownToCheckHealthBeforeHandingOut() {
    assertEquals(OkHttpCompat.isOkHttp4(), OkHttpCompat.handsOutUncheckedConnections());
    assertEquals(5, OkHttpCompat.majorVersion("5.5.1"));
    assertEquals(4, OkHttpCompat.majorVersion("4.12.0"));
    assertEquals(10, OkHttpCompat.majorVersion("10.0.0-alpha.1"));
    // OkHttp's version unreadable: nothing is assumed, so the socket is asked.
    assertEquals(-1, OkHttpCompat.majorVersion("unknown"));
    assertEquals(-1, OkHttpCompat.majorVersion(""));
  }

  @Test
  void onTheClassPathACallTellsItsClient() {
    // The module path is ModulePathTest's, in the samples module.
    assertEquals(true, OkHttpCompat.canTellClientOfCall());
  }

  @Test
  void theInternalDrainModeWorksOnEverySupportedLine() {
    assertDoesNotThrow(OkHttpCompat::requireNoNewExchanges);
  }

  @Test
  void theEventListenerPassesOnEveryEventThisOkHttpHas() {
    List<String> missing = new ArrayList<>();
    for (Method event : EventListener.class.getMethods()) {
      int modifiers = event.getModifiers();
      if (event.getDeclaringClass() != EventListener.class || Modifier.isStatic(modifiers)
          || Modifier.isFinal(modifiers)) {
        continue;
      }
      try {
        CutoverEventListener.class.getDeclaredMethod(event.getName(), event.getParameterTypes());
      } catch (NoSuchMethodException e) {
        missing.add(event.getName());
      }
    }
    assertEquals(List.of(), missing, "events the user's listener would not see");
  }
}
