package dev.cutover.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.EmbeddedDnsServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The --dns/--host mode, with the embedded servers standing in for a real DNS and host. */
class WatchRealHostTest {

  @Test
  void printsWhoAnswersTheHost() throws Exception {
    try (EmbeddedDnsServer dns = EmbeddedDnsServer.start();
        BackendServer blue = BackendServer.builder("blue")
            .address(InetAddress.getByName("127.0.0.2")).start()) {
      dns.setAddresses("api.cutover.test", Duration.ofSeconds(2), "127.0.0.2");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int status = CutoverDemo.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
          "--dns=127.0.0.1:" + dns.address().getPort(),
          "--host=api.cutover.test:" + blue.port(), "--path=/health", "--duration=2s",
          "--callers=2");
      String printed = out.toString(StandardCharsets.UTF_8);
      assertEquals(0, status, printed);
      assertTrue(printed.contains("127.0.0.2 200 blue="), printed);
      assertTrue(blue.requestCount() > 0, printed);
    }
  }
}
