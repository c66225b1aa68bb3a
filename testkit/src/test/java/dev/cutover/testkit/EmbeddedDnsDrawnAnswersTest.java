package dev.cutover.testkit;

import static dev.cutover.testkit.EmbeddedDnsServerTest.addresses;
import static dev.cutover.testkit.EmbeddedDnsServerTest.newQuery;
import static dev.cutover.testkit.EmbeddedDnsServerTest.resolver;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Answers drawn per query: a rotating pool and a weighted record, as BIND cannot give them. */
class EmbeddedDnsDrawnAnswersTest {
  private static final String NAME = "pool.example.test";
  private static final Duration TTL = Duration.ofSeconds(1);
  private static final List<String> POOL =
      List.of("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4");

  private EmbeddedDnsServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = EmbeddedDnsServer.start().seed(42);
  }

  @AfterEach
  void closeServer() {
    server.close();
  }

  @Test
  void aRotatingPoolAnswersOneOfItsAddressesPerQuery() throws Exception {
    server.setRotating(NAME, TTL, 1, POOL.toArray(new String[0]));
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < 400; i++) {
      Message answer = query(Type.A);
      assertEquals(Rcode.NOERROR, answer.getRcode());
      List<String> addresses = addresses(answer);
      assertEquals(1, addresses.size(), addresses.toString());
      assertTrue(POOL.containsAll(addresses), addresses.toString());
      for (Record record : answer.getSection(Section.ANSWER)) {
        assertEquals(1, record.getTTL());
      }
      counts.merge(addresses.get(0), 1, Integer::sum);
    }
    assertEquals(Set.copyOf(POOL), counts.keySet());
    for (int count : counts.values()) {
      // 100 expected each; the seed makes the draws the same every run.
      assertTrue(count >= 70 && count <= 130, counts.toString());
    }
  }

  @Test
  void aRotatingPoolCanAnswerSeveralDistinctAddressesPerQueryAndDrawsEachFamilyOnItsOwn()
      throws Exception {
    server.setRotating(NAME, TTL, 2, "10.0.0.1", "10.0.0.2", "10.0.0.3", "2001:db8::1");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      List<String> v4 = addresses(query(Type.A));
      assertEquals(2, v4.size(), v4.toString());
      assertEquals(2, Set.copyOf(v4).size(), "distinct: " + v4);
      seen.addAll(v4);
      // One IPv6 address only, so all of it.
      assertEquals(List.of("2001:db8:0:0:0:0:0:1"), addresses(query(Type.AAAA)));
    }
    assertEquals(Set.of("10.0.0.1", "10.0.0.2", "10.0.0.3"), seen);
  }

  @Test
  void aWeightedRecordAnswersOneSetPerQueryByWeight() throws Exception {
    Map<List<String>, Double> weights = new LinkedHashMap<>();
    weights.put(List.of("10.0.0.1"), 90.0);
    weights.put(List.of("10.0.0.2", "10.0.0.3"), 10.0);
    weights.put(List.of("10.0.0.9"), 0.0);
    server.setWeighted(NAME, TTL, weights);
    Map<List<String>, Integer> counts = new LinkedHashMap<>();
    for (int i = 0; i < 1000; i++) {
      counts.merge(addresses(query(Type.A)), 1, Integer::sum);
    }
    assertEquals(Set.of(List.of("10.0.0.1"), List.of("10.0.0.2", "10.0.0.3")), counts.keySet(),
        "whole sets, and never the one of weight 0");
    int minority = counts.get(List.of("10.0.0.2", "10.0.0.3"));
    assertTrue(minority >= 70 && minority <= 130, "100 expected: " + counts);
    // A set with no address of the type asked answers NODATA.
    Message aaaa = query(Type.AAAA);
    assertEquals(Rcode.NOERROR, aaaa.getRcode());
    assertEquals(List.of(), addresses(aaaa));
  }

  @Test
  void theSameSeedDrawsTheSameAnswers() throws Exception {
    server.setRotating(NAME, TTL, 1, POOL.toArray(new String[0]));
    List<List<String>> first = draw(50);
    server.seed(42);
    assertEquals(first, draw(50));
    server.seed(43);
    List<List<String>> other = draw(50);
    assertTrue(!other.equals(first), "another seed, other answers: " + other);
  }

  @Test
  void setAddressesEndsTheDraws() throws Exception {
    server.setRotating(NAME, TTL, 1, POOL.toArray(new String[0]));
    server.setAddresses(NAME, TTL, "10.0.0.7", "10.0.0.8");
    for (int i = 0; i < 20; i++) {
      assertEquals(List.of("10.0.0.7", "10.0.0.8"), addresses(query(Type.A)));
    }
    server.setWeighted(NAME, TTL, Map.of(List.of("10.0.0.1"), 1.0, List.of("10.0.0.2"), 1.0));
    server.remove(NAME);
    assertEquals(Rcode.NXDOMAIN, query(Type.A).getRcode());
  }

  @Test
  void badInputsAreRejectedNamingTheArgument() {
    assertRejected("perAnswer must be 1 to 4",
        () -> server.setRotating(NAME, TTL, 0, POOL.toArray(new String[0])));
    assertRejected("perAnswer must be 1 to 2",
        () -> server.setRotating(NAME, TTL, 3, "10.0.0.1", "10.0.0.2", "10.0.0.1"));
    assertRejected("ipLiterals must be one or more", () -> server.setRotating(NAME, TTL, 1));
    assertRejected("not an IPv4 or IPv6 literal",
        () -> server.setRotating(NAME, TTL, 1, "10.0.0.1", "nope"));
    assertRejected("weights must hold one or more", () -> server.setWeighted(NAME, TTL,
        Map.of()));
    assertRejected("weigh a finite amount", () -> server.setWeighted(NAME, TTL,
        Map.of(List.of("10.0.0.1"), -1.0)));
    assertRejected("weigh a finite amount", () -> server.setWeighted(NAME, TTL,
        Map.of(List.of("10.0.0.1"), Double.NaN)));
    assertRejected("one or more address literals", () -> server.setWeighted(NAME, TTL,
        Map.of(List.of(), 1.0)));
    assertRejected("must not all be zero", () -> server.setWeighted(NAME, TTL,
        Map.of(List.of("10.0.0.1"), 0.0)));
    assertRejected("ttl must not be negative", () -> server.setRotating(NAME,
        Duration.ofSeconds(-1), 1, "10.0.0.1"));
  }

  private List<List<String>> draw(int queries) throws IOException {
    List<List<String>> answers = new ArrayList<>();
    for (int i = 0; i < queries; i++) {
      answers.add(addresses(query(Type.A)));
    }
    return answers;
  }

  private Message query(int type) throws IOException {
    return resolver(server.address(), Duration.ofSeconds(2)).send(newQuery(NAME, type));
  }

  private static void assertRejected(String expected, Runnable call) {
    IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(thrown.getMessage().contains(expected),
        "message should contain " + expected + ": " + thrown.getMessage());
  }
}
