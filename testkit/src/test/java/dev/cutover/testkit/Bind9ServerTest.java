package dev.cutover.testkit;

import static dev.cutover.testkit.EmbeddedDnsServerTest.addresses;
import static dev.cutover.testkit.EmbeddedDnsServerTest.name;
import static dev.cutover.testkit.EmbeddedDnsServerTest.newQuery;
import static dev.cutover.testkit.EmbeddedDnsServerTest.resolver;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

class Bind9ServerTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final Duration TTL = Duration.ofSeconds(30);

  private static Bind9Server shared;

  @BeforeAll
  static void startShared() throws IOException {
    if (Bind9Server.isInstalled()) {
      shared = Bind9Server.start("cutover.test");
    }
  }

  // Per test, not in @BeforeAll: Surefire reports a class aborted there as 0 tests, not as skips.
  @BeforeEach
  void requireBind9() {
    Assumptions.assumeTrue(Bind9Server.availableForTests(), Bind9Server.installHint());
  }

  @AfterAll
  static void closeShared() {
    if (shared != null) {
      shared.close();
    }
  }

  @Test
  void servesTheZoneOnLoopback() throws Exception {
    assertEquals("cutover.test", shared.zone());
    assertEquals(InetAddress.getByName("127.0.0.1"), shared.address().getAddress());
    assertTrue(shared.isRunning());

    Message soa = query(shared, "cutover.test", Type.SOA);
    assertEquals(Rcode.NOERROR, soa.getRcode(), shared.log());
    assertEquals(List.of("127.0.0.1"), addresses(query(shared, "ns.cutover.test", Type.A)));
    assertTrue(shared.log().contains("running"), shared.log());
  }

  @Test
  void setAddressesIsServedWithItsTtl() throws Exception {
    shared.setAddresses("api", Duration.ofSeconds(42), "10.1.0.1", "10.1.0.2", "2001:db8::5");

    Message a = query(shared, "api.cutover.test", Type.A);
    assertEquals(List.of("10.1.0.1", "10.1.0.2"), sorted(addresses(a)));
    for (Record record : a.getSection(Section.ANSWER)) {
      assertEquals(42, record.getTTL());
    }
    Message aaaa = query(shared, "api.cutover.test", Type.AAAA);
    assertEquals(List.of("2001:db8:0:0:0:0:0:5"), addresses(aaaa));

    shared.setAddresses("API.cutover.test.", Duration.ofSeconds(7), "10.1.0.9");
    Message changed = query(shared, "api.cutover.test", Type.A);
    assertEquals(List.of("10.1.0.9"), addresses(changed));
    assertEquals(7, changed.getSection(Section.ANSWER).get(0).getTTL());
    Message noV6 = query(shared, "api.cutover.test", Type.AAAA);
    assertEquals(Rcode.NOERROR, noV6.getRcode());
    assertTrue(noV6.getSection(Section.ANSWER).isEmpty());
  }

  @Test
  void addressesAreAnsweredInAscendingOrderEveryTime() throws Exception {
    shared.setAddresses("order", TTL, "10.3.0.4", "10.3.0.2", "10.3.0.3");

    for (int i = 0; i < 5; i++) {
      assertEquals(List.of("10.3.0.2", "10.3.0.3", "10.3.0.4"),
          addresses(query(shared, "order.cutover.test", Type.A)), "query " + i);
    }
  }

  @Test
  void setCnameReplacesAddresses() throws Exception {
    shared.setAddresses("blue", TTL, "10.2.0.1");
    shared.setAddresses("www", TTL, "10.2.0.99");

    shared.setCname("www", Duration.ofSeconds(20), "blue.cutover.test");

    List<Record> answer = query(shared, "www.cutover.test", Type.A).getSection(Section.ANSWER);
    assertEquals(2, answer.size(), answer.toString());
    CNAMERecord cname = assertInstanceOf(CNAMERecord.class, answer.get(0));
    assertEquals(name("blue.cutover.test"), cname.getTarget());
    assertEquals(20, cname.getTTL());
    ARecord target = assertInstanceOf(ARecord.class, answer.get(1));
    assertEquals("10.2.0.1", target.getAddress().getHostAddress());

    // And back: addresses replace the CNAME.
    shared.setAddresses("www.cutover.test", TTL, "10.2.0.50");
    assertEquals(List.of("10.2.0.50"), addresses(query(shared, "www.cutover.test", Type.A)));
  }

  @Test
  void removeMakesTheNameVanish() throws Exception {
    shared.setAddresses("gone", TTL, "10.3.0.1");
    assertEquals(Rcode.NOERROR, query(shared, "gone.cutover.test", Type.A).getRcode());

    shared.remove("gone");

    assertEquals(Rcode.NXDOMAIN, query(shared, "gone.cutover.test", Type.A).getRcode());
  }

  @Test
  void namesOutsideTheZoneAreRejected() {
    IllegalArgumentException outside =
        assertThrows(
            IllegalArgumentException.class,
            () -> shared.setAddresses("api.example.com", TTL, "10.0.0.1"));
    assertTrue(outside.getMessage().contains("api.example.com"), outside.getMessage());
    assertThrows(IllegalArgumentException.class, () -> shared.remove("other.test."));
    assertThrows(IllegalArgumentException.class, () -> shared.setCname("@", TTL, "api"));
    IllegalArgumentException badIp =
        assertThrows(
            IllegalArgumentException.class, () -> shared.setAddresses("api", TTL, "10.0.0.300"));
    assertTrue(badIp.getMessage().contains("10.0.0.300"), badIp.getMessage());
  }

  @Test
  void stopAndRestartSimulateAnOutageAndKeepUpdates() throws Exception {
    Bind9Server server = Bind9Server.start("outage.test");
    Path dir = server.directory();
    ProcessHandle firstProcess = server.processHandle().orElseThrow();
    try {
      server.setAddresses("svc", TTL, "10.9.0.1");
      server.setAddresses("svc", Duration.ofSeconds(9), "10.9.0.2");

      server.stop();
      assertFalse(server.isRunning());
      assertFalse(firstProcess.isAlive());
      assertTrue(Files.isDirectory(dir));
      SimpleResolver quick = resolver(server.address(), Duration.ofMillis(300));
      IOException down =
          assertThrows(IOException.class, () -> quick.send(newQuery("svc.outage.test", Type.A)));
      // On loopback the kernel answers for the closed port, so dnsjava fails at once with
      // PortUnreachableException rather than waiting for its timeout.
      assertTrue(
          down instanceof PortUnreachableException
              || down instanceof SocketTimeoutException
              || down.getCause() instanceof TimeoutException,
          down.toString());
      SimpleResolver quickTcp = resolver(server.address(), Duration.ofMillis(300));
      quickTcp.setTCP(true);
      assertThrows(IOException.class, () -> quickTcp.send(newQuery("svc.outage.test", Type.A)));

      server.restart();
      assertTrue(server.isRunning());
      Message after = query(server, "svc.outage.test", Type.A);
      assertEquals(List.of("10.9.0.2"), addresses(after), server.log());
      assertEquals(9, after.getSection(Section.ANSWER).get(0).getTTL());

      ProcessHandle secondProcess = server.processHandle().orElseThrow();
      server.close();
      assertFalse(Files.exists(dir));
      secondProcess.onExit().get(10, TimeUnit.SECONDS);
      assertFalse(secondProcess.isAlive());
      assertFalse(server.isRunning());
    } finally {
      server.close();
    }
  }

  @Test
  void startFailureReportsTheLogAndCleansUp() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));

      IOException thrown =
          assertThrows(
              IOException.class, () -> Bind9Server.start("busy.test", taken.getLocalPort()));

      String message = thrown.getMessage();
      assertTrue(message.contains("could not bind port " + taken.getLocalPort()), message);
      // The log tail comes along, and it names the cause.
      assertTrue(message.contains("creating TCP socket: address in use"), message);
      Matcher logPath = Pattern.compile("last lines of (\\S+)/named\\.log").matcher(message);
      assertTrue(logPath.find(), message);
      assertFalse(Files.exists(Path.of(logPath.group(1))), "left behind: " + logPath.group(1));
    }
  }

  @Test
  void reportsItsInstallation() {
    assertTrue(Bind9Server.isInstalled());
    assertTrue(Bind9Server.availableForTests());
    assertTrue(Bind9Server.installHint().contains("apt-get install"));
  }

  @Test
  void answersDrawnPerQueryAreRejectedNamingTheEmbeddedServer() {
    UnsupportedOperationException rotating = assertThrows(UnsupportedOperationException.class,
        () -> shared.setRotating("api.cutover.test", TTL, 1, "127.0.0.2", "127.0.0.3"));
    assertTrue(rotating.getMessage().contains("setRotating")
        && rotating.getMessage().contains("EmbeddedDnsServer"), rotating.getMessage());
    UnsupportedOperationException weighted = assertThrows(UnsupportedOperationException.class,
        () -> shared.setWeighted("api.cutover.test", TTL,
            java.util.Map.of(List.of("127.0.0.2"), 1.0)));
    assertTrue(weighted.getMessage().contains("setWeighted"), weighted.getMessage());
  }

  private static Message query(Bind9Server server, String name, int type) throws IOException {
    return resolver(server.address(), TIMEOUT).send(newQuery(name, type));
  }

  private static List<String> sorted(List<String> values) {
    return values.stream().sorted().collect(Collectors.toList());
  }

  @Test
  void downStopsNamedAndUpBringsItBackWithItsRecords() throws Exception {
    try (Bind9Server own = Bind9Server.start("down.test")) {
      DnsServer dns = own;
      dns.setAddresses("api", TTL, "10.0.0.7");
      dns.down();
      assertFalse(own.isRunning());
      dns.down(); // twice: still one outage
      assertThrows(IOException.class,
          () -> resolver(own.address(), Duration.ofMillis(500)).send(newQuery("api.down.test",
              Type.A)));

      dns.up();
      assertTrue(own.isRunning());
      assertEquals(List.of("10.0.0.7"), addresses(query(own, "api.down.test", Type.A)));
      long pid = own.processHandle().orElseThrow().pid();
      dns.up(); // when up: named is not restarted
      assertEquals(pid, own.processHandle().orElseThrow().pid());
    }
  }
}
