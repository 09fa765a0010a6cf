package tcpbalancer.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for TLS tests, made with the {@code openssl} command line (a program nobody here wrote) into a
 * folder: a test CA, and leaves it signed (EC P-256 keys, quick to make) valid for 127.0.0.1 and localhost, for
 * another name, or expired. Each leaf is a {@code NAME.pem} (leaf then CA: a chain) and a {@code NAME.key}.
 *
 * <pre>
 * TestCertificates certs = TestCertificates.create(tempDir);
 * TestCertificates.Leaf server = certs.leaf("server", "localhost");
 * </pre>
 */
public final class TestCertificates {

  /** The names a loopback leaf is valid for. */
  public static final String LOOPBACK_NAMES = "IP:127.0.0.1,DNS:localhost";

  private final Path dir;

  /** A leaf's files: the chain and the private key. */
  public record Leaf(Path cert, Path key) {
  }

  private TestCertificates(Path dir) {
    this.dir = dir;
  }

  /** Makes the CA ({@link #ca()}) in {@code dir}. */
  public static TestCertificates create(Path dir) {
    TestCertificates certificates = new TestCertificates(dir);
    certificates.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=tcpbalancer test CA");
    return certificates;
  }

  /** The CA's certificate, which clients trust. */
  public Path ca() {
    return dir.resolve("ca.pem");
  }

  /** A leaf valid for 127.0.0.1 and localhost, with its CN {@code name}. */
  public Leaf loopback(String name) {
    return leaf(name, name, LOOPBACK_NAMES, 1);
  }

  /** A leaf valid for {@code dnsName} only (not for 127.0.0.1). */
  public Leaf forName(String name, String dnsName) {
    return leaf(name, dnsName, "DNS:" + dnsName, 1);
  }

  /** A leaf for 127.0.0.1 and localhost whose validity ended yesterday. */
  public Leaf expired(String name) {
    return leaf(name, name, LOOPBACK_NAMES, -1);
  }

  /**
   * A leaf signed by the CA: CN {@code commonName}, subjectAltName {@code names} (openssl's syntax), valid for
   * {@code days} from now (negative: it has expired).
   */
  public Leaf leaf(String name, String commonName, String names, int days) {
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", name + ".key",
      "-out", name + ".csr", "-subj", "/CN=" + commonName);
    write(name + ".ext", "subjectAltName=" + names + "\n");
    openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
      "-out", name + ".leaf.pem", "-days", Integer.toString(days), "-extfile", name + ".ext");
    try {
      Files.writeString(dir.resolve(name + ".pem"), Files.readString(dir.resolve(name + ".leaf.pem"))
        + Files.readString(ca()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return new Leaf(dir.resolve(name + ".pem"), dir.resolve(name + ".key"));
  }

  private void write(String file, String text) {
    try {
      Files.writeString(dir.resolve(file), text, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void openssl(String... args) {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run openssl (Debian package openssl): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
