package tcpbalancer.launcher;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** TLS termination's flags, which the proxy and the backend share: they become the server's {@code tls} key. */
final class TlsServerFlags {

  @Option(names = "--tls-cert", paramLabel = "FILE",
    description = "serve TLS with this PEM certificate (its chain may follow it in the file); give it again, each "
      + "with its --tls-key, for more names: the client's SNI picks one, the first is the default")
  List<String> certs = new ArrayList<>();

  @Option(names = "--tls-key", paramLabel = "FILE", description = "the PEM private key of the --tls-cert at the "
    + "same position")
  List<String> keys = new ArrayList<>();

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  /** The {@code tls} key these flags stand for, or null without TLS. */
  JsonObject toConfig() {
    if (certs.size() != keys.size()) {
      throw new ParameterException(spec.commandLine(), "--tls-cert and --tls-key: give one key per certificate (got "
        + certs.size() + " certificate(s) and " + keys.size() + " key(s))");
    }
    if (certs.isEmpty()) {
      return null;
    }
    JsonArray certificates = new JsonArray();
    for (int i = 0; i < certs.size(); i++) {
      certificates.add(new JsonObject().put("cert", certs.get(i)).put("key", keys.get(i)));
    }
    return new JsonObject().put("certificates", certificates);
  }
}
