package tcpbalancer.config;

import io.vertx.core.Vertx;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.impl.KeyStoreHelper;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks certificates before a server uses them, so that a bad file fails the start, or is refused by a reload,
 * with a message that says what is wrong: Vert.x reads the PEM files, and takes a key that is not the
 * certificate's, or a certificate that has expired, without a word (every handshake fails after). Blocking: it
 * reads files, so call it from a worker.
 */
public final class CertificateCheck {

  private static final byte[] PROBE = "tcpbalancer certificate check".getBytes(StandardCharsets.US_ASCII);

  private CertificateCheck() {
  }

  /** Checks every pair; returns each leaf certificate's subject and expiry, for the log. */
  public static List<String> verify(Vertx vertx, TlsServerOptions tls) {
    List<String> described = new ArrayList<>();
    for (TlsServerOptions.Certificate certificate : tls.certificates()) {
      described.add(verify(vertx, certificate));
    }
    return described;
  }

  private static String verify(Vertx vertx, TlsServerOptions.Certificate pair) {
    X509Certificate leaf;
    PrivateKey key;
    try {
      KeyStore store = new PemKeyCertOptions().setCertPath(pair.cert()).setKeyPath(pair.key()).loadKeyStore(vertx);
      String alias = store.aliases().nextElement();
      Certificate[] chain = store.getCertificateChain(alias);
      leaf = (X509Certificate) chain[0];
      // Vert.x's PEM loader protects the entries it makes with this fixed password
      key = (PrivateKey) store.getKey(alias, KeyStoreHelper.DUMMY_PASSWORD.toCharArray());
    } catch (Exception e) {
      throw new ConfigException(pair.cert() + " / " + pair.key() + ": cannot be read as a PEM certificate and "
        + "private key: " + e.getMessage());
    }
    try {
      leaf.checkValidity();
    } catch (CertificateExpiredException e) {
      throw new ConfigException(pair.cert() + ": the certificate expired on " + leaf.getNotAfter().toInstant());
    } catch (CertificateNotYetValidException e) {
      throw new ConfigException(pair.cert() + ": the certificate is not valid before "
        + leaf.getNotBefore().toInstant());
    }
    if (!keyMatches(key, leaf)) {
      throw new ConfigException(pair.key() + ": is not the private key of the certificate in " + pair.cert());
    }
    return leaf.getSubjectX500Principal().getName() + " (until " + leaf.getNotAfter().toInstant() + ")";
  }

  /** The key is the certificate's if what it signs verifies with the certificate's public key. */
  private static boolean keyMatches(PrivateKey key, X509Certificate leaf) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> key.getAlgorithm(); // Ed25519, Ed448: the key's name is the signature's
    };
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(PROBE);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // keys of different kinds
    }
  }
}
