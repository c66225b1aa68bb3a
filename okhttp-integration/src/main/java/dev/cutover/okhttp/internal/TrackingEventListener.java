package dev.cutover.okhttp.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.Protocol;

/**
 * One per call: tells the tracker which connections are acquired, released and failing, and
 * nothing else. The whole listener of a wrapped client whose user set none; {@link
 * CutoverEventListener} adds the user's listener. Without one, each of OkHttp's two dozen events
 * per call would be a second call into {@link EventListener#NONE}, which does nothing.
 */
class TrackingEventListener extends EventListener {
  private final ConnectionTracker tracker;
  /**
   * What the tracker counted for the call's latest acquire; read back at its release. Not
   * volatile: a release on another thread (a body closed elsewhere) that sees an older value or
   * null finds the connection in the tracker's map instead, as {@link
   * ConnectionTracker#released} checks that it is the same connection.
   */
  private TrackedConnection acquired;

  TrackingEventListener(ConnectionTracker tracker) {
    this.tracker = tracker;
  }

  /** The listener for one call: this one alone if the user's listener is OkHttp's no-op. */
  static EventListener create(EventListener user, ConnectionTracker tracker) {
    return user == EventListener.NONE
        ? new TrackingEventListener(tracker)
        : new CutoverEventListener(user, tracker);
  }

  @Override
  public void connectionAcquired(Call call, Connection connection) {
    acquired = tracker.acquired(call, connection);
  }

  @Override
  public void connectionReleased(Call call, Connection connection) {
    tracker.released(connection, acquired);
  }

  @Override
  public void connectFailed(Call call, InetSocketAddress inetSocketAddress, Proxy proxy,
      Protocol protocol, IOException ioe) {
    InetAddress address = inetSocketAddress.getAddress();
    if (proxy.type() == Proxy.Type.DIRECT && address != null) {
      tracker.connectFailed(call, call.request().url().host(), address, ioe);
    }
  }

  @Override
  public void callEnd(Call call) {
    tracker.callEnded(call);
  }

  @Override
  public void callFailed(Call call, IOException ioe) {
    tracker.callEnded(call);
  }
}
