package dev.cutover.demo;

import dev.cutover.AddressChange;
import dev.cutover.CutoverResolver;
import dev.cutover.ResolverListener;
import dev.cutover.demo.RunResult.Outcome;
import dev.cutover.okhttp.CutoverOkHttp;
import dev.cutover.testkit.ClientKind;
import dev.cutover.testkit.Load;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * A live blue-green cutover on this machine, played twice: first against a plain
 * {@code OkHttpClient} whose DNS answers are cached for 30 s as the JVM caches them, then against
 * the same client wrapped by {@link CutoverOkHttp#wrap(OkHttpClient, CutoverResolver)}.
 *
 * <p>Blue and green listen on two loopback addresses and one port, behind a name served by an
 * embedded DNS server with a 2 s TTL. Each run goes through four phases: steady on blue, DNS moved
 * to green, blue answering 503, blue shut down. A line a second shows who answers; the end shows
 * both runs side by side and writes {@code report.html} with a chart of each.
 *
 * <p>With {@code --dns=IP:PORT --host=NAME} it instead watches a real host through a real DNS
 * server with the wrapped client and prints who answers. Run with {@code --help} for the options.
 * Exit status: 0 when done, 1 when the demo could not run, 2 for bad options.
 */
public final class CutoverDemo {
  private static final Duration TTL = Duration.ofSeconds(2);
  private static final String REPORT_DIR_PROPERTY = "cutover.demo.reportDir";
  /** Held here because JUL keeps loggers only weakly, and would drop the handler with one. */
  private static final Logger LIBRARY_LOG = Logger.getLogger("dev.cutover");

  private CutoverDemo() {}

  /**
   * Runs the demo and exits with its status if that is not 0.
   *
   * @param args options such as {@code --duration-per-phase=4s --callers=8 --http2}
   */
  public static void main(String[] args) {
    int status = run(System.out, System.err, args);
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * Runs the demo.
   *
   * @param out where progress and results go
   * @param err where errors go
   * @param args the command-line options
   * @return 0 when done, 1 when the demo could not run, 2 for bad options
   */
  public static int run(PrintStream out, PrintStream err, String... args) {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (DemoOptions.BadOption e) {
      err.println("cutover demo: " + e.getMessage());
      err.println(DemoOptions.USAGE);
      return 2;
    }
    if (options.help) {
      out.println(DemoOptions.USAGE);
      return 0;
    }
    try {
      if (options.realMode()) {
        watchRealHost(options, out);
      } else {
        cutover(options, out);
      }
      return 0;
    } catch (IOException e) {
      err.println("cutover demo: could not run: " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("cutover demo: interrupted");
      return 1;
    }
  }

  private static void cutover(DemoOptions options, PrintStream out)
      throws IOException, InterruptedException {
    Loopback loopback = Loopback.choose(options.forceFallback);
    showLibraryLog(out);
    String setup = String.format(Locale.ROOT,
        "%s via embedded DNS on 127.0.0.1 (TTL %ds); %s; %s; %d callers, %d ms phases",
        CutoverScenario.HOST, TTL.toSeconds(), loopback.describe(),
        options.http2 ? "HTTPS + HTTP/2" : "HTTP/1.1 keep-alive", options.callers,
        options.phaseDuration.toMillis());
    out.println("Cutover demo: " + setup);
    out.println("Phases: " + phaseList() + ", " + options.phaseDuration.toMillis()
        + " ms each.");
    CutoverScenario scenario = new CutoverScenario(new CutoverScenario.Settings(
        options.phaseDuration, options.callers, options.thinkTime, options.http2, TTL,
        loopback, out));
    List<RunResult> results = new ArrayList<>();
    for (ClientKind kind : List.of(ClientKind.PLAIN, ClientKind.WRAPPED)) {
      out.println();
      out.println(kind == ClientKind.PLAIN
          ? "Run 1: plain OkHttpClient, DNS answers cached for "
              + ClientKind.PLAIN.jvmCacheTtl().toSeconds() + " s like the JVM's"
          : "Run 2: the same client, CutoverOkHttp.wrap(plainClient, resolver)");
      results.add(scenario.run(kind));
    }
    out.println();
    printSummary(out, results);
    Path report = writeReport(reportDir(options).resolve("report.html"), setup, results);
    out.println();
    out.println("Report: " + report.toAbsolutePath().normalize());
  }

  /**
   * Puts the library's own account of the cutover (DNS changes seen, connections drained) in
   * line with the progress, one line each, instead of JUL's two-line records on stderr.
   */
  private static void showLibraryLog(PrintStream out) {
    LIBRARY_LOG.setUseParentHandlers(false);
    for (Handler handler : LIBRARY_LOG.getHandlers()) {
      LIBRARY_LOG.removeHandler(handler);
    }
    LIBRARY_LOG.addHandler(new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.INFO.intValue()) {
          out.println("  cutover: " + new SimpleFormatter().formatMessage(record));
        }
      }

      @Override
      public void flush() {
        out.flush();
      }

      @Override
      public void close() {
        flush();
      }
    });
  }

  private static String phaseList() {
    List<String> labels = new ArrayList<>();
    for (Phase phase : Phase.values()) {
      labels.add(phase.label);
    }
    return String.join(" -> ", labels);
  }

  private static Path reportDir(DemoOptions options) {
    if (options.reportDir != null) {
      return Path.of(options.reportDir);
    }
    // Set by the demo's pom, so the report lands in demo-cli/target wherever Maven started.
    return Path.of(System.getProperty(REPORT_DIR_PROPERTY, "target/cutover-demo"));
  }

  /** The HTML page: the summary, then each run's traffic per server and errors over time. */
  static Path writeReport(Path file, String setup, List<RunResult> results) throws IOException {
    List<String> header = new ArrayList<>();
    header.add("");
    List<List<String>> rows = new ArrayList<>();
    String[] names = {"requests", "answered by blue after the DNS flip", "503 responses",
        "exceptions", "errors in all"};
    for (String name : names) {
      List<String> row = new ArrayList<>();
      row.add(name);
      rows.add(row);
    }
    List<HtmlReport.Panel> panels = new ArrayList<>();
    for (RunResult run : results) {
      header.add(run.kind);
      rows.get(0).add(String.valueOf(run.total()));
      rows.get(1).add(String.valueOf(run.blueAfterFlip()));
      rows.get(2).add(String.valueOf(run.count(Outcome.HTTP_503)));
      rows.get(3).add(String.valueOf(run.count(Outcome.EXCEPTION)));
      rows.get(4).add(String.valueOf(run.errors()));
      int[] blue = new int[run.buckets];
      int[] green = new int[run.buckets];
      int[] errors = new int[run.buckets];
      for (int b = 0; b < run.buckets; b++) {
        blue[b] = run.inBucket(b, Outcome.BLUE);
        green[b] = run.inBucket(b, Outcome.GREEN);
        errors[b] = run.inBucket(b, Outcome.HTTP_503) + run.inBucket(b, Outcome.OTHER_STATUS)
            + run.inBucket(b, Outcome.EXCEPTION);
      }
      List<HtmlReport.Marker> markers = new ArrayList<>();
      for (Phase phase : Phase.values()) {
        markers.add(new HtmlReport.Marker(run.phaseDuration.multipliedBy(phase.ordinal()),
            phase.label));
      }
      panels.add(new HtmlReport.Panel(run.kind, List.of(
          new HtmlReport.Series("blue", HtmlReport.BLUE, blue),
          new HtmlReport.Series("green", HtmlReport.GREEN, green),
          new HtmlReport.Series("errors (503 or exception)", HtmlReport.RED, errors)),
          markers));
    }
    return HtmlReport.write(file, "Cutover demo", setup, RunResult.BUCKET,
        new HtmlReport.Table(header, rows), panels);
  }

  static void printSummary(PrintStream out, List<RunResult> results) {
    String format = "%-36s %20s %20s%n";
    out.printf(Locale.ROOT, format, "Summary", results.get(0).kind, results.get(1).kind);
    row(out, format, "requests", results, r -> r.total());
    row(out, format, "answered by blue after the DNS flip", results, r -> r.blueAfterFlip());
    row(out, format, "  of which in the last phase", results,
        r -> r.count(Phase.BLUE_DOWN, Outcome.BLUE) + r.count(Phase.BLUE_DOWN, Outcome.HTTP_503));
    row(out, format, "503 responses", results, r -> r.count(Outcome.HTTP_503));
    row(out, format, "exceptions", results, r -> r.count(Outcome.EXCEPTION));
    row(out, format, "errors in all", results, r -> r.errors());
    for (RunResult result : results) {
      Map<String, Long> kinds = result.exceptionKinds();
      if (!kinds.isEmpty()) {
        out.println("Exceptions, " + result.kind + ":");
        kinds.entrySet().stream().limit(3).forEach(e ->
            out.printf(Locale.ROOT, "  %6d x %s%n", e.getValue(), e.getKey()));
      }
    }
  }

  private interface Column {
    long value(RunResult result);
  }

  private static void row(PrintStream out, String format, String name, List<RunResult> results,
      Column column) {
    out.printf(Locale.ROOT, format, name, column.value(results.get(0)),
        column.value(results.get(1)));
  }

  /** Who answers a real host, second by second, through the wrapped client. */
  private static void watchRealHost(DemoOptions options, PrintStream out)
      throws InterruptedException {
    HttpUrl url = HttpUrl.parse((options.http2 ? "https://" : "http://") + options.realHost
        + options.path);
    if (url == null) {
      out.println("cannot build a URL from --host=" + options.realHost);
      return;
    }
    InetSocketAddress server = options.realDns;
    Map<String, LongAdder> answers = new ConcurrentHashMap<>();
    try (CutoverResolver resolver = CutoverResolver.builder()
        .nameServers(server)
        .hostsFile(null)
        .maxTtl(TTL)
        .build()) {
      resolver.addListener(new ResolverListener() {
        @Override
        public void addressesChanged(AddressChange change) {
          out.println("  DNS changed: " + change);
        }
      });
      OkHttpClient plain = new OkHttpClient.Builder()
          .addNetworkInterceptor(chain -> {
            // Who answered is the address this connection reached, not what DNS says now.
            String peer = chain.connection().route().socketAddress().getAddress()
                .getHostAddress();
            return chain.proceed(chain.request()).newBuilder()
                .header("X-Cutover-Demo-Peer", peer).build();
          })
          .build();
      OkHttpClient client = CutoverOkHttp.wrap(plain, resolver);
      out.println("Watching " + url + " through DNS " + server.getAddress().getHostAddress() + ":"
          + server.getPort() + " with " + options.callers + " callers for "
          + options.realDuration.toSeconds() + " s");
      Request request = new Request.Builder().url(url).build();
      try (Load load = Load.builder(client, request)
          .callers(options.callers)
          .thinkTime(options.thinkTime)
          .duration(options.realDuration)
          .keepExchanges(false)
          .onExchange(exchange -> answers.computeIfAbsent(answer(exchange),
              k -> new LongAdder()).increment())
          .start()) {
        long end = load.startNanos() + options.realDuration.toNanos();
        long start = System.nanoTime();
        while (System.nanoTime() - end < 0) {
          TimeUnit.SECONDS.sleep(1);
          Map<String, Long> second = new TreeMap<>();
          answers.forEach((answer, count) -> {
            long n = count.sumThenReset();
            if (n > 0) {
              second.put(answer, n);
            }
          });
          out.printf(Locale.ROOT, "  %3ds  %s%n",
              TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start),
              second.isEmpty() ? "(no answers)" : second);
        }
        load.awaitEnd(Duration.ofSeconds(15));
      }
      client.connectionPool().evictAll();
    }
  }

  /** Who answered: the address reached, the status and the server's own name if it gives one. */
  private static String answer(Load.Exchange exchange) {
    if (exchange.failure() != null && exchange.code() < 0) {
      return "error " + exchange.failure().getClass().getSimpleName();
    }
    String peer = exchange.header("X-Cutover-Demo-Peer");
    String backend = exchange.backend();
    return (peer == null ? "?" : peer) + " " + exchange.code()
        + (backend == null ? "" : " " + backend);
  }
}
