package dev.cutover.okhttp.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.List;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.Dispatcher;
import okhttp3.EventListener;
import okhttp3.Handshake;
import okhttp3.HttpUrl;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One per call when the user set a listener of their own: hands every event, unchanged and in
 * order, to it, and then tells the tracker what {@link TrackingEventListener} tells it.
 *
 * <p>Delegation is written out by hand because OkHttp 4.12 has no {@code EventListener.plus}.
 * The last four methods exist only in OkHttp 5 (see {@link OkHttpCompat}).
 */
final class CutoverEventListener extends TrackingEventListener {
  private final EventListener delegate;

  CutoverEventListener(EventListener delegate, ConnectionTracker tracker) {
    super(tracker);
    this.delegate = delegate;
  }

  /**
   * The user's listener first, as for every other event. The tracker does not need to hear of
   * the acquisition at once: OkHttp has handed the connection to the call before either listener
   * hears of it, and a close the tracker decides in between is refused to the call before it sends
   * anything (see {@link Retirer#closesOnCount}). It must hear of it, though, even if the user's
   * listener throws, or it could count a connection in use as idle.
   */
  @Override
  public void connectionAcquired(Call call, Connection connection) {
    try {
      delegate.connectionAcquired(call, connection);
    } finally {
      super.connectionAcquired(call, connection);
    }
  }

  /** The tracker hears of it even if the user's listener throws, as for the acquisition. */
  @Override
  public void connectionReleased(Call call, Connection connection) {
    try {
      delegate.connectionReleased(call, connection);
    } finally {
      super.connectionReleased(call, connection);
    }
  }

  @Override
  public void connectFailed(Call call, InetSocketAddress inetSocketAddress, Proxy proxy,
      Protocol protocol, IOException ioe) {
    delegate.connectFailed(call, inetSocketAddress, proxy, protocol, ioe);
    super.connectFailed(call, inetSocketAddress, proxy, protocol, ioe);
  }

  @Override
  public void callEnd(Call call) {
    try {
      delegate.callEnd(call);
    } finally {
      super.callEnd(call);
    }
  }

  @Override
  public void callFailed(Call call, IOException ioe) {
    try {
      delegate.callFailed(call, ioe);
    } finally {
      super.callFailed(call, ioe);
    }
  }

  @Override
  public void callStart(Call call) {
    delegate.callStart(call);
  }

  @Override
  public void proxySelectStart(Call call, HttpUrl url) {
    delegate.proxySelectStart(call, url);
  }

  @Override
  public void proxySelectEnd(Call call, HttpUrl url, List<Proxy> proxies) {
    delegate.proxySelectEnd(call, url, proxies);
  }

  @Override
  public void dnsStart(Call call, String domainName) {
    delegate.dnsStart(call, domainName);
  }

  @Override
  public void dnsEnd(Call call, String domainName, List<InetAddress> inetAddressList) {
    delegate.dnsEnd(call, domainName, inetAddressList);
  }

  @Override
  public void connectStart(Call call, InetSocketAddress inetSocketAddress, Proxy proxy) {
    delegate.connectStart(call, inetSocketAddress, proxy);
  }

  @Override
  public void secureConnectStart(Call call) {
    delegate.secureConnectStart(call);
  }

  @Override
  public void secureConnectEnd(Call call, Handshake handshake) {
    delegate.secureConnectEnd(call, handshake);
  }

  @Override
  public void connectEnd(Call call, InetSocketAddress inetSocketAddress, Proxy proxy,
      Protocol protocol) {
    delegate.connectEnd(call, inetSocketAddress, proxy, protocol);
  }

  @Override
  public void requestHeadersStart(Call call) {
    delegate.requestHeadersStart(call);
  }

  @Override
  public void requestHeadersEnd(Call call, Request request) {
    delegate.requestHeadersEnd(call, request);
  }

  @Override
  public void requestBodyStart(Call call) {
    delegate.requestBodyStart(call);
  }

  @Override
  public void requestBodyEnd(Call call, long byteCount) {
    delegate.requestBodyEnd(call, byteCount);
  }

  @Override
  public void requestFailed(Call call, IOException ioe) {
    delegate.requestFailed(call, ioe);
  }

  @Override
  public void responseHeadersStart(Call call) {
    delegate.responseHeadersStart(call);
  }

  @Override
  public void responseHeadersEnd(Call call, Response response) {
    delegate.responseHeadersEnd(call, response);
  }

  @Override
  public void responseBodyStart(Call call) {
    delegate.responseBodyStart(call);
  }

  @Override
  public void responseBodyEnd(Call call, long byteCount) {
    delegate.responseBodyEnd(call, byteCount);
  }

  @Override
  public void responseFailed(Call call, IOException ioe) {
    delegate.responseFailed(call, ioe);
  }

  @Override
  public void canceled(Call call) {
    delegate.canceled(call);
  }

  @Override
  public void satisfactionFailure(Call call, Response response) {
    delegate.satisfactionFailure(call, response);
  }

  @Override
  public void cacheHit(Call call, Response cachedResponse) {
    delegate.cacheHit(call, cachedResponse);
  }

  @Override
  public void cacheMiss(Call call) {
    delegate.cacheMiss(call);
  }

  @Override
  public void cacheConditionalHit(Call call, Response cachedResponse) {
    delegate.cacheConditionalHit(call, cachedResponse);
  }

  // OkHttp 5 only, below.

  @Override
  public void dispatcherQueueStart(Call call, Dispatcher dispatcher) {
    delegate.dispatcherQueueStart(call, dispatcher);
  }

  @Override
  public void dispatcherQueueEnd(Call call, Dispatcher dispatcher) {
    delegate.dispatcherQueueEnd(call, dispatcher);
  }

  @Override
  public void retryDecision(Call call, IOException exception, boolean retry) {
    delegate.retryDecision(call, exception, retry);
  }

  @Override
  public void followUpDecision(Call call, Response networkResponse, Request nextRequest) {
    delegate.followUpDecision(call, networkResponse, nextRequest);
  }
}
