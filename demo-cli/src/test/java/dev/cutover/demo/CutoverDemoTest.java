package dev.cutover.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CutoverDemoTest {

  @Test
  void badOptionsExitWithTwoAndSayWhy() {
    assertBad("unknown option '--colour'", "--colour=blue");
    assertBad("--callers must be a whole number from 1 to 256", "--callers=0");
    assertBad("--duration-per-phase must be a duration", "--duration-per-phase=soon");
    assertBad("--dns and --host go together", "--host=api.example.com");
    assertBad("--dns must be IP:PORT", "--dns=10.0.0.2:99999", "--host=a");
    assertBad("unknown option 'extra'", "extra");
  }

  private static void assertBad(String expected, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = CutoverDemo.run(new PrintStream(new ByteArrayOutputStream(), true),
        new PrintStream(err, true, StandardCharsets.UTF_8), args);
    String message = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, status, message);
    assertTrue(message.contains(expected), message);
    assertTrue(message.contains("usage:"), message);
  }
}
