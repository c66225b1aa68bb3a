package dev.cutover.testkit;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * A throwaway certificate authority and one server certificate that it signed, for HTTPS and
 * HTTP/2 tests in which the client verifies the server's host name exactly as it would in
 * production.
 *
 * <p>The server certificate names the given host names, and only those, as DNS (or, for IP
 * literals, IP address) subject alternative names. Nothing is added implicitly: a client that
 * connects to {@code localhost} or {@code 127.0.0.1} fails host name verification unless that name
 * was passed to {@link #forHosts(String...)}. Tests are expected to reach the server through a name
 * such as {@code api.cutover.test} that their own {@code Dns} maps to a loopback address.
 *
 * <p>The client side trusts the test authority and nothing else, so a test cannot pass by
 * accident against some other server.
 *
 * <pre>{@code
 * TestCertificates certs = TestCertificates.forHosts("api.cutover.test");
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .sslSocketFactory(certs.clientSocketFactory(), certs.clientTrustManager())
 *     .build();
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe. Keys are generated fresh for every instance; the
 * certificates are valid from the moment of creation for 24 hours.
 */
public final class TestCertificates {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final List<String> hostNames;
  private final HeldCertificate authority;
  private final HeldCertificate server;
  private final HandshakeCertificates serverCertificates;
  private final HandshakeCertificates clientCertificates;

  private TestCertificates(List<String> hostNames) {
    this.hostNames = hostNames;
    // A random serial and name per authority: two test authorities in one trust store must not be
    // mistaken for each other by a path builder that matches issuers by name and serial.
    String authorityId = new BigInteger(64, RANDOM).toString(16);
    this.authority =
        new HeldCertificate.Builder()
            .certificateAuthority(0)
            .commonName("Cutover test CA " + authorityId)
            .organizationalUnit("cutover-testkit")
            .serialNumber(new BigInteger(64, RANDOM).add(BigInteger.ONE))
            .build();
    HeldCertificate.Builder serverBuilder =
        new HeldCertificate.Builder()
            .commonName(hostNames.get(0))
            .organizationalUnit("cutover-testkit")
            .serialNumber(new BigInteger(64, RANDOM).add(BigInteger.ONE))
            .signedBy(authority);
    for (String hostName : hostNames) {
      serverBuilder.addSubjectAlternativeName(hostName);
    }
    this.server = serverBuilder.build();
    this.serverCertificates =
        new HandshakeCertificates.Builder().heldCertificate(server).build();
    this.clientCertificates =
        new HandshakeCertificates.Builder().addTrustedCertificate(authority.certificate()).build();
  }

  /**
   * Creates a new authority and a server certificate for the given host names.
   *
   * @param hostNames the names the server certificate is valid for, at least one; each becomes a
   *     subject alternative name (an IP literal becomes an IP address name); duplicates are ignored
   * @return the new certificates
   * @throws IllegalArgumentException if no names are given or any name is null or blank
   */
  public static TestCertificates forHosts(String... hostNames) {
    if (hostNames == null || hostNames.length == 0) {
      throw new IllegalArgumentException("hostNames: at least one host name is needed, got none");
    }
    Set<String> unique = new LinkedHashSet<>();
    for (String hostName : hostNames) {
      if (hostName == null || hostName.isBlank()) {
        throw new IllegalArgumentException(
            "hostNames: every host name must be non-blank, got "
                + (hostName == null ? "null" : "\"" + hostName + "\""));
      }
      unique.add(hostName);
    }
    return new TestCertificates(List.copyOf(unique));
  }

  /**
   * Returns the names the server certificate is valid for.
   *
   * @return the host names given to {@link #forHosts(String...)}, in order, without duplicates
   */
  public List<String> hostNames() {
    return hostNames;
  }

  /**
   * Returns the certificate of the test authority, for clients that build their own trust store.
   *
   * @return the self-signed authority certificate
   */
  public X509Certificate authorityCertificate() {
    return authority.certificate();
  }

  /**
   * Returns the server certificate.
   *
   * @return the certificate signed by {@link #authorityCertificate()}
   */
  public X509Certificate serverCertificate() {
    return server.certificate();
  }

  /**
   * Returns the server's key and certificate, ready for a TLS server.
   *
   * @return handshake certificates holding the server certificate and its private key
   */
  public HandshakeCertificates serverCertificates() {
    return serverCertificates;
  }

  /**
   * Returns what a client needs to trust the server.
   *
   * @return handshake certificates that trust only the test authority and hold no client key
   */
  public HandshakeCertificates clientCertificates() {
    return clientCertificates;
  }

  /**
   * Returns a socket factory for the server side of TLS connections.
   *
   * @return a factory whose sockets present the server certificate
   */
  public SSLSocketFactory serverSocketFactory() {
    return serverCertificates.sslSocketFactory();
  }

  /**
   * Returns a socket factory for clients, to be paired with {@link #clientTrustManager()}.
   *
   * @return a factory whose sockets trust only the test authority
   */
  public SSLSocketFactory clientSocketFactory() {
    return clientCertificates.sslSocketFactory();
  }

  /**
   * Returns the trust manager behind {@link #clientSocketFactory()}.
   *
   * @return a trust manager that trusts only the test authority
   */
  public X509TrustManager clientTrustManager() {
    return clientCertificates.trustManager();
  }

  /**
   * Describes these certificates for test failure messages.
   *
   * @return a short description naming the host names
   */
  @Override
  public String toString() {
    return "TestCertificates" + hostNames;
  }
}
