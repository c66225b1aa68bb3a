package dev.cutover;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every event it receives, for assertions. */
final class RecordingListener implements ResolverListener {
  final List<AddressChange> changes = new CopyOnWriteArrayList<>();
  final List<String> queries = new CopyOnWriteArrayList<>();
  final List<String> staleServed = new CopyOnWriteArrayList<>();
  final List<String> familyFailures = new CopyOnWriteArrayList<>();

  @Override
  public void addressesChanged(AddressChange change) {
    changes.add(change);
  }

  @Override
  public void queryCompleted(String host, QueryOutcome outcome, Duration elapsed) {
    queries.add(host + " " + outcome);
  }

  @Override
  public void addressFamilyFailed(String host, String recordType, Throwable cause) {
    familyFailures.add(host + " " + recordType + " " + cause.getMessage());
  }

  @Override
  public void staleAnswerServed(String host, List<InetAddress> addresses, Throwable cause) {
    staleServed.add(host + " " + addresses.size() + " " + cause.getMessage());
  }
}
