package dev.cutover;

import static dev.cutover.Testing.await;
import static dev.cutover.Testing.literals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.FakeTicker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hosts file: read off the caller's thread, read again when it changes, bad lines said. */
class ResolverHostsFileTest {
  private static final String PINNED = "pinned.cutover.test";

  @TempDir Path dir;
  private Path hosts;
  private EmbeddedDnsServer dns;
  private final FakeTicker ticker = new FakeTicker();
  private final RecordingListener listener = new RecordingListener();
  private CutoverResolver resolver;
  private final Logger log = Logger.getLogger("dev.cutover.CutoverResolver");
  private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        warnings.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void setUp() throws Exception {
    dns = EmbeddedDnsServer.start();
    hosts = dir.resolve("hosts");
    log.addHandler(capture);
  }

  @AfterEach
  void stop() {
    log.removeHandler(capture);
    if (resolver != null) {
      resolver.close();
    }
    dns.close();
  }

  private CutoverResolver startResolver() {
    resolver = CutoverResolver.builder().nameServers(dns.address()).hostsFile(hosts)
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED).ticker(ticker::read).build();
    resolver.addListener(listener);
    return resolver;
  }

  @Test
  void aChangedFileIsReadAgainAndTheChangeReported() throws Exception {
    Files.writeString(hosts, "127.0.0.9 " + PINNED + "\n");
    startResolver();
    assertEquals(List.of("127.0.0.9"), literals(resolver.lookup(PINNED)));

    Files.writeString(hosts, "127.0.0.10 " + PINNED + "\n127.0.0.11 " + PINNED + "\n");
    // Set, not left to the clock: a file system may keep whole seconds only.
    Files.setLastModifiedTime(hosts, FileTime.from(Instant.now().plusSeconds(10)));
    ticker.advance(Duration.ofSeconds(2)); // past its answer's minTtl (1 s)
    resolver.lookup(PINNED); // served, and refreshed in the background
    await(Duration.ofSeconds(5), "the new entries",
        () -> literals(resolver.cachedAddresses(PINNED)).equals(List.of("127.0.0.10",
            "127.0.0.11")));
    await(Duration.ofSeconds(5), "the change event", () -> listener.changes.size() == 1);
    assertEquals(Set.of(Testing.ip("127.0.0.9")), listener.changes.get(0).removed());
    assertEquals(0, dns.queryCount(), "DNS never asked");
    assertEquals(List.of(), warnings);
  }

  @Test
  void trackNeverWaitsForTheHostsFile() throws Exception {
    // A FIFO blocks whoever opens it for reading until someone writes: the resolver's thread
    // may wait on it, the caller of track() must not.
    Process mkfifo = new ProcessBuilder("mkfifo", hosts.toString()).start();
    assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0,
        "mkfifo failed");
    startResolver();
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> resolver.track(PINNED),
        "track() read the hosts file on the caller's thread");
    assertEquals(List.of(), resolver.cachedAddresses(PINNED));
    Files.writeString(hosts, "127.0.0.9 " + PINNED + "\n"); // pairs with the resolver's read
    await(Duration.ofSeconds(10), "the entry read on the resolver's thread",
        () -> literals(resolver.cachedAddresses(PINNED)).equals(List.of("127.0.0.9")));
  }

  @Test
  void malformedLinesAreSkippedWithOneWarningAndTheRestIsUsed() throws Exception {
    dns.setAddresses("dns-only.cutover.test", Duration.ofSeconds(30), "127.0.0.20");
    // Latin-1, as old files are: not valid UTF-8, and no reason to ignore the file.
    Files.writeString(hosts, String.join("\n",
        "# comment line, caf\u00e9",
        "not-an-address broken.cutover.test",
        "127.0.0.9 " + PINNED + " alias.cutover.test # trailing comment",
        "10.0.0.1",
        "",
        "::1 v6only.cutover.test",
        "127.0.0.12 " + PINNED.toUpperCase() + "."), StandardCharsets.ISO_8859_1);
    startResolver();
    assertEquals(List.of("127.0.0.12", "127.0.0.9"), literals(resolver.lookup(PINNED)),
        "every address given for the name");
    assertEquals(List.of("127.0.0.9"), literals(resolver.lookup("alias.cutover.test")));
    assertEquals(List.of("0:0:0:0:0:0:0:1"), literals(resolver.lookup("v6only.cutover.test")));
    assertEquals(List.of("127.0.0.20"), literals(resolver.lookup("dns-only.cutover.test")));
    assertEquals(1, warnings.size(), "one warning for the whole file: " + warnings);
    String message = java.text.MessageFormat.format(warnings.get(0).getMessage(),
        warnings.get(0).getParameters());
    assertEquals("hosts file " + hosts + ": 2 malformed line(s) skipped, the first at line 2:"
        + " 'not-an-address broken.cutover.test'; expected an IP address followed by host names",
        message);

    ticker.advance(Duration.ofSeconds(5)); // checked again, unchanged: not read, not warned
    resolver.lookup("dns-only.cutover.test");
    resolver.lookup(PINNED);
    await(Duration.ofSeconds(5), "the refreshes", () -> listener.queries.size() >= 6);
    assertEquals(1, warnings.size());
  }
}
