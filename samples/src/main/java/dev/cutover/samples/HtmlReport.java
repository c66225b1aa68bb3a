package dev.cutover.samples;

import dev.cutover.samples.RunResult.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** A self-contained HTML page: one inline SVG chart per client kind, on the same scales. */
final class HtmlReport {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 240;
  private static final int LEFT = 50;
  private static final int RIGHT = 20;
  private static final int TOP = 28;
  private static final int BOTTOM = 30;
  private static final String BLUE = "#1f6fd1";
  private static final String GREEN = "#1c9c4a";
  private static final String RED = "#d62728";

  private HtmlReport() {}

  static Path write(Path directory, String title, List<RunResult> runs) throws IOException {
    Files.createDirectories(directory);
    int lastBucket = 0;
    int max = 1;
    for (RunResult run : runs) {
      for (int b = 0; b < run.buckets; b++) {
        int errors = errors(run, b);
        int sum = run.inBucket(b, Outcome.BLUE) + run.inBucket(b, Outcome.GREEN) + errors;
        if (sum > 0) {
          lastBucket = Math.max(lastBucket, b);
        }
        max = Math.max(max, Math.max(errors, Math.max(run.inBucket(b, Outcome.BLUE),
            run.inBucket(b, Outcome.GREEN))));
      }
    }
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>Cutover demo</title><style>")
        .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;")
        .append("text-align:right}th:first-child,td:first-child{text-align:left}")
        .append(".key span{display:inline-block;width:1.5em;height:4px;margin:0 .4em 3px 1em}")
        .append("</style></head><body>\n<h1>Cutover demo</h1>\n<p>")
        .append(escape(title)).append("</p>\n")
        .append("<p class=\"key\">Requests per 100 ms answered by<span style=\"background:")
        .append(BLUE).append("\"></span>blue<span style=\"background:").append(GREEN)
        .append("\"></span>green, and<span style=\"background:").append(RED)
        .append("\"></span>errors (503 or exception).</p>\n");
    summary(html, runs);
    for (RunResult run : runs) {
      html.append("<h2>").append(escape(run.kind)).append("</h2>\n");
      chart(html, run, lastBucket + 1, max);
    }
    html.append("</body></html>\n");
    Path file = directory.resolve("report.html");
    Files.writeString(file, html, StandardCharsets.UTF_8);
    return file;
  }

  private static int errors(RunResult run, int bucket) {
    return run.inBucket(bucket, Outcome.HTTP_503) + run.inBucket(bucket, Outcome.OTHER_STATUS)
        + run.inBucket(bucket, Outcome.EXCEPTION);
  }

  private static void summary(StringBuilder html, List<RunResult> runs) {
    html.append("<table><tr><th></th>");
    for (RunResult run : runs) {
      html.append("<th>").append(escape(run.kind)).append("</th>");
    }
    html.append("</tr>\n");
    row(html, "requests", runs, r -> r.total());
    row(html, "answered by blue after the DNS flip", runs, r -> r.blueAfterFlip());
    row(html, "503 responses", runs, r -> r.count(Outcome.HTTP_503));
    row(html, "exceptions", runs, r -> r.count(Outcome.EXCEPTION));
    row(html, "errors in all", runs, r -> r.errors());
    html.append("</table>\n");
  }

  private interface Column {
    long value(RunResult run);
  }

  private static void row(StringBuilder html, String name, List<RunResult> runs, Column column) {
    html.append("<tr><td>").append(escape(name)).append("</td>");
    for (RunResult run : runs) {
      html.append("<td>").append(column.value(run)).append("</td>");
    }
    html.append("</tr>\n");
  }

  private static void chart(StringBuilder html, RunResult run, int buckets, int max) {
    double plotWidth = WIDTH - LEFT - RIGHT;
    double plotHeight = HEIGHT - TOP - BOTTOM;
    double dx = plotWidth / Math.max(1, buckets - 1);
    html.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "viewBox=\"0 0 %d %d\" font-size=\"11\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
    html.append(String.format(Locale.ROOT,
        "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" "
            + "stroke=\"#ccc\"/>%n", LEFT, TOP, plotWidth, plotHeight));
    long bucketMillis = RunResult.BUCKET.toMillis();
    long phaseMillis = run.phaseDuration.toMillis();
    for (Phase phase : Phase.values()) {
      double x = LEFT + phase.ordinal() * phaseMillis / (double) bucketMillis * dx;
      html.append(String.format(Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" "
              + "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" fill=\"#555\">%s</text>%n",
          x, TOP, x, HEIGHT - BOTTOM, x + 4, TOP - 8, escape(phase.label)));
    }
    for (int tick = 0; tick <= 4; tick++) {
      double y = TOP + plotHeight - tick * plotHeight / 4;
      html.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%d</text>%n",
          LEFT - 6, y + 4, Math.round(max * tick / 4.0)));
    }
    long seconds = buckets * bucketMillis / 1000;
    for (long s = 0; s <= seconds; s += Math.max(1, seconds / 10)) {
      double x = LEFT + s * 1000.0 / bucketMillis * dx;
      html.append(String.format(Locale.ROOT,
          "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%ds</text>%n",
          x, HEIGHT - BOTTOM + 16, s));
    }
    line(html, run, buckets, max, dx, plotHeight, BLUE, b -> run.inBucket(b, Outcome.BLUE));
    line(html, run, buckets, max, dx, plotHeight, GREEN, b -> run.inBucket(b, Outcome.GREEN));
    line(html, run, buckets, max, dx, plotHeight, RED, b -> errors(run, b));
    html.append("</svg>\n");
  }

  private interface Series {
    int at(int bucket);
  }

  private static void line(StringBuilder html, RunResult run, int buckets, int max, double dx,
      double plotHeight, String color, Series series) {
    StringBuilder points = new StringBuilder();
    for (int b = 0; b < buckets; b++) {
      double y = TOP + plotHeight - series.at(b) * plotHeight / max;
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + b * dx, y));
    }
    html.append("<polyline fill=\"none\" stroke-width=\"1.6\" stroke=\"").append(color)
        .append("\" points=\"").append(points.toString().trim()).append("\"/>\n");
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
