package dev.cutover.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML page: a summary table, then one inline SVG chart per panel, all on the
 * same scales, so panels (client kinds, scenarios) can be compared at a glance. Used by the demo
 * and by the end-to-end suite.
 *
 * <p>Thread-safe: stateless.
 */
public final class HtmlReport {
  /** The colour of blue's line. */
  public static final String BLUE = "#1f6fd1";
  /** The colour of green's line. */
  public static final String GREEN = "#1c9c4a";
  /** The colour of the errors' line. */
  public static final String RED = "#d62728";
  /** For servers other than blue and green (a balancer's several addresses). */
  public static final List<String> OTHERS = List.of("#9467bd", "#ff7f0e", "#8c564b", "#17becf",
      "#7f7f7f");

  private static final int WIDTH = 900;
  private static final int HEIGHT = 240;
  private static final int LEFT = 50;
  private static final int RIGHT = 20;
  private static final int TOP = 28;
  private static final int BOTTOM = 30;

  /**
   * One line of a chart: a count per bucket.
   *
   * @param label the line's name in the legend
   * @param color its colour, as CSS
   * @param counts the count in each bucket, from the start
   */
  public record Series(String label, String color, int[] counts) {}

  /**
   * A dashed vertical line with a label: when a step of the script happened.
   *
   * @param at when, from the start
   * @param label what happened
   */
  public record Marker(Duration at, String label) {}

  /**
   * One chart.
   *
   * @param title the chart's heading
   * @param series its lines
   * @param markers its vertical markers
   */
  public record Panel(String title, List<Series> series, List<Marker> markers) {}

  /**
   * The summary table: a header row, then rows whose first cell names the row.
   *
   * @param header the header cells
   * @param rows the rows, each as long as the header
   */
  public record Table(List<String> header, List<List<String>> rows) {}

  private HtmlReport() {}

  /**
   * Writes the page.
   *
   * @param file where to write it; parent directories are created
   * @param heading the page's title
   * @param intro a paragraph under the title
   * @param bucket the time each count covers
   * @param summary the table under the introduction
   * @param panels the charts
   * @return the file written
   * @throws IOException if it cannot be written
   */
  public static Path write(Path file, String heading, String intro, Duration bucket, Table summary,
      List<Panel> panels) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    int buckets = 1;
    int max = 1;
    Map<String, String> legend = new LinkedHashMap<>();
    for (Panel panel : panels) {
      for (Series series : panel.series()) {
        legend.putIfAbsent(series.label(), series.color());
        for (int b = 0; b < series.counts().length; b++) {
          if (series.counts()[b] > 0) {
            buckets = Math.max(buckets, b + 1);
            max = Math.max(max, series.counts()[b]);
          }
        }
      }
    }
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>").append(escape(heading)).append("</title><style>")
        .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;")
        .append("text-align:right}th:first-child,td:first-child{text-align:left}")
        .append(".key span{display:inline-block;width:1.5em;height:4px;margin:0 .4em 3px 1em}")
        .append("</style></head><body>\n<h1>").append(escape(heading)).append("</h1>\n<p>")
        .append(escape(intro)).append("</p>\n<p class=\"key\">Per ").append(bucket.toMillis())
        .append(" ms:");
    legend.forEach((label, color) -> html.append("<span style=\"background:").append(color)
        .append("\"></span>").append(escape(label)));
    html.append("</p>\n");
    table(html, summary);
    for (Panel panel : panels) {
      html.append("<h2>").append(escape(panel.title())).append("</h2>\n");
      chart(html, panel, bucket, buckets, max);
    }
    html.append("</body></html>\n");
    Files.writeString(file, html, StandardCharsets.UTF_8);
    return file;
  }

  /**
   * Writes a table in Markdown, for reports that are read as text.
   *
   * @param table the table
   * @return the Markdown, one line per row
   */
  public static String markdown(Table table) {
    StringBuilder md = new StringBuilder();
    md.append("| ").append(String.join(" | ", table.header())).append(" |\n|");
    for (int i = 0; i < table.header().size(); i++) {
      md.append(i == 0 ? "---|" : "---:|");
    }
    md.append('\n');
    for (List<String> row : table.rows()) {
      md.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    return md.toString();
  }

  private static void table(StringBuilder html, Table table) {
    html.append("<table><tr>");
    for (String cell : table.header()) {
      html.append("<th>").append(escape(cell)).append("</th>");
    }
    html.append("</tr>\n");
    for (List<String> row : table.rows()) {
      html.append("<tr>");
      for (String cell : row) {
        html.append("<td>").append(escape(cell)).append("</td>");
      }
      html.append("</tr>\n");
    }
    html.append("</table>\n");
  }

  private static void chart(StringBuilder html, Panel panel, Duration bucket, int buckets,
      int max) {
    double plotWidth = WIDTH - LEFT - RIGHT;
    double plotHeight = HEIGHT - TOP - BOTTOM;
    double dx = plotWidth / Math.max(1, buckets - 1);
    long bucketMillis = bucket.toMillis();
    html.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "viewBox=\"0 0 %d %d\" font-size=\"11\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
    html.append(String.format(Locale.ROOT,
        "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" "
            + "stroke=\"#ccc\"/>%n", LEFT, TOP, plotWidth, plotHeight));
    // Labels of markers close together would overlap: each goes on the next free text row.
    List<Double> rowEnds = new ArrayList<>();
    for (Marker marker : panel.markers()) {
      double x = LEFT + marker.at().toMillis() / (double) bucketMillis * dx;
      int row = 0;
      while (row < rowEnds.size() && rowEnds.get(row) > x) {
        row++;
      }
      double end = x + 6 * marker.label().length() + 12;
      if (row == rowEnds.size()) {
        rowEnds.add(end);
      } else {
        rowEnds.set(row, end);
      }
      html.append(String.format(Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" "
              + "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" fill=\"#555\">%s</text>%n",
          x, TOP, x, HEIGHT - BOTTOM, x + 4, TOP - 8 + 12 * row, escape(marker.label())));
    }
    for (int tick = 0; tick <= 4; tick++) {
      double y = TOP + plotHeight - tick * plotHeight / 4;
      html.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%d</text>%n",
          LEFT - 6, y + 4, Math.round(max * tick / 4.0)));
    }
    long seconds = (buckets - 1) * bucketMillis / 1000;
    for (long s = 0; s <= seconds; s += Math.max(1, seconds / 10)) {
      double x = LEFT + s * 1000.0 / bucketMillis * dx;
      html.append(String.format(Locale.ROOT,
          "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%ds</text>%n",
          x, HEIGHT - BOTTOM + 16, s));
    }
    for (Series series : panel.series()) {
      StringBuilder points = new StringBuilder();
      for (int b = 0; b < buckets; b++) {
        int count = b < series.counts().length ? series.counts()[b] : 0;
        double y = TOP + plotHeight - count * plotHeight / max;
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + b * dx, y));
      }
      html.append("<polyline fill=\"none\" stroke-width=\"1.6\" stroke=\"")
          .append(series.color()).append("\" points=\"").append(points.toString().trim())
          .append("\"/>\n");
    }
    html.append("</svg>\n");
  }

  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
