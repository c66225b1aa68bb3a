package dev.cutover.demo;

/** The scripted steps of one cutover, in order. */
enum Phase {
  STEADY("steady on blue"),
  FLIPPED("DNS -> green"),
  BLUE_503("blue answers 503"),
  BLUE_DOWN("blue shut down");

  final String label;

  Phase(String label) {
    this.label = label;
  }
}
