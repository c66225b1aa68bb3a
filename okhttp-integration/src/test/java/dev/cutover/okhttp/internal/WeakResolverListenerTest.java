package dev.cutover.okhttp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cutover.ResolverListener;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The weak proxy forwards every event the resolver has, so a new one is not silently lost. */
class WeakResolverListenerTest {
  @Test
  void overridesEveryResolverListenerMethod() {
    List<String> missing = new ArrayList<>();
    for (Method method : ResolverListener.class.getMethods()) {
      try {
        Method own = WeakResolverListener.class.getDeclaredMethod(
            method.getName(), method.getParameterTypes());
        assertEquals(WeakResolverListener.class, own.getDeclaringClass());
      } catch (NoSuchMethodException e) {
        missing.add(method.getName());
      }
    }
    assertEquals(List.of(), missing, "ResolverListener methods WeakResolverListener drops");
  }
}
