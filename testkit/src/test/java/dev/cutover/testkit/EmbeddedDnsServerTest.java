package dev.cutover.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

class EmbeddedDnsServerTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final Duration TTL = Duration.ofSeconds(30);

  private EmbeddedDnsServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = EmbeddedDnsServer.start();
  }

  @AfterEach
  void closeServer() {
    server.close();
  }

  @Test
  void listensOnLoopbackByDefault() throws Exception {
    assertEquals(InetAddress.getByName("127.0.0.1"), server.address().getAddress());
    assertTrue(server.address().getPort() > 0);
  }

  @Test
  void answersAAndAaaaWithTheGivenTtls() throws Exception {
    server.setAddresses(
        "api.example.test", Duration.ofSeconds(42), "10.0.0.1", "2001:db8::1", "10.0.0.2");

    Message a = query("api.example.test", Type.A);
    assertEquals(Rcode.NOERROR, a.getRcode());
    assertTrue(a.getHeader().getFlag(Flags.AA));
    assertTrue(a.getHeader().getFlag(Flags.QR));
    assertEquals(List.of("10.0.0.1", "10.0.0.2"), addresses(a));
    for (Record record : a.getSection(Section.ANSWER)) {
      assertEquals(42, record.getTTL());
    }

    Message aaaa = query("api.example.test", Type.AAAA);
    assertEquals(Rcode.NOERROR, aaaa.getRcode());
    assertEquals(List.of("2001:db8:0:0:0:0:0:1"), addresses(aaaa));
    assertEquals(42, aaaa.getSection(Section.ANSWER).get(0).getTTL());
  }

  @Test
  void repeatedLiteralsGiveOneRecord() throws Exception {
    server.setAddresses(
        "api.example.test", TTL, "10.0.0.1", "10.0.0.1", "2001:db8::1", "2001:DB8:0:0::1");

    assertEquals(List.of("10.0.0.1"), addresses(query("api.example.test", Type.A)));
    assertEquals(List.of("2001:db8:0:0:0:0:0:1"), addresses(query("api.example.test", Type.AAAA)));
  }

  @Test
  void servesOnIpv6LoopbackWhereAvailable() throws Exception {
    InetAddress v6 = InetAddress.getByName("::1");
    EmbeddedDnsServer onV6;
    try {
      onV6 = EmbeddedDnsServer.start(v6);
    } catch (IOException e) {
      Assumptions.abort("no IPv6 loopback here: " + e);
      return;
    }
    try (onV6) {
      onV6.setAddresses("api.example.test", TTL, "10.0.0.1");
      assertEquals(v6, onV6.address().getAddress());
      Message response =
          resolver(onV6.address(), TIMEOUT).send(newQuery("api.example.test", Type.A));
      assertEquals(List.of("10.0.0.1"), addresses(response));
    }
  }

  @Test
  void namesAreCaseInsensitiveWithOrWithoutTrailingDot() throws Exception {
    server.setAddresses("Api.Example.TEST.", TTL, "10.0.0.7");

    assertEquals(List.of("10.0.0.7"), addresses(query("api.example.test", Type.A)));
    assertEquals(List.of("10.0.0.7"), addresses(query("API.EXAMPLE.TEST", Type.A)));
    assertEquals(2, server.queryCount("api.example.test.", "a"));
  }

  @Test
  void recordChangesShowOnTheNextQuery() throws Exception {
    server.setAddresses("api.example.test", TTL, "10.0.0.1");
    assertEquals(List.of("10.0.0.1"), addresses(query("api.example.test", Type.A)));

    server.setAddresses("api.example.test", Duration.ofSeconds(5), "10.0.0.9");
    Message changed = query("api.example.test", Type.A);
    assertEquals(List.of("10.0.0.9"), addresses(changed));
    assertEquals(5, changed.getSection(Section.ANSWER).get(0).getTTL());
  }

  @Test
  void answersACnameChainInOrder() throws Exception {
    server
        .setCname("www.example.test", Duration.ofSeconds(10), "edge.example.test")
        .setCname("edge.example.test", Duration.ofSeconds(20), "blue.example.test")
        .setAddresses("blue.example.test", Duration.ofSeconds(30), "10.0.0.1", "2001:db8::2");

    Message response = query("www.example.test", Type.A);

    assertEquals(Rcode.NOERROR, response.getRcode());
    List<Record> answer = response.getSection(Section.ANSWER);
    assertEquals(3, answer.size(), response.toString());
    CNAMERecord first = assertInstanceOf(CNAMERecord.class, answer.get(0));
    assertEquals(name("www.example.test"), first.getName());
    assertEquals(name("edge.example.test"), first.getTarget());
    assertEquals(10, first.getTTL());
    CNAMERecord second = assertInstanceOf(CNAMERecord.class, answer.get(1));
    assertEquals(name("blue.example.test"), second.getTarget());
    assertEquals(20, second.getTTL());
    ARecord last = assertInstanceOf(ARecord.class, answer.get(2));
    assertEquals(name("blue.example.test"), last.getName());
    assertEquals("10.0.0.1", last.getAddress().getHostAddress());
    assertEquals(30, last.getTTL());

    Message aaaa = query("www.example.test", Type.AAAA);
    assertEquals(3, aaaa.getSection(Section.ANSWER).size());
    assertInstanceOf(AAAARecord.class, aaaa.getSection(Section.ANSWER).get(2));
  }

  @Test
  void cnameQueryGetsOnlyTheCname() throws Exception {
    server
        .setCname("www.example.test", TTL, "blue.example.test")
        .setAddresses("blue.example.test", TTL, "10.0.0.1");

    List<Record> answer = query("www.example.test", Type.CNAME).getSection(Section.ANSWER);

    assertEquals(1, answer.size());
    assertInstanceOf(CNAMERecord.class, answer.get(0));
  }

  @Test
  void cnameToAnUnknownTargetAnswersTheCnameAlone() throws Exception {
    server.setCname("www.example.test", TTL, "elsewhere.example.org");

    Message response = query("www.example.test", Type.A);

    assertEquals(Rcode.NOERROR, response.getRcode());
    List<Record> answer = response.getSection(Section.ANSWER);
    assertEquals(1, answer.size());
    assertEquals(name("elsewhere.example.org"), ((CNAMERecord) answer.get(0)).getTarget());
  }

  @Test
  void cnameLoopEndsTheChain() throws Exception {
    server
        .setCname("ping.example.test", TTL, "pong.example.test")
        .setCname("pong.example.test", TTL, "ping.example.test");

    Message response = query("ping.example.test", Type.A);

    assertEquals(Rcode.NOERROR, response.getRcode());
    assertEquals(2, response.getSection(Section.ANSWER).size());
  }

  @Test
  void longCnameChainStopsAfterEightHops() throws Exception {
    for (int i = 0; i < 12; i++) {
      server.setCname("c" + i + ".example.test", TTL, "c" + (i + 1) + ".example.test");
    }
    server.setAddresses("c12.example.test", TTL, "10.0.0.1");

    List<Record> answer = query("c0.example.test", Type.A).getSection(Section.ANSWER);

    assertEquals(8, answer.size());
    for (Record record : answer) {
      assertInstanceOf(CNAMERecord.class, record);
    }
  }

  @Test
  void unknownNameGetsNxdomainWithSoa() throws Exception {
    Message response = query("missing.example.test", Type.A);

    assertEquals(Rcode.NXDOMAIN, response.getRcode());
    assertTrue(response.getHeader().getFlag(Flags.AA));
    assertTrue(response.getSection(Section.ANSWER).isEmpty());
    assertNegativeSoa(response);
  }

  @Test
  void removedNameGetsNxdomain() throws Exception {
    server.setAddresses("api.example.test", TTL, "10.0.0.1");
    server.remove("API.example.test.");

    assertEquals(Rcode.NXDOMAIN, query("api.example.test", Type.A).getRcode());
  }

  @Test
  void missingTypeGetsNodataWithSoa() throws Exception {
    server.setAddresses("v4.example.test", TTL, "10.0.0.1");

    Message aaaa = query("v4.example.test", Type.AAAA);
    assertEquals(Rcode.NOERROR, aaaa.getRcode());
    assertTrue(aaaa.getSection(Section.ANSWER).isEmpty());
    assertNegativeSoa(aaaa);

    Message mx = query("v4.example.test", Type.MX);
    assertEquals(Rcode.NOERROR, mx.getRcode());
    assertTrue(mx.getSection(Section.ANSWER).isEmpty());
    assertNegativeSoa(mx);
  }

  @Test
  void nameWithoutAddressesGetsNodata() throws Exception {
    server.setAddresses("empty.example.test", TTL);

    Message response = query("empty.example.test", Type.A);

    assertEquals(Rcode.NOERROR, response.getRcode());
    assertTrue(response.getSection(Section.ANSWER).isEmpty());
    assertNegativeSoa(response);
  }

  @Test
  void servfailAndRefusedBehaviors() throws Exception {
    server.setAddresses("api.example.test", TTL, "10.0.0.1");

    server.behavior(EmbeddedDnsServer.Behavior.SERVFAIL);
    Message servfail = query("api.example.test", Type.A);
    assertEquals(Rcode.SERVFAIL, servfail.getRcode());
    assertTrue(servfail.getSection(Section.ANSWER).isEmpty());

    server.behavior(EmbeddedDnsServer.Behavior.REFUSED);
    assertEquals(Rcode.REFUSED, query("api.example.test", Type.A).getRcode());

    server.behavior(EmbeddedDnsServer.Behavior.ANSWER);
    assertEquals(List.of("10.0.0.1"), addresses(query("api.example.test", Type.A)));
  }

  @Test
  void nxdomainBehaviorHidesExistingRecords() throws Exception {
    server.setAddresses("api.example.test", TTL, "10.0.0.1");
    server.behavior(EmbeddedDnsServer.Behavior.NXDOMAIN);

    Message response = query("api.example.test", Type.A);

    assertEquals(Rcode.NXDOMAIN, response.getRcode());
    assertTrue(response.getSection(Section.ANSWER).isEmpty());
    assertNegativeSoa(response);
  }

  @Test
  void dropReadsTheQueryButNeverAnswers() throws Exception {
    server.setAddresses("api.example.test", TTL, "10.0.0.1");
    server.behavior(EmbeddedDnsServer.Behavior.DROP);

    ExecutionException thrown =
        assertThrows(
            ExecutionException.class,
            () -> sendAsync(server.address(), "api.example.test", Type.A, Duration.ofMillis(300)));

    assertInstanceOf(SocketTimeoutException.class, thrown.getCause(), thrown.toString());
    assertEquals(1, server.queryCount());
  }

  @Test
  void downAnswersNothingWhateverTheBehaviorAndUpAnswersFromTheKeptRecords() throws Exception {
    DnsServer dns = server;
    dns.setAddresses("api.example.test", TTL, "10.0.0.1");
    server.behavior(EmbeddedDnsServer.Behavior.SERVFAIL);

    dns.down();
    dns.down(); // twice: still one outage
    ExecutionException thrown =
        assertThrows(
            ExecutionException.class,
            () -> sendAsync(server.address(), "api.example.test", Type.A, Duration.ofMillis(300)));
    assertInstanceOf(SocketTimeoutException.class, thrown.getCause(), thrown.toString());
    assertEquals(1, server.queryCount(), "the dropped query was read");

    dns.up();
    server.behavior(EmbeddedDnsServer.Behavior.ANSWER);
    assertEquals(List.of("10.0.0.1"), addresses(query("api.example.test", Type.A)));
    dns.up(); // when up: nothing changes
    assertEquals(List.of("10.0.0.1"), addresses(query("api.example.test", Type.A)));
  }

  @Test
  void nameBehaviorOverridesTheGlobalOneUntilCleared() throws Exception {
    server
        .setAddresses("good.example.test", TTL, "10.0.0.1")
        .setAddresses("other.example.test", TTL, "10.0.0.2");
    server.behavior(EmbeddedDnsServer.Behavior.SERVFAIL);
    server.behavior("GOOD.example.test.", EmbeddedDnsServer.Behavior.ANSWER);

    assertEquals(List.of("10.0.0.1"), addresses(query("good.example.test", Type.A)));
    assertEquals(Rcode.SERVFAIL, query("other.example.test", Type.A).getRcode());

    server.behavior(EmbeddedDnsServer.Behavior.ANSWER);
    server.behavior("other.example.test", EmbeddedDnsServer.Behavior.REFUSED);
    assertEquals(Rcode.REFUSED, query("other.example.test", Type.A).getRcode());
    assertEquals(Rcode.NOERROR, query("good.example.test", Type.A).getRcode());

    server.clearBehavior("other.example.test");
    assertEquals(List.of("10.0.0.2"), addresses(query("other.example.test", Type.A)));
  }

  @Test
  void truncateMakesTheClientRetryOverTcp() throws Exception {
    server.setAddresses("api.example.test", Duration.ofSeconds(15), "10.0.0.1", "10.0.0.2");
    server.behavior(EmbeddedDnsServer.Behavior.TRUNCATE);

    Message response = query("api.example.test", Type.A);

    assertEquals(Rcode.NOERROR, response.getRcode());
    assertFalse(response.getHeader().getFlag(Flags.TC));
    assertEquals(List.of("10.0.0.1", "10.0.0.2"), addresses(response));
    assertEquals(15, response.getSection(Section.ANSWER).get(0).getTTL());
    assertEquals(1, server.tcpQueryCount());
    assertEquals(2, server.queryCount());
  }

  @Test
  void truncatedUdpAnswerHasTcSetAndNoRecords() throws Exception {
    server.setAddresses("api.example.test", TTL, "10.0.0.1");
    server.behavior(EmbeddedDnsServer.Behavior.TRUNCATE);
    SimpleResolver resolver = resolver(server.address(), TIMEOUT);
    resolver.setIgnoreTruncation(true);

    Message response = resolver.send(newQuery("api.example.test", Type.A));

    assertTrue(response.getHeader().getFlag(Flags.TC));
    assertTrue(response.getSection(Section.ANSWER).isEmpty());
    assertEquals(0, server.tcpQueryCount());
  }

  @Test
  void largeAnswerIsTruncatedTo512BytesWithoutEdns() throws Exception {
    String[] many = new String[60];
    for (int i = 0; i < many.length; i++) {
      many[i] = "10.0.1." + i;
    }
    server.setAddresses("big.example.test", TTL, many);

    SimpleResolver plain = resolver(server.address(), TIMEOUT);
    plain.setEDNS(null);
    plain.setIgnoreTruncation(true);
    Message truncated = plain.send(newQuery("big.example.test", Type.A));
    assertTrue(truncated.getHeader().getFlag(Flags.TC));

    // dnsjava offers a 1280-byte EDNS payload by default, and 60 A records fit in it.
    SimpleResolver edns = resolver(server.address(), TIMEOUT);
    edns.setIgnoreTruncation(true);
    Message whole = edns.send(newQuery("big.example.test", Type.A));
    assertFalse(whole.getHeader().getFlag(Flags.TC));
    assertEquals(60, whole.getSection(Section.ANSWER).size());

    plain.setIgnoreTruncation(false);
    Message retried = plain.send(newQuery("big.example.test", Type.A));
    assertEquals(60, retried.getSection(Section.ANSWER).size());
    assertEquals(1, server.tcpQueryCount());
  }

  @Test
  void delayedAnswersArriveLateWithoutHoldingUpOthers() throws Exception {
    server.setAddresses("api.example.test", TTL, "10.0.0.1");
    // Long enough that a loaded machine's scheduling cannot be mistaken for it either way.
    Duration delay = Duration.ofSeconds(2);
    server.delay(delay);

    long start = System.nanoTime();
    List<CompletableFuture<Long>> arrivals = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      SimpleResolver resolver = resolver(server.address(), Duration.ofSeconds(10));
      arrivals.add(resolver.sendAsync(newQuery("api.example.test", Type.A)).toCompletableFuture()
          .thenApply(answer -> {
            assertEquals(List.of("10.0.0.1"), addresses(answer));
            return System.nanoTime();
          }));
    }
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (CompletableFuture<Long> arrival : arrivals) {
      long at = arrival.get(20, TimeUnit.SECONDS);
      assertTrue(at - start >= delay.toNanos(), "answered after only "
          + TimeUnit.NANOSECONDS.toMillis(at - start) + " ms");
      first = Math.min(first, at);
      last = Math.max(last, at);
    }
    // One after the other, the five would arrive a delay apart: 8 s from first to last.
    // Concurrently they arrive together; a whole delay apart only if the machine stalled.
    assertTrue(last - first < delay.toNanos(), "answers spread over "
        + TimeUnit.NANOSECONDS.toMillis(last - first) + " ms: they held each other up");

    server.delay(Duration.ZERO);
    long again = System.nanoTime();
    query("api.example.test", Type.A);
    assertTrue(System.nanoTime() - again < delay.toNanos(), "still delayed after delay(ZERO)");
  }

  @Test
  void delayAppliesOverTcpToo() throws Exception {
    server.setAddresses("api.example.test", TTL, "10.0.0.1");
    Duration delay = Duration.ofMillis(300);
    server.delay(delay);
    SimpleResolver resolver = resolver(server.address(), TIMEOUT);
    resolver.setTCP(true);

    long start = System.nanoTime();
    Message response = resolver.send(newQuery("api.example.test", Type.A));
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertEquals(List.of("10.0.0.1"), addresses(response));
    assertTrue(elapsedMillis >= delay.toMillis(), "took only " + elapsedMillis + " ms");
  }

  @Test
  void heldAnswersLeaveOnlyWhenReleasedInArrivalOrder() throws Exception {
    server.setAddresses("api.example.test", TTL, "10.0.0.1");
    server.setAddresses("web.example.test", TTL, "10.0.0.2");
    server.hold();
    CompletableFuture<Message> first = resolver(server.address(), Duration.ofSeconds(30))
        .sendAsync(newQuery("api.example.test", Type.A)).toCompletableFuture();
    CompletableFuture<Message> second = resolver(server.address(), Duration.ofSeconds(30))
        .sendAsync(newQuery("web.example.test", Type.A)).toCompletableFuture();
    Poll.until(TIMEOUT, "both queries held", () -> server.heldCount() == 2);
    assertFalse(first.isDone() || second.isDone(), "nothing leaves while held");
    assertEquals(2, server.queryCount(), "held queries are counted on arrival");

    server.release();
    assertEquals(List.of("10.0.0.1"), addresses(first.get(5, TimeUnit.SECONDS)));
    assertEquals(List.of("10.0.0.2"), addresses(second.get(5, TimeUnit.SECONDS)));
    assertEquals(0, server.heldCount());
    assertEquals(List.of("10.0.0.1"), addresses(query("api.example.test", Type.A)),
        "after release, answers leave at once");
  }

  @Test
  void aBehaviorForOneTypeLeavesTheOtherTypesAlone() throws Exception {
    server.setAddresses("api.example.test", TTL, "10.0.0.1", "2001:db8::1");
    server.behavior("api.example.test", "AAAA", EmbeddedDnsServer.Behavior.SERVFAIL);
    assertEquals(Rcode.SERVFAIL, query("api.example.test", Type.AAAA).getRcode());
    assertEquals(List.of("10.0.0.1"), addresses(query("api.example.test", Type.A)));
    server.behavior("api.example.test", EmbeddedDnsServer.Behavior.REFUSED);
    assertEquals(Rcode.SERVFAIL, query("api.example.test", Type.AAAA).getRcode(),
        "the type's behavior wins over the name's");
    assertEquals(Rcode.REFUSED, query("api.example.test", Type.A).getRcode());
    server.clearBehavior("api.example.test", "aaaa");
    assertEquals(Rcode.REFUSED, query("api.example.test", Type.AAAA).getRcode());
    assertMessageContains("unknown record type: 'NOPE'",
        () -> server.behavior("api.example.test", "NOPE", EmbeddedDnsServer.Behavior.DROP));
  }

  @Test
  void countsQueriesPerNameAndType() throws Exception {
    server.setAddresses("api.example.test", TTL, "10.0.0.1");

    query("api.example.test", Type.A);
    query("api.example.test", Type.A);
    query("api.example.test", Type.AAAA);
    query("missing.example.test", Type.A);
    SimpleResolver tcp = resolver(server.address(), TIMEOUT);
    tcp.setTCP(true);
    tcp.send(newQuery("api.example.test", Type.A));

    assertEquals(5, server.queryCount());
    assertEquals(1, server.tcpQueryCount());
    assertEquals(3, server.queryCount("api.example.test", "A"));
    assertEquals(1, server.queryCount("API.EXAMPLE.TEST.", "aaaa"));
    assertEquals(1, server.queryCount("missing.example.test", "A"));
    assertEquals(0, server.queryCount("api.example.test", "CNAME"));

    server.resetQueryCounts();
    assertEquals(0, server.queryCount());
    assertEquals(0, server.tcpQueryCount());
    assertEquals(0, server.queryCount("api.example.test", "A"));
  }

  @Test
  void tcpConnectionCarriesSeveralQueries() throws Exception {
    server.setAddresses("one.example.test", TTL, "10.0.0.1");
    server.setAddresses("two.example.test", TTL, "10.0.0.2");

    try (Socket socket = new Socket()) {
      socket.connect(server.address(), 2000);
      socket.setSoTimeout(2000);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      DataInputStream in = new DataInputStream(socket.getInputStream());
      Message first = newQuery("one.example.test", Type.A);
      Message second = newQuery("two.example.test", Type.A);
      writeFramed(out, first.toWire());
      writeFramed(out, second.toWire());

      Message firstAnswer = readFramed(in);
      Message secondAnswer = readFramed(in);

      assertEquals(first.getHeader().getID(), firstAnswer.getHeader().getID());
      assertEquals(List.of("10.0.0.1"), addresses(firstAnswer));
      assertEquals(second.getHeader().getID(), secondAnswer.getHeader().getID());
      assertEquals(List.of("10.0.0.2"), addresses(secondAnswer));
    }
    assertEquals(2, server.tcpQueryCount());
  }

  @Test
  void malformedPacketsAreIgnored() throws Exception {
    server.setAddresses("api.example.test", TTL, "10.0.0.1");

    try (DatagramSocket udp = new DatagramSocket()) {
      byte[] junk = {1, 2, 3};
      udp.send(new DatagramPacket(junk, junk.length, server.address()));
      byte[] header = new byte[12];
      header[5] = 5; // claims five questions that are not there
      udp.send(new DatagramPacket(header, header.length, server.address()));
    }
    try (Socket socket = new Socket()) {
      socket.connect(server.address(), 2000);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      writeFramed(out, new byte[] {9, 9, 9, 9});
      // A frame cut short by the client closing must not upset the server either.
      out.writeShort(100);
      out.write(new byte[10]);
      out.flush();
    }

    assertEquals(List.of("10.0.0.1"), addresses(query("api.example.test", Type.A)));
    SimpleResolver tcp = resolver(server.address(), TIMEOUT);
    tcp.setTCP(true);
    assertEquals(List.of("10.0.0.1"), addresses(tcp.send(newQuery("api.example.test", Type.A))));
    assertEquals(2, server.queryCount());
  }

  @Test
  void otherOpcodesGetNotimp() throws Exception {
    Message notify = newQuery("api.example.test", Type.SOA);
    notify.getHeader().setOpcode(Opcode.NOTIFY);

    Message response = resolver(server.address(), TIMEOUT).send(notify);

    assertEquals(Rcode.NOTIMP, response.getRcode());
    assertEquals(Opcode.NOTIFY, response.getHeader().getOpcode());
  }

  @Test
  void badInputsAreRejectedNamingTheValue() {
    assertMessageContains("null", () -> server.setAddresses(null, TTL, "10.0.0.1"));
    assertMessageContains("'  '", () -> server.setAddresses("  ", TTL, "10.0.0.1"));
    assertMessageContains("a..b", () -> server.setAddresses("a..b", TTL, "10.0.0.1"));
    assertMessageContains(
        "10.0.0.256", () -> server.setAddresses("api.example.test", TTL, "10.0.0.256"));
    assertMessageContains(
        "not-an-ip", () -> server.setAddresses("api.example.test", TTL, "not-an-ip"));
    assertMessageContains(
        "2001:db8::g", () -> server.setAddresses("api.example.test", TTL, "2001:db8::g"));
    assertMessageContains(
        "PT-1S", () -> server.setAddresses("api.example.test", Duration.ofSeconds(-1), "10.0.0.1"));
    assertMessageContains(
        "PT596523H14M8S",
        () -> server.setAddresses("api.example.test", Duration.ofSeconds(1L << 31), "10.0.0.1"));
    assertMessageContains("ttl", () -> server.setAddresses("api.example.test", null, "10.0.0.1"));
    assertMessageContains("'x y'", () -> server.setCname("api.example.test", TTL, "x y"));
    assertMessageContains("null", () -> server.remove(null));
    assertMessageContains("behavior", () -> server.behavior((EmbeddedDnsServer.Behavior) null));
    assertMessageContains("PT-0.001S", () -> server.delay(Duration.ofMillis(-1)));
    assertMessageContains("delay", () -> server.delay(null));
    assertMessageContains("'BOGUS'", () -> server.queryCount("api.example.test", "BOGUS"));
  }

  @Test
  void ttlAtTheLimitIsAccepted() throws Exception {
    server.setAddresses("api.example.test", Duration.ofSeconds(Integer.MAX_VALUE), "10.0.0.1");

    Message response = query("api.example.test", Type.A);

    assertEquals(Integer.MAX_VALUE, response.getSection(Section.ANSWER).get(0).getTTL());
  }

  @Test
  void closeFreesThePortAndEndsTheThreads() throws Exception {
    EmbeddedDnsServer other = EmbeddedDnsServer.start();
    other.setAddresses("api.example.test", TTL, "10.0.0.1");
    SimpleResolver tcp = resolver(other.address(), TIMEOUT);
    tcp.setTCP(true);
    tcp.send(newQuery("api.example.test", Type.A));
    InetSocketAddress address = other.address();

    other.close();
    other.close();

    try (DatagramSocket udp = new DatagramSocket(address);
        ServerSocket tcpSocket = new ServerSocket()) {
      tcpSocket.setReuseAddress(true);
      tcpSocket.bind(address);
      assertEquals(address.getPort(), udp.getLocalPort());
    }
    List<String> left =
        Thread.getAllStackTraces().keySet().stream()
            .filter(Thread::isAlive)
            .map(Thread::getName)
            .filter(n -> n.startsWith("cutover-embedded-dns-"))
            .collect(Collectors.toList());
    // The server of this test class is still open; its two listener threads are expected.
    assertEquals(
        List.of("cutover-embedded-dns-tcp-accept", "cutover-embedded-dns-udp"),
        left.stream().sorted().collect(Collectors.toList()));
  }

  // ---- helpers ----

  private Message query(String name, int type) throws IOException {
    return resolver(server.address(), TIMEOUT).send(newQuery(name, type));
  }

  private static Message sendAsync(
      InetSocketAddress address, String name, int type, Duration timeout) throws Exception {
    SimpleResolver resolver = resolver(address, timeout);
    return resolver
        .sendAsync(newQuery(name, type))
        .toCompletableFuture()
        .get(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
  }

  static SimpleResolver resolver(InetSocketAddress address, Duration timeout) {
    SimpleResolver resolver = new SimpleResolver(address);
    resolver.setTimeout(timeout);
    return resolver;
  }

  static Message newQuery(String name, int type) throws TextParseException {
    return Message.newQuery(Record.newRecord(name(name), type, DClass.IN));
  }

  static Name name(String text) throws TextParseException {
    return Name.fromString(text, Name.root);
  }

  static List<String> addresses(Message response) {
    List<String> result = new ArrayList<>();
    for (Record record : response.getSection(Section.ANSWER)) {
      if (record instanceof ARecord) {
        result.add(((ARecord) record).getAddress().getHostAddress());
      } else if (record instanceof AAAARecord) {
        result.add(((AAAARecord) record).getAddress().getHostAddress());
      }
    }
    return result;
  }

  private static void assertNegativeSoa(Message response) {
    List<Record> authority = response.getSection(Section.AUTHORITY);
    assertEquals(1, authority.size(), response.toString());
    SOARecord soa = assertInstanceOf(SOARecord.class, authority.get(0));
    assertEquals(1, soa.getMinimum());
    assertEquals(1, soa.getTTL());
  }

  private static void assertMessageContains(String expected, Runnable call) {
    IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(
        thrown.getMessage().contains(expected),
        "message should contain " + expected + ": " + thrown.getMessage());
  }

  private static void writeFramed(DataOutputStream out, byte[] wire) throws IOException {
    out.writeShort(wire.length);
    out.write(wire);
    out.flush();
  }

  private static Message readFramed(DataInputStream in) throws IOException {
    byte[] wire = new byte[in.readUnsignedShort()];
    in.readFully(wire);
    return new Message(wire);
  }
}
