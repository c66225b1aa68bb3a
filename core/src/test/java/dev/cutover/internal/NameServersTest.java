package dev.cutover.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** The bound on sends in flight, against a real DNS server that holds its answers. */
class NameServersTest {
  private EmbeddedDnsServer dns;
  private final ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1);

  @BeforeEach
  void start() throws Exception {
    dns = EmbeddedDnsServer.start();
  }

  @AfterEach
  void stop() {
    thread.shutdownNow();
    dns.close();
  }

  @Test
  void atMostMaxInFlightSendsAreOutTheRestWaitInOrder() throws Exception {
    for (int i = 0; i < 6; i++) {
      dns.setAddresses("h" + i + ".cutover.test", Duration.ofSeconds(30), "127.0.0." + (i + 2));
    }
    dns.hold();
    // A time-out far beyond the test: no hedged second send while the server holds.
    NameServers servers = new NameServers(List.of(dns.address()), Duration.ofMinutes(2), 2,
        thread, thread);
    List<CompletableFuture<Message>> answers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      answers.add(servers.send(Message.newQuery(Record.newRecord(
          Name.fromString("h" + i + ".cutover.test."), Type.A, DClass.IN))));
    }
    // Counted as the sends are made, on this thread: exact, whatever the server has seen yet.
    assertEquals(2, servers.inFlight());
    assertEquals(4, servers.waiting());
    Poll.until(Duration.ofSeconds(10), "the two sends at the server", () -> dns.heldCount() == 2);
    assertEquals(1, dns.queryCount("h0.cutover.test", "A"));
    assertEquals(1, dns.queryCount("h1.cutover.test", "A"));

    dns.release();
    for (int i = 0; i < 6; i++) {
      Message answer = answers.get(i).get(10, TimeUnit.SECONDS);
      assertEquals(Rcode.NOERROR, answer.getRcode());
      assertEquals("127.0.0." + (i + 2),
          answer.getSection(org.xbill.DNS.Section.ANSWER).get(0).rdataToString());
    }
    Poll.until(Duration.ofSeconds(10), "every slot freed", () -> servers.inFlight() == 0);
    assertEquals(0, servers.waiting());
    assertEquals(6, dns.queryCount(), "each query sent once");
  }

  @Test
  void aWaitingSendWhoseQueryWasGivenUpIsNeverSent() throws Exception {
    dns.setAddresses("first.cutover.test", Duration.ofSeconds(30), "127.0.0.2");
    dns.setAddresses("abandoned.cutover.test", Duration.ofSeconds(30), "127.0.0.3");
    dns.hold();
    NameServers servers = new NameServers(List.of(dns.address()), Duration.ofMinutes(2), 1,
        thread, thread);
    CompletableFuture<Message> first = servers.send(Message.newQuery(Record.newRecord(
        Name.fromString("first.cutover.test."), Type.A, DClass.IN)));
    CompletableFuture<Message> abandoned = servers.send(Message.newQuery(Record.newRecord(
        Name.fromString("abandoned.cutover.test."), Type.A, DClass.IN)));
    assertEquals(1, servers.waiting());
    // As the resolver does with the family it stops waiting for.
    abandoned.cancel(false);
    Poll.until(Duration.ofSeconds(10), "the first send at the server", () -> dns.heldCount() == 1);
    dns.release();
    assertEquals(Rcode.NOERROR, first.get(10, TimeUnit.SECONDS).getRcode());
    Poll.until(Duration.ofSeconds(10), "the slot freed", () -> servers.inFlight() == 0);
    assertEquals(0, servers.waiting());
    assertEquals(0, dns.queryCount("abandoned.cutover.test", "A"), "given up before its turn");
    assertEquals(1, dns.queryCount());
  }
}
