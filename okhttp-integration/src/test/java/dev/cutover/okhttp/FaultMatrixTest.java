package dev.cutover.okhttp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.http.Fault;
import dev.cutover.CutoverResolver;
import dev.cutover.okhttp.internal.OkHttpCompat;
import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.FakeTicker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntBiFunction;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * The fault matrix: each fault the old environment (blue) can show during a cutover, against each
 * kind of request, through the wrapped client; how many times each server received the request
 * and what the caller got. Blue is where the client's pooled connection and cached answer go; DNS
 * has already moved to green, which the client learns only when it asks (a failure makes it ask).
 *
 * <p>The table is written to {@code FAULTS.md}, one section per OkHttp line, and this test fails
 * when the committed section differs from what the run produced, so that the documented
 * behaviour is the tested behaviour. Regenerate with {@code -Dcutover.faults.write=true} (once
 * per OkHttp line: plain and {@code -Pokhttp4}).
 *
 * <p>Asserted outright as well: a POST without a key and a one-shot body reach the servers at
 * most once in every row, exactly once wherever a server reads requests; a GET, a PUT and a POST
 * with a key end on green wherever green is known and the failure came before a response.
 */
class FaultMatrixTest {
  private static final Path DOC = Path.of("FAULTS.md");
  private static final MediaType JSON = MediaType.get("application/json");
  private static final Duration DNS_DELAY = Duration.ofMillis(200);

  /** The kinds of request, in the table's column order. */
  enum Kind {
    GET("GET", true),
    PUT("PUT", true),
    POST("POST", false),
    POST_KEYED("POST with key", true),
    ONE_SHOT("PUT, one-shot body", false);

    final String label;
    final boolean replayable;

    Kind(String label, boolean replayable) {
      this.label = label;
      this.replayable = replayable;
    }

    Request request(HttpUrl url) {
      Request.Builder builder = new Request.Builder().url(url);
      return switch (this) {
        case GET -> builder.build();
        case PUT -> builder.put(RequestBody.create("{}", JSON)).build();
        case POST -> builder.post(RequestBody.create("{}", JSON)).build();
        case POST_KEYED -> builder.post(RequestBody.create("{}", JSON))
            .header("Idempotency-Key", "k-1").build();
        case ONE_SHOT -> builder.put(new OneShotBody("{}")).build();
      };
    }

    String method() {
      return this == GET ? "GET" : this == POST || this == POST_KEYED ? "POST" : "PUT";
    }
  }

  /** What one cell came to. */
  record Cell(int blue, int green, String outcome) {
    @Override
    public String toString() {
      return "blue " + blue + ", green " + green + ": " + outcome;
    }
  }

  /**
   * One row: how blue fails. {@code readsRequests}: blue reads each request before failing, so a
   * request sent once is received exactly once. {@code greenKnowable}: the client can learn of
   * green (DNS answers). {@code beforeResponse}: the failure comes before any response headers.
   */
  private record Row(String fault, boolean readsRequests, boolean greenKnowable,
      boolean beforeResponse, Setup setup) {}

  /** Puts blue (and DNS) into the row's fault, once the client has what it has. */
  private interface Setup {
    void apply(Servers servers) throws Exception;
  }

  /** Both kinds of blue this matrix uses, and their shared DNS server. */
  private record Servers(WireMockFixture wiremock, CutoverFixture backend) {}

  @Test
  void theMatrixIsWhatFaultsMdSays() throws Exception {
    Map<Row, Map<Kind, Cell>> table = new LinkedHashMap<>();
    try (WireMockFixture wiremock = new WireMockFixture();
        CutoverFixture backend = new CutoverFixture(false)) {
      // Every DNS answer 200 ms late, and the retry interceptor allowed to wait for it: OkHttp's
      // own retries (immediate) then always come before the client learns that blue left, and
      // Cutover's retry always after, so that each count is the same in every run.
      wiremock.dns.delay(DNS_DELAY);
      backend.dns.delay(DNS_DELAY);
      Servers servers = new Servers(wiremock, backend);
      for (Row row : rows()) {
        Map<Kind, Cell> cells = new LinkedHashMap<>();
        for (Kind kind : Kind.values()) {
          cells.put(kind, play(servers, row, kind));
        }
        table.put(row, cells);
      }
    }
    List<String> broken = new ArrayList<>();
    table.forEach((row, cells) -> cells.forEach((kind, cell) -> {
      String where = row.fault() + " / " + kind.label + ": " + cell;
      if (!kind.replayable) {
        int received = cell.blue() + cell.green();
        if (received > 1 || (row.readsRequests() && received != 1)) {
          broken.add(where + " (must be received exactly once)");
        }
      } else if (row.greenKnowable() && row.beforeResponse()
          && !cell.outcome().equals("200 green")) {
        broken.add(where + " (green was there to answer)");
      }
    }));
    assertEquals(List.of(), broken);
    checkDocument(render(table));
  }

  private static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("connection reset before the request is read", false, true, true,
        s -> s.backend().blue.resetConnections()));
    rows.add(new Row("connection reset after the request is read", true, true, true,
        s -> s.wiremock().blueFails(Fault.CONNECTION_RESET_BY_PEER)));
    rows.add(new Row("empty response (closed after reading)", true, true, true,
        s -> s.wiremock().blueFails(Fault.EMPTY_RESPONSE)));
    rows.add(new Row("random data, then closed", true, true, true,
        s -> s.wiremock().blueFails(Fault.RANDOM_DATA_THEN_CLOSE)));
    rows.add(new Row("response stalls past the read time-out", true, true, true,
        s -> s.wiremock().blueAnswers(aResponse().withStatus(200).withBody("blue")
            .withFixedDelay(5_000))));
    rows.add(new Row("malformed chunk in the response body", true, true, false,
        s -> s.wiremock().blueFails(Fault.MALFORMED_RESPONSE_CHUNK)));
    rows.add(new Row("slow body (5 chunks, 0.3 s apart)", true, true, false,
        s -> s.wiremock().blueAnswers(aResponse().withStatus(200).withBody("blue, slowly")
            .withChunkedDribbleDelay(5, 1_500))));
    rows.add(new Row("503, Retry-After: 0", true, true, true,
        s -> s.wiremock().blueAnswers(aResponse().withStatus(503).withHeader("Retry-After", "0")
            .withBody("blue unavailable"))));
    rows.add(new Row("connection refused (blue shut down, nothing pooled)", false, true, true,
        s -> { }));
    rows.add(new Row("DNS does not answer; blue resets after reading", true, false, true,
        s -> {
          s.wiremock().dns.behavior(EmbeddedDnsServer.Behavior.DROP);
          s.wiremock().blueFails(Fault.CONNECTION_RESET_BY_PEER);
        }));
    rows.add(new Row("DNS does not answer; the name was never resolved", false, false, true,
        s -> s.wiremock().dns.behavior(EmbeddedDnsServer.Behavior.DROP)));
    return rows;
  }

  /** One cell: a client of its own, as the row needs it, then the request, then the counts. */
  private Cell play(Servers servers, Row row, Kind kind) throws Exception {
    boolean backendRow = row.fault().startsWith("connection reset before");
    boolean refusedRow = row.fault().startsWith("connection refused");
    boolean neverResolved = row.fault().endsWith("never resolved");
    EmbeddedDnsServer dns = backendRow ? servers.backend().dns : servers.wiremock().dns;
    String host = CutoverFixture.HOST;
    String blueIp = refusedRow ? "127.0.0.9" : "127.0.0.2"; // nothing listens on 127.0.0.9
    dns.behavior(EmbeddedDnsServer.Behavior.ANSWER);
    dns.setAddresses(host, CutoverFixture.TTL, blueIp);
    if (backendRow) {
      servers.backend().blue.serve();
    } else {
      servers.wiremock().restartBlue(); // no fault of an earlier cell lingers
      servers.wiremock().serveBoth();
    }
    FakeTicker ticker = new FakeTicker();
    CutoverResolver resolver = backendRow ? servers.backend().newResolver(ticker)
        : servers.wiremock().newResolver(ticker);
    OkHttpClient.Builder plain = servers.wiremock().plainClient();
    OkHttpClient client = CutoverOkHttp.builder(plain.build()).resolver(resolver)
        .ticker(ticker::read).sleeper((nanos, call) -> ticker.advance(Duration.ofNanos(nanos)))
        .evidenceWait(Duration.ofSeconds(5)).build();
    HttpUrl url = backendRow ? servers.backend().url("/cell")
        : servers.wiremock().url("/cell");
    try {
      if (refusedRow) {
        resolver.lookup(host); // blue's address cached; no connection
      } else if (!neverResolved) {
        try (Response warmUp = client.newCall(new Request.Builder().url(url).build())
            .execute()) {
          assertEquals("blue", warmUp.body().string(), "the warm-up, on the pooled connection");
        }
      }
      if (backendRow) {
        servers.backend().blue.resetCounters();
        servers.backend().green.resetCounters();
      } else {
        servers.wiremock().resetCounts();
      }
      dns.setAddresses(host, CutoverFixture.TTL, "127.0.0.3");
      ticker.advance(Duration.ofSeconds(2)); // past the resolver's forced-refresh limit
      row.setup().apply(servers);
      String outcome = outcome(client, kind.request(url));
      ToIntBiFunction<Boolean, String> received = (blue, method) -> backendRow
          ? (blue ? servers.backend().blue : servers.backend().green).requestCount(method)
          : WireMockFixture.received(blue ? servers.wiremock().blue : servers.wiremock().green,
              method);
      return new Cell(received.applyAsInt(true, kind.method()),
          received.applyAsInt(false, kind.method()), outcome);
    } finally {
      dns.behavior(EmbeddedDnsServer.Behavior.ANSWER);
      resolver.close();
      client.connectionPool().evictAll();
    }
  }

  /** What the caller got: the status and who answered, or the exception's class. */
  private static String outcome(OkHttpClient client, Request request) {
    Response response;
    try {
      response = client.newCall(request).execute();
    } catch (IOException e) {
      return e.getClass().getSimpleName();
    }
    try (response) {
      String body = response.body().string();
      return response.code() + " " + (body.startsWith("green") ? "green" : "blue");
    } catch (IOException e) {
      return response.code() + " from blue, then the body failed: " + e.getClass().getSimpleName();
    }
  }

  private static String render(Map<Row, Map<Kind, Cell>> table) {
    StringBuilder out = new StringBuilder();
    out.append("| fault |");
    for (Kind kind : Kind.values()) {
      out.append(' ').append(kind.label).append(" |");
    }
    out.append("\n|---|");
    for (int i = 0; i < Kind.values().length; i++) {
      out.append("---|");
    }
    out.append('\n');
    table.forEach((row, cells) -> {
      out.append("| ").append(row.fault()).append(" |");
      cells.values().forEach(cell -> out.append(' ').append(cell).append(" |"));
      out.append('\n');
    });
    return out.toString();
  }

  /** Compares (or, when asked, writes) this OkHttp line's section of FAULTS.md. */
  private static void checkDocument(String table) throws IOException {
    String version = OkHttpCompat.version();
    String begin = "<!-- fault-matrix okhttp " + version + " -->\n";
    String end = "<!-- /fault-matrix okhttp " + version + " -->";
    String document = Files.readString(DOC, StandardCharsets.UTF_8);
    int from = document.indexOf(begin);
    int to = document.indexOf(end);
    boolean write = Boolean.getBoolean("cutover.faults.write");
    if (from < 0 || to < from) {
      if (!write) {
        throw new AssertionError(DOC.toAbsolutePath() + " has no section for OkHttp " + version
            + "; run with -Dcutover.faults.write=true to add it:\n" + table);
      }
      document = document + "\n### OkHttp " + version + "\n\n" + begin + table + end + "\n";
    } else {
      String committed = document.substring(from + begin.length(), to);
      if (committed.equals(table)) {
        return;
      }
      if (!write) {
        assertEquals(committed, table, DOC.toAbsolutePath() + " says otherwise for OkHttp "
            + version + "; if the change is intended, run with -Dcutover.faults.write=true");
      }
      document = document.substring(0, from + begin.length()) + table + document.substring(to);
    }
    Files.writeString(DOC, document, StandardCharsets.UTF_8);
    assertTrue(Files.readString(DOC, StandardCharsets.UTF_8).contains(table));
  }
}
