package dev.cutover.e2e;

import static dev.cutover.e2e.EndToEndFigures.micros;

import dev.cutover.demo.HtmlReport;
import dev.cutover.testkit.ClientKind;
import dev.cutover.testkit.CutoverRun.ExecutedStep;
import dev.cutover.testkit.CutoverRun.Result;
import dev.cutover.testkit.CutoverRun.ServerTotals;
import dev.cutover.testkit.CutoverScript.Server;
import dev.cutover.testkit.Load.Attempt;
import dev.cutover.testkit.Load.Exchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes what the end-to-end suite saw: per scenario and protocol a JSON file with every request
 * and an HTML page with a chart per client kind; for the whole suite a Markdown summary and a
 * JSON one.
 */
final class EndToEndReport {
  static final Duration BUCKET = Duration.ofMillis(100);

  private EndToEndReport() {}

  static String baseName(EndToEndFigures run) {
    return run.scenario.name().toLowerCase(Locale.ROOT).replace('_', '-') + "-"
        + (run.result.http2() ? "h2" : "h1");
  }

  /** One scenario over one protocol, every client kind: JSON and HTML. */
  static void writeRuns(Path directory, List<EndToEndFigures> runs) throws IOException {
    Files.createDirectories(directory);
    EndToEndScenario scenario = runs.get(0).scenario;
    Result first = runs.get(0).result;
    String base = baseName(runs.get(0));
    StringBuilder json = new StringBuilder();
    json.append("{\n  \"scenario\": ").append(quote(scenario.name()))
        .append(",\n  \"description\": ").append(quote(scenario.script.description()))
        .append(",\n  \"protocol\": ").append(quote(first.protocol()))
        .append(",\n  \"ttlSeconds\": ").append(EndToEndScenario.TTL.toSeconds())
        .append(",\n  \"dnsServer\": ").append(quote(scenario.dns.name()))
        .append(",\n  \"callers\": ").append(scenario.shape.callers)
        .append(",\n  \"thinkTimeMillis\": ").append(scenario.shape.thinkTime.toMillis())
        .append(",\n  \"rampIntervalMillis\": ").append(scenario.shape.rampInterval.toMillis())
        .append(",\n  \"runs\": [");
    for (Iterator<EndToEndFigures> it = runs.iterator(); it.hasNext(); ) {
      runJson(json, it.next());
      json.append(it.hasNext() ? "," : "");
    }
    json.append("\n  ]\n}\n");
    Files.writeString(directory.resolve(base + ".json"), json, StandardCharsets.UTF_8);

    List<HtmlReport.Panel> panels = new ArrayList<>();
    for (EndToEndFigures run : runs) {
      panels.add(panel(run.result));
    }
    HtmlReport.write(directory.resolve(base + ".html"),
        "Cutover end to end: " + scenario.name() + ", " + first.protocol(),
        scenario.script.description() + ". " + dnsName(scenario) + " serves the name with a "
            + EndToEndScenario.TTL.toSeconds() + " s TTL; " + scenario.shape.describe()
            + "; TLS with host name verification.",
        BUCKET, table(runs), panels);
  }

  /** The suite: a Markdown table of every run's figures and the same as JSON. */
  static void writeSummary(Path directory, List<EndToEndFigures> runs) throws IOException {
    Files.createDirectories(directory);
    StringBuilder md = new StringBuilder();
    md.append("# Cutover end-to-end results\n\n")
        .append("Run on ").append(LocalDate.now()).append(", ")
        .append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.version")).append(", ")
        .append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
        .append(okhttpVersion()).append(". Every record has a ")
        .append(EndToEndScenario.TTL.toSeconds()).append(" s TTL.\n\n");
    // Only the scenarios played (-Dcutover.e2e.scenarios may name a few), in the suite's order.
    for (EndToEndScenario scenario : EnumSet.copyOf(
        runs.stream().map(r -> r.scenario).collect(Collectors.toList()))) {
      md.append("- `").append(scenario.name()).append("`: ").append(scenario.description)
          .append(". ").append(dnsName(scenario)).append("; ").append(scenario.shape.describe())
          .append(".\n");
    }
    md.append('\n');
    for (ClientKind kind : ClientKind.values()) {
      md.append("- **").append(kind.label()).append("**: ").append(kind.setup()).append('\n');
    }
    md.append("\n\"Late\" counts requests a removed address answered although they started more")
        .append(" than TTL + 1 s after DNS served the change; after a change of a weighted record")
        .append(" drawn per query, ").append(EndToEndFigures.DRAWN_GRACE_MICROS / 1000)
        .append(" ms; after a change DNS took as it went down, from when BIND answered again,")
        .append(" the resolver's retry back-off plus 1 s (see EndToEndFigures). \"Last\" is")
        .append(" counted from when DNS served the change (for the DNS outage, from when BIND was")
        .append(" back). \"Connections opened\" counts the")
        .append(" connections that carried requests; in brackets, the TCP connections the servers")
        .append(" accepted, unused ones included (over HTTP/2, calls that find no connection each")
        .append(" dial one and OkHttp keeps one of them).\n\n");
    List<String> header = List.of("scenario", "protocol", "client", "requests", "failed",
        "503", "exceptions", "retries", "late to a removed address",
        "last to a removed address (ms)", "connections open to a server as it went",
        "connections opened", "servers that answered");
    List<List<String>> rows = new ArrayList<>();
    for (EndToEndFigures run : runs) {
      rows.add(List.of(run.scenario.name(), run.result.protocol(),
          run.result.kind().label(), String.valueOf(run.requests), String.valueOf(run.failures),
          String.valueOf(run.http503), String.valueOf(run.exceptions),
          String.valueOf(run.retries), String.valueOf(run.lateToRemoved),
          EndToEndFigures.millis(run.lastToRemovedMicros), String.valueOf(run.openWhenGone),
          run.connectionsOpened + " (" + run.connectionsAccepted + ")",
          String.valueOf(run.serversUsed.size())));
    }
    md.append(HtmlReport.markdown(new HtmlReport.Table(header, rows)));
    md.append("\nEvery request of every run, and a chart per client kind: the `.json` and")
        .append(" `.html` files beside this one.\n");
    Files.writeString(directory.resolve("summary.md"), md, StandardCharsets.UTF_8);

    StringBuilder json = new StringBuilder("[");
    for (Iterator<EndToEndFigures> it = runs.iterator(); it.hasNext(); ) {
      EndToEndFigures run = it.next();
      json.append("\n  {\"scenario\": ").append(quote(run.scenario.name()))
          .append(", \"protocol\": ").append(quote(run.result.protocol()))
          .append(", \"client\": ").append(quote(run.result.kind().name()))
          .append(", \"figures\": ");
      figuresJson(json, run);
      json.append('}').append(it.hasNext() ? "," : "");
    }
    json.append("\n]\n");
    Files.writeString(directory.resolve("summary.json"), json, StandardCharsets.UTF_8);
  }

  private static void runJson(StringBuilder json, EndToEndFigures run) {
    Result result = run.result;
    json.append("\n    {\"client\": ").append(quote(result.kind().name()))
        .append(", \"label\": ").append(quote(result.kind().label()))
        .append(", \"setup\": ").append(quote(result.kind().setup()))
        .append(",\n     \"figures\": ");
    figuresJson(json, run);
    json.append(",\n     \"steps\": [");
    for (Iterator<ExecutedStep> it = result.steps().iterator(); it.hasNext(); ) {
      ExecutedStep step = it.next();
      json.append("{\"atMillis\": ").append(micros(step.atNanos()) / 1000)
          .append(", \"step\": ").append(quote(step.step().label()))
          .append(", \"clientConnectionsOpenBefore\": ").append(setMap(step.connections()))
          .append('}').append(it.hasNext() ? ", " : "");
    }
    json.append("],\n     \"servers\": {");
    for (Iterator<Map.Entry<String, ServerTotals>> it = result.servers().entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<String, ServerTotals> entry = it.next();
      ServerTotals totals = entry.getValue();
      json.append(quote(entry.getKey())).append(": {\"ip\": ").append(quote(totals.ip()))
          .append(", \"requests\": ").append(totals.requests())
          .append(", \"connections\": ").append(totals.connections())
          .append(", \"acceptedConnections\": ").append(totals.acceptedConnections())
          .append(", \"openConnectionsAtEnd\": ").append(totals.openConnections()).append('}')
          .append(it.hasNext() ? ", " : "");
    }
    json.append("},\n     \"callFields\": [\"startMicros\", \"endMicros\", \"server\", ")
        .append("\"status\", \"protocol\", \"error\", ")
        .append("\"attempts: [sentMicros, server, status] per response on the wire\", ")
        .append("\"caller\"],")
        .append("\n     \"calls\": [");
    for (Iterator<Exchange> it = result.exchanges().iterator(); it.hasNext(); ) {
      Exchange call = it.next();
      json.append("\n      [").append(micros(call.startNanos())).append(", ")
          .append(micros(call.endNanos())).append(", ").append(quote(call.backend()))
          .append(", ").append(call.status()).append(", ")
          .append(quote(call.protocol() == null ? null : call.protocol().toString()))
          .append(", ").append(quote(call.error())).append(", [");
      for (Iterator<Attempt> attempts = call.attempts().iterator(); attempts.hasNext(); ) {
        Attempt attempt = attempts.next();
        json.append('[').append(micros(attempt.sentNanos())).append(", ")
            .append(quote(attempt.backend())).append(", ").append(attempt.code()).append(']')
            .append(attempts.hasNext() ? ", " : "");
      }
      json.append("], ").append(call.caller()).append(']').append(it.hasNext() ? "," : "");
    }
    json.append("]}");
  }

  private static void figuresJson(StringBuilder json, EndToEndFigures run) {
    json.append("{\"requests\": ").append(run.requests)
        .append(", \"failed\": ").append(run.failures)
        .append(", \"http503\": ").append(run.http503)
        .append(", \"exceptions\": ").append(run.exceptions)
        .append(", \"retries\": ").append(run.retries)
        .append(", \"lateToRemovedAddress\": ").append(run.lateToRemoved)
        .append(", \"lastToRemovedAddressMillis\": ")
        .append(run.lastToRemovedMicros < 0 ? "null"
            : EndToEndFigures.millis(run.lastToRemovedMicros))
        .append(", \"openConnectionsWhenGone\": ").append(run.openWhenGone)
        .append(", \"connectionsOpened\": ").append(run.connectionsOpened)
        .append(", \"connectionsAccepted\": ").append(run.connectionsAccepted)
        .append(", \"serversThatAnswered\": ").append(run.serversUsed.size())
        .append(", \"fewestRequestsOfACaller\": ")
        .append(java.util.Arrays.stream(run.perCaller).min().orElse(0)).append('}');
  }

  private static HtmlReport.Table table(List<EndToEndFigures> runs) {
    List<String> header = new ArrayList<>();
    header.add("");
    String[] names = {"requests", "failed", "503 responses", "exceptions", "retries",
        "late to a removed address", "last to a removed address (ms after DNS served the change)",
        "connections open to a server as it went", "connections opened",
        "servers that answered"};
    List<List<String>> rows = new ArrayList<>();
    for (String name : names) {
      List<String> row = new ArrayList<>();
      row.add(name);
      rows.add(row);
    }
    for (EndToEndFigures run : runs) {
      header.add(run.result.kind().label());
      String[] values = {String.valueOf(run.requests), String.valueOf(run.failures),
          String.valueOf(run.http503), String.valueOf(run.exceptions),
          String.valueOf(run.retries), String.valueOf(run.lateToRemoved),
          EndToEndFigures.millis(run.lastToRemovedMicros), String.valueOf(run.openWhenGone),
          run.connectionsOpened + " (" + run.connectionsAccepted + " accepted)",
          String.valueOf(run.serversUsed.size())};
      for (int i = 0; i < values.length; i++) {
        rows.get(i).add(values[i]);
      }
    }
    return new HtmlReport.Table(header, rows);
  }

  private static HtmlReport.Panel panel(Result result) {
    int buckets = (int) (result.script().duration().toMillis() / BUCKET.toMillis()) + 10;
    List<HtmlReport.Series> series = new ArrayList<>();
    int other = 0;
    for (Server server : result.script().servers()) {
      int[] counts = new int[buckets];
      for (Exchange call : result.exchanges()) {
        if (call.ok() && server.name().equals(call.backend()) && inChart(call, buckets)) {
          counts[bucket(call)]++;
        }
      }
      String color = server.name().equals("blue") ? HtmlReport.BLUE
          : server.name().equals("green") ? HtmlReport.GREEN
          : HtmlReport.OTHERS.get(other++ % HtmlReport.OTHERS.size());
      series.add(new HtmlReport.Series(server.name() + " (" + server.ip() + ")", color, counts));
    }
    int[] errors = new int[buckets];
    for (Exchange call : result.exchanges()) {
      if (!call.ok() && inChart(call, buckets)) {
        errors[bucket(call)]++;
      }
    }
    series.add(new HtmlReport.Series("errors (non-200 or exception)", HtmlReport.RED, errors));
    List<HtmlReport.Marker> markers = new ArrayList<>();
    for (ExecutedStep step : result.steps()) {
      markers.add(new HtmlReport.Marker(Duration.ofNanos(micros(step.atNanos()) * 1000),
          step.step().label()));
    }
    return new HtmlReport.Panel(result.kind().label() + ": " + result.kind().setup(), series,
        markers);
  }

  /** Counted when the answer arrived, as a server's traffic would be. */
  private static int bucket(Exchange call) {
    return (int) (micros(call.endNanos()) / (BUCKET.toNanos() / 1000));
  }

  /** Whether the answer arrived within the chart's time span (not while the callers stopped). */
  private static boolean inChart(Exchange call, int buckets) {
    return bucket(call) < buckets;
  }

  private static String setMap(Map<String, Set<Integer>> map) {
    StringBuilder text = new StringBuilder("{");
    for (Iterator<Map.Entry<String, Set<Integer>>> it = map.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<String, Set<Integer>> entry = it.next();
      text.append(quote(entry.getKey())).append(": ").append(entry.getValue().size())
          .append(it.hasNext() ? ", " : "");
    }
    return text.append('}').toString();
  }

  private static String dnsName(EndToEndScenario scenario) {
    return scenario.dns == EndToEndScenario.Dns.BIND ? "BIND 9"
        : "The embedded DNS server (answers drawn per query)";
  }

  static String okhttpVersion() {
    return "OkHttp " + dev.cutover.okhttp.internal.OkHttpCompat.version();
  }

  static String quote(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder quoted = new StringBuilder("\"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        quoted.append('\\').append(c);
      } else if (c < 0x20) {
        quoted.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        quoted.append(c);
      }
    }
    return quoted.append('"').toString();
  }
}
