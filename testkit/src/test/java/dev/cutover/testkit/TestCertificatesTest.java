package dev.cutover.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

class TestCertificatesTest {

  private static final int SAN_DNS = 2;
  private static final int SAN_IP = 7;

  @Test
  void serverCertificateNamesExactlyTheGivenHosts() throws CertificateParsingException {
    TestCertificates certs =
        TestCertificates.forHosts("api.cutover.test", "10.0.0.7", "api.cutover.test");

    assertEquals(List.of("api.cutover.test", "10.0.0.7"), certs.hostNames());
    assertEquals(
        List.of(List.of(SAN_DNS, "api.cutover.test"), List.of(SAN_IP, "10.0.0.7")),
        subjectAlternativeNames(certs.serverCertificate()));
  }

  @Test
  void clientTrustsTheTestAuthorityAndNothingElse() {
    TestCertificates certs = TestCertificates.forHosts("api.cutover.test");
    TestCertificates other = TestCertificates.forHosts("api.cutover.test");
    X509TrustManager trustManager = certs.clientTrustManager();

    assertArrayEquals(
        new X509Certificate[] {certs.authorityCertificate()}, trustManager.getAcceptedIssuers());
    assertDoesNotThrow(
        () ->
            trustManager.checkServerTrusted(
                new X509Certificate[] {certs.serverCertificate()}, "ECDHE_ECDSA"));
    assertThrows(
        CertificateException.class,
        () ->
            trustManager.checkServerTrusted(
                new X509Certificate[] {other.serverCertificate()}, "ECDHE_ECDSA"));
  }

  @Test
  void theServerCertificateIsSignedByTheAuthority() throws Exception {
    TestCertificates certs = TestCertificates.forHosts("api.cutover.test");

    certs.serverCertificate().verify(certs.authorityCertificate().getPublicKey());
    assertEquals(
        certs.authorityCertificate().getSubjectX500Principal(),
        certs.serverCertificate().getIssuerX500Principal());
    assertTrue(certs.authorityCertificate().getBasicConstraints() >= 0, "a CA certificate");
    assertEquals(-1, certs.serverCertificate().getBasicConstraints(), "not a CA certificate");
  }

  @Test
  void rejectsMissingOrBlankHostNames() {
    IllegalArgumentException none =
        assertThrows(IllegalArgumentException.class, TestCertificates::forHosts);
    assertTrue(none.getMessage().contains("none"), none.getMessage());

    IllegalArgumentException nullArray =
        assertThrows(
            IllegalArgumentException.class, () -> TestCertificates.forHosts((String[]) null));
    assertTrue(nullArray.getMessage().contains("none"), nullArray.getMessage());

    IllegalArgumentException nullName =
        assertThrows(
            IllegalArgumentException.class, () -> TestCertificates.forHosts("a.test", null));
    assertTrue(nullName.getMessage().contains("null"), nullName.getMessage());

    IllegalArgumentException blank =
        assertThrows(IllegalArgumentException.class, () -> TestCertificates.forHosts(" "));
    assertTrue(blank.getMessage().contains("\" \""), blank.getMessage());
  }

  private static List<List<Object>> subjectAlternativeNames(X509Certificate certificate)
      throws CertificateParsingException {
    List<List<Object>> result = new ArrayList<>();
    Collection<List<?>> names = certificate.getSubjectAlternativeNames();
    for (List<?> name : names) {
      result.add(List.of(name.get(0), name.get(1)));
    }
    return result;
  }
}
