package dev.cutover.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.QueryOutcome;
import dev.cutover.internal.Transitions.Notice;
import dev.cutover.internal.Transitions.Transition;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** The answer state machine, as a function of plain values: no DNS, no threads, no clock. */
class TransitionsTest {
  private static final String HOST = "api.cutover.test";
  private static final long SECOND = Duration.ofSeconds(1).toNanos();
  /** nextDouble() is 0: the back-off jitter at its low end, 0.8. */
  private static final RandomGenerator LOW = () -> 0L;
  /** nextDouble() is just under 1: the back-off jitter at its high end, 1.2. */
  private static final RandomGenerator HIGH = () -> -1L;

  private static CacheSettings settings() {
    return new CacheSettings(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(2),
        Duration.ofMinutes(5), Duration.ofMinutes(10), 100, 64);
  }

  private final Transitions transitions = new Transitions(settings(), LOW);

  @Test
  void firstAnswerSetsTheDeadlinesAndIsNoChange() {
    long now = 1_000 * SECOND;
    Transition t = transitions.afterQuery(HOST, HostState.NEW, success(10, "10.0.0.1"), now);
    Answer answer = t.state().answer();
    assertEquals(Answer.Kind.POSITIVE, answer.kind);
    assertEquals(ips("10.0.0.1"), answer.addresses);
    assertEquals(now + 8 * SECOND, answer.refreshAt, "refresh at 80% of the TTL");
    assertEquals(now + 10 * SECOND, answer.expiresAt);
    assertEquals(now + 310 * SECOND, answer.staleUntil, "TTL plus maxStale");
    assertNull(t.change(), "nothing to compare the first answer with");
    assertEquals(Notice.NONE, t.notice());
    assertEquals(ips("10.0.0.1"), t.state().lastGood());
    assertEquals(0, t.state().failures());
  }

  @Test
  void aFamilyThatFailedKeepsItsLastAddressesInTheirPlaceUntilMaxStale() {
    HostState both = answered(10, "2001:db8::1", "10.0.0.1"); // IPv6 preferred: it came first
    assertEquals(310 * SECOND, both.familyStaleUntil(), "TTL plus maxStale of the full answer");
    Transition partial = transitions.afterQuery(HOST, both,
        Resolution.partial(ips("10.0.0.2"), 10, Type.AAAA, "SERVFAIL", null), 10 * SECOND);
    assertEquals(ips("2001:db8::1", "10.0.0.2"), partial.state().answer().addresses,
        "the AAAA address kept, and still first");
    assertEquals(Set.of(ip("10.0.0.1")), partial.change().removed(), "only what A said changed");
    assertEquals(Set.of(ip("10.0.0.2")), partial.change().added());
    assertEquals(310 * SECOND, partial.state().familyStaleUntil(), "a partial answer moves it not");
    assertEquals(320 * SECOND, partial.state().answer().staleUntil, "but it is an answer");

    Transition stillPartial = transitions.afterQuery(HOST, partial.state(),
        Resolution.partial(ips("10.0.0.2"), 10, Type.AAAA, "SERVFAIL", null), 309 * SECOND);
    assertNull(stillPartial.change());
    Transition tooLong = transitions.afterQuery(HOST, stillPartial.state(),
        Resolution.partial(ips("10.0.0.2"), 10, Type.AAAA, "SERVFAIL", null), 310 * SECOND);
    assertEquals(Set.of(ip("2001:db8::1")), tooLong.change().removed(), "dropped at maxStale");
    Transition whole = transitions.afterQuery(HOST, tooLong.state(),
        success(10, "2001:db8::1", "10.0.0.2"), 311 * SECOND);
    assertEquals(Set.of(ip("2001:db8::1")), whole.change().added());
    assertEquals(621 * SECOND, whole.state().familyStaleUntil());
  }

  @Test
  void ttlIsClampedToMinAndMaxTtl() {
    assertEquals(SECOND, transitions.clampTtl(0));
    assertEquals(5 * SECOND, transitions.clampTtl(5));
    assertEquals(30 * SECOND, transitions.clampTtl(3600));
    assertEquals(30 * SECOND, transitions.clampTtl(Long.MAX_VALUE), "no overflow");
    Transition t = transitions.afterQuery(HOST, HostState.NEW, success(0, "10.0.0.1"), 0);
    assertEquals(SECOND, t.state().answer().expiresAt);
  }

  @Test
  void aNewAddressSetIsAChangeAgainstTheLastGoodAnswer() {
    HostState blue = answered(5, "10.0.0.1", "10.0.0.2");
    Transition t = transitions.afterQuery(HOST, blue, success(5, "10.0.0.2", "10.0.0.3"),
        5 * SECOND);
    assertNotNull(t.change());
    assertEquals(HOST, t.change().host());
    assertEquals(Set.of(ip("10.0.0.3")), t.change().added());
    assertEquals(Set.of(ip("10.0.0.1")), t.change().removed());
    assertEquals(ips("10.0.0.2", "10.0.0.3"), t.state().lastGood());
  }

  @Test
  void theSameAddressesInAnotherOrderAreNoChange() {
    HostState before = answered(5, "10.0.0.1", "10.0.0.2");
    Transition t = transitions.afterQuery(HOST, before, success(5, "10.0.0.2", "10.0.0.1"),
        5 * SECOND);
    assertNull(t.change());
    assertEquals(ips("10.0.0.2", "10.0.0.1"), t.state().answer().addresses, "served as answered");
  }

  @Test
  void aNameThatGoesAwayIsNoticedButNotAChange() {
    HostState blue = answered(5, "10.0.0.1");
    Transition gone = transitions.afterQuery(HOST, blue,
        Resolution.negative(QueryOutcome.NXDOMAIN, "DNS says it does not exist"), 5 * SECOND);
    assertEquals(Answer.Kind.NEGATIVE, gone.state().answer().kind);
    assertEquals(7 * SECOND, gone.state().answer().expiresAt, "kept for negativeTtl");
    assertNull(gone.change(), "open connections are kept");
    assertEquals(Notice.NAME_GONE, gone.notice());
    assertEquals(ips("10.0.0.1"), gone.state().lastGood(), "remembered for when it comes back");

    Transition back =
        transitions.afterQuery(HOST, gone.state(), success(5, "10.0.0.2"), 8 * SECOND);
    assertEquals(Set.of(ip("10.0.0.1")), back.change().removed(),
        "reported against the last addresses it had");
    assertEquals(Notice.NONE, back.notice());
  }

  @Test
  void aNameThatNeverExistedIsNoNotice() {
    Transition t = transitions.afterQuery(HOST, HostState.NEW,
        Resolution.negative(QueryOutcome.NO_DATA, "no A record"), 0);
    assertEquals(Notice.NONE, t.notice());
    assertNull(t.state().lastGood());
    assertEquals("api.cutover.test: no A record",
        t.state().answer().toException(HOST).getMessage());
  }

  @Test
  void dnsFailureServesTheLastGoodAnswerStaleThenRecovers() {
    HostState good = answered(10, "10.0.0.1");
    IOException timeout = new IOException("no usable answer");
    Transition first = transitions.afterQuery(HOST, good,
        Resolution.failure("no usable answer", timeout), 12 * SECOND);
    Answer stale = first.state().answer();
    assertEquals(Notice.STALE_STARTED, first.notice());
    assertEquals(Answer.Kind.POSITIVE, stale.kind);
    assertEquals(ips("10.0.0.1"), stale.addresses);
    assertSame(timeout, stale.staleCause);
    assertEquals(good.answer().staleUntil, stale.staleUntil, "the stale window does not move");
    assertEquals(12 * SECOND + 800_000_000L, stale.refreshAt, "retried after minTtl * 0.8");
    assertEquals(1, first.state().failures());

    Transition second = transitions.afterQuery(HOST, first.state(),
        Resolution.failure("still nothing", null), 13 * SECOND);
    assertEquals(Notice.NONE, second.notice(), "said once, when it started");
    assertEquals(2, second.state().failures());
    assertEquals(13 * SECOND + 1_600_000_000L, second.state().answer().refreshAt,
        "the next retry waits twice as long: 2 s * 0.8");
    assertEquals("still nothing", second.state().answer().staleCause.getMessage());

    Transition recovered =
        transitions.afterQuery(HOST, second.state(), success(10, "10.0.0.1"), 20 * SECOND);
    assertEquals(Notice.STALE_ENDED, recovered.notice());
    assertNull(recovered.state().answer().staleCause);
    assertEquals(0, recovered.state().failures());
    assertNull(recovered.change());
  }

  @Test
  void dnsFailureBeyondMaxStaleFailsLookupsAndSaysWhy() {
    HostState good = answered(10, "10.0.0.1");
    long now = good.answer().staleUntil + 5 * SECOND;
    Transition t = transitions.afterQuery(HOST, good, Resolution.failure("SERVFAIL", null), now);
    Answer failed = t.state().answer();
    assertEquals(Answer.Kind.FAILED, failed.kind);
    assertEquals(Notice.NONE, t.notice());
    UnknownHostException e = failed.toException(HOST);
    assertEquals("api.cutover.test: DNS lookup failed: SERVFAIL; the last good answer"
        + " [api.cutover.test/10.0.0.1] expired 305 s ago, beyond maxStale of 300 s",
        e.getMessage());
    assertEquals(ips("10.0.0.1"), t.state().lastGood());
  }

  @Test
  void dnsFailureWithNothingToServeFailsLookups() {
    Transition t = transitions.afterQuery(HOST, HostState.NEW,
        Resolution.failure("REFUSED", null), 0);
    assertEquals(Answer.Kind.FAILED, t.state().answer().kind);
    assertEquals("api.cutover.test: DNS lookup failed: REFUSED",
        t.state().answer().toException(HOST).getMessage());
    assertEquals(800_000_000L, t.state().answer().refreshAt);
    assertEquals(SECOND, t.state().answer().expiresAt, "a lookup may ask again after minTtl");
  }

  @Test
  void withNothingToServeLookupsRetryAfterMinTtlHoweverLongTheBackOff() {
    HostState state = HostState.NEW;
    long now = 0;
    for (int i = 0; i < 8; i++) {
      state = transitions.afterQuery(HOST, state, Resolution.failure("SERVFAIL", null), now)
          .state();
      now += SECOND;
    }
    Answer failed = state.answer();
    long last = now - SECOND;
    assertEquals(8, state.failures());
    assertEquals(last + 24 * SECOND, failed.refreshAt, "background retries back off to maxTtl");
    assertEquals(last + SECOND, failed.expiresAt, "but a lookup asks again after minTtl");
  }

  @Test
  void backOffDoublesFromMinTtlUpToMaxTtlWithTwentyPercentJitter() {
    Transitions low = new Transitions(settings(), LOW);
    Transitions high = new Transitions(settings(), HIGH);
    long[] ceilings = {1, 2, 4, 8, 16, 30, 30};
    for (int failures = 1; failures <= ceilings.length; failures++) {
      long ceiling = ceilings[failures - 1] * SECOND;
      assertEquals((long) (ceiling * 0.8), low.backoffNanos(failures), "failures " + failures);
      long upper = high.backoffNanos(failures);
      assertTrue(upper > ceiling * 1.19 && upper <= ceiling * 1.2, "failures " + failures);
    }
    assertEquals(24 * SECOND, low.backoffNanos(1_000), "no overflow after many failures");
  }

  @Test
  void backOffFromALongMinTtlNeverWraps() {
    // 3 h: 2^20 doublings of it no longer fit in a long, which used to wrap the wait negative.
    long hour = 3_600 * SECOND;
    CacheSettings longTtls = new CacheSettings(Duration.ofHours(3), Duration.ofDays(3650),
        Duration.ofSeconds(2), Duration.ofMinutes(5), Duration.ofMinutes(10), 100, 64);
    Transitions low = new Transitions(longTtls, LOW);
    assertEquals((long) (3 * hour * 0.8), low.backoffNanos(1));
    assertEquals((long) (6 * hour * 0.8), low.backoffNanos(2));
    assertEquals((long) (3 * hour * 2048 * 0.8), low.backoffNanos(12));
    long maxTtl = Duration.ofDays(3650).toNanos();
    for (int failures : new int[] {16, 21, 22, 40, 63, 64, 65, 1_000, Integer.MAX_VALUE}) {
      assertEquals((long) (maxTtl * 0.8), low.backoffNanos(failures), "failures " + failures);
    }
  }

  @Test
  void singleAddressWeightedAnswersAreNotChangesUntilTheShiftEnds() {
    HostState state = answered(5, "10.0.0.2");
    // Blue, green, blue, green: a weighted record answering one record set per query. Green's
    // first answer looks exactly like a flip, and is taken for one.
    Transition green = transitions.afterQuery(HOST, state, success(5, "10.0.0.3"), 5 * SECOND);
    assertEquals(Set.of(ip("10.0.0.3")), green.change().added());
    assertEquals(Set.of(ip("10.0.0.2")), green.change().removed());
    Transition blue = transitions.afterQuery(HOST, green.state(), success(5, "10.0.0.2"),
        10 * SECOND);
    assertEquals(Set.of(ip("10.0.0.2")), blue.change().added(), "blue is back");
    assertEquals(Set.of(), blue.change().removed(), "green answered once only: it rotates");
    state = blue.state();
    for (long t = 15; t <= 30; t += 5) {
      Transition again = transitions.afterQuery(HOST, state,
          success(5, t % 10 == 0 ? "10.0.0.2" : "10.0.0.3"), t * SECOND);
      assertNull(again.change(), "at " + t + " s");
      assertEquals(Set.of(ip("10.0.0.2"), ip("10.0.0.3")), again.state().answer().addressSet);
      state = again.state();
    }
    // Only green from now on: blue goes within the two-answer bound, not at the first absence.
    int answers = 0;
    Transition onlyGreen;
    do {
      answers++;
      onlyGreen = transitions.afterQuery(HOST, state, success(5, "10.0.0.3"),
          (30 + 5 * answers) * SECOND);
      state = onlyGreen.state();
    } while (onlyGreen.change() == null && answers < Membership.TWO_SET_MAX_MISSES);
    assertTrue(answers > 1, "blue removed at its first absence");
    assertEquals(Set.of(ip("10.0.0.2")), onlyGreen.change().removed());
    assertEquals(ips("10.0.0.3"), state.answer().addresses);
  }

  @Test
  void aFlipOfAStableAnswerIsAChangeAtOnce() {
    HostState state = answered(5, "10.0.0.2");
    state = transitions.afterQuery(HOST, state, success(5, "10.0.0.2"), 5 * SECOND).state();
    Transition flip = transitions.afterQuery(HOST, state, success(5, "10.0.0.3"), 10 * SECOND);
    assertEquals(Set.of(ip("10.0.0.2")), flip.change().removed());
    assertEquals(ips("10.0.0.3"), flip.state().answer().addresses);
  }

  @Test
  void aFailureRemovesAnAddressOnlyWhenDnsNoLongerNamesIt() {
    HostState state = answered(5, "10.0.0.4");
    state = transitions.afterQuery(HOST, state, success(5, "10.0.0.2"), 4 * SECOND).state();
    state = transitions.afterQuery(HOST, state, success(5, "10.0.0.3"), 5 * SECOND).state();
    assertEquals(Set.of(ip("10.0.0.2"), ip("10.0.0.3")), state.answer().addressSet,
        "10.0.0.2 answered once only: the host rotates, and keeps it");
    Transition marked = transitions.afterFailureReport(HOST, state, ip("10.0.0.3"));
    assertNull(marked.change(), "in the latest answer: a failure alone is not a cutover");
    assertSame(state.answer(), marked.state().answer(), "what is served does not change");
    Transition next = transitions.afterQuery(HOST, marked.state(), success(5, "10.0.0.2"),
        6 * SECOND);
    assertEquals(Set.of(ip("10.0.0.3")), next.change().removed(),
        "the next answer no longer names it: failure and absence together");
    assertNull(transitions.afterFailureReport(HOST, state, ip("10.0.0.9")), "never a member");
    Transition failed = transitions.afterFailureReport(HOST, state, ip("10.0.0.2"));
    assertEquals(Set.of(ip("10.0.0.2")), failed.change().removed());
    assertEquals(ips("10.0.0.3"), failed.state().answer().addresses);
    assertEquals(state.answer().expiresAt, failed.state().answer().expiresAt,
        "the deadlines stay");
    HostState negative = transitions.afterQuery(HOST, state,
        Resolution.negative(QueryOutcome.NXDOMAIN, "does not exist (NXDOMAIN)"), 6 * SECOND)
        .state();
    assertNull(transitions.afterFailureReport(HOST, negative, ip("10.0.0.2")),
        "nothing served, nothing to remove");
  }

  @Test
  void aBugWhileDecidingFailsTheAnswerAndKeepsTheRest() {
    HostState good = answered(10, "10.0.0.1");
    HostState after = transitions.afterBug(good, new IllegalStateException("oops"), SECOND);
    assertEquals(Answer.Kind.FAILED, after.answer().kind);
    assertEquals(2 * SECOND, after.answer().refreshAt, "tried again after minTtl");
    assertEquals(good.lastGood(), after.lastGood());
  }

  /** The state after a first answer at time zero. */
  private HostState answered(long ttlSeconds, String... literals) {
    return transitions.afterQuery(HOST, HostState.NEW, success(ttlSeconds, literals), 0).state();
  }

  private static Resolution success(long ttlSeconds, String... literals) {
    return Resolution.success(ips(literals), ttlSeconds);
  }

  static List<InetAddress> ips(String... literals) {
    return java.util.Arrays.stream(literals).map(TransitionsTest::ip).toList();
  }

  static InetAddress ip(String literal) {
    try {
      return InetAddress.getByAddress(HOST, InetAddress.getByName(literal).getAddress());
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
